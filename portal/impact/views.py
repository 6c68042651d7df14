"""Impact reports for decision makers, the response workflow and "you said, we did"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import OrgUnit
from portal.core import charts
from portal.core.csv_export import csv_response, csv_text
from portal.core.i18n import current_locale, number, percent
from portal.core.paging import paginate
from portal.core.permissions import permission_required, public, user_has_permission
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.impact.forms import OutputFilterForm, PublicSearchForm, ReportFilterForm, ResponseForm
from portal.impact.labels import (
    category_labels,
    decision_labels,
    dimension_labels,
    granularity_labels,
    kind_labels,
    output_kind_labels,
    status_labels,
)
from portal.impact.metrics import Period
from portal.impact.models import Activity, ImplementationStatus, Output
from portal.impact.pdf import report_pdf
from portal.impact.reports import (
    ImpactReport,
    ReportFilter,
    activity_date_range,
    activity_titles,
    build_report,
    default_period,
    municipality_names,
    org_units,
)
from portal.impact.services import (
    OutputFilter,
    ResponseError,
    actor_names,
    filtered_outputs_query,
    public_outputs_query,
    record_response,
    response_history,
)

bp = Blueprint("impact", __name__, url_prefix="/impact")

# A report longer than this is refused: ten years is more than any board asks for, and
# it bounds the work one request can cause.
MAX_REPORT_DAYS = 366 * 10


def _overdue_days() -> int:
    return int(current_app.config["PORTAL"].impact_response_days)


def _today() -> date:
    return datetime.now(UTC).date()


def label_context() -> dict[str, Any]:
    return {
        "kind_labels": kind_labels(),
        "output_kind_labels": output_kind_labels(),
        "decision_labels": decision_labels(),
        "status_labels": status_labels(),
        "dimension_labels": dimension_labels(),
        "category_labels": category_labels(),
        "granularity_labels": granularity_labels(),
    }


def _report_from_args() -> tuple[ReportFilterForm, ReportFilter | None, list[Any]]:
    units = org_units(current_locale())
    form = ReportFilterForm(request.args, meta={"csrf": False}, units=units)
    if not form.validate():
        return form, None, units
    today = _today()
    fallback = default_period(today)
    start = form.start.data or fallback.start
    end = form.end.data or (fallback.end if start <= fallback.end else start)
    if end < start or (end - start).days > MAX_REPORT_DAYS:
        form.end.errors = [_("Choose a period of at most ten years.")]
        return form, None, units
    criteria = ReportFilter(
        period=Period(start, end),
        unit_id=form.unit.data,
        service_area_id=form.area.data,
        kind=form.kind.data or None,
        granularity="quarter" if form.step.data == "quarter" else "month",
    )
    return form, criteria, units


def _exported_report() -> tuple[ReportFilterForm, ReportFilter, list[Any], ImpactReport]:
    """The report the query string asks for, to print or download: a filter that does not
    validate is a bad request (the links to these are made from a valid one)."""
    form, criteria, units = _report_from_args()
    if criteria is None:
        abort(400)
    report = build_report(criteria, today=_today(), overdue_after_days=_overdue_days())
    return form, criteria, units, report


def _names(units: list[Any]) -> dict[str | None, str]:
    names: dict[str | None, str] = {str(u.id): u.name for u in units}
    names[None] = _("No unit")
    return names


def _group_rows(reach_groups: Any, response_groups: Any, names: dict[str | None, str]) -> list:
    """(name, reach, responsiveness) per unit or area, the most participation first."""
    reach_by = {g.key: g.value for g in reach_groups}
    answered_by = {g.key: g.value for g in response_groups}
    return sorted(
        (
            (names.get(key, str(key)), reach_by.get(key), answered_by.get(key))
            for key in set(reach_by) | set(answered_by)
        ),
        key=lambda row: (-(row[1].participations if row[1] else 0), row[0].lower()),
    )


def _chart_context(report: ImpactReport, units: list[Any]) -> dict[str, Any]:
    """Chart geometry for the dashboard; the labels and numbers are the page's own."""
    kinds = kind_labels()
    trend = charts.columns(
        [
            (p.bucket.label, p.value.participations, number(p.value.participations))
            for p in report.reach_trend
        ]
    )
    response_trend = charts.columns(
        [
            (
                p.bucket.label,
                p.value.response_share,
                percent(p.value.response_share),
            )
            for p in report.responsiveness_trend
        ],
        maximum=1.0,
    )
    by_kind = charts.horizontal_bars(
        [
            (
                str(kinds.get(g.key, g.key or "–")),
                [g.value.participants],
                [number(g.value.participants)],
            )
            for g in report.reach_by_kind
        ]
    )
    labels = category_labels()
    municipalities = municipality_names(current_locale())
    representation = {}
    for dimension, result in report.representativeness.items():
        rows = []
        for share in result.categories:
            name = labels.get(share.category) or municipalities.get(share.category, share.category)
            rows.append(
                (
                    str(name),
                    [share.share, share.population_share],
                    [percent(share.share, 1), percent(share.population_share, 1)],
                )
            )
        representation[dimension] = charts.horizontal_bars(rows)
    names = _names(units)
    return {
        "unit_rows": _group_rows(report.reach_by_unit, report.responsiveness_by_unit, names),
        "area_rows": _group_rows(report.reach_by_area, report.responsiveness_by_area, names),
        "activity_titles": activity_titles([a.activity_id for a in report.top_activities]),
        "participation_chart": trend,
        "response_chart": response_trend,
        "kind_chart": by_kind,
        "representation_charts": representation,
        "municipality_names": municipalities,
    }


