"""Case plots drawn off screen into pixels, so the screen can prepare the next case in advance.

No Qt. ``CaseFigure`` is one figure of the case plots with its Agg canvas. It is reused from case
to case, because building the panels and their ticks costs as much again as a draw, and it is
drawn by one thread at a time. ``CaseFigure.render`` draws a case at a size in pixels and
returns a ``RenderedCase``: the RGBA pixels, the hover points with their positions in pixels,
and the figure they came from, which stays as drawn until the render is released.
``FigurePool`` lends figures to any thread (docs/architecture.md, "Performance budgets").

A render is a pure function of the case's plot data, the style and the size: two renders of
equal ``CasePlotData`` at one size show the same picture, so a prepared render may be shown
for any equal data and never for other data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mdt_desktop.plots.case_data import CasePlotData, HoverPoint
from mdt_desktop.plots.case_plots import CaseAxes, draw_case, make_case_axes
from mdt_desktop.plots.style import PlotStyle

BASE_DPI = 100.0  # dots per inch at a device pixel ratio of 1, as on screen elsewhere
KEEP_PER_KIND = 2  # spare figures kept per style and panel set, ready for the next draws


@dataclass(frozen=True, slots=True)
class PixelSize:
    """A widget's size in logical pixels and its device pixel ratio (2.0 on a 200 % display)."""

    width: int
    height: int
    ratio: float = 1.0

    @property
    def dpi(self) -> float:
        """Dots per inch of the render: text keeps its size in points at any ratio."""
        return BASE_DPI * self.ratio

    @property
    def inches(self) -> tuple[float, float]:
        """The figure's size in inches (never zero: a widget not yet laid out is 1 x 1)."""
        return max(self.width, 1) / BASE_DPI, max(self.height, 1) / BASE_DPI


class CaseFigure:
    """One reusable figure of the case plots, for one style and one set of panels.

    Not thread-safe: one thread draws it at a time (``FigurePool`` lends it to one holder).
    """

    def __init__(self, style: PlotStyle, blood_counts: bool) -> None:
        self.style = style
        self.blood_counts = blood_counts
        self.figure = Figure(dpi=BASE_DPI)
        self._canvas = FigureCanvasAgg(self.figure)
        self.axes: CaseAxes = make_case_axes(self.figure, blood_counts=blood_counts, style=style)

    def render(self, data: CasePlotData, size: PixelSize) -> RenderedCase:
        """Draw *data* at *size* and return the pixels and the hover points.

        Args:
            data: The case; its ``blood_counts`` must match this figure's panels.
            size: The size to draw at.

        Returns:
            The render; this figure belongs to it until ``FigurePool.release``.

        Raises:
            ValueError: The case asks for panels this figure does not have.
        """
        if data.blood_counts != self.blood_counts:
            raise ValueError("this figure was built with other panels")
        self.figure.set_dpi(size.dpi)
        self.figure.set_size_inches(*size.inches, forward=False)
        hover = draw_case(self.axes, data, self.style)  # lays the panels out for the size first
        self._canvas.draw()  # type: ignore[no-untyped-call]
        buffer = np.asarray(self._canvas.buffer_rgba())  # type: ignore[no-untyped-call]
        height, width = int(buffer.shape[0]), int(buffer.shape[1])
        panels = self.axes.panels()
        return RenderedCase(
            data=data,
            style=self.style,
            size=size,
            pixels=buffer.tobytes(),
            width=width,
            height=height,
            hover=tuple(hover),
            boxes=tuple(_box(ax) for ax in panels),
            points=tuple(_panel_points(self.axes, hover, index) for index in range(len(panels))),
            figure=self,
        )


def _box(ax: Axes) -> tuple[float, float, float, float]:
    """The panel's frame in pixels: left, bottom, right, top."""
    x0, y0, x1, y1 = (float(v) for v in ax.bbox.extents)
    return x0, y0, x1, y1


def _panel_points(axes: CaseAxes, hover: list[HoverPoint], index: int) -> np.ndarray:
    """Pixel positions (x right, y up) of the hover points of one panel, in hover order."""
    data = np.array([(p.x, p.y) for p in hover if p.axes_index == index], dtype=float)
    if not len(data):
        return np.empty((0, 2))
    return np.asarray(axes.panels()[index].transData.transform(data.reshape(-1, 2)))


