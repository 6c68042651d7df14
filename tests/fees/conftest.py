"""Factories for the fees tests: schedules, activities and participations, payees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

D = Decimal
#: Valid test identifiers (check digits correct; not real people or accounts).
HETU = "131052-308T"
HETU_NEW_SIGN = "010594Y123W"
IBAN = "FI2112345600000785"
ORG_IBAN = "FI5810171000000122"
BUSINESS_ID = "0737546-2"


@pytest.fixture
def schedules(db: Any, create_user: Callable[..., Any]) -> Any:
    """The 2025 and 2026 schedules and travel rates (0.59 €/km in 2025, 0.55 €/km in 2026)."""
    from portal.fees import services

    admin = create_user("admin")
    services.save_travel_rates(
        actor=admin,
        year=2025,
        km_rate=D("0.59"),
        part_day_allowance=D(24),
        full_day_allowance=D(53),
    )
    services.save_travel_rates(
        actor=admin,
        year=2026,
        km_rate=D("0.55"),
        part_day_allowance=D(25),
        full_day_allowance=D(54),
    )
    services.save_fee_schedule(
        actor=admin,
        schedule=None,
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
        tiers=[(D(2), D(40)), (None, D(60))],
        hourly_fee=D(25),
        preparation_fee=D(20),
        chair_extra=D(15),
    )
    services.save_fee_schedule(
        actor=admin,
        schedule=None,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        tiers=[(D(2), D(50)), (None, D(70))],
        hourly_fee=D("27.50"),
        preparation_fee=D(20),
        chair_extra=D(20),
    )
    return admin


@pytest.fixture
def activity(db: Any) -> Callable[..., Any]:
    from portal.impact.services import register_activity

    counter = iter(range(1, 10_000))

    def make(kind: str = "council", title: str = "Vanhusneuvosto") -> Any:
        result = register_activity(
            kind=kind, title=title, source_type=f"test_{kind}", source_id=next(counter)
        )
        db.session.commit()
        return result

    return make


@pytest.fixture
def participate(db: Any) -> Callable[..., Any]:
    from portal.impact.services import record_participation

    counter = iter(range(1, 100_000))

    def make(
        activity: Any,
        user: Any,
        day: date,
        hours: str | Decimal = "2",
        *,
        event_type: str = "council_meeting",
        role: str = "member",
        attendance: str = "present",
    ) -> Any:
        participation = record_participation(
            activity=activity,
            user=user,
            occurred_on=day,
            hours=D(hours),
            attendance=attendance,
            role=role,
            event_type=event_type,
            event_id=next(counter),
        )
        db.session.commit()
        return participation

    return make


@pytest.fixture
def payroll_payee(db: Any, create_user: Callable[..., Any]) -> Any:
    from portal.fees import services

    user = create_user("expert", name="Aino Asiantuntija")
    services.save_payee_details(
        actor=user, user=user, method="payroll", identity_code=HETU, iban=IBAN
    )
    return user


@pytest.fixture
def invoice_payee(db: Any, create_user: Callable[..., Any]) -> Any:
    from portal.fees import services

    user = create_user("expert", name="Olli Organisaatio")
    services.save_payee_details(
        actor=user,
        user=user,
        method="invoice",
        iban=ORG_IBAN,
        organisation_name="Kokemusasiantuntijat ry",
        business_id=BUSINESS_ID,
        billing_address="Hämeenkatu 1\n33100 Tampere",
    )
    return user
