"""Published results as reference marks on the Kaplan–Meier plot, with labels that never overlap.

Each published figure is a diamond at its month and percentage: filled when the paper reports it
at that month, open when over a follow-up of unstated length. Their labels (``Little et al. 64%
[S38]``) are stacked one line apart, beside the marks of the same month, in the part of the plot
the curves and their bands leave free; a thin leader joins each label to its mark. Only when no
free space is wide and tall enough does the stack sit over the curves, on a white box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.text import Text

from mdt_desktop.domain.published import PublishedResult
from mdt_desktop.plots.artists import HOLLOW_FACE, put
from mdt_desktop.plots.fitted_text import text_width
from mdt_desktop.plots.style import PlotStyle

MARKER = "D"
LINE_SPACING = 1.3  # label lines, in font sizes
GAP_INCHES = 0.14  # between the marks' month and the near end of their labels
EDGE = 1.0  # keep labels this far (percentage points) inside the frame
DODGE = 1.15  # marker widths between marks spread sideways
COVER_WEIGHT = 10.0  # placement costs (see _place)
SHIFT_WEIGHT = 2.0
LEFT_PENALTY = 0.02  # inches: right of the marks reads first


@dataclass(frozen=True, slots=True)
class Span:
    """What occupies a horizontal stretch of the plot: y from *low* to *high* (percent)."""

    start: float
    end: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Stack:
    """Where one month's labels go: the x of their near end, side, and top label's centre."""

    x: float
    right: bool
    top: float
    boxed: bool


def mark_label(result: PublishedResult) -> str:
    """Return e.g. ``Little et al. 64% [S38]``."""
    return f"{result.short_label} {result.maintained_pct:.0f}% {result.tags}"


def draw_published(
    ax: Axes, published: Sequence[PublishedResult], occupied: list[Span], style: PlotStyle
) -> list[Text]:
    """Draw *published* on *ax* (x in months, y in percent) and return their labels.

    Args:
        ax: The survival axes, already laid out (label sizes are converted with its size).
        published: The results to mark.
        occupied: Stretches the curves and bands cover; the labels' boxes are added to it.
        style: Sizes and colours.
    """
    labels: list[Text] = []
    ordered = sorted(published, key=lambda r: r.months)
    for month, group in groupby(ordered, key=lambda r: r.months):
        results = sorted(group, key=lambda r: -r.maintained)
        places = _dodge(ax, results, style)
        for result, x in zip(results, places, strict=True):
            _marker(ax, result, x, style)
        stack = _place(ax, month, results, places, occupied, style)
        labels += _labels(ax, results, places, stack, occupied, style)
    return labels


def _dodge(ax: Axes, results: Sequence[PublishedResult], style: PlotStyle) -> list[float]:
    """The x of each mark: marks that would overlap are spread sideways around their month.

    *results* share a month and come highest first; a run of marks each closer than a marker's
    height to the one above is centred on the month, one marker width apart.
    """
    per_x, per_y = _units(ax)
    size = style.marker_size / 72  # inches
    runs: list[list[int]] = []
    for index, result in enumerate(results):
        above = results[index - 1].maintained_pct if index else None
        if above is not None and (above - result.maintained_pct) / per_y < size:
            runs[-1].append(index)
        else:
            runs.append([index])
    places = [r.months for r in results]
    for run in runs:
        for position, index in enumerate(run):
            places[index] += (position - (len(run) - 1) / 2) * size * DODGE * per_x
    return places


def _marker(ax: Axes, result: PublishedResult, x: float, style: PlotStyle) -> None:
    colour = style.palette.annotation
    put(
        ax,
        Line2D(
            [x],
            [result.maintained_pct],
            marker=MARKER,
            markersize=style.marker_size,
            markerfacecolor=colour if result.exact_time else HOLLOW_FACE,
            markeredgecolor=colour,
            markeredgewidth=1.3 * style.scale,
            linestyle="none",
            zorder=7,
            clip_on=False,
        ),
    )


def _units(ax: Axes) -> tuple[float, float]:
    """Months per inch and percentage points per inch of *ax* as laid out now."""
    figure = ax.get_figure(root=True)
    width, height = figure.get_size_inches() if figure is not None else (1.0, 1.0)
    box = ax.get_position()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return (x1 - x0) / max(box.width * width, 1e-6), (y1 - y0) / max(box.height * height, 1e-6)


def _place(
    ax: Axes,
    month: float,
    results: Sequence[PublishedResult],
    places: Sequence[float],
    occupied: Sequence[Span],
    style: PlotStyle,
) -> Stack:
    """Choose the side and height of one month's stack of labels (clear of the marks).

    Every height on both sides is scored in inches: covering a line costs most, then moving
    the stack away from its marks, then pushing it sideways to stay inside the frame.
    """
    per_x, per_y = _units(ax)
    width = max(text_width(mark_label(r), style.note_size) for r in results) * per_x
    line = style.note_size * LINE_SPACING / 72 * per_y
    height = line * len(results)
    target = sum(r.maintained_pct for r in results) / len(results) + height / 2 - line / 2
    spread = max(abs(x - month) for x in places)
    gap = spread + (GAP_INCHES * style.scale + style.marker_size / 144) * per_x
    scored: list[tuple[float, Stack]] = []
    for right in (True, False):
        start = month + gap if right else month - gap - width
        shift = _inside(start, width, ax.get_xlim())
        start += shift
        for top in _tops(target, height, line):
            covered = _covered(occupied, (start, start + width), (top - height, top), line)
            cost = (
                COVER_WEIGHT * covered / per_y
                + abs(top - target) / per_y
                + SHIFT_WEIGHT * abs(shift) / per_x
                + (0.0 if right else LEFT_PENALTY)
            )
            anchor = start if right else start + width
            scored.append((cost, Stack(anchor, right, top, covered > 0)))
    return min(scored, key=lambda pair: pair[0])[1]


def _inside(start: float, width: float, limits: tuple[float, float]) -> float:
    """How far to move a label starting at *start* so it stays within *limits*."""
    low, high = limits
    if start < low:
        return low - start
    if start + width > high:
        return max(high - (start + width), low - start)
    return 0.0


def _tops(target: float, height: float, line: float) -> list[float]:
    """Heights (percent) of the top label's centre to try: a fine grid and the target itself."""
    lowest = EDGE + height - line / 2
    highest = max(100.0 - EDGE - line / 2, lowest)
    steps = int((highest - lowest) / (line / 4)) + 1
    grid = [lowest + k * line / 4 for k in range(steps)]
    return [*grid, min(max(target, lowest), highest)]


