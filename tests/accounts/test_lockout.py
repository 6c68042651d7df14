"""Sign-in lockout per account and client address, and the client address behind proxies."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from portal.app import create_app
from tests.conftest import TEST_PASSWORD, csrf_token

WRONG = "not the right password"


def _login(
    client: Any, email: str, password: str, address: str, forwarded_for: str | None = None
) -> int:
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers={"X-Forwarded-For": forwarded_for} if forwarded_for else {},
    ).status_code


def test_wrong_passwords_pause_only_that_address(app: Any, create_user: Any, db: Any) -> None:
    create_user(email="target@example.fi")
    attempts = app.config["PORTAL"].lockout_attempts
    attacker = app.test_client()
    assert [
        _login(attacker, "target@example.fi", WRONG, "203.0.113.9") for _ in range(attempts)
    ] == [400] * attempts
    # the attacker's address is paused even with the right password ...
    assert _login(attacker, "target@example.fi", TEST_PASSWORD, "203.0.113.9") == 400
    # ... but the owner signing in from elsewhere is not shut out
    assert _login(app.test_client(), "target@example.fi", TEST_PASSWORD, "198.51.100.20") == 302


def test_guessing_from_many_addresses_pauses_the_account(
    app: Any, create_user: Any, db: Any
) -> None:
    create_user(email="guessed@example.fi")
    original = app.config["PORTAL"]
    app.config["PORTAL"] = replace(original, lockout_attempts=5, lockout_account_attempts=8)
    try:
        client = app.test_client()
        statuses = [
            _login(client, "guessed@example.fi", WRONG, f"203.0.113.{n // 3}") for n in range(9)
        ]
        assert statuses == [400] * 9
        # no address reached 5 failures, but the account as a whole reached 8
        assert _login(client, "guessed@example.fi", TEST_PASSWORD, "198.51.100.30") == 400
    finally:
        app.config["PORTAL"] = original


def test_successful_sign_ins_do_not_use_up_the_office_limit(
    app: Any, create_user: Any, db: Any
) -> None:
    staff = [create_user("coordinator", email=f"staff{n}@example.fi") for n in range(6)]
    original = app.config["PORTAL"]
    app.config["PORTAL"] = replace(original, login_rate_limit="3 per minute")
    try:
        office = "192.0.2.50"
        signed_in = [
            _login(app.test_client(), person.email, TEST_PASSWORD, office) for person in staff
        ]
        assert signed_in == [302] * len(staff)
        failures = [_login(app.test_client(), "staff0@example.fi", WRONG, office) for _ in range(4)]
        assert failures == [400, 400, 400, 429]
    finally:
        app.config["PORTAL"] = original


def test_forwarded_addresses_are_ignored_without_trusted_proxies(
    app: Any, create_user: Any, db: Any
) -> None:
    create_user(email="direct@example.fi")
    attempts = app.config["PORTAL"].lockout_attempts
    client = app.test_client()
    for n in range(attempts):
        # a client forging a new X-Forwarded-For each time is still one address
        _login(client, "direct@example.fi", WRONG, "203.0.113.77", forwarded_for=f"10.0.0.{n}")
    assert (
        _login(client, "direct@example.fi", TEST_PASSWORD, "203.0.113.77", forwarded_for="10.9.9.9")
        == 400
    )


def test_behind_a_trusted_proxy_each_client_is_counted_apart(
    app: Any, create_user: Any, db: Any
) -> None:
    settings = app.config["PORTAL"]
    proxied = create_app(replace(settings, proxy_hops=1))
    create_user(email="behind@example.fi")
    balancer = "10.1.2.3"
    client = proxied.test_client()
    for _ in range(settings.lockout_attempts):
        assert (
            _login(client, "behind@example.fi", WRONG, balancer, forwarded_for="203.0.113.5") == 400
        )
    # the same balancer forwards another resident: not paused
    other = _login(
        proxied.test_client(),
        "behind@example.fi",
        TEST_PASSWORD,
        balancer,
        forwarded_for="198.51.100.8",
    )
    assert other == 302
    assert (
        _login(client, "behind@example.fi", TEST_PASSWORD, balancer, forwarded_for="203.0.113.5")
        == 400
    )
    proxied.extensions["portal.db"].engine.dispose()
