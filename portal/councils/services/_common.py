"""What the council services share: the error, the term's activity in the impact chain
and listing members as meeting invitees."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core.audit import DomainAudit
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.times import local_date
from portal.councils.models import (
    Council,
    CouncilMembership,
    CouncilTerm,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
)
from portal.extensions import db
from portal.impact.models import Activity, ActivityKind, ActivityStatus
from portal.impact.services import register_activity

audit = DomainAudit("councils")
"""Add a ``councils.<action>`` audit entry to the current transaction (no personal data)."""

RSVP_PURPOSE = "council_rsvp"
OUTPUT_SOURCE = "council_meeting_output"
TERM_SOURCE = "council_term"


class CouncilError(DomainError):
    """A council rule was broken; ``code`` names it for a translated message."""


def _term_title(council: Council, term: CouncilTerm, name: str | None = None) -> str:
    return f"{name or council.name_fi} {term.starts_on.year}–{term.ends_on.year}"


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
        title_sv=_term_title(council, term, council.name_sv) if council.name_sv else "",
        source_type=TERM_SOURCE,
        source_id=term.id,
        org_unit=council.org_unit,
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        status=status,
    )
    term.activity_id = activity.id


def _meeting_activity(meeting: Meeting) -> Activity:
    """The impact-chain activity of the meeting's term (registered now if it is missing)."""
    term = meeting.term
    if term.activity_id is None:
        _sync_term_activity(meeting.council, term)
    return db.session.get(Activity, term.activity_id)


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
