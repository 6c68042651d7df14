"""Impact metrics over the activity → participation → output → response chain.

Pure module (standard library and NumPy only): the query layer fills the row dataclasses
or column arrays below from the database, and the functions here compute the figures the
impact reports show:

* **reach**: activities, participations, distinct and new participants, hours;
* **representativeness**: participants by category compared with the population;
* **responsiveness**: how many outputs got a response, how fast and which;
* **outcomes**: how many accepted outputs were implemented and how fast;
* **cost**: fees and travel per activity and per participant-hour;
* **trends**: any of the above by month or quarter.

Conventions shared by every function:

* A :class:`Period` includes both its first and last day, as report periods are written
  ("1 January to 31 December").
* Counts are ``int`` and are 0 on empty input; ratios, shares and medians are ``None``
  when undefined (nothing to divide by), never NaN and never an exception.
* Money is :class:`~decimal.Decimal` in whole cents and results are rounded to cents with
  ROUND_HALF_UP, the rounding Finnish invoices and fee statements use.
* Rows are turned into NumPy columns once (``Participations.from_rows`` and friends) so a
  report over five years (50k+ participations) stays well under a second; every function
  also accepts plain rows for convenience.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "IMPLEMENTATION_STATUSES",
    "RESPONSES",
    "ActivityCost",
    "Bucket",
    "CategoryShare",
    "Cost",
    "CostRow",
    "Costs",
    "Granularity",
    "Group",
    "GroupBy",
    "Outcomes",
    "OutputRow",
    "Outputs",
    "ParticipationRow",
    "Participations",
    "Period",
    "Reach",
    "Representativeness",
    "Responsiveness",
    "TrendPoint",
    "buckets",
    "cost",
    "cost_by_activity",
    "cost_trend",
    "outcomes",
    "outcomes_by",
    "outcomes_trend",
    "reach",
    "reach_by",
    "reach_trend",
    "representativeness",
    "responsiveness",
    "responsiveness_by",
    "responsiveness_trend",
]

T = TypeVar("T")
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

GroupBy = Literal["kind", "unit", "service_area"]
Granularity = Literal["month", "quarter"]

RESPONSES: Final[tuple[str, ...]] = ("accepted", "partly", "not_accepted", "under_consideration")
IMPLEMENTATION_STATUSES: Final[tuple[str, ...]] = (
    "planned",
    "in_progress",
    "done",
    "not_applicable",
)
# The chain's tables and documents also say "rejected", "partly_accepted" and
# "not_started"; accepting them here keeps the query layer free of translation tables.
_ALIASES: Final[Mapping[str, str]] = {
    "rejected": "not_accepted",
    "partly_accepted": "partly",
    "not_started": "planned",
}
_ACCEPTED, _PARTLY, _NOT_ACCEPTED, _UNDER_CONSIDERATION = range(4)
_PLANNED, _IN_PROGRESS, _DONE, _NOT_APPLICABLE = range(4)
_NONE: Final = -1
_NAT: Final = np.iinfo(np.int64).min  # what NumPy stores for a missing datetime64 day
_EPOCH: Final = date(1970, 1, 1)
_CENT: Final = Decimal("0.01")


# --------------------------------------------------------------------------------------
# Periods and buckets


@dataclass(frozen=True, slots=True)
class Period:
    """A date range including both ``start`` and ``end``."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Bucket:
    """One step of a trend: ``label`` is ``"2024-02"`` or ``"2024-Q1"``.

    ``period`` is the calendar month or quarter clipped to the report period, so the
    first and last bucket may be partial.
    """

    label: str
    period: Period


@dataclass(frozen=True)
class TrendPoint(Generic[T]):
    """The value of one metric in one bucket of a trend."""

    bucket: Bucket
    value: T


@dataclass(frozen=True)
class Group(Generic[T]):
    """The value of one metric for one group (kind, unit or service area; None = unset)."""

    key: str | None
    value: T


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def buckets(period: Period, granularity: Granularity) -> tuple[Bucket, ...]:
    """Split ``period`` into calendar months or quarters, empty ones included.

    Buckets are aligned to the calendar and clipped to the period, so every day of the
    period falls in exactly one bucket.
    """
    if granularity not in ("month", "quarter"):
        raise ValueError(f"unknown granularity {granularity!r}")
    step = 1 if granularity == "month" else 3
    month0 = (period.start.month - 1) // step * step + 1
    cursor = date(period.start.year, month0, 1)
    result: list[Bucket] = []
    while cursor <= period.end:
        following = cursor
        for _ in range(step):
            following = _next_month(following)
        if granularity == "month":
            label = f"{cursor.year:04d}-{cursor.month:02d}"
        else:
            label = f"{cursor.year:04d}-Q{(cursor.month - 1) // 3 + 1}"
        clipped = Period(max(cursor, period.start), min(following - timedelta(days=1), period.end))
        result.append(Bucket(label, clipped))
        cursor = following
    return tuple(result)


def _day(value: date) -> int:
    return (value - _EPOCH).days


