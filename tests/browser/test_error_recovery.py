"""After a failed submit the title says so and the keyboard starts at the error summary."""

from __future__ import annotations

from typing import Any

import pytest

PREFIX = {"fi": "Virhe: ", "sv": "Fel: ", "en": "Error: "}
SUBMIT = {"fi": "Luo tili", "sv": "Skapa konto", "en": "Create an account"}


def _fail_registration(page: Any, locale: str) -> str:
    page.goto(f"/language/{locale}")
    page.goto("/register")
    title_before = page.title()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    return title_before


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_error_summary_is_focused_and_the_title_has_the_prefix(page: Any, locale: str) -> None:
    title_before = _fail_registration(page, locale)
    assert not title_before.startswith(PREFIX[locale])
    assert page.title() == PREFIX[locale] + title_before
    focused = page.evaluate("document.activeElement.id")
    assert focused == "error-summary"
    # From the summary the first Tab reaches the first error link.
    page.keyboard.press("Tab")
    first_link = page.locator("#error-summary a").first
    assert first_link.evaluate("el => el === document.activeElement")


def test_without_javascript_the_first_tab_leads_to_the_error_summary(
    browser: Any, live_server: str, db: Any
) -> None:
    context = browser.new_context(base_url=live_server, locale="fi-FI", java_script_enabled=False)
    try:
        page = context.new_page()
        _fail_registration(page, "fi")
        assert page.title().startswith(PREFIX["fi"])
        page.keyboard.press("Tab")
        skip = page.evaluate("[document.activeElement.tagName, document.activeElement.hash]")
        assert skip == ["A", "#error-summary"]
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        first_link = page.locator("#error-summary a").first
        assert first_link.evaluate("el => el === document.activeElement")
    finally:
        context.close()


def test_required_radio_groups_are_marked(page: Any) -> None:
    page.goto("/pool/join")
    legends = page.locator("fieldset.field-group legend")
    marked = [
        legends.nth(i).inner_text()
        for i in range(legends.count())
        if legends.nth(i).locator(".required-mark").count()
    ]
    assert any(text.startswith("Sukupuoli") for text in marked), marked
    assert any(text.startswith("Äidinkieli") for text in marked), marked
