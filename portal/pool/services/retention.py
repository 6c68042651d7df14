"""Asking inactive members whether they stay, and removing those who do not answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from portal.accounts.models import User
from portal.accounts.services import erase_user
from portal.core.db import utcnow
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import Participation
from portal.pool.models import ContactChannel, MemberStatus, PoolMember
from portal.pool.services._common import (
    PENDING_LIFETIME,
    STAY_PURPOSE,
    PoolError,
    _erase_member_data,
    _member_from_token,
    _member_token,
    _queue_mail,
    _resident_only,
    _settings,
    audit,
)


@dataclass
class RetentionResult:
    asked: int = 0
    removed: int = 0
    manual: int = 0
    expired_joins: int = 0


def run_retention(
    *,
    inactive_days: int | None = None,
    removal_days: int | None = None,
    now: datetime | None = None,
) -> RetentionResult:
    """Ask inactive members whether they want to stay; remove those who did not answer.

    Idempotent: a member is asked once (``retention_asked_at``); any sign of life (sign-in,
    answer, profile change, a participation) clears the question. Members without email are
    counted for the coordinator to call, never removed automatically.
    """
    now = now or utcnow()
    inactive_days = inactive_days or _settings().pool_inactive_days
    removal_days = removal_days or _settings().pool_removal_days
    cutoff = now - timedelta(days=inactive_days)
    result = RetentionResult()
    recent_participation = exists().where(
        Participation.user_id == PoolMember.user_id, Participation.occurred_on >= cutoff.date()
    )
    to_ask = db.session.execute(
        select(PoolMember, User.email, User.locale)
        .join(User, User.id == PoolMember.user_id)
        .where(
            PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)),
            PoolMember.retention_asked_at.is_(None),
            PoolMember.last_active_at < cutoff,
            ~recent_participation,
        )
    ).all()
    for member, email, locale in to_ask:
        if not email or member.contact_channel != ContactChannel.EMAIL:
            result.manual += 1
            continue
        secret = _member_token(member, STAY_PURPOSE, timedelta(days=removal_days))
        _queue_mail(
            to=email,
            subject=_l("Do you want to stay in the resident pool?"),
            template="pool/emails/stay",
            locale=locale,
            stay_url=external_url("pool.stay", token=secret),
            days=removal_days,
        )
        member.retention_asked_at = now
        result.asked += 1
    db.session.commit()

    removal_cutoff = now - timedelta(days=removal_days)
    to_remove = db.all(
        select(PoolMember).where(
            PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)),
            PoolMember.retention_asked_at < removal_cutoff,
            PoolMember.last_active_at < PoolMember.retention_asked_at,
        )
    )
    for member in to_remove:
        _remove_by_retention(member)
        result.removed += 1

    stale = db.all(
        select(PoolMember).where(
            PoolMember.status == MemberStatus.PENDING,
            PoolMember.pending_profile.is_not(None),
            PoolMember.joined_at < now - PENDING_LIFETIME,
        )
    )
    for member in stale:
        _remove_by_retention(member, action="join_expired")
        result.expired_joins += 1
    return result


def _remove_by_retention(member: PoolMember, action: str = "removed_inactive") -> None:
    user = member.user
    never_confirmed = member.confirmed_at is None
    _erase_member_data(member)
    audit(None, action, "pool_member", member.id)
    if _resident_only(user) and (not never_confirmed or user.password_hash is None):
        erase_user(actor=user, user=user)
    else:
        db.session.commit()


def confirm_stay(*, secret: str) -> PoolMember:
    member = _member_from_token(secret, STAY_PURPOSE)
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
        raise PoolError("invalid_link")
    member.last_active_at = utcnow()
    member.retention_asked_at = None
    audit(None, "stayed", "pool_member", member.id)
    db.session.commit()
    return member
