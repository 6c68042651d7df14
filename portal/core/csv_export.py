"""One way to write CSV files that people open in spreadsheets.

Every export goes through :func:`csv_text` (or :func:`csv_response`), which neutralises cells
that spreadsheet programs would run as formulas (CSV injection: ``=HYPERLINK(...)`` in a name
becomes a live link that leaks the neighbouring cells).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from flask import Response

# Cells starting with these are formulas (or become one) in Excel, LibreOffice and Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_CHARS = frozenset(FORMULA_PREFIXES)
# Cells of these types are written as they are: the csv module writes None as an empty
# cell, and an integer is a number even when negative.
_PLAIN_TYPES = frozenset({int, type(None)})
_TEXT_TYPES = frozenset({str, type(None)})
_first_character = itemgetter(0)


def neutralise(value: Any) -> Any:
    """``value`` safe to put in a spreadsheet cell; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float) or not isinstance(value, str):
        text = str(value)
        # Negative numbers are data, not formulas.
        return value if _is_number(text) else neutralise(text)
    return "'" + value if value.startswith(FORMULA_PREFIXES) and not _is_number(value) else value


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def csv_text(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ";",
    lineterminator: str = "\r\n",
) -> str:
    """The rows as CSV text with a header line; every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows(_neutralised_rows(rows))
    return buffer.getvalue()


def _neutralised_rows(rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """``rows`` with every cell neutralised, touching only the cells that need it.

    Exports run to tens of thousands of rows, and a Python call per cell would dominate
    the time. Each column is checked whole with C-level passes instead: a column of
    integers and empty cells is safe as it is, and a text column needs work only where a
    cell starts with a formula character (rare in real data); only those cells, and the
    cells of columns of other types, go through :func:`neutralise`. The result is the same
    as calling :func:`neutralise` on every cell.
    """
    rows = list(rows)
    if not rows:
        return rows
    if len(set(map(len, rows))) != 1:
        # Rows of different lengths cannot be checked column by column.
        return [[neutralise(cell) for cell in row] for row in rows]
    every_row: list[int] = []  # columns of other types: neutralised in every row
    hits: dict[int, list[int]] = {}  # row index -> text columns that start like a formula
    for index in range(len(rows[0])):
        column = list(map(itemgetter(index), rows))
        kinds = set(map(type, column))
        if kinds <= _PLAIN_TYPES:
            continue
        if not kinds <= _TEXT_TYPES:
            every_row.append(index)
            continue
        if set(map(_first_character, filter(None, column))).isdisjoint(_FORMULA_CHARS):
            continue
        for row_index, cell in enumerate(column):
            if cell and cell[0] in _FORMULA_CHARS:
                hits.setdefault(row_index, []).append(index)
    for row_index in range(len(rows)) if every_row else list(hits):
        cells = list(rows[row_index])
        for index in (*every_row, *hits.get(row_index, ())):
            cells[index] = neutralise(cells[index])
        rows[row_index] = cells
    return rows


def csv_response(text: str, filename: str) -> Response:
    """A download of CSV ``text`` made with :func:`csv_text`.

    A BOM lets spreadsheet programs open the file as UTF-8.
    """
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
