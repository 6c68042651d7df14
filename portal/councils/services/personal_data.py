"""What the councils domain holds about a person: export and erasure."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.councils.models import (
    CouncilApplication,
)
from portal.councils.services.meetings import my_invitations
from portal.councils.services.members import my_memberships
from portal.extensions import db


def export_personal_data(user: User) -> dict[str, Any] | None:
    memberships = my_memberships(user)
    invitations = db.all(my_invitations(user))
    applications = db.all(select(CouncilApplication).where(CouncilApplication.user_id == user.id))
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


def erase_personal_data(user: User) -> None:
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
