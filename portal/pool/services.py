"""Rules of the resident pool: joining, self-service, the registry, invitations, retention.

Public services commit once at their end; ``_helpers`` only flush. Mail is queued and sent
after the commit. Other domains (panels, councils) call ``create_invitation`` and
``invitation_respondents``.
"""

from __future__ import annotations

import csv
import io
import os
import random
import secrets
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User, UserRole
from portal.accounts.services import create_user, erase_user, normalise_email
from portal.core.audit import changed_fields, record_audit
from portal.core.db import utcnow
from portal.core.mail import OUTBOX_KEY, queue_mail, render_mail
from portal.core.models import Municipality
from portal.core.permissions import Role
from portal.core.personal_data import register_personal_data
from portal.core.population import (
    AGE_BANDS,
    age_band,
    age_band_shares,
    gender_shares,
    language_shares,
    municipality_shares,
)
from portal.core.tokens import TokenInvalid, consume_token, issue_token, peek_token
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import Activity, ActivityStatus, Participation
from portal.pool import validation as checks
from portal.pool.models import (
    Answer,
    ContactChannel,
    InterestArea,
    InvitationRecipient,
    MemberStatus,
    PoolImport,
    PoolInvitation,
    PoolMember,
    member_interests,
)

# The version of the pool's privacy notice a member consents to; bump it when the text changes.
PRIVACY_VERSION = "2026-11"
IMPORT_CONSENT = "import"
CONFIRM_PURPOSE = "pool_confirm"
MAGIC_LINK_PURPOSE = "pool_magic_link"
INVITATION_PURPOSE = "pool_invitation"
STAY_PURPOSE = "pool_stay"
MAGIC_LINK_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=60)
PENDING_LIFETIME = timedelta(days=7)
IMPORT_MAX_ROWS = 5000
DEFAULTS = {
    "POOL_FATIGUE_MAX_INVITATIONS": 3,
    "POOL_FATIGUE_WINDOW_DAYS": 90,
    "POOL_INACTIVE_DAYS": 730,
    "POOL_REMOVAL_DAYS": 60,
}


