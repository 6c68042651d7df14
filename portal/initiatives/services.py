"""Initiative rules: drafting, checking, support, submission, handling, decisions, reports.

Every public service commits once at its end; ``_helpers`` only flush. Mail is queued with
``queue_mail`` and leaves only after the commit. State changes are audited with ids and
states only (no personal data).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import OrgUnit, OrgUnitKind, User, UserRole
from portal.core.audit import record_audit
from portal.core.db import utcnow
from portal.core.encryption import blind_index
from portal.core.mail import queue_mail
from portal.core.models import Municipality, OneTimeToken
from portal.core.permissions import Role
from portal.core.personal_data import register_personal_data
from portal.core.population import county_totals
from portal.core.tokens import TokenInvalid, consume_token, issue_token, peek_token
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import ActivityKind, ActivityStatus, Decision, Output, OutputKind
from portal.impact.services import record_response, register_activity, register_output
from portal.initiatives import rules
from portal.initiatives.models import (
    EDITABLE_STATES,
    PUBLIC_STATES,
    AbuseReport,
    Initiative,
    InitiativeDecision,
    InitiativeSettings,
    InitiativeState,
    Initiator,
    Support,
)
from portal.initiatives.similarity import similar_titles

S = InitiativeState
CONFIRM_SUPPORT = "initiative_support"
WITHDRAW_SUPPORT = "initiative_support_withdraw"
INVITE_CO_INITIATOR = "initiative_co_initiator"
SUPPORT_LINK_HOURS = 48
WITHDRAW_LINK_DAYS = 730
INVITATION_DAYS = 14
# Reminders before the due date (days left), then one when it is overdue; each is sent once.
REMINDER_DAYS = (30, 7)
DECISION_TO_RESPONSE = {
    InitiativeDecision.ACCEPTED: Decision.ACCEPTED,
    InitiativeDecision.PARTLY_ACCEPTED: Decision.PARTLY_ACCEPTED,
    InitiativeDecision.NOT_ACCEPTED: Decision.NOT_ACCEPTED,
}
ABUSE_REASONS = ("personal_data", "offensive", "illegal", "spam", "other")


class InitiativeError(Exception):
    """A rule was broken; ``code`` names it so views can show a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _settings() -> Any:
    return current_app.config["PORTAL"]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_index(email: str) -> str:
    """The keyed hash that makes one address count once per initiative.

    Keyed with the application secret, so the stored hashes cannot be matched against a
    list of addresses. Changing ``PORTAL_SECRET_KEY`` while initiatives collect support
    would let an address count again; rotate it between collection periods.
    """
    return blind_index("initiative-support:" + normalise_email(email), _settings().secret_key)


def _audit(actor: User | None, initiative: Initiative, action: str, **changes: Any) -> None:
    record_audit(
        actor=actor,
        action=f"initiatives.{action}",
        object_type="initiative",
        object_id=initiative.id,
        changes=changes,
    )


def _move(actor: User | None, initiative: Initiative, to: InitiativeState, action: str) -> None:
    before = initiative.state
    initiative.state = to
    _audit(actor, initiative, action, state={"before": str(before), "after": str(to)})


# --- the rule: yearly settings --------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """The threshold rule in force for a year, with the base it was computed from."""

    year: int
    share: Decimal
    base: int
    base_is_population: bool
    handling_months: int
    collection_months: int

    @property
    def threshold(self) -> int:
        return rules.support_threshold(self.share, self.base)


def rule_for_year(year: int) -> Rule:
    """The settings of ``year``; without a row, the defaults and the county's population."""
    row = db.session.scalars(
        select(InitiativeSettings).where(InitiativeSettings.year == year)
    ).first()
    population = county_totals().population
    if row is None:
        return Rule(
            year=year,
            share=rules.DEFAULT_SUPPORT_SHARE,
            base=population,
            base_is_population=True,
            handling_months=rules.DEFAULT_HANDLING_MONTHS,
            collection_months=6,
        )
    return Rule(
        year=year,
        share=Decimal(row.support_share),
        base=row.eligible_voters if row.eligible_voters is not None else population,
        base_is_population=row.eligible_voters is None,
        handling_months=row.handling_months,
        collection_months=row.collection_months,
    )


def list_settings() -> list[InitiativeSettings]:
    return list(db.session.scalars(select(InitiativeSettings).order_by(InitiativeSettings.year)))


def save_settings(
    *,
    actor: User,
    year: int,
    support_share: Decimal,
    eligible_voters: int | None,
    handling_months: int,
    collection_months: int,
) -> InitiativeSettings:
    """Create or update the rule of ``year`` (the share as a fraction, e.g. 0.02)."""
    if not (Decimal(0) < support_share <= Decimal(1)):
        raise InitiativeError("bad_share")
    if eligible_voters is not None and eligible_voters < 1:
        raise InitiativeError("bad_base")
    if not (1 <= handling_months <= 36 and 1 <= collection_months <= 36):
        raise InitiativeError("bad_months")
    row = db.session.scalars(
        select(InitiativeSettings).where(InitiativeSettings.year == year)
    ).first()
    if row is None:
        row = InitiativeSettings(year=year)
        db.session.add(row)
    row.support_share = support_share
    row.eligible_voters = eligible_voters
    row.handling_months = handling_months
    row.collection_months = collection_months
    row.updated_by_id = actor.id
    db.session.flush()
    record_audit(
        actor=actor,
        action="initiatives.settings_saved",
        object_type="initiative_settings",
        object_id=year,
        changes={
            "support_share": str(support_share),
            "eligible_voters": eligible_voters,
            "handling_months": handling_months,
            "collection_months": collection_months,
        },
    )
    db.session.commit()
    return row


