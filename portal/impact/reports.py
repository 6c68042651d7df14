"""The query layer of the impact reports: a few aggregated queries into NumPy columns.

Every report is computed from at most four queries, whatever the period: participations
(with each person's first participation ever and coarse demographics), outputs with
their responses, the ids of the activities in scope (only when costs exist) and the
organisation units for names. Rows are read as plain tuples, never as ORM objects, and
turned into :mod:`portal.impact.metrics` columns once; the metric functions do the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Integer, Select, and_, cast, func, select, type_coerce

from portal.accounts.models import OrgUnit, OrgUnitKind, User
from portal.core.models import Municipality
from portal.core.population import AGE_BANDS, age_band, reference_shares
from portal.extensions import db
from portal.impact.costs import cost_rows
from portal.impact.metrics import (
    Cost,
    Costs,
    Granularity,
    Group,
    Outcomes,
    Outputs,
    Participations,
    Period,
    Reach,
    Representativeness,
    Responsiveness,
    TrendPoint,
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
from portal.impact.models import Activity, Attendance, Output, Participation, Response

DIMENSIONS = ("age_band", "gender", "municipality", "language")


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: a period and optionally one unit, service area, kind or activity."""

    period: Period
    unit_id: int | None = None
    service_area_id: int | None = None
    kind: str | None = None
    activity_id: int | None = None
    granularity: Granularity = "month"

    def activity_conditions(self) -> list[Any]:
        conditions: list[Any] = []
        if self.unit_id is not None:
            conditions.append(Activity.org_unit_id == self.unit_id)
        if self.service_area_id is not None:
            conditions.append(Activity.service_area_id == self.service_area_id)
        if self.kind:
            conditions.append(Activity.kind == self.kind)
        if self.activity_id is not None:
            conditions.append(Activity.id == self.activity_id)
        return conditions


def default_period(today: date) -> Period:
    """The last twelve whole months plus the current one, so a trend has a year to show."""
    start = date(today.year - 1, today.month, 1)
    return Period(start, today)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


# What NumPy stores for a missing datetime64 day.
_NAT = np.iinfo(np.int64).min


def _epoch_days(column: Any, dialect: str) -> Any:
    """Days since 1970-01-01 computed by the database, so no row goes through ``date``.

    Converting 50,000 dates to Python objects and back costs more than the whole rest of
    a report; an integer column goes straight into NumPy.
    """
    if dialect == "sqlite":
        return cast(func.julianday(column) - 2440587.5, Integer)
    return cast(func.floor(func.extract("epoch", column) / 86400), Integer)


def _int_column(values: Sequence[int | None]) -> np.ndarray:
    """Integers with None as NumPy's missing day (NaT once viewed as datetime64)."""
    return np.fromiter(
        (_NAT if v is None else v for v in values), dtype=np.int64, count=len(values)
    )


def _labels(values: Sequence[int | None]) -> list[str | None]:
    return [None if v is None else str(v) for v in values]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@dataclass(frozen=True)
class ParticipationData:
    """Participations in the period as metric columns, plus each person's demographics.

    ``birth_year``, ``gender``, ``municipality`` and ``language`` are indexed by the
    person code of ``participations`` (one entry per distinct person).
    """

    participations: Participations
    kind: np.ndarray  # per row, object array
    birth_year: list[int | None]
    gender: list[str | None]
    municipality: list[str | None]
    language: list[str | None]


def _participation_query(criteria: ReportFilter, dialect: str) -> Select[Any]:
    period = criteria.period
    query = select(
        Participation.activity_id,
        Participation.user_id,
        _epoch_days(Participation.occurred_on, dialect),
        # Hours are stored as hundredths; reading the integer skips a Decimal per row.
        type_coerce(Participation.hours, Integer),
        cast(Participation.attendance != Attendance.ABSENT, Integer),
    ).where(Participation.occurred_on >= period.start, Participation.occurred_on <= period.end)
    conditions = criteria.activity_conditions()
    if conditions:
        query = query.where(
            Participation.activity_id.in_(select(Activity.id).where(and_(*conditions)))
        )
    return query


def _people_query(dialect: str) -> Select[Any]:
    """Everyone who ever attended: their first attended day and coarse demographics.

    Read for all participants rather than those of the period, so that "new" means new
    to participation anywhere; it is one row per person, far fewer than participations.
    """
    first = (
        select(
            Participation.user_id.label("user_id"),
            func.min(Participation.occurred_on).label("first_on"),
        )
        .where(Participation.attendance != Attendance.ABSENT)
        .group_by(Participation.user_id)
        .subquery("first_participation")
    )
    return (
        select(
            first.c.user_id,
            _epoch_days(first.c.first_on, dialect),
            User.birth_year,
            User.gender,
            Municipality.slug,
            User.language,
        )
        .join(User, User.id == first.c.user_id)
        .outerjoin(Municipality, Municipality.id == User.municipality_id)
        .order_by(first.c.user_id)
    )


