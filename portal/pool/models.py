"""Pool members, their interests, invitations to activities and pending CSV imports."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import Base, IdMixin, owned_rows, owner_key, reference_key, utcnow
from portal.impact.models import Activity


class MemberStatus(enum.StrEnum):
    PENDING = "pending"  # joined, email not yet confirmed (or phone joiner not yet confirmed)
    ACTIVE = "active"
    PAUSED = "paused"  # not invited until ``paused_until``
    LEFT = "left"  # consent withdrawn or removed; personal data erased


class ContactChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


member_interests = Table(
    "pool_member_interests",
    Base.metadata,
    Column("member_id", ForeignKey("pool_members.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("pool_interest_areas.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_pool_member_interests_area_id", "area_id"),
)


class InterestArea(IdMixin, Base):
    """A service area a member can be interested in; the list is configurable."""

    __tablename__ = "pool_interest_areas"

    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_fi: Mapped[str] = mapped_column(String(120))
    name_sv: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        return {"sv": self.name_sv, "en": self.name_en}.get(locale) or self.name_fi


class PoolMember(IdMixin, Base):
    """A person's membership of the pool. Name, contact and demographics live on ``User``.

    ``pending_profile`` holds what an email joiner typed until the address is confirmed, so
    that joining with somebody else's address never changes that person's details.
    """

    __tablename__ = "pool_members"

    user_id: Mapped[int] = owner_key("users", unique=True)
    status: Mapped[str] = mapped_column(String(10), default=MemberStatus.PENDING)
    paused_until: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(20), default="web")  # web | coordinator | import
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None]
    contact_channel: Mapped[str] = mapped_column(String(10), default=ContactChannel.EMAIL)
    postal_address: Mapped[str | None] = mapped_column(Text)
    municipality_other: Mapped[bool] = mapped_column(default=False)
    language_other: Mapped[str | None] = mapped_column(String(60))
    accessibility_needs: Mapped[str | None] = mapped_column(Text)
    experience: Mapped[str | None] = mapped_column(String(20))  # client | relative | both | none
    how_heard: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    pending_profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_invited_at: Mapped[datetime | None]
    retention_asked_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    interests: Mapped[list[InterestArea]] = relationship(
        secondary=member_interests, lazy="selectin", order_by=InterestArea.position
    )

    __table_args__ = (
        # Lets status filters and counts reach users in id order (no random page reads).
        Index("ix_pool_members_status_user", "status", "user_id"),
    )


class PoolInvitation(IdMixin, Base):
    """An invitation to an activity, sent to a filtered set or a seeded random sample."""

    __tablename__ = "pool_invitations"

    activity_id: Mapped[int] = owner_key("activities", index=True)
    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sample_size: Mapped[int | None]
    seed: Mapped[str | None] = mapped_column(String(64))
    eligible_count: Mapped[int] = mapped_column(default=0)
    fatigued_count: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None]

    activity: Mapped[Activity] = relationship(lazy="joined")
    recipients: Mapped[list[InvitationRecipient]] = owned_rows("invitation", lazy="raise_on_sql")


class InvitationRecipient(IdMixin, Base):
    """One member's copy of an invitation and their answer (kept, anonymised, on erasure)."""

    __tablename__ = "pool_invitation_recipients"

    invitation_id: Mapped[int] = owner_key("pool_invitations")
    member_id: Mapped[int] = owner_key("pool_members")
    channel: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(10))
    availability: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    invitation: Mapped[PoolInvitation] = relationship(back_populates="recipients")
    member: Mapped[PoolMember] = relationship(lazy="raise_on_sql")

    __table_args__ = (
        UniqueConstraint("invitation_id", "member_id"),
        Index("ix_pool_invitation_recipients_member_sent", "member_id", "sent_at"),
    )


class PoolImport(IdMixin, Base):
    """An uploaded CSV file, validated and kept here until the coordinator confirms it."""

    __tablename__ = "pool_imports"

    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|done|discarded
    row_count: Mapped[int] = mapped_column(default=0)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    imported_count: Mapped[int] = mapped_column(default=0)
