"""The impact dashboard and the "you said, we did" page pass axe-core in Finnish and Swedish."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD
from tests.impact.conftest import seed_chain


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _charts_have_text_alternatives(page: Any) -> int:
    """Every chart is a figure named by its visible title, with a one-sentence summary."""
    charts = page.locator("figure.chart")
    for i in range(charts.count()):
        chart = charts.nth(i)
        title_id = chart.get_attribute("aria-labelledby")
        assert page.locator(f"#{title_id}").text_content().strip()
        assert chart.locator(".chart-summary").text_content().strip()
    return charts.count()


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_dashboard_and_public_page_have_no_axe_violations(
    page: Any, db: Any, create_user: Any, locale: str
) -> None:
    seed_chain(db, create_user)
    decider = create_user("decision_maker", email="paattaja@example.fi", locale=locale)
    page.goto(f"/language/{locale}")
    page.goto("/impact/you-said-we-did")
    assert page.locator("html").get_attribute("lang") == locale
    assert page.locator(".said-did .card").count() == 4
    assert axe_violations(page) == []
    page.goto("/impact/you-said-we-did?q=penkk")
    assert page.locator(".said-did .card").count() == 1
    assert axe_violations(page) == []

    _sign_in(page, decider.email)
    page.goto(f"/language/{locale}")
    page.goto("/impact/?start=2026-01-01&end=2026-12-31")
    assert page.locator("html").get_attribute("lang") == locale
    assert _charts_have_text_alternatives(page) >= 4
    assert page.locator("table.data-table caption").count() >= 6
    assert axe_violations(page) == []
    page.goto("/impact/outputs")
    assert axe_violations(page) == []
    page.goto("/impact/report/print?start=2026-01-01&end=2026-12-31")
    assert axe_violations(page) == []


def test_a_decision_maker_responds_with_the_keyboard_and_mouse(
    page: Any, db: Any, create_user: Any
) -> None:
    chain = seed_chain(db, create_user)
    decider = create_user("decision_maker", email="paattaja@example.fi")
    _sign_in(page, decider.email)
    output = chain["outputs"][4]
    page.goto(f"/impact/outputs/{output.id}/respond")
    page.get_by_label("Ei hyväksytty").check()
    page.get_by_role("button", name="Tallenna vastaus").click()
    assert page.locator(".error-summary").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Hyväksytty", exact=True).check()
    page.get_by_role("button", name="Tallenna vastaus").click()
    assert page.get_by_text("Vastaus tallennettiin.").is_visible()
    # the output's page shows the response and its history
    assert page.locator("table caption", has_text="Muutokset vastaukseen").is_visible()
    assert axe_violations(page) == []
    page.goto(f"/impact/activities/{output.activity_id}")
    assert axe_violations(page) == []
