import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.money import round_cents
from portal.fees.calculation import (
    TAXABLE_CODES,
    ClaimLine,
    EventKind,
    FeeSchedule,
    LineCode,
    MeetingFeeTier,
    ScheduleError,
    ScheduleErrorCode,
    TravelRates,
    WorkEvent,
    batch_totals,
    claim_total,
    compute_claim_lines,
    lines_for_event,
    meeting_fee,
    schedule_for,
    validate_schedules,
)

D = Decimal
day = datetime.date

RATES_2025 = TravelRates(2025, D("0.59"), D("24"), D("53"))
RATES_2026 = TravelRates(2026, D("0.55"), D("25"), D("54"))

SCHEDULE_2025 = FeeSchedule(
    valid_from=day(2025, 1, 1),
    valid_to=day(2025, 12, 31),
    meeting_fee_tiers=(MeetingFeeTier(D(2), D(40)), MeetingFeeTier(None, D(60))),
    hourly_fee=D(25),
    preparation_fee=D(20),
    chair_extra=D(15),
    travel_rates=(RATES_2025,),
)
SCHEDULE_2026 = FeeSchedule(
    valid_from=day(2026, 1, 1),
    valid_to=None,
    meeting_fee_tiers=(
        MeetingFeeTier(D(2), D(45)),
        MeetingFeeTier(D(4), D(70)),
        MeetingFeeTier(None, D(90)),
    ),
    hourly_fee=D("27.50"),
    preparation_fee=D(20),
    chair_extra=D(20),
    travel_rates=(RATES_2026,),
)
SCHEDULES = (SCHEDULE_2026, SCHEDULE_2025)  # order must not matter


def meeting(on: datetime.date, hours: str = "1.5", **kwargs: object) -> WorkEvent:
    return WorkEvent(on, EventKind.MEETING, D(hours), **kwargs)  # type: ignore[arg-type]


def codes(lines: tuple[ClaimLine, ...]) -> list[LineCode]:
    return [line.code for line in lines]


# --- tiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "fee"),
    [("0.25", 40), ("1.99", 40), ("2", 40), ("2.0", 40), ("2.00", 40), ("2.01", 60), ("8", 60)],
)
def test_meeting_tiers_exact_boundary_is_the_lower_tier(hours: str, fee: int) -> None:
    assert meeting_fee(SCHEDULE_2025, D(hours)) == D(fee)
    (line,) = lines_for_event(meeting(day(2025, 3, 1), hours), SCHEDULE_2025)
    assert line.code is LineCode.MEETING_FEE
    assert (line.quantity, line.unit_price, line.amount) == (D(1), D(fee), D(fee))


def test_three_tiers() -> None:
    fees = [meeting_fee(SCHEDULE_2026, D(h)) for h in ("2", "2.5", "4", "4.25")]
    assert fees == [D(45), D(70), D(70), D(90)]


# --- which rates apply ------------------------------------------------------------------------


def test_rates_follow_the_date_of_work_at_the_year_boundary() -> None:
    december = compute_claim_lines([meeting(day(2025, 12, 31), km=D(10))], SCHEDULES)
    january = compute_claim_lines([meeting(day(2026, 1, 1), km=D(10))], SCHEDULES)
    # 10 km * 0.59 = 5.90 and 10 km * 0.55 = 5.50
    assert [(line.code, line.amount) for line in december] == [
        (LineCode.MEETING_FEE, D("40.00")),
        (LineCode.KM_ALLOWANCE, D("5.90")),
    ]
    assert [(line.code, line.amount) for line in january] == [
        (LineCode.MEETING_FEE, D("45.00")),
        (LineCode.KM_ALLOWANCE, D("5.50")),
    ]


def test_schedule_boundaries_are_inclusive() -> None:
    assert schedule_for(SCHEDULES, day(2025, 1, 1)) is SCHEDULE_2025
    assert schedule_for(SCHEDULES, day(2025, 12, 31)) is SCHEDULE_2025
    assert schedule_for(SCHEDULES, day(2026, 1, 1)) is SCHEDULE_2026
    assert schedule_for(SCHEDULES, day(2040, 6, 1)) is SCHEDULE_2026


def test_km_rate_changes_with_the_year_inside_one_schedule() -> None:
    spanning = FeeSchedule(
        valid_from=day(2025, 7, 1),
        valid_to=day(2026, 6, 30),
        meeting_fee_tiers=(MeetingFeeTier(None, D(50)),),
        hourly_fee=D(25),
        preparation_fee=D(0),
        chair_extra=D(0),
        travel_rates=(RATES_2025, RATES_2026),
    )
    (_, km_2025) = lines_for_event(meeting(day(2025, 12, 31), km=D(100)), spanning)
    (_, km_2026) = lines_for_event(meeting(day(2026, 1, 1), km=D(100)), spanning)
    assert (km_2025.unit_price, km_2025.amount) == (D("0.59"), D("59.00"))
    assert (km_2026.unit_price, km_2026.amount) == (D("0.55"), D("55.00"))


