"""Text that must fit a place: bar labels that shorten or vanish, and width measurements.

Bar labels are measured in pixels at draw time, so a resize never leaves text overflowing or
clipped; the key and the antibody values are placed from widths measured on the font itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.textpath import text_to_path

BAR_TEXT_PAD_POINTS = 3.0


class FittedLabel(Text):
    """Text centred in a data-space box, in the longest candidate that fits, else nothing.

    The fit is measured in pixels at draw time, so a resize never leaves text overflowing or
    clipped: the label shortens (``IFX 5 mg/kg q6w`` -> ``5 mg/kg q6w`` -> ...) or disappears.
    """

    def __init__(
        self,
        candidates: Sequence[str],
        box: tuple[float, float, float, float],
        *,
        fontsize: float,
        color: str,
    ) -> None:
        x0, y0, x1, y1 = box
        first = candidates[0] if candidates else ""
        super().__init__(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            first,
            ha="center",
            va="center",
            fontsize=fontsize,
            color=color,
            zorder=6,
            parse_math=False,  # doses and units may come from a feed: "$" is never mathtext
        )
        self.candidates = tuple(candidates)
        self.box = box
        self.fitted: str | None = None  # what the last draw showed (None: nothing fitted)

    def draw(self, renderer: RendererBase) -> None:
        self.fitted = self.choose(renderer)
        if self.fitted is None or not self.get_visible():
            return
        if self.fitted != self.get_text():
            self.set_text(self.fitted)
        super().draw(renderer)

    def choose(self, renderer: RendererBase) -> str | None:
        """Return the longest candidate that fits the visible part of the box, if any."""
        ax = self.axes
        if ax is None:
            return None
        x0, y0, x1, y1 = self.box
        view0, view1 = sorted(ax.get_xlim())
        x0, x1 = max(x0, view0), min(x1, view1)
        if x1 <= x0:
            return None
        self.set_x((x0 + x1) / 2)
        (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
        pad = float(np.asarray(renderer.points_to_pixels(BAR_TEXT_PAD_POINTS)))
        width = abs(px1 - px0) - 2 * pad
        height = abs(py1 - py0) - pad / 2
        for candidate in self.candidates:
            w, h = self.measure(candidate, renderer)
            if w <= width and h <= height:
                return candidate
        return None

    def measure(self, text: str, renderer: RendererBase) -> tuple[float, float]:
        """Return (width, height) of *text* in pixels, cached per font size and resolution."""
        prop = self.get_fontproperties()
        resolution = float(np.asarray(renderer.points_to_pixels(1.0)))
        key = (text, prop.get_size_in_points(), str(prop.get_weight()), resolution)
        size = _MEASURED.get(key)
        if size is None:
            if len(_MEASURED) > MEASURED_LIMIT:
                _MEASURED.clear()
            w, h, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
            size = _MEASURED[key] = (float(w), float(h))
        return size


MEASURED_LIMIT = 4096
_MEASURED: dict[tuple[str, float, str, float], tuple[float, float]] = {}


@lru_cache(maxsize=512)
def text_width(text: str, size: float, weight: str = "normal") -> float:
    """Return the width of *text* at *size* points in the default font, in inches."""
    font = FontProperties(size=size, weight=weight)
    width, _, _ = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return width / 72


def axes_width_points(ax: Axes) -> float:
    """Return the current width of *ax* in points."""
    figure = ax.get_figure(root=True)
    inches = figure.get_size_inches()[0] if figure is not None else 1.0
    return float(ax.get_position().width * inches * 72)


class GivesWayText(Text):
    """A text that is drawn only where it overlaps none of its axes' other texts.

    The meeting label shares the top panel's title line with the threshold label; in a narrow
    window they would collide, and the threshold matters more (the meeting line stays).
    """

    def draw(self, renderer: RendererBase) -> None:
        axes = self.axes
        if axes is None or not self.get_visible():
            return
        mine = self.get_window_extent(renderer)
        for other in axes.texts:
            if (
                other is not self
                and other.get_visible()
                and other.get_text()
                and mine.overlaps(other.get_window_extent(renderer))
            ):
                return
        super().draw(renderer)