# --- reading --------------------------------------------------------------------------


def support_count(initiative: Initiative) -> int:
    return int(
        db.session.scalar(
            select(func.count(Support.id)).where(
                Support.initiative_id == initiative.id, Support.confirmed_at.is_not(None)
            )
        )
        or 0
    )


def support_counts(ids: Iterable[int]) -> dict[int, int]:
    """Confirmed supports of several initiatives in one query."""
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Support.initiative_id, func.count(Support.id))
        .where(Support.initiative_id.in_(ids), Support.confirmed_at.is_not(None))
        .group_by(Support.initiative_id)
    )
    counts = dict.fromkeys(ids, 0)
    counts.update({int(ident): int(count) for ident, count in rows})
    return counts


def progress_of(initiative: Initiative, *, count: int | None = None) -> rules.Progress:
    """Supports against the threshold: frozen at submission, otherwise this year's rule."""
    supports = support_count(initiative) if count is None else count
    if initiative.threshold_at_submission is not None:
        return rules.Progress(
            supports=initiative.support_count_at_submission or 0,
            threshold=initiative.threshold_at_submission,
        )
    return rules.Progress(supports=supports, threshold=rule_for_year(date.today().year).threshold)


def public_initiatives(*, state: str | None = None, search: str = "") -> Select[Any]:
    query = select(Initiative).where(Initiative.state.in_([str(s) for s in PUBLIC_STATES]))
    if state in {str(s) for s in PUBLIC_STATES}:
        query = query.where(Initiative.state == state)
    if search:
        query = query.where(func.lower(Initiative.title).like(f"%{search.lower()}%"))
    return query.order_by(Initiative.published_at.desc(), Initiative.id.desc())


def initiatives_of(user: User) -> list[Initiative]:
    return list(
        db.session.scalars(
            select(Initiative)
            .join(Initiator, Initiator.initiative_id == Initiative.id)
            .where(Initiator.user_id == user.id)
            .order_by(Initiative.created_at.desc())
        ).unique()
    )


def is_initiator(user: Any, initiative: Initiative) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.id in initiative.initiator_user_ids()
    )


def similar_initiatives(
    title: str, *, exclude_id: int | None = None, limit: int = 5
) -> list[Initiative]:
    """Public (or in-check) initiatives whose titles resemble ``title``, most similar first."""
    visible = [str(s) for s in (*PUBLIC_STATES, S.CHECKING)]
    candidates = db.session.execute(
        select(Initiative.id, Initiative.title).where(
            Initiative.state.in_(visible), Initiative.id != (exclude_id or 0)
        )
    ).all()
    found = similar_titles(title, [(row.id, row.title) for row in candidates], limit=limit)
    if not found:
        return []
    by_id = {
        i.id: i
        for i in db.session.scalars(
            select(Initiative).where(Initiative.id.in_([ident for ident, _ in found]))
        )
    }
    return [by_id[ident] for ident, _ in found if by_id[ident].state in PUBLIC_STATES]


def service_areas() -> list[OrgUnit]:
    return list(
        db.session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgUnitKind.SERVICE_AREA)
            .order_by(OrgUnit.name_fi)
        )
    )


def municipalities() -> list[Municipality]:
    return list(db.session.scalars(select(Municipality).order_by(Municipality.name_fi)))


# --- drafting -------------------------------------------------------------------------


def _require_initiator(actor: User, initiative: Initiative) -> None:
    if actor.id not in initiative.initiator_user_ids():
        raise InitiativeError("not_initiator")


def create_initiative(
    *,
    actor: User,
    title: str,
    proposal: str,
    justification: str = "",
    service_area: OrgUnit | None = None,
    public_name: str = "",
    contact_phone: str = "",
) -> Initiative:
    """Start a draft with ``actor`` as its author."""
    initiative = Initiative(
        title=title.strip(),
        proposal=proposal.strip(),
        justification=justification.strip(),
        service_area=service_area,
        public_name=public_name.strip(),
        contact_phone=contact_phone.strip(),
        author_id=actor.id,
        state=S.DRAFT,
    )
    initiative.initiators = [Initiator(user_id=actor.id, role="author", accepted_at=utcnow())]
    db.session.add(initiative)
    db.session.flush()
    _audit(actor, initiative, "created", state={"before": None, "after": str(S.DRAFT)})
    db.session.commit()
    return initiative


