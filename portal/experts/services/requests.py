"""Units' requests for an experience expert, and who may see and confirm them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from portal.accounts.models import OrgUnit, User, UserRole
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.core.urls import external_url
from portal.experts.models import AssignmentStatus, ExpertRequest, RequestStatus, TaskType
from portal.experts.services._common import (
    ExpertError,
    audit,
    cancel_assignment,
    mail_request_update,
)
from portal.extensions import db


def _coordinators() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == str(Role.COORDINATOR), User.is_active.is_(True))
        ).unique()
    )


def file_request(
    *,
    actor: User,
    org_unit: OrgUnit | None,
    title: str,
    task_type: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    is_remote: bool,
    preparation: str,
    expertise_wanted: list[str],
    language: str,
    experts_needed: int,
    cost_centre: str,
    now: datetime | None = None,
) -> ExpertRequest:
    """File a unit's request for an experience expert; coordinators are told by email."""
    if org_unit is None:
        raise ExpertError("no_unit")
    if starts_at < (now or utcnow()):
        raise ExpertError("in_past")
    if ends_at <= starts_at:
        raise ExpertError("end_before_start")
    if task_type not in set(TaskType):
        raise ExpertError("unknown_task")
    if not 1 <= experts_needed <= 10:
        raise ExpertError("experts_needed_range")
    request = ExpertRequest(
        org_unit=org_unit,
        requester_id=actor.id,
        title=title.strip(),
        task_type=task_type,
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        is_remote=is_remote,
        preparation=preparation.strip(),
        expertise_wanted=sorted(set(expertise_wanted)),
        language=language,
        experts_needed=experts_needed,
        cost_centre=cost_centre.strip(),
    )
    db.session.add(request)
    db.session.flush()
    for coordinator in _coordinators():
        mail_request_update(
            coordinator,
            request,
            subject=_l("New request for an experience expert: %(title)s", title=request.title),
            event="filed",
            url=external_url("experts.match_request", request_id=request.id),
        )
    audit(actor, "request_filed", "expert_request", request.id)
    db.session.commit()
    return request


def cancel_request(*, actor: User, request: ExpertRequest) -> ExpertRequest:
    """Cancel a request that has not taken place; live proposals and assignments end too."""
    if request.status in {RequestStatus.COMPLETED, RequestStatus.CANCELLED}:
        raise ExpertError("request_closed")
    request.status = RequestStatus.CANCELLED
    for assignment in request.assignments:
        if assignment.status in {AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED}:
            cancel_assignment(assignment)
    audit(actor, "request_cancelled", "expert_request", request.id)
    db.session.commit()
    return request


def can_view_request(user: User, request: ExpertRequest) -> bool:
    """Coordinators see every request; staff see their own unit's."""
    if Role.COORDINATOR in user.role_set:
        return True
    return user.org_unit_id is not None and user.org_unit_id == request.org_unit_id


def can_confirm(user: User, request: ExpertRequest) -> bool:
    return can_view_request(user, request)


def requests_for(user: User, *, state: str = "open") -> Select[tuple[ExpertRequest]]:
    """Requests the user may see: all for coordinators, their unit's for staff."""
    query = select(ExpertRequest)
    if Role.COORDINATOR not in user.role_set:
        query = query.where(ExpertRequest.org_unit_id == (user.org_unit_id or -1))
    if state == "open":
        query = query.where(
            ExpertRequest.status.in_(
                [RequestStatus.OPEN, RequestStatus.PROPOSED, RequestStatus.ASSIGNED]
            )
        ).order_by(ExpertRequest.starts_at, ExpertRequest.id)
    elif state == "closed":
        query = query.where(
            ExpertRequest.status.in_([RequestStatus.COMPLETED, RequestStatus.CANCELLED])
        ).order_by(ExpertRequest.starts_at.desc(), ExpertRequest.id.desc())
    else:
        query = query.order_by(ExpertRequest.starts_at.desc(), ExpertRequest.id.desc())
    return query


def requests_between(start: datetime, end: datetime) -> list[ExpertRequest]:
    return db.all(
        select(ExpertRequest)
        .where(
            ExpertRequest.starts_at >= start,
            ExpertRequest.starts_at < end,
            ExpertRequest.status != RequestStatus.CANCELLED,
        )
        .order_by(ExpertRequest.starts_at)
    )


def request_status_labels() -> dict[str, Any]:
    """What each state of a request is called (the calendar of councils shows them too)."""
    return {
        RequestStatus.OPEN: _l("Waiting for an expert"),
        RequestStatus.PROPOSED: _l("Expert proposed"),
        RequestStatus.ASSIGNED: _l("Expert assigned"),
        RequestStatus.COMPLETED: _l("Completed"),
        RequestStatus.CANCELLED: _l("Cancelled"),
    }