@bp.get("/")
@permission_required("impact.view")
def dashboard() -> Any:
    form, criteria, units = _report_from_args()
    if criteria is None:
        return render_template(
            "impact/dashboard.html", form=form, report=None, **label_context()
        ), 400
    report = build_report(criteria, today=_today(), overdue_after_days=_overdue_days())
    recent = filtered_outputs_query(
        OutputFilter(
            state="all",
            unit_id=criteria.unit_id,
            service_area_id=criteria.service_area_id,
            kind=criteria.kind,
            produced_from=criteria.period.start,
            produced_to=criteria.period.end,
        ),
        now=datetime.now(UTC),
    ).limit(10)
    experience_unit = db.session.get(OrgUnit, criteria.unit_id) if criteria.unit_id else None
    return render_template(
        "impact/dashboard.html",
        form=form,
        report=report,
        experience=feedback_services.experience_summary(
            criteria.period.start, criteria.period.end, experience_unit
        ),
        recent_outputs=list(db.session.scalars(recent).unique()),
        unit_names=_names(units),
        query=request.args.to_dict(),
        **_chart_context(report, units),
        **label_context(),
    )


CSV_COLUMNS = (
    "period",
    "activities",
    "participations",
    "participants",
    "new_participants",
    "returning_participants",
    "hours",
    "outputs",
    "responded",
    "response_share",
    "median_days_to_response",
    "accepted",
    "partly_accepted",
    "not_accepted",
    "under_consideration",
    "overdue",
    "implemented",
    "implemented_share",
    "median_days_to_implementation",
    "fees",
    "travel",
    "cost_per_participant_hour",
)


def _csv_row(label: str, reach: Any, resp: Any, outcome: Any, money: Any, costs: bool) -> list:
    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    def plain(value: Any) -> str:
        return "" if value is None else str(value)

    return [
        label,
        reach.activities,
        reach.participations,
        reach.participants,
        reach.new_participants,
        reach.returning_participants,
        reach.hours,
        resp.outputs,
        resp.responded,
        share(resp.response_share),
        plain(resp.median_days_to_response),
        resp.accepted,
        resp.partly,
        resp.not_accepted,
        resp.under_consideration,
        resp.overdue,
        outcome.implemented,
        share(outcome.implemented_share),
        plain(outcome.median_days_to_implementation),
        money.fees if costs else "",
        money.travel if costs else "",
        plain(money.per_participant_hour) if costs else "",
    ]


@bp.get("/report.csv")
@permission_required("impact.view")
def export_report_csv() -> Any:
    _form, criteria, _units, report = _exported_report()
    rows = [
        _csv_row(
            reach_point.bucket.label,
            reach_point.value,
            resp_point.value,
            outcome_point.value,
            cost_point.value,
            report.has_costs,
        )
        for reach_point, resp_point, outcome_point, cost_point in zip(
            report.reach_trend,
            report.responsiveness_trend,
            report.outcomes_trend,
            report.cost_trend,
            strict=True,
        )
    ]
    period = criteria.period
    rows.append(
        _csv_row(
            f"{period.start}..{period.end}",
            report.reach,
            report.responsiveness,
            report.outcomes,
            report.cost,
            report.has_costs,
        )
    )
    return csv_response(csv_text(CSV_COLUMNS, rows), f"impact-{period.start}-{period.end}.csv")


@bp.get("/report/print")
@permission_required("impact.view")
def print_report() -> Any:
    form, criteria, units, report = _exported_report()
    return render_template(
        "impact/print.html",
        form=form,
        report=report,
        unit_names=_names(units),
        query=request.args.to_dict(),
        scope=_scope_text(criteria, units),
        **_chart_context(report, units),
        **label_context(),
    )


def _scope_text(criteria: ReportFilter, units: list[Any]) -> str:
    names = _names(units)
    parts = []
    if criteria.service_area_id is not None:
        parts.append(names.get(str(criteria.service_area_id), "?"))
    if criteria.unit_id is not None:
        parts.append(names.get(str(criteria.unit_id), "?"))
    if criteria.kind:
        parts.append(str(kind_labels().get(criteria.kind, criteria.kind)))
    return ", ".join(parts) or _("The whole county")


