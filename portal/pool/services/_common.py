"""What the pool's service modules share: link purposes, the error, settings, mail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import update

from portal.accounts.models import User
from portal.config import Config
from portal.core.audit import DomainAudit
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.mail import OUTBOX_KEY, queue_mail, render_mail
from portal.core.permissions import Role
from portal.core.service_links import link_token
from portal.core.tokens import issue_token
from portal.extensions import db
from portal.pool.models import InvitationRecipient, MemberStatus, PoolMember

# The version of the pool's privacy notice a member consents to; bump it when the text changes.
PRIVACY_VERSION = "2026-11"
IMPORT_CONSENT = "import"
CONFIRM_PURPOSE = "pool_confirm"
MAGIC_LINK_PURPOSE = "pool_magic_link"
INVITATION_PURPOSE = "pool_invitation"
STAY_PURPOSE = "pool_stay"
MAGIC_LINK_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=60)
PENDING_LIFETIME = timedelta(days=7)
IMPORT_MAX_ROWS = 5000

audit = DomainAudit("pool")
"""Add a ``pool.<action>`` audit entry to the current transaction (no personal data)."""


class PoolError(DomainError):
    """A pool rule was broken; ``code`` names it for a translated message."""


def _settings() -> Config:
    """The instance's settings (the pool's are the ``pool_*`` fields)."""
    return current_app.config["PORTAL"]


def _queue_mail(
    *, to: str | None, subject: Any, template: str, locale: str, **context: Any
) -> None:
    """``queue_mail`` that also works in command-line jobs.

    Translating into the member's language needs a request context; outside a request the
    message is rendered in a throw-away one and put in this session's outbox, so it is
    still sent only after the commit.
    """
    if has_request_context() or not to:
        queue_mail(to=to, subject=subject, template=template, locale=locale, **context)
        return
    with current_app.test_request_context():
        message = render_mail(to=to, subject=subject, template=template, locale=locale, **context)
    session = db.session()
    session.connection()
    session.info.setdefault(OUTBOX_KEY, []).append(message)


def _today() -> date:
    return utcnow().date()


def _member_token(member: PoolMember, purpose: str, lifetime: timedelta) -> str:
    """A secret for an emailed link that ``_member_from_token`` turns back into ``member``."""
    return issue_token(
        purpose=purpose, lifetime=lifetime, user_id=member.user_id, subject=f"member:{member.id}"
    )


def _member_from_token(secret: str, purpose: str, *, use: bool = True) -> PoolMember:
    token = link_token(secret, purpose=purpose, error=PoolError, use_up=use)
    member_id = (token.subject or "").removeprefix("member:")
    member = db.session.get(PoolMember, int(member_id)) if member_id.isdigit() else None
    if member is None or member.user_id != token.user_id:
        raise PoolError("invalid_link")
    return member


def _erase_member_data(member: PoolMember) -> None:
    """Empty every personal pool field; the row stays (status left) for anonymous counts."""
    member.status = MemberStatus.LEFT
    member.paused_until = None
    member.postal_address = None
    member.language_other = None
    member.accessibility_needs = None
    member.experience = None
    member.how_heard = None
    member.notes = None
    member.pending_profile = None
    member.municipality_other = False
    member.retention_asked_at = None
    member.left_at = member.left_at or utcnow()
    member.interests = []
    db.session.execute(
        update(InvitationRecipient)
        .where(InvitationRecipient.member_id == member.id)
        .values(availability=None)
    )
    db.session.flush()


def _resident_only(user: User) -> bool:
    """Whether the person is only a resident (no staff or other role)."""
    return user.role_set <= {Role.RESIDENT}
