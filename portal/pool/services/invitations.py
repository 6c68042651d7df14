"""Inviting members to activities, their answers and reminders."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.models import OneTimeToken
from portal.core.service_links import link_token
from portal.core.tasks import enqueue_after_commit, task
from portal.core.tokens import issue_token
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import Activity, ActivityStatus
from portal.pool.models import (
    Answer,
    ContactChannel,
    InvitationRecipient,
    MemberStatus,
    PoolInvitation,
    PoolMember,
)
from portal.pool.services._common import (
    INVITATION_LIFETIME,
    INVITATION_PURPOSE,
    PoolError,
    _queue_mail,
    _settings,
    _today,
    audit,
)
from portal.pool.services.registry import MemberFilter, _apply_filter


def invitable_activities() -> list[Activity]:
    return db.all(
        select(Activity)
        .where(Activity.status != ActivityStatus.CLOSED)
        .order_by(Activity.starts_on.desc().nulls_last(), Activity.id.desc())
    )


def _eligible(query: Select[Any]) -> Select[Any]:
    today = _today()
    return query.where(
        or_(
            PoolMember.status == MemberStatus.ACTIVE,
            and_(PoolMember.status == MemberStatus.PAUSED, PoolMember.paused_until <= today),
        )
    )


def _fatigued(member_ids: list[int]) -> set[int]:
    limit = _settings().pool_fatigue_max_invitations
    since = utcnow() - timedelta(days=_settings().pool_fatigue_window_days)
    rows = db.session.execute(
        select(InvitationRecipient.member_id)
        .where(InvitationRecipient.sent_at >= since)
        .group_by(InvitationRecipient.member_id)
        .having(func.count() >= limit)
    )
    wanted = set(member_ids)
    return {member_id for (member_id,) in rows if member_id in wanted}


def create_invitation(
    *,
    actor: User,
    activity: Activity,
    member_ids: list[int] | None = None,
    filters: MemberFilter | None = None,
    sample_size: int | None = None,
    seed: str | None = None,
    message: str = "",
) -> PoolInvitation:
    """Invite eligible members to ``activity`` and email each a personal answer link.

    Eligible are active members (and paused ones whose pause is over) matching ``filters``
    and, when given, ``member_ids``. Members who had the configured number of invitations
    within the fatigue window are left out of a full send and go last in a random sample.
    A sample is drawn with ``random.Random(seed)`` over member ids, so the same seed and
    pool give the same people; the seed is recorded.
    """
    criteria = filters or MemberFilter()
    if sample_size is not None and sample_size < 1:
        raise PoolError("sample_size")
    query = _eligible(
        _apply_filter(select(PoolMember.id).select_from(PoolMember).join(User), criteria)
    )
    if member_ids is not None:
        query = query.where(PoolMember.id.in_(member_ids))
    eligible = sorted(db.session.scalars(query))
    tired = _fatigued(eligible)
    fresh = [member_id for member_id in eligible if member_id not in tired]
    if sample_size is not None:
        seed = seed or secrets.token_hex(8)
        rng = random.Random(seed)  # noqa: S311 - a reproducible draw, by design
        fresh_order, tired_order = list(fresh), sorted(tired)
        rng.shuffle(fresh_order)
        rng.shuffle(tired_order)
        chosen = (fresh_order + tired_order)[:sample_size]
    elif member_ids is not None:
        chosen = eligible  # hand-picked: the coordinator decided
    else:
        chosen = fresh
    if not chosen:
        raise PoolError("no_recipients")
    now = utcnow()
    invitation = PoolInvitation(
        activity_id=activity.id,
        created_by_id=actor.id,
        message=message.strip(),
        criteria={**criteria.as_dict(), **({"member_ids": len(member_ids)} if member_ids else {})},
        sample_size=sample_size,
        seed=seed if sample_size is not None else None,
        eligible_count=len(eligible),
        fatigued_count=len(tired),
    )
    db.session.add(invitation)
    db.session.flush()
    channels = db.session.execute(
        select(PoolMember.id, PoolMember.contact_channel).where(PoolMember.id.in_(chosen))
    ).all()
    db.session.add_all(
        InvitationRecipient(
            invitation_id=invitation.id, member_id=member_id, channel=channel, sent_at=now
        )
        for member_id, channel in channels
    )
    db.session.execute(
        update(PoolMember).where(PoolMember.id.in_(chosen)).values(last_invited_at=now)
    )
    audit(
        actor,
        "invitation_created",
        "pool_invitation",
        invitation.id,
        activity=activity.id,
        recipients=len(chosen),
        eligible=len(eligible),
        fatigued=len(tired),
        sample_size=sample_size,
    )
    # Rendering hundreds of personal mails would hold the request: a task sends them.
    enqueue_after_commit(mail_invitation, invitation.id)
    db.session.commit()
    return invitation


# Recipients mailed per transaction: a run cut short keeps what it committed.
MAIL_BATCH = 200


def _email_contacts(invitation: PoolInvitation, *conditions: Any) -> list[Any]:
    """(recipient, user id, email, locale, name) of those still in the pool to reach by email."""
    return db.session.execute(
        select(InvitationRecipient, User.id, User.email, User.locale, User.name)
        .join(PoolMember, PoolMember.id == InvitationRecipient.member_id)
        .join(User, User.id == PoolMember.user_id)
        .where(
            InvitationRecipient.invitation_id == invitation.id,
            InvitationRecipient.channel == ContactChannel.EMAIL,
            PoolMember.status != MemberStatus.LEFT,
            User.email.is_not(None),
            *conditions,
        )
        .order_by(InvitationRecipient.id)
    ).all()


@task(retries=3, retry_delay=60)
def mail_invitation(invitation_id: int) -> int:
    """Email each email recipient of an invitation a personal answer link; safe to repeat.

    A recipient's link token is written in the same transaction as their mail, so a run
    after an interruption (a killed worker, a retry) mails only those still without one.
    Returns how many were mailed.
    """
    invitation = db.session.get(PoolInvitation, invitation_id)
    if invitation is None:
        return 0
    contacts = _email_contacts(invitation)
    mailed = 0
    for start in range(0, len(contacts), MAIL_BATCH):
        batch = contacts[start : start + MAIL_BATCH]
        done = set(
            db.session.scalars(
                select(OneTimeToken.subject).where(
                    OneTimeToken.purpose == INVITATION_PURPOSE,
                    OneTimeToken.subject.in_([f"recipient:{row[0].id}" for row in batch]),
                )
            )
        )
        for recipient, user_id, email, locale, name in batch:
            if f"recipient:{recipient.id}" in done:
                continue
            _send_invitation_mail(
                recipient, invitation, invitation.activity, user_id, email, locale, name
            )
            mailed += 1
        db.session.commit()
    return mailed


def resume_invitation_mail() -> None:
    """Worker start-up: finish mailing recent invitations a killed worker left half sent."""
    since = utcnow() - timedelta(days=2)
    for invitation_id in db.session.scalars(
        select(PoolInvitation.id).where(PoolInvitation.created_at >= since)
    ):
        mail_invitation(invitation_id)


def _send_invitation_mail(
    recipient: InvitationRecipient,
    invitation: PoolInvitation,
    activity: Activity,
    user_id: int,
    email: str,
    locale: str,
    name: str,
    *,
    reminder: bool = False,
) -> None:
    secret = issue_token(
        purpose=INVITATION_PURPOSE,
        lifetime=INVITATION_LIFETIME,
        user_id=user_id,
        subject=f"recipient:{recipient.id}",
    )
    _queue_mail(
        to=email,
        subject=(
            _l("Reminder: you are invited to %(title)s", title=activity.title)
            if reminder
            else _l("You are invited to %(title)s", title=activity.title)
        ),
        template="pool/emails/invitation",
        locale=locale,
        name=name,
        activity=activity,
        message=invitation.message,
        answer_url=external_url("pool.answer_invitation", token=secret),
        reminder=reminder,
    )


def recipient_for_token(secret: str) -> InvitationRecipient:
    token = link_token(secret, purpose=INVITATION_PURPOSE, error=PoolError)
    recipient_id = (token.subject or "").removeprefix("recipient:")
    recipient = (
        db.session.scalars(
            select(InvitationRecipient)
            .join(InvitationRecipient.invitation)
            .join(InvitationRecipient.member)
            .options(
                contains_eager(InvitationRecipient.invitation),
                contains_eager(InvitationRecipient.member),
            )
            .where(InvitationRecipient.id == int(recipient_id))
        ).first()
        if recipient_id.isdigit()
        else None
    )
    if (
        recipient is None
        or recipient.member.user_id != token.user_id
        or recipient.member.status == MemberStatus.LEFT
    ):
        raise PoolError("invalid_link")
    return recipient


def answer_invitation(*, secret: str, answer: str, availability: str | None) -> InvitationRecipient:
    """Record (or change, until the link expires) a member's answer to an invitation."""
    recipient = recipient_for_token(secret)
    if answer not in set(Answer):
        raise PoolError("answer_invalid")
    now = utcnow()
    recipient.answer = answer
    recipient.availability = (availability or "").strip() or None
    recipient.answered_at = now
    recipient.member.last_active_at = now
    recipient.member.retention_asked_at = None
    audit(
        None,
        "invitation_answered",
        "pool_invitation",
        recipient.invitation_id,
        recipient=recipient.id,
        answer=answer,
    )
    db.session.commit()
    return recipient