@bp.get("/report.pdf")
@permission_required("impact.view")
def export_report_pdf() -> Any:
    _form, criteria, units, report = _exported_report()
    data = report_pdf(
        report,
        scope=_scope_text(criteria, units),
        unit_names=_names(units),
        labels=label_context(),
    )
    period = criteria.period
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="impact-{period.start}-{period.end}.pdf"'
        },
    )


@bp.get("/activities/<int:activity_id>")
@permission_required("impact.view")
def show_activity(activity_id: int) -> Any:
    activity = db.get_or_404(Activity, activity_id)
    today = _today()
    first, last = activity_date_range(activity.id)
    start = min(d for d in (activity.starts_on, first, activity.created_at.date()) if d)
    end = max(d for d in (activity.ends_on, last, today) if d)
    criteria = ReportFilter(
        period=Period(start, end),
        activity_id=activity.id,
        granularity="month" if (end - start).days <= 732 else "quarter",
    )
    report = build_report(criteria, today=today, overdue_after_days=_overdue_days())
    outputs = list(
        db.session.scalars(
            filtered_outputs_query(OutputFilter(state="all"), now=datetime.now(UTC)).where(
                Output.activity_id == activity.id
            )
        ).unique()
    )
    units = org_units(current_locale())
    return render_template(
        "impact/activity.html",
        activity=activity,
        report=report,
        outputs=outputs,
        unit_names=_names(units),
        activity_cost=report.cost_by_activity.get(activity.id),
        **_chart_context(report, units),
        **label_context(),
    )


@bp.get("/outputs")
@permission_required("impact.view")
def list_outputs() -> Any:
    units = org_units(current_locale())
    args = request.args.copy()
    args.setdefault("state", "awaiting")
    form = OutputFilterForm(args, meta={"csrf": False}, units=units)
    status = 200
    criteria = OutputFilter()
    if form.validate():
        criteria = OutputFilter(
            state=form.state.data or "awaiting",
            unit_id=form.unit.data,
            service_area_id=form.area.data,
            kind=form.kind.data or None,
            older_than_days=int(form.age.data) if form.age.data else None,
            search=form.q.data or "",
        )
    else:
        status = 400
    page = paginate(
        filtered_outputs_query(criteria, now=datetime.now(UTC)),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "impact/outputs.html",
        form=form,
        page=page,
        state=criteria.state,
        today=_today(),
        overdue_after_days=_overdue_days(),
        unit_names=_names(units),
        can_respond=user_has_permission(current_user, "impact.respond"),
        **label_context(),
    ), status


@bp.get("/outputs/<int:output_id>")
@permission_required("impact.view")
def show_output(output_id: int) -> Any:
    output = db.get_or_404(Output, output_id)
    history = response_history(output)
    return render_template(
        "impact/output.html",
        output=output,
        history=history,
        actors=actor_names(history),
        can_respond=user_has_permission(current_user, "impact.respond"),
        **label_context(),
    )


def _response_error_message(code: str) -> str:
    messages = {
        "reason_required": _(
            "Give the reason when the output is accepted only partly or not at all."
        ),
        "implemented_on_required": _("Give the date the implementation was completed."),
        "implemented_before_decision": _(
            "The implementation cannot be completed before the decision."
        ),
        "invalid_link": _("Give a full web address starting with https:// or http://."),
    }
    return messages.get(code, _("The response could not be saved."))


@bp.route("/outputs/<int:output_id>/respond", methods=["GET", "POST"])
@permission_required("impact.respond")
def respond_to_output(output_id: int) -> Any:
    output = db.get_or_404(Output, output_id)
    existing = output.response
    form = ResponseForm(obj=existing)
    if request.method == "GET" and existing is None:
        form.decided_on.data = _today()
        form.implementation_status.data = ImplementationStatus.NOT_STARTED
    if form.validate_on_submit():
        try:
            record_response(
                actor=current_user,
                output=output,
                decision=form.decision.data,
                decided_on=form.decided_on.data,
                reason=form.reason.data or "",
                decision_reference=form.decision_reference.data or "",
                decision_link=form.decision_link.data or "",
                responsible_person=form.responsible_person.data or "",
                implementation_status=form.implementation_status.data
                or ImplementationStatus.NOT_STARTED,
                implementation_planned_on=form.implementation_planned_on.data,
                implemented_on=form.implemented_on.data,
            )
        except ResponseError as error:
            db.session.rollback()
            form.form_errors.append(_response_error_message(error.code))
        else:
            flash(_("The response was saved."), "success")
            return redirect(url_for("impact.show_output", output_id=output.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "impact/respond.html", form=form, output=output, **label_context()
    ), status


@bp.get("/you-said-we-did")
@public
def public_outputs() -> Any:
    form = PublicSearchForm(request.args, meta={"csrf": False})
    search, state = "", "all"
    status = 200
    if form.validate():
        search, state = form.q.data or "", form.state.data or "all"
    else:
        status = 400
    page = paginate(
        public_outputs_query(search=search, state=state),
        page=request.args.get("page", 1, type=int),
        per_page=20,
    )
    return render_template(
        "impact/public.html", form=form, page=page, search=search, **label_context()
    ), status