class PoolError(Exception):
    """A pool rule was broken; ``code`` names it for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def setting(name: str) -> int:
    """A pool setting: the app config, then ``PORTAL_<NAME>`` in the environment, then default."""
    value = current_app.config.get(name) or os.environ.get(f"PORTAL_{name}")
    return int(value) if value else int(DEFAULTS[name])


def _queue_mail(
    *, to: str | None, subject: Any, template: str, locale: str, **context: Any
) -> None:
    """``queue_mail`` that also works in command-line jobs.

    Translating into the member's language needs a request context; outside a request the
    message is rendered in a throw-away one and put in this session's outbox, so it is
    still sent only after the commit.
    """
    if has_request_context() or not to:
        queue_mail(to=to, subject=subject, template=template, locale=locale, **context)
        return
    with current_app.test_request_context():
        message = render_mail(to=to, subject=subject, template=template, locale=locale, **context)
    session = db.session()
    session.connection()
    session.info.setdefault(OUTBOX_KEY, []).append(message)


def _today() -> date:
    return utcnow().date()


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
    member.interests = list(
        db.session.scalars(select(InterestArea).where(InterestArea.id.in_(data.interest_ids)))
    )


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


# --- joining ------------------------------------------------------------------------------


def join_pool(*, data: MemberData, consent_version: str = PRIVACY_VERSION) -> None:
    """Take a public join request.

    With an email the joiner gets a confirmation link; nothing about an existing person
    changes until the link is followed, and when the address already belongs to a member
    that member is told by email instead, so the page never reveals who is in the pool.
    Without an email (phone or letter joiners) a coordinator confirms the membership.
    """
    try:
        _join(data=data, consent_version=consent_version)
        db.session.commit()
    except IntegrityError:
        # Two joins with the same new address at once: the second behaves as a repeat.
        db.session.rollback()
        _join(data=data, consent_version=consent_version)
        db.session.commit()


def _join(*, data: MemberData, consent_version: str) -> None:
    now = utcnow()
    if not data.email:
        user = create_user(email=None, name=data.name, locale=data.locale)
        member = PoolMember(
            user=user,
            status=MemberStatus.PENDING,
            consent_version=consent_version,
            consent_at=now,
            source="web",
        )
        db.session.add(member)
        _apply_profile(member, data)
        db.session.flush()
        record_audit(
            actor=None, action="pool.joined", object_type="pool_member", object_id=member.id
        )
        return
    user = db.session.scalars(select(User).where(User.email == data.email)).first()
    member = None
    if user is None:
        user = create_user(email=data.email, name="", locale=data.locale)
    else:
        member = db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).first()
    if member is not None and member.status in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
        if may_sign_in_by_link(user):
            secret = issue_token(
                purpose=MAGIC_LINK_PURPOSE,
                lifetime=MAGIC_LINK_LIFETIME,
                user_id=user.id,
                subject=f"member:{member.id}",
            )
            login_url = external_url("pool.magic_login", token=secret)
        else:
            login_url = external_url("accounts.login")
        _queue_mail(
            to=user.email,
            subject=_l("You are already in the resident pool"),
            template="pool/emails/already_member",
            locale=user.locale,
            login_url=login_url,
        )
        return
    if member is None:
        member = PoolMember(user=user, status=MemberStatus.PENDING, source="web")
        db.session.add(member)
    member.status = MemberStatus.PENDING
    member.pending_profile = {
        **asdict(data),
        "consent_version": consent_version,
        "consent_at": now.isoformat(),
    }
    db.session.flush()
    secret = issue_token(
        purpose=CONFIRM_PURPOSE,
        lifetime=timedelta(hours=current_app.config["PORTAL"].token_hours),
        user_id=user.id,
        subject=f"member:{member.id}",
    )
    _queue_mail(
        to=data.email,
        subject=_l("Confirm that you want to join the resident pool"),
        template="pool/emails/confirm",
        locale=data.locale,
        name=data.name,
        confirm_url=external_url("pool.confirm", token=secret),
        hours=current_app.config["PORTAL"].token_hours,
    )
    record_audit(
        actor=None, action="pool.join_requested", object_type="pool_member", object_id=member.id
    )


def _member_from_token(secret: str, purpose: str, *, use: bool = True) -> PoolMember:
    try:
        token = (
            consume_token(secret, purpose=purpose) if use else peek_token(secret, purpose=purpose)
        )
    except TokenInvalid as exc:
        raise PoolError("invalid_link") from exc
    member_id = (token.subject or "").removeprefix("member:")
    member = db.session.get(PoolMember, int(member_id)) if member_id.isdigit() else None
    if member is None or member.user_id != token.user_id:
        raise PoolError("invalid_link")
    return member


def link_is_valid(*, secret: str, purpose: str) -> bool:
    """Whether an emailed link still works, without using it up."""
    try:
        _member_from_token(secret, purpose, use=False)
    except PoolError:
        return False
    return True


def confirm_membership(*, secret: str) -> User:
    """Follow the emailed link: the membership becomes active and the details are applied."""
    member = _member_from_token(secret, CONFIRM_PURPOSE)
    pending = member.pending_profile
    if member.status != MemberStatus.PENDING or not pending:
        raise PoolError("invalid_link")
    user = member.user
    if pending.get("email") != user.email:
        raise PoolError("invalid_link")
    consent_version = pending.pop("consent_version", PRIVACY_VERSION)
    consent_at = datetime.fromisoformat(pending.pop("consent_at"))
    data = MemberData(**pending)
    _apply_profile(member, data)
    now = utcnow()
    member.pending_profile = None
    member.status = MemberStatus.ACTIVE
    member.consent_version = consent_version
    member.consent_at = consent_at
    member.confirmed_at = now
    member.last_active_at = now
    member.left_at = None
    member.retention_asked_at = None
    user.email_verified_at = user.email_verified_at or now
    user.last_login_at = now
    user.is_active = True
    _ensure_resident(user)
    record_audit(
        actor=user, action="pool.confirmed", object_type="pool_member", object_id=member.id
    )
    db.session.commit()
    return user


def request_magic_link(*, email: str) -> None:
    """Email a sign-in link to a member; silent when the address is not a member's."""
    user = db.session.scalars(select(User).where(User.email == normalise_email(email))).first()
    member = member_for_user(user) if user is not None else None
    if (
        user is not None
        and user.is_active
        and member is not None
        and member.status in (MemberStatus.ACTIVE, MemberStatus.PAUSED)
        and may_sign_in_by_link(user)
    ):
        secret = issue_token(
            purpose=MAGIC_LINK_PURPOSE,
            lifetime=MAGIC_LINK_LIFETIME,
            user_id=user.id,
            subject=f"member:{member.id}",
        )
        _queue_mail(
            to=user.email,
            subject=_l("Your sign-in link to the resident pool"),
            template="pool/emails/magic_link",
            locale=user.locale,
            login_url=external_url("pool.magic_login", token=secret),
        )
    db.session.commit()


def may_sign_in_by_link(user: User) -> bool:
    """Emailed links sign in residents only; staff and others use their password."""
    return user.role_set <= {Role.RESIDENT}


def sign_in_with_magic_link(*, secret: str) -> User:
    member = _member_from_token(secret, MAGIC_LINK_PURPOSE)
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
        raise PoolError("invalid_link")
    user = member.user
    if not user.is_active or not may_sign_in_by_link(user):
        raise PoolError("invalid_link")
    now = utcnow()
    user.last_login_at = now
    member.last_active_at = now
    member.retention_asked_at = None
    _ensure_resident(user)
    db.session.commit()
    return user


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
        record_audit(
            actor=actor,
            action="pool.member_updated",
            object_type="pool_member",
            object_id=member.id,
            changes={"fields": fields},
        )
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
    record_audit(
        actor=actor,
        action="pool.paused",
        object_type="pool_member",
        object_id=member.id,
        changes={"until": until.isoformat()},
    )
    db.session.commit()
    return member


