"""A typed, cheap date axis: ticks on month starts, labels ``Jan 2025``-style but compact.

matplotlib.dates is untyped and its AutoDateLocator does more than these plots need, so the
shared time axis uses this locator and formatter: ticks every 1, 2, 3, 4, 6, 12 or 24 months,
aligned on January and no closer than ``spacing`` points, so labels never collide. Labels show
the month, and the year at January (or on the first tick when no January is in view).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from matplotlib.axis import Axis
from matplotlib.ticker import Formatter, Locator

from mdt_desktop.plots.case_data import date_number, number_date

MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 60, 120)
_MONTHS_PER_YEAR = 12
POINTS_PER_INCH = 72.0


class MonthLocator(Locator):
    """Ticks on the first day of every *step* months, at least *spacing* points apart."""

    def __init__(self, spacing: float = 56.0) -> None:
        self.spacing = spacing
        self.max_ticks = 10

    def __call__(self) -> Sequence[float]:
        if not isinstance(self.axis, Axis):
            return []
        figure = self.axis.axes.get_figure(root=True)
        if figure is not None:
            width_points = self.axis.axes.bbox.width * POINTS_PER_INCH / figure.dpi
            self.max_ticks = max(2, int(width_points // self.spacing))
        low, high = self.axis.get_view_interval()
        return self.tick_values(float(low), float(high))

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        low, high = sorted((vmin, vmax))
        first, last = number_date(low), number_date(high)
        months = _month_index(last) - _month_index(first) + 1
        step = next((s for s in MONTH_STEPS if months / s <= self.max_ticks), MONTH_STEPS[-1])
        index = -(-_month_index(first) // step) * step  # first multiple of step not before
        ticks: list[float] = []
        while index <= _month_index(last):
            value = date_number(_month_start(index))
            if low <= value <= high:
                ticks.append(value)
            index += step
        return ticks


class MonthFormatter(Formatter):
    """``2025`` at January, ``Apr`` otherwise; the first tick carries its year if needed."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        day = number_date(x)
        return f"{day:%Y}" if day.month == 1 else f"{day:%b}"

    def format_ticks(self, values: list[float]) -> list[str]:
        labels = [self(value) for value in values]
        days = [number_date(value) for value in values]
        if days and not any(day.month == 1 for day in days):
            labels[0] = f"{days[0]:%b %Y}"
        return labels

    def format_data_short(self, value: float) -> str:
        return f"{number_date(value):%d %b %Y}"


def _month_index(day: date) -> int:
    return day.year * _MONTHS_PER_YEAR + day.month - 1


def _month_start(index: int) -> date:
    return date(index // _MONTHS_PER_YEAR, index % _MONTHS_PER_YEAR + 1, 1)
