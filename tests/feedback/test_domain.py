"""The feedback domain end to end: intake, privacy, handling, follow-up, reports."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import func, select, text

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.permissions import Role
from portal.feedback import services
from portal.feedback.demo import SEED_CHANNEL_TABLE, demo_answers
from portal.feedback.models import Answer, Channel, ContactRequest, FollowUpCase
from portal.impact.models import Output
from tests.conftest import body_text


@pytest.fixture
def tree(db: Any) -> dict[str, OrgUnit]:
    county = OrgUnit(kind=OrgUnitKind.COUNTY, name_fi="Hyvinvointialue")
    area = OrgUnit(
        kind=OrgUnitKind.SERVICE_AREA,
        name_fi="Perhepalvelut",
        name_sv="Familjetjänster",
        parent=county,
        manager_email="alue@example.fi",
    )
    first = OrgUnit(
        kind=OrgUnitKind.UNIT,
        name_fi="Neuvola A",
        parent=area,
        manager_email="esihenkilo.a@example.fi",
    )
    second = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Neuvola B", parent=area)
    db.session.add_all([county, area, first, second])
    db.session.commit()
    return {"county": county, "area": area, "a": first, "b": second}


def half_away(value: Fraction) -> int:
    """Whole number with halves away from zero, written independently of the nps module."""
    magnitude = int(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def _token(html: bytes, name: str = "token") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"'.encode(), html)
    assert match, "no form token"
    return match.group(1).decode()


def test_seed_channel_table_comes_out_exactly(db: Any, tree: dict[str, OrgUnit]) -> None:
    db.session.add_all(demo_answers([tree["a"], tree["b"]]))
    db.session.commit()
    services.rebuild_figures()
    rows = {row.key: row.result for row in services.nps_rows("channel", services.ReportFilter())}
    assert {k: rows[k].nps for k in ("web", "sms", "kiosk")} == {"web": -34, "sms": 67, "kiosk": 80}
    for channel, (detractors, passives, promoters) in SEED_CHANNEL_TABLE.items():
        result = rows[channel]
        assert (result.detractors, result.passives, result.promoters) == (
            detractors,
            passives,
            promoters,
        )
        exact = Fraction(100 * (promoters - detractors), detractors + passives + promoters)
        assert abs(result.nps - exact) <= Fraction(1, 2)


def test_web_answer_is_anonymised_before_storage_and_stored_once(
    client: Any, db: Any, tree: dict[str, OrgUnit]
) -> None:
    url = f"/feedback/unit/{tree['a'].id}?lang=sv"
    page = client.get(url)
    assert page.status_code == 200 and 'lang="sv"' in page.get_data(as_text=True)
    form = {
        "token": _token(page.data),
        "lang": "sv",
        "score": "3",
        "q_help_when_needed": "2",
        "q_own_language": "1",
        "open_text": "Läkaren Virtanen ringde 040 123 4567, min pnr 131052-308T, mejla a.b@ex.fi",
    }
    first = client.post(url, data=form)
    second = client.post(url, data=form)  # a double click sends the same form again
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(select(func.count(Answer.id))) == 1
    stored = db.session.execute(text("SELECT open_text FROM feedback_answers")).scalar_one()
    for secret in ("Virtanen", "040 123 4567", "131052-308T", "a.b@ex.fi"):
        assert secret not in stored
    assert "[PHONE]" in stored and "[ID]" in stored and "[EMAIL]" in stored
    answer = db.session.scalars(select(Answer)).one()
    assert answer.language == "sv" and answer.score == 3 and len(answer.statements) == 2


def test_bad_web_input_gets_a_message_not_an_answer(client: Any, db: Any, tree: Any) -> None:
    url = f"/feedback/unit/{tree['a'].id}"
    token = _token(client.get(url).data)
    for data in (
        {"token": token, "score": "11"},
        {"token": "forged", "score": "5"},
        {"token": token},
        {"token": token, "score": "x", "q_safety": "9"},
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422
        assert b"error-summary" in response.data
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_contact_details_are_encrypted_and_deleted_when_the_case_closes(
    client: Any, db: Any, tree: Any, login_as: Any
) -> None:
    url = f"/feedback/unit/{tree['a'].id}"
    client.post(
        url,
        data={
            "token": _token(client.get(url).data),
            "score": "2",
            "contact_me": "1",
            "contact_name": "Aino Asiakas",
            "contact": "+358 40 765 4321",
        },
    )
    case = db.session.scalars(select(FollowUpCase)).one()
    assert case.due_on == case.opened_at.date() + timedelta(days=7)
    raw = db.session.execute(text("SELECT name, contact FROM feedback_contact_requests")).one()
    assert "Aino" not in raw[0] and "765" not in raw[1]
    answers = db.session.execute(text("SELECT * FROM feedback_answers")).all()
    assert "765" not in repr(answers) and "Aino" not in repr(answers)
    staff = login_as(Role.STAFF, org_unit=tree["a"])
    page = staff.get(f"/feedback/handle/cases/{case.id}")
    assert "+358 40 765 4321" in page.get_data(as_text=True)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    response = staff.post(
        f"/feedback/handle/cases/{case.id}",
        data={
            "csrf_token": token.group(1).decode() if token else "",
            "note": "Soitettu",
            "contacted_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ContactRequest.id))) == 0
    assert db.session.get(FollowUpCase, case.id).closed_at is not None


def test_staff_see_only_their_unit_and_area_managers_their_area(
    db: Any, tree: Any, login_as: Any, create_user: Any
) -> None:
    made = {}
    for key in ("a", "b"):
        answer, _ = services.submit_answer(
            services.Submission(
                unit=tree[key],
                channel=Channel.WEB,
                language="fi",
                score=7,
                open_text="Hyvä palvelu",
            ),
            submission_id=f"t:{key}",
        )
        made[key] = answer.id
    staff_a = login_as(Role.STAFF, org_unit=tree["a"])
    assert staff_a.get(f"/feedback/handle/answers/{made['a']}").status_code == 200
    assert staff_a.get(f"/feedback/handle/answers/{made['b']}").status_code == 403
    listing = staff_a.get("/feedback/handle").get_data(as_text=True)
    assert f"/answers/{made['a']}" in listing and f"/answers/{made['b']}" not in listing
    area_manager = create_user(Role.STAFF, email="alue@example.fi")
    assert services.scope_unit_ids(area_manager) == {tree["area"].id, tree["a"].id, tree["b"].id}
    attached = create_user(Role.STAFF, org_unit=tree["area"])
    assert {tree["a"].id, tree["b"].id} <= services.scope_unit_ids(attached)
    assert services.scope_unit_ids(create_user(Role.STAFF)) == set()


def test_development_idea_becomes_an_impact_output(db: Any, tree: Any, create_user: Any) -> None:
    staff = create_user(Role.STAFF, org_unit=tree["a"])
    answer, _ = services.submit_answer(
        services.Submission(
            unit=tree["a"],
            channel=Channel.WEB,
            language="fi",
            score=4,
            open_text="Jonot ovat liian pitkiä",
        ),
        submission_id="idea",
    )
    idea = services.make_development_idea(
        actor=staff, answer=answer, unit=tree["a"], title="Takaisinsoitto", text="Ota käyttöön"
    )
    output = db.session.get(Output, idea.output_id)
    assert output.kind == "feedback" and output.title == "Takaisinsoitto"
    assert output.activity.kind == "feedback" and output.activity.org_unit_id == tree["a"].id
    services.reply(actor=staff, answer=answer, text="Korjattu", is_public=True)
    services.correct_analysis(
        actor=staff,
        answer=answer,
        tone="negative",
        themes=["waiting"],
        known_themes=["waiting", "cost"],
    )
    services.analyse_answers([answer])
    assert answer.tone == "negative" and answer.effective_themes == ["waiting"]
    assert answer.tone_suggested is not None  # the suggestion stays beside the correction


def _contact_request(
    unit: OrgUnit, *, score: int, contact: str, submission_id: str, now: datetime
) -> Any:
    """A web answer whose customer asks to be contacted (opens a follow-up case)."""
    answer, _ = services.submit_answer(
        services.Submission(
            unit=unit,
            channel=Channel.WEB,
            language="fi",
            score=score,
            wants_contact=True,
            contact=contact,
            contact_name="",
        ),
        submission_id=submission_id,
        now=now,
    )
    return answer


def test_follow_up_reminds_then_escalates_once(db: Any, tree: Any, mailbox: Any) -> None:
    opened = datetime(2026, 3, 2, 9, 0)
    _contact_request(tree["a"], score=1, contact="040 1", submission_id="case", now=opened)
    assert services.send_follow_up_reminders(now=opened + timedelta(days=1)) == {
        "reminders": 0,
        "overdue": 0,
        "escalated": 0,
    }
    assert services.send_follow_up_reminders(now=opened + timedelta(days=6))["reminders"] == 1
    mailbox.wait_for("esihenkilo.a@example.fi")
    assert services.send_follow_up_reminders(now=opened + timedelta(days=6, hours=2)) == {
        "reminders": 0,
        "overdue": 0,
        "escalated": 0,
    }
    late = services.send_follow_up_reminders(now=opened + timedelta(days=8))
    assert late == {"reminders": 0, "overdue": 1, "escalated": 1}
    assert len(mailbox.wait_for("esihenkilo.a@example.fi", count=2)) == 2
    escalation = mailbox.wait_for("alue@example.fi")[0]
    assert "Neuvola A" in body_text(escalation)
    assert services.send_follow_up_reminders(now=opened + timedelta(days=9))["escalated"] == 0


def test_monthly_report_is_sent_once_per_unit_and_month(db: Any, tree: Any, mailbox: Any) -> None:
    rng = random.Random(3)
    scores = [rng.randint(0, 10) for _ in range(40)]
    for number, score in enumerate(scores):
        services.submit_answer(
            services.Submission(
                unit=tree["a"],
                channel=Channel.KIOSK,
                language="fi",
                score=score,
                submitted_on=date(2026, 4, 1 + number % 28),
            ),
            submission_id=f"m{number}",
        )
    # the unit and its service area have a manager address; immediate mode sends both now
    assert services.queue_monthly_reports(month=date(2026, 4, 1)) == 2
    assert services.send_monthly_report(unit_id=tree["a"].id, month=date(2026, 4, 1)) is False
    message = mailbox.wait_for("esihenkilo.a@example.fi")[0]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    expected = services.overall_nps(services.ReportFilter(unit_id=tree["a"].id)).nps
    assert expected == half_away(Fraction(100 * (promoters - detractors), len(scores)))
    assert f"NPS {expected}" in body_text(message)
    assert len(mailbox.to("esihenkilo.a@example.fi")) == 1
    assert f"NPS {expected}" in body_text(mailbox.wait_for("alue@example.fi")[0])


def test_reports_use_a_fixed_number_of_queries(db: Any, tree: Any, count_queries: Any) -> None:
    def load(count: int, prefix: str) -> None:
        random.Random(count)
        db.session.add_all(demo_answers([tree["a"], tree["b"]], seed=count)[:count])
        db.session.commit()
        services.rebuild_figures()

    counts = []
    for size in (10, 400):
        load(size, str(size))
        with count_queries() as counter:
            services.nps_rows("quarter", services.ReportFilter())
            services.unit_comparison(services.ReportFilter(), sort="nps", descending=True)
            services.statement_rows(services.ReportFilter())
        counts.append(counter.count)
        db.session.execute(text("DELETE FROM feedback_figure_cells"))
        db.session.execute(text("DELETE FROM feedback_answers"))
        db.session.commit()
    assert counts[0] == counts[1]


def test_small_cells_are_suppressed(db: Any, tree: Any, login_as: Any) -> None:
    for number in range(4):
        services.submit_answer(
            services.Submission(unit=tree["b"], channel=Channel.WEB, language="fi", score=10),
            submission_id=f"s{number}",
        )
    rows = services.unit_comparison(services.ReportFilter())
    assert rows[0].nps is None and rows[0].reliability == "suppressed"
    page = login_as(Role.DECISION_MAKER).get("/feedback/reports?by=unit&sort=nps&dir=desc")
    assert page.status_code == 200
    assert "fewer than 5 answers" in page.get_data(as_text=True) or "alle 5" in page.get_data(
        as_text=True
    )


def test_kiosk_keeps_no_cookies_and_returns_to_the_start(client: Any, db: Any, tree: Any) -> None:
    _device, secret = services.create_kiosk_device(unit=tree["a"], name="Aula")
    url = f"/feedback/kiosk/{secret}"
    page = client.get(url)
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    response = client.post(url, data={"form_token": _token(page.data, "form_token"), "score": "9"})
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    assert response.headers["Location"].startswith(f"/feedback/kiosk/{secret}?")
    start = client.get(response.headers["Location"])  # back at the start for the next person
    html = start.get_data(as_text=True)
    assert 'role="status"' in html and 'name="score"' in html and "checked" not in html
    assert "Set-Cookie" not in start.headers
    assert db.session.scalars(select(Answer)).one().channel == "kiosk"
    assert client.get("/feedback/kiosk/not-a-device").status_code == 404


def test_poster_has_a_qr_code(client: Any, db: Any, tree: Any) -> None:
    svg = client.get(f"/feedback/unit/{tree['a'].id}/poster.svg")
    assert svg.status_code == 200 and svg.data.count(b"<rect") > 100
    pdf = client.get(f"/feedback/unit/{tree['a'].id}/poster.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_cli_nps_and_analyse(runner: Any, tmp_path: Any) -> None:
    import json

    rng = random.Random(7)
    rows = [(rng.randint(0, 10), rng.choice(["web", "sms"])) for _ in range(60)]
    path = tmp_path / "scores.csv"
    path.write_text("score,channel\n" + "".join(f"{s},{c}\n" for s, c in rows), encoding="utf-8")
    result = runner.invoke(
        args=["feedback", "nps", "--csv", str(path), "--by", "channel", "--json"]
    )
    assert result.exit_code == 0, result.output
    table = {row["channel"]: row for row in json.loads(result.output)}
    for channel in ("web", "sms"):
        scores = [s for s, c in rows if c == channel]
        assert table[channel]["n"] == len(scores)
        assert table[channel]["promoters"] == sum(s >= 9 for s in scores)
    bad = tmp_path / "bad.csv"
    bad.write_text("score\n12\n", encoding="utf-8")
    failed = runner.invoke(args=["feedback", "nps", "--csv", str(bad)])
    assert failed.exit_code == 2 and len(failed.output.strip().splitlines()) == 1
    texts = tmp_path / "texts.csv"
    texts.write_text(
        "id,language,text\n1,fi,Jonotin tunnin\n2,sv,Vänlig personal\n", encoding="utf-8"
    )
    analysed = runner.invoke(args=["feedback", "analyse", "--csv", str(texts), "--json"])
    assert analysed.exit_code == 0, analysed.output
    assert [row["id"] for row in json.loads(analysed.output)] == ["1", "2"]
    assert (
        runner.invoke(args=["feedback", "analyse", "--csv", str(tmp_path / "none.csv")]).exit_code
        == 2
    )


def test_answered_questionnaire_is_versioned_not_edited(
    db: Any, tree: Any, create_user: Any
) -> None:
    admin = create_user(Role.ADMIN)
    questionnaire = services.current_questionnaire(Channel.KIOSK)
    assert questionnaire.source == "national_customer_feedback_model"
    services.submit_answer(
        services.Submission(unit=tree["a"], channel=Channel.KIOSK, language="fi", score=8),
        submission_id="v1",
    )
    texts = [
        services.QuestionText(q.kind, q.code, q.text_fi + " (muokattu)", q.text_sv, q.text_en)
        for q in questionnaire.questions
    ]
    saved = services.save_questionnaire(
        actor=admin, questionnaire=questionnaire, titles=("Uusi", "", ""), questions=texts
    )
    assert saved.id != questionnaire.id and saved.version == 2
    db.session.refresh(questionnaire)
    assert not questionnaire.questions[0].text_fi.endswith("(muokattu)")
    assert services.current_questionnaire(Channel.KIOSK).id == saved.id


def test_counted_cells_match_the_answers(db: Any, tree: Any) -> None:
    """Figures kept per answer, figures rebuilt in bulk and an independent count agree."""
    rng = random.Random(21)
    units = [tree["a"], tree["b"]]
    for number in range(120):
        channel = rng.choice([Channel.WEB, Channel.PAPER, Channel.KIOSK])
        services.submit_answer(
            services.Submission(
                unit=rng.choice(units),
                channel=channel,
                language=rng.choice(["fi", "sv"]),
                score=rng.randint(0, 10),
                statements={"help_when_needed": rng.randint(0, 5)},
                submitted_on=date(2025, rng.randint(1, 12), rng.randint(1, 28)),
            ),
            submission_id=f"c{number}",
        )
    raw = db.session.execute(select(Answer.org_unit_id, Answer.period_month, Answer.score)).all()

    def independent(key_of: Any) -> dict[Any, tuple[int, int, int]]:
        found: dict[Any, list[int]] = {}
        for unit_id, month, score in raw:
            cell = found.setdefault(key_of(unit_id, month), [0, 0, 0])
            cell[0 if score >= 9 else 1 if score >= 7 else 2] += 1
        return {k: tuple(v) for k, v in found.items()}

    def counted(dimension: str) -> dict[Any, tuple[int, int, int]]:
        return {
            row.key: (row.result.promoters, row.result.passives, row.result.detractors)
            for row in services.nps_rows(dimension, services.ReportFilter())
        }

    expected_units = independent(lambda unit_id, month: unit_id)
    expected_quarters = independent(
        lambda unit_id, month: (month // 100) * 10 + (month % 100 - 1) // 3 + 1
    )
    for _round in ("incremental", "rebuilt"):
        assert counted("unit") == expected_units
        assert counted("quarter") == expected_quarters
        services.rebuild_figures()
    values = [s.value for a in db.session.scalars(select(Answer)) for s in a.statements]
    row = services.statement_rows(services.ReportFilter())[0]
    answered = [v for v in values if v > 0]
    assert row.n == len(answered) and row.cant_say == values.count(0)
    assert row.mean == pytest.approx(sum(answered) / len(answered))


def test_impact_dashboard_shows_customer_experience(db: Any, tree: Any, login_as: Any) -> None:
    rng = random.Random(5)
    scores = [rng.randint(0, 10) for _ in range(12)]
    for number, score in enumerate(scores):
        services.submit_answer(
            services.Submission(unit=tree["a"], channel=Channel.WEB, language="fi", score=score),
            submission_id=f"i{number}",
        )
    expected = half_away(
        Fraction(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)), len(scores))
    )
    page = login_as(Role.DECISION_MAKER, locale="fi").get("/impact/").get_data(as_text=True)
    assert 'id="experience-title"' in page
    assert f"NPS {expected}" in page and "vastauksia 12" in page


def test_staff_mail_comes_in_each_readers_language(
    db: Any, tree: Any, mailbox: Any, create_user: Any
) -> None:
    """The service area's manager reads Swedish: reminders and reports reach them so."""
    create_user(Role.STAFF, email="Alue@example.fi", locale="sv", org_unit=tree["area"])
    opened = datetime(2026, 3, 2, 9, 0)
    _contact_request(tree["a"], score=2, contact="040 2", submission_id="sv-case", now=opened)
    assert services.send_follow_up_reminders(now=opened + timedelta(days=8))["escalated"] == 1
    escalation = mailbox.wait_for("alue@example.fi")[0]
    unit_manager_mail = mailbox.wait_for("esihenkilo.a@example.fi")[0]
    # The unit's own address belongs to no account: it gets Finnish, the default.
    assert "asiakas pyysi yhteydenottoa" in body_text(unit_manager_mail)
    assert "inom ditt tjänsteområde är försenad" in body_text(escalation)

    for number in range(6):
        services.submit_answer(
            services.Submission(
                unit=tree["a"],
                channel=Channel.KIOSK,
                language="fi",
                score=9,
                submitted_on=date(2026, 4, 2 + number),
            ),
            submission_id=f"sv{number}",
        )
    assert services.send_monthly_report(unit_id=tree["area"].id, month=date(2026, 4, 1))
    report = mailbox.wait_for("alue@example.fi", count=2)[1]
    assert report["Subject"] == "Kundrespons för Familjetjänster, 4/2026"
    assert "Familjetjänster" in body_text(report)


