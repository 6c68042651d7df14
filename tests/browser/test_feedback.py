"""Customer feedback in a real browser: the web form, kiosk and handling by keyboard, axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.feedback import services
from portal.feedback.models import Answer
from tests.browser.conftest import axe_violations, tab_to
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def unit(db: Any) -> OrgUnit:
    area = OrgUnit(
        kind=OrgUnitKind.SERVICE_AREA, name_fi="Perhepalvelut", name_sv="Familjetjänster"
    )
    unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Neuvola", name_sv="Rådgivningen", parent=area)
    db.session.add_all([area, unit])
    db.session.commit()
    return unit


def _choose_score(page: Any, score: int) -> None:
    tab_to(page, "#score-0", limit=80)
    page.keyboard.press("Space")
    for _ in range(score):
        page.keyboard.press("ArrowRight")
    assert page.locator(f"#score-{score}").is_checked()


@pytest.mark.parametrize(("language", "heading"), [("fi", "Asiakaspalaute"), ("sv", "Kundrespons")])
def test_web_form_by_keyboard(
    page: Any, db: Any, unit: OrgUnit, language: str, heading: str
) -> None:
    page.goto(f"/feedback/unit/{unit.id}?lang={language}")
    assert page.locator("h1").inner_text() == heading
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []
    _choose_score(page, 8)
    tab_to(page, "#open_text", limit=80)
    page.keyboard.type("Hoitaja Virtanen oli ystävällinen")
    tab_to(page, "form button[type=submit]", limit=40)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/thanks.*"))
    assert axe_violations(page) == []
    answer = db.session.scalars(select(Answer)).one()
    assert answer.score == 8 and answer.language == language
    assert "Virtanen" not in answer.open_text


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_kiosk_by_keyboard_returns_to_start(
    page: Any, db: Any, unit: OrgUnit, language: str
) -> None:
    _device, secret = services.create_kiosk_device(unit=unit, name="Aula")
    page.goto(f"/feedback/kiosk/{secret}?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []
    _choose_score(page, 10)
    tab_to(page, "form button[type=submit]", limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*sent=1.*"))
    assert page.locator("[role=status]").count() == 1  # thanked, and back at the start
    assert page.locator("#score-0").count() == 1 and not page.locator("#score-10").is_checked()
    assert axe_violations(page) == []
    assert page.context.cookies() == []


@pytest.mark.parametrize(
    ("language", "saved"), [("fi", "Vastaus tallennettiin."), ("sv", "Svaret sparades.")]
)
def test_handling_pages_by_keyboard(
    page: Any, db: Any, unit: OrgUnit, create_user: Any, language: str, saved: str
) -> None:
    create_user("staff", email="hoitaja@example.fi", org_unit=unit, locale=language)
    answer, _created = services.submit_answer(
        services.Submission(
            unit=unit, channel="web", language="fi", score=3, open_text="Jonotin puhelimessa tunnin"
        ),
        submission_id="browser",
    )
    services.analyse_pending()  # the model trains once per process; not inside a page load
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type("hoitaja@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")
    page.goto("/feedback/handle")
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []
    tab_to(page, f"a[href='/feedback/handle/answers/{answer.id}']", limit=150)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/feedback/handle/answers/{answer.id}")
    assert axe_violations(page) == []
    tab_to(page, "#text", limit=150)
    page.keyboard.type("Lisäsimme takaisinsoiton.")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # publish as "you said, we did"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text(saved).wait_for()
    assert axe_violations(page) == []
    db.session.expire_all()
    stored = db.session.get(Answer, answer.id)
    assert [(r.text, r.is_public) for r in stored.replies] == [("Lisäsimme takaisinsoiton.", True)]
    page.goto("/feedback/handle/cases")
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    ("language", "link"), [("fi", "Selkokielellä"), ("sv", "På lättläst svenska")]
)
@pytest.mark.parametrize("width", [320, 1280])
def test_plain_language_form_by_keyboard(
    page: Any, db: Any, unit: OrgUnit, language: str, link: str, width: int
) -> None:
    from portal.feedback.questionnaire_seed import STATEMENTS

    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/feedback/unit/{unit.id}?lang={language}")
    tab_to(page, f"a:text-is('{link}')", limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*plain=1.*"))
    plain = getattr(STATEMENTS[0], f"plain_{language}")
    assert page.get_by_text(plain, exact=True).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    _choose_score(page, 9)
    tab_to(page, "form button[type=submit]", limit=80)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/thanks.*"))
    assert db.session.scalars(select(Answer)).one().score == 9
