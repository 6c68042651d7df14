"""Expert profiles and documents, staff requests and the assignments that answer them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import OrgUnit, User
from portal.core.db import (
    Base,
    Hours,
    IdMixin,
    TimeSpanMixin,
    owned_rows,
    owner_key,
    reference_key,
    utcnow,
)


class ExpertStatus(enum.StrEnum):
    IN_TRAINING = "in_training"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class TaskType(enum.StrEnum):
    STAFF_TRAINING = "staff_training"
    DEVELOPMENT_WORKSHOP = "development_workshop"
    RECRUITMENT_PANEL = "recruitment_panel"
    PEER_SUPPORT = "peer_support"
    MEDIA = "media"
    OTHER = "other"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    PROPOSED = "proposed"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class AssignmentStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"
    NOT_HELD = "not_held"
    CANCELLED = "cancelled"


# Assignments that keep the expert busy at their time (for overlap checks and matching).
BUSY_STATUSES = (AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)


class DocumentKind(enum.StrEnum):
    AGREEMENT = "agreement"
    CONFIDENTIALITY = "confidentiality"
    TRAINING_CERTIFICATE = "training_certificate"
    OTHER = "other"


class ExpertProfile(IdMixin, Base):
    """What the coordinator needs to know to match an expert to requests."""

    __tablename__ = "expert_profiles"

    user_id: Mapped[int] = owner_key("users", unique=True)
    status: Mapped[str] = mapped_column(String(20), default=ExpertStatus.IN_TRAINING, index=True)
    training_completed_on: Mapped[date | None]
    experience_areas: Mapped[list[Any]] = mapped_column(JSON, default=list)
    service_area_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    available_weekdays: Mapped[list[Any]] = mapped_column(JSON, default=list)
    availability_note: Mapped[str] = mapped_column(Text, default="")
    willing_staff_training: Mapped[bool] = mapped_column(default=False)
    willing_development_workshop: Mapped[bool] = mapped_column(default=False)
    willing_recruitment_panel: Mapped[bool] = mapped_column(default=False)
    willing_peer_support: Mapped[bool] = mapped_column(default=False)
    willing_media: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    def willing_task_types(self) -> set[str]:
        return {task for task in TaskType if getattr(self, f"willing_{task}", False)}


class ExpertDocument(IdMixin, Base):
    """A signed agreement, confidentiality commitment or training certificate."""

    __tablename__ = "expert_documents"

    user_id: Mapped[int] = owner_key("users", index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date | None]
    stored_name: Mapped[str] = mapped_column(String(80), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpertRequest(TimeSpanMixin, IdMixin, Base):
    """A unit's request for an experience expert (an entry in the experience bank)."""

    __tablename__ = "expert_requests"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    requester_id: Mapped[int | None] = reference_key("users", index=True)
    title: Mapped[str] = mapped_column(String(200))
    task_type: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    is_remote: Mapped[bool] = mapped_column(default=False)
    preparation: Mapped[str] = mapped_column(Text, default="")
    expertise_wanted: Mapped[list[Any]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), default="fi")
    experts_needed: Mapped[int] = mapped_column(default=1)
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    requester: Mapped[User | None] = relationship(lazy="joined")
    assignments: Mapped[list[ExpertAssignment]] = owned_rows(
        "request", order_by="ExpertAssignment.id"
    )

    __table_args__ = (Index("ix_expert_requests_unit_starts", "org_unit_id", "starts_at"),)


class ExpertAssignment(IdMixin, Base):
    """One expert proposed for, and then doing, one request."""

    __tablename__ = "expert_assignments"

    request_id: Mapped[int] = owner_key("expert_requests")
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=AssignmentStatus.PROPOSED)
    # Copied from the request so that overlap checks need no join.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_by_id: Mapped[int | None] = reference_key("users")
    responded_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = reference_key("users")
    hours: Mapped[Decimal | None] = mapped_column(Hours())
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    requester_rating: Mapped[int | None]
    requester_feedback: Mapped[str] = mapped_column(Text, default="")
    expert_rating: Mapped[int | None]
    expert_feedback: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[ExpertRequest] = relationship(back_populates="assignments", lazy="joined")
    expert: Mapped[User] = relationship(foreign_keys=[expert_id], lazy="joined")

    __table_args__ = (
        UniqueConstraint("request_id", "expert_id"),
        Index("ix_expert_assignments_expert_starts", "expert_id", "starts_at"),
    )
