"""Tests for the impact metrics (portal.impact.metrics).

Expected values are worked out by hand in the comments next to each assertion.
"""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.population import gender_shares
from portal.impact.metrics import (
    ActivityCost,
    CostRow,
    Costs,
    OutputRow,
    Outputs,
    ParticipationRow,
    Participations,
    Period,
    Reach,
    buckets,
    cost,
    cost_by_activity,
    cost_trend,
    outcomes,
    outcomes_by,
    outcomes_trend,
    reach,
    reach_by,
    reach_trend,
    representativeness,
    responsiveness,
    responsiveness_by,
    responsiveness_trend,
)

D = Decimal
YEAR_2024 = Period(date(2024, 1, 1), date(2024, 12, 31))
NOTHING = Reach(
    activities=0,
    participations=0,
    absences=0,
    participants=0,
    new_participants=0,
    returning_participants=0,
    hours=D("0"),
)


def part(
    activity: int,
    person: int,
    day: date,
    hours: str,
    kind: str,
    *,
    attended: bool = True,
) -> ParticipationRow:
    return ParticipationRow(
        activity_id=activity,
        person_id=person,
        participated_on=day,
        hours=D(hours),
        attended=attended,
        kind=kind,
        unit=f"unit-{activity}",
        service_area="elderly" if kind == "panel" else "youth",
    )


# Persons 1, 2, 4 take part in 2024; person 3 only has an absence.
PARTICIPATIONS = [
    part(100, 1, date(2023, 12, 31), "2", "panel"),  # a: history, before the period
    part(100, 1, date(2024, 1, 1), "1.5", "panel"),  # b: first day of the period
    part(101, 2, date(2024, 2, 29), "2.25", "council_term"),  # c: leap day, person 2's first
    part(101, 2, date(2024, 3, 1), "1", "council_term"),  # d
    part(101, 3, date(2024, 3, 1), "0", "council_term", attended=False),  # e: absence
    part(102, 4, date(2024, 12, 31), "3", "workshop"),  # f: last day, person 4's first
    part(102, 4, date(2025, 1, 1), "3", "workshop"),  # g: after the period
    part(100, 2, date(2024, 6, 15), "0.75", "panel"),  # h
]


# --- periods and buckets --------------------------------------------------------------


def test_period_includes_both_ends_and_rejects_reversed_dates() -> None:
    assert YEAR_2024.days == 366  # leap year
    assert date(2024, 1, 1) in YEAR_2024
    assert date(2024, 12, 31) in YEAR_2024
    assert date(2025, 1, 1) not in YEAR_2024
    assert Period(date(2024, 2, 29), date(2024, 2, 29)).days == 1
    with pytest.raises(ValueError):
        Period(date(2024, 3, 1), date(2024, 2, 29))


