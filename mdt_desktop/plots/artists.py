"""The data artists the panels share: series with censored values, bands, reference lines.

Every panel keeps its axes between cases. What belongs to one case (lines, patches, texts) is a
*data artist* and is removed before the next case is drawn; what belongs to the layout (panel
titles, ticks) is kept. ``ax.clear()`` is never used: it rebuilds the axis and costs far more.
Artists are added without updating data limits: every panel sets its limits itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from mdt_desktop.domain.records import Observation
from mdt_desktop.plots.case_data import CasePlotData, date_number
from mdt_desktop.plots.style import PlotStyle

PERSISTENT = "mdt-persistent"  # give an artist this gid to keep it across redraws
DASHES = (0.0, (4.0, 2.5))
HOLLOW_FACE = "white"  # hollow markers hide the line behind them rather than show through
CENSORED_SIZE = 1.15  # hollow triangles, relative to the data markers


def clear_data(ax: Axes) -> None:
    """Remove the artists of the previous case from *ax*, keeping persistent ones."""
    children = [*ax.lines, *ax.patches, *ax.texts, *ax.collections, *ax.images, *ax.artists]
    for artist in children:
        if artist.get_gid() != PERSISTENT:
            artist.remove()


def data_artist_count(ax: Axes) -> int:
    """Return how many removable artists *ax* holds (tests use it to spot leaks)."""
    children = [*ax.lines, *ax.patches, *ax.texts, *ax.collections, *ax.images, *ax.artists]
    return sum(1 for artist in children if artist.get_gid() != PERSISTENT)


_A = TypeVar("_A", bound=Artist)


def put(ax: Axes, artist: _A) -> _A:
    """Add *artist* to *ax* without updating data limits (limits are always set explicitly)."""
    ax.add_artist(artist)
    return artist


def vertical_line(ax: Axes, x: float, line: Line2D) -> Line2D:
    """Give *line* the full height of *ax* at date number *x* and add it."""
    line.set_data([x, x], [0.0, 1.0])
    line.set_transform(ax.get_xaxis_transform())
    return put(ax, line)


def meeting_line(ax: Axes, data: CasePlotData, style: PlotStyle) -> Line2D:
    """Draw the vertical line at the meeting date."""
    line = Line2D(
        [], [], color=style.palette.meeting, linewidth=style.reference_width, alpha=0.85, zorder=4
    )
    return vertical_line(ax, date_number(data.end), line)


@dataclass(frozen=True, slots=True)
class BandSpan:
    """A shaded y range over an x range (None: the full width) with optional dashed edges."""

    lower: float
    upper: float
    x_range: tuple[float, float] | None = None
    lower_edge: bool = True
    upper_edge: bool = True


def draw_band(ax: Axes, span: BandSpan, style: PlotStyle) -> list[Artist]:
    """Shade a remission or target band and draw its dashed edge lines."""
    x0, x1 = span.x_range if span.x_range is not None else (0.0, 1.0)
    fill = Rectangle(
        (x0, span.lower),
        x1 - x0,
        span.upper - span.lower,
        facecolor=style.palette.band,
        alpha=style.band_alpha,
        linewidth=0.0,
        zorder=1,
    )
    if span.x_range is None:
        fill.set_transform(ax.get_yaxis_transform())  # x in axes fraction: the full width
    put(ax, fill)
    edges = [span.lower] * span.lower_edge + [span.upper] * span.upper_edge
    return [fill, *(dashed_level(ax, y, style, span.x_range) for y in edges)]


def dashed_level(
    ax: Axes,
    y: float,
    style: PlotStyle,
    x_range: tuple[float, float] | None = None,
    colour: str | None = None,
) -> Line2D:
    """Draw a dashed horizontal reference line at *y* (full width unless *x_range*)."""
    x0, x1 = x_range if x_range is not None else (0.0, 1.0)
    line = Line2D(
        [x0, x1],
        [y, y],
        color=colour or style.palette.band_edge,
        linewidth=style.reference_width,
        linestyle=DASHES,
        zorder=2,
    )
    if x_range is None:
        line.set_transform(ax.get_yaxis_transform())  # x in axes fraction: the full width
    return put(ax, line)


@dataclass(frozen=True, slots=True)
class SeriesLook:
    """Colour and marker of one measured series."""

    colour: str
    marker: str = "o"


def draw_series(
    ax: Axes, observations: Sequence[Observation], look: SeriesLook, style: PlotStyle
) -> list[Line2D]:
    """Draw a connected series; exact values filled, bounds as hollow triangles at the bound.

    ``<x`` (below the assay limit) is a downward triangle, ``>x`` (above the range) an upward
    one. The line passes through every result, bounds included, in time order.
    """
    xs = [date_number(o.collected_at) for o in observations]
    ys = [o.value for o in observations]
    exact = [i for i, o in enumerate(observations) if o.comparator is None]
    line = Line2D(
        xs,
        ys,
        color=look.colour,
        linewidth=style.line_width,
        marker=look.marker,
        markersize=style.marker_size,
        markevery=exact,
        zorder=3,
    )
    lines = [put(ax, line)]
    for marker, wanted in (("v", True), ("^", False)):
        chosen = [i for i, o in enumerate(observations) if _is_bound(o, below=wanted)]
        if chosen:
            lines.append(
                censored_markers(
                    ax, [xs[i] for i in chosen], [ys[i] for i in chosen], marker, look.colour, style
                )
            )
    return lines


def _is_bound(observation: Observation, *, below: bool) -> bool:
    if observation.comparator is None:
        return False
    return observation.below_limit is below


def censored_markers(
    ax: Axes, xs: list[float], ys: list[float], marker: str, colour: str, style: PlotStyle
) -> Line2D:
    """Draw hollow triangles for results reported as a bound."""
    line = Line2D(
        xs,
        ys,
        linestyle="none",
        marker=marker,
        markersize=style.marker_size * CENSORED_SIZE,
        markerfacecolor=HOLLOW_FACE,
        markeredgecolor=colour,
        markeredgewidth=1.8 * style.scale,
        zorder=5,
    )
    return put(ax, line)
