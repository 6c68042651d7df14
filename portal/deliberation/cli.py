"""``flask --app wsgi deliberation ...``: analyse and import Polis exports, recompute maps."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import NoReturn

import click
from flask.cli import AppGroup

from portal.deliberation.polis_errors import ExportError, error_message

deliberation_cli = AppGroup("deliberation", help="Deliberations (Polis-like conversations).")


def _command_line_gettext() -> Callable[[str], str]:
    """The deliberation catalogue of the shell's language (``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``), or the portal's default language."""
    from babel.support import Translations

    from portal.core.i18n import DEFAULT_LOCALE, LOCALES, TRANSLATIONS_DIR

    locale = DEFAULT_LOCALE
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")[:2].lower()
        if value in LOCALES:
            locale = value
            break
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="deliberation").gettext


def _refuse_export(error: ExportError | None) -> NoReturn:
    """One translated line naming the file, row and column (when known), and exit 2."""
    gettext = _command_line_gettext()
    if error is None:
        click.echo(gettext("The file is not a readable Polis export."), err=True)
    else:
        click.echo(error_message(error, gettext), err=True)
    sys.exit(2)


# The analysis reads files and does NumPy math only: no application context, no database.
@deliberation_cli.command("analyse", with_appcontext=False)
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--seed", default=0, show_default=True, help="Seed of the clustering.")
def analyse_command(directory: str, as_json: bool, seed: int) -> None:
    """Re-analyse a Polis export folder from its votes, without the database."""
    from portal.deliberation.analysis import analyse_export

    try:
        result = analyse_export(directory, seed=seed)
    except ExportError as error:
        _refuse_export(error)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"participants clustered: {result['participants_clustered']}")
    for group in result["groups"]:
        top = ", ".join(f"{r['statement']} ({r['direction']})" for r in group["representative"][:3])
        click.echo(f"group {group['id']}: {group['size']} participants; representative: {top}")
    click.echo(f"consensus statements: {[c['statement'] for c in result['consensus']]}")
    gettext = _command_line_gettext()
    if result["polis_groups"] is not None:
        click.echo(
            gettext("Adjusted Rand index against the export's groups: %(ari)s")
            % {"ari": result["polis_groups"]["adjusted_rand_index"]}
        )
    if not result["export"]["has_vote_times"]:
        click.echo(
            gettext(
                "The export has no vote log: the current votes come from the participant "
                "matrix and there are no vote times."
            )
        )
    click.echo(f"seconds: {result['seconds']}")


@deliberation_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def import_command(directory: str) -> None:
    """Import a Polis export folder as a new, closed conversation and analyse it."""
    from portal.deliberation.exchange import import_export
    from portal.deliberation.models import MathState
    from portal.deliberation.services import DeliberationError, recompute_now
    from portal.extensions import db

    try:
        conversation = import_export(actor=None, directory=directory)
    except DeliberationError as error:
        _refuse_export(error.__cause__ if isinstance(error.__cause__, ExportError) else None)
    recompute_now(conversation.id, force=True)
    state = db.session.get(MathState, conversation.id)
    comparison = (state.summary or {}).get("comparison") if state else None
    click.echo(f"Imported conversation {conversation.id}.")
    if comparison:
        click.echo(
            f"Adjusted Rand index against the export's groups: "
            f"{comparison['adjusted_rand_index']} over {comparison['compared']} participants."
        )


@deliberation_cli.command("recompute")
@click.argument("conversation_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Every conversation with new votes.")
def recompute_command(conversation_id: int | None, every: bool) -> None:
    """Recompute the opinion map of one conversation (or of all that need it).

    The task consumer does this every minute and after votes; this is for manual runs.
    """
    from portal.deliberation.services import (
        RecomputeBusy,
        recompute_changed_conversations,
        recompute_now,
    )

    if every:
        done = recompute_changed_conversations()
        click.echo(f"Recomputed {len(done)} conversation(s).")
        return
    if conversation_id is None:
        raise click.UsageError("give a conversation id or --all")
    try:
        recompute_now(conversation_id, force=True, wait=0.0)
    except RecomputeBusy:
        click.echo("Another process is recomputing it right now.")
    else:
        click.echo(f"Recomputed conversation {conversation_id}.")
