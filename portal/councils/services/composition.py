"""Councils, their terms and intended composition (seat groups), and their overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict, Unpack

from sqlalchemy import func, select

from portal.accounts.models import OrgUnit, User
from portal.core.db import utcnow
from portal.core.service_text import entered_fields
from portal.councils.models import (
    ApplicationStatus,
    Council,
    CouncilApplication,
    CouncilMembership,
    CouncilSeatGroup,
    CouncilTerm,
    Meeting,
    MeetingStatus,
)
from portal.councils.services._common import CouncilError, _sync_term_activity, audit
from portal.extensions import db


def _add_term(council: Council, starts_on: date, ends_on: date) -> CouncilTerm:
    if ends_on <= starts_on:
        raise CouncilError("term_end_before_start")
    for existing in council.terms:
        if starts_on <= existing.ends_on and existing.starts_on <= ends_on:
            raise CouncilError("term_overlaps")
    term = CouncilTerm(council=council, starts_on=starts_on, ends_on=ends_on)
    db.session.add(term)
    db.session.flush()
    _sync_term_activity(council, term)
    return term


class _RequiredCouncilFields(TypedDict):
    name_fi: str
    name_sv: str
    kind: str
    org_unit: OrgUnit | None
    purpose: str
    tasks: str
    target_size: int
    accepts_applications: bool
    responsibles: list[User]


class CouncilFields(_RequiredCouncilFields, total=False):
    """What a coordinator enters about a council in :func:`save_council`; the term dates
    are needed only when the council is created."""

    term_starts_on: date | None
    term_ends_on: date | None
    purpose_sv: str
    tasks_sv: str


# What the optional fields are when they are left out.
_FIELD_DEFAULTS: dict[str, Any] = {
    "term_starts_on": None,
    "term_ends_on": None,
    "purpose_sv": "",
    "tasks_sv": "",
}


def save_council(
    *, actor: User, council: Council | None, **fields: Unpack[CouncilFields]
) -> Council:
    """Create a council with its first term, or update one (terms change by renewal)."""
    values = entered_fields(fields, declared=CouncilFields, defaults=_FIELD_DEFAULTS)
    term_starts_on = values.pop("term_starts_on")
    term_ends_on = values.pop("term_ends_on")
    values["responsibles"] = list(values["responsibles"])
    created = council is None
    if council is None:
        if term_starts_on is None or term_ends_on is None:
            raise CouncilError("term_required")
        if term_ends_on <= term_starts_on:
            raise CouncilError("term_end_before_start")
        council = Council()
        db.session.add(council)
    for name, value in values.items():
        setattr(council, name, value)
    db.session.flush()
    if created:
        _add_term(council, term_starts_on, term_ends_on)
    else:
        for term in council.terms:
            _sync_term_activity(council, term)
    audit(actor, "created" if created else "updated", "council", council.id)
    db.session.commit()
    return council


def add_seat_group(*, actor: User, council: Council, name: str, seats: int) -> CouncilSeatGroup:
    """Add a part of the intended composition (e.g. relatives, 3 seats)."""
    if seats < 1:
        raise CouncilError("seats_positive")
    group = CouncilSeatGroup(council=council, name=name.strip(), seats=seats)
    db.session.add(group)
    audit(actor, "seat_group_added", "council", council.id)
    db.session.commit()
    return group


def remove_seat_group(*, actor: User, group: CouncilSeatGroup) -> None:
    council_id = group.council_id
    db.session.delete(group)
    audit(actor, "seat_group_removed", "council", council_id)
    db.session.commit()


def renew_term(
    *,
    actor: User,
    council: Council,
    starts_on: date,
    ends_on: date,
    continuing: list[CouncilMembership],
) -> CouncilTerm:
    """Start a new term; the chosen members continue in it with their roles and checklist."""
    term = _add_term(council, starts_on, ends_on)
    for old in continuing:
        if old.term.council_id != council.id:
            raise CouncilError("not_in_council")
        db.session.add(
            CouncilMembership(
                term=term,
                user_id=old.user_id,
                role=old.role,
                seat_group_id=old.seat_group_id,
                starts_on=starts_on,
                ends_on=ends_on,
                privacy_commitment_on=old.privacy_commitment_on,
                orientation_done_on=old.orientation_done_on,
            )
        )
    audit(actor, "term_renewed", "council", council.id, term_id=term.id, continuing=len(continuing))
    db.session.commit()
    return term


@dataclass(frozen=True)
class CouncilRow:
    council: Council
    term: CouncilTerm | None
    members: int
    vacancies: int
    not_onboarded: int
    applications: int
    next_meeting: Any | None  # a row with id and starts_at

    @property
    def term_ends_soon(self) -> bool:
        return self.term is not None and self.term.ends_on <= date.today() + timedelta(days=90)


def current_members(term: CouncilTerm | None, on: date) -> list[CouncilMembership]:
    if term is None:
        return []
    return [m for m in term.memberships if m.is_current(on) or m.starts_on > on]


def council_rows(*, active_only: bool = True) -> list[CouncilRow]:
    """Every council with its current term, membership status and vacancies (few queries)."""
    today = date.today()
    query = select(Council).order_by(Council.name_fi)
    if active_only:
        query = query.where(Council.is_active.is_(True))
    councils = db.all(query)
    ids = [c.id for c in councils]
    applications: dict[int, int] = {}
    next_meetings: dict[int, Any] = {}
    if ids:
        applications = dict(
            db.session.execute(
                select(CouncilApplication.council_id, func.count())
                .where(
                    CouncilApplication.council_id.in_(ids),
                    CouncilApplication.status == ApplicationStatus.RECEIVED,
                )
                .group_by(CouncilApplication.council_id)
            ).all()
        )
        # Columns only: loading whole meetings would pull in every invitation too.
        for meeting in db.session.execute(
            select(Meeting.council_id, Meeting.id, Meeting.starts_at)
            .where(
                Meeting.council_id.in_(ids),
                Meeting.starts_at >= utcnow(),
                Meeting.status == MeetingStatus.SCHEDULED,
            )
            .order_by(Meeting.starts_at)
        ):
            next_meetings.setdefault(meeting.council_id, meeting)
    rows = []
    for council in councils:
        term = council.current_term(today)
        members = current_members(term, today)
        rows.append(
            CouncilRow(
                council=council,
                term=term,
                members=len(members),
                vacancies=max(0, council.target_size - len(members)),
                not_onboarded=sum(1 for m in members if not m.onboarded),
                applications=applications.get(council.id, 0),
                next_meeting=next_meetings.get(council.id),
            )
        )
    return rows


def seat_group_status(council: Council, members: list[CouncilMembership]) -> list[dict[str, Any]]:
    """Filled and vacant seats per seat group."""
    rows = []
    for group in council.seat_groups:
        filled = sum(1 for m in members if m.seat_group_id == group.id)
        rows.append({"group": group, "filled": filled, "vacant": max(0, group.seats - filled)})
    return rows


def recruiting_councils() -> list[Council]:
    return db.all(
        select(Council)
        .where(Council.is_active.is_(True), Council.accepts_applications.is_(True))
        .order_by(Council.name_fi)
    )
