"""What the initiative services share: the error, audit, mail to coordinators and
initiators, the impact-chain record, link tokens and deleting supports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from portal.accounts.models import User, UserRole
from portal.core.audit import DomainAudit
from portal.core.encryption import blind_index
from portal.core.errors import DomainError
from portal.core.mail import mail_person
from portal.core.models import OneTimeToken
from portal.core.permissions import Role
from portal.core.service_links import link_token
from portal.core.tokens import issue_token
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import ActivityKind, ActivityStatus, OutputKind
from portal.impact.services import register_activity, register_output
from portal.initiatives.models import Initiative, InitiativeState, Support

S = InitiativeState
CONFIRM_SUPPORT = "initiative_support"
WITHDRAW_SUPPORT = "initiative_support_withdraw"
INVITE_CO_INITIATOR = "initiative_co_initiator"
SUPPORT_LINK_HOURS = 48
WITHDRAW_LINK_DAYS = 730
INVITATION_DAYS = 14


class InitiativeError(DomainError):
    """A rule was broken; ``code`` names it so views can show a translated message."""


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


audit = DomainAudit("initiatives")
"""Add an ``initiatives.<action>`` audit entry to the current transaction (no personal data)."""


def _audit(actor: User | None, initiative: Initiative, action: str, **changes: Any) -> None:
    audit(actor, action, "initiative", initiative.id, **changes)


def _move(actor: User | None, initiative: Initiative, to: InitiativeState, action: str) -> None:
    before = initiative.state
    initiative.state = to
    _audit(actor, initiative, action, state={"before": str(before), "after": str(to)})


def _require_initiator(actor: User, initiative: Initiative) -> None:
    if actor.id not in initiative.initiator_user_ids():
        raise InitiativeError("not_initiator")


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
        mail_person(
            person, subject=subject, template="initiatives/emails/notice", message=message, url=url
        )


def _initiator_addresses(initiative: Initiative) -> list[User]:
    return [i.user for i in initiative.initiators if i.user is not None and i.user.email]


def _mail_initiators(
    initiative: Initiative, *, subject: Any, template: str, **context: Any
) -> None:
    """Queue one mail to each initiator with an address, with a link to the initiative."""
    url = external_url("initiatives.show_initiative", initiative_id=initiative.id)
    for person in _initiator_addresses(initiative):
        mail_person(
            person,
            subject=subject,
            template=template,
            name=person.name,
            title=initiative.title,
            url=url,
            **context,
        )


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


def _delete_supports(support_ids: list[int]) -> None:
    """Delete supports with the links that were sent for them (flushes only)."""
    if support_ids:
        db.session.execute(
            delete(OneTimeToken).where(
                OneTimeToken.purpose.in_([CONFIRM_SUPPORT, WITHDRAW_SUPPORT]),
                OneTimeToken.subject.in_([str(i) for i in support_ids]),
            )
        )
        db.session.execute(delete(Support).where(Support.id.in_(support_ids)))


def _pending_support_ids(*conditions: Any) -> list[int]:
    """Ids of unconfirmed supports matching ``conditions``."""
    return db.all(select(Support.id).where(Support.confirmed_at.is_(None), *conditions))


def _link_secret(purpose: str, lifetime: timedelta, row_id: int) -> str:
    """The secret of a new link for the row ``row_id``; :func:`_link_subject` reads it back."""
    return issue_token(purpose=purpose, lifetime=lifetime, subject=str(row_id))


def _link_subject(secret: str, purpose: str, *, use_up: bool = False) -> int:
    """The id a link was issued for; ``use_up`` makes the link unusable afterwards."""
    token = link_token(secret, purpose=purpose, error=InitiativeError, use_up=use_up)
    return int(token.subject or 0)
