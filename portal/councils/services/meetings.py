"""Meetings: scheduling, calendar invitations, cancelling and the invitees' answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypedDict, Unpack

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.mail import Attachment, mail_person
from portal.core.service_links import link_token, row_for_link
from portal.core.service_text import entered_fields
from portal.core.times import local_date
from portal.core.tokens import issue_token
from portal.core.urls import external_url
from portal.councils.ics import CalendarEvent, build_calendar
from portal.councils.models import (
    Council,
    CouncilTerm,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Rsvp,
)
from portal.councils.services._common import RSVP_PURPOSE, CouncilError, _ensure_invitations, audit
from portal.extensions import db


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


class _RequiredMeetingFields(TypedDict):
    title: str
    starts_at: datetime
    ends_at: datetime


class MeetingFields(_RequiredMeetingFields, total=False):
    """What a coordinator enters about a meeting: the fields of :func:`schedule_meeting` and
    :func:`update_meeting`, declared once so the two cannot drift apart."""

    place: str
    remote_link: str
    accessibility_info: str
    agenda: str


# What the optional fields are when they are left out.
_FIELD_DEFAULTS = {"place": "", "remote_link": "", "accessibility_info": "", "agenda": ""}


def _written_fields(fields: MeetingFields) -> dict[str, Any]:
    return entered_fields(fields, declared=MeetingFields, defaults=_FIELD_DEFAULTS)


def schedule_meeting(
    *,
    actor: User,
    council: Council,
    now: datetime | None = None,
    **fields: Unpack[MeetingFields],
) -> Meeting:
    """Schedule a meeting in the term that covers its date; members are listed as invitees."""
    values = _written_fields(fields)
    _check_meeting_times(values["starts_at"], values["ends_at"], now=now or utcnow())
    term = _term_for(council, local_date(values["starts_at"]))
    meeting = Meeting(council=council, term=term, **values)
    db.session.add(meeting)
    _ensure_invitations(meeting, term.memberships)
    db.session.flush()
    audit(actor, "meeting_scheduled", "meeting", meeting.id)
    db.session.commit()
    return meeting


def update_meeting(
    *,
    actor: User,
    meeting: Meeting,
    now: datetime | None = None,
    **fields: Unpack[MeetingFields],
) -> Meeting:
    """Change a meeting; a moved meeting may not move into the past."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise CouncilError("meeting_cancelled")
    values = _written_fields(fields)
    starts_at, ends_at = values["starts_at"], values["ends_at"]
    if starts_at != meeting.starts_at or ends_at != meeting.ends_at:
        _check_meeting_times(starts_at, ends_at, now=now or utcnow())
        meeting.term = _term_for(meeting.council, local_date(starts_at))
    for name, value in values.items():
        setattr(meeting, name, value)
    meeting.sequence += 1
    audit(actor, "meeting_updated", "meeting", meeting.id)
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


def _mail_invitee(
    meeting: Meeting,
    user: User,
    *,
    subject: Any,
    template: str,
    cancelled: bool = False,
    **context: Any,
) -> None:
    """Queue a mail about ``meeting`` to one invitee, with the calendar entry attached."""
    calendar = meeting_calendar(meeting, invitee=user, cancelled=cancelled)
    mail_person(
        user,
        subject=subject,
        template=template,
        attachments=[_calendar_attachment(calendar)],
        name=user.name,
        meeting=meeting,
        council_name=meeting.council.name(user.locale),
        **context,
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
        _mail_invitee(
            meeting,
            user,
            subject=_l("Invitation: %(title)s", title=meeting.title),
            template="councils/emails/meeting_invitation",
            answer_url=external_url("councils.answer_by_link", token=secret),
            meeting_url=external_url("councils.show_my_meeting", meeting_id=meeting.id),
            updated=invitation.sent_at is not None,
        )
        invitation.sent_at = now
        sent += 1
    meeting.invitations_sent_at = now
    audit(actor, "invitations_sent", "meeting", meeting.id, sent=sent, sequence=meeting.sequence)
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
        _mail_invitee(
            meeting,
            user,
            subject=_l("Cancelled: %(title)s", title=meeting.title),
            template="councils/emails/meeting_cancelled",
            cancelled=True,
        )
    audit(actor, "meeting_cancelled", "meeting", meeting.id)
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
    return row_for_link(
        secret, purpose=RSVP_PURPOSE, model=MeetingInvitation, owner="user_id", error=CouncilError
    )


def answer_by_link(*, secret: str, answer: str) -> MeetingInvitation:
    """Answer through the emailed link; the link works once (the answer can still be
    changed on the member's own page)."""
    invitation = invitation_for_link(secret=secret)
    link_token(secret, purpose=RSVP_PURPOSE, error=CouncilError, use_up=True)
    _record_answer(invitation, answer)
    db.session.commit()
    return invitation


def council_meetings(council: Council) -> list[Meeting]:
    return db.all(
        select(Meeting).where(Meeting.council_id == council.id).order_by(Meeting.starts_at.desc())
    )


def meetings_between(start: datetime, end: datetime) -> list[Meeting]:
    return db.all(
        select(Meeting)
        .where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .order_by(Meeting.starts_at)
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
