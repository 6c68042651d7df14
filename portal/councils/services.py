"""Council rules: councils and terms, members and onboarding, applications, meetings,
invitations with calendar attachments, answers, attendance, minutes, materials, outputs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import OrgUnit, User, UserRole
from portal.accounts.services import create_user, find_user_by_email, normalise_email
from portal.core.audit import record_audit
from portal.core.db import utcnow
from portal.core.mail import Attachment, queue_mail
from portal.core.permissions import Role
from portal.core.personal_data import register_personal_data
from portal.core.tokens import TokenInvalid, consume_token, issue_token, peek_token
from portal.core.urls import external_url
from portal.councils.ics import CalendarEvent, build_calendar
from portal.councils.models import (
    ApplicationStatus,
    Council,
    CouncilApplication,
    CouncilMembership,
    CouncilSeatGroup,
    CouncilTerm,
    Meeting,
    MeetingInvitation,
    MeetingMaterial,
    MeetingOutput,
    MeetingStatus,
    MemberRole,
    Rsvp,
)
from portal.councils.times import local_date
from portal.councils.uploads import delete_stored, store_upload
from portal.extensions import db
from portal.impact.models import ActivityKind, ActivityStatus, Attendance, OutputKind
from portal.impact.services import record_participation, register_activity, register_output

RSVP_PURPOSE = "council_rsvp"
MEETING_EVENT = "council_meeting"
OUTPUT_SOURCE = "council_meeting_output"
TERM_SOURCE = "council_term"


class CouncilError(Exception):
    """A council rule was broken; ``code`` names it for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- councils and terms ------------------------------------------------------------------


def _term_title(council: Council, term: CouncilTerm) -> str:
    return f"{council.name_fi} {term.starts_on.year}–{term.ends_on.year}"


def _sync_term_activity(council: Council, term: CouncilTerm) -> None:
    today = date.today()
    if term.ends_on < today:
        status = ActivityStatus.CLOSED
    elif term.starts_on <= today:
        status = ActivityStatus.OPEN
    else:
        status = ActivityStatus.PLANNED
    activity = register_activity(
        kind=ActivityKind.COUNCIL,
        title=_term_title(council, term),
        source_type=TERM_SOURCE,
        source_id=term.id,
        org_unit=council.org_unit,
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        status=status,
    )
    term.activity_id = activity.id


def _add_term(council: Council, starts_on: date, ends_on: date) -> CouncilTerm:
    if ends_on <= starts_on:
        raise CouncilError("term_end_before_start")
    for existing in council.terms:
        if starts_on <= existing.ends_on and existing.starts_on <= ends_on:
            raise CouncilError("term_overlaps")
    term = CouncilTerm(council=council, starts_on=starts_on, ends_on=ends_on)
    db.session.add(term)
    db.session.flush()
    _sync_term_activity(council, term)
    return term


def save_council(
    *,
    actor: User,
    council: Council | None,
    name_fi: str,
    name_sv: str,
    kind: str,
    org_unit: OrgUnit | None,
    purpose: str,
    tasks: str,
    target_size: int,
    accepts_applications: bool,
    responsibles: list[User],
    term_starts_on: date | None = None,
    term_ends_on: date | None = None,
) -> Council:
    """Create a council with its first term, or update one (terms change by renewal)."""
    created = council is None
    if council is None:
        if term_starts_on is None or term_ends_on is None:
            raise CouncilError("term_required")
        if term_ends_on <= term_starts_on:
            raise CouncilError("term_end_before_start")
        council = Council()
        db.session.add(council)
    council.name_fi = name_fi.strip()
    council.name_sv = name_sv.strip()
    council.kind = kind
    council.org_unit = org_unit
    council.purpose = purpose.strip()
    council.tasks = tasks.strip()
    council.target_size = target_size
    council.accepts_applications = accepts_applications
    council.responsibles = list(responsibles)
    db.session.flush()
    if created:
        _add_term(council, term_starts_on, term_ends_on)  # type: ignore[arg-type]
    else:
        for term in council.terms:
            _sync_term_activity(council, term)
    record_audit(
        actor=actor,
        action="councils.created" if created else "councils.updated",
        object_type="council",
        object_id=council.id,
    )
    db.session.commit()
    return council


