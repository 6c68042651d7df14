"""Resident panels: set-up and quotas, candidates, draws and their jobs, members, workspace."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import Base, Hours, IdMixin, owner_key, reference_key, utcnow


class PanelStatus(enum.StrEnum):
    DRAFT = "draft"  # only coordinators see it
    RECRUITING = "recruiting"  # public; candidates are being gathered
    DRAWN = "drawn"  # the panel has been drawn
    CLOSED = "closed"  # the panel has finished its work


class DrawStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    INFEASIBLE = "infeasible"
    FAILED = "failed"


class DrawKind(enum.StrEnum):
    DRAW = "draw"
    REPLACEMENT = "replacement"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    DROPPED = "dropped"


class Panel(IdMixin, Base):
    """A resident panel: its question, schedule, size, stratification and quotas.

    ``features`` lists the stratified features (keys of ``portal.panels.features.FEATURES``),
    ``municipality_groups`` maps a group name to municipality slugs (others form the rest),
    and ``quotas`` is a list of ``{"feature", "value", "min", "max"}`` rows.
    """

    __tablename__ = "panels"

    question: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=PanelStatus.DRAFT, index=True)
    pays_fee: Mapped[bool] = mapped_column(default=False)
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    municipality_groups: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    quotas: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The publicly announced seed (e.g. a lottery result) and how it was obtained.
    seed: Mapped[str] = mapped_column(String(200), default="")
    seed_source: Mapped[str] = mapped_column(String(300), default="")
    seed_announced_at: Mapped[datetime | None]
    method: Mapped[str] = mapped_column(String(20), default="leximin")
    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_public(self) -> bool:
        return self.status != PanelStatus.DRAFT


class PanelCandidate(IdMixin, Base):
    """A volunteer who may be drawn: a portal user or a row from an uploaded people list.

    ``pseudonym`` is the id published in the draw's snapshot; ``features`` holds the values
    used for stratification, fixed when the candidate was added.
    """

    __tablename__ = "panel_candidates"

    panel_id: Mapped[int] = owner_key("panels")
    user_id: Mapped[int | None] = reference_key("users", index=True)
    pseudonym: Mapped[str] = mapped_column(String(20))
    # The id in an uploaded people list (candidates without a portal account).
    external_ref: Mapped[str] = mapped_column(String(80), default="")
    source: Mapped[str] = mapped_column(String(20), default="manual")  # pool | upload | manual
    features: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("panel_id", "pseudonym"),
        Index("ix_panel_candidates_panel_user", "panel_id", "user_id"),
    )


ONE_DRAW_CONDITION = "kind = 'draw' AND status IN ('queued', 'running', 'done')"


class PanelDraw(IdMixin, Base):
    """One draw (or replacement draw) with everything needed to re-run and audit it."""

    __tablename__ = "panel_draws"

    panel_id: Mapped[int] = owner_key("panels", index=True)
    kind: Mapped[str] = mapped_column(String(20), default=DrawKind.DRAW)
    status: Mapped[str] = mapped_column(String(20), default=DrawStatus.QUEUED)
    method: Mapped[str] = mapped_column(String(20))
    seed: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    # [{"id": pseudonym, "features": {...}}] as they were when the draw started.
    snapshot: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    quotas: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    distribution: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    probabilities: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    selected: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_probability: Mapped[float | None]
    # Infeasible quotas: conflicts and smallest changes as data (translated when shown).
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Replacement draws: the panel before, who dropped out and who came in.
    previous_panel: Mapped[list[str]] = mapped_column(JSON, default=list)
    dropped: Mapped[list[str]] = mapped_column(JSON, default=list)
    replacements: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    job: Mapped[PanelDrawJob | None] = relationship(back_populates="draw", lazy="joined")

    # One full draw per panel that is under way or done, enforced by the database: two
    # coordinators pressing "draw" at once get one draw; a failed draw can be started again.
    __table_args__ = (
        Index(
            "uq_panel_draws_one_per_panel",
            "panel_id",
            unique=True,
            sqlite_where=text(ONE_DRAW_CONDITION),
            postgresql_where=text(ONE_DRAW_CONDITION),
        ),
    )


class PanelDrawJob(IdMixin, Base):
    """The background computation of a draw: its progress, heartbeat and attempts."""

    __tablename__ = "panel_draw_jobs"

    draw_id: Mapped[int] = owner_key("panel_draws", unique=True)
    status: Mapped[str] = mapped_column(String(20), default=DrawStatus.QUEUED, index=True)
    fraction: Mapped[float] = mapped_column(default=0.0)
    stage: Mapped[str] = mapped_column(String(20), default="queued")
    message: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # Written by the worker while it computes; a stale heartbeat means the worker is gone.
    heartbeat_at: Mapped[datetime | None]
    # Counts claims; a worker's writes only land while the attempt it claimed is current.
    attempt: Mapped[int] = mapped_column(default=0, server_default="0")

    draw: Mapped[PanelDraw] = relationship(back_populates="job")


class PanelMember(IdMixin, Base):
    """A candidate on the panel: selected in a draw, possibly dropped out later."""

    __tablename__ = "panel_members"

    panel_id: Mapped[int] = owner_key("panels")
    candidate_id: Mapped[int] = owner_key("panel_candidates", index=True)
    draw_id: Mapped[int] = owner_key("panel_draws")
    status: Mapped[str] = mapped_column(String(20), default=MemberStatus.ACTIVE)
    dropped_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[PanelCandidate] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("panel_id", "candidate_id"),
        Index("ix_panel_members_panel_status", "panel_id", "status"),
    )


class PanelSession(IdMixin, Base):
    """A meeting of the panel; attendance is recorded as participations in the impact chain."""

    __tablename__ = "panel_sessions"

    panel_id: Mapped[int] = owner_key("panels")
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    hours: Mapped[Decimal] = mapped_column(Hours(), default=Decimal("3"))
    location: Mapped[str] = mapped_column(String(200), default="")
    attendance_recorded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_panel_sessions_panel_held", "panel_id", "held_on"),)


class PanelMaterial(IdMixin, Base):
    """Background material for the panel: a link or a short text, shown on the panel page."""

    __tablename__ = "panel_materials"

    panel_id: Mapped[int] = owner_key("panels", index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PanelRecommendation(IdMixin, Base):
    """A recommendation of the panel, registered as an output in the impact chain."""

    __tablename__ = "panel_recommendations"

    panel_id: Mapped[int] = owner_key("panels", index=True)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    output_id: Mapped[int | None] = reference_key("outputs")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
