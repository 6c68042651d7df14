"""Tables shared by every domain: the audit log, one-time tokens and municipalities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, IdMixin, utcnow


class AuditEntry(IdMixin, Base):
    """One change to people's data, roles or money. Rows are only ever inserted.

    ``changes`` names the fields that changed and holds non-personal values only (ids,
    states, amounts), so that erasing a person never requires editing the log.
    """

    __tablename__ = "audit_entries"

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
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
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
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