def _days(values: Any) -> IntArray:
    """Dates (``date`` objects, ``datetime64``, or epoch-day integers) → int64 epoch days."""
    array = np.asarray(values)
    if array.dtype.kind == "i":
        return array.astype(np.int64)
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _bucket_index(days: IntArray, parts: Sequence[Bucket]) -> IntArray:
    starts = np.array([_day(b.period.start) for b in parts], dtype=np.int64)
    return (np.searchsorted(starts, days, side="right") - 1).astype(np.int64)


def _windows(parts: Sequence[Period]) -> tuple[IntArray, IntArray]:
    return (
        np.array([_day(p.start) for p in parts], dtype=np.int64),
        np.array([_day(p.end) for p in parts], dtype=np.int64),
    )


def _encode(values: Sequence[str | None] | None, n: int) -> tuple[IntArray, tuple[str | None, ...]]:
    """Label column → (codes, labels), labels sorted with None last, as reports list them."""
    if values is None:
        return np.zeros(n, dtype=np.int64), (None,) if n else ()
    if len(values) != n:
        raise ValueError("group column length differs from the other columns")
    present = set(values)
    labels = tuple(sorted(v for v in present if v is not None)) + (
        (None,) if None in present else ()
    )
    index = {label: i for i, label in enumerate(labels)}
    return np.fromiter((index[v] for v in values), dtype=np.int64, count=n), labels


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _group_medians(groups: IntArray, values: IntArray, n_groups: int) -> list[float | None]:
    """Median of ``values`` per group, in one sort rather than one pass per group."""
    result: list[float | None] = [None] * n_groups
    if values.size == 0:
        return result
    order = np.lexsort((values, groups))
    sorted_values = values[order].astype(np.float64)
    counts = np.bincount(groups, minlength=n_groups)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    for g in np.flatnonzero(counts):
        lo = offsets[g] + (counts[g] - 1) // 2
        hi = offsets[g] + counts[g] // 2
        result[g] = float((sorted_values[lo] + sorted_values[hi]) / 2)
    return result


# --------------------------------------------------------------------------------------
# Participations and reach


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    """One person's participation in one activity on one day.

    ``kind``, ``unit`` and ``service_area`` are copied from the activity so that the row is
    self-contained. ``hours`` counts only when ``attended``.
    """

    activity_id: int
    person_id: int
    participated_on: date
    hours: Decimal = Decimal(0)
    attended: bool = True
    kind: str | None = None
    unit: str | None = None
    service_area: str | None = None


@dataclass(frozen=True, eq=False)
class Participations:
    """Participations as NumPy columns, built once per report with :meth:`from_rows`.

    Hours are kept in hundredths of an hour (the database column's precision) as integers,
    so sums stay exact and convert to Decimal without float error. Should include every
    participation before the report period too: "new participant" means the person's
    first participation ever, which needs that history.
    """

    activity: IntArray  # activity code, 0..n_activities-1
    person: IntArray  # person code, 0..n_persons-1
    day: IntArray  # epoch days
    centihours: IntArray
    attended: BoolArray
    groups: Mapping[str, tuple[IntArray, tuple[str | None, ...]]]
    activity_ids: IntArray  # code → activity id
    n_persons: int
    first_day: IntArray  # person code → epoch day of first attended participation

    def __len__(self) -> int:
        return int(self.day.size)

    @classmethod
    def from_columns(
        cls,
        *,
        activity_id: npt.ArrayLike,
        person_id: npt.ArrayLike,
        participated_on: Any,
        hours: npt.ArrayLike,
        attended: npt.ArrayLike | None = None,
        kind: Sequence[str | None] | None = None,
        unit: Sequence[str | None] | None = None,
        service_area: Sequence[str | None] | None = None,
        first_participated_on: Any = None,
    ) -> Participations:
        """Build from equal-length columns, e.g. straight from a query result.

        ``participated_on`` may hold ``date`` objects, ``datetime64`` values or integer
        days since 1970-01-01. ``hours`` may hold Decimals or floats and is rounded to
        0.01 h. ``attended`` defaults to all True.

        ``first_participated_on`` optionally gives, per row, the day of the person's first
        attended participation anywhere (None if unknown). A query filtered to one unit or
        kind cannot see the rest of a person's history; with this column "new participant"
        still means new to participation altogether. The earlier of it and the rows' own
        first day is used.
        """
        activity_raw = np.asarray(activity_id, dtype=np.int64).reshape(-1)
        person_raw = np.asarray(person_id, dtype=np.int64).reshape(-1)
        n = activity_raw.size
        day = _days(participated_on).reshape(-1)
        centihours = np.rint(np.asarray(hours, dtype=np.float64).reshape(-1) * 100).astype(np.int64)
        attended_arr = (
            np.ones(n, dtype=np.bool_)
            if attended is None
            else np.asarray(attended, dtype=np.bool_).reshape(-1)
        )
        if not (person_raw.size == day.size == centihours.size == attended_arr.size == n):
            raise ValueError("participation columns differ in length")
        if n and (day == _NAT).any():
            raise ValueError("every participation needs a date")
        if (centihours < 0).any():
            raise ValueError("participation hours cannot be negative")
        activity_ids, activity = np.unique(activity_raw, return_inverse=True)
        person_ids, person = np.unique(person_raw, return_inverse=True)
        n_persons = int(person_ids.size)
        first_day = np.full(n_persons, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first_day, person[attended_arr], day[attended_arr])
        if first_participated_on is not None:
            known_first = np.asarray(first_participated_on, dtype="datetime64[D]").astype(np.int64)
            known_first = known_first.reshape(-1)
            if known_first.size != n:
                raise ValueError("participation columns differ in length")
            has_first = known_first != _NAT
            np.minimum.at(first_day, person[has_first], known_first[has_first])
        return cls(
            activity=activity.astype(np.int64).reshape(-1),
            person=person.astype(np.int64).reshape(-1),
            day=day,
            centihours=centihours,
            attended=attended_arr,
            groups={
                "kind": _encode(kind, n),
                "unit": _encode(unit, n),
                "service_area": _encode(service_area, n),
            },
            activity_ids=activity_ids.astype(np.int64),
            n_persons=n_persons,
            first_day=first_day,
        )

    @classmethod
    def from_rows(cls, rows: Iterable[ParticipationRow]) -> Participations:
        """Build from :class:`ParticipationRow` objects."""
        rows = list(rows)
        return cls.from_columns(
            activity_id=[r.activity_id for r in rows],
            person_id=[r.person_id for r in rows],
            participated_on=np.array([r.participated_on for r in rows], dtype="datetime64[D]"),
            hours=[float(r.hours) for r in rows],
            attended=[r.attended for r in rows],
            kind=[r.kind for r in rows],
            unit=[r.unit for r in rows],
            service_area=[r.service_area for r in rows],
        )


