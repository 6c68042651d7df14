"""Conversations, statements, pseudonymous participants, votes and stored opinion maps."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, IdMixin, owner_key, reference_key, utcnow

#: What an erased author's statement says instead; shown translated (``display_text``).
ERASED_STATEMENT_TEXT = "[removed at the author's request]"
_ERASED_STATEMENT_LABEL = _l("[removed at the author's request]")


class ConversationStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    REPORTED = "reported"


class Access(enum.StrEnum):
    """Who may vote and write statements."""

    ANYONE = "anyone"
    LOGGED_IN = "logged_in"
    POOL = "pool"


class Moderation(enum.StrEnum):
    """``pre``: statements are shown only once accepted; ``post``: shown until rejected."""

    PRE = "pre"
    POST = "post"


class StatementStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


AGREE = 1
DISAGREE = -1
PASS = 0
VOTE_VALUES = {"agree": AGREE, "disagree": DISAGREE, "pass": PASS}


class Conversation(IdMixin, Base):
    """One deliberation: a topic on which residents vote on short statements."""

    __tablename__ = "deliberation_conversations"

    topic_fi: Mapped[str] = mapped_column(String(200), default="")
    topic_sv: Mapped[str] = mapped_column(String(200), default="")
    topic_en: Mapped[str] = mapped_column(String(200), default="")
    description_fi: Mapped[str] = mapped_column(Text, default="")
    description_sv: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Comma-separated locales the conversation is held in, e.g. "fi,sv".
    languages: Mapped[str] = mapped_column(String(20), default="fi")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    access: Mapped[str] = mapped_column(String(20), default=Access.ANYONE)
    moderation: Mapped[str] = mapped_column(String(10), default=Moderation.POST)
    participants_may_submit: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default=ConversationStatus.DRAFT, index=True)
    # Where an imported conversation came from (the export's url or topic); empty otherwise.
    imported_from: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = reference_key("users", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    reported_at: Mapped[datetime | None]

    def topic(self, locale: str) -> str:
        return self._localized("topic", locale)

    def description(self, locale: str) -> str:
        return self._localized("description", locale)

    def _localized(self, field: str, locale: str) -> str:
        value = getattr(self, f"{field}_{locale}", "")
        if value:
            return value
        for code in (*self.language_list, "fi", "sv", "en"):
            value = getattr(self, f"{field}_{code}", "")
            if value:
                return value
        return ""

    def topic_language(self, locale: str) -> str:
        """The language the topic is actually shown in for ``locale`` (for ``lang``)."""
        if getattr(self, f"topic_{locale}", ""):
            return locale
        for code in (*self.language_list, "fi", "sv", "en"):
            if getattr(self, f"topic_{code}", ""):
                return code
        return locale

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class Participant(IdMixin, Base):
    """A pseudonymous participant of one conversation.

    Anonymous people are known only by the hash of a random key kept in a signed cookie;
    signed-in people by their user id, so they keep one identity across devices.
    """

    __tablename__ = "deliberation_participants"

    conversation_id: Mapped[int] = owner_key("deliberation_conversations")
    key_hash: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = reference_key("users", index=True)
    blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Voter id in an imported Polis export, kept so that exports round-trip.
    polis_id: Mapped[int | None]
    # The group Polis itself gave this participant (imported ``group-id``), for comparison.
    polis_group: Mapped[int | None]
    # The opinion group of the latest stored result (None: not clustered yet).
    opinion_group: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("conversation_id", "key_hash"),
        UniqueConstraint("conversation_id", "user_id"),
    )


class Statement(IdMixin, Base):
    """A short statement participants vote on."""

    __tablename__ = "deliberation_statements"

    conversation_id: Mapped[int] = owner_key("deliberation_conversations")
    # Running number within the conversation (the Polis ``comment-id``).
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    # SHA-256 of the normalised text, for duplicate detection within a conversation.
    text_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="fi")
    author_id: Mapped[int | None] = reference_key("deliberation_participants", index=True)
    status: Mapped[str] = mapped_column(String(20), default=StatementStatus.PENDING)
    reject_reason: Mapped[str] = mapped_column(String(300), default="")
    is_seed: Mapped[bool] = mapped_column(default=False)
    is_meta: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = reference_key("users")

    author: Mapped[Participant | None] = relationship(lazy="joined")

    @property
    def display_text(self) -> str:
        """The text to show: the tombstone of an erased author in the reader's language."""
        if self.text == ERASED_STATEMENT_TEXT:
            return str(_ERASED_STATEMENT_LABEL)
        return self.text

    __table_args__ = (
        UniqueConstraint("conversation_id", "number"),
        Index("ix_deliberation_statements_conversation_status", "conversation_id", "status"),
        Index("ix_deliberation_statements_conversation_hash", "conversation_id", "text_hash"),
    )


class Vote(IdMixin, Base):
    """A participant's current vote on a statement (+1 agree, -1 disagree, 0 pass)."""

    __tablename__ = "deliberation_votes"

    conversation_id: Mapped[int] = owner_key("deliberation_conversations", index=True)
    participant_id: Mapped[int] = owner_key("deliberation_participants")
    statement_id: Mapped[int] = owner_key("deliberation_statements", index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("participant_id", "statement_id"),)


class VoteEvent(IdMixin, Base):
    """Every vote ever cast, in order; rows are only inserted (the vote history)."""

    __tablename__ = "deliberation_vote_events"

    conversation_id: Mapped[int] = owner_key("deliberation_conversations")
    participant_id: Mapped[int] = owner_key("deliberation_participants", index=True)
    statement_id: Mapped[int] = owner_key("deliberation_statements", index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_deliberation_vote_events_conversation_id", "conversation_id", "id"),
        Index("ix_deliberation_vote_events_conversation_time", "conversation_id", "created_at"),
    )


class MathState(Base):
    """The latest opinion map of a conversation.

    ``summary`` is what pages show (groups, representative and consensus statements,
    routing priorities); ``state`` is a NumPy ``.npz`` archive with per-participant
    positions and what the next update needs for stable groups (in-conversation set,
    cluster centres, group ids, k smoother).
    """

    __tablename__ = "deliberation_results"

    conversation_id: Mapped[int] = owner_key("deliberation_conversations", primary_key=True)
    computed_at: Mapped[datetime | None]
    # Number of current votes and the last vote event the result reflects.
    vote_count: Mapped[int] = mapped_column(default=0)
    last_event_id: Mapped[int] = mapped_column(default=0)
    participant_count: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    # Set when moderation or blocking changed the input without a new vote.
    needs_update: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
