"""Supports: email-verified requests, confirmation, withdrawal, purging, exports."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.csv_export import csv_text
from portal.core.db import utcnow
from portal.core.mail import mail_person, queue_mail
from portal.core.models import Municipality
from portal.core.urls import external_url
from portal.extensions import db
from portal.initiatives.models import (
    Initiative,
    Support,
)
from portal.initiatives.services._common import (
    CONFIRM_SUPPORT,
    SUPPORT_LINK_HOURS,
    WITHDRAW_LINK_DAYS,
    WITHDRAW_SUPPORT,
    InitiativeError,
    S,
    _audit,
    _delete_supports,
    _link_secret,
    _link_subject,
    _pending_support_ids,
    email_index,
    normalise_email,
)


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
    support = db.session.scalars(_support_by_address(initiative, index)).first()
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
            support = db.session.scalars(_support_by_address(initiative, index)).one()
            if support.confirmed_at is not None:
                return
    _fill_support(support, name, address, municipality, notify_decision, locale)
    secret = _link_secret(CONFIRM_SUPPORT, timedelta(hours=SUPPORT_LINK_HOURS), support.id)
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


def _support_by_address(initiative: Initiative, index: str) -> Select[tuple[Support]]:
    return select(Support).where(
        Support.initiative_id == initiative.id, Support.email_index == index
    )


def _linked_support(secret: str, purpose: str, *, use_up: bool = False) -> Support:
    """The support a link was issued for; ``invalid_link`` when it is gone."""
    support = db.session.get(Support, _link_subject(secret, purpose, use_up=use_up))
    if support is None:
        raise InitiativeError("invalid_link")
    return support


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
    support = _linked_support(secret, CONFIRM_SUPPORT, use_up=True)
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
        withdraw_secret = _link_secret(
            WITHDRAW_SUPPORT, timedelta(days=WITHDRAW_LINK_DAYS), support.id
        )
        mail_person(
            support,
            subject=_l("Your support is counted"),
            template="initiatives/emails/support_confirmed",
            name=support.name,
            title=initiative.title,
            url=external_url("initiatives.show_initiative", initiative_id=initiative.id),
            withdraw_url=external_url("initiatives.withdraw_support", token=withdraw_secret),
            notify_decision=support.notify_decision,
        )
        _audit(None, initiative, "support_confirmed", support_id=support.id)
    db.session.commit()
    return support


def support_for_confirmation(secret: str) -> Support:
    """The support behind a confirmation link, without using the link up."""
    return _linked_support(secret, CONFIRM_SUPPORT)


def support_for_withdrawal(secret: str) -> Support:
    """The support behind a withdrawal link, without using the link up."""
    return _linked_support(secret, WITHDRAW_SUPPORT)


def withdraw_support(*, secret: str) -> Initiative:
    """Remove a support (and the personal data in it) while the initiative collects."""
    support = support_for_withdrawal(secret)
    initiative = db.session.get(Initiative, support.initiative_id)
    if initiative is None or initiative.state != S.COLLECTING:
        raise InitiativeError("not_collecting")
    _link_subject(secret, WITHDRAW_SUPPORT, use_up=True)
    _audit(None, initiative, "support_withdrawn", support_id=support.id)
    _delete_supports([support.id])
    db.session.commit()
    return initiative


def purge_unconfirmed_supports(*, now: datetime | None = None) -> int:
    """Delete supports whose confirmation link has expired: their data has no purpose left."""
    cutoff = (now or utcnow()) - timedelta(hours=SUPPORT_LINK_HOURS)
    stale = _pending_support_ids(Support.created_at < cutoff)
    _delete_supports(stale)
    db.session.commit()
    return len(stale)


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
    supports = db.all(
        select(Support)
        .where(Support.initiative_id == initiative.id, Support.confirmed_at.is_not(None))
        .order_by(Support.confirmed_at, Support.id)
    )
    text = csv_text(
        ["name", "municipality", "confirmed_at", "verification_method"],
        (
            [
                support.name,
                support.municipality.name_fi if support.municipality else other_label,
                support.confirmed_at.isoformat() if support.confirmed_at else "",
                support.verification_method,
            ]
            for support in supports
        ),
    )
    _audit(actor, initiative, "supporters_exported", rows=len(supports))
    db.session.commit()
    return text
