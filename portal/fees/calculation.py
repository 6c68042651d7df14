"""Fee schedules and the computation of claim lines for meetings and assignments.

Two kinds of rates, two ways of versioning them:

* **Fees** (meeting fee tiers, hourly assignment fee, preparation fee, chair's extra) are
  decided by the county and versioned by a :class:`FeeSchedule`'s validity period.
* **Travel rates** (kilometre allowance, part-day and full-day allowance) follow the Finnish
  Tax Administration's yearly decision, so a schedule holds one :class:`TravelRates` per
  calendar year. A schedule valid across a new year then needs no new version just because
  the km rate changed, and forgetting the new year's rates is an explicit error.

Rates apply by the **date of the work**, not the date of the claim: a December meeting claimed
in January is paid with December's rates.

Every line's amount is ``quantity * unit_price`` rounded once to cents with ROUND_HALF_UP
(:func:`portal.core.money.round_cents`); totals are exact sums of lines.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from portal.core.money import ZERO, is_whole_cents, round_cents, sum_money

__all__ = [
    "TAXABLE_CODES",
    "BatchTotals",
    "ClaimLine",
    "EventKind",
    "FeeSchedule",
    "LineCode",
    "MeetingFeeTier",
    "ScheduleError",
    "ScheduleErrorCode",
    "TravelRates",
    "WorkEvent",
    "batch_totals",
    "claim_total",
    "compute_claim_lines",
    "lines_for_event",
    "meeting_fee",
    "schedule_for",
    "validate_schedules",
]

_ONE = Decimal(1)


class EventKind(StrEnum):
    """What the person did: sat in a meeting (tiered fee) or worked on an assignment (hourly)."""

    MEETING = "meeting"
    ASSIGNMENT = "assignment"


class LineCode(StrEnum):
    """Stable line codes; payroll exports map these to wage types, so never rename one."""

    MEETING_FEE = "MEETING_FEE"
    HOURLY_FEE = "HOURLY_FEE"
    PREPARATION = "PREPARATION"
    CHAIR_EXTRA = "CHAIR_EXTRA"
    KM_ALLOWANCE = "KM_ALLOWANCE"
    TICKETS = "TICKETS"
    DAILY_ALLOWANCE_PART = "DAILY_ALLOWANCE_PART"
    DAILY_ALLOWANCE_FULL = "DAILY_ALLOWANCE_FULL"


#: Fees are taxable income; travel reimbursements within the Tax Administration's rates are not.
TAXABLE_CODES: frozenset[LineCode] = frozenset(
    {LineCode.MEETING_FEE, LineCode.HOURLY_FEE, LineCode.PREPARATION, LineCode.CHAIR_EXTRA}
)


def _require_amount(name: str, value: object, *, positive: bool = False) -> None:
    # Configuration mistakes (a float from a YAML file, a negative fee) must fail when the
    # schedule is built, not when someone's claim is computed months later.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be a {'positive' if positive else 'non-negative'} number")


@dataclass(frozen=True, slots=True)
class MeetingFeeTier:
    """Meeting fee ``amount`` for meetings lasting at most ``up_to_hours`` (None: no limit)."""

    up_to_hours: Decimal | None
    amount: Decimal

    def __post_init__(self) -> None:
        if self.up_to_hours is not None:
            _require_amount("up_to_hours", self.up_to_hours, positive=True)
        _require_amount("amount", self.amount)


@dataclass(frozen=True, slots=True)
class TravelRates:
    """Tax Administration rates for one calendar year."""

    year: int
    km_rate: Decimal
    part_day_allowance: Decimal
    """Osapäiväraha, paid when away more than ``FeeSchedule.part_day_over_hours``."""
    full_day_allowance: Decimal
    """Kokopäiväraha, paid when away more than ``FeeSchedule.full_day_over_hours``."""

    def __post_init__(self) -> None:
        _require_amount("km_rate", self.km_rate)
        _require_amount("part_day_allowance", self.part_day_allowance)
        _require_amount("full_day_allowance", self.full_day_allowance)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Fees valid from ``valid_from`` to ``valid_to`` (both inclusive; None: open-ended)."""

    valid_from: datetime.date
    valid_to: datetime.date | None
    meeting_fee_tiers: tuple[MeetingFeeTier, ...]
    """Ascending by ``up_to_hours``; the last tier has no limit. A meeting of exactly the
    limit falls in that tier (2.0 h with "up to 2 h" is the lower fee)."""
    hourly_fee: Decimal
    preparation_fee: Decimal
    chair_extra: Decimal
    """Added per meeting chaired; assignments have no chair."""
    travel_rates: tuple[TravelRates, ...]
    part_day_over_hours: Decimal = Decimal(6)
    full_day_over_hours: Decimal = Decimal(10)

    def __post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if not self.meeting_fee_tiers:
            raise ValueError("at least one meeting fee tier is required")
        limits = [tier.up_to_hours for tier in self.meeting_fee_tiers]
        if limits[-1] is not None or None in limits[:-1]:
            raise ValueError("only the last meeting fee tier must be without a limit")
        bounded = [limit for limit in limits if limit is not None]
        if any(a >= b for a, b in itertools.pairwise(bounded)):
            raise ValueError("meeting fee tier limits must be strictly ascending")
        _require_amount("hourly_fee", self.hourly_fee)
        _require_amount("preparation_fee", self.preparation_fee)
        _require_amount("chair_extra", self.chair_extra)
        _require_amount("part_day_over_hours", self.part_day_over_hours)
        _require_amount("full_day_over_hours", self.full_day_over_hours)
        if self.full_day_over_hours <= self.part_day_over_hours:
            raise ValueError("full-day threshold must be above the part-day threshold")
        years = [rates.year for rates in self.travel_rates]
        if len(set(years)) != len(years):
            raise ValueError("travel rates are given twice for the same year")
        last_year = self.valid_to.year if self.valid_to is not None else self.valid_from.year
        missing = set(range(self.valid_from.year, last_year + 1)) - set(years)
        if missing:
            # An open-ended schedule only has to cover its first year now; later years are
            # caught by travel_rates_for() when the first claim for them is computed.
            raise ValueError(f"travel rates missing for year(s) {sorted(missing)}")

    def covers(self, day: datetime.date) -> bool:
        """True when ``day`` is inside the validity period."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def travel_rates_for(self, day: datetime.date) -> TravelRates:
        """The travel rates of ``day``'s calendar year; :class:`ScheduleError` if not set."""
        for rates in self.travel_rates:
            if rates.year == day.year:
                return rates
        raise ScheduleError(ScheduleErrorCode.NO_TRAVEL_RATES, day=day)


