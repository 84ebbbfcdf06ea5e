"""The colour and symbol key under the dose strip's date labels.

Only what the case shows is listed (a patient never intensified has no orange entry). Entries
flow left to right and wrap to another row when the figure is narrow, so the key never covers
data and never runs off the figure. Positions are in inches from the figure's bottom-left
corner and are recomputed by ``place_key`` on every layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from mdt_desktop.domain.antibodies import AntibodyState
from mdt_desktop.domain.catalogue import ANALYTES
from mdt_desktop.domain.enums import Analyte, Comparator, EventKind
from mdt_desktop.plots.artists import CENSORED_SIZE, HOLLOW_FACE
from mdt_desktop.plots.biomarkers import BLOOD_PANELS
from mdt_desktop.plots.case_data import CasePlotData
from mdt_desktop.plots.fitted_text import text_width
from mdt_desktop.plots.levels import (
    DETECTED_SIZE,
    MARKERS,
    UNKNOWN_SIZE,
    QuestionDisc,
    antibody_states,
    level_series,
    non_troughs,
)
from mdt_desktop.plots.outline_text import OutlineText
from mdt_desktop.plots.strip import (
    EVENT_LOOKS,
    PLAN_HATCH,
    SINGLE_DOSE_MARKER,
    Lane,
    PeriodKind,
    classify_periods,
    event_marker_size,
    is_single_dose,
    plan_fill,
    single_dose_size,
)
from mdt_desktop.plots.style import PlotStyle

HANDLE_WIDTH = 0.26  # inches at scale 1
HANDLE_GAP = 0.07
ENTRY_GAP = 0.2
ROW_HEIGHT = 0.24
ENDOSCOPY_LABELS = {True: "Endoscopy: healing", False: "Endoscopy: no healing", None: "Endoscopy"}
KEY_RING_SIZE = 1.5  # the annotation ring in the key: smaller than on the plot, to fit a row


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One entry of the key: a bar swatch, a marker, or a dotted vertical line."""

    label: str
    shape: str  # "bar", "hatched" (the proposed regimen), "marker", "vline" or "unknown"
    face: str | tuple[float, float, float]
    edge: str
    marker: str = ""
    size: float = 0.0  # marker size in points; 0: the style's data marker size


@dataclass
class KeyItem:
    """The artists of one drawn key entry and its measured width."""

    entry: KeyEntry
    handle: Artist
    text: Text
    width: float  # inches, handle + gap + text


def key_entries(data: CasePlotData, style: PlotStyle) -> list[KeyEntry]:
    """Return the entries for what this case shows in its window, in reading order."""
    return [
        *_period_entries(data, style),
        *_event_entries(data, style),
        *_symbol_entries(data, style),
    ]


def _period_entries(data: CasePlotData, style: PlotStyle) -> Iterator[KeyEntry]:
    kinds = classify_periods(data.record.medications, data.regimens)
    shown = data.medications()
    present = {kinds[p] for p in shown if not is_single_dose(p)}
    for kind in PeriodKind:
        if kind in present and kind.lane is Lane.BIOLOGIC:
            yield KeyEntry(kind.label, "bar", kind.colour(style.palette), style.palette.bar_edge)
    if any(is_single_dose(p) for p in shown):
        palette = style.palette
        yield KeyEntry(
            "Single dose",
            "marker",
            palette.standard,
            palette.bar_edge,
            SINGLE_DOSE_MARKER,
            single_dose_size(style),
        )
    if data.plan is not None and data.plan.until > data.end:
        yield KeyEntry("Proposed regimen", "hatched", plan_fill(style), style.palette.bar_edge)