def update_initiative(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    proposal: str,
    justification: str = "",
    service_area: OrgUnit | None = None,
    public_name: str = "",
    contact_phone: str = "",
) -> Initiative:
    """Edit a draft or a returned initiative (its initiators only)."""
    _require_initiator(actor, initiative)
    if initiative.state not in EDITABLE_STATES:
        raise InitiativeError("not_editable")
    before = {
        "title": initiative.title,
        "proposal": initiative.proposal,
        "justification": initiative.justification,
        "service_area_id": initiative.service_area_id,
        "public_name": initiative.public_name,
        "contact_phone": initiative.contact_phone,
    }
    initiative.title = title.strip()
    initiative.proposal = proposal.strip()
    initiative.justification = justification.strip()
    initiative.service_area = service_area
    initiative.public_name = public_name.strip()
    initiative.contact_phone = contact_phone.strip()
    db.session.flush()
    after = {
        "title": initiative.title,
        "proposal": initiative.proposal,
        "justification": initiative.justification,
        "service_area_id": initiative.service_area_id,
        "public_name": initiative.public_name,
        "contact_phone": initiative.contact_phone,
    }
    fields = sorted(key for key in after if after[key] != before[key])
    if fields:
        _audit(actor, initiative, "edited", fields=fields)
    db.session.commit()
    return initiative


def invite_co_initiator(*, actor: User, initiative: Initiative, email: str) -> Initiator:
    """Email a link that lets the owner of ``email`` join as a co-initiator."""
    _require_initiator(actor, initiative)
    if initiative.state not in EDITABLE_STATES:
        raise InitiativeError("not_editable")
    address = normalise_email(email)
    if any(i.invited_email == address and i.user_id is None for i in initiative.initiators):
        raise InitiativeError("already_invited")
    if any(i.user and i.user.email == address for i in initiative.initiators):
        raise InitiativeError("already_initiator")
    invitation = Initiator(initiative=initiative, role="co_initiator", invited_email=address)
    db.session.add(invitation)
    db.session.flush()
    secret = issue_token(
        purpose=INVITE_CO_INITIATOR,
        lifetime=timedelta(days=INVITATION_DAYS),
        subject=str(invitation.id),
    )
    queue_mail(
        to=address,
        subject=_l("You are invited to co-sign an initiative"),
        template="initiatives/emails/co_initiator_invitation",
        locale=actor.locale,
        inviter=actor.name,
        title=initiative.title,
        accept_url=external_url("initiatives.accept_invitation", token=secret),
        days=INVITATION_DAYS,
    )
    _audit(actor, initiative, "co_initiator_invited", initiator_id=invitation.id)
    db.session.commit()
    return invitation


def invitation_for(secret: str) -> Initiator:
    """The pending invitation behind a link, without using the link up."""
    try:
        token = peek_token(secret, purpose=INVITE_CO_INITIATOR)
    except TokenInvalid as exc:
        raise InitiativeError("invalid_link") from exc
    invitation = db.session.get(Initiator, int(token.subject or 0))
    if invitation is None or invitation.user_id is not None:
        raise InitiativeError("invalid_link")
    return invitation


def accept_invitation(*, actor: User, secret: str) -> Initiative:
    """Join an initiative as a co-initiator through an invitation link."""
    invitation = invitation_for(secret)
    initiative = invitation.initiative
    if actor.id in initiative.initiator_user_ids():
        raise InitiativeError("already_initiator")
    if initiative.state not in EDITABLE_STATES:
        raise InitiativeError("not_editable")
    try:
        consume_token(secret, purpose=INVITE_CO_INITIATOR)
    except TokenInvalid as exc:
        raise InitiativeError("invalid_link") from exc
    invitation.user_id = actor.id
    invitation.accepted_at = utcnow()
    _audit(actor, initiative, "co_initiator_joined", initiator_id=invitation.id)
    db.session.commit()
    return initiative


def send_for_check(*, actor: User, initiative: Initiative) -> Initiative:
    """An initiator sends a draft (or a corrected returned one) to the coordinators."""
    _require_initiator(actor, initiative)
    if initiative.state not in EDITABLE_STATES:
        raise InitiativeError("wrong_state")
    initiative.sent_for_check_at = utcnow()
    _move(actor, initiative, S.CHECKING, "sent_for_check")
    _notify_coordinators(
        initiative,
        subject=_l("An initiative is waiting for a check"),
        message=_l("The initiative “%(title)s” is waiting for a check.", title=initiative.title),
        endpoint="initiatives.check_initiative",
    )
    db.session.commit()
    return initiative


def withdraw_initiative(*, actor: User, initiative: Initiative) -> Initiative:
    """Initiators may withdraw their initiative until it is submitted."""
    _require_initiator(actor, initiative)
    if initiative.state not in {S.DRAFT, S.RETURNED, S.CHECKING, S.COLLECTING}:
        raise InitiativeError("wrong_state")
    initiative.closed_at = utcnow()
    initiative.closed_reason = "withdrawn"
    _move(actor, initiative, S.CLOSED, "withdrawn")
    if initiative.activity_id:
        _register_in_chain(initiative)
    db.session.commit()
    return initiative


# --- checking -------------------------------------------------------------------------


def _coordinators() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == str(Role.COORDINATOR),
                User.is_active.is_(True),
                User.email.is_not(None),
            )
            .order_by(User.id)
        ).unique()
    )


