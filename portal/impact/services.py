"""Services that domains call to register their activities, participations and outputs.

The ``register_*``/``record_participation`` helpers only flush: they run inside the calling
domain service's transaction, which commits once. ``record_response`` is a public service
and commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal.accounts.models import OrgUnit, OrgUnitKind, User, UserRole
from portal.core.audit import DomainAudit, changed_fields
from portal.core.mail import queue_mail
from portal.core.models import AuditEntry
from portal.core.permissions import Role
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.metrics import Period, Reach, reach
from portal.impact.models import (
    Activity,
    Attendance,
    Decision,
    ImplementationStatus,
    MonthlyReport,
    Output,
    Participation,
    Response,
)

audit = DomainAudit("impact")


class ResponseError(ValueError):
    """A response that breaks a rule; ``code`` names the rule for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_Mirror = TypeVar("_Mirror", Activity, Output)


def _mirror(model: type[_Mirror], source_type: str, source_id: int | None, **new: Any) -> _Mirror:
    """The row that mirrors a domain object, added (with ``new``) when there is none yet."""
    row = None
    if source_type and source_id is not None:
        row = db.session.scalars(
            select(model).where(model.source_type == source_type, model.source_id == source_id)
        ).first()
    if row is None:
        row = model(source_type=source_type, source_id=source_id, **new)
        db.session.add(row)
    return row


def register_activity(
    *,
    kind: str,
    title: str,
    source_type: str,
    source_id: int,
    title_sv: str = "",
    org_unit: OrgUnit | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    status: str | None = None,
) -> Activity:
    """Create or update the activity that mirrors a domain object (idempotent per source)."""
    activity = _mirror(Activity, source_type, source_id, kind=kind)
    activity.kind = kind
    activity.title = title
    activity.title_sv = title_sv
    activity.org_unit_id = org_unit.id if org_unit else None
    area = org_unit.service_area if org_unit else None
    activity.service_area_id = area.id if area else None
    activity.starts_on = starts_on
    activity.ends_on = ends_on
    if status is not None:
        activity.status = status
    db.session.flush()
    return activity


def record_participation(
    *,
    activity: Activity,
    user: User,
    occurred_on: date,
    hours: Decimal,
    attendance: str = Attendance.PRESENT,
    role: str = "participant",
    event_type: str = "",
    event_id: int | None = None,
) -> Participation:
    """Create or update one person's participation in one occasion of an activity."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    participation = db.session.scalars(
        select(Participation).where(
            Participation.activity_id == activity.id,
            Participation.user_id == user.id,
            Participation.event_type == event_type,
            Participation.event_id == event_id
            if event_id is not None
            else Participation.event_id.is_(None),
        )
    ).first()
    if participation is None:
        participation = Participation(
            activity=activity, user=user, event_type=event_type, event_id=event_id
        )
        db.session.add(participation)
    participation.role = role
    participation.occurred_on = occurred_on
    participation.attendance = attendance
    participation.hours = hours if attendance != Attendance.ABSENT else Decimal("0")
    db.session.flush()
    return participation


def activities_ended_between(start: date, end: date) -> list[Activity]:
    """Activities whose end date falls in ``start``-``end`` (inclusive), oldest first."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.ends_on >= start, Activity.ends_on <= end)
            .order_by(Activity.ends_on, Activity.id)
        )
    )


def activity_unit_id(activity_id: int) -> int | None:
    """The unit an activity belongs to (``None`` for county-wide ones)."""
    activity = db.session.get(Activity, activity_id)
    return activity.org_unit_id if activity is not None else None


