"""An expert fills in payment details and travel and sends a claim, keyboard only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.browser.conftest import axe_violations, tab_to
from tests.conftest import TEST_PASSWORD
from tests.fees import conftest as fee_fixtures
from tests.fees.conftest import HETU, IBAN

# The fees factories, shared with tests/fees (fixtures are found by name in this module).
schedules = fee_fixtures.schedules
activity = fee_fixtures.activity
participate = fee_fixtures.participate


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")


def test_expert_sends_a_claim_with_the_keyboard(
    page: Any, db: Any, schedules: Any, activity: Any, participate: Any, create_user: Any
) -> None:
    from portal.fees import services

    expert = create_user("expert", email="eeva@example.fi", name="Eeva Kokemus")
    participate(activity(title="Vammaisneuvosto"), expert, date(2026, 3, 3), "2.5", role="chair")
    services.generate_claims(actor=None)

    _sign_in(page, "eeva@example.fi")
    page.goto("/fees/")
    assert page.get_by_role("heading", name="Omat palkkiot").is_visible()
    assert axe_violations(page) == []

    page.goto("/fees/payment-details")
    assert axe_violations(page) == []
    tab_to(page, "#identity_code")
    page.keyboard.type(HETU)
    page.keyboard.press("Tab")
    page.keyboard.type(IBAN)
    tab_to(page, "button[type=submit]:has-text('Tallenna')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/fees/")
    assert HETU not in page.content()
    assert "******-***T" not in page.content()  # the list shows the account only
    assert "FI** **** **** **07 85" in page.content()

    page.get_by_role("link", name="maaliskuu 2026").click()
    assert axe_violations(page) == []
    claim = db.session.scalars(services.claims_query(payee=expert)).one()
    item = claim.items[0]
    tab_to(page, f"#item{item.id}-km")
    page.keyboard.type("24,5")
    page.keyboard.press("Tab")
    page.keyboard.type("Lempäälä – Tampere")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    tab_to(page, "button[type=submit]:has-text('Tallenna matka')")
    page.keyboard.press("Enter")
    page.get_by_text("Matkan tiedot on tallennettu").wait_for()
    tab_to(page, "button[type=submit]:has-text('Lähetä hakemus tarkastettavaksi')")
    page.keyboard.press("Enter")
    page.get_by_text("Hakemus on lähetetty tarkastettavaksi.").wait_for()
    db.session.expire_all()
    claim = db.session.scalars(services.claims_query(payee=expert)).one()
    # 70 € meeting + 20 € chair + 24.5 km * 0.55 = 13.475 -> 13.48
    assert (claim.state, claim.total) == ("submitted", Decimal("103.48"))
    page.goto(f"/fees/claims/{claim.id}/print")
    assert axe_violations(page) == []