@dataclass(frozen=True, eq=False)
class RenderedCase:
    """One case drawn into pixels: RGBA rows top to bottom, and where its hover points are.

    Pixel coordinates here are matplotlib's: x to the right and y *up* from the bottom-left
    corner, in device pixels (``width`` x ``height``).
    """

    data: CasePlotData
    style: PlotStyle
    size: PixelSize
    pixels: bytes  # RGBA8888, ``width * 4`` bytes a row
    width: int
    height: int
    hover: tuple[HoverPoint, ...]
    boxes: tuple[tuple[float, float, float, float], ...]  # each panel's x0, y0, x1, y1
    points: tuple[np.ndarray, ...]  # per panel: pixel positions of its hover points
    figure: CaseFigure = field(repr=False)

    @property
    def axes(self) -> CaseAxes:
        """The axes the pixels were drawn from (unchanged until the render is released)."""
        return self.figure.axes

    def shows(self, data: CasePlotData, style: PlotStyle, size: PixelSize) -> bool:
        """True when this render is the picture of *data* in *style* at *size*."""
        return self.size == size and self.style == style and self.data == data

    def panel_at(self, x: float, y: float) -> int | None:
        """The index of the panel under pixel (x, y), if any."""
        for index, (x0, y0, x1, y1) in enumerate(self.boxes):
            if x0 <= x <= x1 and y0 <= y <= y1:
                return index
        return None

    def nearest(self, x: float, y: float, radius: float) -> HoverPoint | None:
        """The hover point nearest pixel (x, y) in the panel under it, within *radius* pixels."""
        index = self.panel_at(x, y)
        if index is None:
            return None
        found = self._nearest_in(index, x, y)
        if found is None or found[1] > radius:
            return None
        return found[0]

    def nearest_to_data(self, axes_index: int, x: float, y: float) -> HoverPoint | None:
        """The hover point of a panel nearest, in pixels, to the data point (x, y)."""
        panel = self.axes.panels()[axes_index]
        px, py = panel.transData.transform((x, y))
        found = self._nearest_in(axes_index, float(px), float(py))
        return found[0] if found else None

    def _nearest_in(self, index: int, x: float, y: float) -> tuple[HoverPoint, float] | None:
        points = self.points[index]
        if not len(points):
            return None
        distances = np.hypot(points[:, 0] - x, points[:, 1] - y)
        nearest = int(np.argmin(distances))
        return [p for p in self.hover if p.axes_index == index][nearest], float(distances[nearest])


class FigurePool:
    """Lends case figures to any thread and takes them back for reuse.

    A render owns its figure until it is released; release each render once, when it is no
    longer shown or prepared, and do not read its ``axes`` afterwards.
    """

    def __init__(self, keep: int = KEEP_PER_KIND) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._free: dict[tuple[PlotStyle, bool], list[CaseFigure]] = {}

    def render(self, data: CasePlotData, style: PlotStyle, size: PixelSize) -> RenderedCase:
        """Draw *data* in *style* at *size* on a figure of the pool (or a new one)."""
        figure = self._acquire(style, data.blood_counts)
        try:
            return figure.render(data, size)
        except Exception:
            self._give_back(figure)
            raise

    def release(self, rendered: RenderedCase) -> None:
        """Take back the figure of *rendered* (which must not be shown or read any more)."""
        self._give_back(rendered.figure)

    def spare(self) -> int:
        """How many figures wait for reuse (tests use it to spot leaks)."""
        with self._lock:
            return sum(len(figures) for figures in self._free.values())

    def _acquire(self, style: PlotStyle, blood_counts: bool) -> CaseFigure:
        with self._lock:
            free = self._free.get((style, blood_counts))
            if free:
                return free.pop()
        return CaseFigure(style, blood_counts)

    def _give_back(self, figure: CaseFigure) -> None:
        with self._lock:
            free = self._free.setdefault((figure.style, figure.blood_counts), [])
            if len(free) < self._keep and all(f is not figure for f in free):
                free.append(figure)
