"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.config import PROJECT_ROOT
from portal.core.tasks_cli import register_task_cli

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")
translations_cli = AppGroup("translations", help="Message catalogues (fi, sv, en).")


def alembic_config(url: str | None = None, connection: Any = None) -> AlembicConfig:
    """Alembic settings for ``url`` (default: the running application's database)."""
    # Alembic loads lazily: every command would pay for its import at start.
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option(
        "sqlalchemy.url",
        (url or current_app.config["PORTAL"].database_url).replace("%", "%%"),
    )
    cfg.attributes["configure_logging"] = False
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the schema up to REVISION (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    click.echo(f"Database upgraded to {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Generate a new revision from the difference between models and database."""
    from alembic import command

    command.revision(alembic_config(), message=message, autogenerate=True)


@db_cli.command("current")
def db_current() -> None:
    from alembic import command

    command.current(alembic_config())


@translations_cli.command("update")
def translations_update() -> None:
    """Extract messages from the sources and merge them into every catalogue."""
    from portal.core.i18n import update_catalogues

    for path in update_catalogues():
        click.echo(f"updated {path.relative_to(PROJECT_ROOT)}")


@translations_cli.command("compile")
def translations_compile() -> None:
    """Compile the catalogues the application reads."""
    from portal.core.i18n import compile_catalogues

    for path in compile_catalogues():
        click.echo(f"compiled {path.relative_to(PROJECT_ROOT)}")


@translations_cli.command("check")
def translations_check() -> None:
    """Fail when a catalogue is stale or Finnish/Swedish messages are missing or fuzzy."""
    from portal.core.i18n import catalogue_problems

    problems = catalogue_problems()
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    click.echo("Catalogues are complete.")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create realistic demo data; prints the demo sign-ins once."""
    from portal.core.demo import seed_demo

    for line in seed_demo():
        click.echo(line)


def register_cli(app: Flask) -> None:
    """Commands of the portal itself; each domain adds its own through its ``Domain``."""
    app.cli.add_command(db_cli)
    app.cli.add_command(translations_cli)
    app.cli.add_command(seed_demo_command)
    register_task_cli(app)