ParticipationsLike = Participations | Iterable[ParticipationRow]


def _participations(data: ParticipationsLike) -> Participations:
    return data if isinstance(data, Participations) else Participations.from_rows(data)


@dataclass(frozen=True, slots=True)
class Reach:
    """How many people participation reached in a period.

    ``participations`` and ``hours`` count attended participations only; ``absences`` are
    the recorded participations not attended. A participant is *new* when their first
    attended participation ever (in any activity) falls in the period, so
    ``new_participants + returning_participants == participants``.
    """

    activities: int
    participations: int
    absences: int
    participants: int
    new_participants: int
    returning_participants: int
    hours: Decimal


def _reach_groups(
    data: Participations,
    in_range: BoolArray,
    group: IntArray,
    window_start: IntArray,
    window_end: IntArray,
) -> list[Reach]:
    """Reach for every group at once: each (group, person) pair is counted once."""
    n_groups = window_start.size
    absences = np.bincount(group[in_range & ~data.attended], minlength=n_groups)
    mask = in_range & data.attended
    g = group[mask]
    participations = np.bincount(g, minlength=n_groups)
    # add.at keeps int64; bincount's weights would go through float64.
    centihours = np.zeros(n_groups, dtype=np.int64)
    np.add.at(centihours, g, data.centihours[mask])

    persons = max(data.n_persons, 1)
    pairs = np.unique(g * persons + data.person[mask])
    pair_group, pair_person = pairs // persons, pairs % persons
    participants = np.bincount(pair_group, minlength=n_groups)
    first = data.first_day[pair_person]
    is_new = (first >= window_start[pair_group]) & (first <= window_end[pair_group])
    new = np.bincount(pair_group[is_new], minlength=n_groups)

    n_activities = max(int(data.activity_ids.size), 1)
    activities = np.bincount(
        np.unique(g * n_activities + data.activity[mask]) // n_activities, minlength=n_groups
    )
    return [
        Reach(
            activities=int(activities[i]),
            participations=int(participations[i]),
            absences=int(absences[i]),
            participants=int(participants[i]),
            new_participants=int(new[i]),
            returning_participants=int(participants[i] - new[i]),
            hours=_hundredths(int(centihours[i])),
        )
        for i in range(n_groups)
    ]


def _in_period(days: IntArray, period: Period) -> BoolArray:
    return (days >= _day(period.start)) & (days <= _day(period.end))


def reach(participations: ParticipationsLike, period: Period) -> Reach:
    """Return the reach of all participation in ``period``.

    ``activities`` counts activities with at least one attended participation in the
    period.
    """
    data = _participations(participations)
    start, end = _windows([period])
    group = np.zeros(len(data), dtype=np.int64)
    return _reach_groups(data, _in_period(data.day, period), group, start, end)[0]


def reach_by(
    participations: ParticipationsLike, period: Period, by: GroupBy
) -> tuple[Group[Reach], ...]:
    """Return reach in ``period`` per activity kind, unit or service area.

    Every group that occurs anywhere in the data is listed (with zeros if idle in the
    period), so reports show the same rows from one period to the next. A person counts
    as a participant in each group they took part in, so groups do not add up to the
    county total; "new" still means new to participation altogether.
    """
    data = _participations(participations)
    codes, labels = data.groups[by]
    start, end = _windows([period] * len(labels))
    values = _reach_groups(data, _in_period(data.day, period), codes, start, end)
    return tuple(Group(label, value) for label, value in zip(labels, values, strict=True))


