"""``flask --app wsgi feedback ...``: NPS and text analysis of exported CSV files."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from portal.feedback.batch import FeedbackInputCode, FeedbackInputError, analyse_texts, nps_table

feedback_cli = AppGroup("feedback", help="Customer feedback: figures and text analysis.")


def _input_message(error: FeedbackInputError) -> str:
    code = error.code
    values = {"row": error.row, "column": error.column}
    messages = {
        FeedbackInputCode.NO_ROWS: _("the file has no data rows"),
        FeedbackInputCode.COLUMN_MISSING: _("column %(column)s is missing", **values),
        FeedbackInputCode.SCORE_MISSING: _("line %(row)s: the score is empty", **values),
        FeedbackInputCode.SCORE_NOT_INTEGER: _(
            "line %(row)s: the score is not a whole number", **values
        ),
        FeedbackInputCode.SCORE_OUT_OF_RANGE: _(
            "line %(row)s: the score is not between 0 and 10", **values
        ),
        FeedbackInputCode.ID_MISSING: _("line %(row)s: the id is empty", **values),
        FeedbackInputCode.ID_REPEATED: _(
            "line %(row)s: the id appears on an earlier line", **values
        ),
        FeedbackInputCode.LANGUAGE_UNSUPPORTED: _(
            "line %(row)s: the language must be fi, sv or en", **values
        ),
        FeedbackInputCode.TEXT_TOO_LONG: _(
            "line %(row)s: the text is longer than 10,000 characters", **values
        ),
    }
    return messages.get(code, str(error))


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            return list(csv.DictReader(handle, delimiter=delimiter))
    except FileNotFoundError:
        raise click.ClickException(_("The file %(path)s does not exist.", path=path)) from None
    except (UnicodeDecodeError, csv.Error):
        raise click.ClickException(_("The file is not UTF-8 encoded CSV.")) from None


def _fail(message: str) -> None:
    click.echo(_("Error: %(message)s", message=message), err=True)
    raise SystemExit(2)


def _output(result: object, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for row in result:  # type: ignore[attr-defined]
        click.echo("\t".join(f"{key}={value}" for key, value in row.items()))


@feedback_cli.command("nps")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), required=True)
@click.option("--by", "by", multiple=True, help="Grouping column (repeat for several).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def nps_command(csv_path: Path, by: tuple[str, ...], as_json: bool) -> None:
    """NPS per group of a CSV file with a ``score`` column."""
    with current_app.test_request_context():
        _nps(csv_path, by, as_json)


def _print_result(compute: Callable[[], Any], as_json: bool) -> None:
    """Print what ``compute`` returns, or fail with the reason the input was refused."""
    try:
        result = compute()
    except FeedbackInputError as error:
        _fail(_input_message(error))
    except click.ClickException as error:
        _fail(error.message)
    else:
        _output(result, as_json)


def _nps(csv_path: Path, by: tuple[str, ...], as_json: bool) -> None:
    columns = [part.strip() for value in by for part in value.split(",") if part.strip()]
    _print_result(lambda: nps_table(_read_rows(csv_path), columns), as_json)


@feedback_cli.command("analyse")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def analyse_command(csv_path: Path, as_json: bool) -> None:
    """Tone and themes of each row of an ``id,language,text`` CSV file."""
    # Messages are translated in the locale of the environment (PORTAL default: Finnish).
    with current_app.test_request_context():
        _analyse(csv_path, as_json)


def _analyse(csv_path: Path, as_json: bool) -> None:
    _print_result(lambda: analyse_texts(_read_rows(csv_path)), as_json)
