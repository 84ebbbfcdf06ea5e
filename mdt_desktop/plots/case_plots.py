"""The case plots shared by the meeting screen and the PDF minutes.

Panels, top to bottom, on one time axis ending at the meeting: faecal calprotectin (log), CRP,
optionally white cell count / haemoglobin / albumin, drug levels, and the dose strip. The screen
keeps one ``CaseAxes`` and calls ``draw_case`` for every case (only data artists are replaced)
and ``layout_case_axes`` after every resize; reports call ``case_figure``.

Layout uses fixed margins in inches converted to figure fractions, never constrained or tight
layout (each costs tens of milliseconds per draw). Panel titles sit above each frame, the
threshold labels follow them on the same line, and the key sits under the date labels, so no
text covers data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from mdt_desktop.plots.biomarkers import (
    BLOOD_PANELS,
    CALPROTECTIN,
    CRP,
    draw_blood_counts,
    draw_calprotectin,
    draw_crp,
)
from mdt_desktop.plots.case_data import CasePlotData, HoverPoint, TimeWindow, date_number
from mdt_desktop.plots.fitted_text import GivesWayText, text_width
from mdt_desktop.plots.key import ROW_HEIGHT as KEY_ROW_HEIGHT
from mdt_desktop.plots.key import (
    KeyItem,
    key_entries,
    key_rows,
    make_key,
    place_key,
)
from mdt_desktop.plots.labels import display_date
from mdt_desktop.plots.levels import TITLE as LEVEL_TITLE
from mdt_desktop.plots.levels import draw_drug_levels
from mdt_desktop.plots.outline_text import OutlineTextAxes
from mdt_desktop.plots.panel import TITLE_OFFSET_POINTS, panel_title, style_axes
from mdt_desktop.plots.strip import STRIP_TOP, Lane, draw_dose_strip
from mdt_desktop.plots.style import PRINT, PlotStyle

__all__ = [
    "CaseAxes",
    "CasePlotData",
    "HoverPoint",
    "TimeWindow",
    "case_figure",
    "draw_blood_counts",
    "draw_calprotectin",
    "draw_case",
    "draw_crp",
    "draw_dose_strip",
    "draw_drug_levels",
    "layout_case_axes",
    "make_case_axes",
]


@dataclass(frozen=True, slots=True)
class Margins:
    """Fixed layout lengths in inches at scale 1 (multiplied by the style's scale)."""

    left_pad: float = 0.14  # beyond the widest tick or lane label
    right: float = 0.3
    top: float = 0.3
    title_gap: float = 0.3  # between panels: room for the next panel's title line
    strip_gap: float = 0.1  # above the strip, which has no title
    strip: float = 0.92
    dates: float = 0.32  # the date labels under the strip
    key_gap: float = 0.04
    key_right: float = 0.2
    minimum_panel: float = 0.15


MARGINS = Margins()
PLACEHOLDER = (0.1, 0.1, 0.8, 0.1)  # every panel is placed by layout_case_axes
LEFT_LABELS = (*(lane.value for lane in Lane), "Events", "10000")
MAIN_WEIGHT = 1.0
BLOOD_WEIGHT = 0.7


@dataclass
class CaseAxes:
    """The persistent axes of the case plots (and the key drawn for the current case)."""

    figure: Figure
    calprotectin: Axes
    crp: Axes
    blood: tuple[Axes, ...]
    level: Axes
    strip: Axes
    key: list[KeyItem] = field(default_factory=list)
    style: PlotStyle | None = None  # the style the panels are dressed in

    def panels(self) -> list[Axes]:
        """Return the panels in display order, top to bottom."""
        return [self.calprotectin, self.crp, *self.blood, self.level, self.strip]


def make_case_axes(figure: Figure, *, blood_counts: bool, style: PlotStyle) -> CaseAxes:
    """Clear *figure* and build the case panels on one shared time axis.

    Args:
        figure: The figure to draw into (its previous content is removed).
        blood_counts: Add white cell count, haemoglobin and albumin panels.
        style: Sizes and colours.

    Returns:
        The axes, laid out for the figure's current size.
    """
    figure.clear()
    figure.set_facecolor("white")
    strip = figure.add_axes(PLACEHOLDER, axes_class=OutlineTextAxes)
    calprotectin = figure.add_axes(PLACEHOLDER, axes_class=OutlineTextAxes, sharex=strip)
    crp = figure.add_axes(PLACEHOLDER, axes_class=OutlineTextAxes, sharex=strip)
    count = len(BLOOD_PANELS) if blood_counts else 0
    blood = tuple(
        figure.add_axes(PLACEHOLDER, axes_class=OutlineTextAxes, sharex=strip) for _ in range(count)
    )
    level = figure.add_axes(PLACEHOLDER, axes_class=OutlineTextAxes, sharex=strip)
    axes = CaseAxes(figure, calprotectin, crp, blood, level, strip)
    _dress(axes, style)
    layout_case_axes(axes, style)
    return axes


def _dress(axes: CaseAxes, style: PlotStyle) -> None:
    """Style every panel, title it, and hide the date labels of all but the strip (once)."""
    if axes.style == style:
        return
    blood_titles = [panel.title for panel in BLOOD_PANELS[: len(axes.blood)]]
    titles = [CALPROTECTIN.title, CRP.title, *blood_titles, LEVEL_TITLE]
    for ax in axes.panels():
        style_axes(ax, style)
    for ax, title in zip(axes.panels()[:-1], titles, strict=True):
        panel_title(ax, title, style)
        ax.tick_params(axis="x", labelbottom=False, bottom=False)  # the grid marks the months
    axes.strip.set_ylim(0.0, STRIP_TOP)
    axes.style = style


def layout_case_axes(axes: CaseAxes, style: PlotStyle) -> None:
    """Position the panels and the key for the figure's current size.

    Margins are fixed in inches (scaled by *style*) and converted to fractions of the figure,
    so titles and labels keep their room at any size. Call it after every resize.

    Args:
        axes: The case axes.
        style: Sizes and colours (the same style the case is drawn with).
    """
    width, height = (float(v) for v in axes.figure.get_size_inches())
    if width <= 0 or height <= 0:
        return  # a window not yet shown
    m = MARGINS
    s = style.inches
    left = left_margin(style)
    plot_width = max(width - left - s(m.right), s(m.minimum_panel))
    rows = key_rows(axes.key, width - left - s(m.key_right), style)
    key_height = s(m.key_gap) + len(rows) * s(KEY_ROW_HEIGHT) if rows else 0.0
    bottom = s(m.dates) + key_height
    place_key(rows, left, key_height - s(m.key_gap), style)
    boxes = _panel_heights(axes, height - bottom, style)
    y = bottom
    for ax, (panel_height, gap_above) in zip(reversed(axes.panels()), reversed(boxes), strict=True):
        ax.set_position((left / width, y / height, plot_width / width, panel_height / height))
        y += panel_height + gap_above


def left_margin(style: PlotStyle) -> float:
    """Return the left margin in inches: the widest lane or tick label plus a pad."""
    widest = max(text_width(label, style.tick_size) for label in LEFT_LABELS)
    return widest + style.inches(MARGINS.left_pad)


def _panel_heights(axes: CaseAxes, available: float, style: PlotStyle) -> list[tuple[float, float]]:
    """Return (height, gap above) of every panel, top to bottom, in inches."""
    m = MARGINS
    s = style.inches
    weights = [MAIN_WEIGHT, MAIN_WEIGHT, *([BLOOD_WEIGHT] * len(axes.blood)), MAIN_WEIGHT]
    gaps = [s(m.top)] + [s(m.title_gap)] * (len(weights) - 1)
    free = available - sum(gaps) - s(m.strip_gap) - s(m.strip)
    unit = max(free / sum(weights), s(m.minimum_panel))
    boxes = [(unit * w, gap) for w, gap in zip(weights, gaps, strict=True)]
    return [*boxes, (s(m.strip), s(m.strip_gap))]


def draw_case(axes: CaseAxes, data: CasePlotData, style: PlotStyle) -> list[HoverPoint]:
    """Replace the previous case's data with *data* in every panel, and the key.

    Blood-count panels are drawn when *axes* has them (``make_case_axes(blood_counts=True)``).

    Args:
        axes: The persistent case axes.
        data: The case.
        style: Sizes and colours.

    Returns:
        Hover points of every panel; ``axes_index`` indexes ``axes.panels()``.
    """
    _dress(axes, style)
    _replace_key(axes, data, style)
    layout_case_axes(axes, style)  # before drawing: the antibody row depends on panel heights
    blood = len(axes.blood)
    points = draw_calprotectin(axes.calprotectin, data, style, axes_index=0)
    points += draw_crp(axes.crp, data, style, axes_index=1)
    points += draw_blood_counts(axes.blood, data, style, first_index=2)
    points += draw_drug_levels(axes.level, data, style, axes_index=2 + blood)
    points += draw_dose_strip(axes.strip, data, style, axes_index=3 + blood)
    _meeting_label(axes.calprotectin, data, style)
    return points


def _meeting_label(ax: Axes, data: CasePlotData, style: PlotStyle) -> None:
    """Write ``Meeting 25 Nov 2026`` on the top panel's title line, ending at the meeting line."""
    figure = ax.get_figure(root=True)
    if figure is None:
        return
    lift = ScaledTranslation(0.0, TITLE_OFFSET_POINTS * style.scale / 72, figure.dpi_scale_trans)
    label = GivesWayText(
        date_number(data.end),
        1.0,
        f"Meeting {display_date(data.end)}",
        transform=ax.get_xaxis_transform() + lift,
        ha="right",
        va="bottom",
        fontsize=style.note_size,
        color=style.palette.meeting,
        fontweight="bold",
        clip_on=False,
    )
    ax.add_artist(label)  # removed with the case's other data by clear_data


def _replace_key(axes: CaseAxes, data: CasePlotData, style: PlotStyle) -> None:
    for item in axes.key:
        item.handle.remove()
        item.text.remove()
    axes.key = make_key(axes.figure, key_entries(data, style), style)


def case_figure(
    data: CasePlotData, style: PlotStyle = PRINT, size_in: tuple[float, float] = (10.0, 7.0)
) -> Figure:
    """Return a stand-alone figure of the case for reports.

    Args:
        data: The case (``data.blood_counts`` adds the blood-count panels).
        style: Sizes and colours; print by default.
        size_in: Width and height in inches.

    Returns:
        A figure without a GUI canvas; save it with ``figure.savefig`` or an Agg canvas.
    """
    figure = Figure(figsize=size_in, facecolor="white")
    axes = make_case_axes(figure, blood_counts=data.blood_counts, style=style)
    draw_case(axes, data, style)
    return figure