def reach_trend(
    participations: ParticipationsLike, period: Period, granularity: Granularity
) -> tuple[TrendPoint[Reach], ...]:
    """Return reach per month or quarter of ``period``, empty buckets included.

    A participant is new in the bucket of their first participation ever.
    """
    data = _participations(participations)
    parts = buckets(period, granularity)
    start, end = _windows([b.period for b in parts])
    index = _bucket_index(data.day, parts)
    in_range = _in_period(data.day, period)
    values = _reach_groups(data, in_range, np.where(in_range, index, 0), start, end)
    return tuple(TrendPoint(b, v) for b, v in zip(parts, values, strict=True))


# --------------------------------------------------------------------------------------
# Representativeness


@dataclass(frozen=True, slots=True)
class CategoryShare:
    """One category of a representativeness comparison.

    ``share`` is the category's share of participants whose category is known;
    ``population_share`` its share of the reference population; ``ratio`` is
    ``share / population_share`` (1 = proportional, 2 = twice over-represented).
    """

    category: str
    count: int
    share: float | None
    population_share: float
    ratio: float | None


@dataclass(frozen=True, slots=True)
class Representativeness:
    """Participants compared with the population over one dimension.

    ``index`` is 1 minus the dissimilarity index, ``1 - 0.5 * sum(|p_i - q_i|)``: 1 when
    participants mirror the population exactly, 0 when they share no category. Computed
    over participants with a known category; ``unknown`` counts the others, and
    ``unmatched`` lists values that were given but are not reference categories (a typo
    or a new municipality, say), which are also included in ``unknown``.
    """

    categories: tuple[CategoryShare, ...]
    known: int
    unknown: int
    unmatched: tuple[str, ...]
    index: float | None


def representativeness(
    categories: Iterable[str | None], population_shares: Mapping[str, float]
) -> Representativeness:
    """Compare participants' categories with the population's shares.

    ``categories`` holds one value per distinct participant (an age band, gender,
    municipality slug or language; None when unknown). ``population_shares`` maps each
    reference category to its population share; the shares are normalised to add up to 1
    because published figures are rounded. Works the same for any dimension, e.g. with
    ``portal.core.population.age_band_shares()``.
    """
    total_reference = float(sum(population_shares.values()))
    if any(v < 0 for v in population_shares.values()) or total_reference <= 0:
        raise ValueError("population shares must be non-negative and not all zero")
    reference = {k: float(v) / total_reference for k, v in population_shares.items()}
    # Counter hashes in C; faster than np.unique on object arrays and copes with None.
    counts = Counter(categories)
    known = sum(n for value, n in counts.items() if value in reference)
    unknown = sum(n for value, n in counts.items() if value not in reference)
    unmatched = tuple(
        sorted(str(v) for v in counts if v is not None and v != "" and v not in reference)
    )
    shares: list[CategoryShare] = []
    distance = 0.0
    for category, q in reference.items():
        count = counts.get(category, 0)
        p = _ratio(count, known)
        if p is not None:
            distance += abs(p - q)
        shares.append(
            CategoryShare(
                category=category,
                count=count,
                share=p,
                population_share=q,
                ratio=None if p is None else _ratio(p, q),
            )
        )
    return Representativeness(
        categories=tuple(shares),
        known=known,
        unknown=unknown,
        unmatched=unmatched,
        index=None if known == 0 else 1.0 - 0.5 * distance,
    )


# --------------------------------------------------------------------------------------
# Outputs, responsiveness and outcomes


@dataclass(frozen=True, slots=True)
class OutputRow:
    """An output (recommendation, opinion, proposal) and what became of it.

    ``response`` is one of :data:`RESPONSES` (or None) with ``responded_on`` the date the
    current response was decided. ``implementation`` is one of
    :data:`IMPLEMENTATION_STATUSES` (or None) and ``implemented_on`` the date it was done.
    """

    output_id: int
    activity_id: int
    produced_on: date
    response: str | None = None
    responded_on: date | None = None
    implementation: str | None = None
    implemented_on: date | None = None
    kind: str | None = None
    unit: str | None = None
    service_area: str | None = None


def _code(value: str | None, names: Sequence[str], what: str) -> int:
    if value is None or value == "":
        return _NONE
    value = _ALIASES.get(value, value)
    try:
        return names.index(value)
    except ValueError:
        raise ValueError(f"unknown {what} {value!r}") from None


