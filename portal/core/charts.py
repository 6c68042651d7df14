"""Geometry of every chart of the portal, rendered by ``templates/_charts.html``.

Pure module (standard library only). Charts are drawn on the server so they work without
JavaScript and print well. Three shapes cover the portal: horizontal bars (one or more
series per row, e.g. participants against the population), columns (a trend over time)
and ranges (an allowed range with the current value, e.g. a panel's quotas).

Lengths are percentages of a "nice" scale maximum (1, 2, 2.5 or 5 times a power of ten),
not pixels: the template draws each bar as a tiny SVG stretched to the width it gets,
while every label, value and axis text is ordinary HTML text. Text therefore stays at the
page's font size at 320 CSS px and wraps instead of being cut off or shrunk with the
drawing (a whole-chart SVG scaled to a phone made 12 px text about 5 px). The content
security policy allows no inline styles, and SVG geometry attributes are not styles.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the page shows it, already formatted for the locale
    length: float  # share of the scale, 0 to 100
    series: int = 0


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled row: its bars and, for range charts, the allowed span (0 to 100)."""

    label: str
    bars: tuple[Bar, ...]
    low: float | None = None
    high: float | None = None
    outside: bool = False  # the value lies outside the allowed range


@dataclass(frozen=True, slots=True)
class Group:
    """Rows under a heading (e.g. a feature above its categories); heading may be empty."""

    heading: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    kind: str  # "bars", "columns" or "ranges"
    groups: tuple[Group, ...]
    maximum: float  # the value at the right (or top) end of the scale
    series: int = 1
    peak: Bar | None = None  # the largest first-series value, for the text summary
    outside: int = 0  # range charts: rows whose value is outside the allowed range
    # Columns: indexes of the steps labelled under the chart on wide and narrow screens.
    wide_labels: tuple[int, ...] = ()
    narrow_labels: tuple[int, ...] = ()

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for group in self.groups for row in group.rows)

    @property
    def bars(self) -> tuple[Bar, ...]:
        return tuple(bar for row in self.rows for bar in row.bars)


def nice_maximum(values: Sequence[float], maximum: float | None = None) -> float:
    """The smallest of 1, 2, 2.5 or 5 times 10^k at or above every value (and ``maximum``)."""
    top = max([v for v in values if v > 0], default=0.0)
    if maximum is not None:
        top = max(top, maximum)
    if top < sys.float_info.min:
        # Zero, or a subnormal value whose power of ten underflows to 0.0.
        return 1.0
    power = 10 ** math.floor(math.log10(top))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * power
        if candidate >= top * (1 - 1e-9):
            return float(candidate)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _length(value: float, top: float) -> float:
    return round(min(max(value, 0.0) / top * 100, 100.0), 2)


def _peak(bars: Sequence[Bar]) -> Bar | None:
    first = [bar for bar in bars if bar.series == 0]
    return max(first, key=lambda bar: bar.value, default=None)


def _spread(n: int, most: int) -> tuple[int, ...]:
    """At most ``most`` evenly spread indexes of ``n`` steps, always the first and last."""
    if n <= 0:
        return ()
    if n <= most:
        return tuple(range(n))
    if most <= 1:
        return (0,)
    return tuple(sorted({round(k * (n - 1) / (most - 1)) for k in range(most)}))


def horizontal_bars(
    items: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
    *,
    maximum: float | None = None,
) -> Chart:
    """One row per item with one bar per series (e.g. participants and population).

    ``items`` are ``(label, values, texts)``; a None value draws no bar.
    """
    series = max((len(values) for _label, values, _texts in items), default=1)
    flat = [float(v) for _label, values, _t in items for v in values if v is not None]
    top = nice_maximum(flat, maximum)
    rows = []
    for label, values, texts in items:
        bars = tuple(
            Bar(label=label, value=float(v), text=texts[s], length=_length(float(v), top), series=s)
            for s, v in enumerate(values)
            if v is not None
        )
        rows.append(Row(label=label, bars=bars))
    chart_rows = tuple(rows)
    all_bars = [bar for row in chart_rows for bar in row.bars]
    return Chart(
        kind="bars",
        groups=(Group(heading="", rows=chart_rows),),
        maximum=top,
        series=series,
        peak=_peak(all_bars),
    )


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis steps from 0 up to at least ``top`` (about ``count`` steps of 1, 2 or 5
    times a power of ten; whole numbers when ``top`` is at least ``count``)."""
    if top <= 0 or count < 1:
        return [0.0]
    raw = top / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw - 1e-12)
    if top >= count:
        step = max(step, 1.0)
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def columns(
    items: Sequence[tuple[str, float | None, str]],
    *,
    maximum: float | None = None,
    wide_labels: int = 8,
    narrow_labels: int = 2,
) -> Chart:
    """One column per step of a trend (``(label, value, text)``).

    Only some steps are labelled under the chart, evenly spread and always the first and
    the last: up to ``wide_labels`` on wide screens and ``narrow_labels`` on phones.
    """
    values = [float(v) for _label, v, _t in items if v is not None]
    top = nice_maximum(values, maximum)
    rows = tuple(
        Row(
            label=label,
            bars=(
                Bar(
                    label=label,
                    value=0.0 if value is None else float(value),
                    text=text,
                    length=0.0 if value is None else _length(float(value), top),
                ),
            ),
        )
        for label, value, text in items
    )
    bars = [row.bars[0] for row in rows]
    peak = _peak(bars)
    return Chart(
        kind="columns",
        groups=(Group(heading="", rows=rows),),
        maximum=top,
        peak=peak if peak is not None and peak.value > 0 else None,
        wide_labels=_spread(len(rows), wide_labels),
        narrow_labels=_spread(len(rows), narrow_labels),
    )


def range_bars(
    groups: Sequence[tuple[str, Sequence[tuple[str, float, float, float, str]]]],
    *,
    maximum: float | None = None,
) -> Chart:
    """Rows grouped under headings; each row shows a range and a value inside or beside it.

    ``groups`` are ``(heading, rows)`` with rows ``(label, minimum, maximum, value, text)``.
    """
    ends = [
        float(max(high, value)) for _heading, rows in groups for _l, _low, high, value, _t in rows
    ]
    top = nice_maximum(ends, maximum)
    chart_groups = []
    outside = 0
    for heading, rows in groups:
        chart_rows = []
        for label, low, high, value, text in rows:
            is_outside = not (low <= value <= high)
            outside += is_outside
            chart_rows.append(
                Row(
                    label=label,
                    bars=(
                        Bar(label=label, value=float(value), text=text, length=_length(value, top)),
                    ),
                    low=_length(low, top),
                    high=_length(high, top),
                    outside=is_outside,
                )
            )
        chart_groups.append(Group(heading=heading, rows=tuple(chart_rows)))
    chart = Chart(kind="ranges", groups=tuple(chart_groups), maximum=top, outside=outside)
    return chart