def _int_rows(statement: Select[Any], width: int) -> np.ndarray:
    """An all-integer result as a 2-D array (columns in the second axis), built in C."""
    result = db.session.connection().execute(statement)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


def _rows(statement: Select[Any], width: int) -> Sequence[Sequence[Any]]:
    """The statement's result as columns.

    Every selected column is an integer or a string the driver returns as is, so the
    rows are read straight from the DBAPI cursor: building a SQLAlchemy ``Row`` for each
    of 50,000 participations would cost more than all the metrics together.
    """
    result = db.session.connection().execute(statement)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return list(zip(*rows, strict=True)) if rows else [()] * width


def _positions(ids: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``keys`` is in the sorted ``ids``, and whether it is there at all."""
    if not ids.size:
        return np.zeros(keys.size, dtype=np.int64), np.zeros(keys.size, dtype=np.bool_)
    positions = np.minimum(np.searchsorted(ids, keys), ids.size - 1)
    return positions, ids[positions] == keys


def load_participations(criteria: ReportFilter) -> ParticipationData:
    """Participations of the filter's activities in its period, in three small queries.

    The participation rows carry only integers; activities (kind, unit, area) and people
    (first participation, demographics) are read once each and joined in NumPy.
    """
    dialect = _dialect()
    matrix = _int_rows(_participation_query(criteria, dialect), 5)
    activity_id, user_id, day, centihours, attended = matrix.T
    activity_rows = _rows(
        select(Activity.id, Activity.kind, Activity.org_unit_id, Activity.service_area_id)
        .where(*criteria.activity_conditions())
        .order_by(Activity.id),
        4,
    )
    people = _rows(_people_query(dialect), 6)
    activity = np.asarray(activity_id, dtype=np.int64)
    person = np.asarray(user_id, dtype=np.int64)

    # Every participation's activity matches the filter, so each is found.
    at, _found = _positions(np.asarray(activity_rows[0], dtype=np.int64), activity)
    kinds = np.asarray(activity_rows[1], dtype=object)[at] if activity.size else []
    units = np.asarray(_labels(activity_rows[2]), dtype=object)[at] if activity.size else []
    areas = np.asarray(_labels(activity_rows[3]), dtype=object)[at] if activity.size else []
    person_ids = np.asarray(people[0], dtype=np.int64)
    who, known = _positions(person_ids, person)
    first = np.where(known, _int_column(people[1])[who] if person_ids.size else _NAT, _NAT)
    data = Participations.from_columns(
        activity_id=activity,
        person_id=person,
        participated_on=np.asarray(day, dtype=np.int64),
        hours=np.asarray(centihours, dtype=np.float64) / 100,
        attended=np.asarray(attended, dtype=np.bool_),
        kind=list(kinds),
        unit=list(units),
        service_area=list(areas),
        first_participated_on=first.astype(np.int64).view("datetime64[D]"),
    )
    # Demographics per person code of ``data``: codes follow the sorted ids.
    position, has = _positions(person_ids, np.unique(person))

    def per_person(column: Sequence[Any], convert: Any = None) -> list[Any]:
        values = []
        for found, index in zip(has.tolist(), position.tolist(), strict=True):
            value = column[index] if found else None
            values.append(convert(value) if convert else value)
        return values

    return ParticipationData(
        participations=data,
        kind=np.asarray(kinds, dtype=object),
        birth_year=per_person(people[2]),
        gender=per_person(people[3], lambda v: v or None),
        municipality=per_person(people[4]),
        language=per_person(people[5], _language_category),
    )


def load_outputs(criteria: ReportFilter) -> Outputs:
    """Outputs produced in the period with their responses, in one query."""
    period = criteria.period
    dialect = _dialect()
    query = (
        select(
            _epoch_days(Output.created_at, dialect),
            Response.decision,
            _epoch_days(Response.decided_on, dialect),
            Response.implementation_status,
            _epoch_days(Response.implemented_on, dialect),
            Activity.kind,
            Activity.org_unit_id,
            Activity.service_area_id,
        )
        .join(Activity, Activity.id == Output.activity_id)
        .outerjoin(Response, Response.output_id == Output.id)
        .where(
            Output.created_at >= _day_start(period.start),
            Output.created_at < _day_start(period.end + timedelta(days=1)),
            *criteria.activity_conditions(),
        )
    )
    produced, decision, decided, status, implemented, kind, unit, area = _rows(query, 8)
    return Outputs.from_columns(
        produced_on=np.asarray(produced, dtype=np.int64).view("datetime64[D]"),
        response=list(decision),
        responded_on=_int_column(decided).view("datetime64[D]"),
        implementation=list(status),
        implemented_on=_int_column(implemented).view("datetime64[D]"),
        kind=list(kind),
        unit=_labels(unit),
        service_area=_labels(area),
    )


def load_costs(criteria: ReportFilter) -> tuple[Costs, bool]:
    """Cost rows of the filter's activities; the flag says whether any provider had data."""
    rows = cost_rows(criteria.period.start, criteria.period.end)
    if not rows:
        return Costs.from_rows([]), False
    conditions = criteria.activity_conditions()
    if conditions:
        ids = set(db.session.scalars(select(Activity.id).where(and_(*conditions))))
        rows = [r for r in rows if r.activity_id in ids]
    return Costs.from_rows(rows), True


# --- representativeness -------------------------------------------------------------------


def _language_category(value: str | None) -> str | None:
    if not value:
        return None
    return value if value in ("fi", "sv") else "other"


def _person_categories(
    data: ParticipationData, mask: np.ndarray, age_bands: list[str | None]
) -> dict[str, list[str | None]]:
    """One category per distinct attending person in ``mask``, per dimension."""
    parts = data.participations
    persons = np.unique(parts.person[mask & parts.attended])
    return {
        "age_band": [age_bands[p] for p in persons],
        "gender": [data.gender[p] for p in persons],
        "municipality": [data.municipality[p] for p in persons],
        "language": [data.language[p] for p in persons],
    }


def _in_period_mask(data: ParticipationData, period: Period) -> np.ndarray:
    days = data.participations.day
    start = (period.start - date(1970, 1, 1)).days
    end = (period.end - date(1970, 1, 1)).days
    return (days >= start) & (days <= end)


def _age_bands(data: ParticipationData, period: Period) -> list[str | None]:
    # Age on the last day of the period; one call per person, not per participation.
    return [age_band(year, period.end) for year in data.birth_year]


def representativeness_of(
    data: ParticipationData, period: Period, ages: list[str | None] | None = None
) -> dict[str, Representativeness]:
    """Participants of the period against the county population, per dimension.

    A person's age band is taken on the last day of the period.
    """
    ages = _age_bands(data, period) if ages is None else ages
    categories = _person_categories(data, _in_period_mask(data, period), ages)
    return {dim: representativeness(categories[dim], reference_shares(dim)) for dim in DIMENSIONS}


def representativeness_by_kind(
    data: ParticipationData, period: Period, ages: list[str | None] | None = None
) -> list[tuple[str, dict[str, float | None], int]]:
    """(kind, index per dimension, participants) for each activity kind in the data."""
    in_period = _in_period_mask(data, period)
    ages = _age_bands(data, period) if ages is None else ages
    result = []
    for kind in sorted(k for k in set(data.kind.tolist()) if k):
        categories = _person_categories(data, in_period & (data.kind == kind), ages)
        indexes = {
            dim: representativeness(categories[dim], reference_shares(dim)).index
            for dim in DIMENSIONS
        }
        result.append((kind, indexes, len(categories["gender"])))
    return result


# --- activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityReach:
    activity_id: int
    participations: int
    participants: int
    hours: Decimal


def top_activities(data: ParticipationData, period: Period, limit: int = 15) -> list[ActivityReach]:
    """The activities with the most attended participations in the period."""
    parts = data.participations
    mask = _in_period_mask(data, period) & parts.attended
    n = int(parts.activity_ids.size)
    if not n or not mask.any():
        return []
    activity = parts.activity[mask]
    counts = np.bincount(activity, minlength=n)
    width = max(parts.n_persons, 1)
    people = np.bincount(np.unique(activity * width + parts.person[mask]) // width, minlength=n)
    centihours = np.zeros(n, dtype=np.int64)
    np.add.at(centihours, activity, parts.centihours[mask])
    order = np.argsort(-counts, kind="stable")[:limit]
    return [
        ActivityReach(
            activity_id=int(parts.activity_ids[i]),
            participations=int(counts[i]),
            participants=int(people[i]),
            hours=Decimal(int(centihours[i])).scaleb(-2),
        )
        for i in order
        if counts[i] > 0
    ]


def activity_date_range(activity_id: int) -> tuple[date | None, date | None]:
    """The first and last day anyone took part in the activity (None when no one has)."""
    first, last = db.session.execute(
        select(func.min(Participation.occurred_on), func.max(Participation.occurred_on)).where(
            Participation.activity_id == activity_id
        )
    ).one()
    return first, last


def activity_titles(ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(select(Activity.id, Activity.title).where(Activity.id.in_(ids)))
    return {activity_id: title for activity_id, title in rows}


# --- the report -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactReport:
    """Every figure the dashboard, the CSV export, the board report and the e-mail show."""

    criteria: ReportFilter
    as_of: date
    overdue_after_days: int
    reach: Reach
    reach_by_kind: tuple[Group[Reach], ...]
    reach_by_unit: tuple[Group[Reach], ...]
    reach_by_area: tuple[Group[Reach], ...]
    reach_trend: tuple[TrendPoint[Reach], ...]
    representativeness: dict[str, Representativeness]
    representativeness_by_kind: list[tuple[str, dict[str, float | None], int]]
    responsiveness: Responsiveness
    responsiveness_by_kind: tuple[Group[Responsiveness], ...]
    responsiveness_by_unit: tuple[Group[Responsiveness], ...]
    responsiveness_by_area: tuple[Group[Responsiveness], ...]
    responsiveness_trend: tuple[TrendPoint[Responsiveness], ...]
    outcomes: Outcomes
    outcomes_by_kind: tuple[Group[Outcomes], ...]
    outcomes_trend: tuple[TrendPoint[Outcomes], ...]
    has_costs: bool
    cost: Cost
    cost_trend: tuple[TrendPoint[Cost], ...]
    cost_by_activity: dict[int, Any] = field(default_factory=dict)
    top_activities: list[ActivityReach] = field(default_factory=list)


def build_report(criteria: ReportFilter, *, today: date, overdue_after_days: int) -> ImpactReport:
    """Run the report queries for ``criteria`` and compute every metric.

    Responses and implementations are counted as they stand on ``as_of``: the end of the
    period, or today when the period is still running.
    """
    period = criteria.period
    as_of = min(period.end, today)
    data = load_participations(criteria)
    produced = load_outputs(criteria)
    money, has_costs = load_costs(criteria)
    parts = data.participations
    granularity = criteria.granularity
    ages = _age_bands(data, period)
    return ImpactReport(
        criteria=criteria,
        as_of=as_of,
        overdue_after_days=overdue_after_days,
        reach=reach(parts, period),
        reach_by_kind=reach_by(parts, period, "kind"),
        reach_by_unit=reach_by(parts, period, "unit"),
        reach_by_area=reach_by(parts, period, "service_area"),
        reach_trend=reach_trend(parts, period, granularity),
        representativeness=representativeness_of(data, period, ages),
        representativeness_by_kind=representativeness_by_kind(data, period, ages),
        responsiveness=responsiveness(
            produced, period, as_of=as_of, overdue_after_days=overdue_after_days
        ),
        responsiveness_by_kind=responsiveness_by(
            produced, period, "kind", as_of=as_of, overdue_after_days=overdue_after_days
        ),
        responsiveness_by_unit=responsiveness_by(
            produced, period, "unit", as_of=as_of, overdue_after_days=overdue_after_days
        ),
        responsiveness_by_area=responsiveness_by(
            produced, period, "service_area", as_of=as_of, overdue_after_days=overdue_after_days
        ),
        responsiveness_trend=responsiveness_trend(
            produced, period, granularity, as_of=as_of, overdue_after_days=overdue_after_days
        ),
        outcomes=outcomes(produced, period, as_of=as_of),
        outcomes_by_kind=outcomes_by(produced, period, "kind", as_of=as_of),
        outcomes_trend=outcomes_trend(produced, period, granularity, as_of=as_of),
        has_costs=has_costs,
        cost=cost(money, parts, period),
        cost_trend=cost_trend(money, parts, period, granularity),
        top_activities=top_activities(data, period),
        cost_by_activity=(
            {c.activity_id: c for c in cost_by_activity(money, parts, period)} if has_costs else {}
        ),
    )


# --- names for the filters and tables ---------------------------------------------------


@dataclass(frozen=True)
class UnitChoice:
    id: int
    kind: str
    name: str
    parent_id: int | None


def org_units(locale: str) -> list[UnitChoice]:
    """Service areas and units for filters and labels (one small query)."""
    rows = db.session.execute(
        select(
            OrgUnit.id,
            OrgUnit.kind,
            OrgUnit.name_fi,
            OrgUnit.name_sv,
            OrgUnit.name_en,
            OrgUnit.parent_id,
        ).where(OrgUnit.kind.in_([OrgUnitKind.SERVICE_AREA, OrgUnitKind.UNIT]))
    ).all()
    choices = []
    for unit_id, kind, name_fi, name_sv, name_en, parent_id in rows:
        name = {"sv": name_sv, "en": name_en}.get(locale) or name_fi
        choices.append(UnitChoice(unit_id, kind, name, parent_id))
    return sorted(choices, key=lambda c: c.name.lower())


def age_band_labels() -> list[str]:
    return [band.label for band in AGE_BANDS]


def municipality_names(locale: str) -> dict[str, str]:
    rows = db.session.execute(
        select(Municipality.slug, Municipality.name_fi, Municipality.name_sv)
    ).all()
    return {slug: (name_sv if locale == "sv" else name_fi) for slug, name_fi, name_sv in rows}
