"""Manual runs of the monthly impact report and the response reminders.

Both also run on the task queue's schedule (``portal.impact.periodic``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from portal.core.times import previous_month
from portal.impact.periodic import remind_about_waiting_outputs

impact_cli = AppGroup("impact", help="Impact reports and response reminders.")


def _parse_month(value: str | None) -> date:
    if not value:
        return previous_month(datetime.now(UTC).date())
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except ValueError as error:
        raise click.BadParameter("use the form YYYY-MM, e.g. 2026-10") from error
    return date(parsed.year, parsed.month, 1)


@impact_cli.command("monthly-report")
@click.option("--month", help="The month to report, YYYY-MM (default: the previous month).")
def monthly_report_command(month: str | None) -> None:
    """E-mail each unit manager the month's participation and open responses (once a month)."""
    from portal.impact.services import send_monthly_reports

    chosen = _parse_month(month)
    sent = send_monthly_reports(
        month=chosen, overdue_after_days=current_app.config["PORTAL"].impact_response_days
    )
    click.echo(f"Monthly reports for {chosen:%Y-%m}: {sent} sent.")


@impact_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Remind about outputs that have waited for a response longer than the set number of days."""
    count = remind_about_waiting_outputs()
    click.echo(f"Reminded about {count} outputs.")
