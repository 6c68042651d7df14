"""``flask --app wsgi initiatives end-collections`` and ``... remind``.

The task queue runs the same work daily (see ``plugin.py``); the commands stay for running
it by hand.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.initiatives import services

initiatives_cli = AppGroup("initiatives", help="Resident initiatives: collections and deadlines.")


@initiatives_cli.command("end-collections")
def end_collections_command() -> None:
    """Submit initiatives whose collection time has ended (run daily)."""
    ended, purged = services.run_daily_collection_end()
    click.echo(f"{ended} initiative(s) submitted; {purged} unconfirmed support(s) purged.")


@initiatives_cli.command("remind")
def remind_command() -> None:
    """Email due-date reminders to coordinators; safe to run many times a day."""
    sent = services.send_reminders()
    click.echo(f"{sent} reminder(s) sent.")
