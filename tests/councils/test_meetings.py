"""A meeting from scheduling to invitations with .ics, answers, attendance and outputs."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.core.db import utcnow
from portal.core.times import local_to_utc
from portal.councils.models import Council, Meeting, MeetingInvitation
from portal.impact.models import Activity, Output, Participation
from tests.conftest import body_html, body_text, csrf_token
from tests.councils.factories import add_members, make_council, move_meeting
from tests.councils.ics_check import parse_calendar

ANSWER_LINK = re.compile(r"http://localhost(/councils/answer/\S+)")


def _calendar_of(message: Any) -> str:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "exactly one calendar attachment"
    assert parts[0].get_filename() == "invite.ics"
    return parts[0].get_payload(decode=True).decode("utf-8")


def _meeting_form(client: Any, url: str, **values: Any) -> dict[str, Any]:
    day = date.today() + timedelta(days=7)
    data = {
        "csrf_token": csrf_token(client, url),
        "title": "Syksyn kokous",
        "day": day.isoformat(),
        "start_time": "17:00",
        "end_time": "19:00",
        "place": "Hervannan palvelukeskus, kokoushuone 2",
        "remote_link": "https://meet.example.fi/neuvosto",
        "accessibility_info": "Esteetön sisäänkäynti, induktiosilmukka.",
        "agenda": "1. Avaus\n2. Talousarvio",
    }
    data.update(values)
    return data


def test_meeting_from_schedule_to_recommendation(
    login_as: Any, create_user: Any, db: Any, mailbox: Any
) -> None:
    coordinator = login_as("coordinator")
    chair = create_user(email="raili@example.fi", name="Raili Rantanen")
    member = create_user(email="linnea@example.fi", name="Linnea Lind", locale="sv")
    silent = create_user(email="veikko@example.fi", name="Veikko Virtanen")

    # the coordinator creates the council through the form
    url = "/councils/new"
    today = date.today()
    response = coordinator.post(
        url,
        data={
            "csrf_token": csrf_token(coordinator, url),
            "name_fi": "Vanhusneuvosto",
            "name_sv": "Äldrerådet",
            "kind": "influence_body",
            "org_unit": "0",
            "target_size": "7",
            "responsibles": [str(coordinator.user.id)],
            "term_starts_on": (today - timedelta(days=30)).isoformat(),
            "term_ends_on": (today + timedelta(days=700)).isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    council = db.session.scalars(select(Council)).one()
    assert council.terms[0].activity_id is not None
    for person, role in ((chair, "chair"), (member, "member"), (silent, "member")):
        url = f"/councils/{council.id}/members/new"
        added = coordinator.post(
            url,
            data={
                "csrf_token": csrf_token(coordinator, url),
                "name": person.name,
                "email": person.email,
                "role": role,
                "seat_group": "0",
            },
        )
        assert added.status_code == 302

    # schedule
    url = f"/councils/{council.id}/meetings/new"
    response = coordinator.post(url, data=_meeting_form(coordinator, url))
    assert response.status_code == 302
    meeting = db.session.scalars(select(Meeting)).one()
    assert len(meeting.invitations) == 3
    assert meeting.starts_at == local_to_utc(today + timedelta(days=7), _time(17))

    # invitations with a valid calendar attachment, in each member's language
    url = f"/councils/meetings/{meeting.id}"
    response = coordinator.post(
        f"{url}/invitations", data={"csrf_token": csrf_token(coordinator, url)}
    )
    assert response.status_code == 302
    to_chair = mailbox.wait_for("raili@example.fi")[0]
    to_member = mailbox.wait_for("linnea@example.fi")[0]
    mailbox.wait_for("veikko@example.fi")
    assert to_chair["Subject"] == "Kutsu: Syksyn kokous"
    assert to_member["Subject"] == "Inbjudan: Syksyn kokous"
    assert "Hervannan palvelukeskus" in body_text(to_chair)
    assert ANSWER_LINK.search(body_html(to_chair))
    event = parse_calendar(_calendar_of(to_chair))
    assert event["METHOD"] == "REQUEST"
    assert event["start"] == meeting.starts_at and event["end"] == meeting.ends_at
    assert event["UID"] == f"council-meeting-{meeting.id}@localhost"
    assert str(event["ATTENDEE"]) == "mailto:raili@example.fi"
    assert event["SUMMARY"] == "Vanhusneuvosto: Syksyn kokous"

    # the chair answers through the emailed link (no sign-in), once
    anonymous = coordinator.application.test_client()
    link = ANSWER_LINK.search(body_text(to_chair)).group(1)
    page = anonymous.get(link)
    assert page.status_code == 200 and "Syksyn kokous" in page.get_data(as_text=True)
    answered = anonymous.post(
        link, data={"csrf_token": csrf_token(anonymous, link), "answer": "attending"}
    )
    assert answered.status_code == 200
    assert "Kiitos vastauksestasi" in answered.get_data(as_text=True)
    assert anonymous.get(link).status_code == 404

    # the Swedish member answers on her own page
    own = login_as(user=member)
    url = f"/councils/mine/meetings/{meeting.id}"
    saved = own.post(url, data={"csrf_token": csrf_token(own, url), "answer": "remote"})
    assert saved.status_code == 302
    db.session.expire_all()
    answers = {inv.user_id: inv.rsvp for inv in db.session.scalars(select(MeetingInvitation))}
    assert answers == {chair.id: "attending", member.id: "remote", silent.id: "pending"}

    # attendance cannot be marked before the meeting
    url = f"/councils/meetings/{meeting.id}/attendance"
    early = coordinator.post(url, data=_attendance(coordinator, url, meeting.invitations))
    assert early.status_code == 400
    assert "Läsnäolon voi merkitä, kun kokous on alkanut." in early.get_data(as_text=True)

    # after the meeting
    now = utcnow()
    move_meeting(meeting.id, now - timedelta(hours=3), now - timedelta(hours=1))
    form = coordinator.get(url).get_data(as_text=True)
    assert "Linnea Lind" in form
    invitations = db.session.scalars(select(MeetingInvitation)).all()
    marks = {chair.id: ("present", "2"), member.id: ("remote", "1.5"), silent.id: ("absent", "0")}
    response = coordinator.post(url, data=_attendance(coordinator, url, invitations, marks))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]

    participations = db.session.scalars(
        select(Participation).where(Participation.event_type == "council_meeting")
    ).all()
    by_user = {p.user_id: p for p in participations}
    assert set(by_user) == {chair.id, member.id, silent.id}
    assert by_user[chair.id].hours == Decimal("2.00") and by_user[chair.id].role == "chair"
    assert by_user[member.id].attendance == "remote" and by_user[member.id].hours == Decimal("1.50")
    assert by_user[silent.id].attendance == "absent" and by_user[silent.id].hours == 0
    assert all(p.event_id == meeting.id for p in participations)
    activity = db.session.get(Activity, council.terms[0].activity_id)
    assert activity.kind == "council" and by_user[chair.id].activity_id == activity.id

    # a recommendation agreed in the meeting becomes an output awaiting a response
    url = f"/councils/meetings/{meeting.id}"
    response = coordinator.post(
        f"{url}/outputs",
        data={
            "output-csrf_token": csrf_token(coordinator, url),
            "output-kind": "recommendation",
            "output-title": "Kotihoidon käyntiaikoihin joustoa",
            "output-text": "Asiakas voi vaikuttaa käyntiensä ajankohtaan.",
        },
    )
    assert response.status_code == 302
    output = db.session.scalars(select(Output)).one()
    assert output.kind == "recommendation" and output.activity_id == activity.id
    assert output.source_type == "council_meeting_output"
    decision_maker = login_as("decision_maker")
    assert "Kotihoidon käyntiaikoihin joustoa" in decision_maker.get("/impact/outputs").get_data(
        as_text=True
    )

    # minutes
    response = coordinator.post(
        f"{url}/minutes",
        data={"csrf_token": csrf_token(coordinator, url), "minutes": "Päätettiin suosittaa."},
    )
    assert response.status_code == 302
    own_page = own.get(f"/councils/mine/meetings/{meeting.id}").get_data(as_text=True)
    assert "Päätettiin suosittaa." in own_page


def _time(hour: int) -> Any:
    from datetime import time

    return time(hour, 0)


def _attendance(
    client: Any, url: str, invitations: list[Any], marks: dict[int, tuple[str, str]] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"csrf_token": csrf_token(client, url)}
    for inv in invitations:
        attendance, hours = (marks or {}).get(inv.user_id, ("present", "2"))
        data[f"attendance_{inv.id}"] = attendance
        data[f"hours_{inv.id}"] = hours
    return data


def test_new_meetings_cannot_be_in_the_past_or_end_before_start(login_as: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    council = make_council(coordinator.user)
    url = f"/councils/{council.id}/meetings/new"
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = coordinator.post(url, data=_meeting_form(coordinator, url, day=yesterday))
    html = past.get_data(as_text=True)
    assert past.status_code == 400
    assert "Uutta kokousta ei voi ajoittaa menneisyyteen." in html
    assert f'value="{yesterday}"' in html and 'value="Syksyn kokous"' in html
    backwards = coordinator.post(
        url, data=_meeting_form(coordinator, url, start_time="18:00", end_time="17:00")
    )
    assert backwards.status_code == 400
    assert "Kokouksen täytyy päättyä alkamisen jälkeen." in backwards.get_data(as_text=True)
    nowhere = coordinator.post(url, data=_meeting_form(coordinator, url, place="", remote_link=""))
    assert nowhere.status_code == 400
    assert "Anna paikka, etäkokouksen linkki tai molemmat." in nowhere.get_data(as_text=True)
    outside_term = (date.today() + timedelta(days=900)).isoformat()
    no_term = coordinator.post(url, data=_meeting_form(coordinator, url, day=outside_term))
    assert no_term.status_code == 400
    assert "Toimielimellä ei ole toimikautta sinä päivänä." in no_term.get_data(as_text=True)
    assert db.session.scalars(select(Meeting)).all() == []


def test_members_see_only_their_own_meetings(
    login_as: Any, create_user: Any, db: Any, mailbox: Any
) -> None:
    from portal.councils import services

    coordinator = login_as("coordinator")
    ours = make_council(coordinator.user, name="Nuorisovaltuusto")
    theirs = make_council(coordinator.user, name="Vammaisneuvosto")
    member = create_user("expert", email="jasen@example.fi")
    other = create_user("expert", email="toinen@example.fi")
    add_members(coordinator.user, ours, [(member, "member")])
    add_members(coordinator.user, theirs, [(other, "member")])
    start = local_to_utc(date.today() + timedelta(days=3), _time(10))
    meeting_ours = services.schedule_meeting(
        actor=coordinator.user,
        council=ours,
        title="A",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Sali",
    )
    meeting_theirs = services.schedule_meeting(
        actor=coordinator.user,
        council=theirs,
        title="B",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Sali",
    )
    material = services.add_material(
        actor=coordinator.user, meeting=meeting_theirs, title="Liite", url="https://example.fi/a"
    )
    client = login_as(user=member)
    assert client.get(f"/councils/mine/meetings/{meeting_ours.id}").status_code == 200
    # changing the id in the URL is refused
    assert client.get(f"/councils/mine/meetings/{meeting_theirs.id}").status_code == 404
    url = f"/councils/mine/meetings/{meeting_ours.id}"
    token = csrf_token(client, url)
    refused = client.post(
        f"/councils/mine/meetings/{meeting_theirs.id}",
        data={"csrf_token": token, "answer": "attending"},
    )
    assert refused.status_code == 404
    assert client.get(f"/councils/materials/{material.id}").status_code == 404
    assert client.get(f"/councils/mine/meetings/{meeting_theirs.id}/invite.ics").status_code == 404
    own_ics = client.get(f"/councils/mine/meetings/{meeting_ours.id}/invite.ics")
    assert parse_calendar(own_ics.get_data(as_text=True))["SUMMARY"] == "Nuorisovaltuusto: A"
    # coordinator-only pages stay closed to members
    assert client.get(f"/councils/meetings/{meeting_ours.id}").status_code == 403
    assert client.get(f"/councils/{ours.id}").status_code == 403
    listing = client.get("/councils/mine").get_data(as_text=True)
    assert "Nuorisovaltuusto" in listing and "Vammaisneuvosto" not in listing
    invitation = db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.user_id == other.id)
    ).one()
    import pytest

    with pytest.raises(services.CouncilError) as error:
        services.answer_invitation(actor=member, invitation=invitation, answer="attending")
    assert error.value.code == "not_yours"


def test_cancelling_sends_a_cancel_calendar(
    login_as: Any, create_user: Any, db: Any, mailbox: Any
) -> None:
    from portal.councils import services

    coordinator = login_as("coordinator")
    council = make_council(coordinator.user)
    person = create_user(email="peruutus@example.fi")
    add_members(coordinator.user, council, [(person, "member")])
    start = local_to_utc(date.today() + timedelta(days=3), _time(10))
    meeting = services.schedule_meeting(
        actor=coordinator.user,
        council=council,
        title="Peruttava",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Sali",
    )
    services.send_invitations(actor=coordinator.user, meeting=meeting)
    url = f"/councils/meetings/{meeting.id}"
    response = coordinator.post(f"{url}/cancel", data={"csrf_token": csrf_token(coordinator, url)})
    assert response.status_code == 302
    cancel = mailbox.wait_for("peruutus@example.fi", count=2)[1]
    assert cancel["Subject"] == "Peruttu: Peruttava"
    event = parse_calendar(_calendar_of(cancel))
    assert event["METHOD"] == "CANCEL" and event["SEQUENCE"] == "1"
