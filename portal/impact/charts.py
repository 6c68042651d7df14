"""Geometry of the report charts, rendered as SVG by ``templates/impact/_charts.html``.

Pure module (standard library only). Charts are drawn on the server so they work without
JavaScript and print well; each chart in a page also has a data table and a sentence
that says what it shows, so no one depends on seeing the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the page shows it, already formatted for the locale
    x: float
    y: float
    width: float
    height: float
    series: int = 0


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    label_width: int = 0
    plot_height: int = 0
    show_label_every: int = 1


def _scale(values: Sequence[float], maximum: float | None) -> float:
    top = max([v for v in values if v > 0], default=0.0)
    if maximum is not None:
        top = max(top, maximum)
    return top or 1.0


def horizontal_bars(
    items: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
    *,
    width: int = 680,
    label_width: int = 250,
    bar_height: int = 18,
    gap: int = 12,
    maximum: float | None = None,
) -> Chart:
    """One row per item with one bar per series (e.g. participants and population).

    ``items`` are ``(label, values, texts)``; a None value draws no bar. The value
    text is drawn after each bar, so the space for it is kept on the right.
    """
    series = max((len(values) for _label, values, _texts in items), default=1)
    flat = [float(v) for _label, values, _t in items for v in values if v is not None]
    top = _scale(flat, maximum)
    plot_width = width - label_width - 70
    row_height = series * bar_height + gap
    bars = []
    for row, (label, values, texts) in enumerate(items):
        for s, value in enumerate(values):
            if value is None:
                continue
            length = max(float(value), 0.0) / top * plot_width
            bars.append(
                Bar(
                    label=label,
                    value=float(value),
                    text=texts[s],
                    x=label_width,
                    y=gap / 2 + row * row_height + s * bar_height,
                    width=round(length, 1),
                    height=bar_height - 2,
                    series=s,
                )
            )
    return Chart(
        width=width,
        height=max(len(items) * row_height, row_height),
        bars=tuple(bars),
        label_width=label_width,
    )


def columns(
    items: Sequence[tuple[str, float | None, str]],
    *,
    width: int = 640,
    height: int = 220,
    label_height: int = 40,
    maximum: float | None = None,
) -> Chart:
    """One column per step of a trend (``(label, value, text)``); labels are thinned out."""
    n = max(len(items), 1)
    plot_height = height - label_height
    values = [float(v) for _label, v, _t in items if v is not None]
    top = _scale(values, maximum)
    # Room at both ends so the first and last labels, centred under their column, fit.
    margin = 28
    slot = (width - 2 * margin) / n
    column_width = max(slot * 0.7, 1.0)
    bars = []
    for i, (label, value, text) in enumerate(items):
        size = 0.0 if value is None else max(float(value), 0.0) / top * (plot_height - 16)
        bars.append(
            Bar(
                label=label,
                value=0.0 if value is None else float(value),
                text=text,
                x=round(margin + i * slot + (slot - column_width) / 2, 1),
                y=round(plot_height - size, 1),
                width=round(column_width, 1),
                height=round(size, 1),
            )
        )
    # Keep labels readable: about twelve at most, whatever the number of steps.
    every = max(1, -(-n // 12))
    return Chart(
        width=width,
        height=height,
        bars=tuple(bars),
        plot_height=plot_height,
        show_label_every=every,
    )
