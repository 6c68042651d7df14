"""Fee schedule versions and yearly travel rates, checked to form one timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.service_rows import row_for_key
from portal.extensions import db
from portal.fees.calculation import (
    FeeSchedule,
    MeetingFeeTier,
    ScheduleError,
    TravelRates,
    validate_schedules,
)
from portal.fees.models import FeeScheduleVersion, MeetingFeeTierRow, TravelRateYear
from portal.fees.services._common import FeeError, audit


def _travel_rates() -> tuple[TravelRates, ...]:
    rows = db.session.scalars(select(TravelRateYear).order_by(TravelRateYear.year))
    return tuple(
        TravelRates(row.year, row.km_rate, row.part_day_allowance, row.full_day_allowance)
        for row in rows
    )


def _as_schedule(
    row: FeeScheduleVersion | None, travel: tuple[TravelRates, ...], **values: Any
) -> FeeSchedule:
    if row is not None:
        values = {**_schedule_values(row), **values}
    return FeeSchedule(
        valid_from=values["valid_from"],
        valid_to=values["valid_to"],
        meeting_fee_tiers=tuple(MeetingFeeTier(limit, amount) for limit, amount in values["tiers"]),
        hourly_fee=values["hourly_fee"],
        preparation_fee=values["preparation_fee"],
        chair_extra=values["chair_extra"],
        travel_rates=travel,
        part_day_over_hours=values["part_day_over_hours"],
        full_day_over_hours=values["full_day_over_hours"],
    )


def _schedule_values(row: FeeScheduleVersion) -> dict[str, Any]:
    return {
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "tiers": [(tier.up_to_hours, tier.amount) for tier in row.tiers],
        "hourly_fee": row.hourly_fee,
        "preparation_fee": row.preparation_fee,
        "chair_extra": row.chair_extra,
        "part_day_over_hours": row.part_day_over_hours,
        "full_day_over_hours": row.full_day_over_hours,
    }


def list_schedule_versions() -> list[FeeScheduleVersion]:
    return db.all(select(FeeScheduleVersion).order_by(FeeScheduleVersion.valid_from))


def list_travel_rates() -> list[TravelRateYear]:
    return db.all(select(TravelRateYear).order_by(TravelRateYear.year.desc()))


def load_schedules() -> tuple[FeeSchedule, ...]:
    """Every stored schedule version as a :class:`FeeSchedule`, with all years' travel rates."""
    travel = _travel_rates()
    schedules = []
    for row in list_schedule_versions():
        try:
            schedules.append(_as_schedule(row, travel))
        except ValueError:
            # A year's travel rates were never entered: the dates it covers price nothing
            # until an administrator adds them (claims for them are reported as skipped).
            continue
    return tuple(schedules)


def save_fee_schedule(
    *,
    actor: User,
    schedule: FeeScheduleVersion | None,
    valid_from: date,
    valid_to: date | None,
    tiers: Sequence[tuple[Decimal | None, Decimal]],
    hourly_fee: Decimal,
    preparation_fee: Decimal,
    chair_extra: Decimal,
    part_day_over_hours: Decimal = Decimal(6),
    full_day_over_hours: Decimal = Decimal(10),
    note: str = "",
) -> FeeScheduleVersion:
    """Create or change a schedule version after checking it fits the timeline, and commit.

    Raises :class:`FeeError` ``schedule_invalid`` (tiers, thresholds or dates),
    ``travel_rates_missing`` or ``schedule_<overlap|gap|open_ended_not_last>`` with ``day``.
    Lines already computed keep their prices; drafts are repriced when next edited.
    """
    travel = _travel_rates()
    values = {
        "valid_from": valid_from,
        "valid_to": valid_to,
        "tiers": list(tiers),
        "hourly_fee": hourly_fee,
        "preparation_fee": preparation_fee,
        "chair_extra": chair_extra,
        "part_day_over_hours": part_day_over_hours,
        "full_day_over_hours": full_day_over_hours,
    }
    try:
        candidate = _as_schedule(None, travel, **values)
    except ValueError as error:
        if "travel rates missing" in str(error):
            raise FeeError("travel_rates_missing") from None
        raise FeeError("schedule_invalid") from None
    other_rows = [
        row for row in list_schedule_versions() if schedule is None or row.id != schedule.id
    ]
    closed: FeeScheduleVersion | None = None
    if schedule is None:
        # A new version starting after the open-ended current one ends the current one the
        # day before: that is what "new fees from 1 June" means.
        current = [row for row in other_rows if row.valid_to is None]
        if current and current[0].valid_from < valid_from:
            closed = current[0]
    others = [
        _as_schedule(
            row,
            travel,
            **({"valid_to": valid_from - timedelta(days=1)} if row is closed else {}),
        )
        for row in other_rows
    ]
    try:
        validate_schedules([*others, candidate])
    except ScheduleError as error:
        raise FeeError(f"schedule_{error.code}", day=error.day) from None
    created = schedule is None
    if closed is not None:
        closed.valid_to = valid_from - timedelta(days=1)
        audit(
            actor,
            "schedule_changed",
            "fee_schedule",
            closed.id,
            valid_to=closed.valid_to.isoformat(),
        )
    if schedule is None:
        schedule = FeeScheduleVersion()
        db.session.add(schedule)
    schedule.valid_from = valid_from
    schedule.valid_to = valid_to
    schedule.hourly_fee = hourly_fee
    schedule.preparation_fee = preparation_fee
    schedule.chair_extra = chair_extra
    schedule.part_day_over_hours = part_day_over_hours
    schedule.full_day_over_hours = full_day_over_hours
    schedule.note = note.strip()
    schedule.tiers = [
        MeetingFeeTierRow(position=index, up_to_hours=limit, amount=amount)
        for index, (limit, amount) in enumerate(tiers)
    ]
    db.session.flush()
    audit(
        actor,
        "schedule_created" if created else "schedule_changed",
        "fee_schedule",
        schedule.id,
        valid_from=valid_from.isoformat(),
        valid_to=valid_to.isoformat() if valid_to else None,
        tiers=[[str(limit) if limit else None, str(amount)] for limit, amount in tiers],
        hourly_fee=str(hourly_fee),
        preparation_fee=str(preparation_fee),
        chair_extra=str(chair_extra),
    )
    db.session.commit()
    return schedule


def save_travel_rates(
    *,
    actor: User,
    year: int,
    km_rate: Decimal,
    part_day_allowance: Decimal,
    full_day_allowance: Decimal,
) -> TravelRateYear:
    """Set one year's kilometre allowance and daily allowances, and commit."""
    if not 2000 <= year <= 2100:
        raise FeeError("year_out_of_range")
    TravelRates(year, km_rate, part_day_allowance, full_day_allowance)  # validates amounts
    row = row_for_key(TravelRateYear, year=year)
    row.km_rate = km_rate
    row.part_day_allowance = part_day_allowance
    row.full_day_allowance = full_day_allowance
    db.session.flush()
    audit(
        actor,
        "travel_rates_saved",
        "fee_travel_rates",
        year,
        km_rate=str(km_rate),
        part_day_allowance=str(part_day_allowance),
        full_day_allowance=str(full_day_allowance),
    )
    db.session.commit()
    return row
