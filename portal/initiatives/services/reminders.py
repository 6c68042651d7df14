"""Daily work: ending collections whose time is up and due-date reminders."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.mail import mail_person
from portal.core.urls import external_url
from portal.extensions import db
from portal.initiatives.models import (
    Initiative,
)
from portal.initiatives.services._common import S, _audit, _coordinators
from portal.initiatives.services.submission import _submit
from portal.initiatives.services.supports import purge_unconfirmed_supports


def run_daily_collection_end() -> tuple[int, int]:
    """Submit expired collections, then purge expired unconfirmed supports (daily work).

    Returns the numbers of submitted initiatives and purged supports.
    """
    ended = end_expired_collections()
    return len(ended), purge_unconfirmed_supports()


def end_expired_collections(*, today: date | None = None) -> list[Initiative]:
    """Submit every initiative whose collection time has ended (run daily from cron)."""
    today = today or date.today()
    expired = db.all(
        select(Initiative).where(
            Initiative.state == S.COLLECTING, Initiative.collection_ends_on < today
        )
    )
    for initiative in expired:
        _submit(None, initiative, today, "collection_ended")
    db.session.commit()
    return expired


REMINDER_DAYS = (30, 7)


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
            mail_person(
                person,
                subject=_l("Initiative due date: %(title)s", title=initiative.title),
                template="initiatives/emails/reminder",
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
