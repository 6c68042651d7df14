"""People, their roles and the organisation units staff belong to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, IdMixin, owned_rows, owner_key, utcnow
from portal.core.models import Municipality
from portal.core.permissions import Role


class OrgUnitKind(enum.StrEnum):
    COUNTY = "county"
    SERVICE_AREA = "service_area"
    UNIT = "unit"


class OrgUnit(IdMixin, Base):
    """A node of the organisation tree: county → service area → unit."""

    __tablename__ = "org_units"

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name_fi: Mapped[str] = mapped_column(String(120))
    name_sv: Mapped[str] = mapped_column(String(120), default="")
    name_en: Mapped[str] = mapped_column(String(120), default="")
    manager_email: Mapped[str | None] = mapped_column(String(254))

    # The tree is three levels deep (county, service area, unit): loading a unit with its
    # ancestors in one query lets ``service_area`` answer without more round trips.
    parent: Mapped[OrgUnit | None] = relationship(
        remote_side="OrgUnit.id", lazy="joined", join_depth=2
    )

    def name(self, locale: str) -> str:
        localized = {"sv": self.name_sv, "en": self.name_en}.get(locale)
        return localized or self.name_fi

    @property
    def service_area(self) -> OrgUnit | None:
        """The service area this unit belongs to (itself when it is one)."""
        node: OrgUnit | None = self
        while node is not None and node.kind != OrgUnitKind.SERVICE_AREA:
            node = node.parent
        return node


class User(IdMixin, Base):
    """A person known to the portal: a resident, an employee, an expert...

    A person who joined the resident pool by phone or paper has no email or password;
    they are still a ``User`` so that their participations and fees link to one row.
    Erasure empties every personal column and sets ``erased_at`` (see accounts.services).
    """

    __tablename__ = "users"

    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(5), default="fi")
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Coarse demographics, optional, used only for representativeness figures.
    birth_year: Mapped[int | None]
    gender: Mapped[str | None] = mapped_column(String(20))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    language: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # Stored in the session at sign-in and compared on every request: raising it signs the
    # person out of every browser (logout, new password, changed access, erasure).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    roles: Mapped[list[UserRole]] = owned_rows("user")
    org_unit: Mapped[OrgUnit | None] = relationship(lazy="joined")
    municipality: Mapped[Municipality | None] = relationship(lazy="joined")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.roles)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set

    @property
    def display_name(self) -> str:
        return self.name or (self.email or f"#{self.id}")


class UserRole(IdMixin, Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = owner_key("users")
    role: Mapped[str] = mapped_column(String(30))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")

    __table_args__ = (UniqueConstraint("user_id", "role"),)
