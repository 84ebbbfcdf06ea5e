"""The drug-level panel: anti-TNF troughs against their target bands, antibodies, annotations.

Troughs (infliximab ``o``, adalimumab ``s``) are drawn in µg/mL against the band configured for
their analyte; the key names the square, and each level's hover names its marker. Anti-drug
antibodies are not on the trough scale: their units belong to one assay and are never compared
across assays, so they sit in a row along the top of the panel (x = date, y = axes fraction). Each
is read by domain/antibodies.py against the configured assay cut-offs and the laboratory's flag
(docs/clinical.md, "Antibodies"), and drawn in one of three ways: a filled vermillion ``X`` with its
value when detected, a small hollow grey circle when not, and a bold black ``?`` in a white disc,
with its value, when the result cannot be read (unknown: no cut-off and no flag, or the two
disagree). Pharmacist annotations ring the annotated point.

A level that was not taken as a trough (domain/sampling.py: too far before the next scheduled dose)
is drawn hollow, so the chair does not read it against the trough target band; its hover says when
it was taken, and that it is below target when it already is (the trough can only be lower;
docs/clinical.md, "Drug levels"). Levels whose timing is unknown keep the filled marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator, StrMethodFormatter

from mdt_desktop.domain.antibodies import AntibodyReading, AntibodyState, interpret
from mdt_desktop.domain.catalogue import (
    ANALYTES,
    DRUG_LEVEL_ANALYTES,
    DRUGS,
    display_unit,
    molecule_of,
)
from mdt_desktop.domain.enums import Analyte
from mdt_desktop.domain.readings import below_band
from mdt_desktop.domain.records import Annotation, Observation
from mdt_desktop.domain.sampling import (
    SampleTiming,
    Sampling,
    SamplingRules,
    result_name,
    sample_timing,
)
from mdt_desktop.domain.thresholds import Band
from mdt_desktop.plots.artists import (
    HOLLOW_FACE,
    BandSpan,
    SeriesLook,
    clear_data,
    draw_band,
    draw_series,
    meeting_line,
    put,
)
from mdt_desktop.plots.case_data import CasePlotData, HoverPoint, date_number
from mdt_desktop.plots.fitted_text import axes_width_points, text_width
from mdt_desktop.plots.labels import (
    band_range,
    band_text,
    display_date,
    isolated,
    observation_lines,
    source_tags,
    value_text,
    wrapped,
)
from mdt_desktop.plots.panel import (
    empty_note,
    header_notes,
    panel_title,
    prepare_time_axis,
    style_axes,
)
from mdt_desktop.plots.style import PlotStyle
from mdt_desktop.plots.ticks import FittingTicks

TITLE = f"Trough ({display_unit(ANALYTES[Analyte.INFLIXIMAB_LEVEL].unit)})"
EMPTY = "No drug levels in this window"
NO_TROUGH = "No trough levels in this window"
MARKERS = {Analyte.INFLIXIMAB_LEVEL: "o", Analyte.ADALIMUMAB_LEVEL: "s"}
MARKER_GLYPHS = {"o": "●", "s": "■"}
HOLLOW_GLYPHS = {"o": "○", "s": "□"}
MARKER_NAMES = {"o": "circle", "s": "square"}
ROW_BELOW_TOP = 8.0  # points from the top of the panel to the antibody row (at scale 1)
ROW_CLEARANCE = 13.0  # points between the antibody row and the highest trough (at scale 1)
DETECTED_SIZE = 1.4  # the detected-antibody X, relative to the data markers
UNKNOWN_SIZE = 1.5  # the unknown-antibody disc, relative to the data markers
UNKNOWN_GLYPH = r"$\mathbf{?}$"  # drawn over the disc
UNKNOWN_GLYPH_SIZE = 0.9  # the question mark, relative to the disc
RING_SIZE = 2.2  # the annotation ring, relative to the data markers
MIN_ROW = 0.6
MIN_DATA_TOP = 0.4
HEADROOM = 1.12
NON_TROUGH = "non-trough"  # gid of the hollow markers over levels that are not troughs
ANTIBODY_GIDS = {
    AntibodyState.DETECTED: "antibodies:detected",
    AntibodyState.NOT_DETECTED: "antibodies:not-detected",
    AntibodyState.UNKNOWN: "antibodies:unknown",
}
STATE_WORDS = {
    AntibodyState.DETECTED: "detected",
    AntibodyState.NOT_DETECTED: "not detected",
    AntibodyState.UNKNOWN: "unknown, cannot be read",
}
_POSITION = {-1: "Below", 0: "Within", 1: "Above"}


def draw_drug_levels(
    ax: Axes, data: CasePlotData, style: PlotStyle, *, axes_index: int = 0
) -> list[HoverPoint]:
    """Draw trough levels, their target bands, anti-drug antibodies and annotations.

    Args:
        ax: The panel (kept between cases; its previous data artists are removed).
        data: The case.
        style: Sizes and colours.
        axes_index: This panel's index in ``CaseAxes.panels()``.

    Returns:
        One hover point per trough and per antibody result in the window.
    """
    clear_data(ax)
    style_axes(ax, style)
    panel_title(ax, TITLE, style)
    prepare_time_axis(ax, data)
    meeting_line(ax, data, style)
    series = level_series(data)
    antibodies = data.observations(Analyte.ANTI_DRUG_ANTIBODIES)
    if not series and not antibodies:
        empty_note(ax, EMPTY, style)
        return []
    row = antibody_row(ax, style) if antibodies else None
    if not series:
        empty_note(ax, NO_TROUGH, style)
        top = 1.0
    else:
        top = _trough_axis(ax, data, series, style, row)
        _draw_troughs(ax, data, series, style)
    points = [p for a, obs in series.items() for p in _trough_hover(data, a, obs, axes_index)]
    if row is not None:
        points += _draw_antibodies(ax, data, antibodies, style, row, axes_index, top)
    _draw_rings(ax, data, [o for obs in series.values() for o in obs], antibodies, style, row)
    return points


@dataclass(frozen=True, slots=True)
class AntibodyRow:
    """Where the antibody row sits (axes fraction) and how high troughs may reach below it."""

    fraction: float
    data_top: float


def antibody_row(ax: Axes, style: PlotStyle) -> AntibodyRow:
    """Return the antibody row for the panel's current height, a fixed distance below its top."""
    figure = ax.get_figure(root=True)
    height = ax.get_position().height * (figure.get_size_inches()[1] if figure else 1.0) * 72
    below = ROW_BELOW_TOP * style.scale / max(height, 1.0)
    clearance = ROW_CLEARANCE * style.scale / max(height, 1.0)
    fraction = max(MIN_ROW, 1.0 - below)
    return AntibodyRow(fraction, max(MIN_DATA_TOP, fraction - clearance))


