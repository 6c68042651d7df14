"""``flask --app wsgi deliberation ...``: analyse and import Polis exports, recompute maps."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

deliberation_cli = AppGroup("deliberation", help="Deliberations (Polis-like conversations).")


@deliberation_cli.command("analyse")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--seed", default=0, show_default=True, help="Seed of the clustering.")
def analyse_command(directory: str, as_json: bool, seed: int) -> None:
    """Re-analyse a Polis export folder from its votes, without the database."""
    from portal.deliberation.analysis import analyse_export

    result = analyse_export(directory, seed=seed)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"participants clustered: {result['participants_clustered']}")
    for group in result["groups"]:
        top = ", ".join(f"{r['statement']} ({r['direction']})" for r in group["representative"][:3])
        click.echo(f"group {group['id']}: {group['size']} participants; representative: {top}")
    click.echo(f"consensus statements: {[c['statement'] for c in result['consensus']]}")
    click.echo(f"seconds: {result['seconds']}")


@deliberation_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def import_command(directory: str) -> None:
    """Import a Polis export folder as a new, closed conversation and analyse it."""
    from portal.deliberation.exchange import import_export
    from portal.deliberation.models import MathState
    from portal.deliberation.results import recompute_conversation
    from portal.deliberation.services import DeliberationError
    from portal.extensions import db

    try:
        conversation = import_export(actor=None, directory=directory)
    except DeliberationError as error:
        raise click.ClickException(f"cannot import: {error.code}") from error
    recompute_conversation(conversation_id=conversation.id, owner="cli", force=True)
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
    """Recompute the opinion map of one conversation (or of all that need it, for cron)."""
    from portal.deliberation.results import recompute_conversation, recompute_due

    if every:
        done = recompute_due()
        click.echo(f"Recomputed {len(done)} conversation(s).")
        return
    if conversation_id is None:
        raise click.UsageError("give a conversation id or --all")
    if recompute_conversation(conversation_id=conversation_id, owner="cli", force=True):
        click.echo(f"Recomputed conversation {conversation_id}.")
    else:
        click.echo("Another process is recomputing it right now.")