def test_missing_schedule_is_a_clear_error() -> None:
    with pytest.raises(ScheduleError) as excinfo:
        compute_claim_lines([meeting(day(2024, 12, 31))], SCHEDULES)
    assert excinfo.value.code is ScheduleErrorCode.NO_SCHEDULE
    assert excinfo.value.day == day(2024, 12, 31)
    with pytest.raises(ScheduleError):
        lines_for_event(meeting(day(2026, 1, 1)), SCHEDULE_2025)


def test_overlapping_schedules_are_a_clear_error() -> None:
    overlapping = FeeSchedule(
        valid_from=day(2025, 12, 1),
        valid_to=day(2025, 12, 31),
        meeting_fee_tiers=(MeetingFeeTier(None, D(1)),),
        hourly_fee=D(1),
        preparation_fee=D(1),
        chair_extra=D(1),
        travel_rates=(RATES_2025,),
    )
    schedules = (*SCHEDULES, overlapping)
    assert schedule_for(schedules, day(2025, 11, 30)) is SCHEDULE_2025
    with pytest.raises(ScheduleError) as excinfo:
        schedule_for(schedules, day(2025, 12, 1))
    assert excinfo.value.code is ScheduleErrorCode.OVERLAP
    with pytest.raises(ScheduleError) as excinfo:
        validate_schedules(schedules)
    assert excinfo.value.code is ScheduleErrorCode.OVERLAP
    assert excinfo.value.day == day(2025, 12, 1)


def _bare(valid_from: datetime.date, valid_to: datetime.date | None) -> FeeSchedule:
    years = range(valid_from.year, (valid_to or valid_from).year + 1)
    return FeeSchedule(
        valid_from=valid_from,
        valid_to=valid_to,
        meeting_fee_tiers=(MeetingFeeTier(None, D(1)),),
        hourly_fee=D(1),
        preparation_fee=D(1),
        chair_extra=D(1),
        travel_rates=tuple(TravelRates(y, D(0), D(0), D(0)) for y in years),
    )


def test_validate_schedules() -> None:
    a = _bare(day(2025, 1, 1), day(2025, 6, 30))
    b = _bare(day(2025, 7, 1), day(2025, 12, 31))
    c = _bare(day(2026, 1, 1), None)
    assert validate_schedules([c, a, b]) == (a, b, c)
    assert validate_schedules([]) == ()

    gap = _bare(day(2025, 7, 2), day(2025, 12, 31))
    with pytest.raises(ScheduleError) as excinfo:
        validate_schedules([a, gap])
    assert excinfo.value.code is ScheduleErrorCode.GAP
    assert excinfo.value.day == day(2025, 7, 1)

    open_ended = _bare(day(2025, 1, 1), None)
    with pytest.raises(ScheduleError) as excinfo:
        validate_schedules([open_ended, b])
    assert excinfo.value.code is ScheduleErrorCode.OPEN_ENDED_NOT_LAST


def test_missing_travel_rates_for_a_later_year() -> None:
    with pytest.raises(ScheduleError) as excinfo:
        lines_for_event(meeting(day(2027, 1, 4), km=D(5)), SCHEDULE_2026)
    assert excinfo.value.code is ScheduleErrorCode.NO_TRAVEL_RATES
    # Without travel there is nothing to look up, so fees are still computed.
    assert codes(lines_for_event(meeting(day(2027, 1, 4)), SCHEDULE_2026)) == [LineCode.MEETING_FEE]


# --- schedule validation -------------------------------------------------------------------


