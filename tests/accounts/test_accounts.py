"""Registration, verification, sign-in, lockout, password reset, own data and erasure."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.models import AuditEntry, OneTimeToken
from tests.conftest import TEST_PASSWORD, body_html, body_text, csrf_token

LINK = re.compile(r"http://localhost(/\S+)")


def _register(client: Any, **overrides: Any) -> Any:
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "name": "Maija Meikäläinen",
        "email": "maija@example.fi",
        "password": TEST_PASSWORD,
        "password_again": TEST_PASSWORD,
        "locale": "fi",
        "accept_privacy": "y",
    }
    data.update(overrides)
    return client.post("/register", data=data)


def _login(client: Any, email: str, password: str) -> Any:
    return client.post(
        "/login",
        data={"csrf_token": csrf_token(client, "/login"), "email": email, "password": password},
    )


def test_register_verify_and_sign_in(client: Any, db: Any, mailbox: Any) -> None:
    response = _register(client)
    assert response.status_code == 200
    assert "maija@example.fi" in response.get_data(as_text=True)
    message = mailbox.wait_for("maija@example.fi")[0]
    assert message["Subject"] == "Vahvista sähköpostiosoitteesi"
    text_part, html_part = body_text(message), body_html(message)
    link = LINK.search(text_part).group(1)
    assert link in html_part

    # before verification the right password gets a specific, translated hint
    refused = _login(client, "maija@example.fi", TEST_PASSWORD)
    assert refused.status_code == 400
    assert "Vahvista ensin sähköpostiosoitteesi" in refused.get_data(as_text=True)

    # opening the link (as a mail scanner would) only shows a button and confirms nothing
    opened = client.get(link)
    assert opened.status_code == 200
    assert "Vahvista sähköpostiosoitteeni" in opened.get_data(as_text=True)
    assert _login(client, "maija@example.fi", TEST_PASSWORD).status_code == 400
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 302
    signed_in = _login(client, "MAIJA@example.fi ", TEST_PASSWORD)
    assert signed_in.status_code == 302
    assert client.get("/account").status_code == 200
    # the link was single-use
    assert "/verify" in client.get(link).headers["Location"]


def test_registering_a_taken_email_reveals_nothing(
    client: Any, create_user: Any, mailbox: Any
) -> None:
    create_user(email="taken@example.fi")
    response = _register(client, email="taken@example.fi")
    fresh = _register(client, email="fresh@example.fi")
    # the page looks the same for both (only the address differs)
    assert response.status_code == fresh.status_code == 200
    assert response.get_data(as_text=True).replace("taken", "X") == fresh.get_data(
        as_text=True
    ).replace("fresh", "X")
    warning = mailbox.wait_for("taken@example.fi")[0]
    assert "/password/forgot" in body_text(warning)


def test_bad_registration_input_keeps_what_was_typed(client: Any, db: Any) -> None:
    response = _register(
        client, email="not-an-email", name="x" * 300, password="short", password_again="other"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="not-an-email"' in html
    assert "Kirjoita sähköpostiosoite muodossa nimi@esimerkki.fi." in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(User).where(User.email == "not-an-email")) is None


def test_wrong_csrf_keeps_input_and_changes_nothing(client: Any, db: Any) -> None:
    response = client.post(
        "/register",
        data={
            "csrf_token": "forged",
            "name": "Ville",
            "email": "ville@example.fi",
            "password": TEST_PASSWORD,
            "password_again": TEST_PASSWORD,
            "accept_privacy": "y",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="ville@example.fi"' in html
    assert "Lomake oli vanhentunut" in html
    assert db.session.scalar(select(User).where(User.email == "ville@example.fi")) is None


def test_lockout_message_does_not_reveal_accounts(app: Any, client: Any, create_user: Any) -> None:
    create_user(email="known@example.fi")
    settings = app.config["PORTAL"]
    unknown = _login(client, "unknown@example.fi", "wrong password!!").get_data(as_text=True)
    answers = [
        _login(client, "known@example.fi", "wrong password!!").get_data(as_text=True)
        for _ in range(settings.lockout_attempts)
    ]
    # locked now: even the right password is refused, with the same words
    locked = _login(client, "known@example.fi", TEST_PASSWORD)
    assert locked.status_code == 400
    message = "Kirjautuminen epäonnistui."
    assert message in unknown and all(message in a for a in answers)
    assert message in locked.get_data(as_text=True)


def test_login_rate_limit(app: Any, client: Any, db: Any) -> None:
    original = app.config["PORTAL"]
    app.config["PORTAL"] = replace(original, login_rate_limit="3 per minute")
    try:
        statuses = [_login(client, "a@example.fi", "whatever123456").status_code for _ in range(5)]
    finally:
        app.config["PORTAL"] = original
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429]


def test_password_reset_is_single_use_and_expires(
    client: Any, db: Any, create_user: Any, mailbox: Any
) -> None:
    user = create_user(email="reset@example.fi", locale="sv")
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"csrf_token": token, "email": "reset@example.fi"})
    client.post("/password/forgot", data={"csrf_token": token, "email": "nobody@example.fi"})
    message = mailbox.wait_for("reset@example.fi")[0]
    assert message["Subject"] == "Återställ ditt lösenord"
    assert mailbox.to("nobody@example.fi") == []
    link = LINK.search(body_text(message)).group(1)
    new_password = "a brand new long password"
    form = {
        "csrf_token": csrf_token(client, link),
        "password": new_password,
        "password_again": new_password,
    }
    assert client.post(link, data=form).status_code == 302
    assert _login(client, "reset@example.fi", new_password).status_code == 302
    # second use of the same link fails (signing in started a new session: new CSRF token)
    form["csrf_token"] = csrf_token(client, link)
    again = client.post(link, data=form)
    assert again.status_code == 302, again.get_data(as_text=True)[-3000:]
    assert "/password/forgot" in again.headers["Location"]

    # an expired link fails too
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"csrf_token": token, "email": "reset@example.fi"})
    link2 = LINK.search(body_text(mailbox.wait_for("reset@example.fi", count=2)[1])).group(1)
    db.session.execute(
        text("UPDATE one_time_tokens SET expires_at = :past WHERE used_at IS NULL"),
        {"past": (utcnow() - timedelta(minutes=1)).replace(tzinfo=None)},
    )
    db.session.commit()
    form["csrf_token"] = csrf_token(client, link2)
    assert "/password/forgot" in client.post(link2, data=form).headers["Location"]
    assert db.session.get(User, user.id) is not None


def test_profile_export_and_erasure(login_as: Any, db: Any) -> None:
    client = login_as("resident", email="own@example.fi", name="Oona Oma")
    user_id = client.user.id
    token = csrf_token(client, "/account")
    response = client.post(
        "/account", data={"csrf_token": token, "name": "Oona Uusi", "locale": "sv"}
    )
    assert response.status_code == 302
    exported = client.get("/account/data.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    assert exported.json["account"]["name"] == "Oona Uusi"
    assert exported.json["account"]["email"] == "own@example.fi"

    response = client.post(
        "/account/erase", data={"csrf_token": csrf_token(client, "/account"), "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.erased_at is not None and user.email is None and user.name == ""
    assert (
        db.session.scalars(select(OneTimeToken).where(OneTimeToken.user_id == user_id)).all() == []
    )
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "accounts.profile_updated" in actions and "accounts.erased" in actions
    # the audit log never holds the erased person's name or email
    for entry in db.session.scalars(select(AuditEntry)):
        assert "Oona" not in str(entry.changes) and "own@example.fi" not in str(entry.changes)
    assert client.get("/account").status_code == 302


def test_admin_changes_roles_with_audit(login_as: Any, create_user: Any, db: Any) -> None:
    admin = login_as("admin")
    person = create_user("resident")
    url = f"/admin/users/{person.id}"
    response = admin.post(
        url,
        data={
            "csrf_token": csrf_token(admin, url),
            "roles": ["coordinator", "resident"],
            "org_unit": "0",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {str(r) for r in db.session.get(User, person.id).role_set} == {"coordinator", "resident"}
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "accounts.access_changed")
    ).one()
    assert entry.changes["roles"]["after"] == ["coordinator", "resident"]
    assert entry.actor_id == admin.user.id


def test_admin_cannot_drop_own_admin_role(login_as: Any, db: Any) -> None:
    admin = login_as("admin")
    url = f"/admin/users/{admin.user.id}"
    response = admin.post(
        url,
        data={
            "csrf_token": csrf_token(admin, url),
            "roles": ["resident"],
            "org_unit": "0",
            "is_active": "y",
        },
    )
    assert response.status_code == 200
    assert "Et voi poistaa omaa ylläpitäjän rooliasi." in response.get_data(as_text=True)


def test_unit_tree_rules(login_as: Any, db: Any) -> None:
    admin = login_as("admin")
    token = csrf_token(admin, "/admin/units/new")
    county = admin.post(
        "/admin/units/new",
        data={"csrf_token": token, "kind": "county", "parent": "0", "name_fi": "Hyvinvointialue"},
    )
    assert county.status_code == 302
    # a unit cannot hang directly under the county
    bad = admin.post(
        "/admin/units/new",
        data={"csrf_token": token, "kind": "unit", "parent": "1", "name_fi": "Kotihoito"},
    )
    assert bad.status_code == 200
    assert "Palvelualue kuuluu hyvinvointialueeseen" in bad.get_data(as_text=True)
    area = admin.post(
        "/admin/units/new",
        data={
            "csrf_token": token,
            "kind": "service_area",
            "parent": "1",
            "name_fi": "Ikäihmisten palvelut",
        },
    )
    assert area.status_code == 302
    ok = admin.post(
        "/admin/units/new",
        data={"csrf_token": token, "kind": "unit", "parent": "2", "name_fi": "Kotihoito"},
    )
    assert ok.status_code == 302
    listing = admin.get("/admin/units").get_data(as_text=True)
    assert (
        listing.index("Hyvinvointialue") < listing.index("Ikäihmisten") < listing.index("Kotihoito")
    )