@dataclass(frozen=True, eq=False)
class Outputs:
    """Outputs as NumPy columns, built once per report with :meth:`from_rows`."""

    produced: IntArray  # epoch days
    response: IntArray  # index into RESPONSES, -1 for none
    responded: IntArray  # epoch days, _NAT for none
    implementation: IntArray  # index into IMPLEMENTATION_STATUSES, -1 for none
    implemented: IntArray  # epoch days, _NAT for none
    groups: Mapping[str, tuple[IntArray, tuple[str | None, ...]]]

    def __len__(self) -> int:
        return int(self.produced.size)

    @classmethod
    def from_columns(
        cls,
        *,
        produced_on: Any,
        response: Sequence[str | None],
        responded_on: Any,
        implementation: Sequence[str | None],
        implemented_on: Any,
        kind: Sequence[str | None] | None = None,
        unit: Sequence[str | None] | None = None,
        service_area: Sequence[str | None] | None = None,
    ) -> Outputs:
        """Build from equal-length columns; dates may be ``date``, ``datetime64`` or None.

        Raises ValueError for an unknown response or status, or a response without its
        date (the metrics could not place it in time).
        """
        produced = np.asarray(produced_on, dtype="datetime64[D]").astype(np.int64).reshape(-1)
        n = produced.size
        responded = np.asarray(responded_on, dtype="datetime64[D]").astype(np.int64).reshape(-1)
        implemented = np.asarray(implemented_on, dtype="datetime64[D]").astype(np.int64).reshape(-1)
        response_codes = np.fromiter(
            (_code(v, RESPONSES, "response") for v in response), dtype=np.int64, count=len(response)
        )
        status_codes = np.fromiter(
            (_code(v, IMPLEMENTATION_STATUSES, "implementation status") for v in implementation),
            dtype=np.int64,
            count=len(implementation),
        )
        if not (
            responded.size == implemented.size == response_codes.size == status_codes.size == n
        ):
            raise ValueError("output columns differ in length")
        if (produced == _NAT).any():
            raise ValueError("every output needs the date it was produced")
        if ((response_codes != _NONE) & (responded == _NAT)).any():
            raise ValueError("a response needs the date it was decided")
        return cls(
            produced=produced,
            response=response_codes,
            responded=responded,
            implementation=status_codes,
            implemented=implemented,
            groups={
                "kind": _encode(kind, n),
                "unit": _encode(unit, n),
                "service_area": _encode(service_area, n),
            },
        )

    @classmethod
    def from_rows(cls, rows: Iterable[OutputRow]) -> Outputs:
        """Build from :class:`OutputRow` objects."""
        rows = list(rows)
        return cls.from_columns(
            produced_on=np.array([r.produced_on for r in rows], dtype="datetime64[D]"),
            response=[r.response for r in rows],
            responded_on=np.array([r.responded_on for r in rows], dtype="datetime64[D]"),
            implementation=[r.implementation for r in rows],
            implemented_on=np.array([r.implemented_on for r in rows], dtype="datetime64[D]"),
            kind=[r.kind for r in rows],
            unit=[r.unit for r in rows],
            service_area=[r.service_area for r in rows],
        )


OutputsLike = Outputs | Iterable[OutputRow]


def _outputs(data: OutputsLike) -> Outputs:
    return data if isinstance(data, Outputs) else Outputs.from_rows(data)


@dataclass(frozen=True, slots=True)
class Responsiveness:
    """How decision makers responded to the outputs produced in a period.

    ``responded`` counts outputs with any recorded response by the ``as_of`` date,
    "under consideration" included (it is a reply with a reason). The four response
    shares are of ``responded`` and add up to 1; ``response_share`` is of ``outputs``.
    ``overdue`` counts outputs still without a response more than the allowed number of
    days after they were produced.
    """

    outputs: int
    responded: int
    response_share: float | None
    median_days_to_response: float | None
    accepted: int
    partly: int
    not_accepted: int
    under_consideration: int
    accepted_share: float | None
    partly_share: float | None
    not_accepted_share: float | None
    under_consideration_share: float | None
    overdue: int


def _output_mask(data: Outputs, period: Period, as_of: date) -> BoolArray:
    # Outputs produced after as_of did not exist yet on that day.
    return _in_period(data.produced, period) & (data.produced <= _day(as_of))


def _responded_by(data: Outputs, as_of: date) -> BoolArray:
    return (data.response != _NONE) & (data.responded != _NAT) & (data.responded <= _day(as_of))


def _responsiveness_groups(
    data: Outputs, mask: BoolArray, group: IntArray, n_groups: int, as_of: date, overdue_days: int
) -> list[Responsiveness]:
    if overdue_days < 0:
        raise ValueError("overdue_after_days cannot be negative")
    responded = mask & _responded_by(data, as_of)
    outputs = np.bincount(group[mask], minlength=n_groups)
    answered = np.bincount(group[responded], minlength=n_groups)
    by_response = [
        np.bincount(group[responded & (data.response == code)], minlength=n_groups)
        for code in range(len(RESPONSES))
    ]
    waiting = mask & ~responded & (_day(as_of) - data.produced > overdue_days)
    overdue = np.bincount(group[waiting], minlength=n_groups)
    medians = _group_medians(
        group[responded], data.responded[responded] - data.produced[responded], n_groups
    )
    result = []
    for i in range(n_groups):
        n_answered = int(answered[i])
        counts = [int(c[i]) for c in by_response]
        result.append(
            Responsiveness(
                outputs=int(outputs[i]),
                responded=n_answered,
                response_share=_ratio(n_answered, int(outputs[i])),
                median_days_to_response=medians[i],
                accepted=counts[_ACCEPTED],
                partly=counts[_PARTLY],
                not_accepted=counts[_NOT_ACCEPTED],
                under_consideration=counts[_UNDER_CONSIDERATION],
                accepted_share=_ratio(counts[_ACCEPTED], n_answered),
                partly_share=_ratio(counts[_PARTLY], n_answered),
                not_accepted_share=_ratio(counts[_NOT_ACCEPTED], n_answered),
                under_consideration_share=_ratio(counts[_UNDER_CONSIDERATION], n_answered),
                overdue=int(overdue[i]),
            )
        )
    return result


