"""A resident joins, confirms, edits and leaves the pool with the keyboard only (fi and sv),
and every pool page, the coordinators' included, passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.pool.models import PoolMember
from tests.browser.conftest import axe_violations, tab_to
from tests.conftest import TEST_PASSWORD, body_text

TEXTS = {
    "fi": {
        "join": "Liity asukaspooliin",
        "sent": "Kiitos liittymisestä",
        "me": "Oma asukaspoolin jäsenyyteni",
        "save": "Tallenna tietoni",
        "saved": "Tietosi on tallennettu.",
        "leave": "Eroa asukaspoolista",
        "left": "Olet eronnut asukaspoolista",
        "municipality": "Nokia",
    },
    "sv": {
        "join": "Anslut dig till poolen",
        "sent": "Tack för att du anslöt dig",
        "me": "Mitt medlemskap i invånarpoolen",
        "save": "Spara mina uppgifter",
        "saved": "Dina uppgifter har sparats.",
        "leave": "Lämna poolen",
        "left": "Du har lämnat invånarpoolen",
        "municipality": "Nokia",
    },
}


def _check(page: Any, seen: list[str]) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
    seen.append(page.url)


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_join_confirm_edit_and_leave_with_keyboard(
    page: Any, mailbox: Any, live_server: str, db: Any, locale: str
) -> None:
    words = TEXTS[locale]
    email = f"nappaimisto.{locale}@example.fi"
    seen: list[str] = []
    page.goto("/")
    if locale == "sv":
        tab_to(page, "nav.languages a[lang='sv']")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "sv"
    tab_to(page, "nav.main-nav a[href='/pool/join']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pool/join")
    _check(page, seen)

    tab_to(page, "#name")
    page.keyboard.type("Kerttu Näppäimistö")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#birth_year")
    page.keyboard.type("1961")
    tab_to(page, "#gender-0")
    page.keyboard.press("Space")
    tab_to(page, "#municipality")
    page.keyboard.type(words["municipality"])
    tab_to(page, "#language-0")
    page.keyboard.press("ArrowDown" if locale == "sv" else "Space")
    tab_to(page, "#interests-1")
    page.keyboard.press("Space")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, f"button[type=submit]:has-text('{words['join']}')")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=words["sent"]).wait_for()
    _check(page, seen)

    message = mailbox.wait_for(email)[0]
    path = re.search(r"http://localhost(/\S+)", body_text(message)).group(1)
    page.goto(live_server + path)
    _check(page, seen)
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pool/me")
    page.get_by_role("heading", name=words["me"], exact=True).wait_for()
    _check(page, seen)
    member = db.session.scalars(
        select(PoolMember).join(PoolMember.user).where(User.email == email)
    ).one()
    assert member.status == "active"
    assert member.user.municipality.name_fi == "Nokia"
    assert member.user.language == locale and member.user.locale == locale

    tab_to(page, "#name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Kerttu Muokattu")
    tab_to(page, f"button[type=submit]:has-text('{words['save']}')")
    page.keyboard.press("Enter")
    page.get_by_text(words["saved"]).wait_for()
    _check(page, seen)
    db.session.expire_all()
    assert db.session.get(PoolMember, member.id).user.name == "Kerttu Muokattu"

    tab_to(page, "#confirm")
    page.keyboard.press("Space")
    tab_to(page, f"button[type=submit]:has-text('{words['leave']}')")
    page.keyboard.press("Enter")
    page.get_by_text(words["left"]).wait_for()
    _check(page, seen)
    db.session.expire_all()
    left = db.session.get(PoolMember, member.id)
    assert left.status == "left" and left.user.email is None and left.user.name == ""
    assert len(seen) == 6


def test_every_pool_page_passes_axe(
    page: Any, live_server: str, db: Any, create_user: Any, mailbox: Any
) -> None:
    from datetime import date

    from portal.impact.services import register_activity
    from portal.pool.services import MemberData, _add_member, create_invitation

    coordinator = create_user("coordinator", email="koordinaattori@example.fi")
    activity = register_activity(
        kind="panel",
        title="Asukaspaneeli 2027",
        source_type="test",
        source_id=7,
        starts_on=date(2027, 2, 1),
    )
    member = _add_member(
        data=MemberData(
            name="Aada Axe",
            email="aada@example.fi",
            phone="040 1112223",
            contact_channel="email",
            postal_address=None,
            birth_year=1950,
            gender="woman",
            municipality_id=None,
            municipality_other=True,
            language="fi",
            language_other=None,
        ),
        consent_version="test",
        source="coordinator",
    )
    db.session.commit()
    invitation = create_invitation(actor=coordinator, activity=activity, message="Tervetuloa!")
    answer_path = re.search(
        r"http://localhost(/pool/answer/\S+)", body_text(mailbox.wait_for("aada@example.fi")[0])
    ).group(1)

    # public pages
    for path in ("/pool/login", answer_path, "/pool/confirm/not-a-token", "/pool/login/abc"):
        page.goto(path)
        assert axe_violations(page) == [], path
    page.goto(answer_path)
    tab_to(page, "#answer-0")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Kiitos vastauksestasi").wait_for()
    assert axe_violations(page) == [], "answer saved"

    # the coordinator's pages
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type("koordinaattori@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")
    for path in (
        "/pool/members",
        "/pool/members?gender=woman&age_band=75%2B",
        f"/pool/members/{member.id}",
        f"/pool/members/{member.id}/edit",
        "/pool/members/new",
        "/pool/import",
        "/pool/invitations",
        "/pool/invitations/new",
        f"/pool/invitations/{invitation.id}",
        "/pool/representativeness",
        "/pool/areas",
        "/pool/areas/new",
    ):
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert axe_violations(page) == [], path
    # a form with errors is accessible too
    page.goto("/pool/members/new")
    tab_to(page, "button[type=submit]:has-text('Tallenna')")
    page.keyboard.press("Enter")
    page.locator(".error-summary").wait_for()
    assert axe_violations(page) == [], "form errors"
