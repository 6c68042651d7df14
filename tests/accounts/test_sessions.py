"""Revocable sessions and single-generation reset links.

A signed session cookie cannot be taken back by the server, so each session carries the
user's session version: signing out, a new password, changed access and erasure end every
session of the user, a copied cookie included.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from portal.accounts import services
from portal.accounts.models import User
from tests.conftest import TEST_PASSWORD, body_text, csrf_token

LINK = re.compile(r"http://localhost(/\S+)")
COOKIE = "osallistu_session"


def _sign_in(app: Any, email: str, password: str = TEST_PASSWORD) -> Any:
    client = app.test_client()
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client, "/login"), "email": email, "password": password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert client.get("/account").status_code == 200
    return client


def _signed_in(client: Any) -> bool:
    return client.get("/account").status_code == 200


def _request_reset_link(app: Any, mailbox: Any, email: str, count: int) -> str:
    client = app.test_client()
    client.post(
        "/password/forgot",
        data={"csrf_token": csrf_token(client, "/password/forgot"), "email": email},
    )
    return LINK.search(body_text(mailbox.wait_for(email, count=count)[count - 1])).group(1)


def _use_reset_link(app: Any, link: str, password: str) -> Any:
    client = app.test_client()
    form = {
        "csrf_token": csrf_token(client, link),
        "password": password,
        "password_again": password,
    }
    return client.post(link, data=form)


def test_a_saved_cookie_no_longer_signs_in_after_logout(
    app: Any, create_user: Any, db: Any
) -> None:
    create_user(email="saved@example.fi")
    client = _sign_in(app, "saved@example.fi")
    saved = client.get_cookie(COOKIE).value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert not _signed_in(client)

    replay = app.test_client()
    replay.set_cookie(COOKIE, saved)
    answer = replay.get("/account")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]
    # signing in again works as usual
    assert _signed_in(_sign_in(app, "saved@example.fi"))


def test_a_password_reset_signs_out_other_browsers(
    app: Any, create_user: Any, mailbox: Any, db: Any
) -> None:
    create_user(email="two@example.fi")
    laptop = _sign_in(app, "two@example.fi")
    phone = _sign_in(app, "two@example.fi")
    link = _request_reset_link(app, mailbox, "two@example.fi", 1)
    new_password = "another long passphrase"
    assert _use_reset_link(app, link, new_password).status_code == 302
    assert not _signed_in(laptop)
    assert not _signed_in(phone)
    assert _signed_in(_sign_in(app, "two@example.fi", new_password))


def test_a_role_change_signs_the_person_out(login_as: Any, create_user: Any, db: Any) -> None:
    admin = login_as("admin")
    create_user("coordinator", email="staff@example.fi")
    staff = _sign_in(admin.application, "staff@example.fi")
    other_user = create_user(email="untouched@example.fi")
    untouched = _sign_in(admin.application, "untouched@example.fi")
    user = db.session.query(User).filter_by(email="staff@example.fi").one()
    url = f"/admin/users/{user.id}"
    response = admin.post(
        url, data={"csrf_token": csrf_token(admin, url), "roles": ["resident"], "is_active": "y"}
    )
    assert response.status_code == 302
    assert not _signed_in(staff)
    assert _signed_in(untouched), other_user.email
    # the administrator's own session is not affected by changing someone else
    assert _signed_in(admin)


def test_an_administrator_changing_own_unit_stays_signed_in(login_as: Any, db: Any) -> None:
    admin = login_as("admin")
    url = f"/admin/users/{admin.user.id}"
    response = admin.post(
        url,
        data={
            "csrf_token": csrf_token(admin, url),
            "roles": ["admin", "coordinator"],
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    assert _signed_in(admin)


def test_erasure_ends_every_session(app: Any, create_user: Any, db: Any) -> None:
    create_user(email="gone@example.fi")
    first = _sign_in(app, "gone@example.fi")
    second = _sign_in(app, "gone@example.fi")
    first.post(
        "/account/erase",
        data={"csrf_token": csrf_token(first, "/account"), "confirm": "y"},
    )
    assert not _signed_in(first)
    assert not _signed_in(second)


def test_using_one_reset_link_withdraws_the_older_ones(
    app: Any, create_user: Any, mailbox: Any, db: Any
) -> None:
    create_user(email="links@example.fi")
    older = _request_reset_link(app, mailbox, "links@example.fi", 1)
    newer = _request_reset_link(app, mailbox, "links@example.fi", 2)
    assert _use_reset_link(app, newer, "the newer long password").status_code == 302
    refused = _use_reset_link(app, older, "the older long password")
    assert "/password/forgot" in refused.headers["Location"]
    assert _signed_in(_sign_in(app, "links@example.fi", "the newer long password"))


def test_two_reset_links_used_at_once_set_one_password(
    app: Any, create_user: Any, db: Any, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("concurrency is tested against PostgreSQL")
    from datetime import timedelta

    from portal.core.tokens import issue_token

    user = create_user(email="race@example.fi")
    secrets_ = [
        issue_token(
            purpose=services.RESET_PASSWORD,
            lifetime=timedelta(hours=1),
            user_id=user.id,
            subject=user.email,
        )
        for _ in range(4)
    ]
    db.session.commit()
    barrier = threading.Barrier(len(secrets_))
    outcomes: list[str] = []

    def use(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.reset_password(secret=secrets_[n], password=f"racing password {n}")
                outcomes.append(f"ok {n}")
            except services.AccountError as error:
                outcomes.append(error.code)
            except BaseException as error:  # a deadlock or anything else fails the test
                outcomes.append(repr(error))
            finally:
                services.db.session.remove()

    threads = [threading.Thread(target=use, args=(n,)) for n in range(len(secrets_))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [o for o in outcomes if o.startswith("ok")]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes if not o.startswith("ok")) == ["invalid_link"] * 3
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    winner = int(winners[0].split()[1])
    assert services.password_hasher.verify(stored.password_hash, f"racing password {winner}")