def participants_of(activity: Activity) -> list[User]:
    """The people who took part (present or remote) in ``activity``, each once."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(Participation.user_id).where(
                        Participation.activity_id == activity.id,
                        Participation.attendance != Attendance.ABSENT,
                    )
                ),
                User.erased_at.is_(None),
            )
            .order_by(User.id)
        )
    )


def register_output(
    *,
    activity: Activity,
    kind: str,
    title: str,
    text: str = "",
    is_public: bool = True,
    source_type: str = "",
    source_id: int | None = None,
) -> Output:
    """Add an output of an activity (idempotent when a source is given)."""
    output = _mirror(Output, source_type, source_id, activity=activity)
    output.kind = kind
    output.title = title
    output.text = text
    output.is_public = is_public
    db.session.flush()
    return output


def record_response(
    *,
    actor: User,
    output: Output,
    decision: str,
    decided_on: date,
    reason: str = "",
    decision_reference: str = "",
    decision_link: str = "",
    responsible_person: str = "",
    implementation_status: str = ImplementationStatus.NOT_STARTED,
    implementation_planned_on: date | None = None,
    implemented_on: date | None = None,
) -> Response:
    """Record or update the county's response to an output, and commit.

    A reason is required when the output is accepted only partly or not at all, because
    that is what the people who produced it most need to hear.
    """
    if decision not in set(Decision):
        raise ResponseError("unknown_decision")
    if implementation_status not in set(ImplementationStatus):
        raise ResponseError("unknown_status")
    if decision_link.strip() and not is_web_link(decision_link.strip()):
        raise ResponseError("invalid_link")
    if decision in {Decision.PARTLY_ACCEPTED, Decision.NOT_ACCEPTED} and not reason.strip():
        raise ResponseError("reason_required")
    if implementation_status == ImplementationStatus.DONE and implemented_on is None:
        raise ResponseError("implemented_on_required")
    if implemented_on is not None and implemented_on < decided_on:
        raise ResponseError("implemented_before_decision")
    response = output.response
    before: dict[str, Any] = {}
    before_fields: dict[str, Any] = {}
    if response is None:
        response = Response(output=output)
        db.session.add(response)
    else:
        before = {"decision": response.decision, "status": response.implementation_status}
        before_fields = _response_fields(response)
    response.decision = decision
    response.decided_on = decided_on
    response.reason = reason.strip()
    response.decision_reference = decision_reference.strip()
    response.decision_link = decision_link.strip()
    response.responsible_person = responsible_person.strip()
    response.decided_by_id = actor.id
    response.implementation_status = implementation_status
    response.implementation_planned_on = implementation_planned_on
    response.implemented_on = implemented_on
    audit(
        actor,
        "response_recorded",
        "output",
        output.id,
        before=before,
        after={"decision": decision, "status": implementation_status},
        fields=changed_fields(before_fields, _response_fields(response)),
    )
    db.session.commit()
    return response


def is_web_link(value: str) -> bool:
    """Whether ``value`` is an absolute http(s) address (no javascript:, data: or mailto:)."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _response_fields(response: Response) -> dict[str, Any]:
    return {
        "decision": response.decision,
        "decided_on": response.decided_on,
        "reason": response.reason,
        "decision_reference": response.decision_reference,
        "decision_link": response.decision_link,
        "responsible_person": response.responsible_person,
        "implementation_status": response.implementation_status,
        "implementation_planned_on": response.implementation_planned_on,
        "implemented_on": response.implemented_on,
    }


def outputs_query(*, awaiting_response: bool | None = None) -> Select[tuple[Output]]:
    """Outputs with their activity and response loaded in the same query (no N+1)."""
    query = (
        select(Output)
        .join(Output.activity)
        .outerjoin(Output.response)
        .options(contains_eager(Output.activity), contains_eager(Output.response))
        .order_by(Output.created_at.desc(), Output.id.desc())
    )
    if awaiting_response is True:
        query = query.where(Response.id.is_(None))
    elif awaiting_response is False:
        query = query.where(Response.id.is_not(None))
    return query


# --- finding outputs ------------------------------------------------------------------


@dataclass(frozen=True)
class OutputFilter:
    """Filters of the outputs list: response state, unit, area, kind, age and a search."""

    state: str = "awaiting"  # awaiting | answered | all
    unit_id: int | None = None
    service_area_id: int | None = None
    kind: str | None = None
    older_than_days: int | None = None
    search: str = ""
    produced_from: date | None = None
    produced_to: date | None = None