def responsiveness(
    outputs: OutputsLike,
    period: Period,
    *,
    as_of: date | None = None,
    overdue_after_days: int = 60,
) -> Responsiveness:
    """Return responsiveness for the outputs produced in ``period``.

    The state is taken as it was on ``as_of`` (default: the period's last day): responses
    decided later are not counted yet, so a report can be reproduced for a past date.
    An output is overdue when it has no response and more than ``overdue_after_days``
    days have passed between its production and ``as_of``.
    """
    data = _outputs(outputs)
    as_of = period.end if as_of is None else as_of
    mask = _output_mask(data, period, as_of)
    group = np.zeros(len(data), dtype=np.int64)
    return _responsiveness_groups(data, mask, group, 1, as_of, overdue_after_days)[0]


def responsiveness_by(
    outputs: OutputsLike,
    period: Period,
    by: GroupBy,
    *,
    as_of: date | None = None,
    overdue_after_days: int = 60,
) -> tuple[Group[Responsiveness], ...]:
    """Return :func:`responsiveness` per activity kind, unit or service area."""
    data = _outputs(outputs)
    as_of = period.end if as_of is None else as_of
    codes, labels = data.groups[by]
    mask = _output_mask(data, period, as_of)
    values = _responsiveness_groups(data, mask, codes, len(labels), as_of, overdue_after_days)
    return tuple(Group(label, value) for label, value in zip(labels, values, strict=True))