def resume_membership(*, actor: User, member: PoolMember) -> PoolMember:
    if member.status != MemberStatus.PAUSED:
        raise PoolError("member_not_paused")
    member.status = MemberStatus.ACTIVE
    member.paused_until = None
    if actor.id == member.user_id:
        member.last_active_at = utcnow()
    record_audit(actor=actor, action="pool.resumed", object_type="pool_member", object_id=member.id)
    db.session.commit()
    return member


def _erase_member_data(member: PoolMember) -> None:
    """Empty every personal pool field; the row stays (status left) for anonymous counts."""
    member.status = MemberStatus.LEFT
    member.paused_until = None
    member.postal_address = None
    member.language_other = None
    member.accessibility_needs = None
    member.experience = None
    member.how_heard = None
    member.notes = None
    member.pending_profile = None
    member.municipality_other = False
    member.retention_asked_at = None
    member.left_at = member.left_at or utcnow()
    member.interests = []
    db.session.execute(
        update(InvitationRecipient)
        .where(InvitationRecipient.member_id == member.id)
        .values(availability=None)
    )
    db.session.flush()


def _pool_only(user: User) -> bool:
    return user.role_set <= {Role.RESIDENT}


def leave_pool(*, actor: User, member: PoolMember) -> None:
    """Withdraw consent: the member's personal data is erased at once.

    A person whose only role is resident is erased everywhere (``erase_user``); staff and
    others who were also in the pool keep their account, and only the pool data goes.
    Invitation answers and participations stay, unnamed, so counts do not change.
    """
    user = member.user
    _erase_member_data(member)
    record_audit(
        actor=actor if actor.id != user.id else None,
        action="pool.left" if actor.id == user.id else "pool.removed",
        object_type="pool_member",
        object_id=member.id,
    )
    if _pool_only(user):
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
    record_audit(
        actor=actor, action="pool.confirmed", object_type="pool_member", object_id=member.id
    )
    db.session.commit()
    return member


def save_notes(*, actor: User, member: PoolMember, notes: str | None) -> PoolMember:
    member.notes = (notes or "").strip() or None
    record_audit(
        actor=actor, action="pool.notes_saved", object_type="pool_member", object_id=member.id
    )
    db.session.commit()
    return member


def add_member(
    *, actor: User, data: MemberData, consent_version: str = PRIVACY_VERSION
) -> PoolMember:
    """A coordinator adds a phone or paper joiner, who consented when asked."""
    member = _add_member(data=data, consent_version=consent_version, source="coordinator")
    record_audit(
        actor=actor, action="pool.member_added", object_type="pool_member", object_id=member.id
    )
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


# --- the registry ---------------------------------------------------------------------------


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
    if criteria.gender:
        query = query.where(User.gender == criteria.gender)
    if criteria.language:
        query = query.where(User.language == criteria.language)
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
    interests are gathered in one ordered pass, and only the free-text cells are checked
    for formulas.
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
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    unsafe = _FORMULA_STARTS
    rows = _plain_rows(query)
    # None is written as an empty cell; a free-text cell is rewritten only when it starts
    # like a formula (rare), so most rows go to the writer without a Python call per cell.
    writer.writerows(
        (
            row[0],
            "'" + row[1] if row[1] and row[1][0] in unsafe else row[1],
            row[2],
            "'" + row[3] if row[3] and row[3][0] in unsafe else row[3],
            row[4],
            "'" + row[5] if row[5] and row[5][0] in unsafe else row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            "'" + row[10] if row[10] and row[10][0] in unsafe else row[10],
            row[11],
            row[12],
            interests.get(row[0], ""),
            row[13],
            row[14],
        )
        for row in rows
    )
    record_audit(
        actor=actor,
        action="pool.exported",
        object_type="pool_member",
        changes={"filters": sorted(criteria.as_dict()), "rows": len(rows)},
    )
    db.session.commit()
    return buffer.getvalue()


# A cell starting with = + - @ (or a tab or carriage return) is run as a formula by
# spreadsheets; such cells are quoted as text with a leading apostrophe.
_FORMULA_STARTS = frozenset("=+-@\t\r")


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

    invitations = list(
        db.session.scalars(
            select(InvitationRecipient)
            .join(InvitationRecipient.invitation)
            .options(contains_eager(InvitationRecipient.invitation))
            .where(InvitationRecipient.member_id == member.id)
            .order_by(InvitationRecipient.sent_at.desc())
        )
    )
    participations = list(
        db.session.scalars(
            select(Participation)
            .where(Participation.user_id == member.user_id)
            .order_by(Participation.occurred_on.desc())
        )
    )
    events = list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "pool_member", AuditEntry.object_id == str(member.id))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(50)
        )
    )
    return {"invitations": invitations, "participations": participations, "events": events}


def interest_areas(*, active_only: bool = True) -> list[InterestArea]:
    query = select(InterestArea).order_by(InterestArea.position, InterestArea.id)
    if active_only:
        query = query.where(InterestArea.is_active.is_(True))
    return list(db.session.scalars(query))


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
    record_audit(
        actor=actor,
        action="pool.area_created" if created else "pool.area_updated",
        object_type="pool_interest_area",
        object_id=area.id,
    )
    db.session.commit()
    return area