def add_seat_group(*, actor: User, council: Council, name: str, seats: int) -> CouncilSeatGroup:
    """Add a part of the intended composition (e.g. relatives, 3 seats)."""
    if seats < 1:
        raise CouncilError("seats_positive")
    group = CouncilSeatGroup(council=council, name=name.strip(), seats=seats)
    db.session.add(group)
    record_audit(
        actor=actor, action="councils.seat_group_added", object_type="council", object_id=council.id
    )
    db.session.commit()
    return group


def remove_seat_group(*, actor: User, group: CouncilSeatGroup) -> None:
    council_id = group.council_id
    db.session.delete(group)
    record_audit(
        actor=actor,
        action="councils.seat_group_removed",
        object_type="council",
        object_id=council_id,
    )
    db.session.commit()


def renew_term(
    *,
    actor: User,
    council: Council,
    starts_on: date,
    ends_on: date,
    continuing: list[CouncilMembership],
) -> CouncilTerm:
    """Start a new term; the chosen members continue in it with their roles and checklist."""
    term = _add_term(council, starts_on, ends_on)
    for old in continuing:
        if old.term.council_id != council.id:
            raise CouncilError("not_in_council")
        db.session.add(
            CouncilMembership(
                term=term,
                user_id=old.user_id,
                role=old.role,
                seat_group_id=old.seat_group_id,
                starts_on=starts_on,
                ends_on=ends_on,
                privacy_commitment_on=old.privacy_commitment_on,
                orientation_done_on=old.orientation_done_on,
            )
        )
    record_audit(
        actor=actor,
        action="councils.term_renewed",
        object_type="council",
        object_id=council.id,
        changes={"term_id": term.id, "continuing": len(continuing)},
    )
    db.session.commit()
    return term


# --- members -----------------------------------------------------------------------------


def _ensure_expert_role(actor: User | None, user: User) -> None:
    # Council members and experts share the "expert" role: it opens their own pages.
    if Role.EXPERT not in user.role_set and Role.STAFF not in user.role_set:
        user.roles.append(UserRole(role=str(Role.EXPERT)))
        record_audit(
            actor=actor,
            action="accounts.access_changed",
            object_type="user",
            object_id=user.id,
            changes={"roles": {"added": [str(Role.EXPERT)]}},
        )


def find_or_create_person(*, name: str, email: str, locale: str = "fi") -> User:
    """The user with ``email``, or a new account without a password (they can set one with
    "forgot password"). Flushes only."""
    user = find_user_by_email(email)
    if user is None:
        user = create_user(
            email=normalise_email(email),
            name=name,
            roles={Role.EXPERT},
            locale=locale,
            verified=False,
        )
    return user


def _add_membership(
    *,
    actor: User | None,
    term: CouncilTerm,
    user: User,
    role: str,
    seat_group: CouncilSeatGroup | None,
    starts_on: date | None = None,
) -> CouncilMembership:
    if any(m.user_id == user.id for m in term.memberships):
        raise CouncilError("already_member")
    if seat_group is not None and seat_group.council_id != term.council_id:
        raise CouncilError("not_in_council")
    first_day = max(starts_on or date.today(), term.starts_on)
    if first_day > term.ends_on:
        raise CouncilError("term_ended")
    membership = CouncilMembership(
        term=term,
        user=user,
        role=role,
        seat_group=seat_group,
        starts_on=first_day,
        ends_on=term.ends_on,
    )
    db.session.add(membership)
    if role != MemberRole.STAFF_REPRESENTATIVE:
        _ensure_expert_role(actor, user)
    db.session.flush()
    _invite_to_coming_meetings(membership)
    return membership


