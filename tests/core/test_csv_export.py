"""CSV exports: every cell neutralised, the column-wise fast path equal to cell by cell."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.csv_export import FORMULA_PREFIXES, csv_text, neutralise

# Text that often starts like a formula, numbers that are negative, and other cell types.
_text = st.one_of(
    st.text(max_size=8),
    st.builds(lambda p, s: p + s, st.sampled_from(FORMULA_PREFIXES), st.text(max_size=6)),
    st.sampled_from(["-5", "+358 40 1", "-1,5", "=1+1", ""]),
)
_cell = st.one_of(
    st.none(),
    _text,
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False),
)


def _cell_by_cell(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    width=st.integers(1, 5),
    data=st.data(),
)
def test_csv_text_equals_neutralising_every_cell(width: int, data: Any) -> None:
    # Columns of one type each (as from a database) and columns of mixed types.
    column_kinds = data.draw(
        st.lists(st.sampled_from(["text", "int", "mixed"]), min_size=width, max_size=width)
    )
    kinds = {
        "text": st.one_of(st.none(), _text),
        "int": st.one_of(st.none(), st.integers()),
        "mixed": _cell,
    }
    rows = data.draw(st.lists(st.tuples(*(kinds[kind] for kind in column_kinds)), max_size=20))
    header = [f"column_{index}" for index in range(width)]
    assert csv_text(header, rows) == _cell_by_cell(header, [list(row) for row in rows])


@given(rows=st.lists(st.lists(_cell, max_size=4), max_size=10))
def test_rows_of_different_lengths_are_neutralised_too(rows: list[list[Any]]) -> None:
    assert csv_text(["a"], rows) == _cell_by_cell(["a"], rows)


def test_no_written_cell_starts_like_a_formula() -> None:
    rows = [(prefix + "cmd", Decimal("-1.5"), -3) for prefix in FORMULA_PREFIXES]
    parsed = list(csv.reader(io.StringIO(csv_text(["a", "b", "c"], rows)), delimiter=";"))
    assert all(row[0].startswith("'") for row in parsed[1:])
    assert {row[1] for row in parsed[1:]} == {"-1.5"} and {row[2] for row in parsed[1:]} == {"-3"}
