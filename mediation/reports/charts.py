"""Chart geometry for inline SVG, computed on the server: the printouts need no JavaScript.

The templates in templates/reports/_charts.html draw what these functions lay out. Colours
are greys that survive a black-and-white office printer; values are printed on the bars.
"""
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int | float
    fill: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    legend: list[tuple[float, str, str]]  # (x, fill, name)
    plot_left: float
    plot_right: float
    baseline: float


FILLS = ("#333333", "#bbbbbb", "#777777")


def nice_max(value: float) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 × 10ⁿ), at least 1."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)  # pragma: no cover


def grouped_bars(groups: list[str], series: list[tuple[str, list[int]]], width: int = 680,
                 height: int = 170) -> Chart:
    """Vertical bars, one group per label (e.g. per week), one bar per series in each group."""
    left, right, top, bottom = 34.0, width - 8.0, 26.0, height - 22.0
    top_value = nice_max(max([v for _, values in series for v in values] or [0]))
    slot = (right - left) / max(len(groups), 1)
    bar_width = slot * 0.7 / max(len(series), 1)
    bars, labels = [], []
    for g, name in enumerate(groups):
        x0 = left + g * slot + slot * 0.15
        for s, (_, values) in enumerate(series):
            value = values[g]
            h = (bottom - top) * value / top_value
            bars.append(Bar(x0 + s * bar_width, bottom - h, bar_width - 1, h, value, FILLS[s % len(FILLS)]))
        labels.append(Label(left + g * slot + slot / 2, height - 6, name))
    ticks = [Tick(bottom - (bottom - top) * f, int(top_value * f)) for f in (0, 0.5, 1)
             if f == 0 or int(top_value * f) == top_value * f]
    legend = [(left + i * 120.0, FILLS[i % len(FILLS)], name) for i, (name, _) in enumerate(series)]
    return Chart(width, height, bars, ticks, labels, legend, left, right, bottom)


def horizontal_bars(items: list[tuple[str, int | float]], width: int = 680, row: int = 18,
                    label_width: int = 150) -> Chart:
    """One horizontal bar per (label, value), labels on the left, values at the bar's end."""
    left, right = float(label_width), width - 60.0
    height = row * len(items) + 8
    top_value = nice_max(max([v for _, v in items] or [0]))
    bars, labels = [], []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        w = (right - left) * float(value) / top_value
        bars.append(Bar(left, y + 2, w, row - 5, value, FILLS[0]))
        labels.append(Label(left - 6, y + row - 5, name))
    return Chart(width, height, bars, [], labels, [], left, right, float(height))