def municipalities() -> list[Municipality]:
    return list(db.session.scalars(select(Municipality).order_by(Municipality.name_fi)))


# --- CSV import -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows: list[dict[str, Any]]
    errors: list[dict[str, Any]]  # {"row": n, "field": name, "code": code}
    total: int


IMPORT_REQUIRED = ("name", "birth_year", "gender", "municipality", "language")


def validate_member_fields(
    raw: dict[str, str],
    *,
    today: date,
    municipality_ids: dict[str, int],
    interest_ids: dict[str, int],
) -> tuple[MemberData | None, list[checks.Problem]]:
    """Check one record (a CSV row) with the same rules the forms use."""
    problems: list[checks.Problem] = []

    def take(field_name: str, result: tuple[Any, str | None]) -> Any:
        value, code = result
        if code:
            problems.append(checks.Problem(field_name, code))
        return value

    name = take("name", checks.check_name(raw.get("name")))
    email = take("email", checks.check_email(raw.get("email")))
    phone = take("phone", checks.check_phone(raw.get("phone")))
    channel = take(
        "contact_channel",
        checks.check_choice(
            raw.get("contact_channel") or "email", checks.CHANNELS, "channel_invalid"
        ),
    )
    address = take("postal_address", checks.check_text(raw.get("postal_address"), limit=300))
    birth_year = take("birth_year", checks.check_birth_year(raw.get("birth_year"), today=today))
    gender = take(
        "gender", checks.check_choice(raw.get("gender"), checks.GENDERS, "gender_invalid")
    )
    language = take(
        "language", checks.check_choice(raw.get("language"), checks.LANGUAGES, "language_invalid")
    )
    language_other = take("language_other", checks.check_text(raw.get("language_other"), limit=60))
    needs = take("accessibility_needs", checks.check_text(raw.get("accessibility_needs")))
    municipality_key = (raw.get("municipality") or "").strip().lower()
    municipality_other = municipality_key in {"other", "muu", "annan", "annat"}
    municipality_id = municipality_ids.get(municipality_key)
    if not municipality_other and municipality_id is None:
        problems.append(checks.Problem("municipality", "municipality_unknown"))
    chosen = []
    for slug in filter(
        None,
        (
            part.strip().lower()
            for part in (raw.get("interests") or "").replace(",", ";").split(";")
        ),
    ):
        if slug not in interest_ids:
            problems.append(checks.Problem("interests", "interest_unknown"))
            break
        chosen.append(interest_ids[slug])
    problems.extend(
        checks.check_contact(email=email, phone=phone, channel=channel, postal_address=address)
    )
    locale = (raw.get("locale") or "").strip().lower()
    if locale not in ("fi", "sv", "en"):
        locale = "sv" if language == "sv" else "fi"
    if problems:
        return None, problems
    return (
        MemberData(
            name=name,
            email=email,
            phone=phone,
            contact_channel=channel,
            postal_address=address,
            birth_year=birth_year,
            gender=gender,
            municipality_id=municipality_id,
            municipality_other=municipality_other,
            language=language,
            language_other=language_other,
            interest_ids=chosen,
            accessibility_needs=needs,
            locale=locale,
        ),
        [],
    )


def _lookup_maps() -> tuple[dict[str, int], dict[str, int]]:
    municipality_ids: dict[str, int] = {}
    for item in municipalities():
        for key in (item.slug, item.name_fi.lower(), item.name_sv.lower()):
            municipality_ids[key] = item.id
    interest_ids = {area.slug: area.id for area in interest_areas(active_only=False)}
    return municipality_ids, interest_ids


