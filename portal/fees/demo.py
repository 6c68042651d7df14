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
from portal.impact.models import ActivityKind, EventType
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
    # (valid from, valid to, meeting fee tiers, hourly fee, chair extra, note)
    for valid_from, valid_to, tiers, hourly_fee, chair_extra, note in (
        (date(2025, 1, 1), date(2025, 12, 31), (40, 60), 25, 15, "Aluehallituksen päätös 12/2024"),
        (
            date(2026, 1, 1),
            None,
            (50, 70),
            30,
            20,
            "Neuvostojen ulkopuoliset jäsenet 50 € / kokous",
        ),
    ):
        services.save_fee_schedule(
            actor=admin,
            schedule=None,
            valid_from=valid_from,
            valid_to=valid_to,
            tiers=[(D(2), D(tiers[0])), (None, D(tiers[1]))],
            hourly_fee=D(hourly_fee),
            preparation_fee=D(20),
            chair_extra=D(chair_extra),
            note=note,
        )
    services.save_payee_details(
        actor=expert,
        user=expert,
        method="payroll",
        identity_code="131052-308T",
        iban="FI2112345600000785",
    )
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.UNIT)).first()
    council, assignment = (
        register_activity(
            kind=kind,
            title=title,
            source_type="demo_fees",
            source_id=number,
            org_unit=unit,
            starts_on=today - timedelta(days=days_ago),
        )
        for number, (kind, title, days_ago) in enumerate(
            (
                (ActivityKind.COUNCIL, "Vammaisneuvosto", 120),
                (ActivityKind.EXPERT_ASSIGNMENT, "Kokemusasiantuntijan luento hoitajille", 40),
            ),
            start=1,
        )
    )
    for number, days_ago in enumerate((75, 45, 14), start=1):
        record_participation(
            activity=council,
            user=expert,
            occurred_on=today - timedelta(days=days_ago),
            hours=D("2.5"),
            role="chair" if number == 2 else "member",
            event_type=EventType.COUNCIL_MEETING,
            event_id=number,
        )
    record_participation(
        activity=assignment,
        user=expert,
        occurred_on=today - timedelta(days=40),
        hours=D("1.5"),
        event_type=EventType.EXPERT_ASSIGNMENT,
        event_id=1,
    )
    db.session.commit()
    result = services.generate_claims(actor=admin)
    return [f"fees: 2 schedules, {result.claims_created} draft claims for {expert.email}"]