def send_reminders(*, actor: User | None, invitation: PoolInvitation) -> int:
    """Remind by email those who have not answered and were not reminded in the last day."""
    day_ago = utcnow() - timedelta(days=1)
    rows = _email_contacts(
        invitation,
        InvitationRecipient.answer.is_(None),
        or_(InvitationRecipient.reminded_at.is_(None), InvitationRecipient.reminded_at < day_ago),
    )
    now = utcnow()
    for recipient, user_id, email, locale, name in rows:
        _send_invitation_mail(
            recipient, invitation, invitation.activity, user_id, email, locale, name, reminder=True
        )
        recipient.reminded_at = now
    invitation.last_reminded_at = now if rows else invitation.last_reminded_at
    audit(actor, "reminders_sent", "pool_invitation", invitation.id, count=len(rows))
    db.session.commit()
    return len(rows)


def send_due_reminders(*, after_days: int = 7) -> int:
    """Remind for every invitation older than ``after_days`` not reminded yet (CLI)."""
    cutoff = utcnow() - timedelta(days=after_days)
    invitations = db.all(
        select(PoolInvitation).where(
            PoolInvitation.created_at < cutoff,
            PoolInvitation.created_at >= utcnow() - INVITATION_LIFETIME,
            PoolInvitation.last_reminded_at.is_(None),
        )
    )
    return sum(send_reminders(actor=None, invitation=invitation) for invitation in invitations)


