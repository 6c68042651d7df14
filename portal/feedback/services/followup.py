"""Scheduled follow-up work: 7-day contact reminders, escalation and monthly reports."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import OrgUnit, OrgUnitKind, User
from portal.core.mail import queue_mail
from portal.core.tasks import task
from portal.extensions import db
from portal.feedback.models import FollowUpCase, MonthlyFeedbackReport
from portal.feedback.services._common import clean_language, now_utc
from portal.feedback.services.handling import area_managers, unit_addresses
from portal.feedback.services.reports import (
    ReportFilter,
    follow_up_figures,
    overall_nps,
    statement_rows,
    theme_counts,
)
from portal.feedback.services.taxonomy import theme_names

REMIND_DAYS_BEFORE = 2
TOP_THEMES = 3


def _notify_owner_unit(case: FollowUpCase, template: str, subject: object) -> int:
    """Mail the staff of the unit that owns the case (nobody when the unit is gone)."""
    unit = db.session.get(OrgUnit, case.owner_unit_id)
    return _notify(case, unit_addresses(unit) if unit is not None else [], template, subject)


def staff_languages(addresses: list[str]) -> dict[str, str]:
    """The language each staff address reads mail in: its account's, else Finnish."""
    wanted = {address.lower() for address in addresses}
    known = {
        email.lower(): locale
        for email, locale in db.session.execute(
            select(User.email, User.locale).where(
                func.lower(User.email).in_(wanted), User.erased_at.is_(None)
            )
        )
        if email
    }
    return {address: clean_language(known.get(address.lower())) for address in addresses}


def _notify(case: FollowUpCase, addresses: list[str], template: str, subject: object) -> int:
    unit = db.session.get(OrgUnit, case.owner_unit_id)
    for address, locale in staff_languages(addresses).items():
        queue_mail(
            to=address,
            subject=subject,
            template=f"feedback/emails/{template}",
            locale=locale,
            case=case,
            unit_name=unit.name(locale) if unit else "",
        )
    return len(addresses)


def send_follow_up_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Remind before the due date, again when overdue, and escalate an overdue case to the
    service-area manager; each step happens once per case (and commit)."""
    moment = now_utc(now)
    today = moment.date()
    open_cases = list(
        db.session.scalars(
            select(FollowUpCase).where(
                FollowUpCase.closed_at.is_(None),
                FollowUpCase.due_on <= today + timedelta(days=REMIND_DAYS_BEFORE),
            )
        )
    )
    sent = {"reminders": 0, "overdue": 0, "escalated": 0}
    for case in open_cases:
        if case.due_on < today:
            if case.overdue_reminded_at is None:
                _notify_owner_unit(case, "follow_up_overdue", _l("A follow-up contact is overdue"))
                case.overdue_reminded_at = moment
                sent["overdue"] += 1
            if case.escalated_at is None:
                unit = db.session.get(OrgUnit, case.owner_unit_id)
                if unit is not None:
                    _notify(
                        case,
                        area_managers(unit),
                        "follow_up_escalated",
                        _l("An overdue follow-up contact in your service area"),
                    )
                case.escalated_at = moment
                sent["escalated"] += 1
        elif case.reminded_at is None:
            _notify_owner_unit(
                case, "follow_up_reminder", _l("A customer is waiting to be contacted")
            )
            case.reminded_at = moment
            sent["reminders"] += 1
    db.session.commit()
    return sent


def _previous(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


@task(retries=2, retry_delay=60, name="feedback.monthly_report")
def send_unit_monthly_report(unit_id: int, month_iso: str) -> bool:
    """Send one unit's monthly report; the unique row makes a second run send nothing."""
    return send_monthly_report(unit_id=unit_id, month=date.fromisoformat(month_iso))


def send_monthly_report(*, unit_id: int, month: date, today: date | None = None) -> bool:
    """The report of ``month`` to the unit's manager, once per unit and month (and commit)."""
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not unit.manager_email:
        return False
    db.session.add(MonthlyFeedbackReport(org_unit_id=unit.id, month=month))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    # A service area's manager gets the figures of the whole area.
    scope = {"area_id": unit.id} if unit.kind == OrgUnitKind.SERVICE_AREA else {"unit_id": unit.id}
    current = ReportFilter.for_period(month, month, **scope)
    before = _previous(month)
    previous = ReportFilter.for_period(before, before, **scope)
    locale = staff_languages([unit.manager_email])[unit.manager_email]
    names = theme_names(locale)
    themes = Counter(theme_counts(current, list(names))).most_common(TOP_THEMES)
    this_month, last_month = overall_nps(current), overall_nps(previous)
    change = (
        this_month.nps - last_month.nps
        if not this_month.suppressed
        and not last_month.suppressed
        and this_month.nps is not None
        and last_month.nps is not None
        else None
    )
    queue_mail(
        to=unit.manager_email,
        subject=_l(
            "Customer feedback of %(unit)s, %(month)s",
            unit=unit.name(locale),
            month=f"{month.month}/{month.year}",
        ),
        template="feedback/emails/monthly_report",
        locale=locale,
        unit=unit,
        unit_name=unit.name(locale),
        month=month,
        nps=this_month,
        previous=last_month,
        change=change,
        statements=statement_rows(current),
        themes=[(names.get(code, code), n) for code, n in themes],
        follow_up=follow_up_figures(current, today=today or date.today()),
    )
    db.session.commit()
    return True


def queue_monthly_reports(*, month: date) -> int:
    """Enqueue every unit manager's report of ``month`` (each runs as its own task)."""
    from portal.core.tasks import enqueue_after_commit

    ids = list(
        db.session.scalars(
            select(OrgUnit.id).where(OrgUnit.manager_email.is_not(None)).order_by(OrgUnit.id)
        )
    )
    for unit_id in ids:
        enqueue_after_commit(send_unit_monthly_report, unit_id, month.isoformat())
    db.session.commit()
    return len(ids)