def level_series(data: CasePlotData) -> dict[Analyte, tuple[Observation, ...]]:
    """Return the trough series present in the window, by analyte."""
    series = {a: data.observations(a) for a in DRUG_LEVEL_ANALYTES}
    return {a: obs for a, obs in series.items() if obs}


def _trough_axis(
    ax: Axes,
    data: CasePlotData,
    series: dict[Analyte, tuple[Observation, ...]],
    style: PlotStyle,
    row: AntibodyRow | None,
) -> float:
    """Set linear limits from zero to fit troughs and bands (and the antibody row); return top."""
    values = [o.value for obs in series.values() for o in obs]
    values += [b.upper for b in _bands(data, series)]
    top = max(max(values), 1.0) * HEADROOM
    if row is not None:
        top /= row.data_top
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    ax.yaxis.set_major_locator(FittingTicks(style.tick_size))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.set_ylim(0.0, top)
    return top


def _bands(data: CasePlotData, series: dict[Analyte, tuple[Observation, ...]]) -> list[Band]:
    bands = [data.thresholds.target_band(a) for a in series]
    return [b for b in bands if b is not None]


def _draw_troughs(
    ax: Axes,
    data: CasePlotData,
    series: dict[Analyte, tuple[Observation, ...]],
    style: PlotStyle,
) -> None:
    notes: list[tuple[str, str]] = []
    for analyte, observations in series.items():
        marker = MARKERS.get(analyte, "o")
        draw_series(ax, observations, SeriesLook(style.palette.series, marker), style)
        _hollow_non_troughs(ax, data, observations, marker, style)
        band = data.thresholds.target_band(analyte)
        if band is None:
            continue
        x_range = None if len(series) == 1 else drug_span(data, analyte)
        draw_band(ax, BandSpan(band.lower, band.upper, x_range), style)
        glyph = f" {MARKER_GLYPHS[marker]}" if len(series) > 1 else ""
        notes.append((f"{_molecule(analyte)}{glyph} {band_text(band)}", style.palette.band_edge))
    header_notes(ax, notes, style)


def timings(data: CasePlotData, observations: Sequence[Observation]) -> list[Sampling]:
    """When each result was taken relative to the doses of its drug."""
    rules = SamplingRules.from_thresholds(data.thresholds)
    periods = data.record.medications
    return [sample_timing(o, periods, rules) for o in observations]