def add_member(
    *,
    actor: User,
    term: CouncilTerm,
    name: str,
    email: str,
    role: str,
    seat_group: CouncilSeatGroup | None,
    starts_on: date | None = None,
) -> CouncilMembership:
    """Add a person (found by email, or created) to a term."""
    user = find_or_create_person(name=name, email=email)
    membership = _add_membership(
        actor=actor, term=term, user=user, role=role, seat_group=seat_group, starts_on=starts_on
    )
    record_audit(
        actor=actor,
        action="councils.member_added",
        object_type="council_membership",
        object_id=membership.id,
        changes={"council_id": term.council_id, "term_id": term.id, "role": role},
    )
    db.session.commit()
    return membership


def update_membership(
    *,
    actor: User,
    membership: CouncilMembership,
    role: str,
    seat_group: CouncilSeatGroup | None,
    ends_on: date,
    privacy_commitment_on: date | None,
    orientation_done_on: date | None,
) -> CouncilMembership:
    """Change role, seat, end date and the onboarding checklist of one member."""
    if ends_on < membership.starts_on:
        raise CouncilError("membership_end_before_start")
    if ends_on > membership.term.ends_on:
        raise CouncilError("membership_after_term")
    if seat_group is not None and seat_group.council_id != membership.term.council_id:
        raise CouncilError("not_in_council")
    before = {
        "role": membership.role,
        "seat_group_id": membership.seat_group_id,
        "ends_on": membership.ends_on.isoformat(),
        "privacy_commitment": membership.privacy_commitment_on is not None,
        "orientation": membership.orientation_done_on is not None,
    }
    membership.role = role
    membership.seat_group = seat_group
    membership.ends_on = ends_on
    membership.privacy_commitment_on = privacy_commitment_on
    membership.orientation_done_on = orientation_done_on
    after = {
        "role": role,
        "seat_group_id": seat_group.id if seat_group else None,
        "ends_on": ends_on.isoformat(),
        "privacy_commitment": privacy_commitment_on is not None,
        "orientation": orientation_done_on is not None,
    }
    record_audit(
        actor=actor,
        action="councils.member_updated",
        object_type="council_membership",
        object_id=membership.id,
        changes={
            k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]
        },
    )
    db.session.commit()
    return membership


# --- applications ------------------------------------------------------------------------


def submit_application(
    *,
    council: Council,
    name: str,
    email: str | None,
    phone: str | None,
    motivation: str,
    seat_group: CouncilSeatGroup | None,
    user: User | None = None,
) -> CouncilApplication:
    """Receive an application from the open form (signed in or not)."""
    if not council.accepts_applications or not council.is_active:
        raise CouncilError("not_recruiting")
    if not email and not phone:
        raise CouncilError("contact_required")
    if seat_group is not None and seat_group.council_id != council.id:
        raise CouncilError("not_in_council")
    application = CouncilApplication(
        council=council,
        user_id=user.id if user is not None else None,
        name=name.strip(),
        email=normalise_email(email) if email else None,
        phone=(phone or "").strip() or None,
        motivation=motivation.strip(),
        seat_group=seat_group,
    )
    db.session.add(application)
    db.session.commit()
    return application


def decide_application(
    *, actor: User, application: CouncilApplication, accept: bool, role: str = MemberRole.MEMBER
) -> CouncilApplication:
    """Accept (the applicant becomes a member of the current term) or decline."""
    if application.status != ApplicationStatus.RECEIVED:
        raise CouncilError("already_decided")
    if accept:
        term = application.council.current_term(date.today())
        if term is None or term.ends_on < date.today():
            raise CouncilError("term_ended")
        if application.user_id is not None:
            user = db.session.get(User, application.user_id)
        elif application.email:
            user = find_or_create_person(name=application.name, email=application.email)
        else:
            raise CouncilError("contact_required")
        _add_membership(
            actor=actor, term=term, user=user, role=role, seat_group=application.seat_group
        )
        application.user_id = user.id
    application.status = ApplicationStatus.ACCEPTED if accept else ApplicationStatus.DECLINED
    application.decided_at = utcnow()
    record_audit(
        actor=actor,
        action="councils.application_decided",
        object_type="council_application",
        object_id=application.id,
        changes={"status": application.status},
    )
    db.session.commit()
    return application


