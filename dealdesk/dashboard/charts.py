"""The front page's charts, drawn on the server: the geometry here, the SVG markup in templates/dashboard/.

No JavaScript and nothing fetched from elsewhere, so the charts work offline. Each
number a bar stands for is also written as text: on the chart (totals, and each
segment that is tall enough), in each bar's tooltip (`<title>`) and in the chart's
description, which screen readers read out.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

# Text and gaps, in the SVG's own units (the chart is drawn at about this size on a 1366 px screen).
FONT = 11
LINE = 14


@dataclass(frozen=True)
class Series:
    """One kind of thing a bar is stacked from; `key` names its colour in dashboard.css."""

    key: str
    label: str


@dataclass(frozen=True)
class Segment:
    series: Series
    value: int
    url: str | None
    x: float
    y: float
    width: float
    height: float
    alone: bool = False  # the column's only segment: its value is the column's total, written above it

    @property
    def shows_value(self) -> bool:
        return not self.alone and self.value > 0 and self.height >= LINE

    @property
    def text_x(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2 + FONT * 0.35, 1)


@dataclass(frozen=True)
class Column:
    label: str
    total: int
    segments: tuple[Segment, ...]
    x: float
    width: float
    top: float
    title: str

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def total_y(self) -> float:
        return round(self.top - 4, 1)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class StackedColumns:
    """A column per category, each stacked from the series' values, on a scale starting at 0."""

    title: str
    description: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    series: tuple[Series, ...]
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]

    @property
    def label_y(self) -> float:
        return self.bottom + LINE + 2

    @property
    def axis_x(self) -> float:
        return self.left - 5

    @property
    def is_empty(self) -> bool:
        return all(column.total == 0 for column in self.columns)


def axis_step(maximum: int, *, ticks: int = 4) -> int:
    """A round step (1, 2, 5 times a power of ten) that reaches `maximum` in about `ticks` steps."""
    if maximum <= ticks:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(int(m * magnitude) for m in (1, 2, 5, 10) if m * magnitude >= raw)


def describe_column(label: str, values: Sequence[tuple[Series, int]], unit: str) -> str:
    """ "25 Nov to 1 Dec: 3 due (1 due soon, 2 open)", or "25 Nov to 1 Dec: none" """
    total = sum(value for _, value in values)
    if total == 0:
        return f"{label}: none"
    parts = ", ".join(f"{value} {series.label}" for series, value in values if value)
    return f"{label}: {total} {unit} ({parts})"


def stacked_columns(*, title: str, summary: str, unit: str, categories: Sequence[str],
                    titles: Sequence[str] | None = None, series: Sequence[Series],
                    values: dict[str, Sequence[int]], links: dict[str, Sequence[str | None]] | None = None,
                    width: int = 600, height: int = 230) -> StackedColumns:
    """Lay out the columns: `values[series.key][i]` is that series' share of category i.

    `titles` name each category in full for its tooltip and the description ("25 Nov to 1 Dec");
    `links[series.key][i]`, where given, is where that segment leads (the rows it counts).
    """
    titles = titles or categories
    left, right, top, bottom = 34.0, width - 6.0, 18.0, height - 2.0 * LINE - 6
    totals = [sum(values[s.key][i] for s in series) for i in range(len(categories))]
    step = axis_step(max(totals, default=0))
    scale_max = step * max(1, math.ceil(max(totals, default=0) / step))
    per_unit = (bottom - top) / scale_max
    slot = (right - left) / max(1, len(categories))
    bar = round(slot * 0.7, 1)
    columns = []
    for i, label in enumerate(categories):
        x = round(left + i * slot + (slot - bar) / 2, 1)
        y = bottom
        segments = []
        for s in series:
            value = values[s.key][i]
            if value:
                h = value * per_unit
                y -= h
                url = links[s.key][i] if links and s.key in links else None
                segments.append(Segment(s, value, url, x, round(y, 1), bar, round(h, 1)))
        if len(segments) == 1:
            segments = [dataclasses.replace(segments[0], alone=True)]
        described = describe_column(titles[i], [(s, values[s.key][i]) for s in series], unit)
        columns.append(Column(label, totals[i], tuple(segments), x, bar, round(y, 1), described))
    ticks = tuple(Tick(value, round(bottom - value * per_unit, 1)) for value in range(0, scale_max + 1, step))
    description = f"{summary} " + "; ".join(column.title for column in columns) + "."
    return StackedColumns(title, description, width, height, left, right, top, bottom, tuple(series),
                          tuple(columns), ticks)


@dataclass(frozen=True)
class Bar:
    label: str  # as drawn, shortened to fit
    full_label: str
    value_text: str
    url: str | None
    x: float
    y: float
    width: float
    height: float

    @property
    def label_y(self) -> float:
        return self.y - 4

    @property
    def value_x(self) -> float:
        return round(self.x + self.width + 6, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2 + FONT * 0.35, 1)


@dataclass(frozen=True)
class HorizontalBars:
    """One bar per item, longest first, each with its name above it and its value at its end."""

    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    # Under the chart when it shows only some of the items: (text, where all of them are).
    more: tuple[str, str] | None = None

    @property
    def is_empty(self) -> bool:
        return not self.bars


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def horizontal_bars(*, title: str, summary: str, items: Sequence[tuple[str, float, str]],
                    links: dict[str, str] | None = None, width: int = 600,
                    more: tuple[str, str] | None = None) -> HorizontalBars:
    """`items`: (name, value, the value as text). Bars share one scale; the value's text follows each bar.

    `links`: name -> where its bar leads (the rows it adds up). `more`: (text, address) said under the
    chart, when `items` are only some of them.
    """
    links = links or {}
    items = sorted(items, key=lambda item: -item[1])
    value_room = 7 * max((len(text) for _, _, text in items), default=0) + 12
    longest = max((value for _, value, _ in items), default=0) or 1
    left, bar_height, row = 4.0, 16.0, LINE + 16.0 + 12
    bars = []
    for i, (name, value, text) in enumerate(items):
        y = 6 + LINE + i * row
        bar_width = round(max(1.0, (width - left - value_room) * value / longest), 1) if value else 0.0
        bars.append(Bar(shorten(name, int((width - 2 * left) / 6)), name, text, links.get(name), left, y, bar_width,
                        bar_height))
    height = int(6 + len(items) * row) if items else 0
    description = f"{summary} " + "; ".join(f"{bar.full_label}: {bar.value_text}" for bar in bars) + "."
    return HorizontalBars(title, description, width, height, tuple(bars), more)