def check_import(content: bytes) -> ImportReport:
    """Validate a CSV file row by row; changes nothing."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [name for name in IMPORT_REQUIRED if name not in headers]
    if missing:
        return ImportReport(
            rows=[],
            errors=[{"row": 1, "field": name, "code": "column_missing"} for name in missing],
            total=0,
        )
    today = _today()
    municipality_ids, interest_ids = _lookup_maps()
    existing = set(db.session.scalars(select(User.email).where(User.email.is_not(None))))
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    total = 0
    for line, raw in enumerate(reader, start=2):
        total += 1
        if total > IMPORT_MAX_ROWS:
            errors.append({"row": line, "field": "", "code": "too_many_rows"})
            break
        record = {
            (k or "").strip().lower(): (v or "") if isinstance(v, str) else ""
            for k, v in raw.items()
        }
        data, problems = validate_member_fields(
            record, today=today, municipality_ids=municipality_ids, interest_ids=interest_ids
        )
        for problem in problems:
            errors.append({"row": line, "field": problem.field, "code": problem.code})
        if data is None:
            continue
        if data.email and data.email in existing:
            errors.append({"row": line, "field": "email", "code": "email_taken"})
        elif data.email and data.email in seen:
            errors.append({"row": line, "field": "email", "code": "email_repeated"})
        else:
            if data.email:
                seen.add(data.email)
            rows.append(asdict(data))
    if total == 0:
        errors.append({"row": 2, "field": "", "code": "file_empty"})
    return ImportReport(rows=rows, errors=errors, total=total)


def prepare_import(
    *, actor: User, filename: str, content: bytes
) -> tuple[ImportReport, PoolImport | None]:
    """Dry run: validate, and keep a clean file server-side until it is confirmed."""
    report = check_import(content)
    if report.errors:
        return report, None
    pending = PoolImport(
        created_by_id=actor.id,
        filename=filename[:200],
        row_count=len(report.rows),
        rows=report.rows,
    )
    db.session.add(pending)
    db.session.flush()
    record_audit(
        actor=actor,
        action="pool.import_checked",
        object_type="pool_import",
        object_id=pending.id,
        changes={"rows": len(report.rows)},
    )
    db.session.commit()
    return report, pending


def confirm_import(*, actor: User, pending: PoolImport) -> int:
    """Create the members of a checked file, all or nothing."""
    if pending.status != "pending" or pending.created_by_id != actor.id:
        raise PoolError("import_not_pending")
    created = 0
    try:
        for row in pending.rows:
            _add_member(data=MemberData(**row), consent_version=IMPORT_CONSENT, source="import")
            created += 1
    except PoolError:
        db.session.rollback()
        raise PoolError("import_conflict") from None
    pending.status = "done"
    pending.rows = []
    pending.imported_count = created
    record_audit(
        actor=actor,
        action="pool.imported",
        object_type="pool_import",
        object_id=pending.id,
        changes={"rows": created},
    )
    db.session.commit()
    return created


def discard_import(*, actor: User, pending: PoolImport) -> None:
    if pending.status != "pending" or pending.created_by_id != actor.id:
        raise PoolError("import_not_pending")
    pending.status = "discarded"
    pending.rows = []
    db.session.commit()


# --- invitations ----------------------------------------------------------------------------


def invitable_activities() -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.status != ActivityStatus.CLOSED)
            .order_by(Activity.starts_on.desc().nulls_last(), Activity.id.desc())
        )
    )


def _eligible(query: Select[Any]) -> Select[Any]:
    today = _today()
    return query.where(
        or_(
            PoolMember.status == MemberStatus.ACTIVE,
            and_(PoolMember.status == MemberStatus.PAUSED, PoolMember.paused_until <= today),
        )
    )


def _fatigued(member_ids: list[int]) -> set[int]:
    limit = setting("POOL_FATIGUE_MAX_INVITATIONS")
    since = utcnow() - timedelta(days=setting("POOL_FATIGUE_WINDOW_DAYS"))
    rows = db.session.execute(
        select(InvitationRecipient.member_id)
        .where(InvitationRecipient.sent_at >= since)
        .group_by(InvitationRecipient.member_id)
        .having(func.count() >= limit)
    )
    wanted = set(member_ids)
    return {member_id for (member_id,) in rows if member_id in wanted}


def create_invitation(
    *,
    actor: User,
    activity: Activity,
    member_ids: list[int] | None = None,
    filters: MemberFilter | None = None,
    sample_size: int | None = None,
    seed: str | None = None,
    message: str = "",
) -> PoolInvitation:
    """Invite eligible members to ``activity`` and email each a personal answer link.

    Eligible are active members (and paused ones whose pause is over) matching ``filters``
    and, when given, ``member_ids``. Members who had the configured number of invitations
    within the fatigue window are left out of a full send and go last in a random sample.
    A sample is drawn with ``random.Random(seed)`` over member ids, so the same seed and
    pool give the same people; the seed is recorded.
    """
    criteria = filters or MemberFilter()
    if sample_size is not None and sample_size < 1:
        raise PoolError("sample_size")
    query = _eligible(
        _apply_filter(select(PoolMember.id).select_from(PoolMember).join(User), criteria)
    )
    if member_ids is not None:
        query = query.where(PoolMember.id.in_(member_ids))
    eligible = sorted(db.session.scalars(query))
    tired = _fatigued(eligible)
    fresh = [member_id for member_id in eligible if member_id not in tired]
    if sample_size is not None:
        seed = seed or secrets.token_hex(8)
        rng = random.Random(seed)  # noqa: S311 - a reproducible draw, by design
        fresh_order, tired_order = list(fresh), sorted(tired)
        rng.shuffle(fresh_order)
        rng.shuffle(tired_order)
        chosen = (fresh_order + tired_order)[:sample_size]
    elif member_ids is not None:
        chosen = eligible  # hand-picked: the coordinator decided
    else:
        chosen = fresh
    if not chosen:
        raise PoolError("no_recipients")
    now = utcnow()
    invitation = PoolInvitation(
        activity_id=activity.id,
        created_by_id=actor.id,
        message=message.strip(),
        criteria={**criteria.as_dict(), **({"member_ids": len(member_ids)} if member_ids else {})},
        sample_size=sample_size,
        seed=seed if sample_size is not None else None,
        eligible_count=len(eligible),
        fatigued_count=len(tired),
    )
    db.session.add(invitation)
    db.session.flush()
    contacts = db.session.execute(
        select(
            PoolMember.id,
            PoolMember.user_id,
            PoolMember.contact_channel,
            User.email,
            User.locale,
            User.name,
        )
        .join(User, User.id == PoolMember.user_id)
        .where(PoolMember.id.in_(chosen))
    ).all()
    for member_id, user_id, channel, email, locale, name in contacts:
        recipient = InvitationRecipient(
            invitation_id=invitation.id, member_id=member_id, channel=channel, sent_at=now
        )
        db.session.add(recipient)
        db.session.flush()
        if channel == ContactChannel.EMAIL and email:
            _send_invitation_mail(recipient, invitation, activity, user_id, email, locale, name)
    db.session.execute(
        update(PoolMember).where(PoolMember.id.in_(chosen)).values(last_invited_at=now)
    )
    record_audit(
        actor=actor,
        action="pool.invitation_created",
        object_type="pool_invitation",
        object_id=invitation.id,
        changes={
            "activity": activity.id,
            "recipients": len(chosen),
            "eligible": len(eligible),
            "fatigued": len(tired),
            "sample_size": sample_size,
        },
    )
    db.session.commit()
    return invitation


def _send_invitation_mail(
    recipient: InvitationRecipient,
    invitation: PoolInvitation,
    activity: Activity,
    user_id: int,
    email: str,
    locale: str,
    name: str,
    *,
    reminder: bool = False,
) -> None:
    secret = issue_token(
        purpose=INVITATION_PURPOSE,
        lifetime=INVITATION_LIFETIME,
        user_id=user_id,
        subject=f"recipient:{recipient.id}",
    )
    _queue_mail(
        to=email,
        subject=(
            _l("Reminder: you are invited to %(title)s", title=activity.title)
            if reminder
            else _l("You are invited to %(title)s", title=activity.title)
        ),
        template="pool/emails/invitation",
        locale=locale,
        name=name,
        activity=activity,
        message=invitation.message,
        answer_url=external_url("pool.answer_invitation", token=secret),
        reminder=reminder,
    )


def recipient_for_token(secret: str) -> InvitationRecipient:
    try:
        token = peek_token(secret, purpose=INVITATION_PURPOSE)
    except TokenInvalid as exc:
        raise PoolError("invalid_link") from exc
    recipient_id = (token.subject or "").removeprefix("recipient:")
    recipient = (
        db.session.scalars(
            select(InvitationRecipient)
            .join(InvitationRecipient.invitation)
            .join(InvitationRecipient.member)
            .options(
                contains_eager(InvitationRecipient.invitation),
                contains_eager(InvitationRecipient.member),
            )
            .where(InvitationRecipient.id == int(recipient_id))
        ).first()
        if recipient_id.isdigit()
        else None
    )
    if (
        recipient is None
        or recipient.member.user_id != token.user_id
        or recipient.member.status == MemberStatus.LEFT
    ):
        raise PoolError("invalid_link")
    return recipient


def answer_invitation(*, secret: str, answer: str, availability: str | None) -> InvitationRecipient:
    """Record (or change, until the link expires) a member's answer to an invitation."""
    recipient = recipient_for_token(secret)
    if answer not in set(Answer):
        raise PoolError("answer_invalid")
    now = utcnow()
    recipient.answer = answer
    recipient.availability = (availability or "").strip() or None
    recipient.answered_at = now
    recipient.member.last_active_at = now
    recipient.member.retention_asked_at = None
    record_audit(
        actor=None,
        action="pool.invitation_answered",
        object_type="pool_invitation",
        object_id=recipient.invitation_id,
        changes={"recipient": recipient.id, "answer": answer},
    )
    db.session.commit()
    return recipient


