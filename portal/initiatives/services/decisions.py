"""The county's decision on an initiative, and closing it."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.mail import mail_person
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import Decision, Output
from portal.impact.services import record_response
from portal.initiatives.models import (
    Initiative,
    InitiativeDecision,
    Support,
)
from portal.initiatives.services._common import (
    InitiativeError,
    S,
    _audit,
    _mail_initiators,
    _move,
    _register_in_chain,
)

DECISION_TO_RESPONSE = {
    InitiativeDecision.ACCEPTED: Decision.ACCEPTED,
    InitiativeDecision.PARTLY_ACCEPTED: Decision.PARTLY_ACCEPTED,
    InitiativeDecision.NOT_ACCEPTED: Decision.NOT_ACCEPTED,
}


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
    decision_context = {
        "decision": decision,
        "reason": initiative.decision_reason,
        "measures": initiative.measures,
        "minutes_link": initiative.minutes_link,
        "decided_on": decided_on,
    }
    _mail_initiators(
        initiative,
        subject=_l("A decision on your initiative"),
        template="initiatives/emails/decision",
        **decision_context,
    )
    page = external_url("initiatives.show_initiative", initiative_id=initiative.id)
    for support in db.session.scalars(
        select(Support).where(
            Support.initiative_id == initiative.id,
            Support.notify_decision.is_(True),
            Support.confirmed_at.is_not(None),
        )
    ):
        mail_person(
            support,
            subject=_l("A decision on an initiative you supported"),
            template="initiatives/emails/decision",
            title=initiative.title,
            url=page,
            **decision_context,
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