def non_troughs(data: CasePlotData, observations: Sequence[Observation]) -> list[Observation]:
    """The exact results that were not taken as troughs (bounds keep their hollow triangles)."""
    return [
        o
        for o, timing in zip(observations, timings(data, observations), strict=True)
        if o.comparator is None and timing.timing is SampleTiming.NOT_TROUGH
    ]


def _hollow_non_troughs(
    ax: Axes, data: CasePlotData, observations: Sequence[Observation], marker: str, style: PlotStyle
) -> None:
    """Draw a hollow marker over each level that is not a trough (its filled one is hidden)."""
    chosen = non_troughs(data, observations)
    if not chosen:
        return
    put(
        ax,
        Line2D(
            [date_number(o.collected_at) for o in chosen],
            [o.value for o in chosen],
            linestyle="none",
            marker=marker,
            markersize=style.marker_size,
            markerfacecolor=HOLLOW_FACE,
            markeredgecolor=style.palette.series,
            markeredgewidth=1.8 * style.scale,
            zorder=4,
            gid=NON_TROUGH,
        ),
    )


def _molecule(analyte: Analyte) -> str:
    """Return e.g. ``Infliximab`` for infliximab_level."""
    return ANALYTES[analyte].label.split()[0]


def drug_span(data: CasePlotData, analyte: Analyte) -> tuple[float, float] | None:
    """Return the x range during which a drug measured by *analyte* was given in the window.

    None when no such medication is recorded: the band then spans the whole panel.
    """
    left, right = data.xlim
    periods = [p for p in data.medications() if DRUGS[p.drug].level_analyte is analyte]
    if not periods:
        return None
    start = max(left, min(date_number(p.start) for p in periods))
    ends = [date_number(p.end) if p.end else date_number(data.end) for p in periods]
    return start, min(right, max(ends))


def _trough_hover(
    data: CasePlotData, analyte: Analyte, observations: Sequence[Observation], axes_index: int
) -> list[HoverPoint]:
    band = data.thresholds.target_band(analyte)
    points = []
    for o, timing in zip(observations, timings(data, observations), strict=True):
        lines = observation_lines(o, result_name(o.analyte))  # a level, trough or not
        if o.assay:
            lines.append(isolated(f"Assay: {o.assay}"))
        lines.append(timing.text)
        lines.append(marker_line(o, timing.timing))
        if band is not None and timing.timing is SampleTiming.NOT_TROUGH and below_band(o, band):
            lines.insert(
                1,
                f"Below the target of {band_range(band)} although not a trough: the trough "
                f"can only be lower {source_tags(band.sources)}",
            )
        elif band is not None and timing.timing is SampleTiming.NOT_TROUGH:
            lines.insert(1, f"Not read against the trough target of {band_range(band)}")
        elif band is not None:
            lines.insert(
                1,
                f"{_POSITION[band.position(o.value)]} the target of "
                f"{band_range(band)} {source_tags(band.sources)}",
            )
        lines += annotation_lines(data.annotation_for(o))
        points.append(
            HoverPoint(axes_index, date_number(o.collected_at), o.value, "\n".join(lines), o.id)
        )
    return points


def marker_line(observation: Observation, timing: SampleTiming) -> str:
    """What the level's marker on the plot means, e.g. ``Marker ■ (filled square): adalimumab``.

    The same words as the key: troughs are filled (infliximab a circle, adalimumab a square),
    levels that are not troughs hollow, bounds hollow triangles.
    """
    if observation.comparator is not None:
        if observation.below_limit:
            return "Marker ▽ (hollow triangle): below the assay limit"
        return "Marker △ (hollow triangle): above the assay range"
    shape = MARKERS.get(observation.analyte, "o")
    if timing is SampleTiming.NOT_TROUGH:
        return f"Marker {HOLLOW_GLYPHS[shape]} (hollow {MARKER_NAMES[shape]}): not a trough"
    drug = _molecule(observation.analyte).lower()
    return f"Marker {MARKER_GLYPHS[shape]} (filled {MARKER_NAMES[shape]}): {drug}"


def antibody_reading(data: CasePlotData, observation: Observation) -> AntibodyReading:
    """What one antibody result says: detected, not detected or unknown, and why."""
    return interpret(observation, data.antibody_assays)


def antibody_states(
    data: CasePlotData, antibodies: Sequence[Observation]
) -> dict[AntibodyState, list[Observation]]:
    """The antibody results of the window grouped by their reading (every state present)."""
    grouped: dict[AntibodyState, list[Observation]] = {state: [] for state in AntibodyState}
    for o in antibodies:
        grouped[antibody_reading(data, o).state].append(o)
    return grouped


