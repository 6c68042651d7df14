"""What the public pages show and the accessibility feedback they accept."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.mail import queue_mail
from portal.extensions import db
from portal.impact.models import Activity, ActivityStatus


def open_activities(limit: int = 20) -> list[Activity]:
    """Activities people can take part in now, newest first."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.status == ActivityStatus.OPEN)
            .order_by(Activity.starts_on.desc().nulls_last(), Activity.id.desc())
            .limit(limit)
        )
    )


def send_accessibility_feedback(*, page: str, description: str, email: str | None) -> None:
    """Forward feedback to the county's accessibility contact (answered within 14 days)."""
    settings = current_app.config["PORTAL"]
    queue_mail(
        to=settings.feedback_email,
        subject=_l("Accessibility feedback"),
        template="emails/accessibility_feedback",
        locale="fi",
        page=page,
        description=description,
        reply_to=email,
    )
    db.session.commit()
