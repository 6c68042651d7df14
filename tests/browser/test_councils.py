"""Every page of councils and the experience bank passes axe-core in Finnish and Swedish."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from portal.core.db import utcnow
from portal.core.times import local_to_utc
from portal.councils import services as councils
from portal.experts import services as experts
from portal.experts.models import ExpertAssignment, ExpertRequest
from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD, body_text
from tests.councils.factories import add_members, make_council
from tests.experts.factories import make_expert, make_request, make_units


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/account")


def _check(page: Any, urls: list[str], locale: str) -> dict[str, list[str]]:
    page.goto(f"/language/{locale}")
    problems = {}
    for url in urls:
        response = page.goto(url)
        assert response is not None, url
        assert response.status == (404 if "no-such-link" in url else 200), url
        assert page.locator("html").get_attribute("lang") == locale
        found = axe_violations(page)
        if found:
            problems[url] = found
    return problems


@pytest.fixture
def scene(db: Any, create_user: Any, mailbox: Any) -> dict[str, Any]:
    area, unit, _other = make_units()
    coordinator = create_user("coordinator", email="koordinaattori@example.fi")
    staff = create_user("staff", email="hoitaja@example.fi", org_unit=unit)
    expert_user = create_user("expert", email="eeva@example.fi", name="Eeva Esimerkki")
    council = make_council(coordinator, accepts_applications=True)
    councils.add_seat_group(actor=coordinator, council=council, name="Omaiset", seats=2)
    add_members(coordinator, council, [(expert_user, "chair")])
    councils.submit_application(
        council=council,
        name="Hanna Hakija",
        email="hanna@example.fi",
        phone=None,
        motivation="Haluan mukaan.",
        seat_group=None,
    )
    start = local_to_utc(date.today() + timedelta(days=5), time(17))
    meeting = councils.schedule_meeting(
        actor=coordinator,
        council=council,
        title="Syksyn kokous",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Sali",
        agenda="1. Avaus",
        accessibility_info="Induktiosilmukka",
    )
    councils.add_material(
        actor=coordinator, meeting=meeting, title="Liite", url="https://example.fi"
    )
    councils.send_invitations(actor=coordinator, meeting=meeting)
    rsvp_link = re.search(
        r"http://localhost(/councils/answer/\S+)", body_text(mailbox.wait_for("eeva@example.fi")[0])
    ).group(1)
    profile = make_expert(
        coordinator, name="Eeva Esimerkki", email="eeva@example.fi", service_area_ids=[area.id]
    )
    make_expert(coordinator, name="Jari Järvinen", email="jari@example.fi")
    waiting = make_request(staff, unit, title="Odottava pyyntö")
    proposal = experts.propose_expert(actor=coordinator, request=waiting, expert=expert_user)
    answer_link = re.search(
        r"http://localhost(/experts/answer/\S+)",
        body_text(mailbox.wait_for("eeva@example.fi", 2)[1]),
    ).group(1)
    held = make_request(staff, unit, days=9, title="Pidetty koulutus")
    done = experts.propose_expert(actor=coordinator, request=held, expert=expert_user)
    experts.respond_to_assignment(actor=expert_user, assignment=done, accept=True)
    past = utcnow() - timedelta(hours=4)
    for model, key in (
        (ExpertRequest, ExpertRequest.id),
        (ExpertAssignment, ExpertAssignment.request_id),
    ):
        db.session.execute(
            update(model)
            .where(key == held.id)
            .values(starts_at=past, ends_at=past + timedelta(hours=2))
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    membership = council.terms[0].memberships[0]
    return {
        "council": council.id,
        "meeting": meeting.id,
        "membership": membership.id,
        "profile": profile.id,
        "waiting": waiting.id,
        "held": held.id,
        "proposal": proposal.id,
        "done": done.id,
        "rsvp_link": rsvp_link,
        "answer_link": answer_link,
    }


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_pages_have_no_axe_violations(page: Any, scene: dict[str, Any], locale: str) -> None:
    s = scene
    public = [
        "/councils/join",
        f"/councils/{s['council']}/apply",
        s["rsvp_link"],
        s["answer_link"],
        "/councils/answer/no-such-link",
        "/experts/answer/no-such-link",
    ]
    problems = _check(page, public, locale)
    _sign_in(page, "koordinaattori@example.fi")
    coordinator_pages = [
        "/councils/",
        "/councils/new",
        f"/councils/{s['council']}",
        f"/councils/{s['council']}/edit",
        f"/councils/{s['council']}/members/new",
        f"/councils/members/{s['membership']}",
        f"/councils/{s['council']}/renew",
        f"/councils/{s['council']}/meetings/new",
        f"/councils/meetings/{s['meeting']}",
        f"/councils/meetings/{s['meeting']}/edit",
        f"/councils/meetings/{s['meeting']}/attendance",
        "/councils/calendar",
        "/councils/calendar?view=month",
        "/experts/",
        "/experts/new",
        f"/experts/{s['profile']}",
        f"/experts/{s['profile']}/edit",
        "/experts/workload",
        "/experts/requests",
        "/experts/requests/new",
        f"/experts/requests/{s['waiting']}",
        f"/experts/requests/{s['waiting']}/match",
    ]
    problems.update(_check(page, coordinator_pages, locale))
    # a form with errors, too
    page.goto(f"/councils/{s['council']}/meetings/new")
    page.locator("main form button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    found = axe_violations(page)
    if found:
        problems["meeting form errors"] = found
    page.context.clear_cookies()
    _sign_in(page, "hoitaja@example.fi")
    problems.update(
        _check(
            page,
            ["/experts/requests", "/experts/requests/new", f"/experts/requests/{s['held']}"],
            locale,
        )
    )
    page.context.clear_cookies()
    _sign_in(page, "eeva@example.fi")
    problems.update(
        _check(
            page,
            [
                "/councils/mine",
                f"/councils/mine/meetings/{s['meeting']}",
                "/experts/me",
                f"/experts/me/assignments/{s['proposal']}",
                f"/experts/me/assignments/{s['done']}",
            ],
            locale,
        )
    )
    assert problems == {}


def test_expert_accepts_with_the_keyboard(page: Any, scene: dict[str, Any]) -> None:
    page.goto(scene["answer_link"])
    page.get_by_role("button", name="Hyväksy").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Kiitos vastauksestasi").wait_for()
    assert axe_violations(page) == []
