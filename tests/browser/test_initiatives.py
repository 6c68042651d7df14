"""Initiatives in a real browser: the whole life of one initiative by keyboard, and axe-core."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portal.initiatives import services
from tests.browser.conftest import axe_violations, tab_to
from tests.conftest import TEST_PASSWORD, body_text

LINK = re.compile(r"http://localhost(/\S+)")


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")


def _sign_out(page: Any) -> None:
    tab_to(page, "header .account-links button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/$"))


def _press(page: Any, selector: str) -> None:
    tab_to(page, selector, limit=120)
    page.keyboard.press("Enter")


def _assert_accessible(page: Any, seen: dict[str, list[str]]) -> None:
    problems = axe_violations(page)
    if problems:
        seen[page.url] = problems


def test_initiative_life_by_keyboard(
    page: Any, mailbox: Any, live_server: str, create_user: Any, db: Any
) -> None:
    admin = create_user("admin")
    services.save_settings(
        actor=admin,
        year=date.today().year,
        support_share=Decimal("0.02"),
        eligible_voters=50,  # one support is exactly 2 %
        handling_months=6,
        collection_months=6,
    )
    author = create_user("resident", email="aloitteentekija@example.fi", name="Aino Aloite")
    create_user("coordinator", email="koordinaattori@example.fi")
    create_user("decision_maker", email="paattaja@example.fi")
    problems: dict[str, list[str]] = {}

    # the resident writes an initiative and sends it for checking
    _sign_in(page, author.email)
    page.goto("/initiatives/")
    _assert_accessible(page, problems)
    _press(page, "main a[href='/initiatives/new']")
    page.wait_for_url("**/initiatives/new")
    _assert_accessible(page, problems)
    tab_to(page, "#title")
    page.keyboard.type("Penkkejä terveysaseman pihalle")
    page.keyboard.press("Tab")
    page.keyboard.type("Orivedin terveysaseman pihalle tuodaan kolme penkkiä.")
    page.keyboard.press("Tab")
    page.keyboard.type("Iäkkäät joutuvat nyt odottamaan kuljetusta seisten.")
    tab_to(page, "#public_name")
    page.keyboard.type("Aino A.")
    _press(page, "main button[type=submit]")
    page.get_by_role("heading", name="Penkkejä terveysaseman pihalle").wait_for()
    initiative_url = page.url
    _assert_accessible(page, problems)
    _press(page, "main button:has-text('Lähetä tarkastettavaksi')")
    page.get_by_text("Aloite on lähetetty tarkastettavaksi").wait_for()
    _sign_out(page)

    # a coordinator checks and publishes it
    _sign_in(page, "koordinaattori@example.fi")
    page.goto("/initiatives/manage")
    _assert_accessible(page, problems)
    _press(page, "main a:has-text('Penkkejä terveysaseman pihalle')")
    page.wait_for_url("**/check")
    _assert_accessible(page, problems)
    _press(page, "main button:has-text('Julkaise aloite')")
    page.get_by_text("Aloite on julkaistu ja kerää kannatusta").wait_for()
    _sign_out(page)
    assert "julkaistu" in str(mailbox.wait_for(author.email)[0]["Subject"])

    # a resident without an account supports it and confirms by email
    page.goto(initiative_url)
    _press(page, "main a:has-text('Kannata tätä aloitetta')")
    page.wait_for_url("**/support")
    _assert_accessible(page, problems)
    tab_to(page, "#name")
    page.keyboard.type("Tuula Tukija")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the first municipality of the list
    page.keyboard.press("Tab")
    page.keyboard.type("tuula@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.locator("#notify_decision").is_checked()
    _press(page, "main button[type=submit]")
    page.get_by_role("heading", name="Tarkista sähköpostisi").wait_for()
    _assert_accessible(page, problems)
    confirm = LINK.search(body_text(mailbox.wait_for("tuula@example.fi")[0])).group(1)
    page.goto(live_server + confirm)
    # The emailed link opens a page with a button, so a mail scanner cannot confirm.
    _assert_accessible(page, problems)
    _press(page, "main button[type=submit]")
    page.get_by_text("Kannatuksesi on vahvistettu ja laskettu").wait_for()
    assert page.locator("progress").get_attribute("value") == "1"
    assert page.get_by_text("Kannatuksia: 1. Tarvitaan: 1.").is_visible()
    _assert_accessible(page, problems)

    # the initiator ends the collection and submits it
    _sign_in(page, author.email)
    page.goto(initiative_url)
    _press(page, "main button:has-text('Lopeta keräys ja jätä aloite')")
    page.get_by_text("Keräys on päättynyt").wait_for()
    assert page.get_by_text("Otettava käsiteltäväksi viimeistään").is_visible()
    _sign_out(page)

    # a decision maker assigns it and records the decision
    _sign_in(page, "paattaja@example.fi")
    page.goto("/initiatives/manage")
    _press(page, "main a:has-text('Penkkejä terveysaseman pihalle')")
    page.wait_for_url("**/process")
    _assert_accessible(page, problems)
    tab_to(page, "#assigned_to")
    page.keyboard.type("Aluehallitus")
    _press(page, "main button:has-text('Tallenna käsittelijä')")
    page.get_by_text("Aloite on käsittelyssä.").wait_for()
    tab_to(page, "#decision-0")
    page.keyboard.press("Space")
    tab_to(page, "#reason")
    page.keyboard.type("Penkit hankitaan osana pihan kunnostusta.")
    page.keyboard.press("Tab")
    page.keyboard.type("Kolme penkkiä asennetaan toukokuussa.")
    page.keyboard.press("Tab")
    page.keyboard.type("https://example.fi/poytakirjat/2026-14")
    _press(page, "main button:has-text('Julkaise päätös')")
    page.get_by_role("heading", name=re.compile("Päätös: Hyväksytty")).wait_for()
    assert page.get_by_text("Kolme penkkiä asennetaan toukokuussa.").is_visible()
    _assert_accessible(page, problems)

    decision = [m for m in mailbox.wait_for(author.email, 2) if "Päätös" in str(m["Subject"])]
    assert decision and "Kolme penkkiä asennetaan toukokuussa." in body_text(decision[0])
    supporter_mail = mailbox.wait_for("tuula@example.fi", 3)
    assert any("Päätös" in str(m["Subject"]) for m in supporter_mail)
    assert problems == {}


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_initiative_pages_have_no_axe_violations(
    page: Any, locale: str, create_user: Any, mailbox: Any, db: Any
) -> None:
    author = create_user("resident", email="tekija@example.fi", locale=locale)
    coordinator = create_user("coordinator", email="koord@example.fi", locale=locale)
    draft = services.create_initiative(
        actor=author, title="Luonnos kirjastoautosta", proposal="Kirjastoauto kylille."
    )
    checking = services.create_initiative(
        actor=author, title="Puhelinajanvaraus aina auki", proposal="Puhelinvaraus arkisin."
    )
    services.send_for_check(actor=author, initiative=checking)
    public = services.create_initiative(
        actor=author,
        title="Perhekeskuksen palvelut ruotsiksi",
        proposal="Neuvontaa myös ruotsiksi.",
        justification="Omalla kielellä.",
    )
    services.send_for_check(actor=author, initiative=public)
    services.publish_initiative(actor=coordinator, initiative=public)
    services.request_support(
        initiative=public,
        name="Tukija",
        email="tukija@example.fi",
        municipality=None,
        notify_decision=True,
        locale=locale,
    )
    services.submit_initiative(actor=author, initiative=public)
    services.assign_initiative(actor=coordinator, initiative=public, assigned_to="Aluehallitus")
    services.report_abuse(initiative=public, reason="spam", message="Mainos")
    services.invite_co_initiator(actor=author, initiative=draft, email="kutsu@example.fi")
    invitation = LINK.search(body_text(mailbox.wait_for("kutsu@example.fi")[0])).group(1)

    page.goto(f"/language/{locale}")
    public_pages = [
        "/initiatives/",
        f"/initiatives/{public.id}",
        f"/initiatives/{public.id}/report",
        f"/initiatives/annual-report?year={date.today().year}",
    ]
    collecting = services.create_initiative(
        actor=author, title="Esteetön sisäänkäynti", proposal="Luiska ja automaattiovi."
    )
    services.send_for_check(actor=author, initiative=collecting)
    services.publish_initiative(actor=coordinator, initiative=collecting)
    services.request_support(
        initiative=collecting,
        name="Peruja",
        email="peruja@example.fi",
        municipality=None,
        notify_decision=False,
        locale=locale,
    )
    confirm = LINK.search(body_text(mailbox.wait_for("peruja@example.fi")[0])).group(1)
    services.confirm_support(secret=confirm.rsplit("/", 1)[1])
    counted = body_text(mailbox.wait_for("peruja@example.fi", 2)[1])
    withdraw = next(m.group(1) for m in LINK.finditer(counted) if "/withdraw" in m.group(1))
    public_pages += [
        f"/initiatives/{collecting.id}",
        f"/initiatives/{collecting.id}/support",
        withdraw,
    ]
    problems: dict[str, list[str]] = {}

    def visit(urls: list[str]) -> None:
        for url in urls:
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == locale
            found = axe_violations(page)
            if found:
                problems[url] = found

    visit(public_pages)
    # a form with errors
    page.goto(f"/initiatives/{collecting.id}/support")
    page.locator("main button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    if found := axe_violations(page):
        problems["support form with errors"] = found

    _sign_in(page, author.email)
    page.goto(f"/language/{locale}")
    visit(
        [
            "/initiatives/mine",
            "/initiatives/new",
            f"/initiatives/{draft.id}",
            f"/initiatives/{draft.id}/edit",
            f"/initiatives/{checking.id}",
            f"/initiatives/{collecting.id}",
        ]
    )
    tab_to(page, "header .account-links button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/$"))
    _sign_in(page, "koord@example.fi")
    create_user("resident", email="kutsu@example.fi", locale=locale)
    page.goto(f"/language/{locale}")
    visit(
        [
            "/initiatives/manage",
            f"/initiatives/{checking.id}/check",
            f"/initiatives/{public.id}/process",
            "/initiatives/manage/reports",
            "/initiatives/settings",
        ]
    )
    tab_to(page, "header .account-links button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/$"))
    _sign_in(page, "kutsu@example.fi")
    page.goto(f"/language/{locale}")
    visit([invitation])
    assert problems == {}