# --- meetings ----------------------------------------------------------------------------


def _check_meeting_times(starts_at: datetime, ends_at: datetime, *, now: datetime) -> None:
    if starts_at < now:
        raise CouncilError("meeting_in_past")
    if ends_at <= starts_at:
        raise CouncilError("end_before_start")


def _term_for(council: Council, day: date) -> CouncilTerm:
    for term in council.terms:
        if term.starts_on <= day <= term.ends_on:
            return term
    raise CouncilError("no_term")


def _invite_to_coming_meetings(membership: CouncilMembership) -> None:
    """A new member is invited to the term's coming meetings (invitations are sent later)."""
    now = utcnow()
    coming = db.session.scalars(
        select(Meeting).where(
            Meeting.term_id == membership.term_id,
            Meeting.starts_at > now,
            Meeting.status == MeetingStatus.SCHEDULED,
        )
    )
    for meeting in coming:
        _ensure_invitations(meeting, [membership])


def _ensure_invitations(meeting: Meeting, memberships: list[CouncilMembership]) -> None:
    invited = {inv.user_id for inv in meeting.invitations}
    day = local_date(meeting.starts_at)
    for membership in memberships:
        if membership.user_id in invited or not membership.is_current(day):
            continue
        meeting.invitations.append(
            MeetingInvitation(user_id=membership.user_id, role=membership.role)
        )
        invited.add(membership.user_id)


