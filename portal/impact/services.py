"""Services that domains call to register their activities, participations and outputs.

The ``register_*``/``record_participation`` helpers only flush: they run inside the calling
domain service's transaction, which commits once. ``record_response`` is a public service
and commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from portal.accounts.models import OrgUnit, User
from portal.core.audit import record_audit
from portal.extensions import db
from portal.impact.models import (
    Activity,
    Attendance,
    Decision,
    ImplementationStatus,
    Output,
    Participation,
    Response,
)


class ResponseError(ValueError):
    """A response that breaks a rule; ``code`` names the rule for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def register_activity(
    *,
    kind: str,
    title: str,
    source_type: str,
    source_id: int,
    org_unit: OrgUnit | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    status: str | None = None,
) -> Activity:
    """Create or update the activity that mirrors a domain object (idempotent per source)."""
    activity = db.session.scalars(
        select(Activity).where(Activity.source_type == source_type, Activity.source_id == source_id)
    ).first()
    if activity is None:
        activity = Activity(source_type=source_type, source_id=source_id, kind=kind)
        db.session.add(activity)
    activity.kind = kind
    activity.title = title
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
    output = None
    if source_type and source_id is not None:
        output = db.session.scalars(
            select(Output).where(Output.source_type == source_type, Output.source_id == source_id)
        ).first()
    if output is None:
        output = Output(activity=activity, source_type=source_type, source_id=source_id)
        db.session.add(output)
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
    if decision in {Decision.PARTLY_ACCEPTED, Decision.NOT_ACCEPTED} and not reason.strip():
        raise ResponseError("reason_required")
    if implementation_status == ImplementationStatus.DONE and implemented_on is None:
        raise ResponseError("implemented_on_required")
    if implemented_on is not None and implemented_on < decided_on:
        raise ResponseError("implemented_before_decision")
    response = output.response
    before: dict[str, Any] = {}
    if response is None:
        response = Response(output=output)
        db.session.add(response)
    else:
        before = {"decision": response.decision, "status": response.implementation_status}
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
    record_audit(
        actor=actor,
        action="impact.response_recorded",
        object_type="output",
        object_id=output.id,
        changes={
            "before": before,
            "after": {"decision": decision, "status": implementation_status},
        },
    )
    db.session.commit()
    return response


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
