"""The report's bar chart, laid out on the server as SVG figures: bars at a percent of the
width, gridlines at round amounts, a few labels under the axis (fewer on a phone)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_interval, format_skeleton
from babel.numbers import format_decimal

from clinic.application.reporting.queries import Summary
from clinic.domain.shared import Money
from clinic.entrypoints.web.i18n import current_language, money, money_minor


def number(value: int) -> str:
    return str(format_decimal(value, locale=current_language()))


def day_words(value: date, skeleton: str) -> str:
    """A date in the page's language: a CLDR skeleton (`MMMEd`: "Mon, Nov 2", «пн, 2 нояб.»)."""
    return str(format_skeleton(skeleton, value, locale=current_language()))


CHART_HEIGHT = 250
CHART_TOP = 12  # the highest gridline; app.css places the amounts beside the chart at these
CHART_BASE = 200  # the baseline (y px); day labels below it
MAX_AXIS_LABELS = 6  # on a desktop; a phone shows every other one (CSS hides the minor ones)


@dataclass(frozen=True)
class ChartBar:
    x: float  # percent of the width: the bars' x follows the width, text stays its own size
    width: float
    y: float  # px
    height: float
    name: str  # the day or week, in words
    count: str
    revenue: str
    label: str | None  # under the axis, for some bars only
    anchor: str
    label_x: float  # percent, where the label is anchored
    second_line: str | None = None  # a week's bars: the weekday, then the day under it
    minor: bool = False  # a label a phone has no room for


@dataclass(frozen=True)
class Chart:
    by_week: bool
    bars: Sequence[ChartBar]
    gridlines: Sequence[tuple[float, str]]  # y px, the amount
    height: int = CHART_HEIGHT
    base: int = CHART_BASE
    label_y: int = CHART_BASE + 20
    best: ChartBar | None = None


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above the value, so gridlines read well."""
    if value <= 0:
        return Decimal(0)
    power = Decimal(10) ** (len(str(int(value))) - 1) if value >= 1 else Decimal(1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def build_chart(summary: Summary) -> Chart:
    bars = list(summary.bars)
    currency = summary.currency
    top = nice_ceiling(max((Money(b.revenue_minor, currency).to_decimal() for b in bars),
                           default=Decimal(0)))
    plot = CHART_BASE - CHART_TOP
    slot = 100 / max(len(bars), 1)
    by_week = summary.period.by_week
    step = 1 if len(bars) <= 7 else math.ceil(len(bars) / MAX_AXIS_LABELS)
    drawn = []
    for n, bar in enumerate(bars):
        amount = Money(bar.revenue_minor, currency).to_decimal()
        height = float(amount / top) * plot if top else 0.0
        if 0 < height < 2:
            height = 2.0  # a small day still shows
        centre = slot * (n + 0.5)
        last_day = bar.end - timedelta(days=1)
        if by_week:
            name = day_words(bar.first, "MMMd") if bar.first == last_day else \
                str(format_interval(bar.first, last_day, "MMMd", locale=current_language()))
        else:
            name = day_words(bar.first, "MMMEd")
        label, second, minor = None, None, False
        if n % step == 0 and len(bars) <= 7:
            label, second = day_words(bar.first, "E"), str(bar.first.day)
        elif n % step == 0:
            label, minor = day_words(bar.first, "MMMd"), (n // step) % 2 == 1
        anchor = "middle"
        if len(bars) > 7 and centre < 8:
            anchor = "start"
        elif len(bars) > 7 and centre > 92:
            anchor = "end"
        drawn.append(ChartBar(
            x=round(slot * n + slot * 0.15, 3), width=round(slot * 0.7, 3),
            y=round(CHART_BASE - height, 1), height=round(height, 1), name=name,
            count=number(bar.appointments_count), revenue=money_minor(bar.revenue_minor, currency),
            label=label, second_line=second, minor=minor, anchor=anchor,
            label_x=round({"start": slot * n, "end": slot * (n + 1)}.get(anchor, centre), 3)))
    gridlines = []  # the top, the middle, the base: the CSS of .chart__tick knows these heights
    if top:
        for fraction in (Decimal(1), Decimal("0.5"), Decimal(0)):
            gridlines.append((round(CHART_BASE - plot * float(fraction), 1),
                              money(top * fraction, currency)))
    best = max((b for b, raw in zip(drawn, bars, strict=True) if raw.revenue_minor),
               key=lambda b: b.height, default=None)
    return Chart(by_week, drawn, gridlines, best=best)