def responsiveness_trend(
    outputs: OutputsLike,
    period: Period,
    granularity: Granularity,
    *,
    as_of: date | None = None,
    overdue_after_days: int = 60,
) -> tuple[TrendPoint[Responsiveness], ...]:
    """Return :func:`responsiveness` per month or quarter of production, empty ones included.

    Every bucket is judged on the same ``as_of`` date (default: the period's last day),
    so a trend shows how each month's outputs have been answered by now.
    """
    data = _outputs(outputs)
    as_of = period.end if as_of is None else as_of
    parts = buckets(period, granularity)
    mask = _output_mask(data, period, as_of)
    index = np.where(mask, _bucket_index(data.produced, parts), 0)
    values = _responsiveness_groups(data, mask, index, len(parts), as_of, overdue_after_days)
    return tuple(TrendPoint(b, v) for b, v in zip(parts, values, strict=True))


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Whether accepted outputs were carried out.

    ``positive = accepted + partly`` counts outputs produced in the period whose response
    by ``as_of`` was accepted or partly accepted. Each of them is in exactly one of
    ``implemented`` (marked done on or before ``as_of``), ``in_progress`` (a task done
    only after ``as_of`` counts here), ``planned`` (planned, not started or nothing
    recorded yet) and ``not_applicable`` (nothing to implement, e.g. the decision itself
    was the outcome). The implementation shares leave the not applicable ones out of the
    denominator: ``implemented_share = implemented / (positive - not_applicable)``, and
    likewise for the accepted and partly accepted. The median is over implemented outputs,
    from the response date to the implementation date.
    """

    positive: int
    accepted: int
    partly: int
    implemented: int
    accepted_implemented: int
    partly_implemented: int
    in_progress: int
    planned: int
    not_applicable: int
    implemented_share: float | None
    accepted_implemented_share: float | None
    partly_implemented_share: float | None
    median_days_to_implementation: float | None


def _outcomes_groups(
    data: Outputs, mask: BoolArray, group: IntArray, n_groups: int, as_of: date
) -> list[Outcomes]:
    responded = mask & _responded_by(data, as_of)
    accepted = responded & (data.response == _ACCEPTED)
    partly = responded & (data.response == _PARTLY)
    positive = accepted | partly
    status = data.implementation
    done = positive & (status == _DONE) & (data.implemented != _NAT)
    done &= data.implemented <= _day(as_of)
    not_applicable = positive & (status == _NOT_APPLICABLE)
    in_progress = positive & ~done & ((status == _IN_PROGRESS) | (status == _DONE))
    planned = positive & ((status == _PLANNED) | (status == _NONE))

    def count(selection: BoolArray) -> IntArray:
        return np.bincount(group[selection], minlength=n_groups)

    n_positive, n_accepted, n_partly = count(positive), count(accepted), count(partly)
    n_done, n_accepted_done, n_partly_done = (
        count(done),
        count(done & accepted),
        count(done & partly),
    )
    n_na, n_accepted_na = count(not_applicable), count(not_applicable & accepted)
    n_partly_na = count(not_applicable & partly)
    n_in_progress, n_planned = count(in_progress), count(planned)
    medians = _group_medians(group[done], data.implemented[done] - data.responded[done], n_groups)
    return [
        Outcomes(
            positive=int(n_positive[i]),
            accepted=int(n_accepted[i]),
            partly=int(n_partly[i]),
            implemented=int(n_done[i]),
            accepted_implemented=int(n_accepted_done[i]),
            partly_implemented=int(n_partly_done[i]),
            in_progress=int(n_in_progress[i]),
            planned=int(n_planned[i]),
            not_applicable=int(n_na[i]),
            implemented_share=_ratio(int(n_done[i]), int(n_positive[i] - n_na[i])),
            accepted_implemented_share=_ratio(
                int(n_accepted_done[i]), int(n_accepted[i] - n_accepted_na[i])
            ),
            partly_implemented_share=_ratio(
                int(n_partly_done[i]), int(n_partly[i] - n_partly_na[i])
            ),
            median_days_to_implementation=medians[i],
        )
        for i in range(n_groups)
    ]


def outcomes(outputs: OutputsLike, period: Period, *, as_of: date | None = None) -> Outcomes:
    """Return the implementation of accepted outputs produced in ``period``, as of ``as_of``.

    ``as_of`` defaults to the period's last day.
    """
    data = _outputs(outputs)
    as_of = period.end if as_of is None else as_of
    mask = _output_mask(data, period, as_of)
    return _outcomes_groups(data, mask, np.zeros(len(data), dtype=np.int64), 1, as_of)[0]


def outcomes_by(
    outputs: OutputsLike, period: Period, by: GroupBy, *, as_of: date | None = None
) -> tuple[Group[Outcomes], ...]:
    """Return :func:`outcomes` per activity kind, unit or service area."""
    data = _outputs(outputs)
    as_of = period.end if as_of is None else as_of
    codes, labels = data.groups[by]
    values = _outcomes_groups(data, _output_mask(data, period, as_of), codes, len(labels), as_of)
    return tuple(Group(label, value) for label, value in zip(labels, values, strict=True))


def outcomes_trend(
    outputs: OutputsLike, period: Period, granularity: Granularity, *, as_of: date | None = None
) -> tuple[TrendPoint[Outcomes], ...]:
    """Return :func:`outcomes` per month or quarter of production, judged on one ``as_of``."""
    data = _outputs(outputs)
    as_of = period.end if as_of is None else as_of
    parts = buckets(period, granularity)
    mask = _output_mask(data, period, as_of)
    index = np.where(mask, _bucket_index(data.produced, parts), 0)
    values = _outcomes_groups(data, mask, index, len(parts), as_of)
    return tuple(TrendPoint(b, v) for b, v in zip(parts, values, strict=True))


# --------------------------------------------------------------------------------------
# Cost


@dataclass(frozen=True, slots=True)
class CostRow:
    """Money spent on an activity: fees paid and travel reimbursed, dated when incurred."""

    activity_id: int
    incurred_on: date
    fees: Decimal
    travel: Decimal = Decimal(0)


def _cents(amount: Decimal) -> int:
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"amount {amount} is not in whole cents")
    return int(cents)


@dataclass(frozen=True, eq=False)
class Costs:
    """Cost rows as NumPy columns of whole cents (exact, unlike floats)."""

    activity_id: IntArray
    day: IntArray
    fee_cents: IntArray
    travel_cents: IntArray

    def __len__(self) -> int:
        return int(self.day.size)

    @classmethod
    def from_rows(cls, rows: Iterable[CostRow]) -> Costs:
        """Build from :class:`CostRow` objects; raises ValueError on sub-cent amounts."""
        rows = list(rows)
        return cls(
            activity_id=np.array([r.activity_id for r in rows], dtype=np.int64),
            day=np.array([r.incurred_on for r in rows], dtype="datetime64[D]").astype(np.int64),
            fee_cents=np.array([_cents(r.fees) for r in rows], dtype=np.int64),
            travel_cents=np.array([_cents(r.travel) for r in rows], dtype=np.int64),
        )


CostsLike = Costs | Iterable[CostRow]


def _costs(data: CostsLike) -> Costs:
    return data if isinstance(data, Costs) else Costs.from_rows(data)


@dataclass(frozen=True, slots=True)
class Cost:
    """What participation cost in a period.

    ``activities`` counts activities with a cost or an attended participation in the
    period (an unpaid activity still lowers the average). ``hours`` are attended
    participant-hours. The averages are None when there is nothing to divide by.
    """

    activities: int
    fees: Decimal
    travel: Decimal
    total: Decimal
    hours: Decimal
    per_activity: Decimal | None
    per_participant_hour: Decimal | None


@dataclass(frozen=True, slots=True)
class ActivityCost:
    """What one activity cost in a period."""

    activity_id: int
    fees: Decimal
    travel: Decimal
    total: Decimal
    hours: Decimal
    per_participant_hour: Decimal | None


def _hundredths(cents: int) -> Decimal:
    """An integer count of hundredths (cents, or hundredths of an hour) as a Decimal."""
    return Decimal(cents).scaleb(-2)


def _per(cents: int, divisor: Decimal) -> Decimal | None:
    """``cents`` in euros divided by ``divisor``, rounded to cents; None when dividing by 0."""
    if divisor == 0:
        return None
    return (_hundredths(cents) / divisor).quantize(_CENT, ROUND_HALF_UP)


def _cost_groups(
    costs: Costs,
    cost_group: IntArray,
    cost_mask: BoolArray,
    data: Participations,
    part_group: IntArray,
    part_mask: BoolArray,
    n_groups: int,
) -> list[Cost]:
    # Sums of int64 cents are exact; bincount would go through float64, so use add.at.
    fees = np.zeros(n_groups, dtype=np.int64)
    travel = np.zeros(n_groups, dtype=np.int64)
    centihours = np.zeros(n_groups, dtype=np.int64)
    np.add.at(fees, cost_group[cost_mask], costs.fee_cents[cost_mask])
    np.add.at(travel, cost_group[cost_mask], costs.travel_cents[cost_mask])
    attended = part_mask & data.attended
    np.add.at(centihours, part_group[attended], data.centihours[attended])

    cost_activity = costs.activity_id[cost_mask]
    part_activity = data.activity_ids[data.activity[attended]]
    ids = np.concatenate((cost_activity, part_activity))
    groups_of_ids = np.concatenate((cost_group[cost_mask], part_group[attended]))
    # One integer key per (group, activity) pair: much faster than np.unique(axis=1).
    unique_ids, id_codes = np.unique(ids, return_inverse=True)
    width = max(int(unique_ids.size), 1)
    pairs = np.unique(groups_of_ids * width + id_codes.reshape(-1))
    activities = np.bincount(pairs // width, minlength=n_groups)

    result = []
    for i in range(n_groups):
        total = int(fees[i] + travel[i])
        hours = _hundredths(int(centihours[i]))
        result.append(
            Cost(
                activities=int(activities[i]),
                fees=_hundredths(int(fees[i])),
                travel=_hundredths(int(travel[i])),
                total=_hundredths(total),
                hours=hours,
                per_activity=_per(total, Decimal(int(activities[i]))),
                per_participant_hour=_per(total, hours),
            )
        )
    return result


def cost(costs: CostsLike, participations: ParticipationsLike, period: Period) -> Cost:
    """Return fees, travel and their averages per activity and participant-hour in ``period``.

    Costs are placed in time by their ``incurred_on`` date and hours by the participation
    date.
    """
    money, data = _costs(costs), _participations(participations)
    return _cost_groups(
        money,
        np.zeros(len(money), dtype=np.int64),
        _in_period(money.day, period),
        data,
        np.zeros(len(data), dtype=np.int64),
        _in_period(data.day, period),
        1,
    )[0]


def cost_by_activity(
    costs: CostsLike, participations: ParticipationsLike, period: Period
) -> tuple[ActivityCost, ...]:
    """Return the cost of each activity with a cost or attended hours in ``period``.

    Sorted by activity id.
    """
    money, data = _costs(costs), _participations(participations)
    cost_mask = _in_period(money.day, period)
    part_mask = _in_period(data.day, period) & data.attended
    ids = np.union1d(money.activity_id[cost_mask], data.activity_ids[data.activity[part_mask]])
    cost_group = np.searchsorted(ids, money.activity_id).astype(np.int64)
    part_group = np.searchsorted(ids, data.activity_ids[data.activity]).astype(np.int64)
    # Rows outside the period may name activities not in ids; searchsorted then points
    # past the end, so clip them to a valid index (their masks are False anyway).
    limit = max(ids.size - 1, 0)
    per_group = _cost_groups(
        money,
        np.minimum(cost_group, limit),
        cost_mask,
        data,
        np.minimum(part_group, limit),
        part_mask,
        int(ids.size),
    )
    return tuple(
        ActivityCost(
            activity_id=int(activity_id),
            fees=c.fees,
            travel=c.travel,
            total=c.total,
            hours=c.hours,
            per_participant_hour=c.per_participant_hour,
        )
        for activity_id, c in zip(ids, per_group, strict=True)
    )


def cost_trend(
    costs: CostsLike, participations: ParticipationsLike, period: Period, granularity: Granularity
) -> tuple[TrendPoint[Cost], ...]:
    """Return :func:`cost` per month or quarter of ``period``, empty buckets included."""
    money, data = _costs(costs), _participations(participations)
    parts = buckets(period, granularity)
    cost_mask = _in_period(money.day, period)
    part_mask = _in_period(data.day, period)
    values = _cost_groups(
        money,
        np.where(cost_mask, _bucket_index(money.day, parts), 0),
        cost_mask,
        data,
        np.where(part_mask, _bucket_index(data.day, parts), 0),
        part_mask,
        len(parts),
    )
    return tuple(TrendPoint(b, v) for b, v in zip(parts, values, strict=True))
