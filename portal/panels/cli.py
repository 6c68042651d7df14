"""``flask --app wsgi panels ...``: re-run a published draw from its files.

Draws started in the portal run on the task queue (``flask --app wsgi worker``).
"""

from __future__ import annotations

import json
import logging

import click
from flask.cli import AppGroup


class _BadInput(click.ClickException):
    """Malformed files or data: one message line and exit status 2, like a usage error."""

    exit_code = 2


panels_cli = AppGroup("panels", help="Resident panels: reproducible draws.")


@panels_cli.command("draw")
@click.option("--people", "people", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--categories", "categories", required=True, type=click.Path(exists=True, dir_okay=False)
)
@click.option("--size", required=True, type=click.IntRange(min=1))
@click.option("--seed", required=True)
@click.option("--method", type=click.Choice(["leximin", "legacy"]), default="leximin")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def draw_command(
    people: str, categories: str, size: int, seed: str, method: str, as_json: bool
) -> None:
    """Draw a panel from PEOPLE.csv and CATEGORIES.csv, reproducibly from SEED."""
    from portal.panels.selection import SelectionInputError, SelectionSolverError
    from portal.panels.selection_io import CsvFormatError, run_draw

    try:
        result = run_draw(people, categories, size, seed, method)  # type: ignore[arg-type]
    except (CsvFormatError, SelectionInputError) as error:
        raise _BadInput(str(error)) from error
    except SelectionSolverError as error:
        logging.getLogger(__name__).warning("panel draw solver failure: %s", error.diagnostic)
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    if not result["feasible"]:
        click.echo("No panel meets the quotas:")
        for line in result["explanation"]:
            click.echo(f"  {line}")
        raise SystemExit(1)
    click.echo(f"Panel ({len(result['panel'])}): {', '.join(result['panel'])}")
    click.echo(f"Smallest selection probability: {result['min_probability']:.6f}")
    if result["note"]:
        click.echo(f"Note: {result['note']} (the solver stopped early; the lottery is valid)")
    click.echo(f"Seconds: {result['seconds']}")