def _notify_coordinators(
    initiative: Initiative, *, subject: Any, message: Any, endpoint: str
) -> None:
    url = external_url(endpoint, initiative_id=initiative.id)
    for person in _coordinators():
        queue_mail(
            to=person.email,
            subject=subject,
            template="initiatives/emails/notice",
            locale=person.locale,
            message=message,
            url=url,
        )


def _initiator_addresses(initiative: Initiative) -> list[User]:
    return [i.user for i in initiative.initiators if i.user is not None and i.user.email]


def return_initiative(*, actor: User, initiative: Initiative, reason: str) -> Initiative:
    """A coordinator returns an initiative to its initiators, with the reason.

    An initiative in check is returned for changes; a published one that breaks the rules
    (someone else's personal data, illegal content) is taken off publication the same way.
    Its confirmed supports are kept and count again if it is corrected and republished.
    """
    if initiative.state not in {S.CHECKING, S.COLLECTING}:
        raise InitiativeError("wrong_state")
    if not reason.strip():
        raise InitiativeError("reason_required")
    was_public = initiative.state == S.COLLECTING
    initiative.return_reason = reason.strip()
    _move(actor, initiative, S.RETURNED, "unpublished" if was_public else "returned")
    if initiative.activity_id:
        _register_in_chain(initiative)
    for person in _initiator_addresses(initiative):
        queue_mail(
            to=person.email,
            subject=_l("Your initiative needs changes"),
            template="initiatives/emails/returned",
            locale=person.locale,
            name=person.name,
            title=initiative.title,
            reason=initiative.return_reason,
            url=external_url("initiatives.show_initiative", initiative_id=initiative.id),
        )
    db.session.commit()
    return initiative


def _register_in_chain(initiative: Initiative) -> None:
    status = {
        S.RETURNED: ActivityStatus.PLANNED,
        S.COLLECTING: ActivityStatus.OPEN,
        S.SUBMITTED: ActivityStatus.OPEN,
        S.IN_PROCESSING: ActivityStatus.OPEN,
    }.get(S(initiative.state), ActivityStatus.CLOSED)
    activity = register_activity(
        kind=ActivityKind.INITIATIVE,
        title=initiative.title,
        source_type="initiative",
        source_id=initiative.id,
        org_unit=initiative.service_area,
        starts_on=initiative.published_at.date() if initiative.published_at else None,
        ends_on=initiative.decided_on,
        status=status,
    )
    output = register_output(
        activity=activity,
        kind=OutputKind.INITIATIVE_PROPOSAL,
        title=initiative.title,
        text=initiative.proposal,
        source_type="initiative",
        source_id=initiative.id,
    )
    initiative.activity_id = activity.id
    initiative.output_id = output.id


def publish_initiative(
    *, actor: User, initiative: Initiative, today: date | None = None
) -> Initiative:
    """A coordinator accepts the check: the initiative is published and collects support."""
    if initiative.state != S.CHECKING:
        raise InitiativeError("wrong_state")
    today = today or date.today()
    rule = rule_for_year(today.year)
    initiative.published_at = utcnow()
    initiative.return_reason = ""
    initiative.collection_ends_on = rules.add_months(today, rule.collection_months)
    _move(actor, initiative, S.COLLECTING, "published")
    _register_in_chain(initiative)
    for person in _initiator_addresses(initiative):
        queue_mail(
            to=person.email,
            subject=_l("Your initiative is published"),
            template="initiatives/emails/published",
            locale=person.locale,
            name=person.name,
            title=initiative.title,
            ends_on=initiative.collection_ends_on,
            url=external_url("initiatives.show_initiative", initiative_id=initiative.id),
        )
    db.session.commit()
    return initiative


# --- support --------------------------------------------------------------------------


def request_support(
    *,
    initiative: Initiative,
    name: str,
    email: str,
    municipality: Municipality | None,
    notify_decision: bool,
    locale: str,
) -> None:
    """Record a pending support and email a confirmation link; it counts once confirmed.

    The answer is the same whether or not the address already supports the initiative, so
    the form reveals nothing about who supports what; an address that already counts gets
    a message saying so instead of a new link.
    """
    if initiative.state != S.COLLECTING:
        raise InitiativeError("not_collecting")
    address = normalise_email(email)
    index = email_index(address)
    support = db.session.scalars(
        select(Support).where(Support.initiative_id == initiative.id, Support.email_index == index)
    ).first()
    if support is not None and support.confirmed_at is not None:
        queue_mail(
            to=address,
            subject=_l("You already support this initiative"),
            template="initiatives/emails/support_exists",
            locale=locale,
            title=initiative.title,
            url=external_url("initiatives.show_initiative", initiative_id=initiative.id),
        )
        db.session.commit()
        return
    if support is None:
        support = Support(initiative_id=initiative.id, email_index=index)
        db.session.add(support)
        try:
            _fill_support(support, name, address, municipality, notify_decision, locale)
        except IntegrityError:
            # Another request for the same address won the insert; nothing else has been
            # written in this transaction yet, so start over and use the winner's row.
            db.session.rollback()
            support = db.session.scalars(
                select(Support).where(
                    Support.initiative_id == initiative.id, Support.email_index == index
                )
            ).one()
            if support.confirmed_at is not None:
                return
    _fill_support(support, name, address, municipality, notify_decision, locale)
    secret = issue_token(
        purpose=CONFIRM_SUPPORT,
        lifetime=timedelta(hours=SUPPORT_LINK_HOURS),
        subject=str(support.id),
    )
    queue_mail(
        to=address,
        subject=_l("Confirm your support for the initiative"),
        template="initiatives/emails/confirm_support",
        locale=locale,
        name=support.name,
        title=initiative.title,
        confirm_url=external_url("initiatives.confirm_support", token=secret),
        hours=SUPPORT_LINK_HOURS,
    )
    db.session.commit()