def schedule_meeting(
    *,
    actor: User,
    council: Council,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    remote_link: str = "",
    accessibility_info: str = "",
    agenda: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Schedule a meeting in the term that covers its date; members are listed as invitees."""
    _check_meeting_times(starts_at, ends_at, now=now or utcnow())
    term = _term_for(council, local_date(starts_at))
    meeting = Meeting(
        council=council,
        term=term,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        remote_link=remote_link.strip(),
        accessibility_info=accessibility_info.strip(),
        agenda=agenda.strip(),
    )
    db.session.add(meeting)
    _ensure_invitations(meeting, term.memberships)
    db.session.flush()
    record_audit(
        actor=actor,
        action="councils.meeting_scheduled",
        object_type="meeting",
        object_id=meeting.id,
    )
    db.session.commit()
    return meeting


def update_meeting(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    remote_link: str,
    accessibility_info: str,
    agenda: str,
    now: datetime | None = None,
) -> Meeting:
    """Change a meeting; a moved meeting may not move into the past."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise CouncilError("meeting_cancelled")
    if starts_at != meeting.starts_at or ends_at != meeting.ends_at:
        _check_meeting_times(starts_at, ends_at, now=now or utcnow())
        term = _term_for(meeting.council, local_date(starts_at))
        meeting.term = term
    meeting.title = title.strip()
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.place = place.strip()
    meeting.remote_link = remote_link.strip()
    meeting.accessibility_info = accessibility_info.strip()
    meeting.agenda = agenda.strip()
    meeting.sequence += 1
    record_audit(
        actor=actor, action="councils.meeting_updated", object_type="meeting", object_id=meeting.id
    )
    db.session.commit()
    return meeting


def meeting_calendar(meeting: Meeting, *, invitee: User | None, cancelled: bool = False) -> str:
    """The iCalendar text of a meeting for one invitee."""
    settings = current_app.config["PORTAL"]
    host = settings.base_url.split("//", 1)[-1].split("/", 1)[0] or "osallistu"
    location = ", ".join(part for part in (meeting.place, meeting.remote_link) if part)
    description = meeting.agenda
    if meeting.accessibility_info:
        description = f"{description}\n\n{meeting.accessibility_info}".strip()
    sender = settings.mail_sender
    organizer_email = sender.split("<")[-1].rstrip(">").strip() if "@" in sender else ""
    return build_calendar(
        CalendarEvent(
            uid=f"council-meeting-{meeting.id}@{host}",
            sequence=meeting.sequence,
            stamp=utcnow(),
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            summary=f"{meeting.council.name_fi}: {meeting.title}",
            description=description,
            location=location,
            url=external_url("councils.show_my_meeting", meeting_id=meeting.id),
            organizer_email=organizer_email,
            organizer_name="Osallistu",
            attendee_email=(invitee.email or "") if invitee else "",
            attendee_name=invitee.name if invitee else "",
            cancelled=cancelled,
        )
    )


def _calendar_attachment(text: str) -> Attachment:
    return Attachment(
        filename="invite.ics",
        content_type="text/calendar; charset=utf-8; method=REQUEST"
        if "METHOD:REQUEST" in text
        else "text/calendar; charset=utf-8; method=CANCEL",
        data=text.encode("utf-8"),
    )


def send_invitations(*, actor: User, meeting: Meeting, now: datetime | None = None) -> int:
    """Email every current member an invitation with a calendar attachment and an answer
    link; members added since the last sending are invited too. Returns the count sent."""
    now = now or utcnow()
    if meeting.status == MeetingStatus.CANCELLED:
        raise CouncilError("meeting_cancelled")
    if meeting.ends_at <= now:
        raise CouncilError("meeting_over")
    _ensure_invitations(meeting, meeting.term.memberships)
    db.session.flush()
    lifetime = max(meeting.ends_at - now, timedelta(hours=1))
    sent = 0
    for invitation in meeting.invitations:
        user = invitation.user
        if not user.email or not user.is_active:
            continue
        secret = issue_token(
            purpose=RSVP_PURPOSE, lifetime=lifetime, user_id=user.id, subject=str(invitation.id)
        )
        calendar = meeting_calendar(meeting, invitee=user)
        queue_mail(
            to=user.email,
            subject=_l("Invitation: %(title)s", title=meeting.title),
            template="councils/emails/meeting_invitation",
            locale=user.locale,
            attachments=[_calendar_attachment(calendar)],
            name=user.name,
            meeting=meeting,
            council_name=meeting.council.name(user.locale),
            answer_url=external_url("councils.answer_by_link", token=secret),
            meeting_url=external_url("councils.show_my_meeting", meeting_id=meeting.id),
            updated=invitation.sent_at is not None,
        )
        invitation.sent_at = now
        sent += 1
    meeting.invitations_sent_at = now
    record_audit(
        actor=actor,
        action="councils.invitations_sent",
        object_type="meeting",
        object_id=meeting.id,
        changes={"sent": sent, "sequence": meeting.sequence},
    )
    db.session.commit()
    return sent


def cancel_meeting(*, actor: User, meeting: Meeting) -> Meeting:
    """Cancel a coming meeting; invitees who got an invitation get a cancellation."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise CouncilError("meeting_cancelled")
    if meeting.starts_at <= utcnow():
        raise CouncilError("meeting_over")
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    for invitation in meeting.invitations:
        user = invitation.user
        if invitation.sent_at is None or not user.email:
            continue
        calendar = meeting_calendar(meeting, invitee=user, cancelled=True)
        queue_mail(
            to=user.email,
            subject=_l("Cancelled: %(title)s", title=meeting.title),
            template="councils/emails/meeting_cancelled",
            locale=user.locale,
            attachments=[_calendar_attachment(calendar)],
            name=user.name,
            meeting=meeting,
            council_name=meeting.council.name(user.locale),
        )
    record_audit(
        actor=actor,
        action="councils.meeting_cancelled",
        object_type="meeting",
        object_id=meeting.id,
    )
    db.session.commit()
    return meeting


def _record_answer(invitation: MeetingInvitation, answer: str) -> None:
    if answer not in {Rsvp.ATTENDING, Rsvp.REMOTE, Rsvp.NOT_ATTENDING}:
        raise CouncilError("unknown_answer")
    meeting = invitation.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        raise CouncilError("meeting_cancelled")
    if meeting.ends_at <= utcnow():
        raise CouncilError("meeting_over")
    invitation.rsvp = answer
    invitation.rsvp_at = utcnow()


def answer_invitation(*, actor: User, invitation: MeetingInvitation, answer: str) -> None:
    """The member's own answer from their page."""
    if invitation.user_id != actor.id:
        raise CouncilError("not_yours")
    _record_answer(invitation, answer)
    db.session.commit()


def invitation_for_link(*, secret: str) -> MeetingInvitation:
    """The invitation an answer link points to, without using the link up."""
    try:
        token = peek_token(secret, purpose=RSVP_PURPOSE)
    except TokenInvalid as exc:
        raise CouncilError("invalid_link") from exc
    invitation = db.session.get(MeetingInvitation, int(token.subject or 0))
    if invitation is None or invitation.user_id != token.user_id:
        raise CouncilError("invalid_link")
    return invitation


def answer_by_link(*, secret: str, answer: str) -> MeetingInvitation:
    """Answer through the emailed link; the link works once (the answer can still be
    changed on the member's own page)."""
    invitation = invitation_for_link(secret=secret)
    try:
        consume_token(secret, purpose=RSVP_PURPOSE)
    except TokenInvalid as exc:
        raise CouncilError("invalid_link") from exc
    _record_answer(invitation, answer)
    db.session.commit()
    return invitation


def mark_attendance(
    *,
    actor: User,
    meeting: Meeting,
    marks: dict[int, tuple[str, Decimal]],
    now: datetime | None = None,
) -> Meeting:
    """Record who attended (present, remote, absent) and for how many hours.

    Each mark becomes a participation in the term's activity (event ``council_meeting``),
    which the fees domain turns into claims for those who attended.
    """
    if meeting.status == MeetingStatus.CANCELLED:
        raise CouncilError("meeting_cancelled")
    if meeting.starts_at > (now or utcnow()):
        raise CouncilError("meeting_not_started")
    term = meeting.term
    if term.activity_id is None:
        _sync_term_activity(meeting.council, term)
    from portal.impact.models import Activity

    activity = db.session.get(Activity, term.activity_id)
    by_id = {inv.id: inv for inv in meeting.invitations}
    for invitation_id, (attendance, hours) in marks.items():
        invitation = by_id.get(invitation_id)
        if invitation is None:
            raise CouncilError("not_invited")
        if attendance not in set(Attendance):
            raise CouncilError("unknown_attendance")
        if hours < 0 or hours > 24:
            raise CouncilError("hours_out_of_range")
        if attendance != Attendance.ABSENT and hours == 0:
            raise CouncilError("hours_required")
        invitation.attendance = attendance
        invitation.hours = hours if attendance != Attendance.ABSENT else Decimal("0")
        record_participation(
            activity=activity,
            user=invitation.user,
            occurred_on=local_date(meeting.starts_at),
            hours=invitation.hours,
            attendance=attendance,
            role=invitation.role,
            event_type=MEETING_EVENT,
            event_id=meeting.id,
        )
    meeting.attendance_marked_at = now or utcnow()
    record_audit(
        actor=actor,
        action="councils.attendance_marked",
        object_type="meeting",
        object_id=meeting.id,
        changes={"marked": len(marks)},
    )
    db.session.commit()
    return meeting


def save_minutes(*, actor: User, meeting: Meeting, minutes: str) -> Meeting:
    meeting.minutes = minutes.strip()
    record_audit(
        actor=actor, action="councils.minutes_saved", object_type="meeting", object_id=meeting.id
    )
    db.session.commit()
    return meeting


def add_material(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    url: str = "",
    filename: str | None = None,
    stream: IO[bytes] | None = None,
) -> MeetingMaterial:
    """Add an uploaded document or a link; a file is checked by type and size
    (``portal.councils.uploads.UploadRejected`` when refused)."""
    if not url and stream is None:
        raise CouncilError("file_or_link")
    # Store (and check) the file before the row exists, so a refused file leaves nothing.
    stored = store_upload(filename, stream) if stream is not None and filename else None
    material = MeetingMaterial(meeting=meeting, title=title.strip(), created_by_id=actor.id)
    if stored is not None:
        material.stored_name = stored.stored_name
        material.filename = stored.filename
        material.content_type = stored.content_type
        material.size_bytes = stored.size_bytes
    else:
        material.url = url.strip()
    db.session.add(material)
    db.session.commit()
    return material


def remove_material(*, actor: User, material: MeetingMaterial) -> None:
    stored = material.stored_name
    db.session.delete(material)
    db.session.commit()
    delete_stored(stored)


def record_meeting_output(
    *, actor: User, meeting: Meeting, kind: str, title: str, text: str
) -> MeetingOutput:
    """Register a recommendation or statement of the meeting as an output of the term, so
    that decision makers can respond to it."""
    if kind not in {OutputKind.RECOMMENDATION, OutputKind.STATEMENT}:
        raise CouncilError("unknown_output")
    term = meeting.term
    if term.activity_id is None:
        _sync_term_activity(meeting.council, term)
    from portal.impact.models import Activity

    activity = db.session.get(Activity, term.activity_id)
    item = MeetingOutput(meeting=meeting, kind=kind, title=title.strip(), text=text.strip())
    db.session.add(item)
    db.session.flush()
    output = register_output(
        activity=activity,
        kind=kind,
        title=item.title,
        text=item.text,
        source_type=OUTPUT_SOURCE,
        source_id=item.id,
    )
    item.output_id = output.id
    record_audit(
        actor=actor,
        action="councils.output_recorded",
        object_type="meeting",
        object_id=meeting.id,
        changes={"output_id": output.id, "kind": kind},
    )
    db.session.commit()
    return item


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CouncilRow:
    council: Council
    term: CouncilTerm | None
    members: int
    vacancies: int
    not_onboarded: int
    applications: int
    next_meeting: Any | None  # a row with id and starts_at

    @property
    def term_ends_soon(self) -> bool:
        return self.term is not None and self.term.ends_on <= date.today() + timedelta(days=90)


def current_members(term: CouncilTerm | None, on: date) -> list[CouncilMembership]:
    if term is None:
        return []
    return [m for m in term.memberships if m.is_current(on) or m.starts_on > on]


def council_rows(*, active_only: bool = True) -> list[CouncilRow]:
    """Every council with its current term, membership status and vacancies (few queries)."""
    today = date.today()
    query = select(Council).order_by(Council.name_fi)
    if active_only:
        query = query.where(Council.is_active.is_(True))
    councils = list(db.session.scalars(query))
    ids = [c.id for c in councils]
    applications: dict[int, int] = {}
    next_meetings: dict[int, Any] = {}
    if ids:
        applications = dict(
            db.session.execute(
                select(CouncilApplication.council_id, func.count())
                .where(
                    CouncilApplication.council_id.in_(ids),
                    CouncilApplication.status == ApplicationStatus.RECEIVED,
                )
                .group_by(CouncilApplication.council_id)
            ).all()
        )
        # Columns only: loading whole meetings would pull in every invitation too.
        for meeting in db.session.execute(
            select(Meeting.council_id, Meeting.id, Meeting.starts_at)
            .where(
                Meeting.council_id.in_(ids),
                Meeting.starts_at >= utcnow(),
                Meeting.status == MeetingStatus.SCHEDULED,
            )
            .order_by(Meeting.starts_at)
        ):
            next_meetings.setdefault(meeting.council_id, meeting)
    rows = []
    for council in councils:
        term = council.current_term(today)
        members = current_members(term, today)
        rows.append(
            CouncilRow(
                council=council,
                term=term,
                members=len(members),
                vacancies=max(0, council.target_size - len(members)),
                not_onboarded=sum(1 for m in members if not m.onboarded),
                applications=applications.get(council.id, 0),
                next_meeting=next_meetings.get(council.id),
            )
        )
    return rows


def seat_group_status(council: Council, members: list[CouncilMembership]) -> list[dict[str, Any]]:
    """Filled and vacant seats per seat group."""
    rows = []
    for group in council.seat_groups:
        filled = sum(1 for m in members if m.seat_group_id == group.id)
        rows.append({"group": group, "filled": filled, "vacant": max(0, group.seats - filled)})
    return rows


def recruiting_councils() -> list[Council]:
    return list(
        db.session.scalars(
            select(Council)
            .where(Council.is_active.is_(True), Council.accepts_applications.is_(True))
            .order_by(Council.name_fi)
        )
    )


def council_meetings(council: Council) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.council_id == council.id)
            .order_by(Meeting.starts_at.desc())
        )
    )