def _event_entries(data: CasePlotData, style: PlotStyle) -> Iterator[KeyEntry]:
    events = data.events()
    palette = style.palette
    for kind, look in EVENT_LOOKS.items():
        chosen = [e for e in events if e.kind is kind]
        if kind is EventKind.ENDOSCOPY:
            healing = {e.mucosal_healing for e in chosen}
            size = event_marker_size("D", style)
            if True in healing:
                yield KeyEntry(
                    "Endoscopy: healing", "marker", palette.healing, palette.event, "D", size
                )
            if False in healing:
                yield KeyEntry("Endoscopy: no healing", "marker", "white", palette.event, "D", size)
            if None in healing:
                yield KeyEntry("Endoscopy", "marker", palette.induction, palette.event, "D", size)
        elif chosen:
            size = event_marker_size(look.marker, style)
            yield KeyEntry(look.label, "marker", palette.event, palette.event, look.marker, size)
    if any(e.kind is EventKind.FLARE for e in events):
        yield KeyEntry("Flare", "vline", palette.flare, palette.flare)


def _symbol_entries(data: CasePlotData, style: PlotStyle) -> Iterator[KeyEntry]:
    palette = style.palette
    series = level_series(data)
    shown = [o for a in _plotted_analytes(data) for o in data.observations(a)]
    yield from _filled_entries(data, style)
    bound = style.marker_size * CENSORED_SIZE
    if any(o.below_limit for o in shown):
        yield KeyEntry("Below assay limit", "marker", HOLLOW_FACE, palette.series, "v", bound)
    if any(o.comparator in (Comparator.GT, Comparator.GE) for o in shown):
        yield KeyEntry("Above assay range", "marker", HOLLOW_FACE, palette.series, "^", bound)
    antibodies = data.observations(Analyte.ANTI_DRUG_ANTIBODIES)
    states = antibody_states(data, antibodies)
    if states[AntibodyState.DETECTED]:
        size = style.marker_size * DETECTED_SIZE
        yield KeyEntry("Antibodies detected", "marker", palette.antibody, "white", "X", size)
    if states[AntibodyState.NOT_DETECTED]:
        size = style.small_marker_size
        yield KeyEntry("No antibodies", "marker", HOLLOW_FACE, palette.undetected, "o", size)
    if states[AntibodyState.UNKNOWN]:
        size = style.marker_size * UNKNOWN_SIZE
        yield KeyEntry("Antibodies: unknown", "unknown", HOLLOW_FACE, palette.text, "o", size)
    hollow = [a for a, obs in series.items() if non_troughs(data, obs)]
    if hollow:  # in the shape of the first drug that has one
        yield KeyEntry("Not a trough", "marker", HOLLOW_FACE, palette.series, MARKERS[hollow[0]])
    annotated = [*antibodies, *(o for obs in series.values() for o in obs)]
    if any(data.annotation_for(o) for o in annotated):
        size = style.marker_size * KEY_RING_SIZE
        yield KeyEntry("Pharmacist note", "marker", "none", palette.annotation, "o", size)


def _filled_entries(data: CasePlotData, style: PlotStyle) -> Iterator[KeyEntry]:
    """A filled circle is a result; a filled trough of another shape names its drug.

    Infliximab troughs share the circle with every other result (their panel says what they
    are); adalimumab troughs are squares, so the two drugs stay apart when both are shown.
    """
    colour = style.palette.series
    shapes = {a: MARKERS.get(a, "o") for a in _plotted_analytes(data)}
    exact = {a for a in shapes if any(o.comparator is None for o in data.observations(a))}
    if any(shapes[a] == "o" for a in exact):
        yield KeyEntry("Result", "marker", colour, colour, "o")
    for analyte in sorted(exact, key=list(shapes).index):
        if shapes[analyte] != "o":
            yield KeyEntry(ANALYTES[analyte].label, "marker", colour, colour, shapes[analyte])


def _plotted_analytes(data: CasePlotData) -> list[Analyte]:
    analytes = [Analyte.FAECAL_CALPROTECTIN, Analyte.CRP, *level_series(data)]
    if data.blood_counts:
        analytes += [panel.analyte for panel in BLOOD_PANELS]
    return analytes