def _covered(
    occupied: Sequence[Span], xs: tuple[float, float], top: tuple[float, float], line: float
) -> float:
    """How much (percent) of the lines in *occupied* a stack would cover, padded by half a line.

    *top* is (top label's centre minus the stack's height, top label's centre).
    """
    low, high = top[0] + line / 2, top[1] + line / 2
    total = 0.0
    for span in occupied:
        if span.start < xs[1] and span.end > xs[0]:
            overlap = min(high, span.high + line / 2) - max(low, span.low - line / 2)
            total += max(overlap, 0.0)
    return total


def _labels(
    ax: Axes,
    results: Sequence[PublishedResult],
    places: Sequence[float],
    stack: Stack,
    occupied: list[Span],
    style: PlotStyle,
) -> list[Text]:
    per_x, per_y = _units(ax)
    line = style.note_size * LINE_SPACING / 72 * per_y
    texts: list[Text] = []
    for index, (result, x) in enumerate(zip(results, places, strict=True)):
        y = stack.top - index * line
        text = Text(
            stack.x,
            y,
            mark_label(result),
            ha="left" if stack.right else "right",
            va="center",
            fontsize=style.note_size,
            color=style.palette.text,
            zorder=8,
            clip_on=False,
        )
        if stack.boxed:
            text.set_bbox({"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0})
        texts.append(put(ax, text))
        _leader(ax, (x, result.maintained_pct), (stack.x, y), style)
    width = max(text_width(mark_label(r), style.note_size) for r in results) * per_x
    start, end = (stack.x, stack.x + width) if stack.right else (stack.x - width, stack.x)
    bottom = stack.top - (len(results) - 1) * line
    occupied.append(Span(start, end, bottom - line / 2, stack.top + line / 2))
    return texts


def _leader(
    ax: Axes, mark: tuple[float, float], label: tuple[float, float], style: PlotStyle
) -> None:
    """A thin line from the mark to its label."""
    put(
        ax,
        Line2D(
            [mark[0], label[0]],
            [mark[1], label[1]],
            color=style.palette.muted_text,
            linewidth=0.8 * style.scale,
            zorder=6,
            clip_on=False,
        ),
    )
