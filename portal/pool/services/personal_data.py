"""The pool's part of a person's data export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from portal.extensions import db
from portal.pool.models import PoolImport, PoolMember
from portal.pool.services._common import _erase_member_data
from portal.pool.services.registry import member_invitations


def export_personal_data(user: Any) -> dict[str, Any] | None:
    member = db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).first()
    if member is None:
        return None
    return {
        "status": member.status,
        "paused_until": member.paused_until.isoformat() if member.paused_until else None,
        "consent_version": member.consent_version,
        "consent_at": member.consent_at.isoformat() if member.consent_at else None,
        "contact_channel": member.contact_channel,
        "postal_address": member.postal_address,
        "municipality_other": member.municipality_other,
        "language_other": member.language_other,
        "interests": [area.slug for area in member.interests],
        "accessibility_needs": member.accessibility_needs,
        "experience": member.experience,
        "how_heard": member.how_heard,
        "joined_at": member.joined_at.isoformat(),
        "confirmed_at": member.confirmed_at.isoformat() if member.confirmed_at else None,
        "last_invited_at": member.last_invited_at.isoformat() if member.last_invited_at else None,
        "invitations": [
            {
                "activity": recipient.invitation.activity.title,
                "sent_at": recipient.sent_at.isoformat(),
                "answer": recipient.answer,
                "availability": recipient.availability,
            }
            for recipient in member_invitations(member)
        ],
    }


def erase_personal_data(user: Any) -> None:
    member = db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).first()
    if member is not None:
        _erase_member_data(member)
    db.session.execute(
        delete(PoolImport).where(
            PoolImport.created_by_id == user.id, PoolImport.status == "pending"
        )
    )
