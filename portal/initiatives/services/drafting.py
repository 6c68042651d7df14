"""Drafting an initiative with co-initiators and sending it for a check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypedDict, Unpack

from flask_babel import lazy_gettext as _l

from portal.accounts.models import OrgUnit, User
from portal.core.db import utcnow
from portal.core.mail import queue_mail
from portal.core.service_text import entered_fields
from portal.core.urls import external_url
from portal.extensions import db
from portal.initiatives.models import (
    EDITABLE_STATES,
    Initiative,
    Initiator,
)
from portal.initiatives.services._common import (
    INVITATION_DAYS,
    INVITE_CO_INITIATOR,
    InitiativeError,
    S,
    _audit,
    _link_secret,
    _link_subject,
    _move,
    _notify_coordinators,
    _register_in_chain,
    _require_initiator,
    normalise_email,
)


class _RequiredInitiativeFields(TypedDict):
    title: str
    proposal: str


class InitiativeFields(_RequiredInitiativeFields, total=False):
    """What initiators write about an initiative: the fields of :func:`create_initiative`
    and :func:`update_initiative`, declared once so the two cannot drift apart."""

    justification: str
    service_area: OrgUnit | None
    public_name: str
    contact_phone: str


# What the optional fields are when a form leaves them out.
_FIELD_DEFAULTS: dict[str, Any] = {
    "justification": "",
    "service_area": None,
    "public_name": "",
    "contact_phone": "",
}


def _written_fields(fields: InitiativeFields) -> dict[str, Any]:
    return entered_fields(fields, declared=InitiativeFields, defaults=_FIELD_DEFAULTS)


def create_initiative(*, actor: User, **fields: Unpack[InitiativeFields]) -> Initiative:
    """Start a draft with ``actor`` as its author."""
    initiative = Initiative(**_written_fields(fields), author_id=actor.id, state=S.DRAFT)
    initiative.initiators = [Initiator(user_id=actor.id, role="author", accepted_at=utcnow())]
    db.session.add(initiative)
    db.session.flush()
    _audit(actor, initiative, "created", state={"before": None, "after": str(S.DRAFT)})
    db.session.commit()
    return initiative


def _edited_fields(initiative: Initiative) -> dict[str, Any]:
    return {
        "title": initiative.title,
        "proposal": initiative.proposal,
        "justification": initiative.justification,
        "service_area_id": initiative.service_area_id,
        "public_name": initiative.public_name,
        "contact_phone": initiative.contact_phone,
    }


def update_initiative(
    *, actor: User, initiative: Initiative, **fields: Unpack[InitiativeFields]
) -> Initiative:
    """Edit a draft or a returned initiative (its initiators only)."""
    _require_initiator(actor, initiative)
    if initiative.state not in EDITABLE_STATES:
        raise InitiativeError("not_editable")
    before = _edited_fields(initiative)
    for name, value in _written_fields(fields).items():
        setattr(initiative, name, value)
    db.session.flush()
    after = _edited_fields(initiative)
    edited = sorted(key for key in after if after[key] != before[key])
    if edited:
        _audit(actor, initiative, "edited", fields=edited)
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
    secret = _link_secret(INVITE_CO_INITIATOR, timedelta(days=INVITATION_DAYS), invitation.id)
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
    invitation = db.session.get(Initiator, _link_subject(secret, INVITE_CO_INITIATOR))
    if invitation is None or invitation.user_id is not None:
        raise InitiativeError("invalid_link")
    return invitation


def ensure_invited_person(*, actor: User, invitation: Initiator) -> None:
    """Only the holder of the invited, verified address may accept: a forwarded or
    leaked link must not make someone else a co-initiator."""
    if (
        actor.email is None
        or actor.email_verified_at is None
        or actor.email != invitation.invited_email
    ):
        raise InitiativeError("not_invited_address")


def accept_invitation(*, actor: User, secret: str) -> Initiative:
    """Join an initiative as a co-initiator through an invitation link."""
    invitation = invitation_for(secret)
    ensure_invited_person(actor=actor, invitation=invitation)
    initiative = invitation.initiative
    if actor.id in initiative.initiator_user_ids():
        raise InitiativeError("already_initiator")
    if initiative.state not in EDITABLE_STATES:
        raise InitiativeError("not_editable")
    _link_subject(secret, INVITE_CO_INITIATOR, use_up=True)
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
