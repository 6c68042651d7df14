"""Experience-bank rules: profiles, documents, requests, proposals, answers, confirmation,
ratings, and the figures coordinators use to share work fairly."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from portal.accounts.models import OrgUnit, User, UserRole
from portal.core.audit import record_audit
from portal.core.db import utcnow
from portal.core.mail import queue_mail
from portal.core.permissions import Role
from portal.core.personal_data import register_personal_data
from portal.core.tokens import TokenInvalid, consume_token, issue_token, peek_token
from portal.core.urls import external_url
from portal.councils.services import find_or_create_person
from portal.councils.times import HELSINKI, local_date
from portal.councils.uploads import delete_stored, store_upload
from portal.experts.matching import Candidate, Match, Need, overlaps, rank_candidates
from portal.experts.models import (
    BUSY_STATUSES,
    AssignmentStatus,
    ExpertAssignment,
    ExpertDocument,
    ExpertProfile,
    ExpertRequest,
    ExpertStatus,
    RequestStatus,
    TaskType,
)
from portal.extensions import db
from portal.impact.models import ActivityKind, ActivityStatus, Attendance
from portal.impact.services import record_participation, register_activity

ANSWER_PURPOSE = "expert_assignment"
ASSIGNMENT_EVENT = "expert_assignment"
ASSIGNMENT_SOURCE = "expert_assignment"


class ExpertError(Exception):
    """An experience-bank rule was broken; ``code`` names it for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- profiles and documents --------------------------------------------------------------


def save_profile(
    *,
    actor: User,
    profile: ExpertProfile | None,
    name: str = "",
    email: str = "",
    status: str,
    training_completed_on: date | None,
    experience_areas: list[str],
    service_area_ids: list[int],
    languages: list[str],
    available_weekdays: list[int],
    availability_note: str,
    willing: set[str],
) -> ExpertProfile:
    """Create a profile (for a person found by email, or a new account) or update one."""
    if status not in set(ExpertStatus):
        raise ExpertError("unknown_status")
    if status == ExpertStatus.ACTIVE and training_completed_on is None:
        raise ExpertError("training_required")
    created = profile is None
    if profile is None:
        user = find_or_create_person(name=name, email=email)
        exists = db.session.scalars(
            select(ExpertProfile).where(ExpertProfile.user_id == user.id)
        ).first()
        if exists is not None:
            raise ExpertError("profile_exists")
        if Role.EXPERT not in user.role_set:
            user.roles.append(UserRole(role=str(Role.EXPERT)))
            record_audit(
                actor=actor,
                action="accounts.access_changed",
                object_type="user",
                object_id=user.id,
                changes={"roles": {"added": [str(Role.EXPERT)]}},
            )
        profile = ExpertProfile(user=user)
        db.session.add(profile)
    before_status = profile.status
    profile.status = status
    profile.training_completed_on = training_completed_on
    profile.experience_areas = sorted(set(experience_areas))
    profile.service_area_ids = sorted({int(i) for i in service_area_ids})
    profile.languages = sorted(set(languages))
    profile.available_weekdays = sorted({int(d) for d in available_weekdays})
    profile.availability_note = availability_note.strip()
    for task in TaskType:
        if task != TaskType.OTHER:
            setattr(profile, f"willing_{task}", task in willing)
    db.session.flush()
    record_audit(
        actor=actor,
        action="experts.profile_created" if created else "experts.profile_updated",
        object_type="expert_profile",
        object_id=profile.id,
        changes={"status": {"before": None if created else before_status, "after": status}},
    )
    db.session.commit()
    return profile


