"""Outputs: responsiveness (answered, how fast, which) and outcomes (implemented)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from portal.impact.metrics.periods import (
    _ACCEPTED,
    _ALIASES,
    _DONE,
    _IN_PROGRESS,
    _NAT,
    _NONE,
    _NOT_ACCEPTED,
    _NOT_APPLICABLE,
    _PARTLY,
    _PLANNED,
    _UNDER_CONSIDERATION,
    IMPLEMENTATION_STATUSES,
    RESPONSES,
    BoolArray,
    Granularity,
    Group,
    GroupBy,
    IntArray,
    Period,
    TrendPoint,
    _bucket_index,
    _day,
    _encode_groups,
    _group_medians,
    _group_values,
    _ratio,
    buckets,
)
from portal.impact.metrics.reach import _in_period


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
            groups=_encode_groups(n, kind, unit, service_area),
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
            **_group_values(rows),
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


def _selected(
    outputs: OutputsLike, period: Period, as_of: date | None
) -> tuple[Outputs, date, BoolArray]:
    """The outputs, the day they are judged on (default: the period's last) and those counted."""
    data = _outputs(outputs)
    as_of = period.end if as_of is None else as_of
    return data, as_of, _output_mask(data, period, as_of)


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
    data, as_of, mask = _selected(outputs, period, as_of)
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
    data, as_of, mask = _selected(outputs, period, as_of)
    codes, labels = data.groups[by]
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
    data, as_of, mask = _selected(outputs, period, as_of)
    parts = buckets(period, granularity)
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
    data, as_of, mask = _selected(outputs, period, as_of)
    return _outcomes_groups(data, mask, np.zeros(len(data), dtype=np.int64), 1, as_of)[0]


def outcomes_by(
    outputs: OutputsLike, period: Period, by: GroupBy, *, as_of: date | None = None
) -> tuple[Group[Outcomes], ...]:
    """Return :func:`outcomes` per activity kind, unit or service area."""
    data, as_of, mask = _selected(outputs, period, as_of)
    codes, labels = data.groups[by]
    values = _outcomes_groups(data, mask, codes, len(labels), as_of)
    return tuple(Group(label, value) for label, value in zip(labels, values, strict=True))


def outcomes_trend(
    outputs: OutputsLike, period: Period, granularity: Granularity, *, as_of: date | None = None
) -> tuple[TrendPoint[Outcomes], ...]:
    """Return :func:`outcomes` per month or quarter of production, judged on one ``as_of``."""
    data, as_of, mask = _selected(outputs, period, as_of)
    parts = buckets(period, granularity)
    index = np.where(mask, _bucket_index(data.produced, parts), 0)
    values = _outcomes_groups(data, mask, index, len(parts), as_of)
    return tuple(TrendPoint(b, v) for b, v in zip(parts, values, strict=True))
