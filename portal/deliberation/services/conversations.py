"""Conversations: their settings, their life cycle and the organisers' seed statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.deliberation.models import (
    Access,
    Conversation,
    ConversationStatus,
    MathState,
    Moderation,
    Participant,
    Statement,
    StatementStatus,
    Vote,
)
from portal.deliberation.services._common import (
    DeliberationError,
    _add_statement,
    audit,
    sync_activity,
)
from portal.deliberation.services.recompute import recompute_now
from portal.deliberation.services.reports import register_report_outputs
from portal.extensions import db


@dataclass
class ConversationFields:
    """What a coordinator enters about a conversation."""

    topic_fi: str = ""
    topic_sv: str = ""
    topic_en: str = ""
    description_fi: str = ""
    description_sv: str = ""
    description_en: str = ""
    languages: tuple[str, ...] = ("fi",)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    access: str = Access.ANYONE
    moderation: str = Moderation.POST
    participants_may_submit: bool = True


def _apply_fields(conversation: Conversation, fields: ConversationFields) -> None:
    if not (fields.topic_fi or fields.topic_sv or fields.topic_en):
        raise DeliberationError("topic_required")
    if fields.starts_at and fields.ends_at and fields.ends_at <= fields.starts_at:
        raise DeliberationError("ends_before_start")
    if fields.access not in set(Access) or fields.moderation not in set(Moderation):
        raise DeliberationError("invalid_choice")
    for name in (
        "topic_fi",
        "topic_sv",
        "topic_en",
        "description_fi",
        "description_sv",
        "description_en",
    ):
        setattr(conversation, name, (getattr(fields, name) or "").strip())
    conversation.languages = ",".join(fields.languages or ("fi",))
    conversation.starts_at = fields.starts_at
    conversation.ends_at = fields.ends_at
    conversation.access = fields.access
    conversation.moderation = fields.moderation
    conversation.participants_may_submit = fields.participants_may_submit


def _add_seed(
    conversation: Conversation, *, text: str, language: str, is_meta: bool = False
) -> Statement:
    """An organisers' statement: accepted at once, with no participant as its author."""
    return _add_statement(
        conversation,
        text=text,
        language=language,
        author=None,
        status=StatementStatus.ACCEPTED,
        is_seed=True,
        is_meta=is_meta,
    )


def create_conversation(
    *, actor: User, fields: ConversationFields, seed_statements: list[str] | None = None
) -> Conversation:
    """Create a draft conversation with its seed statements, and commit."""
    conversation = Conversation(created_by_id=actor.id, status=ConversationStatus.DRAFT)
    _apply_fields(conversation, fields)
    db.session.add(conversation)
    db.session.flush()
    db.session.add(MathState(conversation_id=conversation.id))
    language = conversation.language_list[0]
    for text in seed_statements or []:
        if text.strip():
            _add_seed(conversation, text=text, language=language)
    sync_activity(conversation)
    audit(
        actor,
        "conversation_created",
        "deliberation_conversation",
        conversation.id,
        status=conversation.status,
        seeds=len(seed_statements or []),
    )
    db.session.commit()
    return conversation


def update_conversation(
    *, actor: User, conversation: Conversation, fields: ConversationFields
) -> Conversation:
    """Change a conversation's settings, and commit."""
    if conversation.status == ConversationStatus.REPORTED:
        raise DeliberationError("read_only")
    before = {
        "access": conversation.access,
        "moderation": conversation.moderation,
        "participants_may_submit": conversation.participants_may_submit,
    }
    _apply_fields(conversation, fields)
    sync_activity(conversation)
    audit(
        actor,
        "conversation_updated",
        "deliberation_conversation",
        conversation.id,
        before=before,
        after={
            "access": conversation.access,
            "moderation": conversation.moderation,
            "participants_may_submit": conversation.participants_may_submit,
        },
    )
    db.session.commit()
    return conversation


ALLOWED_TRANSITIONS = {
    ConversationStatus.DRAFT: {ConversationStatus.OPEN},
    ConversationStatus.OPEN: {ConversationStatus.CLOSED},
    ConversationStatus.CLOSED: {ConversationStatus.OPEN, ConversationStatus.REPORTED},
    ConversationStatus.REPORTED: {ConversationStatus.CLOSED},
}


def change_status(*, actor: User, conversation: Conversation, status: str) -> Conversation:
    """Move a conversation along draft → open → closed → reported, and commit.

    Publishing the report recomputes the opinion map and registers its consensus and each
    group's view as outputs in the impact chain, so decision makers can respond to them.
    """
    current = ConversationStatus(conversation.status)
    if status not in set(ConversationStatus) or status not in ALLOWED_TRANSITIONS[current]:
        raise DeliberationError("invalid_transition")
    if status == ConversationStatus.REPORTED:
        recompute_now(conversation.id, force=True)
        conversation = db.session.get(Conversation, conversation.id)
        conversation.status = status
        conversation.reported_at = utcnow()
        activity = sync_activity(conversation)
        register_report_outputs(conversation, activity)
    else:
        conversation.status = status
        if status == ConversationStatus.CLOSED:
            conversation.reported_at = None
        sync_activity(conversation)
    audit(
        actor,
        "status_changed",
        "deliberation_conversation",
        conversation.id,
        before=str(current),
        after=status,
    )
    db.session.commit()
    return conversation


def add_seed_statement(
    *, actor: User, conversation: Conversation, text: str, language: str, is_meta: bool = False
) -> Statement:
    """Add an accepted seed statement written by the organisers, and commit."""
    if conversation.status in {ConversationStatus.CLOSED, ConversationStatus.REPORTED}:
        raise DeliberationError("read_only")
    statement = _add_seed(conversation, text=text, language=language, is_meta=is_meta)
    audit(actor, "seed_added", "deliberation_statement", statement.id, conversation=conversation.id)
    db.session.commit()
    return statement


def list_conversations(*, public_only: bool) -> list[Conversation]:
    query = select(Conversation).order_by(Conversation.created_at.desc(), Conversation.id.desc())
    if public_only:
        query = query.where(
            Conversation.status.in_([ConversationStatus.OPEN, ConversationStatus.REPORTED])
        )
    return list(db.session.scalars(query))


def _count_per_conversation(
    model: type[Participant] | type[Vote], conversation_ids: list[int]
) -> dict[int, int]:
    """How many rows of ``model`` each conversation has (those with none are left out)."""
    return dict(
        db.session.execute(
            select(model.conversation_id, func.count(model.id))
            .where(model.conversation_id.in_(conversation_ids))
            .group_by(model.conversation_id)
        ).all()
    )


def participation_counts(conversation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(participants, votes) per conversation, in two grouped queries."""
    if not conversation_ids:
        return {}
    people = _count_per_conversation(Participant, conversation_ids)
    votes = _count_per_conversation(Vote, conversation_ids)
    return {cid: (int(people.get(cid, 0)), int(votes.get(cid, 0))) for cid in conversation_ids}


def statements_of(conversation: Conversation) -> list[Statement]:
    return list(
        db.session.scalars(
            select(Statement)
            .where(Statement.conversation_id == conversation.id)
            .order_by(Statement.number)
        )
    )