def test_the_web_form_offers_plain_language_where_provided(
    client: Any, db: Any, tree: Any, login_as: Any
) -> None:
    from portal.feedback.questionnaire_seed import STATEMENTS

    url = f"/feedback/unit/{tree['a'].id}"
    standard = client.get(url).get_data(as_text=True)
    help_statement = STATEMENTS[0]
    assert help_statement.fi in standard and help_statement.plain_fi not in standard
    assert f'href="{url}?lang=fi&amp;plain=1"' in standard

    plain = client.get(f"{url}?lang=fi&plain=1")
    page = plain.get_data(as_text=True)
    assert help_statement.plain_fi in page and help_statement.fi not in page
    assert '<input type="hidden" name="plain" value="1">' in page
    # A refused answer comes back in plain language, with what was chosen kept.
    refused = client.post(
        url, data={"token": _token(plain.data), "lang": "fi", "plain": "1", "q_safety": "4"}
    )
    again = refused.get_data(as_text=True)
    assert refused.status_code == 422 and help_statement.plain_fi in again
    assert 'id="q_safety-4" name="q_safety" value="4" checked' in again

    sv = client.get(f"{url}?lang=sv&plain=1").get_data(as_text=True)
    assert help_statement.plain_sv in sv and "På standardsvenska" in sv
    # English has no plain version: the link is not offered and the standard text is shown.
    en = client.get(f"{url}?lang=en&plain=1").get_data(as_text=True)
    assert help_statement.en in en and "plain=1" not in en

    # An administrator words the plain version; the form shows it.
    admin = login_as(Role.ADMIN)
    questionnaire = services.current_questionnaire(Channel.WEB)
    question = next(q for q in questionnaire.questions if q.code == "safety")
    edit_url = f"/feedback/questionnaires/{questionnaire.id}"
    form = {"csrf_token": _token(admin.get(edit_url).data, "csrf_token")}
    form.update(title_fi=questionnaire.title_fi, title_sv="", title_en="")
    form[f"plain_fi_{question.id}"] = "Olin turvassa."
    assert admin.post(edit_url, data=form).status_code == 302
    assert "Olin turvassa." in client.get(f"{url}?lang=fi&plain=1").get_data(as_text=True)


