"""The outcome audit's plots, shared by the audit screen and the PDF audit report.

``draw_survival`` draws Kaplan–Meier curves of "remaining de-escalated" over 0–24 months: step
curves, the 95% band of the first curve (the overall one when splits are shown with it), censor
ticks, a guide at the failure window (12 months), published results as labelled reference marks
(``published_marks``) and a numbers-at-risk table under the month axis, whose row labels carry
each curve's line sample, so the table is also the key. Split curves differ in line style as well
as colour. ``draw_failure_reasons`` draws the first reason of each failure within the window.

The screen keeps a ``SurvivalAxes`` and calls ``draw_survival`` again after a resize (labels are
placed for the current size); reports call ``survival_figure`` and ``failure_reasons_figure``.
Layout uses fixed margins in inches, as the case plots do, never tight or constrained layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter
from matplotlib.transforms import ScaledTranslation, Transform, blended_transform_factory
from matplotlib.typing import LineStyleType

from mdt_desktop.domain.outcome_audit import AuditFigures
from mdt_desktop.domain.outcomes import FailureReason
from mdt_desktop.domain.published import PublishedResult
from mdt_desktop.domain.survival import KaplanMeier
from mdt_desktop.plots.artists import HOLLOW_FACE, clear_data, put
from mdt_desktop.plots.fitted_text import text_width
from mdt_desktop.plots.panel import TITLE_OFFSET_POINTS, panel_title, style_axes
from mdt_desktop.plots.published_marks import MARKER, Span, draw_published
from mdt_desktop.plots.style import BLUE, PRINT, PlotStyle

HORIZON = 24.0  # months shown (the audit's curve runs 0..24)
TOP = 102.5  # percent: room above 100% for the line and the censor ticks drawn there
TABLE_MONTHS = tuple(range(0, 25, 3))
TITLE = "Remaining de-escalated"
X_LABEL = "Months since de-escalation"
# Line looks of the curves in order: colour and dashes differ, so print in grey still works.
LOOKS: tuple[tuple[str, LineStyleType], ...] = (
    (BLUE, "solid"),
    ("#D55E00", (0.0, (6.0, 2.5))),
    ("#1A1A1A", (0.0, (6.0, 2.0, 1.5, 2.0))),
    ("#009E73", (0.0, (1.5, 1.5))),
    ("#CC79A7", (0.0, (10.0, 3.0))),
)
PLACEHOLDER = (0.1, 0.1, 0.8, 0.8)
TITLE_GAP_POINTS = 8.0
KEY_HANDLE, KEY_PAD, KEY_SPACING = (
    1.6,
    0.5,
    1.4,
)  # key entry lengths, in font sizes  # the least space between the title and the guide's label


@dataclass(frozen=True, slots=True)
class Margins:
    """Fixed layout lengths in inches at scale 1 (multiplied by the style's scale)."""

    pad: float = 0.08
    sample: float = 0.34  # the line sample before a table row's label
    sample_gap: float = 0.08
    right: float = 0.45
    top: float = 0.34
    axis: float = 0.55  # tick labels and the x label under the plot
    table_title: float = 0.24
    table_row: float = 0.2
    key_row: float = 0.26
    minimum: float = 0.3
    number_gap: float = 0.3  # between a row label and the numbers at month 0 (centred on it)


MARGINS = Margins()


@dataclass
class SurvivalAxes:
    """The plot, the numbers-at-risk table under it and the key of the current drawing."""

    figure: Figure
    curve: Axes
    table: Axes
    rows: int = 1
    labels: tuple[str, ...] = ()
    key_rows: int = 1
    key: Legend | None = None
    published: list[Text] = field(default_factory=list)


def make_survival_axes(figure: Figure, style: PlotStyle) -> SurvivalAxes:
    """Clear *figure* and build the survival plot and its at-risk table on one month axis."""
    figure.clear()
    figure.set_facecolor("white")
    curve = figure.add_axes(PLACEHOLDER)
    table = figure.add_axes(PLACEHOLDER, sharex=curve)
    style_axes(curve, style)
    panel_title(curve, TITLE, style)
    curve.set_xlim(0.0, HORIZON)
    curve.set_ylim(0.0, TOP)
    curve.xaxis.set_major_locator(FixedLocator(TABLE_MONTHS))
    curve.yaxis.set_major_locator(FixedLocator([0, 20, 40, 60, 80, 100]))
    curve.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    curve.set_xlabel(X_LABEL, fontsize=style.tick_size, color=style.palette.text)
    curve.xaxis.set_label_coords(0.5, -0.1)
    table.set_axis_off()
    axes = SurvivalAxes(figure, curve, table)
    layout_survival_axes(axes, style)
    return axes


def layout_survival_axes(axes: SurvivalAxes, style: PlotStyle) -> None:
    """Position plot, table and key for the figure's current size (call after every resize)."""
    width, height = (float(v) for v in axes.figure.get_size_inches())
    if width <= 0 or height <= 0:
        return
    m, s = MARGINS, style.inches
    left = left_margin(axes.labels, style)
    plot_width = max(width - left - s(m.right), s(m.minimum))
    key_height = s(m.key_row) * axes.key_rows
    table_height = s(m.table_title) + s(m.table_row) * axes.rows
    bottom = key_height + table_height + s(m.axis)
    plot_height = max(height - bottom - s(m.top), s(m.minimum))
    axes.curve.set_position(
        (left / width, bottom / height, plot_width / width, plot_height / height)
    )
    axes.table.set_position(
        (left / width, key_height / height, plot_width / width, s(m.table_row) * axes.rows / height)
    )
    axes.curve.xaxis.set_label_coords(0.5, -s(0.36) / plot_height)
    if axes.key is not None:
        axes.key.set_bbox_to_anchor((s(m.pad) / width, 0.0, 1.0, key_height / height))


def left_margin(labels: Sequence[str], style: PlotStyle) -> float:
    """Return the left margin in inches: line sample and widest row label, or the y ticks."""
    m, s = MARGINS, style.inches
    rows = max((text_width(label, style.tick_size) for label in labels), default=0.0)
    ticks = text_width("100%", style.tick_size) + s(0.12)
    row_column = s(m.pad) + s(m.sample) + s(m.sample_gap) + rows + s(m.number_gap)
    return max(row_column, ticks + s(m.pad) * 2, text_width("Number at risk", style.tick_size))


def draw_survival(
    axes: SurvivalAxes,
    curves: Sequence[tuple[str, AuditFigures]],
    published: Sequence[PublishedResult],
    style: PlotStyle,
    *,
    guide_months: float = 12.0,
) -> None:
    """Replace what *axes* shows with *curves*, their at-risk numbers and *published* marks.

    Args:
        axes: From ``make_survival_axes``.
        curves: (label, figures) pairs; the first is drawn solid with its 95% band.
        published: Reference results to mark at their month.
        style: Sizes and colours.
        guide_months: Where the vertical guide goes (the failure window).
    """
    for ax in (axes.curve, axes.table):
        clear_data(ax)
    axes.rows = max(len(curves), 1)
    axes.labels = tuple(label for label, _ in curves)
    shown = [(label, figures) for label, figures in curves if figures.de_escalations]
    handles = _key_handles(curves, published, style)
    columns = _key_columns(handles, axes.figure, style) if handles else 1
    axes.key_rows = -(-len(handles) // columns)
    _replace_key(axes, handles, columns, style)
    layout_survival_axes(axes, style)
    _guide(axes.curve, guide_months, style)
    occupied: list[Span] = []
    for index, (_label, figures) in enumerate(curves):
        if figures.de_escalations:
            occupied += _draw_curve(axes.curve, figures.km, index, style)
    if not shown:
        _empty(axes.curve, style)
    axes.published = draw_published(axes.curve, published, occupied, style)
    _draw_table(axes, curves, style)


def _guide(ax: Axes, month: float, style: PlotStyle) -> None:
    put(
        ax,
        Line2D(
            [month, month],
            [0.0, 1.0],
            transform=ax.get_xaxis_transform(),
            color=style.palette.meeting,
            linewidth=style.reference_width * 0.6,
            linestyle=(0.0, (4.0, 3.0)),
            zorder=2,
        ),
    )
    figure = ax.get_figure(root=True)
    if figure is None:
        return
    lift = ScaledTranslation(0.0, TITLE_OFFSET_POINTS * style.scale / 72, figure.dpi_scale_trans)
    nudge = ScaledTranslation(-2.0 * style.scale / 72, 0.0, figure.dpi_scale_trans)
    put(
        ax,
        BesideTitle(
            month,
            1.0,
            f"{month:g} months",
            transform=ax.get_xaxis_transform() + lift + nudge,
            ha="left",
            va="bottom",
            fontsize=style.note_size,
            color=style.palette.meeting,
            clip_on=False,
        ),
    )


class BesideTitle(Text):
    """A note on the panel's title line that is left out where it would overlap the title."""

    def draw(self, renderer: RendererBase) -> None:
        axes = self.axes
        if axes is None or not self.get_visible():
            return
        title = axes.yaxis.label
        gap = float(np.asarray(renderer.points_to_pixels(TITLE_GAP_POINTS)))
        if title.get_text() and self.get_window_extent(renderer).padded(gap).overlaps(
            title.get_window_extent(renderer)
        ):
            return
        super().draw(renderer)


def look(index: int) -> tuple[str, LineStyleType]:
    """Return the colour and line style of the *index*-th curve."""
    return LOOKS[index % len(LOOKS)]


def _draw_curve(ax: Axes, km: KaplanMeier, index: int, style: PlotStyle) -> list[Span]:
    """Draw one step curve (and its band when first); return the stretches it covers."""
    colour, dashes = look(index)
    end = min(max(km.times, default=0.0), HORIZON)
    xs = [0.0] + [s.time for s in km.steps if s.time <= end] + [end]
    ys = [100.0] + [100.0 * s.survival for s in km.steps if s.time <= end]
    ys.append(ys[-1])
    lows = [100.0] + [100.0 * s.lower for s in km.steps if s.time <= end]
    highs = [100.0] + [100.0 * s.upper for s in km.steps if s.time <= end]
    lows.append(lows[-1])
    highs.append(highs[-1])
    if index == 0:
        ax.fill_between(
            xs,
            lows,
            highs,
            step="post",
            color=colour,
            alpha=style.band_alpha,
            linewidth=0,
            zorder=3,
        )
    line = Line2D(
        xs,
        ys,
        drawstyle="steps-post",
        color=colour,
        linestyle=dashes,
        linewidth=style.line_width,
        solid_capstyle="butt",
        zorder=5,
    )
    put(ax, line)
    censored = censor_times(km, end)
    if censored:
        ticks = Line2D(
            censored,
            [100.0 * km.at(t) for t in censored],
            marker="|",
            markersize=style.marker_size * 1.1,
            markeredgewidth=1.4 * style.scale,
            color=colour,
            linestyle="none",
            zorder=5,
        )
        put(ax, ticks)
    # labels may sit on the light band, never on a line: the line's steps are what is occupied
    return [
        Span(x0, x1, min(y0, y1), max(y0, y1))
        for x0, x1, y0, y1 in zip(xs[:-1], xs[1:], ys[:-1], ys[1:], strict=False)
        if x1 > x0
    ]


def censor_times(km: KaplanMeier, end: float = HORIZON) -> list[float]:
    """Times (months, up to *end*) at which an episode left follow-up without failing."""
    event_counts = {step.time: step.events for step in km.steps}
    times: list[float] = []
    seen: dict[float, int] = {}
    for time in km.times:
        seen[time] = seen.get(time, 0) + 1
        if time <= end and seen[time] > event_counts.get(time, 0):
            times.append(time)
    return sorted(set(times))


def _empty(ax: Axes, style: PlotStyle) -> None:
    put(
        ax,
        Text(
            0.5,
            0.15,  # low: published marks sit around 60-70%
            "No de-escalations to show",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=style.note_size,
            color=style.palette.muted_text,
            fontstyle="italic",
        ),
    )


def _draw_table(
    axes: SurvivalAxes, curves: Sequence[tuple[str, AuditFigures]], style: PlotStyle
) -> None:
    """Numbers at risk at 0, 3, ..., 24 months, one row per curve, labelled with its line."""
    table, figure = axes.table, axes.figure
    table.set_ylim(0.0, float(axes.rows))
    m, s = MARGINS, style.inches
    # x in inches from the figure's left edge: the row labels live in the left margin
    rows = blended_transform_factory(figure.dpi_scale_trans, table.transData)
    title = blended_transform_factory(figure.dpi_scale_trans, table.transAxes)
    lift = ScaledTranslation(0.0, s(0.05), figure.dpi_scale_trans)
    heading = _row_text(s(m.pad), 1.0, "Number at risk", title + lift, "left", style)
    heading.set_verticalalignment("bottom")
    heading.set_fontweight("bold")
    put(table, heading)
    for index, (label, figures) in enumerate(curves):
        y = axes.rows - index - 0.5
        colour, dashes = look(index)
        sample = Line2D(
            [s(m.pad), s(m.pad) + s(m.sample)],
            [y, y],
            transform=rows,
            color=colour,
            linestyle=dashes,
            linewidth=style.line_width,
            clip_on=False,
        )
        put(table, sample)
        x = s(m.pad) + s(m.sample) + s(m.sample_gap)
        put(table, _row_text(x, y, label, rows, "left", style, colour))
        at_risk = {point.month: point.at_risk for point in figures.curve}
        for month in TABLE_MONTHS:
            value = at_risk.get(month, 0)
            put(table, _row_text(month, y, str(value), table.transData, "center", style))


def _row_text(
    x: float,
    y: float,
    text: str,
    transform: Transform,
    ha: str,
    style: PlotStyle,
    colour: str | None = None,
) -> Text:
    return Text(
        x,
        y,
        text,
        transform=transform,
        ha=ha,
        va="center",
        fontsize=style.tick_size,
        color=colour or style.palette.text,
        clip_on=False,
    )


def _key_handles(
    curves: Sequence[tuple[str, AuditFigures]],
    published: Sequence[PublishedResult],
    style: PlotStyle,
) -> list[tuple[Artist, str]]:
    """What the key explains: band, censor ticks, published marks (only those drawn)."""
    shown = [figures for _, figures in curves if figures.de_escalations]
    if not shown:
        return []
    colour, _ = look(0)
    handles: list[tuple[Artist, str]] = []
    if curves[0][1].de_escalations:
        band = "95% confidence band" + (f" ({curves[0][0]})" if len(curves) > 1 else "")
        patch = Patch(facecolor=colour, alpha=style.band_alpha, edgecolor="none")
        handles.append((patch, band))
    if any(censor_times(figures.km) for figures in shown):
        handles.append(
            (_mark("|", colour, colour, style), "Censored (follow-up ended, no failure)")
        )
    ink = style.palette.annotation
    if any(r.exact_time for r in published):
        handles.append((_mark(MARKER, ink, ink, style), "Published, at that month"))
    if any(not r.exact_time for r in published):
        handles.append((_mark(MARKER, HOLLOW_FACE, ink, style), "Published, over follow-up"))
    return handles


def _mark(marker: str, face: str, edge: str, style: PlotStyle) -> Line2D:
    return Line2D(
        [],
        [],
        marker=marker,
        markersize=style.marker_size,
        markerfacecolor=face,
        markeredgecolor=edge,
        markeredgewidth=1.3 * style.scale,
        linestyle="none",
    )


def _key_columns(handles: Sequence[tuple[Artist, str]], figure: Figure, style: PlotStyle) -> int:
    """The most columns whose entries fit the figure's width (the key fills column by column)."""
    available = float(figure.get_size_inches()[0]) - style.inches(2 * MARGINS.pad)
    widths = [_entry_width(label, style) for _handle, label in handles]
    for columns in range(len(widths), 1, -1):
        if sum(max(column) for column in _fill(widths, columns)) <= available:
            return columns
    return 1


def _fill(widths: Sequence[float], columns: int) -> list[Sequence[float]]:
    """Split *widths* into columns as matplotlib's legend does (the longer columns first)."""
    rows, longer = divmod(len(widths), columns)
    heights = [rows + 1] * longer + [rows] * (columns - longer)
    split: list[Sequence[float]] = []
    start = 0
    for height in heights:
        if height:
            split.append(widths[start : start + height])
        start += height
    return split


def _entry_width(label: str, style: PlotStyle) -> float:
    """Inches of one key entry: handle, gap, text and the space before the next column."""
    em = style.note_size / 72
    return (KEY_HANDLE + KEY_PAD + KEY_SPACING) * em + text_width(label, style.note_size)


def _replace_key(
    axes: SurvivalAxes, handles: Sequence[tuple[Artist, str]], columns: int, style: PlotStyle
) -> None:
    if axes.key is not None:
        axes.key.remove()
        axes.key = None
    if not handles:
        return
    axes.key = axes.figure.legend(
        [h for h, _ in handles],
        [label for _, label in handles],
        loc="center left",
        ncols=columns,
        frameon=False,
        fontsize=style.note_size,
        handlelength=KEY_HANDLE,
        handletextpad=KEY_PAD,
        columnspacing=KEY_SPACING,
        borderaxespad=0.0,
        borderpad=0.0,
        labelcolor=style.palette.text,
    )


def survival_figure(
    curves: Sequence[tuple[str, AuditFigures]],
    published: Sequence[PublishedResult] = (),
    style: PlotStyle = PRINT,
    size_in: tuple[float, float] = (7.2, 4.8),
    *,
    guide_months: float = 12.0,
) -> Figure:
    """Return a stand-alone survival figure for reports (no GUI canvas)."""
    figure = Figure(figsize=size_in, facecolor="white")
    axes = make_survival_axes(figure, style)
    draw_survival(axes, curves, published, style, guide_months=guide_months)
    return figure


def draw_failure_reasons(
    ax: Axes, figures: AuditFigures, style: PlotStyle, *, window_months: float = 12.0
) -> None:
    """Horizontal bars: how many failures within the window had each first reason."""
    clear_data(ax)
    style_axes(ax, style)
    reasons = list(FailureReason)
    counts = [figures.failure_reasons.get(reason, 0) for reason in reasons]
    total = sum(counts)
    panel_title(
        ax, f"First reason for failure within {window_months:g} months (n = {total})", style
    )
    positions = list(range(len(reasons)))[::-1]
    ax.barh(
        positions,
        counts,
        height=0.62,
        color=style.palette.series,
        edgecolor=style.palette.bar_edge,
        linewidth=style.edge_width,
        zorder=3,
    )
    ax.set_yticks(positions, [reason.label for reason in reasons])
    ax.tick_params(axis="y", length=0)
    ax.grid(False, axis="y")
    top = max(counts, default=0)
    ax.set_xlim(0.0, max(top * 1.25, 1.0))
    ax.set_ylim(-0.6, len(reasons) - 0.4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure = ax.get_figure(root=True)
    if figure is None:
        return
    pad = ScaledTranslation(4.0 * style.scale / 72, 0.0, figure.dpi_scale_trans)
    for position, count in zip(positions, counts, strict=True):
        share = f" ({100 * count / total:.0f}%)" if total else ""
        put(ax, _row_text(count, position, f"{count}{share}", ax.transData + pad, "left", style))


def failure_reasons_figure(
    figures: AuditFigures,
    style: PlotStyle = PRINT,
    size_in: tuple[float, float] = (7.2, 2.3),
    *,
    window_months: float = 12.0,
) -> Figure:
    """Return a stand-alone failure-reasons figure for reports."""
    figure = Figure(figsize=size_in, facecolor="white")
    ax = figure.add_axes(PLACEHOLDER)
    width, height = size_in
    widest = max(text_width(reason.label, style.tick_size) for reason in FailureReason)
    left = widest + style.inches(0.25)
    bottom, top = style.inches(0.35), style.inches(0.34)
    ax.set_position(
        (
            left / width,
            bottom / height,
            (width - left - style.inches(0.3)) / width,
            (height - bottom - top) / height,
        )
    )
    draw_failure_reasons(ax, figures, style, window_months=window_months)
    return figure
