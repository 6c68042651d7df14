"""Security headers, error pages, health, language choice, configuration safety."""

from __future__ import annotations

from typing import Any

import pytest

from portal.config import Config, ConfigError
from portal.core.audit import record_audit
from portal.core.urls import safe_next_url


def test_security_headers(client: Any) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookies = client.get("/login").headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("osallistu_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_healthz_reports_database(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": True}


@pytest.mark.parametrize(
    ("header", "expected"),
    [("sv-FI,sv;q=0.9", "sv"), ("en-GB", "en"), ("de", "fi"), ("", "fi")],
)
def test_locale_from_browser(client: Any, header: str, expected: str) -> None:
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected}">' in html


def test_language_switch_keeps_the_page(client: Any) -> None:
    response = client.get("/language/sv?next=/privacy")
    assert response.headers["Location"] == "/privacy"
    html = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in html and "Dataskyddsbeskrivning" in html
    # an outside address is never followed
    assert client.get("/language/fi?next=https://evil.example/").headers["Location"] == "/"


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/x?y=1", "/x?y=1"), ("//evil", "/"), ("https://evil", "/"), ("evil", "/"), ("/\\evil", "/")],
)
def test_safe_next_url(target: str, expected: str) -> None:
    assert safe_next_url(target, fallback="/") == expected


def test_translated_error_pages(client: Any) -> None:
    response = client.get("/no/such/page", headers={"Accept-Language": "sv"})
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.get_data(as_text=True)
    assert client.delete("/healthz").status_code == 405


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ConfigError):
        Config(environment="production").check()
    with pytest.raises(ConfigError):
        Config(environment="production", secret_key="s" * 40).check()
    safe = {
        "environment": "production",
        "secret_key": "s" * 40,
        "encryption_keys": ("k",),
        "mail_backend": "smtp",
    }
    with pytest.raises(ConfigError):  # links in mail need the public address
        Config(**safe).check()
    Config(**safe, base_url="https://osallistu.example.fi").check()


def test_mail_links_follow_a_development_server_only_without_a_base_url(app: Any) -> None:
    from portal.core.urls import external_url

    for environment, base_url, expected in [
        ("development", "", "http://127.0.0.1:5001/privacy"),
        ("development", "https://osallistu.example.fi", "https://osallistu.example.fi/privacy"),
        ("production", "", "http://127.0.0.1:5000/privacy"),
    ]:
        settings = Config(environment=environment, base_url=base_url)
        original = app.config["PORTAL"]
        app.config["PORTAL"] = settings
        try:
            with app.test_request_context("/", base_url="http://127.0.0.1:5001"):
                assert external_url("public.privacy_notice") == expected
        finally:
            app.config["PORTAL"] = original


def test_config_from_environment() -> None:
    config = Config.from_env(
        {
            "PORTAL_MAIL_PORT": "2525",
            "PORTAL_ENVIRONMENT": "production",
            "PORTAL_ENCRYPTION_KEYS": "a, b",
        }
    )
    assert config.mail_port == 2525
    assert config.session_cookie_secure is True
    assert config.encryption_keys == ("a", "b")


def test_audit_log_view_filters(login_as: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    record_audit(
        actor=coordinator.user, action="pool.member_added", object_type="member", object_id=1
    )
    record_audit(actor=None, action="fees.claim_approved", object_type="claim", object_id=2)
    db.session.commit()
    html = coordinator.get("/audit?action=fees").get_data(as_text=True)
    assert "fees.claim_approved" in html and "pool.member_added" not in html
    bad = coordinator.get("/audit?start=not-a-date")
    assert bad.status_code == 200
    assert "fees.claim_approved" not in bad.get_data(as_text=True)


def test_resident_cannot_read_audit_log(login_as: Any) -> None:
    assert login_as("resident").get("/audit").status_code == 403
