"""The feedback domain's scheduled work."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.core.times import previous_month
from portal.feedback.services import (
    analyse_pending,
    queue_monthly_reports,
    send_follow_up_reminders,
    send_surveys_for_ended_activities,
)


def remind_about_follow_ups() -> dict[str, int]:
    """Reminders before and after the 7-day due date, escalation when overdue."""
    return send_follow_up_reminders(now=datetime.now(UTC))


def queue_last_months_reports() -> int:
    """Each unit manager's report of the previous month, one task per unit."""
    return queue_monthly_reports(month=previous_month(datetime.now(UTC).date()))


def analyse_new_answers() -> int:
    """Tone and theme suggestions for answers that arrived since the last run."""
    return analyse_pending()


def survey_participants_of_ended_activities() -> int:
    """Participation-experience surveys for activities that ended recently."""
    return send_surveys_for_ended_activities(today=datetime.now(UTC).date())
