"""Personal data in feedback: answers are anonymous; survey invitations name a person."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.extensions import db
from portal.feedback.models import SurveyInvitation


def export_personal_data(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user.id))
    return [
        {
            "survey_activity": row.activity_id,
            "sent_at": row.sent_at.isoformat(),
            "answered": row.used_at is not None,
        }
        for row in rows
    ]


def erase_personal_data(user: User) -> None:
    """Unlink the invitations; the answers never named the person."""
    db.session.execute(
        update(SurveyInvitation).where(SurveyInvitation.user_id == user.id).values(user_id=None)
    )
