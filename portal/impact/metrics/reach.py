"""Participations and reach."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from portal.impact.metrics.periods import (
    _NAT,
    BoolArray,
    Granularity,
    Group,
    GroupBy,
    IntArray,
    Period,
    TrendPoint,
    _bucket_index,
    _day,
    _days,
    _encode_groups,
    _group_values,
    _hundredths,
    _windows,
    buckets,
)


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
            groups=_encode_groups(n, kind, unit, service_area),
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
            **_group_values(rows),
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
