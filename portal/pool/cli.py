"""``flask --app wsgi pool ...``: retention and reminders by hand.

The worker runs both daily as periodic tasks (see ``portal.pool.plugin``); these commands
run the same services at once, for example after changing the retention settings.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

pool_cli = AppGroup("pool", help="Resident pool: retention and invitation reminders.")


@pool_cli.command("retention")
@click.option("--inactive-days", type=int, default=None, help="Ask members inactive this long.")
@click.option("--removal-days", type=int, default=None, help="Remove after this many days.")
def retention_command(inactive_days: int | None, removal_days: int | None) -> None:
    """Ask inactive members whether they want to stay; remove those who did not answer."""
    from portal.pool.services import run_retention

    result = run_retention(inactive_days=inactive_days, removal_days=removal_days)
    click.echo(
        f"asked {result.asked}, removed {result.removed}, "
        f"to contact by phone or letter {result.manual}, expired joins {result.expired_joins}"
    )


@pool_cli.command("remind")
@click.option("--after-days", type=int, default=7, show_default=True)
def remind_command(after_days: int) -> None:
    """Remind invited members who have not answered after AFTER_DAYS days (once)."""
    from portal.pool.services import send_due_reminders

    click.echo(f"reminders sent: {send_due_reminders(after_days=after_days)}")
