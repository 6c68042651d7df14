"""Geometry of the report charts (portal.impact.charts)."""

from __future__ import annotations

from portal.impact.charts import columns, horizontal_bars


def test_columns_scale_to_the_largest_value_and_thin_out_labels() -> None:
    items = [(f"2025-{m:02d}", float(m), str(m)) for m in range(1, 25)]
    chart = columns(items, width=680, height=220, label_height=40)
    tallest = chart.bars[-1]
    assert tallest.height == 180 - 16 and tallest.y == 16  # plot height 180, headroom 16
    assert chart.bars[11].height == round(12 / 24 * 164, 1)
    assert chart.show_label_every == 2  # 24 steps, at most about twelve labels
    # every column stays inside the drawing, the first one clear of the left edge
    assert chart.bars[0].x >= 28
    assert all(b.x + b.width <= 680 - 28 + 0.1 for b in chart.bars)


def test_columns_of_nothing_or_zeros_draw_no_height() -> None:
    assert columns([]).bars == ()
    chart = columns([("2025-01", 0, "0"), ("2025-02", None, "–")], maximum=1.0)
    assert [b.height for b in chart.bars] == [0.0, 0.0]


def test_horizontal_bars_with_two_series_and_a_missing_value() -> None:
    chart = horizontal_bars(
        [("15-24", [0.5, 0.25], ["50 %", "25 %"]), ("25-34", [None, 0.75], ["–", "75 %"])],
        width=600,
        label_width=200,
        bar_height=10,
        gap=10,
    )
    plot = 600 - 200 - 70
    widths = [(b.label, b.series, b.width) for b in chart.bars]
    assert widths == [
        ("15-24", 0, round(0.5 / 0.75 * plot, 1)),
        ("15-24", 1, round(0.25 / 0.75 * plot, 1)),
        ("25-34", 1, float(plot)),
    ]
    assert chart.height == 2 * (2 * 10 + 10)
