"""A resident takes part in a discussion with the keyboard only; pages pass axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from portal.deliberation import results, services
from tests.browser.conftest import axe_violations, tab_to
from tests.deliberation.helpers import make_conversation, vote_in_camps


@pytest.fixture
def conversation(db: Any, create_user: Any) -> Any:
    conversation = make_conversation(create_user("coordinator"))
    vote_in_camps(conversation, people=30)
    results.recompute_conversation(conversation_id=conversation.id)
    return conversation


def test_resident_votes_writes_and_sees_their_group_with_keyboard(
    page: Any, conversation: Any, db: Any
) -> None:
    page.goto(f"/deliberation/{conversation.id}")
    assert axe_violations(page) == []
    for n in range(10):
        heading = page.locator("#current-statement .hint").inner_text()
        assert f"{n + 1}/" in heading
        tab_to(page, "#current-statement button[value=agree]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_text("Äänesi on tallennettu.").is_visible()
    assert "Äänestä vielä" not in page.content()

    tab_to(page, "#text")
    page.keyboard.type("Terveysaseman chat-palvelun pitäisi olla auki myös iltaisin")
    tab_to(page, "#write-heading ~ form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Kiitos! Väitteesi näytetään nyt muille.").is_visible()

    # The opinion map is recomputed outside the request, as the background job does.
    results.recompute_conversation(conversation_id=conversation.id)
    page.reload()
    standing = page.locator(".standing").inner_text()
    assert "Kuulut mielipideryhmään" in standing
    assert "ajattelee kuten sinä" in standing
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_participation_and_report_pages_have_no_axe_violations(
    page: Any, conversation: Any, create_user: Any, locale: str
) -> None:
    page.goto(f"/language/{locale}")
    problems = {}
    for url in (
        "/deliberation/",
        f"/deliberation/{conversation.id}",
        f"/deliberation/{conversation.id}/my-votes",
    ):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == locale
        if found := axe_violations(page):
            problems[url] = found
    coordinator = create_user("coordinator")
    services.change_status(actor=coordinator, conversation=conversation, status="closed")
    services.change_status(actor=coordinator, conversation=conversation, status="reported")
    report = f"/deliberation/{conversation.id}/report"
    page.goto(report)
    assert page.locator("svg[role=img] circle").count() == 30
    if found := axe_violations(page):
        problems[report] = found
    assert problems == {}