def _draw_antibodies(
    ax: Axes,
    data: CasePlotData,
    antibodies: Sequence[Observation],
    style: PlotStyle,
    row: AntibodyRow,
    axes_index: int,
    top: float,
) -> list[HoverPoint]:
    """Draw the antibody row along the top; return hover points in data coordinates."""
    grouped = antibody_states(data, antibodies)
    if grouped[AntibodyState.NOT_DETECTED]:
        _undetected_markers(ax, grouped[AntibodyState.NOT_DETECTED], style, row)
    if grouped[AntibodyState.UNKNOWN]:
        _unknown_markers(ax, grouped[AntibodyState.UNKNOWN], style, row)
    others = [date_number(o.collected_at) for o in antibodies]
    for o in grouped[AntibodyState.DETECTED]:
        _detected_marker(ax, o, style, row)
        _value_beside(ax, data, o, style, (row, others), (style.palette.antibody, "bold"))
    for o in grouped[AntibodyState.UNKNOWN]:
        _value_beside(ax, data, o, style, (row, others), (style.palette.text, "normal"))
    y = row.fraction * top
    return [
        HoverPoint(axes_index, date_number(o.collected_at), y, antibody_hover(data, o), o.id)
        for o in antibodies
    ]


def _undetected_markers(
    ax: Axes, chosen: Sequence[Observation], style: PlotStyle, row: AntibodyRow
) -> None:
    marks = Line2D(
        [date_number(o.collected_at) for o in chosen],
        [row.fraction] * len(chosen),
        linestyle="none",
        marker="o",
        markersize=style.small_marker_size,
        markerfacecolor=HOLLOW_FACE,
        markeredgecolor=style.palette.undetected,
        markeredgewidth=1.4 * style.scale,
        zorder=5,
        gid=ANTIBODY_GIDS[AntibodyState.NOT_DETECTED],
    )
    marks.set_transform(ax.get_xaxis_transform())
    put(ax, marks)


def _unknown_markers(
    ax: Axes, chosen: Sequence[Observation], style: PlotStyle, row: AntibodyRow
) -> None:
    marks = QuestionDisc(
        [date_number(o.collected_at) for o in chosen],
        [row.fraction] * len(chosen),
        style=style,
        zorder=6,
        gid=ANTIBODY_GIDS[AntibodyState.UNKNOWN],
    )
    marks.set_transform(ax.get_xaxis_transform())
    put(ax, marks)


class QuestionDisc(Line2D):
    """The unknown-antibody mark: a white disc ringed in the text colour, a bold ``?`` on it.

    One artist (the question mark is drawn by the disc itself), so it is removed, placed and
    hidden like any other marker; black on white reads on a projector and in print.
    """

    def __init__(
        self, xs: Sequence[float], ys: Sequence[float], *, style: PlotStyle, **kwargs: Any
    ) -> None:
        super().__init__(
            xs,
            ys,
            linestyle="none",
            marker="o",
            markersize=style.marker_size * UNKNOWN_SIZE,
            markerfacecolor=HOLLOW_FACE,
            markeredgecolor=style.palette.text,
            markeredgewidth=1.4 * style.scale,
            **kwargs,
        )
        self._glyph = Line2D(
            [],
            [],
            linestyle="none",
            marker=UNKNOWN_GLYPH,
            markerfacecolor=style.palette.text,
            markeredgecolor=style.palette.text,
            markeredgewidth=0.0,
        )

    def draw(self, renderer: Any) -> None:
        """Draw the disc, then the question mark over each of its markers."""
        super().draw(renderer)
        if not self.get_visible():
            return
        glyph = self._glyph
        glyph.set_data(self.get_xdata(), self.get_ydata())
        glyph.set_transform(self.get_transform())
        glyph.set_markevery(self.get_markevery())
        glyph.set_markersize(self.get_markersize() * UNKNOWN_GLYPH_SIZE)
        glyph.set_clip_box(self.get_clip_box())
        glyph.set_clip_on(self.get_clip_on())
        glyph.draw(renderer)


def _detected_marker(ax: Axes, o: Observation, style: PlotStyle, row: AntibodyRow) -> None:
    mark = Line2D(
        [date_number(o.collected_at)],
        [row.fraction],
        linestyle="none",
        marker="X",
        markersize=style.marker_size * DETECTED_SIZE,
        markerfacecolor=style.palette.antibody,
        markeredgecolor="white",
        markeredgewidth=0.8 * style.scale,
        zorder=6,
        gid=ANTIBODY_GIDS[AntibodyState.DETECTED],
    )
    mark.set_transform(ax.get_xaxis_transform())
    put(ax, mark)


