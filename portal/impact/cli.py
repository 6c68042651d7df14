"""Commands for cron: the monthly impact report and the response reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

impact_cli = AppGroup("impact", help="Impact reports and response reminders.")


def _previous_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def _parse_month(value: str | None) -> date:
    if not value:
        return _previous_month(datetime.now(UTC).date())
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
    from portal.impact.services import send_response_reminders

    count = send_response_reminders(
        now=datetime.now(UTC),
        overdue_after_days=current_app.config["PORTAL"].impact_response_days,
    )
    click.echo(f"Reminded about {count} outputs.")