def test_month_buckets_clip_to_the_period_across_a_year_end_and_a_leap_day() -> None:
    parts = buckets(Period(date(2023, 11, 15), date(2024, 3, 2)), "month")
    assert [(b.label, b.period.start, b.period.end) for b in parts] == [
        ("2023-11", date(2023, 11, 15), date(2023, 11, 30)),
        ("2023-12", date(2023, 12, 1), date(2023, 12, 31)),
        ("2024-01", date(2024, 1, 1), date(2024, 1, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-03", date(2024, 3, 1), date(2024, 3, 2)),
    ]
    # 16 + 31 + 31 + 29 + 2 = 109 days, the whole period.
    assert sum(b.period.days for b in parts) == 109 == parts[0].period.days + 93


def test_quarter_buckets_start_mid_quarter() -> None:
    parts = buckets(Period(date(2024, 2, 29), date(2025, 1, 1)), "quarter")
    assert [(b.label, b.period.start, b.period.end) for b in parts] == [
        ("2024-Q1", date(2024, 2, 29), date(2024, 3, 31)),
        ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2025-Q1", date(2025, 1, 1), date(2025, 1, 1)),
    ]


@given(
    start=st.dates(min_value=date(1999, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=0, max_value=800),
    granularity=st.sampled_from(["month", "quarter"]),
)
def test_buckets_tile_the_period(start: date, length: int, granularity: str) -> None:
    period = Period(start, start + timedelta(days=length))
    parts = buckets(period, granularity)  # type: ignore[arg-type]
    assert parts[0].period.start == period.start
    assert parts[-1].period.end == period.end
    for previous, current in itertools.pairwise(parts):
        assert current.period.start == previous.period.end + timedelta(days=1)
    assert sum(b.period.days for b in parts) == period.days


def test_unknown_granularity_is_rejected() -> None:
    with pytest.raises(ValueError):
        buckets(YEAR_2024, "week")  # type: ignore[arg-type]


# --- reach ----------------------------------------------------------------------------


def test_reach_over_a_year() -> None:
    assert reach(PARTICIPATIONS, YEAR_2024) == Reach(
        activities=3,  # 100, 101, 102
        participations=5,  # b, c, d, f, h
        absences=1,  # e
        participants=3,  # persons 1, 2, 4 (3 never attended)
        new_participants=2,  # 2 (first 2024-02-29) and 4 (first 2024-12-31)
        returning_participants=1,  # 1 first took part on 2023-12-31
        hours=D("8.50"),  # 1.5 + 2.25 + 1 + 3 + 0.75
    )


def test_reach_of_an_empty_period_and_of_no_data() -> None:
    quiet = Period(date(2024, 7, 1), date(2024, 9, 30))
    assert reach(PARTICIPATIONS, quiet) == NOTHING
    assert reach([], YEAR_2024) == NOTHING
    assert reach_by([], YEAR_2024, "kind") == ()
    assert [p.value for p in reach_trend([], YEAR_2024, "quarter")] == [NOTHING] * 4


def test_known_first_participation_turns_a_new_participant_into_a_returning_one() -> None:
    # Person 7 attends once in 2024 in these rows, but a row filtered out of the query
    # (another unit) shows they first took part in 2022: they are returning, not new.
    # Person 8 has no earlier history (None) and stays new.
    data = Participations.from_columns(
        activity_id=[1, 1],
        person_id=[7, 8],
        participated_on=[date(2024, 5, 1), date(2024, 5, 1)],
        hours=[2, 2],
        first_participated_on=[date(2022, 3, 1), None],
    )
    result = reach(data, YEAR_2024)
    assert (result.participants, result.new_participants, result.returning_participants) == (
        2,
        1,
        1,
    )
    with pytest.raises(ValueError):
        Participations.from_columns(
            activity_id=[1],
            person_id=[7],
            participated_on=[date(2024, 5, 1)],
            hours=[1],
            first_participated_on=[None, None],
        )


def test_reach_by_kind_counts_a_person_in_each_group() -> None:
    groups = {g.key: g.value for g in reach_by(PARTICIPATIONS, YEAR_2024, "kind")}
    assert list(groups) == ["council_term", "panel", "workshop"]  # sorted
    # council_term: c + d by person 2 (new), e an absence; 2.25 + 1 hours
    assert groups["council_term"] == Reach(1, 2, 1, 1, 1, 0, D("3.25"))
    # panel: b by person 1 (returning), h by person 2 (new to participation in 2024)
    assert groups["panel"] == Reach(1, 2, 0, 2, 1, 1, D("2.25"))
    # workshop: f by person 4 (new); g is after the period
    assert groups["workshop"] == Reach(1, 1, 0, 1, 1, 0, D("3.00"))
    # Person 2 is in two groups: 1 + 2 + 1 = 4 group participants, 3 people overall.
    assert sum(r.participants for r in groups.values()) == 4


def test_reach_by_lists_idle_groups_and_unset_keys() -> None:
    rows = [
        *PARTICIPATIONS,
        ParticipationRow(200, 9, date(2024, 5, 5), D("1"), service_area=None),
    ]
    first_half = Period(date(2024, 1, 1), date(2024, 6, 30))
    groups = reach_by(rows, first_half, "service_area")
    assert [g.key for g in groups] == ["elderly", "youth", None]  # None last
    by_key = {g.key: g.value for g in groups}
    # youth in H1: c, d (person 2) and the absence e; f is in December
    assert by_key["youth"].participants == 1
    assert by_key["youth"].absences == 1
    # The unset group: activity 200 by person 9, new
    assert by_key[None] == Reach(1, 1, 0, 1, 1, 0, D("1.00"))
    # An idle period still lists every group, with zeros.
    idle = reach_by(rows, Period(date(2024, 8, 1), date(2024, 8, 31)), "service_area")
    assert [g.value for g in idle] == [NOTHING] * 3


def test_reach_trend_by_month_includes_empty_months_and_leap_day() -> None:
    points = reach_trend(PARTICIPATIONS, YEAR_2024, "month")
    assert [p.bucket.label for p in points] == [f"2024-{m:02d}" for m in range(1, 13)]
    by_month = {p.bucket.label: p.value for p in points}
    # January: b, person 1 returning
    assert by_month["2024-01"] == Reach(1, 1, 0, 1, 0, 1, D("1.50"))
    # February: c on the leap day, person 2's first ever participation
    assert by_month["2024-02"] == Reach(1, 1, 0, 1, 1, 0, D("2.25"))
    # March: d by person 2, no longer new; e is an absence
    assert by_month["2024-03"] == Reach(1, 1, 1, 1, 0, 1, D("1.00"))
    # June: h; December: f, person 4's first
    assert by_month["2024-06"] == Reach(1, 1, 0, 1, 0, 1, D("0.75"))
    assert by_month["2024-12"] == Reach(1, 1, 0, 1, 1, 0, D("3.00"))
    for month in ("04", "05", "07", "08", "09", "10", "11"):
        assert by_month[f"2024-{month}"] == NOTHING


def test_reach_trend_by_quarter_agrees_with_reach_per_quarter() -> None:
    points = reach_trend(PARTICIPATIONS, YEAR_2024, "quarter")
    # Q1: b, c, d, absence e; persons 1 (returning) and 2 (new); 1.5 + 2.25 + 1 hours
    assert points[0].value == Reach(2, 3, 1, 2, 1, 1, D("4.75"))
    for point in points:
        assert point.value == reach(PARTICIPATIONS, point.bucket.period)


def test_reach_trend_with_partial_buckets() -> None:
    period = Period(date(2024, 2, 29), date(2024, 3, 1))
    points = reach_trend(PARTICIPATIONS, period, "month")
    assert [(p.bucket.label, p.value.participations) for p in points] == [
        ("2024-02", 1),  # c on 29 Feb
        ("2024-03", 1),  # d on 1 Mar (e is an absence)
    ]


def test_hours_are_kept_to_the_hundredth() -> None:
    rows = [
        ParticipationRow(1, 1, date(2024, 1, 1), D("0.33")),
        ParticipationRow(1, 2, date(2024, 1, 1), D("0.33")),
        ParticipationRow(1, 3, date(2024, 1, 1), D("0.34")),
    ]
    # 0.33 + 0.33 + 0.34 = 1.00 exactly (floats would give 0.9999...)
    assert reach(rows, YEAR_2024).hours == D("1.00")


def test_columns_and_rows_give_the_same_participations() -> None:
    from_columns = Participations.from_columns(
        activity_id=[r.activity_id for r in PARTICIPATIONS],
        person_id=[r.person_id for r in PARTICIPATIONS],
        participated_on=[r.participated_on for r in PARTICIPATIONS],
        hours=[r.hours for r in PARTICIPATIONS],
        attended=[r.attended for r in PARTICIPATIONS],
        kind=[r.kind for r in PARTICIPATIONS],
    )
    assert len(from_columns) == len(PARTICIPATIONS)
    assert reach(from_columns, YEAR_2024) == reach(PARTICIPATIONS, YEAR_2024)
    assert reach_by(from_columns, YEAR_2024, "kind") == reach_by(PARTICIPATIONS, YEAR_2024, "kind")


def test_participation_columns_are_validated() -> None:
    with pytest.raises(ValueError, match="length"):
        Participations.from_columns(
            activity_id=[1, 2], person_id=[1], participated_on=[date(2024, 1, 1)], hours=[1]
        )
    with pytest.raises(ValueError, match="negative"):
        Participations.from_rows([ParticipationRow(1, 1, date(2024, 1, 1), D("-1"))])
    with pytest.raises(ValueError, match="date"):
        Participations.from_columns(
            activity_id=[1], person_id=[1], participated_on=[None], hours=[1]
        )


def _naive_reach(rows: list[ParticipationRow], period: Period) -> Reach:
    """The definition of reach written out with sets, to check the vectorised version."""
    attended = [r for r in rows if r.attended]
    first: dict[int, date] = {}
    for r in attended:
        first[r.person_id] = min(first.get(r.person_id, r.participated_on), r.participated_on)
    inside = [r for r in attended if r.participated_on in period]
    people = {r.person_id for r in inside}
    new = {p for p in people if first[p] in period}
    return Reach(
        activities=len({r.activity_id for r in inside}),
        participations=len(inside),
        absences=sum(1 for r in rows if not r.attended and r.participated_on in period),
        participants=len(people),
        new_participants=len(new),
        returning_participants=len(people - new),
        hours=sum((r.hours for r in inside), D("0")),
    )


def test_reach_matches_the_definition_on_random_data() -> None:
    rng = random.Random(7)
    rows = [
        ParticipationRow(
            activity_id=rng.randrange(40),
            person_id=rng.randrange(10**9, 10**9 + 300),  # large ids, as from a database
            participated_on=date(2022, 1, 1) + timedelta(days=rng.randrange(3 * 365)),
            hours=D(rng.randrange(0, 800)) / 100,
            attended=rng.random() < 0.9,
            kind=rng.choice(["panel", "council_term", "workshop"]),
        )
        for _ in range(3000)
    ]
    data = Participations.from_rows(rows)
    for period in (
        YEAR_2024,
        Period(date(2023, 2, 28), date(2023, 3, 1)),
        Period(date(2022, 1, 1), date(2024, 12, 31)),
    ):
        assert reach(data, period) == _naive_reach(rows, period)
    for point in reach_trend(data, YEAR_2024, "month"):
        assert point.value == _naive_reach(rows, point.bucket.period)


# --- representativeness ---------------------------------------------------------------


def test_representativeness_by_age_band() -> None:
    participants = ["15-24", "15-24", "25-34", "75+", None, "0-14"]
    reference = {"15-24": 0.2, "25-34": 0.3, "75+": 0.5}
    result = representativeness(participants, reference)
    assert (result.known, result.unknown) == (4, 2)  # None and "0-14" are unknown
    assert result.unmatched == ("0-14",)
    rows = {c.category: c for c in result.categories}
    assert list(rows) == ["15-24", "25-34", "75+"]  # reference order
    # shares of the 4 known: 2/4, 1/4, 1/4
    assert [rows[k].count for k in rows] == [2, 1, 1]
    assert rows["15-24"].share == pytest.approx(0.5)
    assert rows["25-34"].share == pytest.approx(0.25)
    # ratios: 0.5/0.2 = 2.5, 0.25/0.3 = 0.8333, 0.25/0.5 = 0.5
    assert rows["15-24"].ratio == pytest.approx(2.5)
    assert rows["25-34"].ratio == pytest.approx(0.25 / 0.3)
    assert rows["75+"].ratio == pytest.approx(0.5)
    # index: 1 - 0.5 * (|0.5-0.2| + |0.25-0.3| + |0.25-0.5|) = 1 - 0.5 * 0.6 = 0.7
    assert result.index == pytest.approx(0.7)


def test_representativeness_with_a_zero_population_share() -> None:
    result = representativeness(["a", "b"], {"a": 1, "b": 0})
    b = result.categories[1]
    assert (b.share, b.population_share, b.ratio) == (0.5, 0.0, None)
    # 1 - 0.5 * (|0.5 - 1| + |0.5 - 0|) = 0.5
    assert result.index == pytest.approx(0.5)


def test_representativeness_normalises_rounded_reference_shares() -> None:
    # Rounded percentages adding up to 99 become 49.5 / 99 = 0.5 each.
    result = representativeness(["a"], {"a": 49.5, "b": 49.5})
    assert [c.population_share for c in result.categories] == [0.5, 0.5]
    # 1 - 0.5 * (|1 - 0.5| + |0 - 0.5|) = 0.5
    assert result.index == pytest.approx(0.5)


def test_representativeness_extremes() -> None:
    mirror = representativeness(["a"] * 3 + ["b"] * 7, {"a": 0.3, "b": 0.7})
    assert mirror.index == pytest.approx(1.0)
    assert all(c.ratio == pytest.approx(1.0) for c in mirror.categories)
    disjoint = representativeness(["a"] * 3, {"a": 0.0, "b": 1.0})
    # 1 - 0.5 * (|1 - 0| + |0 - 1|) = 0
    assert disjoint.index == pytest.approx(0.0)


def test_representativeness_without_known_participants() -> None:
    for participants in ([], [None, None, "unknown-place"]):
        result = representativeness(participants, {"a": 0.4, "b": 0.6})
        assert result.index is None
        assert result.known == 0
        assert result.unknown == len(participants)
        assert all(c.share is None and c.ratio is None for c in result.categories)
        assert [c.count for c in result.categories] == [0, 0]


def test_representativeness_rejects_an_empty_or_negative_reference() -> None:
    for reference in ({}, {"a": 0.0}, {"a": 1.0, "b": -0.1}):
        with pytest.raises(ValueError):
            representativeness(["a"], reference)


def test_representativeness_by_gender_against_the_county() -> None:
    result = representativeness(["woman"] * 3 + ["man", "other"], gender_shares())
    assert (result.known, result.unknown, result.unmatched) == (4, 1, ("other",))
    q = gender_shares()
    # p = (0.75, 0.25); index = 1 - 0.5 * (|0.75 - q_w| + |0.25 - q_m|)
    expected = 1 - 0.5 * (abs(0.75 - q["woman"]) + abs(0.25 - q["man"]))
    assert result.index == pytest.approx(expected)


@given(
    participants=st.lists(st.sampled_from(["a", "b", "c", None]), max_size=50),
    weights=st.lists(st.floats(min_value=0, max_value=100), min_size=3, max_size=3).filter(
        lambda w: sum(w) > 0
    ),
)
def test_representativeness_index_is_between_zero_and_one(
    participants: list[str | None], weights: list[float]
) -> None:
    result = representativeness(participants, dict(zip("abc", weights, strict=True)))
    assert result.known + result.unknown == len(participants)
    if result.index is not None:
        assert -1e-9 <= result.index <= 1 + 1e-9


# --- responsiveness and outcomes ------------------------------------------------------


OUTPUTS = [
    # o1: accepted after 31 days; done 29 days later (10 Feb -> 10 Mar over a leap day)
    OutputRow(1, 100, date(2024, 1, 10), "accepted", date(2024, 2, 10), "done", date(2024, 3, 10)),
    # o2: partly accepted after 2 days (28 Feb -> 29 Feb -> 1 Mar)
    OutputRow(2, 100, date(2024, 2, 28), "partly", date(2024, 3, 1), "in_progress"),
    # o3: not accepted after 60 days (15 Mar -> 15 Apr is 31, -> 14 May 29 more)
    OutputRow(3, 101, date(2024, 3, 15), "not_accepted", date(2024, 5, 14)),
    # o4: under consideration after 10 days
    OutputRow(4, 101, date(2024, 6, 1), "under_consideration", date(2024, 6, 11)),
    # o5: no response; 1 Oct -> 31 Dec is 91 days
    OutputRow(5, 102, date(2024, 10, 1), kind="initiative"),
    # o6: no response; 1 Nov -> 31 Dec is exactly 60 days
    OutputRow(6, 102, date(2024, 11, 1), kind="initiative"),
    # o7: accepted only on 20 Jan 2025 (66 days: 15 + 31 + 20), done 1 Mar 2025 (40 days)
    OutputRow(
        7,
        102,
        date(2024, 11, 15),
        "accepted",
        date(2025, 1, 20),
        "done",
        date(2025, 3, 1),
        kind="initiative",
    ),
    # outside the period on both sides
    OutputRow(8, 100, date(2023, 12, 31), "accepted", date(2024, 1, 2)),
    OutputRow(9, 100, date(2025, 1, 1)),
]
OUTPUTS[:4] = [replace(o, kind="panel") for o in OUTPUTS[:4]]  # o1..o4 come from panels


def test_responsiveness_at_the_end_of_the_period() -> None:
    result = responsiveness(OUTPUTS, YEAR_2024)
    assert result.outputs == 7  # o1..o7
    assert result.responded == 4  # o1..o4; o7's response comes after 31 Dec
    assert result.response_share == pytest.approx(4 / 7)
    # days 31, 2, 60, 10 -> sorted 2, 10, 31, 60 -> (10 + 31) / 2
    assert result.median_days_to_response == 20.5
    assert (result.accepted, result.partly, result.not_accepted, result.under_consideration) == (
        1,
        1,
        1,
        1,
    )
    assert result.accepted_share == result.under_consideration_share == 0.25
    assert result.overdue == 1  # o5 (91 days); o6 is at exactly 60, o7 at 46


def test_responsiveness_as_of_a_later_date() -> None:
    result = responsiveness(OUTPUTS, YEAR_2024, as_of=date(2025, 1, 31))
    assert result.responded == 5  # o7 now counts
    # days 2, 10, 31, 60, 66 -> median 31
    assert result.median_days_to_response == 31
    assert result.accepted_share == pytest.approx(2 / 5)
    # o5: 1 Oct -> 31 Jan = 122 days; o6: 1 Nov -> 31 Jan = 91 days
    assert result.overdue == 2


def test_overdue_threshold_is_exclusive() -> None:
    # o5 has waited 91 days on 31 Dec.
    assert responsiveness(OUTPUTS, YEAR_2024, overdue_after_days=90).overdue == 1
    assert responsiveness(OUTPUTS, YEAR_2024, overdue_after_days=91).overdue == 0
    # With no grace at all, o5, o6 and o7 (46 days) are all waiting.
    assert responsiveness(OUTPUTS, YEAR_2024, overdue_after_days=0).overdue == 3
    with pytest.raises(ValueError):
        responsiveness(OUTPUTS, YEAR_2024, overdue_after_days=-1)


def test_outputs_after_as_of_are_not_counted() -> None:
    # On 30 Jun only o1..o4 exist; o3 has been answered (14 May) and so have all others.
    result = responsiveness(OUTPUTS, YEAR_2024, as_of=date(2024, 6, 30))
    assert (result.outputs, result.responded, result.overdue) == (4, 4, 0)


def test_responsiveness_of_nothing() -> None:
    result = responsiveness([], YEAR_2024)
    assert (result.outputs, result.responded, result.overdue) == (0, 0, 0)
    assert result.response_share is None
    assert result.median_days_to_response is None
    assert result.accepted_share is None
    # Outputs exist but none answered: shares of responses are undefined, not zero.
    waiting = responsiveness(OUTPUTS[4:6], YEAR_2024)
    assert waiting.response_share == 0.0
    assert waiting.accepted_share is None
    assert waiting.median_days_to_response is None


def test_responsiveness_by_kind() -> None:
    groups = {g.key: g.value for g in responsiveness_by(OUTPUTS, YEAR_2024, "kind")}
    assert list(groups) == ["initiative", "panel", None]
    assert (groups["panel"].outputs, groups["panel"].responded) == (4, 4)
    assert (groups["initiative"].outputs, groups["initiative"].overdue) == (3, 1)
    assert groups[None].outputs == 0  # o8 and o9 are outside the period
    assert groups[None].response_share is None


def test_responsiveness_trend_by_quarter() -> None:
    points = responsiveness_trend(OUTPUTS, YEAR_2024, "quarter")
    q1, q2, q3, q4 = (p.value for p in points)
    # Q1: o1, o2, o3 with 31, 2, 60 days -> median 31
    assert (q1.outputs, q1.responded, q1.median_days_to_response) == (3, 3, 31)
    assert (q2.outputs, q2.median_days_to_response) == (1, 10)  # o4
    assert (q3.outputs, q3.response_share, q3.median_days_to_response) == (0, None, None)
    # Q4: o5, o6, o7 all unanswered on 31 Dec; only o5 overdue
    assert (q4.outputs, q4.responded, q4.overdue) == (3, 0, 1)
    months = {p.bucket.label: p.value for p in responsiveness_trend(OUTPUTS, YEAR_2024, "month")}
    assert months["2024-02"].outputs == 1  # o2 on 28 Feb, o3 is in March
    assert months["2024-02"].median_days_to_response == 2


def test_response_aliases_and_validation() -> None:
    rows = [OutputRow(1, 1, date(2024, 1, 1), "rejected", date(2024, 1, 5))]
    assert responsiveness(rows, YEAR_2024).not_accepted == 1
    with pytest.raises(ValueError, match="unknown response"):
        Outputs.from_rows([OutputRow(1, 1, date(2024, 1, 1), "maybe", date(2024, 1, 5))])
    with pytest.raises(ValueError, match="needs the date"):
        Outputs.from_rows([OutputRow(1, 1, date(2024, 1, 1), "accepted")])
    with pytest.raises(ValueError, match="status"):
        Outputs.from_rows([OutputRow(1, 1, date(2024, 1, 1), implementation="finished")])


def test_outcomes_at_the_end_of_the_period() -> None:
    result = outcomes(OUTPUTS, YEAR_2024)
    assert (result.positive, result.accepted, result.partly) == (2, 1, 1)  # o1, o2
    assert (result.implemented, result.accepted_implemented, result.partly_implemented) == (
        1,
        1,
        0,
    )
    assert (result.in_progress, result.planned) == (1, 0)  # o2
    assert result.implemented_share == 0.5  # 1 of 2
    assert result.accepted_implemented_share == 1.0
    assert result.partly_implemented_share == 0.0
    assert result.median_days_to_implementation == 29  # 10 Feb -> 10 Mar 2024


def test_outcomes_later() -> None:
    # By 1 Feb 2025 o7 is accepted but its implementation is finished only on 1 Mar.
    early = outcomes(OUTPUTS, YEAR_2024, as_of=date(2025, 2, 1))
    assert (early.positive, early.implemented, early.in_progress) == (3, 1, 2)
    late = outcomes(OUTPUTS, YEAR_2024, as_of=date(2025, 12, 31))
    assert (late.implemented, late.accepted_implemented) == (2, 2)
    assert late.implemented_share == pytest.approx(2 / 3)
    # 29 (o1) and 40 (o7: 20 Jan -> 1 Mar 2025, not a leap year) -> 34.5
    assert late.median_days_to_implementation == 34.5


def test_outcomes_leave_not_applicable_out_of_the_shares() -> None:
    day = date(2024, 5, 1)
    rows = [
        OutputRow(1, 1, day, "accepted", day, "done", date(2024, 5, 3)),  # 2 days
        OutputRow(2, 1, day, "accepted", day, "not_applicable"),
        OutputRow(3, 1, day, "accepted", day, "not_started"),  # the table's word for planned
        OutputRow(4, 1, day, "partly_accepted", day),  # nothing recorded yet: planned
        OutputRow(5, 1, day, "partly", day, "not_applicable"),
        OutputRow(6, 1, day, "not_accepted", day, "not_applicable"),  # not positive at all
    ]
    result = outcomes(rows, YEAR_2024)
    assert (result.positive, result.accepted, result.partly) == (5, 3, 2)
    assert (result.implemented, result.in_progress, result.planned, result.not_applicable) == (
        1,
        0,
        2,  # rows 3 and 4
        2,  # rows 2 and 5
    )
    # Every positive output is in exactly one state: 1 + 0 + 2 + 2 = 5
    assert result.implemented + result.in_progress + result.planned + result.not_applicable == 5
    # implemented / (positive - not applicable) = 1 / (5 - 2)
    assert result.implemented_share == pytest.approx(1 / 3)
    # accepted: 1 done of 3 - 1 not applicable = 1/2; partly: 0 of 2 - 1 = 0
    assert result.accepted_implemented_share == 0.5
    assert result.partly_implemented_share == 0.0
    assert result.median_days_to_implementation == 2
    only_na = outcomes(rows[1:2], YEAR_2024)
    assert only_na.implemented_share is None  # 0 / (1 - 1)


def test_outcomes_of_nothing_and_grouped() -> None:
    empty = outcomes([], YEAR_2024)
    assert (empty.positive, empty.implemented) == (0, 0)
    assert empty.implemented_share is None
    assert empty.median_days_to_implementation is None
    groups = {g.key: g.value for g in outcomes_by(OUTPUTS, YEAR_2024, "kind")}
    assert groups["panel"].positive == 2
    assert groups["initiative"].implemented_share is None  # o7 not answered by 31 Dec
    points = outcomes_trend(OUTPUTS, YEAR_2024, "quarter")
    assert [p.value.positive for p in points] == [2, 0, 0, 0]


def test_responsiveness_matches_the_definition_on_random_data() -> None:
    rng = random.Random(11)
    start = date(2023, 1, 1)
    rows = []
    for i in range(2000):
        produced = start + timedelta(days=rng.randrange(730))
        answered = rng.random() < 0.7
        response = rng.choice(["accepted", "partly", "not_accepted", "under_consideration"])
        rows.append(
            OutputRow(
                i,
                rng.randrange(50),
                produced,
                response if answered else None,
                produced + timedelta(days=rng.randrange(200)) if answered else None,
            )
        )
    as_of = date(2024, 6, 30)
    result = responsiveness(rows, YEAR_2024, as_of=as_of)
    inside = [r for r in rows if r.produced_on in YEAR_2024 and r.produced_on <= as_of]
    answered_rows = [r for r in inside if r.responded_on is not None and r.responded_on <= as_of]
    assert result.outputs == len(inside)
    assert result.responded == len(answered_rows)
    assert result.median_days_to_response == statistics.median(
        (r.responded_on - r.produced_on).days
        for r in answered_rows  # type: ignore[operator]
    )
    assert result.overdue == sum(
        1 for r in inside if r not in answered_rows and (as_of - r.produced_on).days > 60
    )


# --- cost -----------------------------------------------------------------------------


COSTS = [
    CostRow(100, date(2024, 1, 1), D("60.00"), D("12.40")),
    CostRow(100, date(2023, 12, 31), D("50.00")),  # before the period
    CostRow(101, date(2024, 2, 29), D("100.00")),
    CostRow(103, date(2024, 7, 1), D("25.00")),  # preparation, nobody took part yet
]


def test_cost_over_a_year() -> None:
    result = cost(COSTS, PARTICIPATIONS, YEAR_2024)
    assert result.fees == D("185.00")  # 60 + 100 + 25
    assert result.travel == D("12.40")
    assert result.total == D("197.40")
    assert result.hours == D("8.50")  # as in test_reach_over_a_year
    assert result.activities == 4  # 100, 101, 102 (unpaid) and 103 (no participants)
    assert result.per_activity == D("49.35")  # 197.40 / 4
    assert result.per_participant_hour == D("23.22")  # 197.40 / 8.5 = 23.2235...


def test_cost_by_activity() -> None:
    assert cost_by_activity(COSTS, PARTICIPATIONS, YEAR_2024) == (
        # 72.40 / (1.5 + 0.75) = 32.177... -> 32.18
        ActivityCost(100, D("60.00"), D("12.40"), D("72.40"), D("2.25"), D("32.18")),
        # 100 / (2.25 + 1) = 30.769... -> 30.77 (the absence adds no hours)
        ActivityCost(101, D("100.00"), D("0"), D("100.00"), D("3.25"), D("30.77")),
        ActivityCost(102, D("0"), D("0"), D("0"), D("3.00"), D("0.00")),
        ActivityCost(103, D("25.00"), D("0"), D("25.00"), D("0"), None),  # no hours
    )


def test_cost_of_nothing() -> None:
    result = cost([], [], YEAR_2024)
    assert (result.activities, result.total, result.hours) == (0, D("0"), D("0"))
    assert result.per_activity is None
    assert result.per_participant_hour is None
    assert cost_by_activity([], [], YEAR_2024) == ()
    quiet = Period(date(2024, 8, 1), date(2024, 8, 31))
    assert cost(COSTS, PARTICIPATIONS, quiet).per_participant_hour is None


def test_cost_rounds_half_up_to_cents() -> None:
    rows = [ParticipationRow(1, 1, date(2024, 1, 1), D("2"))]
    # 0.05 / 2 = 0.025 -> 0.03 half up (banker's rounding would give 0.02)
    result = cost([CostRow(1, date(2024, 1, 1), D("0.05"))], rows, YEAR_2024)
    assert result.per_participant_hour == D("0.03")
    # 1.00 / 3 activities = 0.333... -> 0.33
    three = [ParticipationRow(a, 1, date(2024, 1, 1), D("1")) for a in (1, 2, 3)]
    assert cost([CostRow(1, date(2024, 1, 1), D("1"))], three, YEAR_2024).per_activity == D("0.33")


def test_cost_rejects_fractions_of_a_cent() -> None:
    with pytest.raises(ValueError, match="cents"):
        Costs.from_rows([CostRow(1, date(2024, 1, 1), D("0.005"))])


def test_cost_trend_by_quarter() -> None:
    q1, q2, q3, q4 = (p.value for p in cost_trend(COSTS, PARTICIPATIONS, YEAR_2024, "quarter"))
    # Q1: 72.40 + 100.00 over 1.5 + 2.25 + 1 = 4.75 hours in activities 100 and 101
    assert (q1.total, q1.hours, q1.activities) == (D("172.40"), D("4.75"), 2)
    assert q1.per_activity == D("86.20")  # 172.40 / 2
    assert q1.per_participant_hour == D("36.29")  # 172.40 / 4.75 = 36.294...
    # Q2: h's 0.75 hours, no cost
    assert (q2.total, q2.per_participant_hour, q2.per_activity) == (D("0"), D("0.00"), D("0.00"))
    # Q3: 25.00 for activity 103 and no hours
    assert (q3.total, q3.activities, q3.per_participant_hour) == (D("25.00"), 1, None)
    assert q4.hours == D("3.00")
    # Quarters add up to the year.
    assert q1.total + q2.total + q3.total + q4.total == cost(COSTS, PARTICIPATIONS, YEAR_2024).total
