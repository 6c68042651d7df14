"""The language link changes only the browser's session; the account's language is a POST."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User
from tests.conftest import csrf_token


def test_the_language_link_does_not_change_the_account(login_as: Any, db: Any) -> None:
    client = login_as("resident", locale="fi", name="Kielitesti")
    response = client.get("/language/sv?next=/account")
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="sv"' in page  # the session shows Swedish ...
    db.session.expire_all()
    assert db.session.get(User, client.user.id).locale == "fi"  # ... the account is unchanged

    saved = client.post(
        "/account",
        data={"csrf_token": csrf_token(client, "/account"), "name": "Kielitesti", "locale": "sv"},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, client.user.id).locale == "sv"
