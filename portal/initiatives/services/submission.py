"""Submission to the county, assignment for handling and the handling deadlines."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.initiatives import rules
from portal.initiatives.models import (
    Initiative,
    Support,
)
from portal.initiatives.services._common import (
    InitiativeError,
    S,
    _audit,
    _delete_supports,
    _mail_initiators,
    _move,
    _notify_coordinators,
    _pending_support_ids,
    _register_in_chain,
    _require_initiator,
)
from portal.initiatives.services.reading import support_count
from portal.initiatives.services.settings import rule_for_year


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
        _mail_initiators(
            initiative,
            subject=_l("Your initiative is submitted"),
            template="initiatives/emails/notice",
            message=_l(
                "The collection time of your initiative “%(title)s” ended and it is "
                "submitted to the county with %(count)s supports.",
                title=initiative.title,
                count=count,
            ),
        )
    # Unconfirmed supports can no longer count: their personal data has no purpose left.
    _delete_supports(_pending_support_ids(Support.initiative_id == initiative.id))


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


def initiatives_in_state(*states: str) -> list[Initiative]:
    return db.all(
        select(Initiative)
        .where(Initiative.state.in_([str(s) for s in states]))
        .order_by(Initiative.due_on.is_(None), Initiative.due_on, Initiative.id)
    )


def overdue_initiatives(*, today: date | None = None) -> list[Initiative]:
    today = today or date.today()
    return db.all(
        select(Initiative)
        .where(
            Initiative.state.in_([str(S.SUBMITTED), str(S.IN_PROCESSING)]),
            Initiative.due_on < today,
        )
        .order_by(Initiative.due_on, Initiative.id)
    )
