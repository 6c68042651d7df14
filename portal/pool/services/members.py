"""Member details, self-service and coordinator changes, and the service areas."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User, UserRole
from portal.accounts.services import create_user, erase_user
from portal.core.audit import changed_fields
from portal.core.db import utcnow
from portal.core.models import Municipality
from portal.core.permissions import Role
from portal.extensions import db
from portal.pool.models import ContactChannel, InterestArea, MemberStatus, PoolMember
from portal.pool.services._common import (
    PRIVACY_VERSION,
    PoolError,
    _erase_member_data,
    _resident_only,
    _today,
    audit,
)

# --- member data --------------------------------------------------------------------------


@dataclass
class MemberData:
    """What a member (or a coordinator on their behalf) tells about themselves."""

    name: str
    email: str | None
    phone: str | None
    contact_channel: str
    postal_address: str | None
    birth_year: int
    gender: str
    municipality_id: int | None
    municipality_other: bool
    language: str
    language_other: str | None
    interest_ids: list[int] = field(default_factory=list)
    accessibility_needs: str | None = None
    experience: str | None = None
    how_heard: str | None = None
    locale: str = "fi"


def member_for_user(user: Any) -> PoolMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).first()


def is_pool_member(user: Any) -> bool:
    """Whether ``user`` belongs to the resident pool now: confirmed and not left.

    A paused member still belongs (they asked for no invitations for a while, not to leave).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    member = member_for_user(user)
    return member is not None and member.status in {MemberStatus.ACTIVE, MemberStatus.PAUSED}


def _apply_profile(member: PoolMember, data: MemberData, *, with_contact: bool = True) -> None:
    user = member.user
    user.name = data.name
    user.birth_year = data.birth_year
    user.gender = data.gender
    user.municipality_id = None if data.municipality_other else data.municipality_id
    user.language = data.language
    user.locale = data.locale
    if with_contact:
        user.phone = data.phone
    member.contact_channel = data.contact_channel
    member.postal_address = (
        data.postal_address if data.contact_channel == ContactChannel.LETTER else None
    )
    member.municipality_other = data.municipality_other
    member.language_other = data.language_other if data.language == "other" else None
    member.accessibility_needs = data.accessibility_needs
    member.experience = data.experience
    member.how_heard = data.how_heard
    member.interests = db.all(select(InterestArea).where(InterestArea.id.in_(data.interest_ids)))


def _profile_snapshot(member: PoolMember) -> dict[str, Any]:
    user = member.user
    return {
        "name": user.name,
        "phone": user.phone,
        "birth_year": user.birth_year,
        "gender": user.gender,
        "municipality": user.municipality_id,
        "municipality_other": member.municipality_other,
        "language": user.language,
        "language_other": member.language_other,
        "locale": user.locale,
        "contact_channel": member.contact_channel,
        "postal_address": member.postal_address,
        "accessibility_needs": member.accessibility_needs,
        "experience": member.experience,
        "how_heard": member.how_heard,
        "interests": sorted(area.id for area in member.interests),
    }


def _ensure_resident(user: User) -> None:
    if Role.RESIDENT not in user.role_set:
        user.roles.append(UserRole(role=str(Role.RESIDENT)))


# --- self-service and coordinator changes ---------------------------------------------------


def update_member(*, actor: User, member: PoolMember, data: MemberData) -> PoolMember:
    """Save a member's details (the member themselves or a coordinator)."""
    if member.status == MemberStatus.LEFT:
        raise PoolError("member_left")
    own = actor.id == member.user_id
    before = _profile_snapshot(member)
    if not own and data.email != member.user.email:
        if data.email and db.session.scalar(
            select(User.id).where(User.email == data.email, User.id != member.user_id)
        ):
            raise PoolError("email_taken")
        member.user.email = data.email
        member.user.email_verified_at = None
    if own:
        # A member changes their address only through a confirmed link (not built here);
        # the email channel needs the address they already have.
        data.email = member.user.email
    _apply_profile(member, data)
    fields = changed_fields(before, _profile_snapshot(member))
    if own:
        member.last_active_at = utcnow()
        member.retention_asked_at = None
    if fields:
        audit(actor, "member_updated", "pool_member", member.id, fields=fields)
    db.session.commit()
    return member


