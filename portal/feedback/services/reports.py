"""Report figures: NPS, statements, trends and unit comparisons from aggregated queries.

Every figure comes from a fixed number of ``GROUP BY`` queries whatever the number of
answers; the database counts and NumPy folds months into quarters and years. A cell with
fewer than 5 answers is suppressed (figures ``None``), one with fewer than 30 indicative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Select, case, func, select

from portal.accounts.models import OrgUnit
from portal.core.service_filters import where_equal
from portal.extensions import db
from portal.feedback.models import (
    Answer,
    Channel,
    FigureCell,
    FollowUpCase,
    Question,
    Questionnaire,
    StatementAnswer,
    StatementCell,
)
from portal.feedback.nps import (
    PASSIVE_MIN,
    PROMOTER_MIN,
    SUPPRESS_BELOW,
    NpsResult,
    nps_from_counts,
    reliability,
)
from portal.feedback.services._common import month_key

_Answer = Answer

DIMENSIONS = ("unit", "area", "channel", "language", "questionnaire", "month", "quarter", "year")
SORT_KEYS = ("name", "n", "mean", "nps")


@dataclass(frozen=True)
class ReportFilter:
    """Which answers a report counts; months are ``yyyymm`` and inclusive."""

    start_month: int | None = None
    end_month: int | None = None
    unit_id: int | None = None
    area_id: int | None = None
    channel: str = ""
    language: str = ""
    questionnaire_id: int | None = None
    participation: bool = False  # participation-experience answers instead of customer ones

    @classmethod
    def for_period(cls, start: date, end: date, **values: Any) -> ReportFilter:
        return cls(start_month=month_key(start), end_month=month_key(end), **values)


# Filter fields that pick one value of a column: (filter field, column).
_EQUAL_FILTERS = (
    ("unit_id", "org_unit_id"),
    ("area_id", "service_area_id"),
    ("channel", "channel"),
    ("language", "language"),
    ("questionnaire_id", "questionnaire_id"),
)


def _where(query: Select, filters: ReportFilter, table: Any = None) -> Select:
    """Apply ``filters`` to ``table`` (answers, or the pre-counted cells: same columns)."""
    Answer = table if table is not None else _Answer
    if filters.participation:
        query = query.where(Answer.channel == Channel.SURVEY)
    else:
        query = query.where(Answer.channel != Channel.SURVEY)
    if filters.start_month:
        query = query.where(Answer.period_month >= filters.start_month)
    if filters.end_month:
        query = query.where(Answer.period_month <= filters.end_month)
    return where_equal(query, filters, Answer, _EQUAL_FILTERS)


def _band_sums() -> tuple[Any, Any, Any]:
    return (
        func.sum(case((Answer.score >= PROMOTER_MIN, 1), else_=0)),
        func.sum(case(((Answer.score >= PASSIVE_MIN) & (Answer.score < PROMOTER_MIN), 1), else_=0)),
        func.sum(case((Answer.score < PASSIVE_MIN, 1), else_=0)),
    )


_COLUMNS = {
    "unit": "org_unit_id",
    "area": "service_area_id",
    "channel": "channel",
    "language": "language",
    "questionnaire": "questionnaire_id",
    "month": "period_month",
    "quarter": "period_month",
    "year": "period_month",
}
_CELL_SUMS = (
    func.sum(FigureCell.promoters),
    func.sum(FigureCell.passives),
    func.sum(FigureCell.detractors),
)


def _fold_periods(keys: np.ndarray, dimension: str) -> np.ndarray:
    if dimension == "year":
        return keys // 100
    if dimension == "quarter":
        return (keys // 100) * 10 + (keys % 100 - 1) // 3 + 1
    return keys


@dataclass(frozen=True)
class NpsRow:
    key: Any
    label: str
    result: NpsResult

    @property
    def suppressed(self) -> bool:
        return self.result.suppressed


def _nps_counts(dimension: str, filters: ReportFilter) -> tuple[list[Any], np.ndarray]:
    """Keys and a (k, 3) array of promoters, passives, detractors per key: one query."""
    column = getattr(FigureCell, _COLUMNS[dimension])
    rows = db.session.execute(
        _where(select(column, *_CELL_SUMS), filters, FigureCell).group_by(column)
    ).all()
    if not rows:
        return [], np.zeros((0, 3), dtype=np.int64)
    counts = np.array([[r[1] or 0, r[2] or 0, r[3] or 0] for r in rows], dtype=np.int64)
    keys = [r[0] for r in rows]
    if dimension in ("quarter", "year"):
        folded = _fold_periods(np.array(keys, dtype=np.int64), dimension)
        uniques, inverse = np.unique(folded, return_inverse=True)
        summed = np.zeros((len(uniques), 3), dtype=np.int64)
        np.add.at(summed, inverse, counts)
        return [int(k) for k in uniques], summed
    return keys, counts


def period_label(key: int, dimension: str) -> str:
    if dimension == "year":
        return str(key)
    if dimension == "quarter":
        return f"{key // 10} Q{key % 10}"
    return f"{key // 100}-{key % 100:02d}"


def _labels(dimension: str, keys: Sequence[Any], locale: str) -> dict[Any, str]:
    if dimension in ("unit", "area"):
        ids = [k for k in keys if k is not None]
        units = db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids))) if ids else []
        return {u.id: u.name(locale) for u in units}
    if dimension == "questionnaire":
        ids = [k for k in keys if k is not None]
        found = (
            db.session.scalars(select(Questionnaire).where(Questionnaire.id.in_(ids)))
            if ids
            else []
        )
        return {q.id: f"{q.title(locale)} v{q.version}" for q in found}
    if dimension in ("month", "quarter", "year"):
        return {k: period_label(int(k), dimension) for k in keys}
    return {k: str(k) for k in keys}


def nps_rows(dimension: str, filters: ReportFilter, *, locale: str = "fi") -> list[NpsRow]:
    """NPS per value of ``dimension`` (see :data:`DIMENSIONS`), in key order."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    keys, counts = _nps_counts(dimension, filters)
    labels = _labels(dimension, keys, locale)
    return [
        NpsRow(key, labels.get(key, str(key)), nps_from_counts(int(p), int(q), int(d)))
        for key, (p, q, d) in zip(keys, counts, strict=True)
    ]