def send_reminders(*, actor: User | None, invitation: PoolInvitation) -> int:
    """Remind by email those who have not answered and were not reminded in the last day."""
    day_ago = utcnow() - timedelta(days=1)
    rows = db.session.execute(
        select(InvitationRecipient, User.id, User.email, User.locale, User.name)
        .join(PoolMember, PoolMember.id == InvitationRecipient.member_id)
        .join(User, User.id == PoolMember.user_id)
        .where(
            InvitationRecipient.invitation_id == invitation.id,
            InvitationRecipient.answer.is_(None),
            InvitationRecipient.channel == ContactChannel.EMAIL,
            PoolMember.status != MemberStatus.LEFT,
            User.email.is_not(None),
            or_(
                InvitationRecipient.reminded_at.is_(None), InvitationRecipient.reminded_at < day_ago
            ),
        )
    ).all()
    now = utcnow()
    for recipient, user_id, email, locale, name in rows:
        _send_invitation_mail(
            recipient, invitation, invitation.activity, user_id, email, locale, name, reminder=True
        )
        recipient.reminded_at = now
    invitation.last_reminded_at = now if rows else invitation.last_reminded_at
    record_audit(
        actor=actor,
        action="pool.reminders_sent",
        object_type="pool_invitation",
        object_id=invitation.id,
        changes={"count": len(rows)},
    )
    db.session.commit()
    return len(rows)


