"""What is recorded of a held meeting: attendance, minutes and materials."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import IO

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.times import local_date
from portal.core.uploads import delete_stored, store_upload
from portal.councils.models import (
    Meeting,
    MeetingMaterial,
    MeetingStatus,
)
from portal.councils.services._common import CouncilError, _meeting_activity, audit
from portal.extensions import db
from portal.impact.models import Attendance, EventType
from portal.impact.services import record_participation


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
    activity = _meeting_activity(meeting)
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
            event_type=EventType.COUNCIL_MEETING,
            event_id=meeting.id,
        )
    meeting.attendance_marked_at = now or utcnow()
    audit(actor, "attendance_marked", "meeting", meeting.id, marked=len(marks))
    db.session.commit()
    return meeting


def save_minutes(*, actor: User, meeting: Meeting, minutes: str) -> Meeting:
    meeting.minutes = minutes.strip()
    audit(actor, "minutes_saved", "meeting", meeting.id)
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
    (``portal.core.uploads.UploadRejected`` when refused)."""
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
