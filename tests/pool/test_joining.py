"""Joining, confirmation, duplicate joins, magic-link sign-in and self-service."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.pool.models import PoolMember
from tests.conftest import body_html, body_text, csrf_token
from tests.pool.conftest import join_form

LINK = re.compile(r"http://localhost(/\S+)")


def _join(client: Any, tampere: Any, areas: Any, **overrides: Any) -> Any:
    data = join_form(tampere, areas, **overrides)
    data["csrf_token"] = csrf_token(client, "/pool/join")
    return client.post("/pool/join", data=data)


def test_join_confirm_and_edit(
    client: Any, db: Any, mailbox: Any, tampere: Any, areas: Any
) -> None:
    response = _join(client, tampere, areas)
    assert response.status_code == 200
    assert "Kiitos liittymisestä" in response.get_data(as_text=True)
    message = mailbox.wait_for("maija@example.fi")[0]
    link = LINK.search(body_text(message)).group(1)
    assert link in body_html(message)
    user = db.session.scalars(select(User).where(User.email == "maija@example.fi")).one()
    member = db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).one()
    # nothing is applied before confirmation
    assert member.status == "pending" and user.name == "" and user.birth_year is None

    assert client.get(link).status_code == 200  # opening the link changes nothing
    assert db.session.get(PoolMember, member.id).status == "pending"
    confirmed = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/pool/me")
    db.session.expire_all()
    member = db.session.get(PoolMember, member.id)
    assert member.status == "active"
    assert member.user.name == "Maija Meikäläinen" and member.user.birth_year == 1975
    assert member.consent_version and member.consent_at is not None
    assert sorted(a.id for a in member.interests) == sorted([areas[0].id, areas[2].id])
    assert "resident" in {str(r) for r in member.user.role_set}
    # the link was single use
    assert client.get(link).status_code == 404
    other = client.application.test_client()
    assert other.post(link, data={"csrf_token": csrf_token(other, "/pool/join")}).status_code == 404

    page = client.get("/pool/me")
    assert page.status_code == 200 and "Maija Meikäläinen" in page.get_data(as_text=True)
    edit = join_form(tampere, areas, name="Maija Uusi", birth_year="1976", gender="undisclosed")
    edit.pop("consent")
    edit["csrf_token"] = csrf_token(client, "/pool/me")
    assert client.post("/pool/me", data=edit).status_code == 302
    db.session.expire_all()
    member = db.session.get(PoolMember, member.id)
    assert member.user.name == "Maija Uusi" and member.user.gender == "undisclosed"
    assert member.user.email == "maija@example.fi"


def test_duplicate_join_reveals_nothing_and_changes_nothing(
    client: Any, db: Any, mailbox: Any, tampere: Any, areas: Any, make_member: Any
) -> None:
    member = make_member(email="taken@example.fi", name="Original Name", birth_year=1950)
    taken = _join(client, tampere, areas, email="taken@example.fi", name="Intruder")
    fresh = _join(client, tampere, areas, email="fresh@example.fi", name="Intruder")
    assert taken.status_code == fresh.status_code == 200
    assert taken.get_data(as_text=True) == fresh.get_data(as_text=True)
    warning = mailbox.wait_for("taken@example.fi")[0]
    assert "/pool/login/" in body_text(warning)
    db.session.expire_all()
    again = db.session.get(PoolMember, member.id)
    assert again.user.name == "Original Name" and again.user.birth_year == 1950
    assert again.status == "active"


def test_repeated_unconfirmed_join_uses_latest_details(
    client: Any, db: Any, mailbox: Any, tampere: Any, areas: Any
) -> None:
    _join(client, tampere, areas, name="First Try")
    _join(client, tampere, areas, name="Second Try")
    messages = mailbox.wait_for("maija@example.fi", count=2)
    assert db.session.scalar(select(PoolMember.id).where(PoolMember.status == "pending"))
    link = LINK.search(body_text(messages[1])).group(1)
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 302
    user = db.session.scalars(select(User).where(User.email == "maija@example.fi")).one()
    assert user.name == "Second Try"
    assert len(db.session.scalars(select(PoolMember)).all()) == 1


def test_phone_joiner_waits_for_a_coordinator(
    client: Any, db: Any, login_as: Any, mailbox: Any, tampere: Any, areas: Any
) -> None:
    response = _join(client, tampere, areas, email="", phone="040 123 4567", contact_channel="sms")
    assert response.status_code == 200
    member = db.session.scalars(select(PoolMember)).one()
    assert member.status == "pending" and member.user.phone == "040 123 4567"
    coordinator = login_as("coordinator")
    url = f"/pool/members/{member.id}"
    token = csrf_token(coordinator, url)
    coordinator.post(f"{url}/confirm", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(PoolMember, member.id).status == "active"
    assert mailbox.messages == []


def test_magic_link_sign_in(client: Any, db: Any, mailbox: Any, make_member: Any) -> None:
    make_member(email="magic@example.fi")
    token = csrf_token(client, "/pool/login")
    unknown = client.post("/pool/login", data={"csrf_token": token, "email": "nobody@example.fi"})
    known = client.post("/pool/login", data={"csrf_token": token, "email": "magic@example.fi"})
    assert unknown.status_code == known.status_code == 200
    assert mailbox.to("nobody@example.fi") == []
    link = LINK.search(body_text(mailbox.wait_for("magic@example.fi")[0])).group(1)
    # opening the link does not sign in (mail scanners); the button does
    assert client.get(link).status_code == 200
    assert client.get("/pool/me").status_code == 302
    signed = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert signed.status_code == 302
    assert client.get("/pool/me").status_code == 200
    # single use
    other = client.application.test_client()
    assert other.post(link, data={"csrf_token": csrf_token(other, link)}).status_code == 404


def test_pause_resume_and_export(client: Any, db: Any, login_as: Any, make_member: Any) -> None:
    member = make_member(email="pause@example.fi")
    resident = login_as(user=member.user)
    token = csrf_token(resident, "/pool/me")
    bad = resident.post("/pool/me/pause", data={"csrf_token": token, "until": "2000-01-01"})
    assert bad.status_code == 400
    assert "Valitse päivä" in bad.get_data(as_text=True)
    until = (date.today() + timedelta(days=60)).isoformat()
    ok = resident.post("/pool/me/pause", data={"csrf_token": token, "until": until})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(PoolMember, member.id).status == "paused"
    resident.post("/pool/me/resume", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(PoolMember, member.id).status == "active"
    exported = resident.get("/pool/me/data.json")
    assert exported.json["pool"]["status"] == "active"
    assert exported.json["account"]["email"] == "pause@example.fi"


def test_invalid_input_is_rejected_with_translated_messages(
    client: Any, db: Any, tampere: Any, areas: Any
) -> None:
    cases = [
        ({"email": "not-an-email"}, "Kirjoita sähköpostiosoite muodossa nimi@esimerkki.fi."),
        ({"birth_year": "2999"}, "Syntymävuosi ei voi olla tulevaisuudessa."),
        ({"birth_year": "1850"}, "Tarkista syntymävuosi."),
        ({"birth_year": "abcd"}, "Kirjoita syntymävuosi neljällä numerolla"),
        ({"municipality": "99999"}, "Valitse hyvinvointialueen kunta tai muu."),
        ({"gender": "robot"}, "Valitse jokin sukupuolen vaihtoehdoista."),
        ({"name": "x" * 10_000}, "Nimessä voi olla enintään 200 merkkiä."),
        ({"name": "<script>alert(1)</script>"}, "Poista tästä kentästä merkit &lt; ja &gt;."),
        ({"contact_channel": "letter"}, "Anna postiosoite, jos haluat kirjeitä."),
        ({"email": "", "phone": ""}, "Anna sähköpostiosoite tai puhelinnumero."),
    ]
    for overrides, expected in cases:
        response = _join(client, tampere, areas, **overrides)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, overrides
        assert expected in html, (overrides, expected)
        assert "<script>alert(1)</script>" not in html
    assert db.session.scalars(select(PoolMember)).all() == []


def test_script_in_free_text_is_escaped_for_coordinators(
    db: Any, login_as: Any, make_member: Any
) -> None:
    member = make_member(how_heard='Lehdestä & "ystävältä"', name="Eeva O'Brien")
    coordinator = login_as("coordinator")
    html = coordinator.get(f"/pool/members/{member.id}").get_data(as_text=True)
    assert "Lehdestä &amp; &#34;ystävältä&#34;" in html
    assert "Eeva O&#39;Brien" in html


def test_links_never_sign_in_staff(
    client: Any, db: Any, mailbox: Any, create_user: Any, tampere: Any, areas: Any
) -> None:
    staff = create_user("staff", email="staff@example.fi")
    _join(client, tampere, areas, email="staff@example.fi")
    link = LINK.search(body_text(mailbox.wait_for("staff@example.fi")[0])).group(1)
    confirmed = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert "/login" in confirmed.headers["Location"]
    assert client.get("/pool/me").status_code == 302  # not signed in
    db.session.expire_all()
    assert db.session.get(User, staff.id).name == "Maija Meikäläinen"  # the details were applied
    token = csrf_token(client, "/pool/login")
    client.post("/pool/login", data={"csrf_token": token, "email": "staff@example.fi"})
    assert len(mailbox.to("staff@example.fi")) == 1  # no sign-in link for staff


def test_failed_pause_keeps_the_profile_form_filled(
    db: Any, login_as: Any, make_member: Any
) -> None:
    member = make_member(name="Pirjo Pysyvä")
    resident = login_as(user=member.user)
    token = csrf_token(resident, "/pool/me")
    response = resident.post("/pool/me/pause", data={"csrf_token": token, "until": ""})
    assert response.status_code == 400
    assert 'value="Pirjo Pysyvä"' in response.get_data(as_text=True)
