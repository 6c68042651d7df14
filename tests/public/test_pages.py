"""Public pages answer in every language and the feedback form mails the county."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import body_text, csrf_token

PUBLIC_PAGES = [
    "/",
    "/privacy",
    "/accessibility",
    "/accessibility/feedback",
    "/login",
    "/register",
    "/password/forgot",
    "/verify",
]


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_page_in_each_language(client: Any, url: str, locale: str) -> None:
    client.get(f"/language/{locale}")
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{locale}">' in html
    assert '<main id="main"' in html and 'class="skip-link"' in html


def test_privacy_notice_has_required_sections(client: Any) -> None:
    html = client.get("/privacy", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    for heading in [
        "Rekisterinpitäjä",
        "Käsittelyn tarkoitukset ja oikeusperuste",
        "Säilytysajat",
        "Oikeutesi",
    ]:
        assert heading in html


def test_accessibility_feedback_is_mailed(client: Any, mailbox: Any, app: Any) -> None:
    token = csrf_token(client, "/accessibility/feedback")
    response = client.post(
        "/accessibility/feedback",
        data={
            "csrf_token": token,
            "page": "Etusivu",
            "description": "Linkin <b>kontrasti</b> on heikko",
            "email": "palaute@example.fi",
        },
    )
    assert response.status_code == 302
    message = mailbox.wait_for(app.config["PORTAL"].feedback_email)[0]
    assert "Linkin <b>kontrasti</b> on heikko" in body_text(message)
    assert "&lt;b&gt;" in message.get_body(preferencelist=("html",)).get_content()


def test_feedback_requires_a_description(client: Any) -> None:
    token = csrf_token(client, "/accessibility/feedback")
    response = client.post("/accessibility/feedback", data={"csrf_token": token, "page": "x" * 400})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kuvaile ongelma" in html and "x" * 400 in html
