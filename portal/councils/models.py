"""Councils, their terms, seat groups, members, applications, meetings and outputs."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
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


class CouncilKind(enum.StrEnum):
    CLIENT_COUNCIL = "client_council"
    PATIENT_COUNCIL = "patient_council"
    INFLUENCE_BODY = "influence_body"
    DEVELOPER_CLIENTS = "developer_clients"


class MemberRole(enum.StrEnum):
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"
    STAFF_REPRESENTATIVE = "staff_representative"
    SECRETARY = "secretary"


class ApplicationStatus(enum.StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Rsvp(enum.StrEnum):
    PENDING = "pending"
    ATTENDING = "attending"
    REMOTE = "remote"
    NOT_ATTENDING = "not_attending"


council_responsibles = Table(
    "council_responsibles",
    Base.metadata,
    Column("council_id", ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Council(IdMixin, Base):
    """A client or patient council, an influence body or a developer-clients group."""

    __tablename__ = "councils"

    name_fi: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(30), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[str] = mapped_column(Text, default="")
    # Swedish versions where the county writes them; pages fall back to the Finnish text.
    purpose_sv: Mapped[str] = mapped_column(Text, default="", server_default="")
    tasks_sv: Mapped[str] = mapped_column(Text, default="", server_default="")
    target_size: Mapped[int] = mapped_column(default=10)
    accepts_applications: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship(lazy="joined")
    responsibles: Mapped[list[User]] = relationship(
        secondary=council_responsibles, lazy="selectin", order_by="User.name"
    )
    seat_groups: Mapped[list[CouncilSeatGroup]] = owned_rows(
        "council", order_by="CouncilSeatGroup.id"
    )
    terms: Mapped[list[CouncilTerm]] = owned_rows("council", order_by="CouncilTerm.starts_on")

    def name(self, locale: str) -> str:
        return (self.name_sv if locale == "sv" else "") or self.name_fi

    def current_term(self, on: date) -> CouncilTerm | None:
        """The term running on ``on``, else the latest one that has started, else the first."""
        running = [t for t in self.terms if t.starts_on <= on <= t.ends_on]
        if running:
            return running[-1]
        started = [t for t in self.terms if t.starts_on <= on]
        if started:
            return started[-1]
        return self.terms[0] if self.terms else None


class CouncilSeatGroup(IdMixin, Base):
    """A part of the intended composition, e.g. "relatives: 3 seats"."""

    __tablename__ = "council_seat_groups"

    council_id: Mapped[int] = owner_key("councils", index=True)
    name: Mapped[str] = mapped_column(String(120))
    seats: Mapped[int] = mapped_column(default=1)

    council: Mapped[Council] = relationship(back_populates="seat_groups")


class CouncilTerm(IdMixin, Base):
    """One term of office of a council; mirrored as an impact activity of kind "council"."""

    __tablename__ = "council_terms"

    council_id: Mapped[int] = owner_key("councils")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    council: Mapped[Council] = relationship(back_populates="terms")
    memberships: Mapped[list[CouncilMembership]] = owned_rows(
        "term", order_by="CouncilMembership.id"
    )

    __table_args__ = (UniqueConstraint("council_id", "starts_on"),)


class CouncilMembership(IdMixin, Base):
    """A person's seat in one term, with role and onboarding checklist."""

    __tablename__ = "council_memberships"

    term_id: Mapped[int] = owner_key("council_terms")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(30), default=MemberRole.MEMBER)
    seat_group_id: Mapped[int | None] = reference_key("council_seat_groups")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    privacy_commitment_on: Mapped[date | None]
    orientation_done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    term: Mapped[CouncilTerm] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(lazy="joined")
    seat_group: Mapped[CouncilSeatGroup | None] = relationship(lazy="joined")

    @property
    def onboarded(self) -> bool:
        return self.privacy_commitment_on is not None and self.orientation_done_on is not None

    def is_current(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on

    __table_args__ = (UniqueConstraint("term_id", "user_id"),)


class CouncilApplication(IdMixin, Base):
    """An application to join a council sent through the open form."""

    __tablename__ = "council_applications"

    council_id: Mapped[int] = owner_key("councils")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    motivation: Mapped[str] = mapped_column(Text, default="")
    seat_group_id: Mapped[int | None] = reference_key("council_seat_groups")
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.RECEIVED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    council: Mapped[Council] = relationship(lazy="joined")
    seat_group: Mapped[CouncilSeatGroup | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_council_applications_council_status", "council_id", "status"),)


class Meeting(TimeSpanMixin, IdMixin, Base):
    """A meeting of a council in one of its terms."""

    __tablename__ = "council_meetings"

    council_id: Mapped[int] = owner_key("councils")
    term_id: Mapped[int] = owner_key("council_terms")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    remote_link: Mapped[str] = mapped_column(String(500), default="")
    accessibility_info: Mapped[str] = mapped_column(Text, default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.SCHEDULED)
    # Incremented on every change that is sent out, as iCalendar's SEQUENCE.
    sequence: Mapped[int] = mapped_column(default=0)
    invitations_sent_at: Mapped[datetime | None]
    attendance_marked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    council: Mapped[Council] = relationship(lazy="joined")
    term: Mapped[CouncilTerm] = relationship(lazy="joined")
    invitations: Mapped[list[MeetingInvitation]] = owned_rows(
        "meeting", order_by="MeetingInvitation.id"
    )
    materials: Mapped[list[MeetingMaterial]] = owned_rows("meeting", order_by="MeetingMaterial.id")
    outputs: Mapped[list[MeetingOutput]] = owned_rows("meeting", order_by="MeetingOutput.id")

    __table_args__ = (Index("ix_council_meetings_council_starts", "council_id", "starts_at"),)


class MeetingInvitation(IdMixin, Base):
    """A member's invitation to a meeting: their answer and, afterwards, their attendance."""

    __tablename__ = "council_meeting_invitations"

    meeting_id: Mapped[int] = owner_key("council_meetings")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(30), default=MemberRole.MEMBER)
    rsvp: Mapped[str] = mapped_column(String(20), default=Rsvp.PENDING)
    rsvp_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attendance: Mapped[str | None] = mapped_column(String(10))
    hours: Mapped[Decimal | None] = mapped_column(Hours())

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)


class MeetingMaterial(IdMixin, Base):
    """A document uploaded for a meeting, or a link to one."""

    __tablename__ = "council_meeting_materials"

    meeting_id: Mapped[int] = owner_key("council_meetings", index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    stored_name: Mapped[str] = mapped_column(String(80), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="materials")


class MeetingOutput(IdMixin, Base):
    """A recommendation or statement a meeting agreed on; registered as an impact output."""

    __tablename__ = "council_meeting_outputs"

    meeting_id: Mapped[int] = owner_key("council_meetings", index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    output_id: Mapped[int | None] = reference_key("outputs")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="outputs")
