"""Errors of a Polis export that cannot be read, and their translated messages.

Kept apart from :mod:`portal.deliberation.polis_io` so the reader stays free of any
translation machinery: the caller passes its own ``gettext``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ExportError(ValueError):
    """A Polis export that cannot be read.

    ``code`` names the problem for a translated message; ``file``, ``row`` (1-based, the
    header is row 1, as a spreadsheet shows it), ``column`` and ``value`` say where.
    """

    def __init__(
        self,
        code: str,
        *,
        file: str,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        self.code = code
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        detail = f" ({value!r})" if value is not None else ""
        super().__init__(f"{where}: {code.replace('_', ' ')}{detail}")

    @property
    def params(self) -> dict[str, Any]:
        """Values for the message template: file, row, column and value."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": (self.value or "")[:40],
        }


def error_message(error: ExportError, gettext: Callable[[str], str]) -> str:
    """One translated line describing ``error``; ``gettext`` is the caller's translation
    function (Flask-Babel's in a request, a catalogue's own in the command line)."""
    problems = {
        "missing_directory": gettext("the folder does not exist"),
        "missing_file": gettext("the file is missing"),
        "unreadable_file": gettext("the file cannot be opened"),
        "not_utf8": gettext("the text is not UTF-8"),
        "not_csv": gettext("the file is not valid CSV"),
        "empty_file": gettext("the file is empty"),
        "duplicate_column": gettext("the column appears twice"),
        "missing_column": gettext("a required column is missing"),
        "unknown_column": gettext("the column is neither a known column nor a comment id"),
        "not_an_integer": gettext("“%(value)s” is not a whole number"),
        "not_a_boolean": gettext("“%(value)s” is not true or false"),
        "bad_vote": gettext("“%(value)s” is not a vote (1, 0 or -1)"),
        "duplicate_comment": gettext("comment %(value)s appears twice"),
    }
    params = error.params
    if error.row is not None and error.column is not None:
        where = gettext("%(file)s, row %(row)s, column %(column)s") % params
    elif error.row is not None:
        where = gettext("%(file)s, row %(row)s") % params
    elif error.column is not None:
        where = gettext("%(file)s, column %(column)s") % params
    else:
        where = error.file
    problem = problems.get(error.code, error.code) % params
    return gettext("Cannot read the Polis export: %(where)s: %(problem)s.") % {
        "where": where,
        "problem": problem,
    }