def pause_membership(*, actor: User, member: PoolMember, until: date) -> PoolMember:
    """Stop invitations until ``until`` (a date in the future, at most two years ahead)."""
    today = _today()
    if until <= today or until > today + timedelta(days=731):
        raise PoolError("pause_date")
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
        raise PoolError("member_not_active")
    member.status = MemberStatus.PAUSED
    member.paused_until = until
    if actor.id == member.user_id:
        member.last_active_at = utcnow()
        member.retention_asked_at = None
    audit(actor, "paused", "pool_member", member.id, until=until.isoformat())
    db.session.commit()
    return member


def resume_membership(*, actor: User, member: PoolMember) -> PoolMember:
    if member.status != MemberStatus.PAUSED:
        raise PoolError("member_not_paused")
    member.status = MemberStatus.ACTIVE
    member.paused_until = None
    if actor.id == member.user_id:
        member.last_active_at = utcnow()
    audit(actor, "resumed", "pool_member", member.id)
    db.session.commit()
    return member


def leave_pool(*, actor: User, member: PoolMember) -> None:
    """Withdraw consent: the member's personal data is erased at once.

    A person whose only role is resident is erased everywhere (``erase_user``); staff and
    others who were also in the pool keep their account, and only the pool data goes.
    Invitation answers and participations stay, unnamed, so counts do not change.
    """
    user = member.user
    _erase_member_data(member)
    audit(
        actor if actor.id != user.id else None,
        "left" if actor.id == user.id else "removed",
        "pool_member",
        member.id,
    )
    if _resident_only(user):
        erase_user(actor=actor, user=user)  # runs every domain's eraser and commits
    else:
        db.session.commit()


def confirm_member(*, actor: User, member: PoolMember) -> PoolMember:
    """A coordinator confirms a phone or paper joiner (who has no email link to follow)."""
    if member.status != MemberStatus.PENDING or member.pending_profile:
        raise PoolError("not_confirmable")
    now = utcnow()
    member.status = MemberStatus.ACTIVE
    member.confirmed_at = now
    member.last_active_at = now
    _ensure_resident(member.user)
    audit(actor, "confirmed", "pool_member", member.id)
    db.session.commit()
    return member


def save_notes(*, actor: User, member: PoolMember, notes: str | None) -> PoolMember:
    member.notes = (notes or "").strip() or None
    audit(actor, "notes_saved", "pool_member", member.id)
    db.session.commit()
    return member


def add_member(
    *, actor: User, data: MemberData, consent_version: str = PRIVACY_VERSION
) -> PoolMember:
    """A coordinator adds a phone or paper joiner, who consented when asked."""
    member = _add_member(data=data, consent_version=consent_version, source="coordinator")
    audit(actor, "member_added", "pool_member", member.id)
    db.session.commit()
    return member


def _add_member(*, data: MemberData, consent_version: str, source: str) -> PoolMember:
    if data.email and db.session.scalar(select(User.id).where(User.email == data.email)):
        raise PoolError("email_taken")
    now = utcnow()
    user = create_user(email=data.email, name=data.name, locale=data.locale)
    member = PoolMember(
        user=user,
        status=MemberStatus.ACTIVE,
        source=source,
        consent_version=consent_version,
        consent_at=now,
        confirmed_at=now,
        last_active_at=now,
    )
    db.session.add(member)
    _apply_profile(member, data)
    db.session.flush()
    return member


def interest_areas(*, active_only: bool = True) -> list[InterestArea]:
    query = select(InterestArea).order_by(InterestArea.position, InterestArea.id)
    if active_only:
        query = query.where(InterestArea.is_active.is_(True))
    return db.all(query)


def save_interest_area(
    *,
    actor: User,
    area: InterestArea | None,
    slug: str,
    name_fi: str,
    name_sv: str,
    name_en: str,
    position: int,
    is_active: bool,
) -> InterestArea:
    """Create or change a service area of interest (members' choices keep their ids)."""
    clash = db.session.scalar(
        select(InterestArea.id).where(
            InterestArea.slug == slug, InterestArea.id != (area.id if area else -1)
        )
    )
    if clash:
        raise PoolError("slug_taken")
    created = area is None
    if area is None:
        area = InterestArea(slug=slug)
        db.session.add(area)
    area.slug = slug
    area.name_fi = name_fi.strip()
    area.name_sv = name_sv.strip()
    area.name_en = name_en.strip()
    area.position = position
    area.is_active = is_active
    db.session.flush()
    audit(actor, "area_created" if created else "area_updated", "pool_interest_area", area.id)
    db.session.commit()
    return area


def municipalities() -> list[Municipality]:
    return db.all(select(Municipality).order_by(Municipality.name_fi))
