"""``flask --app wsgi fees ...``: create claims from participations now.

The worker also runs the same service on the first day of every month (see ``plugin``).
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

fees_cli = AppGroup("fees", help="Fee claims and payment batches.")


@fees_cli.command("generate-claims")
@click.option("--month", help="Only this month, as YYYY-MM (default: every month).")
def generate_claims_command(month: str | None) -> None:
    """Create draft claims for attended meetings and assignments not yet claimed."""
    from portal.fees.services import generate_claims

    first_day = None
    if month:
        try:
            year, number = (int(part) for part in month.split("-"))
            first_day = date(year, number, 1)
        except ValueError:
            raise click.BadParameter("use YYYY-MM", param_hint="--month") from None
    result = generate_claims(actor=None, month=first_day)
    click.echo(
        f"{result.claims_created} claims created, {result.items_added} items added, "
        f"{len(result.skipped_dates)} skipped for lack of a fee schedule."
    )
