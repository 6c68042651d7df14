"""Resident panels end to end: set-up, candidates, the background draw, report, replacements."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.models import AuditEntry, Municipality
from portal.impact.models import Activity, Output, Participation
from portal.panels import services
from portal.panels.models import (
    DrawStatus,
    MemberStatus,
    Panel,
    PanelCandidate,
    PanelDraw,
    PanelDrawJob,
    PanelMember,
)
from portal.panels.selection import Candidate, Category, panel_meets_quotas
from portal.panels.selection_io import draw_from_candidates
from tests.conftest import body_text, csrf_token

AGES = ["15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


def _people_csv(count: int, *, all_men: bool = False) -> str:
    lines = ["id,gender,age_band"]
    for i in range(count):
        gender = "man" if all_men or i % 2 else "woman"
        lines.append(f"p{i:03d},{gender},{AGES[i % 7]}")
    return "\n".join(lines) + "\n"


def _panel(db: Any, coordinator: Any, *, size: int = 8, **overrides: Any) -> Panel:
    values: dict[str, Any] = {
        "question": "Miten digitalisaatio tehdään kunnioittavasti ja vastuullisesti?",
        "description": "Ensimmäinen asukaspaneeli.",
        "size": size,
        "starts_on": date(2027, 2, 1),
        "ends_on": date(2027, 4, 1),
        "features": ["gender", "age_band"],
        "municipality_groups": {},
        "pays_fee": True,
    }
    values.update(overrides)
    return services.create_panel(actor=coordinator, **values)


def _ready_panel(db: Any, coordinator: Any, *, candidates: int = 40, size: int = 8) -> Panel:
    panel = _panel(db, coordinator, size=size)
    services.upload_candidates(actor=coordinator, panel=panel, text=_people_csv(candidates))
    services.publish_panel(actor=coordinator, panel=panel)
    services.announce_seed(
        actor=coordinator,
        panel=panel,
        seed="7 12 19 24 31 38",
        seed_source="Lotto",
        method="leximin",
    )
    return panel


def _finished(db: Any, panel: Panel) -> PanelDraw:
    # The test queue is immediate: the draw task ran when start_draw committed.
    db.session.rollback()
    db.session.expire_all()
    draw = services.current_draw(panel)
    assert draw is not None
    return draw


def test_coordinator_sets_up_a_panel_with_proposed_quotas(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    response = client.post(
        "/panels/manage/new",
        data={
            "csrf_token": csrf_token(client, "/panels/manage/new"),
            "question": "Miten digitalisaatio tehdään kunnioittavasti?",
            "description": "",
            "size": "36",
            "features": ["age_band", "gender", "municipality_group", "language"],
            "municipality_groups": "Tampere: Tampere\nKehys: Nokia, Ylöjärvi, Kangasala",
            "pays_fee": "y",
        },
    )
    assert response.status_code == 302
    panel = db.session.scalars(select(Panel)).one()
    assert panel.municipality_groups == {
        "Tampere": ["tampere"],
        "Kehys": ["nokia", "ylojarvi", "kangasala"],
    }
    assert panel.pays_fee is True
    groups = {q["value"]: q for q in panel.quotas if q["feature"] == "municipality_group"}
    assert set(groups) == {"Tampere", "Kehys", "rest", "unknown"}
    # Tampere is about 48 % of the county: 36 seats x 0.48 ≈ 17, widened by a quarter
    assert groups["Tampere"]["min"] < 17 < groups["Tampere"]["max"]
    activity = db.session.scalars(select(Activity).where(Activity.source_type == "panel")).one()
    assert (activity.kind, activity.source_id) == ("panel", panel.id)
    page = client.get(f"/panels/{panel.id}/quotas")
    assert page.status_code == 200
    assert "Ikäryhmä" in page.get_data(as_text=True)


def test_bad_municipality_groups_are_explained(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    response = client.post(
        "/panels/manage/new",
        data={
            "csrf_token": csrf_token(client, "/panels/manage/new"),
            "question": "Kysymys",
            "size": "20",
            "features": ["municipality_group"],
            "municipality_groups": "Tampere Nokia",
        },
    )
    assert response.status_code == 400
    assert "Tarkista rivi" in response.get_data(as_text=True)
    assert db.session.scalars(select(Panel)).first() is None


def test_quotas_are_edited_and_validated(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    panel = _panel(db, client.user, size=8)
    url = f"/panels/{panel.id}/quotas"
    data: dict[str, str] = {"csrf_token": csrf_token(client, url)}
    for i, quota in enumerate(panel.quotas):
        data[f"min-{i}"] = str(quota["min"])
        data[f"max-{i}"] = str(quota["max"])
    data["min-0"], data["max-0"] = "5", "3"
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    assert 'value="5"' in refused.get_data(as_text=True)  # input kept
    data["min-0"], data["max-0"] = "1", "3"
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Panel, panel.id).quotas[0]["max"] == 3


def test_infeasible_quotas_are_explained_not_raised(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    panel = _panel(db, client.user, size=10, features=["gender"])
    services.upload_candidates(
        actor=client.user,
        panel=panel,
        text="id,gender\n" + "".join(f"m{i},man\n" for i in range(12)) + "w1,woman\n",
    )
    # woman, man, other, not known
    services.update_quotas(actor=client.user, panel=panel, bounds=[(4, 6), (4, 6), (0, 1), (0, 1)])
    services.publish_panel(actor=client.user, panel=panel)
    services.announce_seed(
        actor=client.user, panel=panel, seed="1", seed_source="", method="leximin"
    )
    quotas = client.get(f"/panels/{panel.id}/quotas").get_data(as_text=True)
    assert "Paneelia ei voi arpoa näillä kiintiöillä" in quotas
    url = f"/panels/{panel.id}/draw"
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert (
        "Sukupuoli: nainen: vähimmäismäärä on 4, mutta ehdokkaita on vain 1 (3 liian vähän)" in text
    )
    assert "Sukupuoli: nainen: laske vähimmäismäärä arvosta 4 arvoon 1." in text
    assert db.session.scalars(select(PanelDraw)).first() is None
    # the same explanation in Swedish
    client.get("/language/sv")
    swedish = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert "Kön: kvinna: minimiantalet är 4 men antalet kandidater är bara 1" in swedish.get_data(
        as_text=True
    )


def test_draw_runs_in_the_background_and_is_reproducible(
    login_as: Any, db: Any, runner: Any, tmp_path: Any
) -> None:
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    url = f"/panels/{panel.id}/draw"
    started = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert started.status_code == 302
    draw = _finished(db, panel)
    assert draw.status == DrawStatus.DONE
    assert len(draw.selected) == 8
    assert len(draw.probabilities) == 40
    assert abs(sum(draw.probabilities.values()) - 8) < 1e-6
    assert draw.distribution is not None and draw.distribution["method"] == "leximin"
    assert draw.job is not None and draw.job.fraction == 1.0
    members = db.session.scalars(select(PanelMember).where(PanelMember.panel_id == panel.id)).all()
    assert len(members) == 8
    candidates = [Candidate(r["id"], r["features"]) for r in draw.snapshot]
    categories = services.categories_of(draw.quotas)
    assert panel_meets_quotas(draw.selected, candidates, categories) == []
    assert services.reproduce_draw(draw).matches
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "panels.draw")).one()
    assert audit.changes["seed"] == "7 12 19 24 31 38"
    assert audit.changes["min_probability"] == pytest.approx(draw.min_probability)

    page = client.get(url).get_data(as_text=True)
    assert "http-equiv" not in page  # finished: no more refreshing
    verify = client.post(
        f"/panels/{panel.id}/draw/verify", data={"csrf_token": csrf_token(client, url)}
    )
    assert verify.status_code == 302

    # anyone can re-run the published draw from the public files and get the same panel
    public = client.application.test_client()
    report = public.get(f"/panels/{panel.id}/report").get_data(as_text=True)
    assert "7 12 19 24 31 38" in report and 'class="chart chart-bars chart-ranges"' in report
    people = public.get(f"/panels/{panel.id}/report/people.csv").get_data(as_text=True)
    cats = public.get(f"/panels/{panel.id}/report/categories.csv").get_data(as_text=True)
    assert "p001" not in people  # pseudonymous ids only, not the uploaded ones
    (tmp_path / "people.csv").write_text(people)
    (tmp_path / "categories.csv").write_text(cats)
    result = runner.invoke(
        args=[
            "panels",
            "draw",
            "--people",
            str(tmp_path / "people.csv"),
            "--categories",
            str(tmp_path / "categories.csv"),
            "--size",
            "8",
            "--seed",
            "7 12 19 24 31 38",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["panel"] == draw.selected


def test_same_seed_reproduces_the_same_panel() -> None:
    people = [
        Candidate(f"c{i:02d}", {"gender": "woman" if i % 3 else "man", "age": AGES[i % 4]})
        for i in range(30)
    ]
    quotas = [
        Category("gender", "woman", 3, 5),
        Category("gender", "man", 3, 5),
        *(Category("age", band, 1, 3) for band in AGES[:4]),
    ]
    first = draw_from_candidates(people, quotas, 8, "4711")
    again = draw_from_candidates(list(reversed(people)), quotas, 8, "4711")
    other = [draw_from_candidates(people, quotas, 8, str(seed)) for seed in range(5)]
    assert not isinstance(first, Exception) and not isinstance(again, Exception)
    assert first[1] == again[1]  # type: ignore[index]
    assert len({result[1] for result in other}) > 1  # type: ignore[index]


@pytest.fixture
def held_draws(monkeypatch: Any) -> list[int]:
    """Keep started draws queued (as if no worker had picked them up yet)."""
    from portal.panels.services import draws

    held: list[int] = []
    monkeypatch.setattr(draws, "run_panel_draw", held.append)
    return held


def test_progress_is_shown_while_a_worker_runs_the_draw(
    login_as: Any, db: Any, held_draws: list[int]
) -> None:
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    url = f"/panels/{panel.id}/draw"
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    waiting = client.get(url).get_data(as_text=True)
    # refreshing on a timer is opt-in (WCAG 2.2.1): off by default, on with ?auto=1
    assert "http-equiv" not in waiting
    assert "<progress" in waiting
    refreshing = client.get(f"{url}?auto=1").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="10">' in refreshing
    draw = services.current_draw(panel)
    assert held_draws == [draw.id]
    assert services.run_panel_draw.call_local(draw.id) == DrawStatus.DONE
    db.session.expire_all()
    job = db.session.scalars(select(PanelDrawJob)).one()
    assert (job.status, job.fraction, job.attempt) == (DrawStatus.DONE, 1.0, 1)
    # a second worker finds nothing to claim
    assert services.run_panel_draw.call_local(draw.id) == "skipped"


def test_replacement_keeps_quotas_and_is_audited(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    services.start_draw(actor=client.user, panel=panel)
    _finished(db, panel)
    member = services.panel_members(panel)[0]
    url = f"/panels/{panel.id}/members/{member.id}/replace"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "seed": "555"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PanelMember, member.id).status == MemberStatus.DROPPED
    active = services.panel_members(panel)
    assert len(active) == 8
    replacement = db.session.scalars(select(PanelDraw).where(PanelDraw.kind == "replacement")).one()
    assert replacement.dropped == [member.candidate.pseudonym]
    assert sorted(m.candidate.pseudonym for m in active) == replacement.selected
    candidates = [Candidate(r["id"], r["features"]) for r in replacement.snapshot]
    assert (
        panel_meets_quotas(replacement.selected, candidates, services.categories_of(panel.quotas))
        == []
    )
    assert services.reproduce_draw(replacement).matches
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "panels.replace")).one()
    report = client.get(f"/panels/{panel.id}/report").get_data(as_text=True)
    assert member.candidate.pseudonym in report


def _resident(db: Any, create_user: Any, i: int) -> Any:
    user = create_user("resident", email=f"asukas{i}@example.fi")
    user.birth_year = 1950 + (i * 7) % 55
    user.gender = "woman" if i % 2 else "man"
    user.language = "fi"
    user.municipality_id = db.session.scalar(
        select(Municipality.id).where(Municipality.slug == ("tampere" if i % 3 else "nokia"))
    )
    db.session.commit()
    return user


def test_residents_see_only_their_own_chance_and_attendance_is_recorded(
    login_as: Any, create_user: Any, db: Any, mailbox: Any
) -> None:
    coordinator = login_as("coordinator")
    residents = [_resident(db, create_user, i) for i in range(16)]
    panel = _panel(db, coordinator.user, size=6, features=["gender"])
    added, missing = services.add_candidates_by_email(
        actor=coordinator.user,
        panel=panel,
        emails=[u.email for u in residents] + ["nobody@example.fi"],
    )
    assert (added, missing) == (16, 1)
    services.publish_panel(actor=coordinator.user, panel=panel)
    services.announce_seed(
        actor=coordinator.user, panel=panel, seed="99", seed_source="", method="legacy"
    )
    services.start_draw(actor=coordinator.user, panel=panel)
    draw = _finished(db, panel)
    assert draw.status == DrawStatus.DONE and draw.method == "legacy"

    drawn = [m.candidate.user for m in services.panel_members(panel)]
    message = mailbox.wait_for(drawn[0].email)[0]
    assert message["Subject"] == "Sinut on arvottu asukaspaneeliin"
    assert f"http://localhost/panels/{panel.id}" in body_text(message)
    assert services.activity_pays_fee(services.panel_activity(panel).id) is True

    someone = residents[0]
    candidate = db.session.scalars(
        select(PanelCandidate).where(PanelCandidate.user_id == someone.id)
    ).one()
    own = login_as(user=someone).get("/panels/my").get_data(as_text=True)
    assert panel.question in own and "%" in own
    stranger = login_as("resident").get("/panels/my").get_data(as_text=True)
    assert panel.question not in stranger
    assert services.own_chances(someone)[0].probability == draw.probabilities[candidate.pseudonym]

    # a session with attendance creates participations for the fees domain to pay
    session = services.add_session(
        actor=coordinator.user,
        panel=panel,
        title="Aloitustapaaminen",
        held_on=date(2027, 2, 1),
        hours=Decimal("3"),
        location="Tampere-talo",
    )
    members = services.panel_members(panel)
    url = f"/panels/{panel.id}/sessions/{session.id}"
    data = {"csrf_token": csrf_token(coordinator, url)}
    data.update({f"attendance-{m.id}": "present" for m in members})
    data[f"attendance-{members[0].id}"] = "absent"
    assert coordinator.post(url, data=data).status_code == 302
    rows = db.session.scalars(
        select(Participation).where(Participation.event_type == "panel_session")
    ).all()
    assert len(rows) == 6
    assert {r.role for r in rows} == {"panelist"}
    assert sum(r.attended for r in rows) == 5
    assert all(r.event_id == session.id for r in rows)


def test_recommendations_become_outputs_and_draft_panels_stay_hidden(
    login_as: Any, db: Any
) -> None:
    coordinator = login_as("coordinator")
    panel = _panel(db, coordinator.user)
    anonymous = coordinator.application.test_client()
    assert anonymous.get(f"/panels/{panel.id}").status_code == 404
    url = f"/panels/{panel.id}/manage"
    response = coordinator.post(
        f"/panels/{panel.id}/recommendations",
        data={
            "csrf_token": csrf_token(coordinator, url),
            "title": "Säilytetään aina mahdollisuus asioida kasvokkain",
            "text": "Perustelut.",
        },
    )
    assert response.status_code == 302
    output = db.session.scalars(select(Output)).one()
    assert (output.kind, output.source_type) == ("recommendation", "panel_recommendation")
    services.publish_panel(actor=coordinator.user, panel=panel)
    page = anonymous.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "Säilytetään aina mahdollisuus asioida kasvokkain" in page


def test_candidate_upload_rejects_unknown_values(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    panel = _panel(db, client.user)
    url = f"/panels/{panel.id}/candidates"
    from io import BytesIO

    response = client.post(
        f"{url}/upload",
        data={
            "csrf_token": csrf_token(client, url),
            "people": (BytesIO(b"id,gender,age_band\nx1,female,15-24\n"), "people.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "female" in response.get_data(as_text=True)
    assert db.session.scalars(select(PanelCandidate)).first() is None


def test_personal_data_export_and_erasure(login_as: Any, create_user: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    person = _resident(db, create_user, 1)
    panel = _panel(db, coordinator.user, features=["gender"])
    services.add_candidates_by_email(actor=coordinator.user, panel=panel, emails=[person.email])
    exported = services.export_personal_data(person)
    assert exported[0]["panel"] == panel.question
    services.erase_personal_data(person)
    db.session.commit()
    candidate = db.session.scalars(select(PanelCandidate)).one()
    assert candidate.user_id is None and candidate.features == {"gender": "woman"}


def _pool_member(db: Any, user: Any) -> Any:
    from portal.pool.models import PoolMember

    member = PoolMember(user_id=user.id, status="active", consent_version="1")
    db.session.add(member)
    db.session.commit()
    return member


def test_pool_members_who_said_yes_become_candidates(
    login_as: Any, create_user: Any, db: Any
) -> None:
    from portal.pool.models import InvitationRecipient
    from portal.pool.services import create_invitation

    client = login_as("coordinator")
    panel = _panel(db, client.user, features=["gender"])
    residents = [_resident(db, create_user, i) for i in range(5)]
    members = [_pool_member(db, user) for user in residents]
    invitation = create_invitation(
        actor=client.user,
        activity=services.panel_activity(panel),
        member_ids=[m.id for m in members],
    )
    answers = {m.id: ("yes" if i % 2 == 0 else "no") for i, m in enumerate(members)}
    for recipient in db.session.scalars(
        select(InvitationRecipient).where(InvitationRecipient.invitation_id == invitation.id)
    ):
        recipient.answer = answers[recipient.member_id]
    db.session.commit()
    said_yes = sorted(m.user_id for m in members if answers[m.id] == "yes")
    url = f"/panels/{panel.id}/candidates"
    page = client.get(url).get_data(as_text=True)
    assert f"/panels/{panel.id}/candidates/pool" in page
    response = client.post(f"{url}/pool", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    rows = db.session.scalars(select(PanelCandidate)).all()
    assert sorted(r.user_id for r in rows) == said_yes
    assert {r.source for r in rows} == {"pool"}
    # importing again adds nobody twice
    client.post(f"{url}/pool", data={"csrf_token": csrf_token(client, url)})
    assert len(db.session.scalars(select(PanelCandidate)).all()) == len(said_yes)


def test_draw_command_prints_the_json_of_run_draw(runner: Any, tmp_path: Any) -> None:
    from portal.panels.selection_io import run_draw

    people = tmp_path / "people.csv"
    categories = tmp_path / "categories.csv"
    people.write_text(_people_csv(30))
    categories.write_text(
        "feature,value,min,max\ngender,woman,3,5\ngender,man,3,5\n"
        + "".join(f"age_band,{band},0,2\n" for band in AGES)
    )
    args = ["--people", str(people), "--categories", str(categories), "--size", "8"]
    result = runner.invoke(args=["panels", "draw", *args, "--seed", "42", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    expected = run_draw(people, categories, 8, "42")
    printed.pop("seconds"), expected.pop("seconds")
    assert printed == expected
    legacy = runner.invoke(
        args=["panels", "draw", *args, "--seed", "42", "--method", "legacy", "--json"]
    )
    assert json.loads(legacy.output)["feasible"] is True
    categories.write_text("feature,value,min,max\ngender,woman,9,9\ngender,man,0,8\n")
    people.write_text("id,gender\n" + "".join(f"p{i},man\n" for i in range(10)))
    infeasible = runner.invoke(args=["panels", "draw", *args, "--seed", "42", "--json"])
    assert infeasible.exit_code == 0
    report = json.loads(infeasible.output)
    assert report["feasible"] is False and report["explanation"]


def test_draw_command_exit_statuses(runner: Any, tmp_path: Any, monkeypatch: Any) -> None:
    """2 for malformed files (one line), 1 for quotas no panel meets and solver failures."""
    from portal.panels import leximin

    people = tmp_path / "people.csv"
    categories = tmp_path / "categories.csv"
    people.write_text(_people_csv(30))
    categories.write_text("feature,value,min,max\ngender,woman,3,5\ngender,man,three,5\n")
    args = ["panels", "draw", "--people", str(people), "--categories", str(categories)]
    args += ["--size", "8", "--seed", "7"]
    malformed = runner.invoke(args=args)
    assert malformed.exit_code == 2, malformed.output
    assert "categories.csv" in malformed.output and "Traceback" not in malformed.output

    categories.write_text("feature,value,min,max\ngender,woman,9,9\ngender,man,0,8\n")
    infeasible = runner.invoke(args=args)
    assert infeasible.exit_code == 1 and "No panel meets the quotas" in infeasible.output

    categories.write_text("feature,value,min,max\ngender,woman,3,5\ngender,man,3,5\n")

    def broken_pricing(self: Any, weights: Any) -> Any:
        raise leximin.SolverFailure("pricing problem failed: solver error")

    monkeypatch.setattr(leximin._Pricer, "best", broken_pricing)
    failed = runner.invoke(args=args)
    assert failed.exit_code == 1, failed.output
    assert "could not be computed" in failed.output and "Traceback" not in failed.output


def test_members_from_an_uploaded_list_can_be_linked_to_accounts(
    login_as: Any, create_user: Any, db: Any
) -> None:
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    services.start_draw(actor=client.user, panel=panel)
    _finished(db, panel)
    member = services.panel_members(panel)[0]
    person = create_user("resident", email="paperilla@example.fi")
    url = f"/panels/{panel.id}/members/{member.id}/account"
    unknown = client.post(url, data={"csrf_token": csrf_token(client, url), "email": "x@y.fi"})
    assert unknown.status_code == 400
    assert "Millään käyttäjätilillä ei ole tätä sähköpostiosoitetta" in unknown.get_data(
        as_text=True
    )
    linked = client.post(
        url, data={"csrf_token": csrf_token(client, url), "email": "Paperilla@example.fi"}
    )
    assert linked.status_code == 302
    db.session.expire_all()
    assert db.session.get(PanelMember, member.id).candidate.user_id == person.id
    chances = services.own_chances(person)
    assert chances[0].selected and chances[0].probability is not None


def test_a_draw_whose_worker_died_is_run_again_by_the_sweep(
    app: Any, login_as: Any, db: Any, held_draws: list[int]
) -> None:
    from datetime import timedelta

    from portal.core.db import utcnow

    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    first = services.start_draw(actor=client.user, panel=panel)
    with pytest.raises(services.PanelError) as error:
        services.start_draw(actor=client.user, panel=panel)
    assert error.value.code == "already_drawn"
    # A worker claimed it and was killed: the job is "running" with an old heartbeat.
    stale = app.config["PORTAL"].panels_draw_stale_seconds
    first.job.status = first.status = DrawStatus.RUNNING
    first.job.attempt = 1
    first.job.heartbeat_at = utcnow() - timedelta(seconds=stale + 5)
    db.session.commit()
    page = client.get(f"/panels/{panel.id}/draw").get_data(as_text=True)
    assert "lakkasi raportoimasta" in page and "http-equiv" not in page
    assert services.unfinished_draw_ids(only_stalled=True) == [first.id]
    services.resume_stalled_draws()
    db.session.expire_all()
    draw = db.session.get(PanelDraw, first.id)
    assert draw.status == DrawStatus.DONE and draw.job.attempt == 2
    assert len(services.panel_members(panel)) == panel.size
    assert services.unfinished_draw_ids(only_stalled=False) == []


def test_three_concurrent_draw_requests_make_one_draw(
    app: Any, login_as: Any, db: Any, backend: str, held_draws: list[int]
) -> None:
    """The database admits one draw per panel: the racing requests after the first fail."""
    import threading

    coordinator = login_as("coordinator")
    panel = _ready_panel(db, coordinator.user)
    url = f"/panels/{panel.id}/draw"
    clients = [coordinator, *(login_as("coordinator") for _ in range(2))]
    tokens = [csrf_token(client, url) for client in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def press_draw(client: Any, token: str) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(url, data={"csrf_token": token}).status_code)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=press_draw, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # One request starts the draw (redirect); the others are told it is already drawn.
    assert sorted(statuses) == [302, 400, 400]
    db.session.expire_all()
    draws = db.session.scalars(select(PanelDraw).where(PanelDraw.panel_id == panel.id)).all()
    assert len(draws) == 1 and held_draws == [draws[0].id]
    assert db.session.scalar(select(func.count(PanelDrawJob.id))) == 1


def test_the_database_refuses_a_second_draw_under_way_or_done(login_as: Any, db: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    coordinator = login_as("coordinator")
    panel = _ready_panel(db, coordinator.user)
    first = services.start_draw(actor=coordinator.user, panel=panel)
    assert _finished(db, panel).status == DrawStatus.DONE

    def insert(status: str, kind: str = "draw") -> None:
        db.session.add(
            PanelDraw(
                panel_id=panel.id, kind=kind, status=status, method="leximin", seed="1", size=8
            )
        )
        db.session.commit()

    for status in (DrawStatus.QUEUED, DrawStatus.RUNNING, DrawStatus.DONE):
        with pytest.raises(IntegrityError):
            insert(status)
        db.session.rollback()
    # Failed attempts and replacement draws are not limited.
    insert(DrawStatus.FAILED)
    insert(DrawStatus.DONE, kind="replacement")
    # ... and a failed draw newer than the finished one does not hide it.
    assert services.current_draw(panel).id == first.id
    assert client_sees_report(coordinator, panel)


def client_sees_report(client: Any, panel: Panel) -> bool:
    people = client.get(f"/panels/{panel.id}/report/people.csv")
    return people.status_code == 200 and people.get_data(as_text=True).startswith("\ufeffid,")