def invitation_summary(invitation: PoolInvitation) -> dict[str, int]:
    rows = db.session.execute(
        select(InvitationRecipient.answer, func.count())
        .where(InvitationRecipient.invitation_id == invitation.id)
        .group_by(InvitationRecipient.answer)
    )
    counts = {answer or "none": count for answer, count in rows}
    counts["total"] = sum(counts.values())
    return counts


def invitation_recipients(
    invitation: PoolInvitation,
) -> list[tuple[InvitationRecipient, PoolMember]]:
    return list(
        db.session.execute(
            select(InvitationRecipient, PoolMember)
            .join(PoolMember, PoolMember.id == InvitationRecipient.member_id)
            .join(PoolMember.user)
            .options(contains_eager(PoolMember.user))
            .where(InvitationRecipient.invitation_id == invitation.id)
            .order_by(User.name, PoolMember.id)
        ).all()
    )


def invitations_query() -> Select[tuple[PoolInvitation]]:
    return select(PoolInvitation).order_by(
        PoolInvitation.created_at.desc(), PoolInvitation.id.desc()
    )


def invitation_respondents(*, activity_id: int, answer: str = "yes") -> list[User]:
    """People who answered ``answer`` to any pool invitation to the activity.

    Their demographics (birth year, gender, language, municipality) come in the same
    query; erased people are left out.
    """
    answered = (
        select(PoolMember.user_id)
        .join(InvitationRecipient, InvitationRecipient.member_id == PoolMember.id)
        .join(PoolInvitation, PoolInvitation.id == InvitationRecipient.invitation_id)
        .where(
            PoolInvitation.activity_id == activity_id,
            InvitationRecipient.answer == answer,
            PoolMember.status != MemberStatus.LEFT,
        )
    )
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(answered), User.erased_at.is_(None)).order_by(User.id)
        ).unique()
    )
