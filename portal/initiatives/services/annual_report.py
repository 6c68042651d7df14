"""The annual report of initiatives for the regional council."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import or_, select

from portal.core.csv_export import csv_text
from portal.extensions import db
from portal.initiatives.models import (
    PUBLIC_STATES,
    Initiative,
)
from portal.initiatives.services.reading import support_counts


@dataclass(frozen=True)
class ReportRow:
    """One initiative of the annual report with its support count."""

    initiative: Initiative
    supports: int


def annual_report(year: int) -> list[ReportRow]:
    """Initiatives published, submitted or decided in ``year``, for the regional council."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    start_at = datetime.combine(start, time.min, tzinfo=UTC)
    end_at = datetime.combine(end, time.max, tzinfo=UTC)
    initiatives = db.all(
        select(Initiative)
        .where(
            Initiative.state.in_([str(s) for s in PUBLIC_STATES]),
            or_(
                Initiative.published_at.between(start_at, end_at),
                Initiative.submitted_on.between(start, end),
                Initiative.decided_on.between(start, end),
            ),
        )
        .order_by(Initiative.published_at, Initiative.id)
    )
    counts = support_counts(i.id for i in initiatives)
    return [
        ReportRow(
            initiative=i,
            supports=i.support_count_at_submission
            if i.support_count_at_submission is not None
            else counts[i.id],
        )
        for i in initiatives
    ]


ANNUAL_REPORT_COLUMNS = (
    "id",
    "title",
    "state",
    "published_on",
    "supports",
    "threshold",
    "submitted_on",
    "due_on",
    "assigned_to",
    "decision",
    "decided_on",
    "measures",
    "minutes_link",
)


def annual_report_csv(
    rows: list[ReportRow], *, state_labels: dict[str, str], decision_labels: dict[str, str]
) -> str:
    """The annual report as CSV; states and decisions by their labels in the caller's language."""
    return csv_text(
        ANNUAL_REPORT_COLUMNS,
        (
            [
                i.id,
                i.title,
                state_labels.get(i.state, i.state),
                i.published_at.date().isoformat() if i.published_at else "",
                row.supports,
                i.threshold_at_submission if i.threshold_at_submission is not None else "",
                i.submitted_on.isoformat() if i.submitted_on else "",
                i.due_on.isoformat() if i.due_on else "",
                i.assigned_to,
                decision_labels.get(i.decision or "", ""),
                i.decided_on.isoformat() if i.decided_on else "",
                i.measures,
                i.minutes_link,
            ]
            for row in rows
            for i in (row.initiative,)
        ),
    )
