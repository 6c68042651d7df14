"""The impact domain's scheduled work: monthly reports and response reminders."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from huey import crontab

from portal.core.tasks import Periodic
from portal.core.times import previous_month
from portal.impact.services import send_monthly_reports, send_response_reminders


def send_last_months_reports() -> int:
    """Each unit manager's report of the previous month; a month already sent is skipped."""
    return send_monthly_reports(
        month=previous_month(datetime.now(UTC).date()),
        overdue_after_days=current_app.config["PORTAL"].impact_response_days,
    )


def remind_about_waiting_outputs() -> int:
    """Remind about outputs waiting for a response longer than the set number of days."""
    return send_response_reminders(
        now=datetime.now(UTC), overdue_after_days=current_app.config["PORTAL"].impact_response_days
    )


PERIODIC_TASKS = (
    Periodic(
        "impact.monthly_reports", crontab(day="1", hour="5", minute="0"), send_last_months_reports
    ),
    Periodic(
        "impact.response_reminders", crontab(hour="6", minute="10"), remind_about_waiting_outputs
    ),
)
