"""What the experience-bank service modules share: the error, the audit helper, request
update mail, and keeping a request's status and impact activity in step with its assignments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from portal.accounts.models import User
from portal.core.audit import DomainAudit
from portal.core.errors import DomainError
from portal.core.mail import mail_person
from portal.core.times import local_date
from portal.experts.models import AssignmentStatus, ExpertAssignment, ExpertRequest, RequestStatus
from portal.impact.models import ActivityKind, ActivityStatus
from portal.impact.services import register_activity

#: ``Activity.source_type`` of the impact activity an assignment registers.
ASSIGNMENT_SOURCE = "expert_assignment"


class ExpertError(DomainError):
    """An experience-bank rule was broken; ``code`` names it for a translated message."""


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """``[1 January of year, 1 January of the next)`` in UTC."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def assignment_activity(assignment: ExpertAssignment, *, status: str) -> Any:
    """Register (or update) the impact activity of ``assignment`` with ``status``."""
    request = assignment.request
    activity = register_activity(
        kind=ActivityKind.EXPERT_ASSIGNMENT,
        title=request.title,
        source_type=ASSIGNMENT_SOURCE,
        source_id=assignment.id,
        org_unit=request.org_unit,
        starts_on=local_date(request.starts_at),
        ends_on=local_date(request.ends_at),
        status=status,
    )
    assignment.activity_id = activity.id
    return activity


def refresh_request_status(request: ExpertRequest) -> None:
    """Derive the request's status from its assignments (a cancelled request stays so)."""
    if request.status in {RequestStatus.CANCELLED}:
        return
    statuses = [a.status for a in request.assignments]
    accepted = statuses.count(AssignmentStatus.ACCEPTED)
    completed = statuses.count(AssignmentStatus.COMPLETED)
    done = completed + statuses.count(AssignmentStatus.NOT_HELD)
    if done and accepted == 0 and statuses.count(AssignmentStatus.PROPOSED) == 0:
        request.status = RequestStatus.COMPLETED
    elif accepted + completed >= request.experts_needed:
        request.status = RequestStatus.ASSIGNED
    elif AssignmentStatus.PROPOSED in statuses or accepted:
        request.status = RequestStatus.PROPOSED
    else:
        request.status = RequestStatus.OPEN


def cancel_assignment(assignment: ExpertAssignment) -> None:
    """Cancel ``assignment`` and close its impact activity if it had one (no commit)."""
    assignment.status = AssignmentStatus.CANCELLED
    if assignment.activity_id is not None:
        assignment_activity(assignment, status=ActivityStatus.CLOSED)


def mail_request_update(
    person: User, request: ExpertRequest, *, subject: Any, event: str, url: str
) -> None:
    """Tell ``person`` that ``request`` was filed, accepted or declined (``event``)."""
    mail_person(
        person,
        subject=subject,
        template="experts/emails/request_update",
        name=person.name,
        request=request,
        event=event,
        url=url,
    )


audit = DomainAudit("experts")
"""Add a ``experts.<action>`` audit entry to the current transaction (no personal data)."""
