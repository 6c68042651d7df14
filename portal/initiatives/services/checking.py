"""Coordinators' check: returning, publishing, and reports of abuse."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.extensions import db
from portal.initiatives import rules
from portal.initiatives.models import (
    AbuseReport,
    Initiative,
)
from portal.initiatives.services._common import (
    InitiativeError,
    S,
    _audit,
    _mail_initiators,
    _move,
    _register_in_chain,
)
from portal.initiatives.services.settings import rule_for_year

ABUSE_REASONS = ("personal_data", "offensive", "illegal", "spam", "other")


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
    _mail_initiators(
        initiative,
        subject=_l("Your initiative needs changes"),
        template="initiatives/emails/returned",
        reason=initiative.return_reason,
    )
    db.session.commit()
    return initiative


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
    _mail_initiators(
        initiative,
        subject=_l("Your initiative is published"),
        template="initiatives/emails/published",
        ends_on=initiative.collection_ends_on,
    )
    db.session.commit()
    return initiative


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
    return db.all(
        select(AbuseReport)
        .where(AbuseReport.handled_at.is_(None))
        .order_by(AbuseReport.created_at, AbuseReport.id)
    )


def handle_abuse_report(*, actor: User, report: AbuseReport) -> AbuseReport:
    if report.handled_at is None:
        report.handled_at = utcnow()
        report.handled_by_id = actor.id
        _audit(actor, report.initiative, "abuse_report_handled", report_id=report.id)
    db.session.commit()
    return report
