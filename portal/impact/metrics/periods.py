"""Periods, buckets and the helpers every metric shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Generic, Literal, TypeVar, get_args

import numpy as np
import numpy.typing as npt

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


def _encode_groups(
    n: int,
    kind: Sequence[str | None] | None,
    unit: Sequence[str | None] | None,
    service_area: Sequence[str | None] | None,
) -> dict[str, tuple[IntArray, tuple[str | None, ...]]]:
    """The grouping columns every kind of row carries, encoded for the ``*_by`` metrics."""
    return {
        "kind": _encode(kind, n),
        "unit": _encode(unit, n),
        "service_area": _encode(service_area, n),
    }


def _group_values(rows: Sequence[Any]) -> dict[str, list[str | None]]:
    """The grouping columns of row objects, as keyword arguments of ``from_columns``."""
    return {name: [getattr(row, name) for row in rows] for name in get_args(GroupBy)}


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


def _hundredths(cents: int) -> Decimal:
    """An integer count of hundredths (cents, or hundredths of an hour) as a Decimal."""
    return Decimal(cents).scaleb(-2)