def send_due_reminders(*, after_days: int = 7) -> int:
    """Remind for every invitation older than ``after_days`` not reminded yet (CLI)."""
    cutoff = utcnow() - timedelta(days=after_days)
    invitations = list(
        db.session.scalars(
            select(PoolInvitation).where(
                PoolInvitation.created_at < cutoff,
                PoolInvitation.created_at >= utcnow() - INVITATION_LIFETIME,
                PoolInvitation.last_reminded_at.is_(None),
            )
        )
    )
    return sum(send_reminders(actor=None, invitation=invitation) for invitation in invitations)


def invitation_summary(invitation: PoolInvitation) -> dict[str, int]:
    rows = db.session.execute(
        select(InvitationRecipient.answer, func.count())
        .where(InvitationRecipient.invitation_id == invitation.id)
        .group_by(InvitationRecipient.answer)
    )
    counts = {answer or "none": count for answer, count in rows}
    counts["total"] = sum(counts.values())
    return counts


def invitation_recipients(
    invitation: PoolInvitation,
) -> list[tuple[InvitationRecipient, PoolMember]]:
    return list(
        db.session.execute(
            select(InvitationRecipient, PoolMember)
            .join(PoolMember, PoolMember.id == InvitationRecipient.member_id)
            .join(PoolMember.user)
            .options(contains_eager(PoolMember.user))
            .where(InvitationRecipient.invitation_id == invitation.id)
            .order_by(User.name, PoolMember.id)
        ).all()
    )


def invitations_query() -> Select[tuple[PoolInvitation]]:
    return select(PoolInvitation).order_by(
        PoolInvitation.created_at.desc(), PoolInvitation.id.desc()
    )


def invitation_respondents(*, activity_id: int, answer: str = "yes") -> list[User]:
    """People who answered ``answer`` to any pool invitation to the activity.

    Their demographics (birth year, gender, language, municipality) come in the same
    query; erased people are left out.
    """
    answered = (
        select(PoolMember.user_id)
        .join(InvitationRecipient, InvitationRecipient.member_id == PoolMember.id)
        .join(PoolInvitation, PoolInvitation.id == InvitationRecipient.invitation_id)
        .where(
            PoolInvitation.activity_id == activity_id,
            InvitationRecipient.answer == answer,
            PoolMember.status != MemberStatus.LEFT,
        )
    )
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(answered), User.erased_at.is_(None)).order_by(User.id)
        ).unique()
    )


def member_invitations(member: PoolMember) -> list[InvitationRecipient]:
    return list(
        db.session.scalars(
            select(InvitationRecipient)
            .join(InvitationRecipient.invitation)
            .options(contains_eager(InvitationRecipient.invitation))
            .where(InvitationRecipient.member_id == member.id)
            .order_by(InvitationRecipient.sent_at.desc())
        )
    )


# --- representativeness ------------------------------------------------------------------------


@dataclass(frozen=True)
class CompositionRow:
    key: str
    label: str
    count: int
    share: float
    population_share: float | None

    @property
    def ratio(self) -> float | None:
        if not self.population_share:
            return None
        return self.share / self.population_share


def pool_composition(*, locale: str) -> dict[str, list[CompositionRow]]:
    """Active and paused members by age band, gender, municipality and language vs the county."""

    def grouped(column: Any) -> list[tuple[Any, int]]:
        return list(
            db.session.execute(
                select(column, func.count())
                .select_from(PoolMember)
                .join(User, User.id == PoolMember.user_id)
                .where(PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)))
                .group_by(column)
            )
        )

    ages: Counter[str] = Counter()
    genders: Counter[str] = Counter()
    places: Counter[int | None] = Counter()
    languages: Counter[str] = Counter()
    today = _today()
    for birth_year, count in grouped(User.birth_year):
        ages[age_band(birth_year, today) or "unknown"] += count
    for gender, count in grouped(User.gender):
        genders[gender or "undisclosed"] += count
    for municipality_id, count in grouped(User.municipality_id):
        places[municipality_id] += count
    for language, count in grouped(User.language):
        languages[language or "other"] += count
    total = sum(genders.values())

    def share(count: int) -> float:
        return count / total if total else 0.0

    age_ref = age_band_shares()
    gender_ref = gender_shares()
    place_ref = municipality_shares()
    language_ref = language_shares().as_mapping()
    result: dict[str, list[CompositionRow]] = {}
    result["age_band"] = [
        CompositionRow(
            band.label,
            band.label,
            ages[band.label],
            share(ages[band.label]),
            age_ref.get(band.label),
        )
        for band in AGE_BANDS
    ]
    result["gender"] = [
        CompositionRow(key, key, genders[key], share(genders[key]), gender_ref.get(key))
        for key in checks.GENDERS
    ]
    result["municipality"] = [
        CompositionRow(
            item.slug,
            item.name(locale),
            places[item.id],
            share(places[item.id]),
            place_ref.get(item.slug),
        )
        for item in municipalities()
    ]
    result["municipality"].append(
        CompositionRow("other", "other", places[None], share(places[None]), None)
    )
    result["language"] = [
        CompositionRow(key, key, languages[key], share(languages[key]), language_ref.get(key))
        for key in checks.LANGUAGES
    ]
    return result


def active_member_count() -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(PoolMember)
            .where(PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)))
        )
        or 0
    )


# --- retention -------------------------------------------------------------------------------


