"""What the deliberation services share: the error, text forms, openness and access."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from portal.core.audit import DomainAudit
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.permissions import Role
from portal.deliberation.models import (
    Access,
    Conversation,
    ConversationStatus,
    MathState,
    Moderation,
    Participant,
    Statement,
    StatementStatus,
)
from portal.extensions import db
from portal.impact.models import ActivityKind, ActivityStatus
from portal.impact.services import register_activity
from portal.pool import services as pool_services

MAX_STATEMENT_LENGTH = 280


MIN_STATEMENT_LENGTH = 5


ACTIVITY_SOURCE = "deliberation_conversation"


ZERO_HOURS = Decimal("0")


audit = DomainAudit("deliberation")


class DeliberationError(DomainError):
    """A rule of deliberations was broken; ``code`` names it for a translated message."""


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Case-, accent-width- and punctuation-insensitive form used to spot duplicates."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def key_hash(key: str) -> str:
    """Only the hash of a browser's participant key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def clean_statement_text(text: str) -> str:
    return " ".join(text.split())


def is_open(conversation: Conversation, now: datetime | None = None) -> bool:
    """Whether votes and statements are accepted right now."""
    now = now or utcnow()
    if conversation.status != ConversationStatus.OPEN:
        return False
    if conversation.starts_at and now < conversation.starts_at:
        return False
    return not (conversation.ends_at and now >= conversation.ends_at)


def visible_condition(conversation: Conversation) -> Any:
    """SQL condition for statements participants can see and vote on."""
    statuses = [StatementStatus.ACCEPTED]
    if conversation.moderation == Moderation.POST:
        statuses.append(StatementStatus.PENDING)
    return (
        (Statement.conversation_id == conversation.id)
        & Statement.status.in_(statuses)
        & ~Statement.hidden
    )


def is_visible(conversation: Conversation, statement: Statement) -> bool:
    if statement.conversation_id != conversation.id or statement.hidden:
        return False
    if statement.status == StatementStatus.ACCEPTED:
        return True
    return statement.status == StatementStatus.PENDING and (
        conversation.moderation == Moderation.POST
    )


def is_pool_member(user: Any) -> bool:
    """Residents who belong to the resident pool (active or paused members)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Role.RESIDENT in user.role_set and pool_services.is_pool_member(user)


def access_problem(conversation: Conversation, user: Any) -> str | None:
    """Why ``user`` (None when anonymous) may not take part, or None when they may."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if conversation.access == Access.LOGGED_IN and not signed_in:
        return "login_required"
    if conversation.access == Access.POOL:
        if not signed_in:
            return "login_required"
        if not is_pool_member(user):
            return "pool_only"
    return None


def group_label(group_id: int) -> str:
    """Groups are named A, B, C... as in Polis."""
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id + 1)


def _mark_stale(conversation_id: int) -> None:
    db.session.execute(
        update(MathState)
        .where(MathState.conversation_id == conversation_id)
        .values(needs_update=True)
    )


_ACTIVITY_STATUS = {
    ConversationStatus.DRAFT: ActivityStatus.PLANNED,
    ConversationStatus.OPEN: ActivityStatus.OPEN,
    ConversationStatus.CLOSED: ActivityStatus.CLOSED,
    ConversationStatus.REPORTED: ActivityStatus.CLOSED,
}


def sync_activity(conversation: Conversation) -> Any:
    """Mirror the conversation in the impact chain (flushes)."""
    return register_activity(
        kind=ActivityKind.DELIBERATION,
        title=conversation.topic(conversation.language_list[0] if conversation.languages else "fi"),
        source_type=ACTIVITY_SOURCE,
        source_id=conversation.id,
        starts_on=conversation.starts_at.date() if conversation.starts_at else None,
        ends_on=conversation.ends_at.date() if conversation.ends_at else None,
        status=_ACTIVITY_STATUS[ConversationStatus(conversation.status)],
    )


def _insert_ignore(model: Any, values: dict[str, Any], conflict: list[str]) -> None:
    table = model.__table__
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
    )


def _next_number(conversation_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(Statement.number)).where(Statement.conversation_id == conversation_id)
    )
    return 0 if highest is None else int(highest) + 1


def _add_statement(
    conversation: Conversation,
    *,
    text: str,
    language: str,
    author: Participant | None,
    status: str,
    is_seed: bool = False,
    is_meta: bool = False,
) -> Statement:
    text = clean_statement_text(text)
    if len(text) < MIN_STATEMENT_LENGTH:
        raise DeliberationError("statement_too_short")
    if len(text) > MAX_STATEMENT_LENGTH:
        raise DeliberationError("statement_too_long")
    digest = text_hash(text)
    duplicate = db.session.scalar(
        select(Statement.id).where(
            Statement.conversation_id == conversation.id, Statement.text_hash == digest
        )
    )
    if duplicate is not None:
        raise DeliberationError("duplicate_statement")
    statement = Statement(
        conversation_id=conversation.id,
        number=_next_number(conversation.id),
        text=text,
        text_hash=digest,
        language=language,
        author=author,
        status=status,
        is_seed=is_seed,
        is_meta=is_meta,
    )
    db.session.add(statement)
    db.session.flush()
    return statement
