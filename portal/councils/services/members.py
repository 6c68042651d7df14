"""Members of a term: adding, updating the onboarding checklist, open applications."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.services import create_user, find_user_by_email, grant_role, normalise_email
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.councils.models import (
    ApplicationStatus,
    Council,
    CouncilApplication,
    CouncilMembership,
    CouncilSeatGroup,
    CouncilTerm,
    MemberRole,
)
from portal.councils.services._common import CouncilError, _invite_to_coming_meetings, audit
from portal.extensions import db


def _ensure_expert_role(actor: User | None, user: User) -> None:
    # Council members and experts share the "expert" role: it opens their own pages.
    if Role.STAFF not in user.role_set:
        grant_role(actor=actor, user=user, role=Role.EXPERT)


def find_or_create_person(*, name: str, email: str, locale: str = "fi") -> User:
    """The user with ``email``, or a new account without a password (they can set one with
    "forgot password"). Flushes only."""
    user = find_user_by_email(email)
    if user is None:
        user = create_user(
            email=normalise_email(email),
            name=name,
            roles={Role.EXPERT},
            locale=locale,
            verified=False,
        )
    return user


def _add_membership(
    *,
    actor: User | None,
    term: CouncilTerm,
    user: User,
    role: str,
    seat_group: CouncilSeatGroup | None,
    starts_on: date | None = None,
) -> CouncilMembership:
    if any(m.user_id == user.id for m in term.memberships):
        raise CouncilError("already_member")
    if seat_group is not None and seat_group.council_id != term.council_id:
        raise CouncilError("not_in_council")
    first_day = max(starts_on or date.today(), term.starts_on)
    if first_day > term.ends_on:
        raise CouncilError("term_ended")
    membership = CouncilMembership(
        term=term,
        user=user,
        role=role,
        seat_group=seat_group,
        starts_on=first_day,
        ends_on=term.ends_on,
    )
    db.session.add(membership)
    if role != MemberRole.STAFF_REPRESENTATIVE:
        _ensure_expert_role(actor, user)
    db.session.flush()
    _invite_to_coming_meetings(membership)
    return membership


def add_member(
    *,
    actor: User,
    term: CouncilTerm,
    name: str,
    email: str,
    role: str,
    seat_group: CouncilSeatGroup | None,
    starts_on: date | None = None,
) -> CouncilMembership:
    """Add a person (found by email, or created) to a term."""
    user = find_or_create_person(name=name, email=email)
    membership = _add_membership(
        actor=actor, term=term, user=user, role=role, seat_group=seat_group, starts_on=starts_on
    )
    audit(
        actor,
        "member_added",
        "council_membership",
        membership.id,
        council_id=term.council_id,
        term_id=term.id,
        role=role,
    )
    db.session.commit()
    return membership


def update_membership(
    *,
    actor: User,
    membership: CouncilMembership,
    role: str,
    seat_group: CouncilSeatGroup | None,
    ends_on: date,
    privacy_commitment_on: date | None,
    orientation_done_on: date | None,
) -> CouncilMembership:
    """Change role, seat, end date and the onboarding checklist of one member."""
    if ends_on < membership.starts_on:
        raise CouncilError("membership_end_before_start")
    if ends_on > membership.term.ends_on:
        raise CouncilError("membership_after_term")
    if seat_group is not None and seat_group.council_id != membership.term.council_id:
        raise CouncilError("not_in_council")
    before = {
        "role": membership.role,
        "seat_group_id": membership.seat_group_id,
        "ends_on": membership.ends_on.isoformat(),
        "privacy_commitment": membership.privacy_commitment_on is not None,
        "orientation": membership.orientation_done_on is not None,
    }
    membership.role = role
    membership.seat_group = seat_group
    membership.ends_on = ends_on
    membership.privacy_commitment_on = privacy_commitment_on
    membership.orientation_done_on = orientation_done_on
    after = {
        "role": role,
        "seat_group_id": seat_group.id if seat_group else None,
        "ends_on": ends_on.isoformat(),
        "privacy_commitment": privacy_commitment_on is not None,
        "orientation": orientation_done_on is not None,
    }
    audit(
        actor,
        "member_updated",
        "council_membership",
        membership.id,
        **{k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]},
    )
    db.session.commit()
    return membership


def submit_application(
    *,
    council: Council,
    name: str,
    email: str | None,
    phone: str | None,
    motivation: str,
    seat_group: CouncilSeatGroup | None,
    user: User | None = None,
) -> CouncilApplication:
    """Receive an application from the open form (signed in or not)."""
    if not council.accepts_applications or not council.is_active:
        raise CouncilError("not_recruiting")
    if not email and not phone:
        raise CouncilError("contact_required")
    if seat_group is not None and seat_group.council_id != council.id:
        raise CouncilError("not_in_council")
    application = CouncilApplication(
        council=council,
        user_id=user.id if user is not None else None,
        name=name.strip(),
        email=normalise_email(email) if email else None,
        phone=(phone or "").strip() or None,
        motivation=motivation.strip(),
        seat_group=seat_group,
    )
    db.session.add(application)
    db.session.commit()
    return application


def decide_application(
    *, actor: User, application: CouncilApplication, accept: bool, role: str = MemberRole.MEMBER
) -> CouncilApplication:
    """Accept (the applicant becomes a member of the current term) or decline."""
    if application.status != ApplicationStatus.RECEIVED:
        raise CouncilError("already_decided")
    if accept:
        term = application.council.current_term(date.today())
        if term is None or term.ends_on < date.today():
            raise CouncilError("term_ended")
        if application.user_id is not None:
            user = db.session.get(User, application.user_id)
        elif application.email:
            user = find_or_create_person(name=application.name, email=application.email)
        else:
            raise CouncilError("contact_required")
        _add_membership(
            actor=actor, term=term, user=user, role=role, seat_group=application.seat_group
        )
        application.user_id = user.id
    application.status = ApplicationStatus.ACCEPTED if accept else ApplicationStatus.DECLINED
    application.decided_at = utcnow()
    audit(
        actor,
        "application_decided",
        "council_application",
        application.id,
        status=application.status,
    )
    db.session.commit()
    return application


def pending_applications(council: Council) -> list[CouncilApplication]:
    return db.all(
        select(CouncilApplication)
        .where(
            CouncilApplication.council_id == council.id,
            CouncilApplication.status == ApplicationStatus.RECEIVED,
        )
        .order_by(CouncilApplication.created_at)
    )


def my_memberships(user: User) -> list[CouncilMembership]:
    return db.all(
        select(CouncilMembership)
        .where(CouncilMembership.user_id == user.id)
        .options(selectinload(CouncilMembership.term).joinedload(CouncilTerm.council))
        .order_by(CouncilMembership.starts_on.desc())
    )