def test_schedule_rejects_floats_and_bad_tiers() -> None:
    with pytest.raises(TypeError):
        MeetingFeeTier(D(2), 40.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TravelRates(2025, 0.59, D(24), D(53))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        TravelRates(2025, D("-0.59"), D(24), D(53))
    base = {
        "valid_from": day(2025, 1, 1),
        "valid_to": day(2025, 12, 31),
        "hourly_fee": D(25),
        "preparation_fee": D(20),
        "chair_extra": D(15),
        "travel_rates": (RATES_2025,),
    }
    with pytest.raises(ValueError, match="last"):
        FeeSchedule(meeting_fee_tiers=(MeetingFeeTier(D(2), D(40)),), **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ascending"):
        FeeSchedule(
            meeting_fee_tiers=(
                MeetingFeeTier(D(3), D(40)),
                MeetingFeeTier(D(2), D(50)),
                MeetingFeeTier(None, D(60)),
            ),
            **base,  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="2026"):
        FeeSchedule(
            **{**base, "valid_to": day(2026, 3, 31)},  # type: ignore[arg-type]
            meeting_fee_tiers=(MeetingFeeTier(None, D(60)),),
        )
    with pytest.raises(ValueError, match="before"):
        FeeSchedule(
            **{**base, "valid_to": day(2024, 12, 31)},  # type: ignore[arg-type]
            meeting_fee_tiers=(MeetingFeeTier(None, D(60)),),
        )


def test_event_validation() -> None:
    with pytest.raises(ValueError, match="positive"):
        meeting(day(2025, 1, 1), "0")
    with pytest.raises(ValueError, match="chair"):
        WorkEvent(day(2025, 1, 1), EventKind.ASSIGNMENT, D(2), is_chair=True)
    with pytest.raises(ValueError, match="whole cents"):
        meeting(day(2025, 1, 1), tickets=(D("3.205"),))
    with pytest.raises(TypeError):
        meeting(day(2025, 1, 1), km=12.5)


# --- line computation ------------------------------------------------------------------------


def test_full_meeting_claim() -> None:
    event = meeting(
        day(2025, 5, 20),
        "3",
        is_chair=True,
        preparation=True,
        km=D(37),
        tickets=(D("3.20"), D("3.20")),
        hours_away=D("6.5"),
    )
    lines = lines_for_event(event, SCHEDULE_2025)
    # 37 km * 0.59 = 21.83; 6.5 h away is over 6 h but not over 10 h.
    assert [(line.code, line.amount) for line in lines] == [
        (LineCode.MEETING_FEE, D("60.00")),
        (LineCode.PREPARATION, D("20.00")),
        (LineCode.CHAIR_EXTRA, D("15.00")),
        (LineCode.KM_ALLOWANCE, D("21.83")),
        (LineCode.DAILY_ALLOWANCE_PART, D("24.00")),
        (LineCode.TICKETS, D("3.20")),
        (LineCode.TICKETS, D("3.20")),
    ]
    # 60 + 20 + 15 + 21.83 + 24 + 6.40
    assert claim_total(lines) == D("147.23")


def test_assignment_is_hourly_and_has_no_chair_extra() -> None:
    event = WorkEvent(day(2026, 2, 2), EventKind.ASSIGNMENT, D("2.5"), preparation=True)
    lines = lines_for_event(event, SCHEDULE_2026)
    # 2.5 h * 27.50 = 68.75
    assert [(line.code, line.quantity, line.unit_price, line.amount) for line in lines] == [
        (LineCode.HOURLY_FEE, D("2.5"), D("27.50"), D("68.75")),
        (LineCode.PREPARATION, D(1), D(20), D("20.00")),
    ]


@pytest.mark.parametrize(
    ("hours_away", "expected"),
    [
        ("0", None),
        ("6", None),  # "over 6 hours": exactly 6 is not enough
        ("6.01", LineCode.DAILY_ALLOWANCE_PART),
        ("10", LineCode.DAILY_ALLOWANCE_PART),
        ("10.01", LineCode.DAILY_ALLOWANCE_FULL),
        ("24", LineCode.DAILY_ALLOWANCE_FULL),
    ],
)
def test_daily_allowance_thresholds(hours_away: str, expected: LineCode | None) -> None:
    lines = lines_for_event(meeting(day(2025, 4, 1), hours_away=D(hours_away)), SCHEDULE_2025)
    allowances = [line.code for line in lines if line.code.startswith("DAILY_ALLOWANCE")]
    assert allowances == ([expected] if expected else [])


def test_one_daily_allowance_per_day_keeps_the_largest() -> None:
    morning = meeting(day(2025, 4, 1), hours_away=D(7))
    evening = meeting(day(2025, 4, 1), hours_away=D(11))
    next_day = meeting(day(2025, 4, 2), hours_away=D(7))
    lines = compute_claim_lines([morning, evening, next_day], SCHEDULES)
    allowances = [(line.work_date, line.code) for line in lines if line.code.startswith("DAILY")]
    assert allowances == [
        (day(2025, 4, 1), LineCode.DAILY_ALLOWANCE_FULL),
        (day(2025, 4, 2), LineCode.DAILY_ALLOWANCE_PART),
    ]


def test_zero_amount_lines_are_left_out() -> None:
    free = FeeSchedule(
        valid_from=day(2025, 1, 1),
        valid_to=day(2025, 12, 31),
        meeting_fee_tiers=(MeetingFeeTier(None, D(40)),),
        hourly_fee=D(25),
        preparation_fee=D(0),
        chair_extra=D(0),
        travel_rates=(RATES_2025,),
    )
    lines = lines_for_event(meeting(day(2025, 1, 1), is_chair=True, preparation=True), free)
    assert codes(lines) == [LineCode.MEETING_FEE]


# --- rounding ------------------------------------------------------------------------------


def test_rounding_is_half_up_once_per_line() -> None:
    # 1.5 km * 0.59 = 0.885 -> 0.89 (half up; half-even would give 0.88).
    event = meeting(day(2025, 6, 1), km=D("1.5"))
    (_, km_line) = lines_for_event(event, SCHEDULE_2025)
    assert km_line.amount == D("0.89")
    # Two such lines total 1.78: each line is rounded, the total is not (round(1.77) = 1.77).
    lines = compute_claim_lines([event, event], SCHEDULES)
    km_lines = [line for line in lines if line.code is LineCode.KM_ALLOWANCE]
    assert claim_total(km_lines) == D("1.78")


def test_hourly_rounding() -> None:
    odd_rate = FeeSchedule(
        valid_from=day(2025, 1, 1),
        valid_to=day(2025, 12, 31),
        meeting_fee_tiers=(MeetingFeeTier(None, D(40)),),
        hourly_fee=D("33.33"),
        preparation_fee=D(0),
        chair_extra=D(0),
        travel_rates=(RATES_2025,),
    )
    event = WorkEvent(day(2025, 1, 1), EventKind.ASSIGNMENT, D("0.25"))
    (line,) = lines_for_event(event, odd_rate)
    # 0.25 * 33.33 = 8.3325 -> 8.33
    assert line.amount == D("8.33")


# --- properties ----------------------------------------------------------------------------

quarter_hours = st.integers(1, 48).map(lambda q: D(q) / 4)


@st.composite
def events(draw: st.DrawFn) -> WorkEvent:
    kind = draw(st.sampled_from(EventKind))
    return WorkEvent(
        work_date=draw(st.dates(day(2025, 1, 1), day(2026, 12, 31))),
        kind=kind,
        hours=draw(quarter_hours),
        is_chair=kind is EventKind.MEETING and draw(st.booleans()),
        preparation=draw(st.booleans()),
        km=D(draw(st.integers(0, 5000))) / 10,
        tickets=tuple(D(c).scaleb(-2) for c in draw(st.lists(st.integers(1, 20000), max_size=3))),
        hours_away=D(draw(st.integers(0, 96))) / 4,
    )


@given(st.lists(st.lists(events(), max_size=8), max_size=6))
def test_property_batch_total_is_the_sum_of_lines(claims_events: list[list[WorkEvent]]) -> None:
    claims = [compute_claim_lines(evs, SCHEDULES) for evs in claims_events]
    totals = batch_totals(claims)
    every_line = [line for lines in claims for line in lines]
    assert totals.total == sum((claim_total(lines) for lines in claims), D(0))
    assert totals.total == sum((line.amount for line in every_line), D(0))
    assert totals.total == sum((amount for _, amount in totals.by_code), D(0))
    assert totals.total == totals.taxable + totals.tax_free
    assert totals.taxable == sum(
        (line.amount for line in every_line if line.code in TAXABLE_CODES), D(0)
    )
    assert totals.claim_count == len(claims)
    assert totals.line_count == len(every_line)
    assert totals.total.as_tuple().exponent == -2


@given(events())
def test_property_each_line_rounded_once_half_up(event: WorkEvent) -> None:
    schedule = schedule_for(SCHEDULES, event.work_date)
    for line in lines_for_event(event, schedule):
        exact = line.quantity * line.unit_price
        assert line.amount == round_cents(exact)
        assert abs(line.amount - exact) <= D("0.005")
        assert line.amount > 0
        assert line.work_date == event.work_date


@given(st.dates(day(2025, 1, 1), day(2026, 12, 31)), st.integers(1, 1000))
def test_property_km_rate_is_that_of_the_work_year(work_date: datetime.date, km: int) -> None:
    lines = compute_claim_lines([meeting(work_date, km=D(km))], SCHEDULES)
    (km_line,) = [line for line in lines if line.code is LineCode.KM_ALLOWANCE]
    expected_rate = D("0.59") if work_date.year == 2025 else D("0.55")
    assert km_line.unit_price == expected_rate
    assert km_line.amount == D(km) * expected_rate


@given(st.sampled_from([D(2), D("2.0"), D("2.00"), D("2.000")]))
def test_property_exact_tier_limit_in_any_notation(hours: Decimal) -> None:
    assert meeting_fee(SCHEDULE_2025, hours) == D(40)
    assert meeting_fee(SCHEDULE_2025, hours + D("0.001")) == D(60)
