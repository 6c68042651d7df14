"""Costs: fees and travel per activity and per participant-hour."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from portal.impact.metrics.periods import (
    _CENT,
    BoolArray,
    Granularity,
    IntArray,
    Period,
    TrendPoint,
    _bucket_index,
    _hundredths,
    buckets,
)
from portal.impact.metrics.reach import (
    Participations,
    ParticipationsLike,
    _in_period,
    _participations,
)


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