def add_document(
    *,
    actor: User,
    expert: User,
    kind: str,
    title: str,
    signed_on: date | None,
    filename: str,
    stream: IO[bytes],
) -> ExpertDocument:
    """Store a signed agreement or certificate (``UploadRejected`` when the file is refused)."""
    stored = store_upload(filename, stream)
    document = ExpertDocument(
        user_id=expert.id,
        kind=kind,
        title=title.strip(),
        signed_on=signed_on,
        stored_name=stored.stored_name,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        created_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    record_audit(
        actor=actor,
        action="experts.document_added",
        object_type="expert_document",
        object_id=document.id,
        changes={"user_id": expert.id, "kind": kind},
    )
    db.session.commit()
    return document


def remove_document(*, actor: User, document: ExpertDocument) -> None:
    stored = document.stored_name
    record_audit(
        actor=actor,
        action="experts.document_removed",
        object_type="expert_document",
        object_id=document.id,
        changes={"user_id": document.user_id},
    )
    db.session.delete(document)
    db.session.commit()
    delete_stored(stored)


def documents_of(user: User) -> list[ExpertDocument]:
    return list(
        db.session.scalars(
            select(ExpertDocument)
            .where(ExpertDocument.user_id == user.id)
            .order_by(ExpertDocument.created_at.desc())
        )
    )


def profile_of(user: User) -> ExpertProfile | None:
    return db.session.scalars(select(ExpertProfile).where(ExpertProfile.user_id == user.id)).first()


def list_profiles(*, status: str | None = None) -> Select[tuple[ExpertProfile]]:
    query = select(ExpertProfile).join(ExpertProfile.user).order_by(User.name, ExpertProfile.id)
    if status:
        query = query.where(ExpertProfile.status == status)
    return query


# --- requests ----------------------------------------------------------------------------


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
        queue_mail(
            to=coordinator.email,
            subject=_l("New request for an experience expert: %(title)s", title=request.title),
            template="experts/emails/request_update",
            locale=coordinator.locale,
            name=coordinator.name,
            request=request,
            event="filed",
            url=external_url("experts.match_request", request_id=request.id),
        )
    record_audit(
        actor=actor,
        action="experts.request_filed",
        object_type="expert_request",
        object_id=request.id,
    )
    db.session.commit()
    return request


def cancel_request(*, actor: User, request: ExpertRequest) -> ExpertRequest:
    """Cancel a request that has not taken place; live proposals and assignments end too."""
    if request.status in {RequestStatus.COMPLETED, RequestStatus.CANCELLED}:
        raise ExpertError("request_closed")
    request.status = RequestStatus.CANCELLED
    for assignment in request.assignments:
        if assignment.status in {AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED}:
            assignment.status = AssignmentStatus.CANCELLED
            if assignment.activity_id is not None:
                _assignment_activity(assignment, status=ActivityStatus.CLOSED)
    record_audit(
        actor=actor,
        action="experts.request_cancelled",
        object_type="expert_request",
        object_id=request.id,
    )
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


# --- matching and proposals --------------------------------------------------------------


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def assignment_counts(year: int) -> dict[int, int]:
    """Accepted and completed assignments per expert in ``year``."""
    start, end = _year_bounds(year)
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
    profiles = list(
        db.session.scalars(select(ExpertProfile).where(ExpertProfile.status == ExpertStatus.ACTIVE))
    )
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
    queue_mail(
        to=expert.email,
        subject=_l("Would you take on an assignment? %(title)s", title=request.title),
        template="experts/emails/assignment_proposed",
        locale=expert.locale,
        name=expert.name,
        request=request,
        unit_name=request.org_unit.name(expert.locale),
        answer_url=external_url("experts.answer_by_link", token=secret),
        page_url=external_url("experts.show_my_assignment", assignment_id=assignment.id),
    )
    record_audit(
        actor=actor,
        action="experts.proposed",
        object_type="expert_assignment",
        object_id=assignment.id,
        changes={"request_id": request.id, "expert_id": expert.id},
    )
    db.session.commit()
    return assignment


def _assignment_activity(assignment: ExpertAssignment, *, status: str) -> Any:
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


def _refresh_request_status(request: ExpertRequest) -> None:
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
        _assignment_activity(assignment, status=ActivityStatus.PLANNED)
    else:
        assignment.status = AssignmentStatus.DECLINED
        assignment.decline_reason = reason.strip()
    _refresh_request_status(request)
    recipients: list[User] = []
    if accept and request.requester is not None:
        recipients.append(request.requester)
    if not accept and assignment.proposed_by_id:
        proposer = db.session.get(User, assignment.proposed_by_id)
        if proposer is not None:
            recipients.append(proposer)
    for person in recipients:
        queue_mail(
            to=person.email,
            subject=_l("Experience expert request: %(title)s", title=request.title),
            template="experts/emails/request_update",
            locale=person.locale,
            name=person.name,
            request=request,
            event="accepted" if accept else "declined",
            url=external_url("experts.show_request", request_id=request.id),
        )
    record_audit(
        actor=assignment.expert,
        action="experts.accepted" if accept else "experts.declined",
        object_type="expert_assignment",
        object_id=assignment.id,
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
    try:
        token = peek_token(secret, purpose=ANSWER_PURPOSE)
    except TokenInvalid as exc:
        raise ExpertError("invalid_link") from exc
    assignment = db.session.get(ExpertAssignment, int(token.subject or 0))
    if assignment is None or assignment.expert_id != token.user_id:
        raise ExpertError("invalid_link")
    return assignment


def respond_by_link(*, secret: str, accept: bool, reason: str = "") -> ExpertAssignment:
    """Accept or decline through the emailed link, which works once."""
    assignment = assignment_for_link(secret=secret)
    if assignment.status != AssignmentStatus.PROPOSED:
        raise ExpertError("not_proposed")
    try:
        consume_token(secret, purpose=ANSWER_PURPOSE)
    except TokenInvalid as exc:
        raise ExpertError("invalid_link") from exc
    _respond(assignment, accept=accept, reason=reason)
    db.session.commit()
    return assignment


def withdraw_proposal(*, actor: User, assignment: ExpertAssignment) -> ExpertAssignment:
    """The coordinator takes back a proposal or an accepted assignment before it happens."""
    if assignment.status not in {AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED}:
        raise ExpertError("not_proposed")
    assignment.status = AssignmentStatus.CANCELLED
    if assignment.activity_id is not None:
        _assignment_activity(assignment, status=ActivityStatus.CLOSED)
    _refresh_request_status(assignment.request)
    record_audit(
        actor=actor,
        action="experts.withdrawn",
        object_type="expert_assignment",
        object_id=assignment.id,
    )
    db.session.commit()
    return assignment


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
    activity = _assignment_activity(assignment, status=ActivityStatus.CLOSED)
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
            event_type=ASSIGNMENT_EVENT,
            event_id=assignment.id,
        )
    else:
        assignment.status = AssignmentStatus.NOT_HELD
        assignment.hours = Decimal("0")
    _refresh_request_status(assignment.request)
    record_audit(
        actor=actor,
        action="experts.confirmed" if held else "experts.not_held",
        object_type="expert_assignment",
        object_id=assignment.id,
        changes={"hours": str(assignment.hours)},
    )
    db.session.commit()
    return assignment


def rate_assignment(
    *, actor: User, assignment: ExpertAssignment, rating: int, feedback: str
) -> ExpertAssignment:
    """The requesting unit rates a completed assignment (1 to 5) with optional words."""
    if not can_confirm(actor, assignment.request):
        raise ExpertError("not_yours")
    if assignment.status != AssignmentStatus.COMPLETED:
        raise ExpertError("not_completed")
    if not 1 <= rating <= 5:
        raise ExpertError("rating_range")
    assignment.requester_rating = rating
    assignment.requester_feedback = feedback.strip()
    db.session.commit()
    return assignment


def give_expert_feedback(
    *, actor: User, assignment: ExpertAssignment, rating: int, feedback: str
) -> ExpertAssignment:
    """The expert tells how the assignment went for them (1 to 5, and words)."""
    if assignment.expert_id != actor.id:
        raise ExpertError("not_yours")
    if assignment.status != AssignmentStatus.COMPLETED:
        raise ExpertError("not_completed")
    if not 1 <= rating <= 5:
        raise ExpertError("rating_range")
    assignment.expert_rating = rating
    assignment.expert_feedback = feedback.strip()
    db.session.commit()
    return assignment


# --- reading -----------------------------------------------------------------------------


def my_assignments(user: User) -> list[ExpertAssignment]:
    return list(
        db.session.scalars(
            select(ExpertAssignment)
            .where(ExpertAssignment.expert_id == user.id)
            .order_by(ExpertAssignment.starts_at.desc())
        )
    )


def requests_between(start: datetime, end: datetime) -> list[ExpertRequest]:
    return list(
        db.session.scalars(
            select(ExpertRequest)
            .where(
                ExpertRequest.starts_at >= start,
                ExpertRequest.starts_at < end,
                ExpertRequest.status != RequestStatus.CANCELLED,
            )
            .order_by(ExpertRequest.starts_at)
        )
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
    start, end = _year_bounds(year)
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


# --- personal data -----------------------------------------------------------------------


def _export(user: User) -> dict[str, Any] | None:
    profile = profile_of(user)
    assignments = my_assignments(user)
    documents = documents_of(user)
    if profile is None and not assignments and not documents:
        return None
    return {
        "profile": None
        if profile is None
        else {
            "status": profile.status,
            "training_completed_on": profile.training_completed_on.isoformat()
            if profile.training_completed_on
            else None,
            "experience_areas": profile.experience_areas,
            "languages": profile.languages,
            "available_weekdays": profile.available_weekdays,
            "availability_note": profile.availability_note,
            "willing": sorted(profile.willing_task_types()),
        },
        "documents": [
            {"kind": d.kind, "title": d.title, "filename": d.filename} for d in documents
        ],
        "assignments": [
            {
                "title": a.request.title,
                "starts_at": a.starts_at.isoformat(),
                "status": a.status,
                "hours": str(a.hours) if a.hours is not None else None,
                "my_feedback": a.expert_feedback,
            }
            for a in assignments
        ],
    }


def _erase(user: User) -> None:
    # Assignments stay (hours and counts), but what is personal goes: the profile with
    # its lived-experience areas, the documents and the words of the feedback.
    for document in documents_of(user):
        delete_stored(document.stored_name)
        db.session.delete(document)
    profile = profile_of(user)
    if profile is not None:
        db.session.delete(profile)
    for assignment in my_assignments(user):
        assignment.expert_feedback = ""
        assignment.decline_reason = ""
        assignment.requester_feedback = ""
    db.session.flush()


register_personal_data("experts", export=_export, erase=_erase)