def _search_condition(search: str) -> Any:
    words = [w for w in search.split() if w][:8]
    conditions = []
    for word in words:
        pattern = "%" + word.replace("\\", "").replace("%", "").replace("_", "") + "%"
        conditions.append(
            or_(
                Output.title.ilike(pattern),
                Output.text.ilike(pattern),
                Activity.title.ilike(pattern),
                Response.reason.ilike(pattern),
            )
        )
    return and_(*conditions) if conditions else None


def filtered_outputs_query(criteria: OutputFilter, *, now: datetime) -> Select[tuple[Output]]:
    """Outputs matching ``criteria`` with activity and response in the same query."""
    awaiting = {"awaiting": True, "answered": False}.get(criteria.state)
    query = outputs_query(awaiting_response=awaiting)
    if awaiting:
        # The longest-waiting first: that is the order a decision maker works in.
        query = query.order_by(None).order_by(Output.created_at.asc(), Output.id.asc())
    if criteria.unit_id is not None:
        query = query.where(Activity.org_unit_id == criteria.unit_id)
    if criteria.service_area_id is not None:
        query = query.where(Activity.service_area_id == criteria.service_area_id)
    if criteria.kind:
        query = query.where(Activity.kind == criteria.kind)
    if criteria.older_than_days:
        query = query.where(Output.created_at < now - timedelta(days=criteria.older_than_days))
    if criteria.produced_from:
        query = query.where(
            Output.created_at >= datetime.combine(criteria.produced_from, time.min, UTC)
        )
    if criteria.produced_to:
        following = criteria.produced_to + timedelta(days=1)
        query = query.where(Output.created_at < datetime.combine(following, time.min, UTC))
    condition = _search_condition(criteria.search)
    if condition is not None:
        query = query.where(condition)
    return query


def public_outputs_query(*, search: str = "", state: str = "all") -> Select[tuple[Output]]:
    """Published outputs and the county's responses, for the "you said, we did" page.

    Answered outputs come first by decision date, so what the county did last is on top.
    """
    awaiting = {"awaiting": True, "answered": False}.get(state)
    query = (
        outputs_query(awaiting_response=awaiting)
        .where(Output.is_public.is_(True))
        .order_by(None)
        .order_by(
            Response.decided_on.desc().nulls_last(), Output.created_at.desc(), Output.id.desc()
        )
    )
    condition = _search_condition(search)
    if condition is not None:
        query = query.where(condition)
    return query


def response_history(output: Output) -> list[AuditEntry]:
    """Every recorded change of the output's response, oldest first, with the actor."""
    return db.all(
        select(AuditEntry)
        .where(AuditEntry.object_type == "output", AuditEntry.object_id == str(output.id))
        .order_by(AuditEntry.created_at.asc(), AuditEntry.id.asc())
    )


def actor_names(entries: list[AuditEntry]) -> dict[int, str]:
    """Names of the staff who recorded the entries, in one query."""
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    return {user_id: name for user_id, name in rows}


# --- reminders ---------------------------------------------------------------------------


def _recipient_locale(email: str) -> str:
    locale = db.session.scalar(select(User.locale).where(func.lower(User.email) == email.lower()))
    return locale or "fi"


def _decision_maker_emails() -> list[str]:
    return db.all(
        select(User.email)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.DECISION_MAKER,
            User.is_active.is_(True),
            User.email.is_not(None),
        )
        .order_by(User.email)
    )