@dataclass(frozen=True, slots=True)
class WorkEvent:
    """One meeting or assignment of one person, as recorded from attendance."""

    work_date: datetime.date
    kind: EventKind
    hours: Decimal
    is_chair: bool = False
    preparation: bool = False
    km: Decimal = ZERO
    """Kilometres driven with one's own car, both ways."""
    tickets: tuple[Decimal, ...] = ()
    """Public transport tickets, one amount per receipt."""
    hours_away: Decimal = ZERO
    """Time away from home or workplace for the trip, for the daily allowance."""

    def __post_init__(self) -> None:
        _require_amount("hours", self.hours, positive=True)
        _require_amount("km", self.km)
        _require_amount("hours_away", self.hours_away)
        for ticket in self.tickets:
            _require_amount("ticket", ticket)
            if not is_whole_cents(ticket):
                raise ValueError("ticket amounts are receipts in whole cents")
        if self.is_chair and self.kind is not EventKind.MEETING:
            raise ValueError("only meetings have a chair")


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One payable line: ``amount == round_cents(quantity * unit_price)``."""

    code: LineCode
    work_date: datetime.date
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal = field(init=False)

    def __post_init__(self) -> None:
        # The amount is derived here, in one place, so no caller can round differently.
        object.__setattr__(self, "amount", round_cents(self.quantity * self.unit_price))

    @property
    def taxable(self) -> bool:
        """Whether payroll withholds tax on this line."""
        return self.code in TAXABLE_CODES


@dataclass(frozen=True, slots=True)
class BatchTotals:
    """Totals of a payment batch of claims."""

    total: Decimal
    taxable: Decimal
    tax_free: Decimal
    by_code: tuple[tuple[LineCode, Decimal], ...]
    """Per line code, in :class:`LineCode` order, codes with no lines left out."""
    claim_count: int
    line_count: int


class ScheduleErrorCode(StrEnum):
    """Why no single fee schedule applies."""

    NO_SCHEDULE = "no_schedule"
    OVERLAP = "overlap"
    GAP = "gap"
    OPEN_ENDED_NOT_LAST = "open_ended_not_last"
    NO_TRAVEL_RATES = "no_travel_rates"


class ScheduleError(LookupError):
    """The schedule list does not give exactly one set of rates for a date."""

    def __init__(self, code: ScheduleErrorCode, *, day: datetime.date | None = None) -> None:
        self.code = ScheduleErrorCode(code)
        self.day = day
        super().__init__(f"fee_schedule:{self.code}" + (f" at {day.isoformat()}" if day else ""))


def validate_schedules(schedules: Sequence[FeeSchedule]) -> tuple[FeeSchedule, ...]:
    """Check that the schedules form one unbroken timeline and return them sorted.

    Raises :class:`ScheduleError` with ``overlap`` (two schedules share a day), ``gap`` (a
    day between the first and the last schedule has none) or ``open_ended_not_last``. The
    ``day`` attribute is the first offending day. Admin forms call this before saving.
    """
    ordered = tuple(sorted(schedules, key=lambda schedule: schedule.valid_from))
    for earlier, later in itertools.pairwise(ordered):
        if earlier.valid_to is None:
            raise ScheduleError(ScheduleErrorCode.OPEN_ENDED_NOT_LAST, day=later.valid_from)
        if later.valid_from <= earlier.valid_to:
            raise ScheduleError(ScheduleErrorCode.OVERLAP, day=later.valid_from)
        if later.valid_from > earlier.valid_to + datetime.timedelta(days=1):
            raise ScheduleError(
                ScheduleErrorCode.GAP, day=earlier.valid_to + datetime.timedelta(days=1)
            )
    return ordered


def schedule_for(schedules: Iterable[FeeSchedule], work_date: datetime.date) -> FeeSchedule:
    """The one schedule covering ``work_date``; :class:`ScheduleError` for none or several."""
    matching = [schedule for schedule in schedules if schedule.covers(work_date)]
    if not matching:
        raise ScheduleError(ScheduleErrorCode.NO_SCHEDULE, day=work_date)
    if len(matching) > 1:
        raise ScheduleError(ScheduleErrorCode.OVERLAP, day=work_date)
    return matching[0]


def meeting_fee(schedule: FeeSchedule, hours: Decimal) -> Decimal:
    """The tier amount for a meeting of ``hours``; a meeting of exactly a limit is in it."""
    for tier in schedule.meeting_fee_tiers:
        if tier.up_to_hours is None or hours <= tier.up_to_hours:
            return tier.amount
    raise AssertionError("unreachable: the last tier has no limit")  # pragma: no cover


def lines_for_event(event: WorkEvent, schedule: FeeSchedule) -> tuple[ClaimLine, ...]:
    """Claim lines for one event under ``schedule``, which must cover the event's date.

    Produces, as applicable: MEETING_FEE (1 * tier amount) or HOURLY_FEE (hours * hourly
    fee), PREPARATION, CHAIR_EXTRA, KM_ALLOWANCE (km * that year's rate), one TICKETS line
    per ticket, and DAILY_ALLOWANCE_FULL (more than ``full_day_over_hours`` away) or
    DAILY_ALLOWANCE_PART (more than ``part_day_over_hours``). Zero-amount lines are left out
    so payroll never receives empty wage types.
    """
    if not schedule.covers(event.work_date):
        raise ScheduleError(ScheduleErrorCode.NO_SCHEDULE, day=event.work_date)
    day = event.work_date
    lines: list[ClaimLine] = []
    if event.kind is EventKind.MEETING:
        lines.append(ClaimLine(LineCode.MEETING_FEE, day, _ONE, meeting_fee(schedule, event.hours)))
    else:
        lines.append(ClaimLine(LineCode.HOURLY_FEE, day, event.hours, schedule.hourly_fee))
    if event.preparation:
        lines.append(ClaimLine(LineCode.PREPARATION, day, _ONE, schedule.preparation_fee))
    if event.is_chair:
        lines.append(ClaimLine(LineCode.CHAIR_EXTRA, day, _ONE, schedule.chair_extra))
    needs_travel_rates = event.km > 0 or event.hours_away > schedule.part_day_over_hours
    if needs_travel_rates:
        rates = schedule.travel_rates_for(day)
        if event.km > 0:
            lines.append(ClaimLine(LineCode.KM_ALLOWANCE, day, event.km, rates.km_rate))
        if event.hours_away > schedule.full_day_over_hours:
            lines.append(
                ClaimLine(LineCode.DAILY_ALLOWANCE_FULL, day, _ONE, rates.full_day_allowance)
            )
        elif event.hours_away > schedule.part_day_over_hours:
            lines.append(
                ClaimLine(LineCode.DAILY_ALLOWANCE_PART, day, _ONE, rates.part_day_allowance)
            )
    lines.extend(ClaimLine(LineCode.TICKETS, day, _ONE, ticket) for ticket in event.tickets)
    return tuple(line for line in lines if line.amount != 0)


_DAILY_ALLOWANCE_CODES = frozenset({LineCode.DAILY_ALLOWANCE_PART, LineCode.DAILY_ALLOWANCE_FULL})


def compute_claim_lines(
    events: Iterable[WorkEvent], schedules: Sequence[FeeSchedule]
) -> tuple[ClaimLine, ...]:
    """Claim lines for one person's events, each priced by the schedule of its work date.

    A person gets at most one daily allowance per day: two meetings on the same trip are
    one trip. When several events of a day carry one, the largest is kept (on the first
    event that has it) and the others are dropped. Lines come out in event order.
    """
    lines: list[ClaimLine] = []
    for event in events:
        lines.extend(lines_for_event(event, schedule_for(schedules, event.work_date)))
    best_allowance: dict[datetime.date, int] = {}
    for index, line in enumerate(lines):
        if line.code in _DAILY_ALLOWANCE_CODES:
            kept = best_allowance.get(line.work_date)
            if kept is None or line.amount > lines[kept].amount:
                best_allowance[line.work_date] = index
    keep = set(best_allowance.values())
    return tuple(
        line
        for index, line in enumerate(lines)
        if line.code not in _DAILY_ALLOWANCE_CODES or index in keep
    )


def claim_total(lines: Iterable[ClaimLine]) -> Decimal:
    """Sum of the lines' amounts (already rounded; not rounded again)."""
    return sum_money(line.amount for line in lines)


def batch_totals(claims: Iterable[Sequence[ClaimLine]]) -> BatchTotals:
    """Totals over the claims of a payment batch: overall, taxable / tax-free and per code."""
    by_code: dict[LineCode, Decimal] = defaultdict(lambda: ZERO)
    claim_count = line_count = 0
    for lines in claims:
        claim_count += 1
        for line in lines:
            line_count += 1
            by_code[line.code] += line.amount
    taxable = sum_money(amount for code, amount in by_code.items() if code in TAXABLE_CODES)
    tax_free = sum_money(amount for code, amount in by_code.items() if code not in TAXABLE_CODES)
    return BatchTotals(
        total=taxable + tax_free,
        taxable=taxable,
        tax_free=tax_free,
        by_code=tuple((code, by_code[code]) for code in LineCode if code in by_code),
        claim_count=claim_count,
        line_count=line_count,
    )
