"""Panel pages have no axe-core violations in Finnish and Swedish, for coordinators and public."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from portal.panels import services
from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD

AGES = ["15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


def _drawn_panel(coordinator: Any) -> Any:
    panel = services.create_panel(
        actor=coordinator,
        question="Miten digitalisaatio tehdään kunnioittavasti ja vastuullisesti?",
        description="Ensimmäinen asukaspaneeli.",
        size=8,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 4, 1),
        features=["gender", "age_band"],
        municipality_groups={},
        pays_fee=True,
    )
    people = "id,gender,age_band\n" + "".join(
        f"p{i},{'woman' if i % 2 else 'man'},{AGES[i % 7]}\n" for i in range(40)
    )
    services.upload_candidates(actor=coordinator, panel=panel, text=people)
    services.publish_panel(actor=coordinator, panel=panel)
    services.announce_seed(
        actor=coordinator, panel=panel, seed="4711", seed_source="Lotto", method="leximin"
    )
    # The test queue is immediate: the draw task runs when start_draw commits.
    services.start_draw(actor=coordinator, panel=panel)
    return panel


def _queued_panel(coordinator: Any) -> Any:
    from portal.panels.services import draws

    # Keep the draw queued, as if no worker had picked it up yet.
    held, draws.run_panel_draw = draws.run_panel_draw, lambda draw_id: None
    try:
        panel = _drawn_panel(coordinator)
    finally:
        draws.run_panel_draw = held
    return panel


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/account")


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_panel_pages_have_no_axe_violations(
    page: Any, create_user: Any, db: Any, locale: str
) -> None:
    coordinator = create_user("coordinator", email="koordinaattori@example.fi", locale=locale)
    panel = _drawn_panel(coordinator)
    session = services.add_session(
        actor=coordinator,
        panel=panel,
        title="Aloitus",
        held_on=date(2027, 2, 1),
        hours=3,  # type: ignore[arg-type]
        location="Tampere",
    )
    member = services.panel_members(panel)[0]
    page.goto(f"/language/{locale}")
    public_pages = ["/panels/", f"/panels/{panel.id}", f"/panels/{panel.id}/report"]
    coordinator_pages = [
        "/panels/manage",
        "/panels/manage/new",
        f"/panels/{panel.id}/manage",
        f"/panels/{panel.id}/edit",
        f"/panels/{panel.id}/quotas",
        f"/panels/{panel.id}/candidates",
        f"/panels/{panel.id}/draw",
        f"/panels/{panel.id}/members/{member.id}/replace",
        f"/panels/{panel.id}/sessions/{session.id}",
        "/panels/my",
    ]
    problems = {}
    for url in public_pages:
        page.goto(url)
        found = axe_violations(page)
        if found:
            problems[url] = found
    _sign_in(page, "koordinaattori@example.fi")
    page.goto(f"/language/{locale}")
    for url in coordinator_pages:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == locale
        found = axe_violations(page)
        if found:
            problems[url] = found
    # a draw in progress as the coordinator first sees it: refreshing on a timer is
    # opt-in (WCAG 2.2.1), the opted-in state is tested in tests/panels
    waiting = _queued_panel(coordinator)
    page.goto(f"/panels/{waiting.id}/draw")
    assert page.locator("progress").is_visible()
    found = axe_violations(page)
    if found:
        problems["draw in progress"] = found
    # an invalid form, shown with its errors
    page.goto("/panels/manage/new")
    page.fill("#question", "")
    page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary").first.is_visible()
    found = axe_violations(page)
    if found:
        problems["new panel with errors"] = found
    assert problems == {}