def send_response_reminders(*, now: datetime, overdue_after_days: int) -> int:
    """Remind about outputs that still have no response ``overdue_after_days`` after creation.

    Each output is reminded about once. The reminder goes to the manager of the activity's
    unit (or of its service area); outputs of activities without either go to every
    decision maker. One message per recipient lists all their outputs. Returns the
    number of outputs reminded about.
    """
    limit = now - timedelta(days=overdue_after_days)
    outputs = list(
        db.session.scalars(
            outputs_query(awaiting_response=True)
            .where(Output.created_at < limit, Output.reminded_at.is_(None))
            .order_by(None)
            .order_by(Output.created_at.asc(), Output.id.asc())
        ).unique()
    )
    if not outputs:
        return 0
    units = {
        unit.id: unit
        for unit in db.session.scalars(
            select(OrgUnit).where(
                OrgUnit.id.in_(
                    {o.activity.org_unit_id for o in outputs}
                    | {o.activity.service_area_id for o in outputs}
                )
            )
        )
    }
    by_recipient: dict[str, list[Output]] = {}
    fallback: list[Output] = []
    for output in outputs:
        unit = units.get(output.activity.org_unit_id or -1)
        area = units.get(output.activity.service_area_id or -1)
        email = (unit.manager_email if unit else None) or (area.manager_email if area else None)
        if email:
            by_recipient.setdefault(email, []).append(output)
        else:
            fallback.append(output)
        output.reminded_at = now
    if fallback:
        for email in _decision_maker_emails():
            by_recipient.setdefault(email, []).extend(fallback)
    for email, items in by_recipient.items():
        queue_mail(
            to=email,
            subject=_l("Outputs are waiting for the county's response"),
            template="impact/emails/response_reminder",
            locale=_recipient_locale(email),
            outputs=items,
            days=overdue_after_days,
        )
    db.session.commit()
    return len(outputs)


# --- the monthly report ---------------------------------------------------------------


@dataclass(frozen=True)
class MonthlySummary:
    """The figures of one unit's monthly e-mail."""

    month: date
    unit: OrgUnit
    reach: Reach
    outputs: int
    responses: int
    open_outputs: int
    overdue_outputs: int
    oldest_open: list[tuple[int, str, date]]


def month_period(month: date) -> Period:
    start = month.replace(day=1)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return Period(start, following - timedelta(days=1))


def _unit_conditions(unit: OrgUnit) -> list[Any]:
    if unit.kind == OrgUnitKind.UNIT:
        return [Activity.org_unit_id == unit.id]
    if unit.kind == OrgUnitKind.SERVICE_AREA:
        return [Activity.service_area_id == unit.id]
    return []  # the county: everything


def monthly_summary(*, unit: OrgUnit, month: date, overdue_after_days: int) -> MonthlySummary:
    """Participation in ``unit`` during ``month`` and its outputs still open at month end."""
    from portal.impact.reports import ReportFilter, load_participations

    period = month_period(month)
    criteria = ReportFilter(
        period=period,
        unit_id=unit.id if unit.kind == OrgUnitKind.UNIT else None,
        service_area_id=unit.id if unit.kind == OrgUnitKind.SERVICE_AREA else None,
    )
    data = load_participations(criteria)
    month_start = datetime.combine(period.start, time.min, UTC)
    month_end = datetime.combine(period.end + timedelta(days=1), time.min, UTC)
    conditions = _unit_conditions(unit)
    produced = db.session.scalar(
        select(func.count(Output.id))
        .join(Activity, Activity.id == Output.activity_id)
        .where(Output.created_at >= month_start, Output.created_at < month_end, *conditions)
    )
    answered = db.session.scalar(
        select(func.count(Response.id))
        .join(Output, Output.id == Response.output_id)
        .join(Activity, Activity.id == Output.activity_id)
        .where(Response.decided_on >= period.start, Response.decided_on <= period.end, *conditions)
    )
    # Open at the end of the month: produced by then, with no response decided by then.
    open_condition = and_(
        Output.created_at < month_end,
        or_(Response.id.is_(None), Response.decided_on > period.end),
        *conditions,
    )
    overdue_limit = month_end - timedelta(days=overdue_after_days)
    open_count, overdue_count = db.session.execute(
        select(
            func.count(Output.id),
            func.count(case((Output.created_at < overdue_limit, Output.id))),
        )
        .select_from(Output)
        .join(Activity, Activity.id == Output.activity_id)
        .outerjoin(Response, Response.output_id == Output.id)
        .where(open_condition)
    ).one()
    oldest = db.session.execute(
        select(Output.id, Output.title, Output.created_at)
        .join(Activity, Activity.id == Output.activity_id)
        .outerjoin(Response, Response.output_id == Output.id)
        .where(open_condition)
        .order_by(Output.created_at.asc(), Output.id.asc())
        .limit(10)
    ).all()
    return MonthlySummary(
        month=period.start,
        unit=unit,
        reach=reach(data.participations, period),
        outputs=int(produced or 0),
        responses=int(answered or 0),
        open_outputs=int(open_count or 0),
        overdue_outputs=int(overdue_count or 0),
        oldest_open=[(oid, title, created.date()) for oid, title, created in oldest],
    )


