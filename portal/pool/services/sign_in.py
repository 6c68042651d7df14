"""Joining by email and signing in with emailed links."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.accounts.services import create_user, normalise_email
from portal.core.db import utcnow
from portal.core.tasks import enqueue_after_commit, task
from portal.core.urls import external_url
from portal.extensions import db
from portal.pool.models import MemberStatus, PoolMember
from portal.pool.services._common import (
    CONFIRM_PURPOSE,
    MAGIC_LINK_LIFETIME,
    MAGIC_LINK_PURPOSE,
    PRIVACY_VERSION,
    PoolError,
    _member_from_token,
    _member_token,
    _queue_mail,
    _resident_only,
    _settings,
    audit,
)
from portal.pool.services.members import (
    MemberData,
    _apply_profile,
    _ensure_resident,
    member_for_user,
)


def join_pool(*, data: MemberData, consent_version: str = PRIVACY_VERSION) -> None:
    """Take a public join request.

    With an email the joiner gets a confirmation link; nothing about an existing person
    changes until the link is followed, and when the address already belongs to a member
    that member is told by email instead, so the page never reveals who is in the pool.
    Without an email (phone or letter joiners) a coordinator confirms the membership.
    """
    try:
        _join(data=data, consent_version=consent_version)
        db.session.commit()
    except IntegrityError:
        # Two joins with the same new address at once: the second behaves as a repeat.
        db.session.rollback()
        _join(data=data, consent_version=consent_version)
        db.session.commit()


def _join(*, data: MemberData, consent_version: str) -> None:
    now = utcnow()
    if not data.email:
        user = create_user(email=None, name=data.name, locale=data.locale)
        member = PoolMember(
            user=user,
            status=MemberStatus.PENDING,
            consent_version=consent_version,
            consent_at=now,
            source="web",
        )
        db.session.add(member)
        _apply_profile(member, data)
        db.session.flush()
        audit(None, "joined", "pool_member", member.id)
        return
    user = db.session.scalars(select(User).where(User.email == data.email)).first()
    member = None
    if user is None:
        user = create_user(email=data.email, name="", locale=data.locale)
    else:
        member = db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).first()
    if member is not None and member.status in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
        if may_sign_in_by_link(user):
            secret = _member_token(member, MAGIC_LINK_PURPOSE, MAGIC_LINK_LIFETIME)
            login_url = external_url("pool.magic_login", token=secret)
        else:
            login_url = external_url("accounts.login")
        _queue_mail(
            to=user.email,
            subject=_l("You are already in the resident pool"),
            template="pool/emails/already_member",
            locale=user.locale,
            login_url=login_url,
        )
        return
    if member is None:
        member = PoolMember(user=user, status=MemberStatus.PENDING, source="web")
        db.session.add(member)
    member.status = MemberStatus.PENDING
    member.pending_profile = {
        **asdict(data),
        "consent_version": consent_version,
        "consent_at": now.isoformat(),
    }
    db.session.flush()
    secret = _member_token(member, CONFIRM_PURPOSE, timedelta(hours=_settings().token_hours))
    _queue_mail(
        to=data.email,
        subject=_l("Confirm that you want to join the resident pool"),
        template="pool/emails/confirm",
        locale=data.locale,
        name=data.name,
        confirm_url=external_url("pool.confirm", token=secret),
        hours=_settings().token_hours,
    )
    audit(None, "join_requested", "pool_member", member.id)


def link_is_valid(*, secret: str, purpose: str) -> bool:
    """Whether an emailed link still works, without using it up."""
    try:
        _member_from_token(secret, purpose, use=False)
    except PoolError:
        return False
    return True


def confirm_membership(*, secret: str) -> User:
    """Follow the emailed link: the membership becomes active and the details are applied."""
    member = _member_from_token(secret, CONFIRM_PURPOSE)
    pending = member.pending_profile
    if member.status != MemberStatus.PENDING or not pending:
        raise PoolError("invalid_link")
    user = member.user
    if pending.get("email") != user.email:
        raise PoolError("invalid_link")
    consent_version = pending.pop("consent_version", PRIVACY_VERSION)
    consent_at = datetime.fromisoformat(pending.pop("consent_at"))
    data = MemberData(**pending)
    _apply_profile(member, data)
    now = utcnow()
    member.pending_profile = None
    member.status = MemberStatus.ACTIVE
    member.consent_version = consent_version
    member.consent_at = consent_at
    member.confirmed_at = now
    member.last_active_at = now
    member.left_at = None
    member.retention_asked_at = None
    user.email_verified_at = user.email_verified_at or now
    user.last_login_at = now
    user.is_active = True
    _ensure_resident(user)
    audit(user, "confirmed", "pool_member", member.id)
    db.session.commit()
    return user


def request_magic_link(*, email: str) -> None:
    """Email a sign-in link to a member; silent when the address is not a member's.

    The lookup and the mail happen in a background task, so the answer takes the same
    time whether or not the address belongs to a member.
    """
    enqueue_after_commit(mail_magic_link, normalise_email(email))
    db.session.commit()


@task()
def mail_magic_link(email: str) -> None:
    """The background half of :func:`request_magic_link`."""
    user = db.session.scalars(select(User).where(User.email == normalise_email(email))).first()
    member = member_for_user(user) if user is not None else None
    if (
        user is not None
        and user.is_active
        and member is not None
        and member.status in (MemberStatus.ACTIVE, MemberStatus.PAUSED)
        and may_sign_in_by_link(user)
    ):
        secret = _member_token(member, MAGIC_LINK_PURPOSE, MAGIC_LINK_LIFETIME)
        _queue_mail(
            to=user.email,
            subject=_l("Your sign-in link to the resident pool"),
            template="pool/emails/magic_link",
            locale=user.locale,
            login_url=external_url("pool.magic_login", token=secret),
        )
    db.session.commit()


def may_sign_in_by_link(user: User) -> bool:
    """Emailed links sign in residents only; staff and others use their password."""
    return _resident_only(user)


def sign_in_with_magic_link(*, secret: str) -> User:
    member = _member_from_token(secret, MAGIC_LINK_PURPOSE)
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
        raise PoolError("invalid_link")
    user = member.user
    if not user.is_active or not may_sign_in_by_link(user):
        raise PoolError("invalid_link")
    now = utcnow()
    user.last_login_at = now
    member.last_active_at = now
    member.retention_asked_at = None
    _ensure_resident(user)
    db.session.commit()
    return user