def test_follow_up_figures_count_the_answers_the_report_counts(db: Any, tree: Any) -> None:
    """The area's figures hold its units' cases; unit, channel and month filters apply."""
    march = datetime(2026, 3, 10, 9, 0)
    _contact_request(tree["a"], score=2, contact="040 1", submission_id="a1", now=march)
    _contact_request(tree["a"], score=3, contact="040 2", submission_id="a2", now=march)
    _contact_request(tree["b"], score=4, contact="040 3", submission_id="b1", now=march)
    april = march + timedelta(days=31)
    _contact_request(tree["b"], score=5, contact="040 4", submission_id="b2", now=april)
    today = date(2026, 5, 1)
    march_filter = {"start_month": 202603, "end_month": 202603}

    def cases(**filters: Any) -> int:
        return services.follow_up_figures(services.ReportFilter(**filters), today=today).cases

    assert cases() == 4
    assert cases(area_id=tree["area"].id, **march_filter) == 3
    assert cases(unit_id=tree["a"].id) == 2
    assert cases(unit_id=tree["b"].id, **march_filter) == 1
    assert cases(channel="kiosk") == 0 and cases(language="sv") == 0
    figures = services.follow_up_figures(services.ReportFilter(), today=today)
    assert figures.overdue_open == 4 and figures.closed == 0