def make_key(figure: Figure, entries: list[KeyEntry], style: PlotStyle) -> list[KeyItem]:
    """Add the key's artists to *figure* (unplaced: ``place_key`` positions them)."""
    return [_make_item(figure, entry, style) for entry in entries]


def _make_item(figure: Figure, entry: KeyEntry, style: PlotStyle) -> KeyItem:
    inches = figure.dpi_scale_trans
    handle = _handle(entry, style)
    handle.set_transform(inches)
    figure.add_artist(handle)
    text = OutlineText(
        0.0,
        0.0,
        entry.label,
        ha="left",
        va="center",
        fontsize=style.note_size,
        color=style.palette.text,
    )
    text.set_transform(inches)
    figure.add_artist(text)
    width = style.inches(HANDLE_WIDTH + HANDLE_GAP) + text_width(entry.label, style.note_size)
    return KeyItem(entry, handle, text, width)


def _handle(entry: KeyEntry, style: PlotStyle) -> Artist:
    if entry.shape in ("bar", "hatched"):
        return Rectangle(
            (0.0, 0.0),
            style.inches(HANDLE_WIDTH),
            style.inches(0.13),
            facecolor=entry.face,
            edgecolor=entry.edge,
            linewidth=style.edge_width,
            hatch=PLAN_HATCH if entry.shape == "hatched" else None,
            hatchcolor=style.palette.de_escalated if entry.shape == "hatched" else None,
            linestyle=(0, (3, 2)) if entry.shape == "hatched" else "solid",
        )
    if entry.shape == "unknown":
        disc = QuestionDisc([0.0, 0.0], [0.0, 0.0], style=style, markevery=[1])
        disc.set_markersize(entry.size or disc.get_markersize())
        return disc
    if entry.shape == "vline":
        return Line2D(
            [0.0, 0.0], [0.0, 0.0], color=entry.face, linewidth=style.reference_width, linestyle=":"
        )
    return Line2D(
        [0.0, 0.0],
        [0.0, 0.0],
        color=entry.edge,
        linewidth=style.line_width,
        linestyle="none",
        marker=entry.marker,
        markevery=[1],
        markersize=entry.size or style.marker_size,
        markerfacecolor=entry.face,
        markeredgecolor=entry.edge,
        markeredgewidth=1.4 * style.scale,
    )


def key_rows(items: list[KeyItem], width: float, style: PlotStyle) -> list[list[KeyItem]]:
    """Split the items into rows that fit *width* inches (an item too wide gets its own row)."""
    rows: list[list[KeyItem]] = []
    used = 0.0
    gap = style.inches(ENTRY_GAP)
    for item in items:
        if rows and used + gap + item.width <= width:
            rows[-1].append(item)
            used += gap + item.width
        else:
            rows.append([item])
            used = item.width
    return rows


def place_key(rows: list[list[KeyItem]], left: float, top: float, style: PlotStyle) -> None:
    """Position the rows' artists: first row centred *top* - half a row, in inches."""
    row_height = style.inches(ROW_HEIGHT)
    for index, row in enumerate(rows):
        y = top - (index + 0.5) * row_height
        x = left
        for item in row:
            _place_item(item, x, y, style)
            x += item.width + style.inches(ENTRY_GAP)


def _place_item(item: KeyItem, x: float, y: float, style: PlotStyle) -> None:
    handle_width = style.inches(HANDLE_WIDTH)
    handle = item.handle
    if isinstance(handle, Rectangle):
        handle.set_xy((x, y - handle.get_height() / 2))
    elif isinstance(handle, Line2D):
        half = style.inches(0.09)
        if item.entry.shape == "vline":
            handle.set_data([x + handle_width / 2] * 2, [y - half, y + half])
        else:
            handle.set_data([x, x + handle_width / 2, x + handle_width], [y, y, y])
    item.text.set_position((x + handle_width + style.inches(HANDLE_GAP), y))
