"""Daily commands: ``flask --app wsgi initiatives end-collections`` and ``... remind``."""

from __future__ import annotations

import click
from flask import Blueprint

from portal.initiatives import services


def register_commands(blueprint: Blueprint) -> None:
    """Add the commands to the blueprint's command group (named after the blueprint)."""

    @blueprint.cli.command("end-collections")
    def end_collections_command() -> None:
        """Submit initiatives whose collection time has ended (run daily)."""
        ended = services.end_expired_collections()
        purged = services.purge_unconfirmed_supports()
        click.echo(f"{len(ended)} initiative(s) submitted; {purged} unconfirmed support(s) purged.")

    @blueprint.cli.command("remind")
    def remind_command() -> None:
        """Email due-date reminders to coordinators; safe to run many times a day."""
        sent = services.send_reminders()
        click.echo(f"{sent} reminder(s) sent.")
