"""Moderation: accepting, rejecting and hiding statements, blocking participants."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.deliberation.models import (
    Conversation,
    Participant,
    Statement,
    StatementStatus,
)
from portal.deliberation.services._common import DeliberationError, _mark_stale, audit
from portal.extensions import db


def moderate_statement(
    *,
    actor: User,
    statement: Statement,
    status: str,
    reason: str = "",
    is_seed: bool | None = None,
    is_meta: bool | None = None,
    hidden: bool | None = None,
) -> Statement:
    """Accept or reject a statement (a reason is required to reject), mark it as seed or
    meta, or hide it; audited, and commits."""
    if status not in set(StatementStatus):
        raise DeliberationError("invalid_choice")
    if status == StatementStatus.REJECTED and not reason.strip():
        raise DeliberationError("reason_required")
    before = {
        "status": statement.status,
        "is_seed": statement.is_seed,
        "is_meta": statement.is_meta,
        "hidden": statement.hidden,
    }
    statement.status = status
    statement.reject_reason = reason.strip() if status == StatementStatus.REJECTED else ""
    if is_seed is not None:
        statement.is_seed = is_seed
    if is_meta is not None:
        statement.is_meta = is_meta
    if hidden is not None:
        statement.hidden = hidden
    statement.moderated_at = utcnow()
    statement.moderated_by_id = actor.id
    after = {
        "status": statement.status,
        "is_seed": statement.is_seed,
        "is_meta": statement.is_meta,
        "hidden": statement.hidden,
    }
    _mark_stale(statement.conversation_id)
    audit(
        actor,
        "statement_moderated",
        "deliberation_statement",
        statement.id,
        before=before,
        after=after,
    )
    db.session.commit()
    return statement


def set_participant_blocked(*, actor: User, participant: Participant, blocked: bool) -> Participant:
    """Block (or unblock) a participant: they can no longer vote or write, and their votes
    are left out of the opinion map. Audited; commits."""
    participant.blocked = blocked
    _mark_stale(participant.conversation_id)
    audit(
        actor,
        "participant_blocked" if blocked else "participant_unblocked",
        "deliberation_participant",
        participant.id,
        blocked=blocked,
    )
    db.session.commit()
    return participant


def moderation_queue(conversation: Conversation) -> list[Statement]:
    return list(
        db.session.scalars(
            select(Statement)
            .where(
                Statement.conversation_id == conversation.id,
                Statement.status == StatementStatus.PENDING,
            )
            .order_by(Statement.created_at, Statement.id)
        )
    )
