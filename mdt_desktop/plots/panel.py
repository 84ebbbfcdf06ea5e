"""The furniture of a panel: frame and ticks style, title line, time axis, empty note.

A panel's title is its y label, moved above the frame and left-aligned; threshold labels follow
it on the same line, so nothing written about a panel covers its data.
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.ticker import NullLocator
from matplotlib.transforms import ScaledTranslation

from mdt_desktop.plots.case_data import CasePlotData
from mdt_desktop.plots.style import PlotStyle
from mdt_desktop.plots.timeaxis import MonthFormatter, MonthLocator

HEADER_GAP_POINTS = 18.0  # between a panel title and the band label that follows it
_STYLED: WeakKeyDictionary[Axes, PlotStyle] = WeakKeyDictionary()
TITLE_OFFSET_POINTS = 4.0


def style_axes(ax: Axes, style: PlotStyle) -> None:
    """Apply fonts, frame, ticks and grid of *style* to *ax* (once per axes and style)."""
    if _STYLED.get(ax) == style:
        return
    palette = style.palette
    ax.set_axisbelow(True)
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(palette.frame)
        ax.spines[side].set_linewidth(style.grid_width)
    ax.tick_params(
        labelsize=style.tick_size,
        colors=palette.text,
        length=3.5 * style.scale,
        width=style.grid_width,
        pad=2.5 * style.scale,
    )
    ax.tick_params(axis="both", color=palette.frame)
    ax.grid(True, color=palette.grid, linewidth=style.grid_width)
    ax.xaxis.set_label_coords(0.5, 0.0)  # no x label: skip placing it from tick-label boxes
    _STYLED[ax] = style


def panel_title(ax: Axes, text: str, style: PlotStyle) -> None:
    """Show *text* as the panel's title, left-aligned just above its frame.

    The title is the y label, moved: ``ax.get_ylabel()`` reads it, no rotated text is needed and
    the label never grows taller than a short panel.
    """
    label = ax.yaxis.label
    if ax.get_ylabel() == text and label.get_fontsize() == style.label_size:
        return
    ax.set_ylabel(
        text,
        rotation=0,
        ha="left",
        va="bottom",
        fontsize=style.label_size,
        color=style.palette.text,
        fontweight="bold",
    )
    figure = ax.get_figure(root=True)
    if figure is None:
        return
    lift = ScaledTranslation(0.0, TITLE_OFFSET_POINTS * style.scale / 72, figure.dpi_scale_trans)
    ax.yaxis.set_label_coords(0.0, 1.0, transform=ax.transAxes + lift)


def prepare_time_axis(ax: Axes, data: CasePlotData) -> None:
    """Set the shared x limits and, once, the month locator and formatter."""
    if not isinstance(ax.xaxis.get_major_locator(), MonthLocator):
        ax.xaxis.set_major_locator(MonthLocator())
        ax.xaxis.set_major_formatter(MonthFormatter())
    if tuple(ax.get_xlim()) != data.xlim:
        ax.set_xlim(*data.xlim)


def empty_note(ax: Axes, text: str, style: PlotStyle) -> Text:
    """Write a centred grey note in a panel that has nothing to show, and hide its y ticks."""
    ax.set_yscale("linear")
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_locator(NullLocator())
    return ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=style.note_size,
        color=style.palette.muted_text,
        fontstyle="italic",
    )


def header_notes(ax: Axes, notes: Sequence[tuple[str, str]], style: PlotStyle) -> list[Text]:
    """Write (text, colour) notes after the panel title, left to right, above the frame."""
    texts: list[Text] = []
    anchor: Artist = ax.yaxis.label
    for text, colour in notes:
        note = ax.annotate(
            text,
            xy=(1.0, 0.0),
            xycoords=anchor,
            xytext=(HEADER_GAP_POINTS * style.scale, 0.0),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=style.note_size,
            color=colour,
            annotation_clip=False,
        )
        texts.append(note)
        anchor = note
    return texts
