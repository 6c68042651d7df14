"""axe-core finds no WCAG 2.1 A/AA violations on public pages, in every language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations

PAGES = [
    "/",
    "/privacy",
    "/accessibility",
    "/accessibility/feedback",
    "/login",
    "/register",
    "/password/forgot",
    "/verify",
    "/no-such-page",
]


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_public_pages_have_no_axe_violations(page: Any, locale: str) -> None:
    page.goto(f"/language/{locale}")
    problems = {}
    for url in PAGES:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == locale
        found = axe_violations(page)
        if found:
            problems[url] = found
    assert problems == {}


def test_form_errors_have_no_axe_violations(page: Any) -> None:
    page.goto("/register")
    page.get_by_role("button", name="Luo tili").click()
    assert page.locator(".error-summary").is_visible()
    assert axe_violations(page) == []
