"""``flask --app wsgi panels ...``: re-run a published draw from files, and the draw worker."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import click
from flask.cli import AppGroup

panels_cli = AppGroup("panels", help="Resident panels: reproducible draws and the draw worker.")


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
    from portal.panels.selection import SelectionInputError
    from portal.panels.selection_io import CsvFormatError, run_draw

    try:
        result = run_draw(people, categories, size, seed, method)  # type: ignore[arg-type]
    except (CsvFormatError, SelectionInputError) as error:
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
    click.echo(f"Seconds: {result['seconds']}")


@panels_cli.command("run-jobs")
@click.option("--once", is_flag=True, help="Run the queued draws and exit.")
@click.option("--stale-minutes", default=15, show_default=True, type=click.IntRange(min=1))
@click.option("--poll-seconds", default=2.0, show_default=True, type=float)
def run_jobs_command(once: bool, stale_minutes: int, poll_seconds: float) -> None:
    """Run queued panel draws (use with PANELS_DRAW_RUNNER=worker on several hosts).

    Running jobs that have not reported progress for STALE_MINUTES are queued again (their
    worker is assumed gone); the draw is deterministic, so running it again is safe.
    """
    from portal.panels.services import queued_job_ids, run_draw_job

    while True:
        jobs = queued_job_ids(stale_after=timedelta(minutes=stale_minutes))
        for job_id in jobs:
            status = run_draw_job(job_id)
            click.echo(f"draw job {job_id}: {status}")
        if once:
            return
        if not jobs:
            time.sleep(poll_seconds)
