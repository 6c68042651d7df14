"""Single-use, expiring tokens for links sent by email."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from portal.core.db import utcnow
from portal.core.models import OneTimeToken
from portal.extensions import db


class TokenInvalid(Exception):
    """The link is unknown, already used or expired (the user is told the same in each case)."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    *, purpose: str, lifetime: timedelta, user_id: int | None = None, subject: str | None = None
) -> str:
    """Store a new token and return its secret, to be put in a link. Flushes, never commits."""
    secret = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeToken(
            purpose=purpose,
            token_hash=_hash(secret),
            user_id=user_id,
            subject=subject,
            expires_at=utcnow() + lifetime,
        )
    )
    db.session.flush()
    return secret


def peek_token(secret: str, *, purpose: str) -> OneTimeToken:
    """Return the live token for ``secret`` without using it up."""
    token = db.session.scalars(
        select(OneTimeToken).where(OneTimeToken.token_hash == _hash(secret))
    ).first()
    if token is None or token.purpose != purpose or token.used_at is not None:
        raise TokenInvalid
    if token.expires_at <= utcnow():
        raise TokenInvalid
    return token


def consume_token(secret: str, *, purpose: str) -> OneTimeToken:
    """Mark the token used and return it; a second use raises ``TokenInvalid``.

    The UPDATE is conditional on ``used_at IS NULL`` so two concurrent uses cannot both win.
    """
    token = peek_token(secret, purpose=purpose)
    result = db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TokenInvalid
    db.session.refresh(token)
    return token