def pending_applications(council: Council) -> list[CouncilApplication]:
    return list(
        db.session.scalars(
            select(CouncilApplication)
            .where(
                CouncilApplication.council_id == council.id,
                CouncilApplication.status == ApplicationStatus.RECEIVED,
            )
            .order_by(CouncilApplication.created_at)
        )
    )


def meetings_between(start: datetime, end: datetime) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.starts_at >= start, Meeting.starts_at < end)
            .order_by(Meeting.starts_at)
        )
    )


def my_memberships(user: User) -> list[CouncilMembership]:
    return list(
        db.session.scalars(
            select(CouncilMembership)
            .where(CouncilMembership.user_id == user.id)
            .options(selectinload(CouncilMembership.term).joinedload(CouncilTerm.council))
            .order_by(CouncilMembership.starts_on.desc())
        )
    )


def my_invitations(user: User) -> Select[tuple[MeetingInvitation]]:
    return (
        select(MeetingInvitation)
        .join(MeetingInvitation.meeting)
        .where(MeetingInvitation.user_id == user.id)
        .order_by(Meeting.starts_at.desc())
    )


def invitation_of(user: User, meeting: Meeting) -> MeetingInvitation | None:
    return next((inv for inv in meeting.invitations if inv.user_id == user.id), None)


