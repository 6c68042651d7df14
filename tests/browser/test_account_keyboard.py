"""A resident registers, confirms the address and signs in with the keyboard only."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import axe_violations, tab_to
from tests.conftest import TEST_PASSWORD, body_text


def test_register_confirm_and_sign_in_with_keyboard(
    page: Any, mailbox: Any, live_server: str
) -> None:
    page.goto("/")
    tab_to(page, "a.skip-link")
    tab_to(page, "header a[href='/register']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/register")
    tab_to(page, "#name")
    page.keyboard.type("Kalle Näppäimistö")
    page.keyboard.press("Tab")
    page.keyboard.type("kalle@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    tab_to(page, "#accept_privacy")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]:has-text('Luo tili')")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Tarkista sähköpostisi").wait_for()

    message = mailbox.wait_for("kalle@example.fi")[0]
    path = re.search(r"http://localhost(/\S+)", body_text(message)).group(1)
    page.goto(live_server + path)
    # The emailed link opens a page with a button, so a mail scanner cannot confirm.
    tab_to(page, "button[type=submit]:has-text('Vahvista sähköpostiosoitteeni')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    tab_to(page, "#email")
    page.keyboard.type("kalle@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")
    assert page.get_by_role("heading", name="Oma tili").is_visible()
    assert axe_violations(page) == []
