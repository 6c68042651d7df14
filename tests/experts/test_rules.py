"""Experience-bank rules: who sees what, overlaps, validation, declines, documents."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.experts import services
from portal.experts.models import ExpertAssignment, ExpertDocument, ExpertRequest
from tests.conftest import csrf_token
from tests.experts.factories import future, make_expert, make_request, make_units


@pytest.fixture
def world(login_as: Any, db: Any) -> dict[str, Any]:
    area, psychiatry, substance = make_units()
    coordinator = login_as("coordinator", email="koordinaattori@example.fi")
    return {
        "area": area,
        "psychiatry": psychiatry,
        "substance": substance,
        "coordinator": coordinator,
        "staff": login_as("staff", email="psykiatria@example.fi", org_unit=psychiatry),
        "other_staff": login_as("staff", email="paihde@example.fi", org_unit=substance),
        "eeva": make_expert(coordinator.user, name="Eeva", email="eeva@example.fi"),
        "jari": make_expert(coordinator.user, name="Jari", email="jari@example.fi"),
    }


def test_staff_see_only_their_units_requests(world: dict[str, Any], db: Any) -> None:
    ours = make_request(world["staff"].user, world["psychiatry"], title="Psykiatrian pyyntö")
    theirs = make_request(world["other_staff"].user, world["substance"], title="Päihdepyyntö")
    listing = world["staff"].get("/experts/requests").get_data(as_text=True)
    assert "Psykiatrian pyyntö" in listing and "Päihdepyyntö" not in listing
    assert world["staff"].get(f"/experts/requests/{ours.id}").status_code == 200
    # another unit's request is refused, also when posting to it
    assert world["staff"].get(f"/experts/requests/{theirs.id}").status_code == 404
    token = csrf_token(world["staff"], f"/experts/requests/{ours.id}")
    cancel = world["staff"].post(
        f"/experts/requests/{theirs.id}/cancel", data={"csrf_token": token}
    )
    assert cancel.status_code == 404
    assert db.session.get(ExpertRequest, theirs.id).status == "open"
    # staff cannot use the coordinator's matching
    assert world["staff"].get(f"/experts/requests/{ours.id}/match").status_code == 403
    both = world["coordinator"].get("/experts/requests").get_data(as_text=True)
    assert "Psykiatrian pyyntö" in both and "Päihdepyyntö" in both


def test_experts_see_only_their_own_assignments_and_documents(
    world: dict[str, Any], login_as: Any, db: Any, mailbox: Any
) -> None:
    coordinator = world["coordinator"].user
    request = make_request(world["staff"].user, world["psychiatry"])
    mine = services.propose_expert(actor=coordinator, request=request, expert=world["eeva"].user)
    other_request = make_request(world["staff"].user, world["psychiatry"], days=9)
    theirs = services.propose_expert(
        actor=coordinator, request=other_request, expert=world["jari"].user
    )
    pdf = io.BytesIO(b"%PDF-1.4 sopimus")
    document = services.add_document(
        actor=coordinator,
        expert=world["jari"].user,
        kind="agreement",
        title="Sopimus",
        signed_on=date.today(),
        filename="sopimus.pdf",
        stream=pdf,
    )
    eeva = login_as(user=world["eeva"].user)
    assert eeva.get(f"/experts/me/assignments/{mine.id}").status_code == 200
    assert eeva.get(f"/experts/me/assignments/{theirs.id}").status_code == 404
    token = csrf_token(eeva, f"/experts/me/assignments/{mine.id}")
    refused = eeva.post(
        f"/experts/me/assignments/{theirs.id}/answer",
        data={"csrf_token": token, "decision": "accept"},
    )
    assert refused.status_code == 404
    assert db.session.get(ExpertAssignment, theirs.id).status == "proposed"
    assert eeva.get(f"/experts/documents/{document.id}").status_code == 404
    page = eeva.get("/experts/me").get_data(as_text=True)
    assert "Sopimus" not in page
    jari = login_as(user=world["jari"].user)
    download = jari.get(f"/experts/documents/{document.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 sopimus"
    assert "Sopimus" in jari.get("/experts/me").get_data(as_text=True)
    assert world["coordinator"].get(f"/experts/documents/{document.id}").status_code == 200
    # experts have no access to requests or other experts' profiles
    assert jari.get(f"/experts/requests/{request.id}").status_code == 403
    assert jari.get(f"/experts/{world['eeva'].id}").status_code == 403
    with pytest.raises(services.ExpertError) as error:
        services.respond_to_assignment(actor=world["eeva"].user, assignment=theirs, accept=True)
    assert error.value.code == "not_yours"


def test_overlapping_assignment_is_refused(world: dict[str, Any], db: Any, mailbox: Any) -> None:
    coordinator = world["coordinator"].user
    first = make_request(world["staff"].user, world["psychiatry"], hour=9)
    second = make_request(world["staff"].user, world["psychiatry"], hour=10)  # 10-12 vs 9-11
    services.propose_expert(actor=coordinator, request=first, expert=world["eeva"].user)
    ranked = services.rank_experts(second)
    eeva_row = next(r for r in ranked if r.profile.user_id == world["eeva"].user_id)
    assert not eeva_row.match.available and eeva_row.match.overlapping
    assert ranked[0].profile.user_id == world["jari"].user_id
    client = world["coordinator"]
    url = f"/experts/requests/{second.id}/match"
    page = client.get(url).get_data(as_text=True)
    assert "Ei: toinen toimeksianto samaan aikaan" in page
    response = client.post(
        f"/experts/requests/{second.id}/propose/{world['eeva'].user_id}",
        data={"csrf_token": csrf_token(client, url)},
        follow_redirects=True,
    )
    assert "Asiantuntijalla on jo toimeksianto samaan aikaan." in response.get_data(as_text=True)
    assert (
        db.session.scalars(
            select(ExpertAssignment).where(ExpertAssignment.request_id == second.id)
        ).all()
        == []
    )
    # back to back is fine
    third = make_request(world["staff"].user, world["psychiatry"], hour=11)
    assert services.propose_expert(actor=coordinator, request=third, expert=world["eeva"].user)


def test_request_form_rejects_bad_times_and_keeps_input(world: dict[str, Any], db: Any) -> None:
    client = world["staff"]
    url = "/experts/requests/new"
    base = {
        "title": "Rekrytointiraati",
        "task_type": "recruitment_panel",
        "start_time": "09:00",
        "end_time": "10:00",
        "place": "Kotihoito",
        "language": "fi",
        "experts_needed": "1",
        "cost_centre": "4420",
    }
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = client.post(url, data={**base, "csrf_token": csrf_token(client, url), "day": yesterday})
    assert past.status_code == 400
    html = past.get_data(as_text=True)
    assert "Ajankohta on menneisyydessä." in html and 'value="Rekrytointiraati"' in html
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    backwards = client.post(
        url,
        data={**base, "csrf_token": csrf_token(client, url), "day": tomorrow, "end_time": "08:00"},
    )
    assert backwards.status_code == 400
    assert "Toimeksiannon täytyy päättyä alkamisen jälkeen." in backwards.get_data(as_text=True)
    nowhere = client.post(
        url, data={**base, "csrf_token": csrf_token(client, url), "day": tomorrow, "place": ""}
    )
    assert nowhere.status_code == 400
    assert "Anna paikka tai valitse etäosallistuminen." in nowhere.get_data(as_text=True)
    assert db.session.scalars(select(ExpertRequest)).all() == []


def test_decline_reopens_the_request_and_tells_the_coordinator(
    world: dict[str, Any], login_as: Any, db: Any, mailbox: Any
) -> None:
    request = make_request(world["staff"].user, world["psychiatry"])
    assignment = services.propose_expert(
        actor=world["coordinator"].user, request=request, expert=world["eeva"].user
    )
    eeva = login_as(user=world["eeva"].user)
    url = f"/experts/me/assignments/{assignment.id}"
    response = eeva.post(
        f"{url}/answer",
        data={
            "csrf_token": csrf_token(eeva, url),
            "decision": "decline",
            "reason": "Olen matkoilla.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ExpertAssignment, assignment.id).status == "declined"
    assert db.session.get(ExpertRequest, request.id).status == "open"
    told = mailbox.wait_for("koordinaattori@example.fi", count=2)[-1]
    assert "kieltäytyi" in told.get_body(preferencelist=("plain",)).get_content()
    # the emailed link no longer works after answering on the page
    offer = mailbox.wait_for("eeva@example.fi")[0]
    import re

    link = re.search(
        r"http://localhost(/experts/answer/\S+)",
        offer.get_body(preferencelist=("plain",)).get_content(),
    ).group(1)
    anonymous = world["coordinator"].application.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200  # link still valid but the assignment is no longer waiting
    answer = anonymous.post(
        link, data={"csrf_token": csrf_token(anonymous, link), "decision": "accept"}
    )
    assert answer.status_code == 400
    assert "Toimeksianto ei enää odota vastausta." in answer.get_data(as_text=True)


def test_confirmation_rules(world: dict[str, Any], db: Any, mailbox: Any) -> None:
    request = make_request(world["staff"].user, world["psychiatry"])
    assignment = services.propose_expert(
        actor=world["coordinator"].user, request=request, expert=world["eeva"].user
    )
    services.respond_to_assignment(actor=world["eeva"].user, assignment=assignment, accept=True)
    with pytest.raises(services.ExpertError) as error:
        services.confirm_assignment(
            actor=world["staff"].user, assignment=assignment, held=True, hours=2
        )
    assert error.value.code == "not_yet"
    later = request.starts_at + timedelta(hours=3)
    with pytest.raises(services.ExpertError) as error:
        services.confirm_assignment(
            actor=world["other_staff"].user, assignment=assignment, held=True, hours=2, now=later
        )
    assert error.value.code == "not_yours"
    done = services.confirm_assignment(
        actor=world["staff"].user, assignment=assignment, held=False, hours=0, now=later
    )
    assert done.status == "not_held"
    assert db.session.get(ExpertRequest, request.id).status == "completed"


def test_profile_and_document_validation(world: dict[str, Any], db: Any) -> None:
    client = world["coordinator"]
    url = "/experts/new"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "name": "Uusi Asiantuntija",
            "email": "uusi@example.fi",
            "status": "active",
            "languages": ["fi"],
        },
    )
    assert response.status_code == 400
    assert "Aktiivisen kokemusasiantuntijan on täytynyt suorittaa koulutus." in response.get_data(
        as_text=True
    )
    profile_id = world["eeva"].id
    url = f"/experts/{profile_id}"
    fake = client.post(
        f"{url}/documents",
        data={
            "csrf_token": csrf_token(client, url),
            "kind": "agreement",
            "title": "Sopimus",
            "file": (io.BytesIO(b"MZ not a pdf"), "sopimus.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert fake.status_code == 400
    assert "Tällaista tiedostoa ei hyväksytä." in fake.get_data(as_text=True)
    good = client.post(
        f"{url}/documents",
        data={
            "csrf_token": csrf_token(client, url),
            "kind": "agreement",
            "title": "Sopimus",
            "file": (io.BytesIO(b"%PDF-1.7 ok"), "sopimus.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    stored = db.session.scalars(select(ExpertDocument)).one()
    assert stored.stored_name.endswith(".pdf") and stored.stored_name != "sopimus.pdf"


def test_workload_counts_this_years_assignments(
    world: dict[str, Any], db: Any, mailbox: Any
) -> None:
    # both assignments in the same calendar year, also in the last days of December
    offsets = (3, 5) if future(3)[0].year == future(5)[0].year else (10, 12)
    for days in offsets:
        request = make_request(world["staff"].user, world["psychiatry"], days=days)
        assignment = services.propose_expert(
            actor=world["coordinator"].user, request=request, expert=world["eeva"].user
        )
        services.respond_to_assignment(actor=world["eeva"].user, assignment=assignment, accept=True)
    year = future(offsets[0])[0].year
    rows = {row.profile.user.name: row for row in services.workload(year)}
    assert rows["Eeva"].assignments == 2 and rows["Jari"].assignments == 0
    page = world["coordinator"].get(f"/experts/workload?year={year}").get_data(as_text=True)
    assert page.index("Eeva") < page.index("Jari")
    # Jari now ranks first for a new request: fewer assignments this year
    fresh = make_request(world["staff"].user, world["psychiatry"], days=20)
    assert services.rank_experts(fresh)[0].profile.user_id == world["jari"].user_id
