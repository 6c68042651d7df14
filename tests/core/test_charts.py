"""Geometry of the report charts (portal.core.charts), checked against its own definition."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from portal.core.charts import columns, horizontal_bars, nice_maximum, range_bars

NICE_STEPS = (1, 2, 2.5, 5)


@given(st.lists(st.floats(min_value=0.001, max_value=1e7), min_size=1, max_size=20))
def test_nice_maximum_is_the_smallest_nice_value_at_or_above_every_value(values) -> None:
    top = nice_maximum(values)
    assert top >= max(values) * (1 - 1e-9)
    power = 10 ** math.floor(math.log10(top))
    assert any(math.isclose(top, step * power) for step in (*NICE_STEPS, 10))
    # no smaller nice value would do
    smaller = [s * p for p in (power / 10, power) for s in NICE_STEPS if s * p < top * (1 - 1e-9)]
    assert all(candidate < max(values) * (1 - 1e-9) for candidate in smaller)


def test_nice_maximum_of_nothing_is_one() -> None:
    assert nice_maximum([]) == 1.0
    assert nice_maximum([0, 0]) == 1.0
    assert nice_maximum([0.2], maximum=1.0) == 1.0


@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=8),
            st.floats(min_value=0, max_value=1000),
            st.one_of(st.none(), st.floats(min_value=0, max_value=1000)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_horizontal_bars_are_shares_of_the_scale(rows) -> None:
    items = [(label, [a, b], [str(a), str(b)]) for label, a, b in rows]
    chart = horizontal_bars(items)
    values = [v for _l, a, b in rows for v in (a, b) if v is not None]
    assert chart.maximum == nice_maximum(values)
    assert len(chart.rows) == len(rows)
    for (_label, a, b), row in zip(rows, chart.rows, strict=True):
        expected = [(0, a)] + ([(1, b)] if b is not None else [])
        assert [(bar.series, bar.value) for bar in row.bars] == expected
        for bar in row.bars:
            assert math.isclose(bar.length, round(bar.value / chart.maximum * 100, 2))
            assert 0 <= bar.length <= 100
    largest = max(a for _l, a, _b in rows)
    assert chart.peak is not None and chart.peak.value == largest


def test_columns_label_the_first_and_last_step_and_at_most_a_few_between() -> None:
    items = [(f"2025-{m:02d}", float(m), str(m)) for m in range(1, 25)]
    chart = columns(items, wide_labels=8, narrow_labels=2)
    assert chart.wide_labels[0] == 0 and chart.wide_labels[-1] == 23
    assert len(chart.wide_labels) <= 8
    assert chart.narrow_labels == (0, 23)
    assert set(chart.narrow_labels) <= set(chart.wide_labels)
    assert chart.maximum == 25  # 24 rounds up to 2.5 times 10
    assert chart.peak is not None and chart.peak.label == "2025-24"
    assert [bar.length for bar in chart.bars] == [round(m / 25 * 100, 2) for m in range(1, 25)]


def test_columns_of_nothing_or_zeros_draw_no_height_and_no_peak() -> None:
    assert columns([]).bars == ()
    chart = columns([("2025-01", 0, "0"), ("2025-02", None, "–")], maximum=1.0)
    assert [b.length for b in chart.bars] == [0.0, 0.0]
    assert chart.peak is None


def test_range_bars_put_each_range_and_value_on_one_scale() -> None:
    chart = range_bars(
        [("Gender", [("Women", 4, 6, 5, "5"), ("Men", 3, 5, 6, "6")])],
        maximum=10,
    )
    assert chart.maximum == 10
    assert [g.heading for g in chart.groups] == ["Gender"]
    women, men = chart.rows
    assert (women.low, women.high) == (40.0, 60.0)
    assert (men.low, men.high) == (30.0, 50.0)
    assert [bar.length for bar in chart.bars] == [50.0, 60.0]
    assert (women.outside, men.outside) == (False, True)
    assert chart.outside == 1


def test_range_bars_scale_to_the_largest_end_without_a_maximum() -> None:
    chart = range_bars([("Age", [("18-29", 0, 8, 2, "2")])])
    assert chart.maximum == 10  # 8 rounds up to 10
    assert chart.rows[0].high == 80.0


def test_a_subnormal_value_draws_like_a_tiny_one() -> None:
    # 10 ** floor(log10(5e-324)) underflows to 0.0; the scale must still be positive.
    chart = horizontal_bars([("a", (5e-324,), ("0",))])
    assert chart.rows[0].bars[0].length == 0.0
