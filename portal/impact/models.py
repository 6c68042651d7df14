"""The impact chain: activity → participations and outputs → responses → implementation."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import OrgUnit, User
from portal.core.db import Base, Hours, IdMixin, owner_key, reference_key, utcnow


class ActivityKind(enum.StrEnum):
    COUNCIL = "council"
    PANEL = "panel"
    DELIBERATION = "deliberation"
    INITIATIVE = "initiative"
    EXPERT_ASSIGNMENT = "expert_assignment"
    WORKSHOP = "workshop"
    FEEDBACK = "feedback"


class EventType(enum.StrEnum):
    """The occasion a participation records, named once for every domain.

    The fees domain pays for meetings, panel sessions and assignments; the owning domain's
    ``event_id`` says which one.
    """

    COUNCIL_MEETING = "council_meeting"
    PANEL_SESSION = "panel_session"
    EXPERT_ASSIGNMENT = "expert_assignment"
    DELIBERATION = "deliberation"
    WORKSHOP_SESSION = "demo_session"


class ActivityStatus(enum.StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class Attendance(enum.StrEnum):
    PRESENT = "present"
    REMOTE = "remote"
    ABSENT = "absent"


class OutputKind(enum.StrEnum):
    RECOMMENDATION = "recommendation"
    STATEMENT = "statement"
    OPINION_GROUP_VIEW = "opinion_group_view"
    CONSENSUS = "consensus"
    INITIATIVE_PROPOSAL = "initiative_proposal"
    FEEDBACK = "feedback"


class Decision(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    NOT_ACCEPTED = "not_accepted"
    UNDER_CONSIDERATION = "under_consideration"


class ImplementationStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


class Activity(IdMixin, Base):
    """A form of participation, registered by the domain that owns it.

    ``source_type``/``source_id`` point back to the owning domain's object (for example
    ``("council", 3)``), so reports never need to know the domain's tables.
    """

    __tablename__ = "activities"

    kind: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # The Swedish title where the source has one (e.g. a council's Swedish name).
    title_sv: Mapped[str] = mapped_column(String(300), default="", server_default="")
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    service_area_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    starts_on: Mapped[date | None] = mapped_column(index=True)
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=ActivityStatus.PLANNED)
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[org_unit_id], lazy="joined")

    __table_args__ = (UniqueConstraint("source_type", "source_id"),)


class Participation(IdMixin, Base):
    """A person taking part in an activity on one occasion (a meeting, an assignment...).

    ``event_type``/``event_id`` name the occasion in the owning domain; fee claims are
    derived from attended participations and refer to them by id.
    """

    __tablename__ = "participations"

    activity_id: Mapped[int] = owner_key("activities")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(30), default="participant")
    occurred_on: Mapped[date] = mapped_column(index=True)
    attendance: Mapped[str] = mapped_column(String(10), default=Attendance.PRESENT)
    hours: Mapped[Decimal] = mapped_column(Hours(), default=Decimal("0"))
    event_type: Mapped[str] = mapped_column(String(40), default="")
    event_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[Activity] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def attended(self) -> bool:
        return self.attendance != Attendance.ABSENT

    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", "event_type", "event_id"),
        Index("ix_participations_activity_occurred", "activity_id", "occurred_on"),
        # Covers the impact reports' participation query, so a five-year report reads
        # the index alone instead of 50,000 table rows.
        Index(
            "ix_participations_report",
            "occurred_on",
            "activity_id",
            "user_id",
            "attendance",
            "hours",
        ),
        # The first attended day of each person ("new participant").
        Index("ix_participations_user_first", "user_id", "attendance", "occurred_on"),
    )


class Output(IdMixin, Base):
    """Something an activity produced that deserves the county's answer."""

    __tablename__ = "outputs"

    activity_id: Mapped[int] = owner_key("activities", index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=True)
    source_type: Mapped[str] = mapped_column(String(40), default="")
    source_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # When decision makers were last reminded that this output still awaits a response.
    reminded_at: Mapped[datetime | None]

    activity: Mapped[Activity] = relationship(lazy="joined")
    response: Mapped[Response | None] = relationship(back_populates="output", lazy="joined")


class Response(IdMixin, Base):
    """The county's answer to an output, and how its implementation is going."""

    __tablename__ = "responses"

    output_id: Mapped[int] = owner_key("outputs", unique=True)
    decision: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    decision_reference: Mapped[str] = mapped_column(String(200), default="")
    decision_link: Mapped[str] = mapped_column(String(500), default="")
    responsible_person: Mapped[str] = mapped_column(String(200), default="")
    decided_by_id: Mapped[int | None] = reference_key("users")
    decided_on: Mapped[date]
    implementation_status: Mapped[str] = mapped_column(
        String(20), default=ImplementationStatus.NOT_STARTED
    )
    implementation_planned_on: Mapped[date | None]
    implemented_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    output: Mapped[Output] = relationship(back_populates="response")

    __table_args__ = (Index("ix_responses_decided_on", "decided_on"),)


class MonthlyReport(IdMixin, Base):
    """A monthly impact summary sent to a unit's manager; one row per unit and month.

    The unique constraint makes the monthly command idempotent even when two schedulers
    run it at the same time: the second insert fails and that unit is skipped.
    """

    __tablename__ = "impact_monthly_reports"

    org_unit_id: Mapped[int] = owner_key("org_units")
    month: Mapped[date]  # the first day of the reported month
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("org_unit_id", "month"),)