def send_monthly_report(*, unit: OrgUnit, month: date, overdue_after_days: int) -> bool:
    """E-mail ``unit``'s manager the summary of ``month`` unless it was already sent.

    Returns whether a report was sent. The ``impact_monthly_reports`` row and the mail go
    out in one transaction: a second run (or a parallel one) finds the row and sends
    nothing.
    """
    month = month.replace(day=1)
    if not unit.manager_email:
        return False
    already = db.session.scalar(
        select(MonthlyReport.id).where(
            MonthlyReport.org_unit_id == unit.id, MonthlyReport.month == month
        )
    )
    if already is not None:
        return False
    summary = monthly_summary(unit=unit, month=month, overdue_after_days=overdue_after_days)
    locale = _recipient_locale(unit.manager_email)
    db.session.add(MonthlyReport(org_unit_id=unit.id, month=month))
    try:
        db.session.flush()
    except IntegrityError:  # another run sent it a moment ago
        db.session.rollback()
        return False
    period = month_period(month)
    unit_filter = (
        {"unit": unit.id}
        if unit.kind == OrgUnitKind.UNIT
        else {"area": unit.id}
        if unit.kind == OrgUnitKind.SERVICE_AREA
        else {}
    )
    queue_mail(
        to=unit.manager_email,
        subject=_l("Participation and responses in %(month)s", month=f"{month:%m/%Y}"),
        template="impact/emails/monthly_report",
        locale=locale,
        summary=summary,
        unit_name=unit.name(locale),
        overdue_after_days=overdue_after_days,
        dashboard_url=external_url(
            "impact.dashboard", start=period.start, end=period.end, **unit_filter
        ),
        outputs_url=external_url("impact.list_outputs", state="awaiting", **unit_filter),
    )
    db.session.commit()
    return True


def send_monthly_reports(*, month: date, overdue_after_days: int) -> int:
    """Send every unit manager their monthly report for ``month``; returns how many were sent."""
    units = db.all(select(OrgUnit).where(OrgUnit.manager_email.is_not(None)).order_by(OrgUnit.id))
    return sum(
        send_monthly_report(unit=unit, month=month, overdue_after_days=overdue_after_days)
        for unit in units
    )


# --- personal data ---------------------------------------------------------------------


def export_personal_data(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(
            Activity.title,
            Activity.kind,
            Participation.occurred_on,
            Participation.role,
            Participation.attendance,
            Participation.hours,
        )
        .join(Activity, Activity.id == Participation.activity_id)
        .where(Participation.user_id == user.id)
        .order_by(Participation.occurred_on, Participation.id)
    ).all()
    return [
        {
            "activity": title,
            "kind": kind,
            "date": occurred_on.isoformat(),
            "role": role,
            "attendance": attendance,
            "hours": str(hours),
        }
        for title, kind, occurred_on, role, attendance, hours in rows
    ]


def erase_personal_data(user: User) -> None:
    """Keep the rows: once the person is a tombstone they are anonymous attendance counts.

    Reports and fee totals stay correct, and nothing in a participation identifies the
    person once their ``users`` row is emptied by the accounts domain.
    """
