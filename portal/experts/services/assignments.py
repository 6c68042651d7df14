"""Confirming that an assignment took place, ratings, and the workload figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.times import local_date
from portal.experts.models import AssignmentStatus, ExpertAssignment, ExpertProfile, ExpertStatus
from portal.experts.services._common import (
    ExpertError,
    assignment_activity,
    audit,
    refresh_request_status,
    year_bounds,
)
from portal.experts.services.requests import can_confirm
from portal.extensions import db
from portal.impact.models import ActivityStatus, Attendance, EventType
from portal.impact.services import record_participation


def confirm_assignment(
    *,
    actor: User,
    assignment: ExpertAssignment,
    held: bool,
    hours: Decimal,
    now: datetime | None = None,
) -> ExpertAssignment:
    """The staff contact confirms the assignment took place, with hours (fee-eligible),
    or that it did not. A held assignment becomes the expert's participation."""
    if not can_confirm(actor, assignment.request):
        raise ExpertError("not_yours")
    if assignment.status != AssignmentStatus.ACCEPTED:
        raise ExpertError("not_accepted")
    if assignment.starts_at > (now or utcnow()):
        raise ExpertError("not_yet")
    if held and not (Decimal("0") < hours <= Decimal("24")):
        raise ExpertError("hours_out_of_range")
    assignment.confirmed_at = now or utcnow()
    assignment.confirmed_by_id = actor.id
    activity = assignment_activity(assignment, status=ActivityStatus.CLOSED)
    if held:
        assignment.status = AssignmentStatus.COMPLETED
        assignment.hours = hours
        record_participation(
            activity=activity,
            user=assignment.expert,
            occurred_on=local_date(assignment.starts_at),
            hours=hours,
            attendance=Attendance.PRESENT,
            role="expert",
            event_type=EventType.EXPERT_ASSIGNMENT,
            event_id=assignment.id,
        )
    else:
        assignment.status = AssignmentStatus.NOT_HELD
        assignment.hours = Decimal("0")
    refresh_request_status(assignment.request)
    audit(
        actor,
        "confirmed" if held else "not_held",
        "expert_assignment",
        assignment.id,
        hours=str(assignment.hours),
    )
    db.session.commit()
    return assignment


def _save_rating(assignment: ExpertAssignment, *, side: str, rating: int, feedback: str) -> None:
    """Keep one side's (``requester`` or ``expert``) rating of a completed assignment."""
    if assignment.status != AssignmentStatus.COMPLETED:
        raise ExpertError("not_completed")
    if not 1 <= rating <= 5:
        raise ExpertError("rating_range")
    setattr(assignment, f"{side}_rating", rating)
    setattr(assignment, f"{side}_feedback", feedback.strip())


def rate_assignment(
    *, actor: User, assignment: ExpertAssignment, rating: int, feedback: str
) -> ExpertAssignment:
    """The requesting unit rates a completed assignment (1 to 5) with optional words."""
    if not can_confirm(actor, assignment.request):
        raise ExpertError("not_yours")
    _save_rating(assignment, side="requester", rating=rating, feedback=feedback)
    db.session.commit()
    return assignment


def give_expert_feedback(
    *, actor: User, assignment: ExpertAssignment, rating: int, feedback: str
) -> ExpertAssignment:
    """The expert tells how the assignment went for them (1 to 5, and words)."""
    if assignment.expert_id != actor.id:
        raise ExpertError("not_yours")
    _save_rating(assignment, side="expert", rating=rating, feedback=feedback)
    db.session.commit()
    return assignment


def my_assignments(user: User) -> list[ExpertAssignment]:
    return db.all(
        select(ExpertAssignment)
        .where(ExpertAssignment.expert_id == user.id)
        .order_by(ExpertAssignment.starts_at.desc())
    )


@dataclass(frozen=True)
class WorkloadRow:
    profile: ExpertProfile
    assignments: int
    hours: Decimal
    proposed: int
    declined: int


def workload(year: int) -> list[WorkloadRow]:
    """Assignments and hours per expert in ``year``, busiest first (one grouped query)."""
    start, end = year_bounds(year)
    rows = db.session.execute(
        select(ExpertAssignment.expert_id, ExpertAssignment.status, ExpertAssignment.hours).where(
            ExpertAssignment.starts_at >= start, ExpertAssignment.starts_at < end
        )
    ).all()
    counts: Counter[tuple[int, str]] = Counter()
    hours: dict[int, Decimal] = {}
    for expert_id, status, row_hours in rows:
        counts[(expert_id, status)] += 1
        if status == AssignmentStatus.COMPLETED and row_hours:
            hours[expert_id] = hours.get(expert_id, Decimal("0")) + row_hours
    result = []
    for profile in db.session.scalars(
        select(ExpertProfile).where(ExpertProfile.status != ExpertStatus.ENDED)
    ):
        uid = profile.user_id
        result.append(
            WorkloadRow(
                profile=profile,
                assignments=counts[(uid, AssignmentStatus.ACCEPTED)]
                + counts[(uid, AssignmentStatus.COMPLETED)],
                hours=hours.get(uid, Decimal("0")),
                proposed=counts[(uid, AssignmentStatus.PROPOSED)],
                declined=counts[(uid, AssignmentStatus.DECLINED)],
            )
        )
    return sorted(result, key=lambda r: (-r.assignments, r.profile.user.name))
