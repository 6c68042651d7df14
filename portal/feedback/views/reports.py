"""Report pages for decision makers and unit managers; sorting by query parameters."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request
from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.csv_export import csv_response, csv_text
from portal.core.i18n import current_locale
from portal.core.permissions import permission_required
from portal.extensions import db
from portal.feedback import labels, services
from portal.feedback.services import ReportFilter
from portal.feedback.views.blueprint import bp


def _month(value: str | None) -> int | None:
    """``2026-03`` → 202603; anything else → None."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
    except ValueError:
        return None
    return year * 100 + month if 2000 <= year <= 2100 and 1 <= month <= 12 else None


def _filters() -> ReportFilter:
    args = request.args
    return ReportFilter(
        start_month=_month(args.get("start")),
        end_month=_month(args.get("end")),
        unit_id=args.get("unit", type=int),
        area_id=args.get("area", type=int),
        channel=args.get("channel", "") if args.get("channel") in labels.channel_labels() else "",
        language=args.get("language", "") if args.get("language") in services.LANGUAGES else "",
        questionnaire_id=args.get("questionnaire", type=int),
    )


@bp.route("/reports")
@permission_required("feedback.report")
def report() -> Any:
    args = request.args
    dimension = args.get("by", "unit")
    if dimension not in services.DIMENSIONS:
        dimension = "unit"
    sort = args.get("sort", "name")
    descending = args.get("dir") == "desc"
    filters = _filters()
    locale = current_locale()
    comparison = (
        services.unit_comparison(
            filters, sort=sort, descending=descending, locale=locale, dimension=dimension
        )
        if dimension in ("unit", "area")
        else None
    )
    areas = list(
        db.session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgUnitKind.SERVICE_AREA)
            .order_by(OrgUnit.name_fi)
        )
    )
    names = services.theme_names(locale)
    today = date.today()
    return render_template(
        "feedback/report.html",
        dimension=dimension,
        sort=sort,
        descending=descending,
        overall=services.overall_nps(filters),
        rows=services.nps_rows(dimension, filters, locale=locale),
        comparison=comparison,
        statements=services.statement_rows(filters, locale=locale),
        themes=sorted(
            ((names[c], n) for c, n in services.theme_counts(filters, list(names)).items()),
            key=lambda item: -item[1],
        ),
        tones=services.tone_counts(filters),
        follow_up=services.follow_up_figures(filters, today=today),
        dimension_labels=labels.dimension_labels(),
        channel_labels=labels.channel_labels(),
        language_names=labels.language_names(),
        tone_labels=labels.tone_labels(),
        areas=areas,
        args=args.to_dict(),
    )


@bp.route("/reports/export.csv")
@permission_required("feedback.report")
def export_report() -> Any:
    dimension = request.args.get("by", "unit")
    if dimension not in services.DIMENSIONS:
        dimension = "unit"
    rows = services.nps_rows(dimension, _filters(), locale=current_locale())
    body = [
        [row.label, row.result.n]
        + (
            ["", "", "", "", "", ""]
            if row.suppressed
            else [
                row.result.promoters,
                row.result.passives,
                row.result.detractors,
                row.result.nps,
                f"{row.result.ci95[0]:.1f}",
                f"{row.result.ci95[1]:.1f}",
            ]
        )
        for row in rows
    ]
    header = [dimension, "n", "promoters", "passives", "detractors", "nps", "ci95_low", "ci95_high"]
    return csv_response(csv_text(header, body), f"feedback-nps-{dimension}.csv")
