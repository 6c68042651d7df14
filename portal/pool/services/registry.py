"""The coordinators' registry: filtered member lists, counts, history and CSV export."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, String, case, exists, func, literal, or_, select
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.core.csv_export import csv_text
from portal.core.db import utcnow
from portal.core.models import Municipality
from portal.core.population import AGE_BANDS
from portal.core.service_filters import where_equal
from portal.extensions import db
from portal.impact.models import Participation
from portal.pool.models import (
    InterestArea,
    InvitationRecipient,
    MemberStatus,
    PoolMember,
    member_interests,
)
from portal.pool.services._common import _today, audit


@dataclass(frozen=True)
class MemberFilter:
    """Criteria of the coordinator's list, the CSV export and invitations."""

    search: str = ""
    municipality_id: int | None = None
    municipality_other: bool = False
    age_band: str | None = None
    gender: str | None = None
    language: str | None = None
    interest_id: int | None = None
    status: str | None = None
    not_invited_since: date | None = None
    min_participations: int | None = None
    max_participations: int | None = None

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        if self.not_invited_since:
            values["not_invited_since"] = self.not_invited_since.isoformat()
        return {key: value for key, value in values.items() if value not in (None, "", False)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MemberFilter:
        values = dict(values)
        if values.get("not_invited_since"):
            values["not_invited_since"] = date.fromisoformat(values["not_invited_since"])
        return cls(**values)


def _birth_years(band_label: str, today: date) -> tuple[int, int | None]:
    band = next(band for band in AGE_BANDS if band.label == band_label)
    latest = today.year - band.min_age
    earliest = None if band.max_age is None else today.year - band.max_age
    return latest, earliest  # type: ignore[return-value]


def _participation_counts_subquery() -> Any:
    return (
        select(Participation.user_id, func.count().label("n"))
        .group_by(Participation.user_id)
        .subquery()
    )


def _apply_filter(query: Select[Any], criteria: MemberFilter) -> Select[Any]:
    today = _today()
    if criteria.search:
        term = criteria.search.strip().lower().replace("%", "").replace("_", "")
        pattern = f"%{term}%"
        if "@" in term:
            # Emails are stored in lower case: no per-row lower() and no name to scan.
            query = query.where(User.email.like(pattern))
        else:
            query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if criteria.municipality_other:
        query = query.where(PoolMember.municipality_other.is_(True))
    elif criteria.municipality_id:
        query = query.where(User.municipality_id == criteria.municipality_id)
    if criteria.age_band:
        latest, earliest = _birth_years(criteria.age_band, today)
        query = query.where(User.birth_year <= latest)
        if earliest is not None:
            query = query.where(User.birth_year >= earliest)
    query = where_equal(query, criteria, User, (("gender", "gender"), ("language", "language")))
    if criteria.interest_id:
        query = query.where(
            exists().where(
                member_interests.c.member_id == PoolMember.id,
                member_interests.c.area_id == criteria.interest_id,
            )
        )
    if criteria.status:
        query = query.where(PoolMember.status == criteria.status)
    else:
        query = query.where(PoolMember.status != MemberStatus.LEFT)
    if criteria.not_invited_since:
        since = datetime.combine(criteria.not_invited_since, datetime.min.time()).replace(
            tzinfo=utcnow().tzinfo
        )
        query = query.where(
            or_(PoolMember.last_invited_at.is_(None), PoolMember.last_invited_at < since)
        )
    if criteria.min_participations or criteria.max_participations is not None:
        counts = _participation_counts_subquery()
        query = query.outerjoin(counts, counts.c.user_id == PoolMember.user_id)
        n = func.coalesce(counts.c.n, 0)
        if criteria.min_participations:
            query = query.where(n >= criteria.min_participations)
        if criteria.max_participations is not None:
            query = query.where(n <= criteria.max_participations)
    return query


def members_query(criteria: MemberFilter) -> Select[tuple[PoolMember]]:
    """Members matching ``criteria`` with their user loaded in the same query, newest first.

    Newest means highest id: rows are read in table order, which stays fast at 50k members.
    """
    query = (
        select(PoolMember)
        .join(PoolMember.user)
        .options(contains_eager(PoolMember.user))
        .order_by(PoolMember.id.desc())
    )
    return _apply_filter(query, criteria)


def participation_counts(user_ids: list[int]) -> dict[int, int]:
    """Participations per user, for one page of members (one query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Participation.user_id, func.count())
        .where(Participation.user_id.in_(user_ids))
        .group_by(Participation.user_id)
    )
    return {user_id: count for user_id, count in rows}


EXPORT_COLUMNS = (
    "member_id",
    "name",
    "email",
    "phone",
    "contact_channel",
    "postal_address",
    "birth_year",
    "gender",
    "municipality",
    "language",
    "language_other",
    "status",
    "paused_until",
    "interests",
    "joined_at",
    "last_invited_at",
)


def export_members_csv(*, actor: User, criteria: MemberFilter) -> str:
    """The filtered list as CSV (semicolon-separated, for spreadsheets); audited.

    Built for the whole pool (tens of thousands of rows): dates come as text from the
    database, rows are read as the driver's plain tuples without type processing,
    interests are gathered in one ordered pass, and every cell is neutralised against
    formulas by ``csv_text``.
    """
    dialect = db.session.get_bind().dialect.name
    query = _apply_filter(
        select(
            PoolMember.id,
            User.name,
            User.email,
            User.phone,
            PoolMember.contact_channel,
            PoolMember.postal_address,
            User.birth_year,
            User.gender,
            case(
                (PoolMember.municipality_other.is_(True), literal("other", String)),
                else_=Municipality.name_fi,
            ),
            User.language,
            PoolMember.language_other,
            PoolMember.status,
            _date_text(PoolMember.paused_until, dialect),
            _date_text(PoolMember.joined_at, dialect, utc=True),
            _date_text(PoolMember.last_invited_at, dialect, utc=True),
        )
        .select_from(PoolMember)
        .join(User, User.id == PoolMember.user_id)
        .outerjoin(Municipality, Municipality.id == User.municipality_id)
        .order_by(PoolMember.id),
        criteria,
    )
    matching_ids = _apply_filter(
        select(PoolMember.id).select_from(PoolMember).join(User, User.id == PoolMember.user_id),
        criteria,
    )
    slugs = dict(_plain_rows(select(InterestArea.id, InterestArea.slug)))
    interest_rows = _plain_rows(
        select(member_interests.c.member_id, member_interests.c.area_id)
        .where(member_interests.c.member_id.in_(matching_ids.scalar_subquery()))
        .order_by(member_interests.c.member_id, member_interests.c.area_id)
    )
    interests = {
        member_id: ",".join([slugs[area_id] for _, area_id in group])
        for member_id, group in groupby(interest_rows, itemgetter(0))
    }
    rows = _plain_rows(query)
    # The interests go between the status columns and the dates.
    text = csv_text(
        EXPORT_COLUMNS,
        [(*row[:13], interests.get(row[0], ""), row[13], row[14]) for row in rows],
    )
    audit(
        actor, "exported", "pool_member", None, filters=sorted(criteria.as_dict()), rows=len(rows)
    )
    db.session.commit()
    return text


def _plain_rows(statement: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a statement as the driver's tuples, skipping SQLAlchemy's row objects.

    Only for statements whose columns need no result processing (integers and text).
    """
    db.session.flush()
    result = db.session.connection().execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _date_text(column: Any, dialect: str, *, utc: bool = False) -> Any:
    """``YYYY-MM-DD`` of a date (or of a UTC timestamp's date) as text, computed in SQL."""
    if dialect == "sqlite":
        # Dates are stored as 'YYYY-MM-DD', UTCDateTime as naive UTC 'YYYY-MM-DD HH:MM:SS...'.
        return func.substr(column, 1, 10, type_=String)
    if utc:
        column = func.timezone("UTC", column)
    return func.to_char(column, "YYYY-MM-DD", type_=String)


def member_history(member: PoolMember) -> dict[str, Any]:
    """Invitations (with activity), participations and audit events of one member."""
    from portal.core.models import AuditEntry

    invitations = member_invitations(member)
    participations = db.all(
        select(Participation)
        .where(Participation.user_id == member.user_id)
        .order_by(Participation.occurred_on.desc())
    )
    events = db.all(
        select(AuditEntry)
        .where(AuditEntry.object_type == "pool_member", AuditEntry.object_id == str(member.id))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(50)
    )
    return {"invitations": invitations, "participations": participations, "events": events}


def member_invitations(member: PoolMember) -> list[InvitationRecipient]:
    """A member's invitations with their invitation loaded, newest first."""
    return db.all(
        select(InvitationRecipient)
        .join(InvitationRecipient.invitation)
        .options(contains_eager(InvitationRecipient.invitation))
        .where(InvitationRecipient.member_id == member.id)
        .order_by(InvitationRecipient.sent_at.desc())
    )