def _value_beside(
    ax: Axes,
    data: CasePlotData,
    o: Observation,
    style: PlotStyle,
    where: tuple[AntibodyRow, list[float]],
    look: tuple[str, str],
) -> None:
    """Write the value beside a marker, on the side free of other antibody markers.

    *look* is the text's colour and weight (detected: vermillion bold; unknown: text colour).
    """
    row, others = where
    colour, weight = look
    x = date_number(o.collected_at)
    side = _free_side(
        ax, data, x, text_width(value_text(o), style.note_size, weight), others, style
    )
    offset = (side or 0) * style.marker_size
    ax.annotate(
        value_text(o),
        xy=(x, row.fraction),
        xycoords=ax.get_xaxis_transform(),
        xytext=(offset, 0.0) if side else (0.0, -style.marker_size),
        textcoords="offset points",
        ha={1: "left", -1: "right", None: "center"}[side],
        va="center" if side else "top",
        fontsize=style.note_size,
        color=colour,
        fontweight=weight,
        zorder=6,
        parse_math=False,  # the value and unit come from the laboratory: never mathtext
    )


def _free_side(
    ax: Axes, data: CasePlotData, x: float, width_in: float, others: list[float], style: PlotStyle
) -> int | None:
    """Return 1 (right) or -1 (left) where the text clears the frame and other markers."""
    left, right = data.xlim
    per_point = (right - left) / max(axes_width_points(ax), 1.0)
    gap = style.marker_size * per_point
    width = width_in * 72 * per_point
    for side in (1, -1):
        near, far = sorted((x + side * gap * 0.6, x + side * (gap + width)))
        inside = left <= near and far <= right
        if inside and not any(near - gap <= o <= far + gap for o in others if o != x):
            return side
    return None


def antibody_hover(data: CasePlotData, o: Observation) -> str:
    """Return the hover text of one antibody result: reading and why, assay, drug, date, source."""
    reading = antibody_reading(data, o)
    lines = [f"Anti-drug antibodies: {STATE_WORDS[reading.state]} ({value_text(o)})"]
    lines += wrapped(display_unit(reading.reason), "Reading: ")
    if o.assay:
        lines.append(isolated(f"Assay: {o.assay}"))
    if o.target_drug:
        lines.append(f"Target drug: {molecule_of(o.target_drug)} (any route or product)")
    lines.append(display_date(o.collected_at))
    lines.append(timings(data, [o])[0].text)
    if o.source:
        lines.append(isolated(f"Source: {o.source}"))
    lines.append("Units belong to this assay: do not compare across assays.")
    lines += annotation_lines(data.annotation_for(o))
    return "\n".join(lines)


def annotation_lines(annotation: Annotation | None) -> list[str]:
    """Return the hover lines of a pharmacist annotation (none for None)."""
    if annotation is None:
        return []
    lines = [
        f"Pharmacist ({isolated(annotation.pharmacist)}, {display_date(annotation.created_at)}): "
        f"{annotation.interpretation.label}"
    ]
    lines += wrapped(annotation.comment)
    lines += wrapped(annotation.recommendation, "Recommendation: ")
    return lines


def _draw_rings(
    ax: Axes,
    data: CasePlotData,
    troughs: Sequence[Observation],
    antibodies: Sequence[Observation],
    style: PlotStyle,
    row: AntibodyRow | None,
) -> None:
    """Ring every annotated trough and antibody result."""
    ringed = [(date_number(o.collected_at), o.value) for o in troughs if data.annotation_for(o)]
    if ringed:
        put(ax, _ring([x for x, _ in ringed], [y for _, y in ringed], style))
    on_row = [date_number(o.collected_at) for o in antibodies if data.annotation_for(o)]
    if on_row and row is not None:
        ring = _ring(on_row, [row.fraction] * len(on_row), style)
        ring.set_transform(ax.get_xaxis_transform())
        put(ax, ring)


def _ring(xs: list[float], ys: list[float], style: PlotStyle) -> Line2D:
    return Line2D(
        xs,
        ys,
        linestyle="none",
        marker="o",
        markersize=style.marker_size * RING_SIZE,
        markerfacecolor="none",
        markeredgecolor=style.palette.annotation,
        markeredgewidth=1.8 * style.scale,
        zorder=7,
        gid="annotation-ring",
    )
