"""Demo fee schedules, an expert's payment details and claims in every state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind, User
from portal.extensions import db
from portal.fees import services
from portal.fees.models import FeeScheduleVersion
from portal.impact.services import record_participation, register_activity

D = Decimal


def seed_fees() -> Iterable[str]:
    if db.session.scalars(select(FeeScheduleVersion)).first() is not None:
        return []
    admin = db.session.scalars(select(User).where(User.email == "admin@demo.osallistu.fi")).first()
    expert = db.session.scalars(
        select(User).where(User.email == "asiantuntija@demo.osallistu.fi")
    ).first()
    if admin is None or expert is None:
        return []
    today = date.today()
    for year, km_rate, part_day, full_day in (
        (2025, "0.59", "24", "53"),
        (2026, "0.55", "25", "54"),
    ):
        services.save_travel_rates(
            actor=admin,
            year=year,
            km_rate=D(km_rate),
            part_day_allowance=D(part_day),
            full_day_allowance=D(full_day),
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
        note="Aluehallituksen päätös 12/2024",
    )
    services.save_fee_schedule(
        actor=admin,
        schedule=None,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        tiers=[(D(2), D(50)), (None, D(70))],
        hourly_fee=D(30),
        preparation_fee=D(20),
        chair_extra=D(20),
        note="Neuvostojen ulkopuoliset jäsenet 50 € / kokous",
    )
    services.save_payee_details(
        actor=expert,
        user=expert,
        method="payroll",
        identity_code="131052-308T",
        iban="FI2112345600000785",
    )
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.UNIT)).first()
    council = register_activity(
        kind="council",
        title="Vammaisneuvosto",
        source_type="demo_fees",
        source_id=1,
        org_unit=unit,
        starts_on=today - timedelta(days=120),
    )
    assignment = register_activity(
        kind="expert_assignment",
        title="Kokemusasiantuntijan luento hoitajille",
        source_type="demo_fees",
        source_id=2,
        org_unit=unit,
        starts_on=today - timedelta(days=40),
    )
    for number, days_ago in enumerate((75, 45, 14), start=1):
        record_participation(
            activity=council,
            user=expert,
            occurred_on=today - timedelta(days=days_ago),
            hours=D("2.5"),
            role="chair" if number == 2 else "member",
            event_type="council_meeting",
            event_id=number,
        )
    record_participation(
        activity=assignment,
        user=expert,
        occurred_on=today - timedelta(days=40),
        hours=D("1.5"),
        event_type="expert_assignment",
        event_id=1,
    )
    db.session.commit()
    result = services.generate_claims(actor=admin)
    return [f"fees: 2 schedules, {result.claims_created} draft claims for {expert.email}"]
