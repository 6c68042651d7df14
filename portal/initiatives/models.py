"""Initiatives, their initiators, supports, abuse reports and the yearly threshold settings."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import OrgUnit, User
from portal.core.db import Base, IdMixin, owned_rows, owner_key, reference_key, utcnow
from portal.core.encryption import EncryptedText
from portal.core.models import Municipality


class InitiativeState(enum.StrEnum):
    DRAFT = "draft"
    CHECKING = "checking"
    RETURNED = "returned"
    COLLECTING = "collecting"
    SUBMITTED = "submitted"
    IN_PROCESSING = "in_processing"
    DECIDED = "decided"
    CLOSED = "closed"


# States in which anyone may read the initiative; the others are seen only by its
# initiators and by the coordinators who check it.
PUBLIC_STATES = frozenset(
    {
        InitiativeState.COLLECTING,
        InitiativeState.SUBMITTED,
        InitiativeState.IN_PROCESSING,
        InitiativeState.DECIDED,
        InitiativeState.CLOSED,
    }
)
EDITABLE_STATES = frozenset({InitiativeState.DRAFT, InitiativeState.RETURNED})


class InitiativeDecision(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    NOT_ACCEPTED = "not_accepted"


class InitiativeSettings(IdMixin, Base):
    """The threshold rule of one calendar year (of submission).

    ``eligible_voters`` is the number of residents entitled to vote in that year; when it
    is not set, the county's total population is used as the base.
    """

    __tablename__ = "initiative_settings"

    year: Mapped[int] = mapped_column(unique=True)
    support_share: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0.02"))
    eligible_voters: Mapped[int | None]
    handling_months: Mapped[int] = mapped_column(default=6)
    collection_months: Mapped[int] = mapped_column(default=6)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = reference_key("users")


class Initiative(IdMixin, Base):
    """One initiative and where it is in its life: draft → … → decided → closed."""

    __tablename__ = "initiatives"

    title: Mapped[str] = mapped_column(String(200))
    proposal: Mapped[str] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text, default="")
    service_area_id: Mapped[int | None] = reference_key("org_units", index=True)
    state: Mapped[str] = mapped_column(String(20), default=InitiativeState.DRAFT, index=True)
    author_id: Mapped[int | None] = reference_key("users", index=True)
    # Shown publicly as the initiator; empty means "a resident" (the name is optional).
    public_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    return_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_for_check_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    collection_ends_on: Mapped[date | None] = mapped_column(index=True)
    submitted_on: Mapped[date | None] = mapped_column(index=True)
    support_count_at_submission: Mapped[int | None]
    threshold_at_submission: Mapped[int | None]
    due_on: Mapped[date | None] = mapped_column(index=True)
    reminder_stage: Mapped[int] = mapped_column(default=0)
    assigned_to: Mapped[str] = mapped_column(String(200), default="")
    assigned_user_id: Mapped[int | None] = reference_key("users", index=True)
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    minutes_link: Mapped[str] = mapped_column(String(500), default="")
    decided_on: Mapped[date | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str] = mapped_column(String(20), default="")
    activity_id: Mapped[int | None] = reference_key("activities")
    output_id: Mapped[int | None] = reference_key("outputs")

    service_area: Mapped[OrgUnit | None] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    assigned_user: Mapped[User | None] = relationship(foreign_keys=[assigned_user_id])
    initiators: Mapped[list[Initiator]] = owned_rows("initiative")

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def initiator_user_ids(self) -> set[int]:
        return {i.user_id for i in self.initiators if i.user_id is not None}


class Initiator(IdMixin, Base):
    """The author or a co-initiator; a co-initiator is invited by email and accepts by link."""

    __tablename__ = "initiative_initiators"

    initiative_id: Mapped[int] = owner_key("initiatives")
    user_id: Mapped[int | None] = owner_key("users", index=True)
    role: Mapped[str] = mapped_column(String(20), default="co_initiator")  # author | co_initiator
    invited_email: Mapped[str | None] = mapped_column(String(254))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    initiative: Mapped[Initiative] = relationship(back_populates="initiators")
    user: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("initiative_id", "user_id"),)


class Support(IdMixin, Base):
    """One person's support, counted once its email address is confirmed.

    ``email_index`` (a keyed hash of the normalised address) is unique per initiative, so
    the same address can never be counted twice, not even when two confirmations race.
    ``verification_method`` is ``"email"``: supports are email-verified, not strongly
    identified; a later identification service can add its own method.
    """

    __tablename__ = "initiative_supports"

    initiative_id: Mapped[int] = owner_key("initiatives")
    name: Mapped[str] = mapped_column(String(200))
    municipality_id: Mapped[int | None] = reference_key("municipalities")
    email: Mapped[str | None] = mapped_column(EncryptedText())
    email_index: Mapped[str] = mapped_column(String(64))
    verification_method: Mapped[str] = mapped_column(String(20), default="email")
    notify_decision: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(5), default="fi")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]

    municipality: Mapped[Municipality | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("initiative_id", "email_index"),
        Index("ix_initiative_supports_counted", "initiative_id", "confirmed_at"),
    )


class AbuseReport(IdMixin, Base):
    """A report from anyone that an initiative breaks the rules; coordinators handle them."""

    __tablename__ = "initiative_abuse_reports"

    initiative_id: Mapped[int] = owner_key("initiatives", index=True)
    reason: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    handled_by_id: Mapped[int | None] = reference_key("users")

    initiative: Mapped[Initiative] = relationship(lazy="joined")