@dataclass
class RetentionResult:
    asked: int = 0
    removed: int = 0
    manual: int = 0
    expired_joins: int = 0


def run_retention(
    *,
    inactive_days: int | None = None,
    removal_days: int | None = None,
    now: datetime | None = None,
) -> RetentionResult:
    """Ask inactive members whether they want to stay; remove those who did not answer.

    Idempotent: a member is asked once (``retention_asked_at``); any sign of life (sign-in,
    answer, profile change, a participation) clears the question. Members without email are
    counted for the coordinator to call, never removed automatically.
    """
    now = now or utcnow()
    inactive_days = inactive_days or setting("POOL_INACTIVE_DAYS")
    removal_days = removal_days or setting("POOL_REMOVAL_DAYS")
    cutoff = now - timedelta(days=inactive_days)
    result = RetentionResult()
    recent_participation = exists().where(
        Participation.user_id == PoolMember.user_id, Participation.occurred_on >= cutoff.date()
    )
    to_ask = db.session.execute(
        select(PoolMember, User.email, User.locale)
        .join(User, User.id == PoolMember.user_id)
        .where(
            PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)),
            PoolMember.retention_asked_at.is_(None),
            PoolMember.last_active_at < cutoff,
            ~recent_participation,
        )
    ).all()
    for member, email, locale in to_ask:
        if not email or member.contact_channel != ContactChannel.EMAIL:
            result.manual += 1
            continue
        secret = issue_token(
            purpose=STAY_PURPOSE,
            lifetime=timedelta(days=removal_days),
            user_id=member.user_id,
            subject=f"member:{member.id}",
        )
        _queue_mail(
            to=email,
            subject=_l("Do you want to stay in the resident pool?"),
            template="pool/emails/stay",
            locale=locale,
            stay_url=external_url("pool.stay", token=secret),
            days=removal_days,
        )
        member.retention_asked_at = now
        result.asked += 1
    db.session.commit()

    removal_cutoff = now - timedelta(days=removal_days)
    to_remove = list(
        db.session.scalars(
            select(PoolMember).where(
                PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)),
                PoolMember.retention_asked_at < removal_cutoff,
                PoolMember.last_active_at < PoolMember.retention_asked_at,
            )
        )
    )
    for member in to_remove:
        _remove_by_retention(member)
        result.removed += 1

    stale = list(
        db.session.scalars(
            select(PoolMember).where(
                PoolMember.status == MemberStatus.PENDING,
                PoolMember.pending_profile.is_not(None),
                PoolMember.joined_at < now - PENDING_LIFETIME,
            )
        )
    )
    for member in stale:
        _remove_by_retention(member, action="pool.join_expired")
        result.expired_joins += 1
    return result


def _remove_by_retention(member: PoolMember, action: str = "pool.removed_inactive") -> None:
    user = member.user
    never_confirmed = member.confirmed_at is None
    _erase_member_data(member)
    record_audit(actor=None, action=action, object_type="pool_member", object_id=member.id)
    if _pool_only(user) and (not never_confirmed or user.password_hash is None):
        erase_user(actor=user, user=user)
    else:
        db.session.commit()


def confirm_stay(*, secret: str) -> PoolMember:
    member = _member_from_token(secret, STAY_PURPOSE)
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
        raise PoolError("invalid_link")
    member.last_active_at = utcnow()
    member.retention_asked_at = None
    record_audit(actor=None, action="pool.stayed", object_type="pool_member", object_id=member.id)
    db.session.commit()
    return member


# --- personal data ---------------------------------------------------------------------------


def _export_pool(user: Any) -> dict[str, Any] | None:
    member = db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).first()
    if member is None:
        return None
    return {
        "status": member.status,
        "paused_until": member.paused_until.isoformat() if member.paused_until else None,
        "consent_version": member.consent_version,
        "consent_at": member.consent_at.isoformat() if member.consent_at else None,
        "contact_channel": member.contact_channel,
        "postal_address": member.postal_address,
        "municipality_other": member.municipality_other,
        "language_other": member.language_other,
        "interests": [area.slug for area in member.interests],
        "accessibility_needs": member.accessibility_needs,
        "experience": member.experience,
        "how_heard": member.how_heard,
        "joined_at": member.joined_at.isoformat(),
        "confirmed_at": member.confirmed_at.isoformat() if member.confirmed_at else None,
        "last_invited_at": member.last_invited_at.isoformat() if member.last_invited_at else None,
        "invitations": [
            {
                "activity": recipient.invitation.activity.title,
                "sent_at": recipient.sent_at.isoformat(),
                "answer": recipient.answer,
                "availability": recipient.availability,
            }
            for recipient in member_invitations(member)
        ],
    }


def _erase_pool(user: Any) -> None:
    member = db.session.scalars(select(PoolMember).where(PoolMember.user_id == user.id)).first()
    if member is not None:
        _erase_member_data(member)
    db.session.execute(
        delete(PoolImport).where(
            PoolImport.created_by_id == user.id, PoolImport.status == "pending"
        )
    )


register_personal_data("pool", export=_export_pool, erase=_erase_pool)
