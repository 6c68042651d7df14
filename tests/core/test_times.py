"""Shared date helpers."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from portal.core.times import previous_month


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_previous_month_is_the_first_day_of_the_month_before(today: date) -> None:
    start = previous_month(today)
    # Independently: step back from the first of this month by one day, then to its first.
    expected = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert start == expected
    assert start.day == 1 and start < today.replace(day=1)
