"""Rules for text that comes from outside (forms, uploaded CSV files): pure standard library.

PostgreSQL refuses NUL in text, and other control characters only hide text or come from
files that are not text at all, so they are refused everywhere with a clear message. Tab
and line breaks are fine in multi-line text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

# C1 controls (U+0080-U+009F) are what mis-decoded text and binary files turn into.
SINGLE_LINE_CONTROLS = re.compile("[\\x00-\\x1f\\x7f-\\x9f]")
MULTI_LINE_CONTROLS = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")
# Spreadsheet exports are UTF-8 (with or without a byte order mark) or Windows-1252.
UPLOAD_ENCODINGS = ("utf-8-sig", "cp1252")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds characters no field may store (see the module docstring)."""
    pattern = MULTI_LINE_CONTROLS if multiline else SINGLE_LINE_CONTROLS
    return pattern.search(text) is not None


def decode_upload(content: bytes) -> str | None:
    """The text of an uploaded file, or ``None`` when it is in no encoding people use.

    Binary files (images, spreadsheets in their own format) end up here as ``None``, or as
    text full of control characters that the per-row checks then report.
    """
    for encoding in UPLOAD_ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def csv_text_stream(text: str) -> io.StringIO:
    """A stream the ``csv`` module splits at any line ending, old Mac ``\\r`` included."""
    return io.StringIO(text, newline="")


def read_rows(reader: Any) -> Iterator[tuple[int, Any]]:
    """``(line, row)`` for each row of a ``csv`` reader; ``row`` is ``None`` when unreadable.

    The ``csv`` module raises on a field over its size limit (131,072 characters) or a stray
    quote at the end; the reader goes on with the next line, so every row gets reported.
    """
    while True:
        first_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield first_line, None
            continue
        yield reader.line_num, row


def fields_with_control_characters(
    values: Iterable[tuple[str, str]], *, multiline: Iterable[str] = ()
) -> list[str]:
    """Names of the ``(name, value)`` pairs whose value has refused control characters."""
    allow_breaks = set(multiline)
    return [
        name
        for name, value in values
        if isinstance(value, str) and has_control_characters(value, multiline=name in allow_breaks)
    ]
