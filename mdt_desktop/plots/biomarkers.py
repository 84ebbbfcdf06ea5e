"""Biomarker panels: faecal calprotectin (log), CRP, and on demand WBC, haemoglobin, albumin.

Each panel draws one analyte over the window with the configured threshold: a shaded remission
band with a dashed edge (calprotectin, CRP) or a dashed relapse-risk line (WBC, haemoglobin),
labelled with its value, unit and source tags beside the panel title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.ticker import NullLocator, StrMethodFormatter

from mdt_desktop.domain.catalogue import ANALYTES, display_unit
from mdt_desktop.domain.enums import Analyte, Comparator
from mdt_desktop.domain.records import Observation
from mdt_desktop.domain.thresholds import Threshold
from mdt_desktop.plots.artists import (
    BandSpan,
    SeriesLook,
    clear_data,
    dashed_level,
    draw_band,
    draw_series,
    meeting_line,
)
from mdt_desktop.plots.case_data import CasePlotData, HoverPoint, date_number
from mdt_desktop.plots.labels import observation_lines, threshold_text
from mdt_desktop.plots.panel import (
    empty_note,
    header_notes,
    panel_title,
    prepare_time_axis,
    style_axes,
)
from mdt_desktop.plots.style import PlotStyle
from mdt_desktop.plots.ticks import FittingTicks, LogTicks

LOG_PAD = 1.8  # the log axis spans min/1.8 .. max*1.8 of the values and the threshold
LINEAR_HEADROOM = 1.15
BLOOD_PAD = 0.15
_ABOVE = (Comparator.GT, Comparator.GE)


@dataclass(frozen=True, slots=True)
class MeasuredPanel:
    """How one biomarker panel reads its data and draws its threshold."""

    analyte: Analyte
    title: str
    empty: str
    threshold_key: str | None = None
    band: bool = True  # True: shaded remission band; False: a dashed relapse-risk line
    log: bool = False
    from_zero: bool = False


def _title(analyte: Analyte, extra: str = "") -> str:
    info = ANALYTES[analyte]
    return f"{info.label} ({display_unit(info.unit)}{extra})"


CALPROTECTIN = MeasuredPanel(
    Analyte.FAECAL_CALPROTECTIN,
    _title(Analyte.FAECAL_CALPROTECTIN, ", log scale"),
    "No calprotectin in this window",
    "calprotectin_remission",
    log=True,
)
CRP = MeasuredPanel(
    Analyte.CRP,
    f"CRP ({display_unit(ANALYTES[Analyte.CRP].unit)})",
    "No CRP in this window",
    "crp_remission",
    from_zero=True,
)
BLOOD_PANELS = (
    MeasuredPanel(
        Analyte.WBC, _title(Analyte.WBC), "No white cell count in this window", "risk_wbc", False
    ),
    MeasuredPanel(
        Analyte.HAEMOGLOBIN,
        _title(Analyte.HAEMOGLOBIN),
        "No haemoglobin in this window",
        "risk_haemoglobin",
        False,
    ),
    MeasuredPanel(Analyte.ALBUMIN, _title(Analyte.ALBUMIN), "No albumin in this window"),
)


def draw_calprotectin(
    ax: Axes, data: CasePlotData, style: PlotStyle, *, axes_index: int = 0
) -> list[HoverPoint]:
    """Draw faecal calprotectin on a log axis with the remission band.

    Args:
        ax: The panel (kept between cases; its previous data artists are removed).
        data: The case.
        style: Sizes and colours.
        axes_index: This panel's index in ``CaseAxes.panels()``, copied into the hover points.

    Returns:
        One hover point per result in the window.
    """
    return draw_measured(ax, data, CALPROTECTIN, style, axes_index)


def draw_crp(
    ax: Axes, data: CasePlotData, style: PlotStyle, *, axes_index: int = 0
) -> list[HoverPoint]:
    """Draw CRP on a linear axis from zero with the remission band.

    Args:
        ax: The panel.
        data: The case.
        style: Sizes and colours.
        axes_index: This panel's index in ``CaseAxes.panels()``.

    Returns:
        One hover point per result in the window.
    """
    return draw_measured(ax, data, CRP, style, axes_index)


def draw_blood_counts(
    axes: Sequence[Axes], data: CasePlotData, style: PlotStyle, *, first_index: int = 0
) -> list[HoverPoint]:
    """Draw white cell count, haemoglobin and albumin, one small panel each.

    Args:
        axes: Three panels, top to bottom (fewer panels draw fewer analytes).
        data: The case.
        style: Sizes and colours.
        first_index: Index of the first of these panels in ``CaseAxes.panels()``.

    Returns:
        The hover points of all three panels.
    """
    points: list[HoverPoint] = []
    for offset, (ax, panel) in enumerate(zip(axes, BLOOD_PANELS, strict=False)):
        points += draw_measured(ax, data, panel, style, first_index + offset)
    return points


def draw_measured(
    ax: Axes, data: CasePlotData, panel: MeasuredPanel, style: PlotStyle, axes_index: int
) -> list[HoverPoint]:
    """Draw one biomarker panel: series, threshold, title, meeting line, or an empty note.

    Args:
        ax: The panel.
        data: The case.
        panel: Which analyte and threshold.
        style: Sizes and colours.
        axes_index: This panel's index in ``CaseAxes.panels()``.

    Returns:
        One hover point per result in the window.
    """
    clear_data(ax)
    style_axes(ax, style)
    panel_title(ax, panel.title, style)
    prepare_time_axis(ax, data)
    meeting_line(ax, data, style)
    observations = data.observations(panel.analyte)
    if not observations:
        empty_note(ax, panel.empty, style)
        return []
    threshold = data.thresholds.values.get(panel.threshold_key or "")
    low, high = _value_axis(ax, panel, [o.value for o in observations], threshold, style)
    draw_series(ax, observations, SeriesLook(style.palette.series), style)
    if threshold is not None:
        _draw_threshold(ax, panel, threshold, (low, high), style)
    return [
        HoverPoint(axes_index, date_number(o.collected_at), o.value, _hover(o))
        for o in observations
    ]


def _hover(observation: Observation) -> str:
    return "\n".join(observation_lines(observation))


def _value_axis(
    ax: Axes,
    panel: MeasuredPanel,
    values: list[float],
    threshold: Threshold | None,
    style: PlotStyle,
) -> tuple[float, float]:
    """Set the y scale, limits and ticks for *values* and the threshold; return the limits."""
    shown = values + ([threshold.value] if threshold is not None else [])
    if panel.log:
        low, high = log_limits(shown)
        if ax.get_yscale() != "log":
            ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogTicks(style.tick_size))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    else:
        low, high = linear_limits(shown, from_zero=panel.from_zero)
        if ax.get_yscale() != "linear":
            ax.set_yscale("linear")
        ax.yaxis.set_major_locator(FittingTicks(style.tick_size))
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.set_ylim(low, high)
    return low, high


def _draw_threshold(
    ax: Axes,
    panel: MeasuredPanel,
    threshold: Threshold,
    limits: tuple[float, float],
    style: PlotStyle,
) -> None:
    if panel.band:
        ax_low, ax_high = limits
        if threshold.comparator in _ABOVE:
            span = BandSpan(threshold.value, ax_high * 10, lower_edge=True, upper_edge=False)
        else:
            span = BandSpan(
                ax_low / 10 if panel.log else ax_low - abs(ax_high),
                threshold.value,
                lower_edge=False,
                upper_edge=True,
            )
        draw_band(ax, span, style)
        note = (f"remission {threshold_text(threshold)}", style.palette.band_edge)
    else:
        dashed_level(ax, threshold.value, style, colour=style.palette.risk)
        note = (f"relapse risk {threshold_text(threshold)}", style.palette.risk)
    header_notes(ax, [note], style)


def log_limits(values: Sequence[float]) -> tuple[float, float]:
    """Return log-axis limits around positive *values* (non-positive values are ignored)."""
    positive = [v for v in values if v > 0] or [1.0]
    return min(positive) / LOG_PAD, max(positive) * LOG_PAD


def linear_limits(values: Sequence[float], *, from_zero: bool) -> tuple[float, float]:
    """Return linear-axis limits: from zero with headroom, or padded around the values."""
    low, high = min(values), max(values)
    if from_zero:
        return 0.0, max(high, 1.0) * LINEAR_HEADROOM
    pad = (high - low) * BLOOD_PAD or max(abs(high) * 0.1, 1.0)
    return low - pad, high + pad
