"""Making, checking, supporting, submitting and deciding initiatives, through services and pages."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.core.domains import periodic_tasks
from portal.core.models import AuditEntry, Municipality
from portal.impact.models import Activity, Output, Response
from portal.initiatives import services
from portal.initiatives.models import AbuseReport, Initiative, Support
from tests.conftest import body_html, body_text, csrf_token
from tests.initiatives.conftest import link_in


def _support(client: Any, initiative: Initiative, email: str, **extra: Any) -> Any:
    url = f"/initiatives/{initiative.id}/support"
    municipality = extra.pop("municipality", None)
    data = {
        "csrf_token": csrf_token(client, url),
        "name": "Ville Tukija",
        "municipality": str(municipality if municipality is not None else -1),
        "email": email,
    }
    data.update(extra)
    return client.post(url, data=data)


def _confirm(client: Any, mailbox: Any, email: str, count: int = 1) -> Any:
    # the link opens a page with a button; only pressing it counts the support
    link = link_in(body_text(mailbox.wait_for(email, count)[-1]), "/initiatives/support/")
    assert client.get(link).status_code == 200
    return client.post(link, data={"csrf_token": csrf_token(client, link)})


def test_resident_creates_a_draft_through_the_form(login_as: Any, db: Any) -> None:
    resident = login_as("resident")
    page = resident.get("/initiatives/new")
    assert page.status_code == 200
    assert "Tee aloite" in page.get_data(as_text=True)
    response = resident.post(
        "/initiatives/new",
        data={
            "csrf_token": csrf_token(resident, "/initiatives/new"),
            "title": "Esteetön kulku sosiaalitoimistoon",
            "proposal": "Sisäänkäynnille luiska ja automaattiovi.",
            "justification": "",
            "service_area": "0",
            "public_name": "",
            "contact_phone": "",
        },
    )
    assert response.status_code == 302
    initiative = db.session.scalars(select(Initiative)).one()
    assert initiative.state == "draft"
    assert initiative.author_id == resident.user.id
    page = resident.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lähetä tarkastettavaksi" in page


def test_invalid_form_keeps_the_input(login_as: Any) -> None:
    resident = login_as("resident")
    response = resident.post(
        "/initiatives/new",
        data={
            "csrf_token": csrf_token(resident, "/initiatives/new"),
            "title": "Lyhyt<",
            "proposal": "Ehdotukseni",
            "service_area": "0",
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Ehdotukseni" in text
    assert 'aria-invalid="true"' in text


def test_check_return_edit_and_publish(
    make_initiative: Any, login_as: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("checking")
    author = initiative.author
    coordinator = login_as("coordinator")
    url = f"/initiatives/{initiative.id}/check"
    assert coordinator.get(url).status_code == 200
    missing_reason = coordinator.post(
        f"/initiatives/{initiative.id}/return",
        data={"csrf_token": csrf_token(coordinator, url), "reason": ""},
    )
    assert missing_reason.status_code == 400
    returned = coordinator.post(
        f"/initiatives/{initiative.id}/return",
        data={"csrf_token": csrf_token(coordinator, url), "reason": "Poista henkilötiedot."},
    )
    assert returned.status_code == 302
    message = mailbox.wait_for(author.email)[0]
    assert "Poista henkilötiedot." in body_text(message)
    assert "Poista henkilötiedot." in body_html(message)

    owner = login_as(user=author)
    edit_url = f"/initiatives/{initiative.id}/edit"
    edited = owner.post(
        edit_url,
        data={
            "csrf_token": csrf_token(owner, edit_url),
            "title": "Iltavastaanotto terveysasemalle",
            "proposal": "Korjattu ehdotus.",
            "service_area": "0",
        },
    )
    assert edited.status_code == 302
    sent = owner.post(
        f"/initiatives/{initiative.id}/send",
        data={"csrf_token": csrf_token(owner, f"/initiatives/{initiative.id}")},
    )
    assert sent.status_code == 302
    db.session.refresh(initiative)
    assert initiative.state == "checking"

    published = coordinator.post(
        f"/initiatives/{initiative.id}/publish", data={"csrf_token": csrf_token(coordinator, url)}
    )
    assert published.status_code == 302
    db.session.refresh(initiative)
    assert initiative.state == "collecting"
    assert initiative.collection_ends_on is not None
    # the initiative is an activity and its proposal an output of the impact chain
    activity = db.session.get(Activity, initiative.activity_id)
    output = db.session.get(Output, initiative.output_id)
    assert (activity.kind, activity.source_type, activity.source_id) == (
        "initiative",
        "initiative",
        initiative.id,
    )
    assert (output.kind, output.source_type, output.text) == (
        "initiative_proposal",
        "initiative",
        "Korjattu ehdotus.",
    )
    actions = list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "initiative")
            .order_by(AuditEntry.id)
        )
    )
    assert actions == [
        "initiatives.created",
        "initiatives.sent_for_check",
        "initiatives.returned",
        "initiatives.edited",
        "initiatives.sent_for_check",
        "initiatives.published",
    ]


def test_support_confirm_twice_and_withdraw(
    make_initiative: Any, client: Any, mailbox: Any, db: Any, small_rule: Any
) -> None:
    initiative = make_initiative("collecting")
    tampere = db.session.scalars(select(Municipality).where(Municipality.slug == "nokia")).one()
    response = _support(client, initiative, "Ville@Example.fi", municipality=tampere.id)
    assert response.status_code == 200
    assert "Tarkista sähköpostisi" in response.get_data(as_text=True)
    assert services.support_count(initiative) == 0  # not before the address is confirmed
    link = link_in(body_text(mailbox.wait_for("ville@example.fi")[0]), "/initiatives/support/")
    opened = client.get(link)
    assert "Vahvista kannatukseni" in opened.get_data(as_text=True)
    assert (
        services.support_count(initiative) == 0
    )  # opening the link (a mail scanner) counts nothing
    confirmed = _confirm(client, mailbox, "ville@example.fi")
    assert confirmed.status_code == 302
    assert services.support_count(initiative) == 1
    support = db.session.scalars(select(Support)).one()
    assert support.verification_method == "email"
    assert support.municipality_id == tampere.id
    # the address is stored encrypted, never in plain text
    raw = db.session.execute(select(func.max(Support.__table__.c.email))).scalar()
    assert raw is not None

    # the same address again (other case and spaces) does not count twice
    _support(client, initiative, " VILLE@example.fi ")
    messages = mailbox.wait_for("ville@example.fi", 3)
    assert "jo" in body_text(messages[-1])
    assert services.support_count(initiative) == 1
    # an old confirmation link is single-use
    first_link = link_in(body_text(messages[0]), "/initiatives/support/")
    assert "/initiatives/" in client.get(first_link).headers["Location"]
    assert services.support_count(initiative) == 1

    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "<progress" in page
    assert "Kannatuksia: 1. Tarvitaan: 2." in page
    assert "sähköpostilla" in page

    withdraw_path = link_in(body_text(messages[1]), "/withdraw")
    form = client.get(withdraw_path)
    assert form.status_code == 200
    assert services.support_count(initiative) == 1  # opening the link withdraws nothing
    done = client.post(withdraw_path, data={"csrf_token": csrf_token(client, withdraw_path)})
    assert done.status_code == 302
    assert services.support_count(initiative) == 0
    assert db.session.scalar(select(func.count(Support.id))) == 0


def test_support_form_errors_and_closed_initiatives(
    make_initiative: Any, client: Any, db: Any
) -> None:
    initiative = make_initiative("collecting")
    bad = _support(client, initiative, "not-an-address", municipality=0)
    assert bad.status_code == 400
    assert "not-an-address" in bad.get_data(as_text=True)
    draft = make_initiative("draft", title="Toinen aloite luonnoksena")
    assert client.get(f"/initiatives/{draft.id}/support").status_code == 404
    with pytest.raises(services.InitiativeError) as error:
        services.request_support(
            initiative=draft,
            name="X",
            email="x@example.fi",
            municipality=None,
            notify_decision=False,
            locale="fi",
        )
    assert error.value.code == "not_collecting"


def test_full_cycle_to_decision_and_response(
    make_initiative: Any, client: Any, login_as: Any, mailbox: Any, db: Any, small_rule: Any
) -> None:
    initiative = make_initiative("collecting")
    author = initiative.author
    _support(client, initiative, "a@example.fi", notify_decision="y")
    _confirm(client, mailbox, "a@example.fi")
    _support(client, initiative, "b@example.fi")
    _confirm(client, mailbox, "b@example.fi")
    assert services.support_count(initiative) == 2  # exactly 2 % of 100

    owner = login_as(user=author)
    owner.post(
        f"/initiatives/{initiative.id}/submit",
        data={"csrf_token": csrf_token(owner, f"/initiatives/{initiative.id}")},
    )
    db.session.refresh(initiative)
    assert initiative.state == "submitted"
    assert initiative.submitted_on == date.today()
    assert initiative.threshold_at_submission == 2
    from portal.initiatives.rules import due_date

    assert initiative.due_on == due_date(date.today(), 6)

    decider = login_as("decision_maker")
    process_url = f"/initiatives/{initiative.id}/process"
    assert decider.get(process_url).status_code == 200
    decider.post(
        f"/initiatives/{initiative.id}/assign",
        data={
            "csrf_token": csrf_token(decider, process_url),
            "assigned_to": "Aluehallitus",
            "assigned_user": str(decider.user.id),
        },
    )
    db.session.refresh(initiative)
    assert initiative.state == "in_processing"
    decided = decider.post(
        f"/initiatives/{initiative.id}/decide",
        data={
            "csrf_token": csrf_token(decider, process_url),
            "decision": "partly_accepted",
            "reason": "Iltavastaanotto avataan kokeiluna yhtenä iltana.",
            "measures": "Kokeilu alkaa 1.3.",
            "minutes_link": "https://example.fi/poytakirja/12",
            "decided_on": date.today().isoformat(),
        },
    )
    assert decided.status_code == 302
    db.session.refresh(initiative)
    assert initiative.state == "decided"
    response = db.session.scalars(
        select(Response).where(Response.output_id == initiative.output_id)
    ).one()
    assert response.decision == "partly_accepted"
    assert response.decision_link == "https://example.fi/poytakirja/12"

    to_author = mailbox.wait_for(author.email, 1)
    decision_mail = [m for m in to_author if "päätös" in str(m["Subject"]).lower()]
    assert decision_mail and "Kokeilu alkaa 1.3." in body_text(decision_mail[0])
    assert any("päätös" in str(m["Subject"]).lower() for m in mailbox.to("a@example.fi"))
    assert not any("päätös" in str(m["Subject"]).lower() for m in mailbox.to("b@example.fi"))

    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Osittain hyväksytty" in page
    assert "Kokeilu alkaa 1.3." in page

    closed = decider.post(
        f"/initiatives/{initiative.id}/close",
        data={"csrf_token": csrf_token(decider, process_url)},
    )
    assert closed.status_code == 302
    db.session.refresh(initiative)
    assert initiative.state == "closed"
    assert db.session.get(Activity, initiative.activity_id).status == "closed"


def test_below_threshold_has_no_statutory_due_date(
    make_initiative: Any, db: Any, small_rule: Any
) -> None:
    initiative = make_initiative("submitted")
    assert initiative.support_count_at_submission == 0
    assert initiative.due_on is None


def test_decision_needs_a_reason_and_processing_state(make_initiative: Any, db: Any) -> None:
    initiative = make_initiative("in_processing")
    actor = initiative.author
    with pytest.raises(services.InitiativeError) as error:
        services.decide_initiative(
            actor=actor, initiative=initiative, decision="accepted", reason=""
        )
    assert error.value.code == "reason_required"
    submitted = make_initiative("submitted", title="Kolmas aloite tilassa lähetetty")
    with pytest.raises(services.InitiativeError):
        services.decide_initiative(
            actor=actor, initiative=submitted, decision="accepted", reason="Hyvä."
        )


def test_initiators_only_edit_their_own_drafts(
    make_initiative: Any, login_as: Any, client: Any, db: Any
) -> None:
    initiative = make_initiative("draft")
    stranger = login_as("resident")
    assert client.get(f"/initiatives/{initiative.id}").status_code == 404
    assert stranger.get(f"/initiatives/{initiative.id}").status_code == 404
    assert stranger.get(f"/initiatives/{initiative.id}/edit").status_code == 403
    token = csrf_token(stranger, "/initiatives/new")
    for action in ("send", "submit", "withdraw"):
        response = stranger.post(
            f"/initiatives/{initiative.id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 403
    db.session.refresh(initiative)
    assert initiative.state == "draft"
    with pytest.raises(services.InitiativeError):
        services.update_initiative(
            actor=stranger.user, initiative=initiative, title="Kaapattu", proposal="x"
        )
    # coordinators see an initiative once it is sent; the author can edit until then
    coordinator = login_as("coordinator")
    assert coordinator.get(f"/initiatives/{initiative.id}").status_code == 404
    assert coordinator.get(f"/initiatives/{initiative.id}/check").status_code == 404
    owner = login_as(user=initiative.author)
    assert owner.get(f"/initiatives/{initiative.id}/edit").status_code == 200
    services.send_for_check(actor=initiative.author, initiative=initiative)
    assert owner.get(f"/initiatives/{initiative.id}/edit").status_code == 403
    assert coordinator.get(f"/initiatives/{initiative.id}").status_code == 200
    assert coordinator.get(f"/initiatives/{initiative.id}/check").status_code == 200
    assert coordinator.get(f"/initiatives/{initiative.id}/process").status_code == 404


def test_co_initiator_joins_by_invitation(
    make_initiative: Any, login_as: Any, create_user: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("draft")
    owner = login_as(user=initiative.author)
    page = f"/initiatives/{initiative.id}"
    sent = owner.post(
        f"{page}/invite", data={"csrf_token": csrf_token(owner, page), "email": "co@example.fi"}
    )
    assert sent.status_code == 302
    time.sleep(1.05)  # a fresh page (a new token): not a resend of the same form
    again = owner.post(
        f"{page}/invite", data={"csrf_token": csrf_token(owner, page), "email": "co@example.fi"}
    )
    assert again.status_code == 400
    path = link_in(body_text(mailbox.wait_for("co@example.fi")[0]), "/invitation/")
    co = login_as(user=create_user("resident", email="co@example.fi"))
    assert co.get(path).status_code == 200
    assert co.get(f"/initiatives/{initiative.id}/edit").status_code == 403
    joined = co.post(path, data={"csrf_token": csrf_token(co, path)})
    assert joined.status_code == 302
    assert co.get(f"/initiatives/{initiative.id}/edit").status_code == 200
    assert initiative.id in [i.id for i in services.initiatives_of(co.user)]
    assert "/initiatives/mine" in co.get(path).headers["Location"]  # single use


def test_similar_initiatives_are_shown_before_sending(make_initiative: Any, login_as: Any) -> None:
    make_initiative("collecting", title="Iltavastaanotto Kangasalan terveysasemalle")
    draft = make_initiative("draft", title="Kangasalan terveysasemalle iltavastaanotto")
    owner = login_as(user=draft.author)
    page = owner.get(f"/initiatives/{draft.id}").get_data(as_text=True)
    assert "Samankaltaisia aloitteita" in page
    assert "Iltavastaanotto Kangasalan terveysasemalle" in page


def test_collections_end_by_command(make_initiative: Any, runner: Any, db: Any) -> None:
    initiative = make_initiative("collecting")
    initiative.collection_ends_on = date.today() - timedelta(days=1)
    db.session.commit()
    result = runner.invoke(args=["initiatives", "end-collections"])
    assert result.exit_code == 0, result.output
    assert "1 initiative" in result.output
    db.session.refresh(initiative)
    assert initiative.state == "submitted"
    again = runner.invoke(args=["initiatives", "end-collections"])
    assert "0 initiative" in again.output


def _periodic(app: Any, name: str) -> Any:
    return next(p for p in periodic_tasks(app) if p.name == name)


def test_collections_end_daily_on_the_task_queue(
    make_initiative: Any, app: Any, mailbox: Any, db: Any
) -> None:
    daily = _periodic(app, "initiatives.end_collections")
    runs = [
        datetime(2026, 3, day, hour, minute)
        for day in (1, 2)
        for hour, minute in ((0, 10), (0, 11), (12, 10))
    ]
    assert [daily.schedule(moment) for moment in runs] == [True, False, False] * 2
    initiative = make_initiative("collecting")
    initiative.collection_ends_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert daily.run() == (1, 0)
    db.session.refresh(initiative)
    assert initiative.state == "submitted"
    assert daily.run() == (0, 0)


def test_reminders_run_daily_on_the_task_queue(
    make_initiative: Any, app: Any, mailbox: Any, create_user: Any, db: Any
) -> None:
    remind = _periodic(app, "initiatives.remind")
    assert (
        sum(remind.schedule(datetime(2026, 3, 1, h, m)) for h in range(24) for m in range(60)) == 1
    )
    initiative = make_initiative("in_processing")
    coordinator = create_user("coordinator", email="muistutus@example.fi")
    initiative.due_on = date.today() + timedelta(days=5)
    db.session.commit()
    assert remind.run() >= 1
    assert len(mailbox.wait_for(coordinator.email)) == 1
    assert remind.run() == 0


def test_reminders_are_sent_once_per_stage(
    make_initiative: Any, runner: Any, mailbox: Any, create_user: Any, db: Any
) -> None:
    initiative = make_initiative("in_processing")
    coordinator = create_user("coordinator", email="koordinaattori@example.fi")
    initiative.due_on = date.today() + timedelta(days=20)
    db.session.commit()
    first = runner.invoke(args=["initiatives", "remind"])
    assert first.exit_code == 0, first.output
    assert len(mailbox.wait_for(coordinator.email)) == 1
    assert runner.invoke(args=["initiatives", "remind"]).output.startswith("0 ")
    initiative.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    runner.invoke(args=["initiatives", "remind"])
    messages = mailbox.wait_for(coordinator.email, 2)
    assert "myöhässä" in body_text(messages[-1])
    assert runner.invoke(args=["initiatives", "remind"]).output.startswith("0 ")
    overdue = login_overdue = services.overdue_initiatives()
    assert [i.id for i in overdue] == [initiative.id] == [i.id for i in login_overdue]


def test_coordinator_dashboard_lists_due_dates(
    make_initiative: Any, login_as: Any, db: Any
) -> None:
    initiative = make_initiative("in_processing")
    initiative.due_on = date.today() - timedelta(days=3)
    db.session.commit()
    page = login_as("coordinator").get("/initiatives/manage").get_data(as_text=True)
    assert "myöhässä" in page
    assert initiative.title in page
    assert login_as("decision_maker").get("/initiatives/manage").status_code == 200
    assert login_as("resident").get("/initiatives/manage").status_code == 403


def test_abuse_report_goes_to_the_coordinator_queue(
    make_initiative: Any, client: Any, login_as: Any, db: Any
) -> None:
    initiative = make_initiative("collecting")
    url = f"/initiatives/{initiative.id}/report"
    sent = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "reason": "offensive", "message": "Loukkaava"},
    )
    assert sent.status_code == 302
    coordinator = login_as("coordinator")
    queue = coordinator.get("/initiatives/manage/reports").get_data(as_text=True)
    assert "Loukkaava" in queue
    report = db.session.scalars(select(AbuseReport)).one()
    coordinator.post(
        f"/initiatives/manage/reports/{report.id}/handle",
        data={"csrf_token": csrf_token(coordinator, "/initiatives/manage/reports")},
    )
    db.session.refresh(report)
    assert report.handled_at is not None
    assert services.open_abuse_reports() == []


def test_annual_report_page_and_csv(
    make_initiative: Any, client: Any, db: Any, small_rule: Any
) -> None:
    initiative = make_initiative("in_processing", title="=HYPERLINK(vaarallinen)")
    make_initiative("draft", title="Luonnos ei näy raportissa")
    year = date.today().year
    page = client.get(f"/initiatives/annual-report?year={year}").get_data(as_text=True)
    assert initiative.title in page
    assert "Luonnos ei näy" not in page
    csv_response = client.get(f"/initiatives/annual-report.csv?year={year}")
    assert csv_response.mimetype == "text/csv"
    body = csv_response.get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert "Aluehallitus" in body
    assert "Luonnos" not in body


def test_settings_define_the_threshold(login_as: Any, db: Any) -> None:
    year = date.today().year
    default = services.rule_for_year(year)
    assert default.base_is_population
    assert default.threshold > 1000
    admin = login_as("admin")
    url = "/initiatives/settings"
    saved = admin.post(
        url,
        data={
            "csrf_token": csrf_token(admin, url),
            "year": str(year),
            "support_percent": "2",
            "eligible_voters": "1000",
            "handling_months": "6",
            "collection_months": "3",
        },
    )
    assert saved.status_code == 302
    rule = services.rule_for_year(year)
    assert (rule.threshold, rule.collection_months, rule.base_is_population) == (20, 3, False)
    assert admin.get(url).status_code == 200  # the saved year is listed
    assert login_as("resident").get(url).status_code == 403


def test_withdrawing_keeps_nothing_collecting(make_initiative: Any, db: Any) -> None:
    initiative = make_initiative("collecting")
    services.withdraw_initiative(actor=initiative.author, initiative=initiative)
    assert initiative.state == "closed"
    assert initiative.closed_reason == "withdrawn"


def test_personal_data_export_and_erasure(
    make_initiative: Any, create_user: Any, client: Any, mailbox: Any, db: Any
) -> None:
    from portal.accounts.services import erase_user, export_own_data

    supporter = create_user("resident", email="tukija@example.fi")
    initiative = make_initiative("collecting")
    _support(client, initiative, "tukija@example.fi")
    _confirm(client, mailbox, "tukija@example.fi")
    exported = export_own_data(user=supporter)["initiatives"]
    assert exported["supports"][0]["initiative_id"] == initiative.id
    author_export = export_own_data(user=initiative.author)["initiatives"]
    assert author_export["initiatives"][0]["id"] == initiative.id

    erase_user(actor=supporter, user=supporter)
    support = db.session.scalars(select(Support)).one()
    db.session.refresh(support)
    assert (support.name, support.email) == ("", None)
    assert services.support_count(initiative) == 1  # the count stays right


def test_support_is_rate_limited(make_initiative: Any, client: Any, db: Any) -> None:
    initiative = make_initiative("collecting")
    url = f"/initiatives/{initiative.id}/support"
    token = csrf_token(client, url)
    statuses = [
        client.post(url, data={"csrf_token": token, "name": "", "email": ""}).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_list_shows_counts_without_n_plus_one(
    make_initiative: Any, client: Any, count_queries: Any
) -> None:
    for number in range(3):
        make_initiative("collecting", title=f"Aloite numero {number} palveluista")
    with count_queries() as few:
        client.get("/initiatives/")
    for number in range(3, 8):
        make_initiative("collecting", title=f"Aloite numero {number} palveluista")
    with count_queries() as many:
        page = client.get("/initiatives/").get_data(as_text=True)
    assert "Aloite numero 7" in page
    assert many.count == few.count


def test_coordinator_takes_a_published_initiative_off_publication(
    make_initiative: Any, login_as: Any, client: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("collecting")
    coordinator = login_as("coordinator")
    url = f"/initiatives/{initiative.id}/check"
    page = coordinator.get(url).get_data(as_text=True)
    assert "Poista julkaisusta ja palauta" in page
    coordinator.post(
        f"/initiatives/{initiative.id}/return",
        data={"csrf_token": csrf_token(coordinator, url), "reason": "Sisältää henkilötietoja."},
    )
    db.session.refresh(initiative)
    assert initiative.state == "returned"
    assert client.get(f"/initiatives/{initiative.id}").status_code == 404
    assert db.session.get(Activity, initiative.activity_id).status == "planned"
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "initiatives.unpublished")
    ).one()
    assert audit.changes["state"] == {"before": "collecting", "after": "returned"}
    assert "Sisältää henkilötietoja." not in str(audit.changes)


def test_coordinators_hear_of_new_and_submitted_initiatives(
    make_initiative: Any, create_user: Any, mailbox: Any, db: Any, runner: Any
) -> None:
    coordinator = create_user("coordinator", email="koordinaattori@example.fi", locale="sv")
    initiative = make_initiative("collecting")
    waiting = mailbox.wait_for(coordinator.email)[0]
    assert "väntar på granskning" in body_text(waiting)
    initiative.collection_ends_on = date.today() - timedelta(days=1)
    db.session.commit()
    runner.invoke(args=["initiatives", "end-collections"])
    submitted = mailbox.wait_for(coordinator.email, 2)[-1]
    assert "har lämnats in med 0 stöd" in body_text(submitted)
    told = mailbox.wait_for(initiative.author.email, 2)[-1]
    assert "keräysaika päättyi" in body_text(told)


def test_expired_unconfirmed_supports_are_purged(
    make_initiative: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("collecting")
    services.request_support(
        initiative=initiative,
        name="Unohtaja",
        email="unohtaja@example.fi",
        municipality=None,
        notify_decision=False,
        locale="fi",
    )
    assert services.purge_unconfirmed_supports() == 0
    later = utcnow() + timedelta(hours=services.SUPPORT_LINK_HOURS + 1)
    assert services.purge_unconfirmed_supports(now=later) == 1
    assert db.session.scalar(select(func.count(Support.id))) == 0


def test_handlers_see_supporters_by_municipality_and_export_is_audited(
    make_initiative: Any, client: Any, login_as: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("collecting")
    nokia = db.session.scalars(select(Municipality).where(Municipality.slug == "nokia")).one()
    _support(client, initiative, "n1@example.fi", municipality=nokia.id, name="Nokialainen")
    _confirm(client, mailbox, "n1@example.fi")
    _support(client, initiative, "muu@example.fi")
    _confirm(client, mailbox, "muu@example.fi")
    services.submit_initiative(actor=initiative.author, initiative=initiative)
    decider = login_as("decision_maker")
    page = decider.get(f"/initiatives/{initiative.id}/process").get_data(as_text=True)
    assert "Nokia" in page
    assert "Muu tai alueen ulkopuolella" in page
    export = decider.get(f"/initiatives/{initiative.id}/supporters.csv")
    body = export.get_data(as_text=True)
    assert export.mimetype == "text/csv"
    assert "Nokialainen;Nokia" in body
    assert "@example.fi" not in body
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "initiatives.supporters_exported")
    ).one().changes == {"rows": 2}
    assert (
        login_as("resident").get(f"/initiatives/{initiative.id}/supporters.csv").status_code == 403
    )


def test_demo_initiatives_are_seeded_once(runner: Any, db: Any) -> None:
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo initiatives: 3" in first.output
    states = sorted(db.session.scalars(select(Initiative.state)))
    assert states == ["checking", "collecting", "in_processing"]
    again = runner.invoke(args=["seed-demo"])
    assert "Demo initiatives" not in again.output
    assert db.session.scalar(select(func.count(Initiative.id))) == 3


def test_supports_cannot_be_withdrawn_after_submission(
    make_initiative: Any, client: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("collecting")
    _support(client, initiative, "pysyva@example.fi")
    _confirm(client, mailbox, "pysyva@example.fi")
    withdraw_path = link_in(body_text(mailbox.wait_for("pysyva@example.fi", 2)[-1]), "/withdraw")
    services.submit_initiative(actor=initiative.author, initiative=initiative)
    refused = client.post(withdraw_path, data={"csrf_token": csrf_token(client, withdraw_path)})
    assert refused.status_code == 302
    assert services.support_count(initiative) == 1
    assert initiative.support_count_at_submission == 1


def test_settings_validation_keeps_input(login_as: Any) -> None:
    coordinator = login_as("coordinator")
    url = "/initiatives/settings"
    page = coordinator.get(url).get_data(as_text=True)
    assert "väestö" in page  # no figure set: the county population is the base
    response = coordinator.post(
        url,
        data={
            "csrf_token": csrf_token(coordinator, url),
            "year": "2027",
            "support_percent": "0",
            "eligible_voters": "",
            "handling_months": "40",
            "collection_months": "6",
        },
    )
    assert response.status_code == 400
    assert 'value="40"' in response.get_data(as_text=True)