def _fill_support(
    support: Support,
    name: str,
    address: str,
    municipality: Municipality | None,
    notify_decision: bool,
    locale: str,
) -> None:
    support.name = name.strip()
    support.email = address
    support.municipality_id = municipality.id if municipality else None
    support.notify_decision = notify_decision
    support.locale = locale
    support.verification_method = "email"
    db.session.flush()


def confirm_support(*, secret: str) -> Support:
    """Count a support: the link proves control of the address. Each address counts once.

    The conditional UPDATE (``confirmed_at IS NULL``) and the unique (initiative, address)
    row mean two racing confirmations cannot count twice.
    """
    try:
        token = consume_token(secret, purpose=CONFIRM_SUPPORT)
    except TokenInvalid as exc:
        raise InitiativeError("invalid_link") from exc
    support = db.session.get(Support, int(token.subject or 0))
    if support is None:
        raise InitiativeError("invalid_link")
    initiative = db.session.get(Initiative, support.initiative_id)
    if initiative is None or initiative.state != S.COLLECTING:
        db.session.commit()  # the link is used up either way
        raise InitiativeError("not_collecting")
    result = db.session.execute(
        update(Support)
        .where(Support.id == support.id, Support.confirmed_at.is_(None))
        .values(confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(support)
    if result.rowcount == 1:
        withdraw_secret = issue_token(
            purpose=WITHDRAW_SUPPORT,
            lifetime=timedelta(days=WITHDRAW_LINK_DAYS),
            subject=str(support.id),
        )
        queue_mail(
            to=support.email,
            subject=_l("Your support is counted"),
            template="initiatives/emails/support_confirmed",
            locale=support.locale,
            name=support.name,
            title=initiative.title,
            url=external_url("initiatives.show_initiative", initiative_id=initiative.id),
            withdraw_url=external_url("initiatives.withdraw_support", token=withdraw_secret),
            notify_decision=support.notify_decision,
        )
        record_audit(
            actor=None,
            action="initiatives.support_confirmed",
            object_type="initiative",
            object_id=initiative.id,
            changes={"support_id": support.id},
        )
    db.session.commit()
    return support


def support_for_withdrawal(secret: str) -> Support:
    try:
        token = peek_token(secret, purpose=WITHDRAW_SUPPORT)
    except TokenInvalid as exc:
        raise InitiativeError("invalid_link") from exc
    support = db.session.get(Support, int(token.subject or 0))
    if support is None:
        raise InitiativeError("invalid_link")
    return support


def withdraw_support(*, secret: str) -> Initiative:
    """Remove a support (and the personal data in it) while the initiative collects."""
    support = support_for_withdrawal(secret)
    initiative = db.session.get(Initiative, support.initiative_id)
    if initiative is None or initiative.state != S.COLLECTING:
        raise InitiativeError("not_collecting")
    try:
        consume_token(secret, purpose=WITHDRAW_SUPPORT)
    except TokenInvalid as exc:
        raise InitiativeError("invalid_link") from exc
    record_audit(
        actor=None,
        action="initiatives.support_withdrawn",
        object_type="initiative",
        object_id=initiative.id,
        changes={"support_id": support.id},
    )
    _delete_support_tokens([support.id])
    db.session.delete(support)
    db.session.commit()
    return initiative


def purge_unconfirmed_supports(*, now: datetime | None = None) -> int:
    """Delete supports whose confirmation link has expired: their data has no purpose left."""
    cutoff = (now or utcnow()) - timedelta(hours=SUPPORT_LINK_HOURS)
    stale = list(
        db.session.scalars(
            select(Support.id).where(Support.confirmed_at.is_(None), Support.created_at < cutoff)
        )
    )
    _delete_support_tokens(stale)
    if stale:
        db.session.execute(delete(Support).where(Support.id.in_(stale)))
    db.session.commit()
    return len(stale)


def _delete_support_tokens(support_ids: list[int]) -> None:
    if support_ids:
        db.session.execute(
            delete(OneTimeToken).where(
                OneTimeToken.purpose.in_([CONFIRM_SUPPORT, WITHDRAW_SUPPORT]),
                OneTimeToken.subject.in_([str(i) for i in support_ids]),
            )
        )


def support_breakdown(initiative: Initiative, *, locale: str = "fi") -> list[tuple[str, int]]:
    """Confirmed supports by municipality (``""`` = other or outside the county)."""
    rows = db.session.execute(
        select(Municipality.name_fi, Municipality.name_sv, func.count(Support.id))
        .select_from(Support)
        .outerjoin(Municipality, Municipality.id == Support.municipality_id)
        .where(Support.initiative_id == initiative.id, Support.confirmed_at.is_not(None))
        .group_by(Municipality.name_fi, Municipality.name_sv)
        .order_by(func.count(Support.id).desc(), Municipality.name_fi)
    )
    return [
        ((name_sv if locale == "sv" else name_fi) or "", int(count))
        for name_fi, name_sv, count in rows
    ]


def export_supporters(*, actor: User, initiative: Initiative, other_label: str) -> str:
    """The confirmed supporters (name, municipality, time) as CSV for the handlers; audited.

    Addresses are left out: the people handling the initiative need to see who supports it,
    not how to reach them.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["name", "municipality", "confirmed_at", "verification_method"])
    supports = db.session.scalars(
        select(Support)
        .where(Support.initiative_id == initiative.id, Support.confirmed_at.is_not(None))
        .order_by(Support.confirmed_at, Support.id)
    )
    count = 0
    for support in supports:
        count += 1
        writer.writerow(
            [
                _csv_safe(support.name),
                support.municipality.name_fi if support.municipality else other_label,
                support.confirmed_at.isoformat() if support.confirmed_at else "",
                support.verification_method,
            ]
        )
    _audit(actor, initiative, "supporters_exported", rows=count)
    db.session.commit()
    return buffer.getvalue()


# --- submission, handling, decision ---------------------------------------------------


def _submit(actor: User | None, initiative: Initiative, today: date, action: str) -> None:
    rule = rule_for_year(today.year)
    count = support_count(initiative)
    initiative.submitted_on = today
    initiative.support_count_at_submission = count
    initiative.threshold_at_submission = rule.threshold
    if rules.Progress(supports=count, threshold=rule.threshold).reached:
        initiative.due_on = rules.due_date(today, rule.handling_months)
    _move(actor, initiative, S.SUBMITTED, action)
    _register_in_chain(initiative)
    _notify_coordinators(
        initiative,
        subject=_l("An initiative is submitted"),
        message=_l(
            "The initiative “%(title)s” is submitted with %(count)s supports.",
            title=initiative.title,
            count=count,
        ),
        endpoint="initiatives.process_initiative",
    )
    if actor is None:  # the collection time ran out: tell the initiators
        for person in _initiator_addresses(initiative):
            queue_mail(
                to=person.email,
                subject=_l("Your initiative is submitted"),
                template="initiatives/emails/notice",
                locale=person.locale,
                message=_l(
                    "The collection time of your initiative “%(title)s” ended and it is "
                    "submitted to the county with %(count)s supports.",
                    title=initiative.title,
                    count=count,
                ),
                url=external_url("initiatives.show_initiative", initiative_id=initiative.id),
            )
    # Unconfirmed supports can no longer count: their personal data has no purpose left.
    pending = list(
        db.session.scalars(
            select(Support.id).where(
                Support.initiative_id == initiative.id, Support.confirmed_at.is_(None)
            )
        )
    )
    _delete_support_tokens(pending)
    if pending:
        db.session.execute(delete(Support).where(Support.id.in_(pending)))


def submit_initiative(
    *, actor: User, initiative: Initiative, today: date | None = None
) -> Initiative:
    """The initiators end the collection and submit the initiative to the county."""
    _require_initiator(actor, initiative)
    if initiative.state != S.COLLECTING:
        raise InitiativeError("wrong_state")
    _submit(actor, initiative, today or date.today(), "submitted")
    db.session.commit()
    return initiative


def end_expired_collections(*, today: date | None = None) -> list[Initiative]:
    """Submit every initiative whose collection time has ended (run daily from cron)."""
    today = today or date.today()
    expired = list(
        db.session.scalars(
            select(Initiative).where(
                Initiative.state == S.COLLECTING, Initiative.collection_ends_on < today
            )
        )
    )
    for initiative in expired:
        _submit(None, initiative, today, "collection_ended")
    db.session.commit()
    return expired


def assign_initiative(
    *, actor: User, initiative: Initiative, assigned_to: str, assigned_user: User | None = None
) -> Initiative:
    """Put a submitted initiative in processing with an office-holder or a body."""
    if initiative.state not in {S.SUBMITTED, S.IN_PROCESSING}:
        raise InitiativeError("wrong_state")
    if not assigned_to.strip() and assigned_user is None:
        raise InitiativeError("assignee_required")
    initiative.assigned_to = assigned_to.strip() or (assigned_user.name if assigned_user else "")
    initiative.assigned_user_id = assigned_user.id if assigned_user else None
    if initiative.state == S.SUBMITTED:
        _move(actor, initiative, S.IN_PROCESSING, "assigned")
    else:
        _audit(actor, initiative, "reassigned", assigned_user_id=initiative.assigned_user_id)
    db.session.commit()
    return initiative


def decide_initiative(
    *,
    actor: User,
    initiative: Initiative,
    decision: str,
    reason: str,
    measures: str = "",
    minutes_link: str = "",
    decided_on: date | None = None,
) -> Initiative:
    """Record the decision, publish it, tell initiators and opted-in supporters.

    The decision is also the county's response to the initiative's output in the impact
    chain, so it counts in the impact reports; ``record_response`` commits the whole change.
    """
    if initiative.state != S.IN_PROCESSING:
        raise InitiativeError("wrong_state")
    if decision not in set(InitiativeDecision):
        raise InitiativeError("unknown_decision")
    if not reason.strip():
        raise InitiativeError("reason_required")
    decided_on = decided_on or date.today()
    initiative.decision = decision
    initiative.decision_reason = reason.strip()
    initiative.measures = measures.strip()
    initiative.minutes_link = minutes_link.strip()
    initiative.decided_on = decided_on
    _move(actor, initiative, S.DECIDED, "decided")
    _audit(actor, initiative, "decision_recorded", decision=decision)
    _register_in_chain(initiative)
    page = external_url("initiatives.show_initiative", initiative_id=initiative.id)
    mail_context = {
        "title": initiative.title,
        "decision": decision,
        "reason": initiative.decision_reason,
        "measures": initiative.measures,
        "minutes_link": initiative.minutes_link,
        "decided_on": decided_on,
        "url": page,
    }
    for person in _initiator_addresses(initiative):
        queue_mail(
            to=person.email,
            subject=_l("A decision on your initiative"),
            template="initiatives/emails/decision",
            locale=person.locale,
            **mail_context,
        )
    for support in db.session.scalars(
        select(Support).where(
            Support.initiative_id == initiative.id,
            Support.notify_decision.is_(True),
            Support.confirmed_at.is_not(None),
        )
    ):
        queue_mail(
            to=support.email,
            subject=_l("A decision on an initiative you supported"),
            template="initiatives/emails/decision",
            locale=support.locale,
            **mail_context,
        )
    output = db.session.get(Output, initiative.output_id)
    record_response(
        actor=actor,
        output=output,
        decision=DECISION_TO_RESPONSE[InitiativeDecision(decision)],
        decided_on=decided_on,
        reason=initiative.decision_reason,
        decision_link=initiative.minutes_link,
        responsible_person=initiative.assigned_to,
    )
    return initiative


def close_initiative(*, actor: User, initiative: Initiative) -> Initiative:
    """Close a decided initiative once its measures are reported."""
    if initiative.state != S.DECIDED:
        raise InitiativeError("wrong_state")
    initiative.closed_at = utcnow()
    initiative.closed_reason = "handled"
    _move(actor, initiative, S.CLOSED, "closed")
    _register_in_chain(initiative)
    db.session.commit()
    return initiative


# --- coordinators' lists and reminders ------------------------------------------------


def initiatives_in_state(*states: str) -> list[Initiative]:
    return list(
        db.session.scalars(
            select(Initiative)
            .where(Initiative.state.in_([str(s) for s in states]))
            .order_by(Initiative.due_on.is_(None), Initiative.due_on, Initiative.id)
        )
    )


def overdue_initiatives(*, today: date | None = None) -> list[Initiative]:
    today = today or date.today()
    return list(
        db.session.scalars(
            select(Initiative)
            .where(
                Initiative.state.in_([str(S.SUBMITTED), str(S.IN_PROCESSING)]),
                Initiative.due_on < today,
            )
            .order_by(Initiative.due_on, Initiative.id)
        )
    )


def _reminder_stage(due_on: date, today: date) -> int:
    """0 = nothing due yet; 1 = 30 days left; 2 = 7 days left; 3 = overdue."""
    days_left = (due_on - today).days
    if days_left < 0:
        return len(REMINDER_DAYS) + 1
    stage = 0
    for number, days in enumerate(REMINDER_DAYS, start=1):
        if days_left <= days:
            stage = number
    return stage


def send_reminders(*, today: date | None = None) -> int:
    """Remind coordinators (and the assigned person) of due dates; idempotent.

    Each initiative records the last reminder stage it got, so running the command twice
    on the same day (or every hour) sends nothing new.
    """
    today = today or date.today()
    coordinators = _coordinators()
    sent = 0
    candidates = db.session.scalars(
        select(Initiative).where(
            Initiative.state.in_([str(S.SUBMITTED), str(S.IN_PROCESSING)]),
            Initiative.due_on.is_not(None),
        )
    )
    for initiative in candidates:
        stage = _reminder_stage(initiative.due_on, today)
        if stage <= initiative.reminder_stage:
            continue
        initiative.reminder_stage = stage
        recipients = {person.email: person for person in coordinators}
        if initiative.assigned_user is not None and initiative.assigned_user.email:
            recipients[initiative.assigned_user.email] = initiative.assigned_user
        for person in recipients.values():
            queue_mail(
                to=person.email,
                subject=_l("Initiative due date: %(title)s", title=initiative.title),
                template="initiatives/emails/reminder",
                locale=person.locale,
                title=initiative.title,
                due_on=initiative.due_on,
                overdue=initiative.due_on < today,
                days_left=(initiative.due_on - today).days,
                url=external_url("initiatives.process_initiative", initiative_id=initiative.id),
            )
            sent += 1
        _audit(None, initiative, "reminder_sent", stage=stage)
    db.session.commit()
    return sent


# --- abuse reports --------------------------------------------------------------------


def report_abuse(*, initiative: Initiative, reason: str, message: str = "") -> AbuseReport:
    """Anyone may report an initiative; coordinators see the report in their queue."""
    if not initiative.is_public:
        raise InitiativeError("not_public")
    if reason not in ABUSE_REASONS:
        raise InitiativeError("unknown_reason")
    report = AbuseReport(initiative=initiative, reason=reason, message=message.strip())
    db.session.add(report)
    db.session.flush()
    _audit(None, initiative, "abuse_reported", report_id=report.id, reason=reason)
    db.session.commit()
    return report


def open_abuse_reports() -> list[AbuseReport]:
    return list(
        db.session.scalars(
            select(AbuseReport)
            .where(AbuseReport.handled_at.is_(None))
            .order_by(AbuseReport.created_at, AbuseReport.id)
        )
    )


def handle_abuse_report(*, actor: User, report: AbuseReport) -> AbuseReport:
    if report.handled_at is None:
        report.handled_at = utcnow()
        report.handled_by_id = actor.id
        _audit(actor, report.initiative, "abuse_report_handled", report_id=report.id)
    db.session.commit()
    return report


# --- annual report --------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    initiative: Initiative
    supports: int


def annual_report(year: int) -> list[ReportRow]:
    """Initiatives published, submitted or decided in ``year``, for the regional council."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    start_at = datetime.combine(start, time.min, tzinfo=UTC)
    end_at = datetime.combine(end, time.max, tzinfo=UTC)
    initiatives = list(
        db.session.scalars(
            select(Initiative)
            .where(
                Initiative.state.in_([str(s) for s in PUBLIC_STATES]),
                or_(
                    Initiative.published_at.between(start_at, end_at),
                    Initiative.submitted_on.between(start, end),
                    Initiative.decided_on.between(start, end),
                ),
            )
            .order_by(Initiative.published_at, Initiative.id)
        )
    )
    counts = support_counts(i.id for i in initiatives)
    return [
        ReportRow(
            initiative=i,
            supports=i.support_count_at_submission
            if i.support_count_at_submission is not None
            else counts[i.id],
        )
        for i in initiatives
    ]


def annual_report_csv(
    rows: list[ReportRow], *, state_labels: dict[str, str], decision_labels: dict[str, str]
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "id",
            "title",
            "state",
            "published_on",
            "supports",
            "threshold",
            "submitted_on",
            "due_on",
            "assigned_to",
            "decision",
            "decided_on",
            "measures",
            "minutes_link",
        ]
    )
    for row in rows:
        i = row.initiative
        writer.writerow(
            [
                i.id,
                _csv_safe(i.title),
                state_labels.get(i.state, i.state),
                i.published_at.date().isoformat() if i.published_at else "",
                row.supports,
                i.threshold_at_submission if i.threshold_at_submission is not None else "",
                i.submitted_on.isoformat() if i.submitted_on else "",
                i.due_on.isoformat() if i.due_on else "",
                _csv_safe(i.assigned_to),
                decision_labels.get(i.decision or "", ""),
                i.decided_on.isoformat() if i.decided_on else "",
                _csv_safe(i.measures),
                i.minutes_link,
            ]
        )
    return buffer.getvalue()


def _csv_safe(value: str) -> str:
    # Spreadsheets run cells that start with these as formulas (CSV injection).
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


# --- personal data --------------------------------------------------------------------


def _export(user: User) -> dict[str, Any] | None:
    initiated = [
        {"id": i.id, "title": i.title, "state": i.state, "public_name": i.public_name}
        for i in initiatives_of(user)
    ]
    supports: list[dict[str, Any]] = []
    if user.email:
        for support in db.session.scalars(
            select(Support).where(Support.email_index == email_index(user.email))
        ):
            supports.append(
                {
                    "initiative_id": support.initiative_id,
                    "name": support.name,
                    "confirmed_at": support.confirmed_at.isoformat()
                    if support.confirmed_at
                    else None,
                    "notify_decision": support.notify_decision,
                }
            )
    if not initiated and not supports:
        return None
    return {"initiatives": initiated, "supports": supports}


def _erase(user: User) -> None:
    """Drop the person's name from their initiatives and supports; counts stay correct.

    Confirmed supports keep their keyed address hash (so the count and the one-per-address
    rule hold) but lose the name and address; pending ones are deleted.
    """
    db.session.execute(
        update(Initiative)
        .where(Initiative.author_id == user.id)
        .values(public_name="", contact_phone="")
        .execution_options(synchronize_session=False)
    )
    if user.email:
        index = email_index(user.email)
        pending = list(
            db.session.scalars(
                select(Support.id).where(
                    Support.email_index == index, Support.confirmed_at.is_(None)
                )
            )
        )
        _delete_support_tokens(pending)
        if pending:
            db.session.execute(delete(Support).where(Support.id.in_(pending)))
        db.session.execute(
            update(Support)
            .where(Support.email_index == index)
            .values(name="", email=None, municipality_id=None, notify_decision=False)
            .execution_options(synchronize_session=False)
        )


register_personal_data("initiatives", export=_export, erase=_erase)
