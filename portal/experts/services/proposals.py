"""Ranking experts for a request, proposing them, and their answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.mail import mail_person
from portal.core.service_links import link_token, row_for_link
from portal.core.times import HELSINKI, local_date
from portal.core.tokens import issue_token
from portal.core.urls import external_url
from portal.experts.matching import Candidate, Match, Need, overlaps, rank_candidates
from portal.experts.models import (
    BUSY_STATUSES,
    AssignmentStatus,
    ExpertAssignment,
    ExpertProfile,
    ExpertRequest,
    ExpertStatus,
    RequestStatus,
)
from portal.experts.services._common import (
    ExpertError,
    assignment_activity,
    audit,
    cancel_assignment,
    mail_request_update,
    refresh_request_status,
    year_bounds,
)
from portal.experts.services.profiles import profile_of
from portal.extensions import db
from portal.impact.models import ActivityStatus

#: Token purpose of the emailed accept/decline link.
ANSWER_PURPOSE = "expert_assignment"


def assignment_counts(year: int) -> dict[int, int]:
    """Accepted and completed assignments per expert in ``year``."""
    start, end = year_bounds(year)
    rows = db.session.execute(
        select(ExpertAssignment.expert_id, func.count())
        .where(
            ExpertAssignment.starts_at >= start,
            ExpertAssignment.starts_at < end,
            ExpertAssignment.status.in_([AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED]),
        )
        .group_by(ExpertAssignment.expert_id)
    ).all()
    return {expert_id: count for expert_id, count in rows}


def _busy_intervals(
    expert_ids: list[int], start: datetime, end: datetime, *, excluding_request: int | None
) -> dict[int, list[tuple[datetime, datetime]]]:
    query = select(ExpertAssignment).where(
        ExpertAssignment.expert_id.in_(expert_ids),
        ExpertAssignment.status.in_(BUSY_STATUSES),
        ExpertAssignment.starts_at < end,
        ExpertAssignment.ends_at > start,
    )
    if excluding_request is not None:
        query = query.where(ExpertAssignment.request_id != excluding_request)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for assignment in db.session.scalars(query):
        busy.setdefault(assignment.expert_id, []).append((assignment.starts_at, assignment.ends_at))
    return busy


@dataclass(frozen=True)
class RankedExpert:
    match: Match
    profile: ExpertProfile
    already_proposed: bool


def rank_experts(request: ExpertRequest) -> list[RankedExpert]:
    """Active experts ranked for ``request`` (three queries whatever the number of experts)."""
    profiles = db.all(select(ExpertProfile).where(ExpertProfile.status == ExpertStatus.ACTIVE))
    ids = [p.user_id for p in profiles]
    busy = _busy_intervals(ids, request.starts_at, request.ends_at, excluding_request=request.id)
    counts = assignment_counts(local_date(request.starts_at).year)
    area = request.org_unit.service_area if request.org_unit else None
    need = Need(
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        areas=frozenset(request.expertise_wanted or []),
        service_area_id=area.id if area else None,
        language=request.language,
        task_type=request.task_type,
        weekday=request.starts_at.astimezone(HELSINKI).weekday(),
    )
    candidates = [
        Candidate(
            expert_id=profile.user_id,
            active=profile.status == ExpertStatus.ACTIVE,
            areas=frozenset(profile.experience_areas or []),
            service_area_ids=frozenset(int(i) for i in profile.service_area_ids or []),
            languages=frozenset(profile.languages or []),
            weekdays=frozenset(int(d) for d in profile.available_weekdays or []),
            willing_tasks=frozenset(profile.willing_task_types()),
            busy=tuple(busy.get(profile.user_id, [])),
            assignments_this_year=counts.get(profile.user_id, 0),
        )
        for profile in profiles
    ]
    by_user = {p.user_id: p for p in profiles}
    proposed = {a.expert_id for a in request.assignments if a.status in BUSY_STATUSES}
    return [
        RankedExpert(
            match=m, profile=by_user[m.expert_id], already_proposed=m.expert_id in proposed
        )
        for m in rank_candidates(need, candidates)
    ]


def _lock_expert(expert: User) -> None:
    """Serialise bookings of one expert: the overlap check and the insert that follows must
    not interleave with another coordinator's (a row lock on PostgreSQL; SQLite already
    allows one writer at a time)."""
    db.session.execute(select(User.id).where(User.id == expert.id).with_for_update())


def _has_overlap(expert: User, start: datetime, end: datetime, request_id: int) -> bool:
    busy = _busy_intervals([expert.id], start, end, excluding_request=request_id)
    return any(overlaps(start, end, s, e) for s, e in busy.get(expert.id, []))


def propose_expert(
    *, actor: User, request: ExpertRequest, expert: User, now: datetime | None = None
) -> ExpertAssignment:
    """Propose ``expert`` for ``request`` and email them a link to accept or decline."""
    now = now or utcnow()
    if request.status in {RequestStatus.COMPLETED, RequestStatus.CANCELLED}:
        raise ExpertError("request_closed")
    if request.starts_at <= now:
        raise ExpertError("in_past")
    profile = profile_of(expert)
    if profile is None or profile.status != ExpertStatus.ACTIVE:
        raise ExpertError("expert_not_active")
    existing = next((a for a in request.assignments if a.expert_id == expert.id), None)
    if existing is not None and existing.status in BUSY_STATUSES:
        raise ExpertError("already_proposed")
    _lock_expert(expert)
    if _has_overlap(expert, request.starts_at, request.ends_at, request.id):
        raise ExpertError("overlap")
    if existing is None:
        assignment = ExpertAssignment(request=request, expert=expert)
        db.session.add(assignment)
    else:  # proposed again after declining or a cancellation
        assignment = existing
        assignment.responded_at = None
        assignment.decline_reason = ""
    assignment.status = AssignmentStatus.PROPOSED
    assignment.starts_at = request.starts_at
    assignment.ends_at = request.ends_at
    assignment.proposed_at = now
    assignment.proposed_by_id = actor.id
    if request.status == RequestStatus.OPEN:
        request.status = RequestStatus.PROPOSED
    db.session.flush()
    lifetime = max(request.starts_at - now, timedelta(hours=1))
    secret = issue_token(
        purpose=ANSWER_PURPOSE,
        lifetime=min(lifetime, timedelta(days=14)),
        user_id=expert.id,
        subject=str(assignment.id),
    )
    mail_person(
        expert,
        subject=_l("Would you take on an assignment? %(title)s", title=request.title),
        template="experts/emails/assignment_proposed",
        name=expert.name,
        request=request,
        unit_name=request.org_unit.name(expert.locale),
        answer_url=external_url("experts.answer_by_link", token=secret),
        page_url=external_url("experts.show_my_assignment", assignment_id=assignment.id),
    )
    audit(
        actor,
        "proposed",
        "expert_assignment",
        assignment.id,
        request_id=request.id,
        expert_id=expert.id,
    )
    db.session.commit()
    return assignment


def _respond(assignment: ExpertAssignment, *, accept: bool, reason: str) -> None:
    if assignment.status != AssignmentStatus.PROPOSED:
        raise ExpertError("not_proposed")
    request = assignment.request
    if request.status == RequestStatus.CANCELLED:
        raise ExpertError("request_closed")
    assignment.responded_at = utcnow()
    if accept:
        _lock_expert(assignment.expert)
        if _has_overlap(assignment.expert, assignment.starts_at, assignment.ends_at, request.id):
            raise ExpertError("overlap")
        assignment.status = AssignmentStatus.ACCEPTED
        assignment_activity(assignment, status=ActivityStatus.PLANNED)
    else:
        assignment.status = AssignmentStatus.DECLINED
        assignment.decline_reason = reason.strip()
    refresh_request_status(request)
    recipients: list[User] = []
    if accept and request.requester is not None:
        recipients.append(request.requester)
    if not accept and assignment.proposed_by_id:
        proposer = db.session.get(User, assignment.proposed_by_id)
        if proposer is not None:
            recipients.append(proposer)
    for person in recipients:
        mail_request_update(
            person,
            request,
            subject=_l("Experience expert request: %(title)s", title=request.title),
            event="accepted" if accept else "declined",
            url=external_url("experts.show_request", request_id=request.id),
        )
    audit(
        assignment.expert, "accepted" if accept else "declined", "expert_assignment", assignment.id
    )


def respond_to_assignment(
    *, actor: User, assignment: ExpertAssignment, accept: bool, reason: str = ""
) -> ExpertAssignment:
    """The expert accepts or declines on their own page."""
    if assignment.expert_id != actor.id:
        raise ExpertError("not_yours")
    _respond(assignment, accept=accept, reason=reason)
    db.session.commit()
    return assignment


def assignment_for_link(*, secret: str) -> ExpertAssignment:
    """The assignment an emailed answer link points to, without using the link up."""
    return row_for_link(
        secret,
        purpose=ANSWER_PURPOSE,
        model=ExpertAssignment,
        owner="expert_id",
        error=ExpertError,
    )


def respond_by_link(*, secret: str, accept: bool, reason: str = "") -> ExpertAssignment:
    """Accept or decline through the emailed link, which works once."""
    assignment = assignment_for_link(secret=secret)
    if assignment.status != AssignmentStatus.PROPOSED:
        raise ExpertError("not_proposed")
    link_token(secret, purpose=ANSWER_PURPOSE, error=ExpertError, use_up=True)
    _respond(assignment, accept=accept, reason=reason)
    db.session.commit()
    return assignment


def withdraw_proposal(*, actor: User, assignment: ExpertAssignment) -> ExpertAssignment:
    """The coordinator takes back a proposal or an accepted assignment before it happens."""
    if assignment.status not in {AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED}:
        raise ExpertError("not_proposed")
    cancel_assignment(assignment)
    refresh_request_status(assignment.request)
    audit(actor, "withdrawn", "expert_assignment", assignment.id)
    db.session.commit()
    return assignment
