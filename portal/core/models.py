"""Tables shared by every domain: audit log, one-time tokens, municipalities, mail outbox,
form submissions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, IdMixin, owner_key, reference_key, utcnow
from portal.core.encryption import EncryptedText


class AuditEntry(IdMixin, Base):
    """One change to people's data, roles or money. Rows are only ever inserted.

    ``changes`` names the fields that changed and holds non-personal values only (ids,
    states, amounts), so that erasing a person never requires editing the log.
    """

    __tablename__ = "audit_entries"

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = reference_key("users", index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)


class OneTimeToken(IdMixin, Base):
    """A single-use, expiring secret sent by email (verification, reset, magic link...).

    Only the SHA-256 of the secret is stored, so a database leak does not leak live links.
    """

    __tablename__ = "one_time_tokens"

    purpose: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = owner_key("users", index=True)
    subject: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Municipality(IdMixin, Base):
    """A municipality of the county, with the population figures reports compare against."""

    __tablename__ = "municipalities"

    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_fi: Mapped[str] = mapped_column(String(80))
    name_sv: Mapped[str] = mapped_column(String(80))
    population: Mapped[int]
    finnish_speakers_pct: Mapped[float]
    swedish_speakers_pct: Mapped[float]
    other_speakers_pct: Mapped[float]

    def name(self, locale: str) -> str:
        return self.name_sv if locale == "sv" else self.name_fi


class OutgoingMessage(IdMixin, Base):
    """One mail in the transactional outbox, written in the transaction that caused it.

    A worker claims a ``pending`` row by switching it to ``sending`` in one conditional
    UPDATE, so each message leaves at most once. Bodies and attachments can hold live
    sign-in links, so they are stored encrypted and emptied once the message is sent.
    """

    __tablename__ = "mail_outbox"

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    to_address: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(EncryptedText())
    html_body: Mapped[str] = mapped_column(EncryptedText())
    # JSON list of {filename, content_type, data (base64)}, encrypted like the bodies.
    attachments: Mapped[str | None] = mapped_column(EncryptedText())
    status: Mapped[str] = mapped_column(String(10), default=PENDING, server_default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)


class PeriodicTaskRun(IdMixin, Base):
    """That a periodic task ran for one period: the unique row lets only one consumer run it."""

    __tablename__ = "periodic_task_runs"

    name: Mapped[str] = mapped_column(String(120))
    period_start: Mapped[datetime]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("name", "period_start"),)


class FormSubmission(Base):
    """A form submission accepted once (see :mod:`portal.core.resubmission`) and its redirect."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    location: Mapped[str | None] = mapped_column(String(2000))