# --- personal data -----------------------------------------------------------------------


def _export(user: User) -> dict[str, Any] | None:
    memberships = my_memberships(user)
    invitations = list(db.session.scalars(my_invitations(user)))
    applications = list(
        db.session.scalars(select(CouncilApplication).where(CouncilApplication.user_id == user.id))
    )
    if not (memberships or invitations or applications):
        return None
    return {
        "memberships": [
            {
                "council": m.term.council.name_fi,
                "role": m.role,
                "starts_on": m.starts_on.isoformat(),
                "ends_on": m.ends_on.isoformat(),
                "privacy_commitment_on": _iso(m.privacy_commitment_on),
                "orientation_done_on": _iso(m.orientation_done_on),
            }
            for m in memberships
        ],
        "meetings": [
            {
                "meeting": inv.meeting.title,
                "starts_at": inv.meeting.starts_at.isoformat(),
                "answer": inv.rsvp,
                "attendance": inv.attendance,
                "hours": str(inv.hours) if inv.hours is not None else None,
            }
            for inv in invitations
        ],
        "applications": [
            {
                "council": a.council.name_fi,
                "sent_at": a.created_at.isoformat(),
                "phone": a.phone,
                "motivation": a.motivation,
                "status": a.status,
            }
            for a in applications
        ],
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _erase(user: User) -> None:
    # Memberships and attendance stay (linked to the tombstone) so counts stay right;
    # what the person wrote in applications is removed.
    conditions = [CouncilApplication.user_id == user.id]
    if user.email:
        conditions.append(CouncilApplication.email == user.email)
    for application in db.session.scalars(
        select(CouncilApplication).where(
            conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
        )
    ):
        application.name = ""
        application.email = None
        application.phone = None
        application.motivation = ""
        application.user_id = user.id
    db.session.flush()


register_personal_data("councils", export=_export, erase=_erase)