def overall_nps(filters: ReportFilter) -> NpsResult:
    row = db.session.execute(_where(select(*_CELL_SUMS), filters, FigureCell)).one()
    return nps_from_counts(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


@dataclass(frozen=True)
class StatementRow:
    code: str
    text: str
    n: int  # answers with a 1-5 value
    cant_say: int
    distribution: tuple[int, ...]  # counts of 1..5
    mean: float | None  # None when suppressed
    reliability: str

    @property
    def suppressed(self) -> bool:
        return self.reliability == "suppressed"

    def shares(self) -> list[float]:
        return [c / self.n if self.n else 0.0 for c in self.distribution]


def statement_rows(filters: ReportFilter, *, locale: str = "fi") -> list[StatementRow]:
    """Mean and distribution of each statement (by its stable code): one query."""
    cells = [getattr(StatementCell, f"v{value}") for value in range(6)]
    rows = db.session.execute(
        _where(
            select(StatementCell.question_code, *(func.sum(c) for c in cells)),
            filters,
            StatementCell,
        ).group_by(StatementCell.question_code)
    ).all()
    if not rows:
        return []
    codes = [r[0] for r in rows]
    matrix = np.array([[int(v or 0) for v in r[1:]] for r in rows], dtype=np.int64)
    texts = dict(
        db.session.execute(
            select(
                Question.code,
                Question.text_fi
                if locale == "fi"
                else (Question.text_sv if locale == "sv" else Question.text_en),
            )
            .where(Question.code.in_(codes))
            .order_by(Question.id)
        ).all()
    )
    scale = np.arange(1, 6)
    answered = matrix[:, 1:].sum(axis=1)
    means = np.divide(
        (matrix[:, 1:] * scale).sum(axis=1), answered, out=np.zeros(len(codes)), where=answered > 0
    )
    order = {code: position for position, code in enumerate(_statement_order())}
    result = []
    for i, code in enumerate(codes):
        n = int(answered[i])
        klass = reliability(n)
        result.append(
            StatementRow(
                code=code,
                text=texts.get(code) or code,
                n=n,
                cant_say=int(matrix[i, 0]),
                distribution=tuple(int(c) for c in matrix[i, 1:]) if klass != "suppressed" else (),
                mean=float(means[i]) if klass != "suppressed" else None,
                reliability=klass,
            )
        )
    return sorted(result, key=lambda row: (order.get(row.code, 99), row.code))


def _statement_order() -> list[str]:
    from portal.feedback.questionnaire_seed import FULL, PARTICIPATION

    return [q.code for q in (*FULL, *PARTICIPATION)]


@dataclass
class ComparisonRow:
    unit_id: int
    name: str
    n: int
    nps: int | None
    ci95: tuple[float, float] | None
    mean: float | None
    reliability: str
    extra: dict[str, Any] = field(default_factory=dict)


def unit_comparison(
    filters: ReportFilter,
    *,
    sort: str = "name",
    descending: bool = False,
    locale: str = "fi",
    dimension: str = "unit",
) -> list[ComparisonRow]:
    """Units (or service areas) side by side: answers, NPS and statement mean; two queries
    plus one for names. Suppressed figures sort last whatever the direction."""
    column = getattr(StatementCell, _COLUMNS[dimension])
    nps = {row.key: row for row in nps_rows(dimension, filters, locale=locale)}
    weighted = sum(value * getattr(StatementCell, f"v{value}") for value in range(1, 6))
    answered = sum(getattr(StatementCell, f"v{value}") for value in range(1, 6))
    means = {
        key: (int(total or 0), int(count or 0))
        for key, total, count in db.session.execute(
            _where(
                select(column, func.sum(weighted), func.sum(answered)), filters, StatementCell
            ).group_by(column)
        ).all()
    }
    rows = []
    for key, row in nps.items():
        if key is None:
            continue
        result = row.result
        total, count = means.get(key, (0, 0))
        hidden = result.suppressed
        rows.append(
            ComparisonRow(
                unit_id=key,
                name=row.label,
                n=result.n,
                nps=None if hidden else result.nps,
                ci95=None if hidden else result.ci95,
                mean=None
                if hidden or not count or count < SUPPRESS_BELOW
                else float(total) / count,
                reliability=result.reliability,
            )
        )
    if sort not in SORT_KEYS:
        sort = "name"
    if sort == "name":
        rows.sort(key=lambda r: r.name.lower(), reverse=descending)
    else:
        present = [r for r in rows if getattr(r, sort) is not None]
        missing = [r for r in rows if getattr(r, sort) is None]
        present.sort(key=lambda r: (getattr(r, sort), r.name.lower()), reverse=descending)
        rows = present + sorted(missing, key=lambda r: r.name.lower())
    return rows


def theme_counts(filters: ReportFilter, theme_codes: Sequence[str]) -> dict[str, int]:
    """Answers per theme (a person's correction wins over the suggestion): one query."""
    if not theme_codes:
        return {}
    effective = func.coalesce(Answer.themes, Answer.themes_suggested)
    padded = (
        func.concat(",", effective, ",")
        if db.engine.dialect.name == "postgresql"
        else ("," + effective + ",")
    )
    sums = [func.sum(case((padded.like(f"%,{code},%"), 1), else_=0)) for code in theme_codes]
    row = db.session.execute(
        _where(select(*sums), filters).where(Answer.tone_suggested.is_not(None))
    ).one()
    counts = {code: int(value or 0) for code, value in zip(theme_codes, row, strict=True)}
    return {code: n for code, n in counts.items() if n >= SUPPRESS_BELOW}


def tone_counts(filters: ReportFilter) -> dict[str, int]:
    effective = func.coalesce(Answer.tone, Answer.tone_suggested)
    rows = db.session.execute(
        _where(select(effective, func.count(Answer.id)), filters)
        .where(Answer.tone_suggested.is_not(None))
        .group_by(effective)
    ).all()
    return {tone: int(n) for tone, n in rows if n >= SUPPRESS_BELOW}


@dataclass(frozen=True)
class FollowUpFigures:
    cases: int
    closed: int
    in_time: int
    overdue_open: int

    @property
    def in_time_share(self) -> float | None:
        return self.in_time / self.cases if self.cases >= SUPPRESS_BELOW else None


def follow_up_figures(filters: ReportFilter, *, today: date) -> FollowUpFigures:
    """Contact requests of the answers ``filters`` counts (the same units, areas, channels,
    languages and months as the rest of the report): how many were contacted by their due
    date, in one query."""
    query = (
        select(
            func.count(FollowUpCase.id),
            func.sum(case((FollowUpCase.closed_at.is_not(None), 1), else_=0)),
            func.sum(case((FollowUpCase.contacted_on <= FollowUpCase.due_on, 1), else_=0)),
            func.sum(
                case(
                    ((FollowUpCase.closed_at.is_(None)) & (FollowUpCase.due_on < today), 1),
                    else_=0,
                )
            ),
        )
        .select_from(FollowUpCase)
        .join(_Answer, _Answer.id == FollowUpCase.answer_id)
    )
    row = db.session.execute(_where(query, filters)).one()
    return FollowUpFigures(*(int(v or 0) for v in row))


def participation_by_kind(filters: ReportFilter) -> list[dict[str, Any]]:
    """Participation experience per activity kind: would take part again (NPS) and the
    statements' means, from two grouped queries."""
    from portal.impact.models import Activity

    base = ReportFilter(**{**filters.__dict__, "participation": True})
    rows = db.session.execute(
        _where(
            select(Activity.kind, *_band_sums()).join(Activity, Activity.id == Answer.activity_id),
            base,
        )
        .where(Answer.score.is_not(None))
        .group_by(Activity.kind)
    ).all()
    statements = db.session.execute(
        _where(
            select(
                Activity.kind,
                Question.code,
                func.sum(StatementAnswer.value),
                func.count(StatementAnswer.id),
            )
            .join(Answer, Answer.id == StatementAnswer.answer_id)
            .join(Activity, Activity.id == Answer.activity_id)
            .join(Question, Question.id == StatementAnswer.question_id),
            base,
        )
        .where(StatementAnswer.value > 0)
        .group_by(Activity.kind, Question.code)
    ).all()
    means: dict[str, dict[str, float | None]] = {}
    for kind, code, total, count in statements:
        means.setdefault(kind, {})[code] = float(total) / count if count >= SUPPRESS_BELOW else None
    result = []
    for kind, p, q, d in rows:
        figures = nps_from_counts(int(p or 0), int(q or 0), int(d or 0))
        result.append(
            {
                "kind": kind,
                "result": figures,
                "means": {} if figures.suppressed else means.get(kind, {}),
            }
        )
    return result


def experience_summary(start: date, end: date, unit: OrgUnit | None = None) -> dict[str, Any]:
    """Customer experience of a period for the impact dashboard (whole county or a unit)."""
    filters = ReportFilter.for_period(start, end, unit_id=unit.id if unit else None)
    overall = overall_nps(filters)
    return {
        "nps": overall,
        "by_channel": [row for row in nps_rows("channel", filters)],
        "statements": statement_rows(filters),
        "follow_up": follow_up_figures(filters, today=date.today()),
        "participation": participation_by_kind(filters),
    }
