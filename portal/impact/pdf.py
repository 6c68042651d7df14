"""The board-meeting report of a period as a PDF (fpdf2), for minutes and attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import pgettext

if TYPE_CHECKING:
    from fpdf import FPDF

from portal.core.i18n import _format_date, number, percent
from portal.impact.reports import DIMENSIONS, ImpactReport

# The built-in PDF fonts cover Latin-1 only: map the few other characters the locale
# formatting produces, so that no text is lost and no font file has to be shipped.
_REPLACEMENTS = {"\u2013": "-", "\u2014": "-", "\u202f": " ", "\u2212": "-", "\u20ac": "EUR"}


def _latin1(text: object) -> str:
    value = str(text)
    for character, replacement in _REPLACEMENTS.items():
        value = value.replace(character, replacement)
    return value.encode("latin-1", "replace").decode("latin-1")


def _days(value: float | None) -> str:
    return "-" if value is None else number(value, 0)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
    pdf.set_font("Helvetica", size=9)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5) as table:
        heading = table.row()
        for cell in header:
            heading.cell(_latin1(cell))
        for values in rows:
            row = table.row()
            for cell in values:
                row.cell(_latin1(cell))
    pdf.ln(4)


def report_pdf(
    report: ImpactReport, *, scope: str, unit_names: dict[str | None, str], labels: dict[str, Any]
) -> bytes:
    """Render the period summary (key figures, trend, kinds, representativeness) as PDF."""
    period = report.criteria.period
    # fpdf2 takes a second to import; only PDF downloads need it.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(_("Participation and its impact")))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 8, _latin1(_("Participation and its impact")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(
        0,
        6,
        _latin1(
            _(
                "%(start)s - %(end)s, %(scope)s",
                start=_format_date(period.start),
                end=_format_date(period.end),
                scope=scope,
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    r, s, o = report.reach, report.responsiveness, report.outcomes
    key_rows = [
        [_("Activities"), number(r.activities)],
        [_("Participations"), number(r.participations)],
        [_("Participants"), number(r.participants)],
        [_("New participants"), number(r.new_participants)],
        [_("Participation hours"), number(r.hours)],
        [_("Outputs"), number(s.outputs)],
        [_("Outputs with a response"), percent(s.response_share)],
        [_("Median days to a response"), _days(s.median_days_to_response)],
        [_("Accepted fully or partly"), number(s.accepted + s.partly)],
        [_("Overdue outputs"), number(s.overdue)],
        [_("Accepted outputs implemented"), percent(o.implemented_share)],
        [_("Median days to implementation"), _days(o.median_days_to_implementation)],
    ]
    if report.has_costs:
        key_rows.append([_("Cost per participant-hour"), str(report.cost.per_participant_hour)])
    _table(pdf, [_("Key figure"), _("Value")], key_rows, (120, 60))

    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 8, _latin1(_("Trend")), new_x="LMARGIN", new_y="NEXT")
    trend_rows = [
        [
            rp.bucket.label,
            number(rp.value.participations),
            number(rp.value.participants),
            number(sp.value.outputs),
            percent(sp.value.response_share),
        ]
        for rp, sp in zip(report.reach_trend, report.responsiveness_trend, strict=True)
    ]
    _table(
        pdf,
        [_("Period"), _("Participations"), _("Participants"), _("Outputs"), _("Responded")],
        trend_rows,
        (40, 35, 35, 35, 35),
    )

    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 8, _latin1(_("By kind of activity")), new_x="LMARGIN", new_y="NEXT")
    kinds = labels["kind_labels"]
    responses = {g.key: g.value for g in report.responsiveness_by_kind}
    kind_rows = []
    for group in report.reach_by_kind:
        answered = responses.get(group.key)
        kind_rows.append(
            [
                str(kinds.get(group.key, group.key or "-")),
                number(group.value.participants),
                number(group.value.hours),
                number(answered.outputs if answered else 0),
                percent(answered.response_share if answered else None),
            ]
        )
    _table(
        pdf,
        [pgettext("activity", "Kind"), _("Participants"), _("Hours"), _("Outputs"), _("Responded")],
        kind_rows,
        (60, 30, 30, 30, 30),
    )

    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 8, _latin1(_("Representativeness")), new_x="LMARGIN", new_y="NEXT")
    dims = labels["dimension_labels"]
    rep_rows = [
        [
            str(dims[d]),
            percent(report.representativeness[d].index),
            number(report.representativeness[d].unknown),
        ]
        for d in DIMENSIONS
    ]
    _table(pdf, [_("Dimension"), _("Index"), _("Unknown")], rep_rows, (80, 50, 50))
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(
        0,
        4,
        _latin1(
            _(
                "The index is 100 % when participants mirror the county's population and 0 % "
                "when they have nothing in common (1 minus the dissimilarity index)."
            )
        ),
    )
    del unit_names  # the PDF names no units beyond the scope line
    return bytes(pdf.output())
