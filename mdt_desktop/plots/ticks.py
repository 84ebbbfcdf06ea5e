"""Y-axis tick locators that keep tick labels apart in short panels.

Linear panels use 1-2-5 steps, log panels 1-2-5, 1-3 or 1 per decade (20, 50, 100... or
10, 100, 1000) with plain number labels; both drop ticks whose labels would touch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.axis import Axis
from matplotlib.ticker import Locator, MaxNLocator

LOG_SUBS = ((1.0, 2.0, 5.0), (1.0, 3.0), (1.0,))
TICK_SPACING = 1.3  # tick labels at least 1.3 label heights apart


class FittingTicks(MaxNLocator):
    """Linear y ticks (1-2-5 steps) thinned so their labels never touch in a short panel."""

    def __init__(self, label_points: float) -> None:
        super().__init__(nbins="auto", steps=[1, 2, 5, 10], min_n_ticks=2)
        self.label_points = label_points

    def __call__(self) -> Sequence[float]:
        return spaced_ticks(list(super().__call__()), self.axis, self.label_points)


def spaced_ticks(ticks: list[float], axis: object, label_points: float) -> list[float]:
    """Drop ticks (bottom up) that would sit closer than TICK_SPACING labels to the last kept."""
    if not isinstance(axis, Axis) or not ticks:
        return ticks
    low, high = sorted(float(v) for v in axis.get_view_interval())
    inside = [t for t in ticks if low <= t <= high]
    figure = axis.axes.get_figure(root=True)
    if figure is None or not inside:
        return inside
    pixels = axis.axes.transData.transform([(0.0, t) for t in inside])[:, 1]
    gap = TICK_SPACING * label_points * figure.dpi / 72
    kept: list[float] = []
    last: float | None = None
    for tick, pixel in zip(inside, pixels, strict=True):
        if last is None or abs(pixel - last) >= gap:
            kept.append(tick)
            last = float(pixel)
    return kept


class LogTicks(Locator):
    """Few plain major ticks on a log axis (20, 50, 100... or 10, 100, 1000) that fit its height."""

    def __init__(self, label_points: float) -> None:
        self.label_points = label_points

    def __call__(self) -> Sequence[float]:
        if not isinstance(self.axis, Axis):
            return []
        low, high = self.axis.get_view_interval()
        ticks = log_ticks(float(low), float(high), max(2, self.axis.get_tick_space() + 1))
        return spaced_ticks(ticks, self.axis, self.label_points)

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        return log_ticks(vmin, vmax, 5)


def log_ticks(low: float, high: float, max_ticks: int) -> list[float]:
    """Return ticks 1-2-5, 1-3 or 1 per decade inside [low, high], the densest that fits."""
    low, high = sorted((max(low, 1e-12), max(high, 1e-12)))
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks: list[float] = []
    for subs in LOG_SUBS:
        ticks = [s * 10.0**d for d in decades for s in subs if low <= s * 10.0**d <= high]
        if len(ticks) <= max_ticks:
            return ticks
    return ticks
