"""The dose strip under the plots: what the patient was given, and what happened, over time.

Lanes, top to bottom: events (ultrasound ``^``, endoscopy diamond, surgery ``P``, trial ``*``,
flare as a dotted vertical line), biologic (anti-TNF and other advanced therapy), immunomodulator
and steroid. Anti-TNF bars are coloured by what the period is: induction, standard, intensified,
or de-escalated. A maintenance period is *de-escalated* when ``regimen_steps`` says it was
reached by a DE_ESCALATION change (or is an unchanged continuation of one), or when its level is
below the drug's standard regimen. Induction is drawn as induction, whether recorded so or
read from its shape at the start of a course (history.induction_periods: an EHR sending
"5 mg/kg every 2 weeks" for the first weeks); a single dose given outside a regimen (phase
SINGLE_DOSE: a loading or rescue dose, one day long) is a downward triangle on its day in its
lane, never a bar, and never splits the lane (docs/clinical.md, "Medication episodes").
Endoscopy diamonds are filled green when mucosal healing was recorded, hollow when it was not
achieved, and grey when it was not recorded.

A case whose decision proposes a de-escalated regimen shows it after the meeting line: a hatched
bar in the biologic lane from the new regimen's first dose to its review date (``Proposed: IFX
5 mg/kg q8w``), a dashed line at the review date and, above the bar on the events row, its label
(``Review 10 May 2027``). Both labels shorten or vanish rather than overlap; a review date beyond
the axis is named at its right edge (``Review … →``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator

from mdt_desktop.domain.catalogue import ABBREVIATIONS, DRUGS
from mdt_desktop.domain.enums import DrugClass, EventKind, Phase
from mdt_desktop.domain.history import RegimenStep, induction_periods, regimen_steps
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod
from mdt_desktop.domain.regimens import (
    RegimenCatalogue,
    RegimenChange,
    RegimenLevel,
    short_interval,
)
from mdt_desktop.plots.artists import clear_data, meeting_line, put, vertical_line
from mdt_desktop.plots.case_data import CasePlotData, HoverPoint, PlannedRegimen, date_number
from mdt_desktop.plots.fitted_text import FittedLabel
from mdt_desktop.plots.labels import display_date, isolated, wrapped
from mdt_desktop.plots.panel import empty_note, prepare_time_axis, style_axes
from mdt_desktop.plots.style import Palette, PlotStyle

EMPTY = "No treatment or events in this window"
STRIP_TOP = 4.0
EVENT_ROW = 3.56
STAR_SIZE = 1.35
HOVER_STEPS = 40  # hover points along a bar: at least one every 1/40 of the window
PLAN_HATCH = "//"
PLAN_ALPHA = 0.55  # the proposal's fill: lighter than a given regimen
REVIEW_BOX = (3.2, 3.98)  # y extent of the review label (the events row, above the bars)
SINGLE_DOSE_MARKER = "v"  # a dose given once, outside a regimen
SINGLE_DOSE_SIZE = 1.1  # relative to the event markers


class Lane(StrEnum):
    """A horizontal lane of the strip, with its y extent in strip data units."""

    STEROID = "Steroid"
    IMMUNOMODULATOR = "Immuno"
    BIOLOGIC = "Biologic"

    @property
    def extent(self) -> tuple[float, float]:
        return {
            Lane.STEROID: (0.1, 0.9),
            Lane.IMMUNOMODULATOR: (1.1, 1.9),
            Lane.BIOLOGIC: (2.08, 3.12),
        }[self]

    @property
    def centre(self) -> float:
        low, high = self.extent
        return (low + high) / 2


class PeriodKind(StrEnum):
    """What a medication period is, which decides its lane and colour."""

    INDUCTION = "induction"
    SINGLE_DOSE = "single_dose"
    STANDARD = "standard"
    INTENSIFIED = "intensified"
    DE_ESCALATED = "de_escalated"
    OTHER_BIOLOGIC = "other_biologic"
    SMALL_MOLECULE = "small_molecule"
    IMMUNOMODULATOR = "immunomodulator"
    STEROID = "steroid"

    @property
    def label(self) -> str:
        return {
            PeriodKind.INDUCTION: "Induction",
            PeriodKind.SINGLE_DOSE: "Single dose",
            PeriodKind.STANDARD: "Standard dose",
            PeriodKind.INTENSIFIED: "Intensified",
            PeriodKind.DE_ESCALATED: "De-escalated",
            PeriodKind.OTHER_BIOLOGIC: "Other biologic",
            PeriodKind.SMALL_MOLECULE: "Small molecule",
            PeriodKind.IMMUNOMODULATOR: "Immunomodulator",
            PeriodKind.STEROID: "Steroid",
        }[self]

    @property
    def lane(self) -> Lane:
        if self is PeriodKind.IMMUNOMODULATOR:
            return Lane.IMMUNOMODULATOR
        if self is PeriodKind.STEROID:
            return Lane.STEROID
        return Lane.BIOLOGIC

    def colour(self, palette: Palette) -> str:
        """Return the bar colour of this kind."""
        return {
            PeriodKind.INDUCTION: palette.induction,
            PeriodKind.SINGLE_DOSE: palette.standard,
            PeriodKind.STANDARD: palette.standard,
            PeriodKind.INTENSIFIED: palette.intensified,
            PeriodKind.DE_ESCALATED: palette.de_escalated,
            PeriodKind.OTHER_BIOLOGIC: palette.other_biologic,
            PeriodKind.SMALL_MOLECULE: palette.small_molecule,
            PeriodKind.IMMUNOMODULATOR: palette.immunomodulator,
            PeriodKind.STEROID: palette.steroid,
        }[self]


_CLASS_KINDS = {
    DrugClass.OTHER_BIOLOGIC: PeriodKind.OTHER_BIOLOGIC,
    DrugClass.SMALL_MOLECULE: PeriodKind.SMALL_MOLECULE,
    DrugClass.IMMUNOMODULATOR: PeriodKind.IMMUNOMODULATOR,
    DrugClass.SYSTEMIC_STEROID: PeriodKind.STEROID,
    DrugClass.LOCAL_STEROID: PeriodKind.STEROID,
}


def classify_periods(
    periods: Sequence[MedicationPeriod], catalogue: RegimenCatalogue
) -> dict[MedicationPeriod, PeriodKind]:
    """Return the kind of every medication period of a record.

    Args:
        periods: All the patient's periods (the whole history, so changes are read in order).
        catalogue: Standard regimens, which decide standard versus intensified.

    Returns:
        A kind for each period.
    """
    kinds: dict[MedicationPeriod, PeriodKind] = {}
    previous: PeriodKind | None = None
    for step in regimen_steps(periods, catalogue):
        previous = kinds[step.period] = _maintenance_kind(step, previous)
    induction = induction_periods(periods, catalogue)
    for period in periods:
        if period not in kinds:
            kinds[period] = _class_kind(period, period in induction)
    return kinds


def _maintenance_kind(step: RegimenStep, previous: PeriodKind | None) -> PeriodKind:
    if step.change is RegimenChange.DE_ESCALATION or step.level is RegimenLevel.REDUCED:
        return PeriodKind.DE_ESCALATED
    if step.change is RegimenChange.UNCHANGED and previous is PeriodKind.DE_ESCALATED:
        return PeriodKind.DE_ESCALATED
    if step.level is RegimenLevel.INTENSIFIED:
        return PeriodKind.INTENSIFIED
    return PeriodKind.STANDARD


def _class_kind(period: MedicationPeriod, induction: bool) -> PeriodKind:
    """The kind of a period that is not a maintenance step.

    An anti-TNF single dose is a single dose; one recorded as induction, or read as induction
    by its shape at the start of a course (history.induction_periods), is induction.
    """
    drug_class = DRUGS[period.drug].drug_class
    if drug_class is not DrugClass.ANTI_TNF:
        return _CLASS_KINDS[drug_class]
    if is_single_dose(period):
        return PeriodKind.SINGLE_DOSE
    return PeriodKind.INDUCTION if induction else PeriodKind.STANDARD


def is_single_dose(period: MedicationPeriod) -> bool:
    """True for a dose given once outside a regimen: drawn as a mark, not a bar."""
    return period.phase is Phase.SINGLE_DOSE


def bar_texts(period: MedicationPeriod, kind: PeriodKind) -> tuple[str, ...]:
    """Return the bar text candidates, longest first.

    E.g. ``IFX 5 mg/kg q6w``, ``5 mg/kg q6w``, ``q6w``, ``IFX``: the interval outlasts the drug
    name because consecutive bars are mostly of one drug.
    """
    abbreviation = ABBREVIATIONS[period.drug]
    dose = f"{period.dose_value:g} {period.dose_unit}"
    if kind is PeriodKind.INDUCTION:
        return f"{abbreviation} induction", abbreviation
    if kind.lane is not Lane.BIOLOGIC:
        return f"{abbreviation} {dose}", abbreviation
    interval = short_interval(period.interval_days)
    return f"{abbreviation} {dose} {interval}", f"{dose} {interval}", interval, abbreviation


@dataclass(frozen=True, slots=True)
class EventLook:
    """Marker of one kind of event on the strip."""

    marker: str
    label: str


EVENT_LOOKS = {
    EventKind.ULTRASOUND: EventLook("^", "Ultrasound"),
    EventKind.ENDOSCOPY: EventLook("D", "Endoscopy"),
    EventKind.SURGERY: EventLook("P", "Surgery"),
    EventKind.TRIAL_ENROLMENT: EventLook("*", "Trial enrolment"),
}


def draw_dose_strip(
    ax: Axes, data: CasePlotData, style: PlotStyle, *, axes_index: int = 0
) -> list[HoverPoint]:
    """Draw medication bars in their lanes and events on the top row.

    Args:
        ax: The strip (kept between cases; its previous data artists are removed).
        data: The case.
        style: Sizes and colours.
        axes_index: This panel's index in ``CaseAxes.panels()``.

    Returns:
        Hover points along every bar and on every event.
    """
    clear_data(ax)
    style_axes(ax, style)
    prepare_time_axis(ax, data)
    _lane_axis(ax, style)
    meeting_line(ax, data, style)
    periods = data.medications()
    events = data.events()
    plan_points = _draw_plan(ax, data, data.plan, style, axes_index) if data.plan else []
    if not periods and not events:
        empty_note(ax, EMPTY, style)
        ax.set_ylim(0.0, STRIP_TOP)
        return plan_points
    kinds = classify_periods(data.record.medications, data.regimens)
    bars = [p for p in periods if not is_single_dose(p)]
    extents = bar_extents(data, bars, kinds)
    points: list[HoverPoint] = []
    for period in bars:
        bar = Bar(period, kinds[period], extents[period])
        points += _draw_bar(ax, data, bar, style, axes_index)
    singles = [p for p in periods if is_single_dose(p)]
    points += _draw_single_doses(ax, singles, kinds, style, axes_index)
    points += _draw_events(ax, events, style, axes_index)
    return points + plan_points


def _draw_single_doses(
    ax: Axes,
    singles: Sequence[MedicationPeriod],
    kinds: dict[MedicationPeriod, PeriodKind],
    style: PlotStyle,
    axes_index: int,
) -> list[HoverPoint]:
    """A downward triangle on the day of each single dose, in its lane, coloured by its kind."""
    points = []
    for period in singles:
        kind = kinds[period]
        x, y = date_number(period.start), kind.lane.centre
        put(
            ax,
            Line2D(
                [x],
                [y],
                linestyle="none",
                marker=SINGLE_DOSE_MARKER,
                markersize=single_dose_size(style),
                markerfacecolor=kind.colour(style.palette),
                markeredgecolor=style.palette.bar_edge,
                markeredgewidth=1.3 * style.scale,
                zorder=5,
                gid=f"single-dose:{kind.value}",
            ),
        )
        points.append(HoverPoint(axes_index, x, y, period_hover(period, kind)))
    return points


def single_dose_size(style: PlotStyle) -> float:
    """The single-dose triangle's size in points."""
    return style.event_marker_size * SINGLE_DOSE_SIZE


@dataclass(frozen=True, slots=True)
class Bar:
    """One period to draw: its kind and its y extent (a share of its lane when stacked)."""

    period: MedicationPeriod
    kind: PeriodKind
    extent: tuple[float, float]


def bar_extents(
    data: CasePlotData,
    periods: Sequence[MedicationPeriod],
    kinds: dict[MedicationPeriod, PeriodKind],
) -> dict[MedicationPeriod, tuple[float, float]]:
    """Return each bar's y extent: periods that overlap in one lane share its height."""
    extents: dict[MedicationPeriod, tuple[float, float]] = {}
    for lane in Lane:
        low, high = lane.extent
        in_lane = [p for p in periods if kinds[p].lane is lane]
        for period, (row, count) in stack_rows(data, in_lane).items():
            step = (high - low) / count
            extents[period] = (high - (row + 1) * step, high - row * step)
    return extents


def stack_rows(
    data: CasePlotData, periods: Sequence[MedicationPeriod]
) -> dict[MedicationPeriod, tuple[int, int]]:
    """Return (row, rows) per period: rows > 1 only among periods that overlap in time."""
    spans = sorted(((visible_span(data, p.start, p.end), p) for p in periods), key=lambda s: s[0])
    result: dict[MedicationPeriod, tuple[int, int]] = {}
    cluster: list[tuple[MedicationPeriod, int]] = []
    ends: list[float] = []
    for (x0, x1), period in spans:
        if cluster and x0 >= max(ends):
            result.update((p, (row, len(ends))) for p, row in cluster)
            cluster, ends = [], []
        row = next((i for i, end in enumerate(ends) if end <= x0), len(ends))
        ends[row : row + 1] = [x1]
        cluster.append((period, row))
    result.update((p, (row, len(ends))) for p, row in cluster)
    return result


def _lane_axis(ax: Axes, style: PlotStyle) -> None:
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    if not isinstance(ax.yaxis.get_major_locator(), FixedLocator):
        ax.set_yticks([lane.centre for lane in Lane] + [EVENT_ROW], [*Lane, "Events"])
        ax.tick_params(axis="y", length=0)
        ax.yaxis.grid(False)
    if tuple(ax.get_ylim()) != (0.0, STRIP_TOP):
        ax.set_ylim(0.0, STRIP_TOP)


def visible_span(data: CasePlotData, start: date, end: date | None) -> tuple[float, float]:
    """Return the part of [start, end) inside the window, as date numbers (ongoing: to end)."""
    left = max(date_number(start), date_number(data.start))
    right = min(date_number(end) if end else date_number(data.end), date_number(data.end))
    return left, right


def _draw_bar(
    ax: Axes, data: CasePlotData, bar: Bar, style: PlotStyle, axes_index: int
) -> list[HoverPoint]:
    period, kind = bar.period, bar.kind
    x0, x1 = visible_span(data, period.start, period.end)
    low, high = bar.extent
    put(
        ax,
        Rectangle(
            (x0, low),
            max(x1 - x0, 0.0),
            high - low,
            facecolor=kind.colour(style.palette),
            edgecolor=style.palette.bar_edge,
            linewidth=style.edge_width,
            zorder=3,
            gid=f"period:{kind.value}",
        ),
    )
    label = FittedLabel(
        bar_texts(period, kind),
        (x0, low, x1, high),
        fontsize=style.note_size,
        color=style.palette.text,
    )
    ax.add_artist(label)
    text = period_hover(period, kind)
    centre = (low + high) / 2
    return [HoverPoint(axes_index, x, centre, text) for x in _along(data, x0, x1)]


def _along(data: CasePlotData, x0: float, x1: float) -> list[float]:
    """Return x positions along a bar, no further apart than 1/HOVER_STEPS of the window."""
    left, right = data.xlim
    step = (right - left) / HOVER_STEPS
    count = max(1, int((x1 - x0) // step) + 1)
    return [x0 + (x1 - x0) * (i + 0.5) / count for i in range(count)]


def period_hover(period: MedicationPeriod, kind: PeriodKind) -> str:
    """Return e.g. ``Infliximab IV 5 mg/kg every 6 weeks`` / kind / dates / reason."""
    if is_single_dose(period):
        dose = f"{DRUGS[period.drug].label} {period.dose_value:g} {period.dose_unit}"
        lines = [dose, "Single dose", f"Given {display_date(period.start)}"]
        return "\n".join(lines + wrapped(period.reason))
    dates = (
        f"{display_date(period.start)} – {display_date(period.end)}"
        if period.end
        else f"Since {display_date(period.start)} (ongoing)"
    )
    lines = [period.regimen.label, kind.label, dates]
    lines += wrapped(period.reason)
    return "\n".join(lines)


def _draw_events(
    ax: Axes, events: Sequence[ClinicalEvent], style: PlotStyle, axes_index: int
) -> list[HoverPoint]:
    for kind, look in EVENT_LOOKS.items():
        chosen = [e for e in events if e.kind is kind]
        if kind is EventKind.ENDOSCOPY:
            for healing in (True, False, None):
                _event_markers(
                    ax, [e for e in chosen if e.mucosal_healing is healing], look, style, healing
                )
        else:
            _event_markers(ax, chosen, look, style, None)
    for flare in (e for e in events if e.kind is EventKind.FLARE):
        line = Line2D(
            [],
            [],
            color=style.palette.flare,
            linewidth=style.reference_width,
            linestyle=":",
            zorder=2,
            gid="event:flare",
        )
        vertical_line(ax, date_number(flare.occurred_on), line)
    return [
        HoverPoint(axes_index, date_number(e.occurred_on), EVENT_ROW, event_hover(e))
        for e in events
    ]


def _event_markers(
    ax: Axes,
    events: Sequence[ClinicalEvent],
    look: EventLook,
    style: PlotStyle,
    healing: bool | None,
) -> None:
    if not events:
        return
    face, edge = _event_colours(look, style.palette, healing)
    size = event_marker_size(look.marker, style)
    marks = Line2D(
        [date_number(e.occurred_on) for e in events],
        [EVENT_ROW] * len(events),
        linestyle="none",
        marker=look.marker,
        markersize=size,
        markerfacecolor=face,
        markeredgecolor=edge,
        markeredgewidth=1.3 * style.scale,
        zorder=5,
        gid=f"event:{events[0].kind.value}",
    )
    put(ax, marks)


def event_marker_size(marker: str, style: PlotStyle) -> float:
    """Return the size of an event marker in points (the thin star is drawn larger)."""
    return style.event_marker_size * (STAR_SIZE if marker == "*" else 1.0)


def _event_colours(look: EventLook, palette: Palette, healing: bool | None) -> tuple[str, str]:
    """Return (face, edge): endoscopy shows healing green, not-healed hollow, unknown grey."""
    if look.marker != "D":
        return palette.event, palette.event
    if healing is True:
        return palette.healing, palette.event
    if healing is False:
        return "white", palette.event
    return palette.induction, palette.event


def event_hover(event: ClinicalEvent) -> str:
    """Return e.g. ``Endoscopy: Flexible sigmoidoscopy`` / date / healing."""
    name = EVENT_LOOKS[event.kind].label if event.kind in EVENT_LOOKS else "Flare"
    lines = [isolated(f"{name}: {event.description}") if event.description else name]
    lines.append(display_date(event.occurred_on))
    if event.kind is EventKind.ENDOSCOPY:
        lines.append(
            {True: "Mucosal healing", False: "No mucosal healing", None: "Healing not recorded"}[
                event.mucosal_healing
            ]
        )
    if event.kind is EventKind.SURGERY and event.is_resection is not None:
        lines.append("Resection" if event.is_resection else "Not a resection")
    return "\n".join(lines)


# --- the proposed regimen ----------------------------------------------------------------------


def plan_texts(plan: PlannedRegimen) -> tuple[str, ...]:
    """The proposal bar's text candidates, longest first (``Proposed: IFX 5 mg/kg q8w`` …)."""
    regimen = plan.regimen
    interval = short_interval(regimen.interval_days)
    dose = f"{regimen.dose_value:g} {regimen.dose_unit} {interval}"
    return (
        f"Proposed: {regimen.short_label} from {display_date(plan.start)}",
        f"Proposed: {regimen.short_label}",
        regimen.short_label,
        dose,
        interval,
    )


def review_texts(plan: PlannedRegimen, off_axis: bool) -> tuple[str, ...]:
    """The review label's candidates, longest first; an arrow when the date is off the axis."""
    if plan.review is None:
        return ()
    arrow = " →" if off_axis else ""
    return (
        f"{plan.review_label} {display_date(plan.review)}{arrow}",
        f"{plan.review_label} {plan.review:%b %Y}{arrow}",
        f"{plan.review_label}{arrow}",
    )


def plan_hover(plan: PlannedRegimen) -> str:
    """Return e.g. ``Proposed: Infliximab IV 5 mg/kg every 8 weeks`` / from / review."""
    lines = [
        f"Proposed: {plan.regimen.label}",
        f"From {display_date(plan.start)} (the MDT decision)",
    ]
    if plan.review is not None:
        lines.append(f"{plan.review_label} {display_date(plan.review)}")
    return "\n".join(lines)


def _draw_plan(
    ax: Axes, data: CasePlotData, plan: PlannedRegimen, style: PlotStyle, axes_index: int
) -> list[HoverPoint]:
    """Draw the proposed regimen after the meeting and its review date; return hover points."""
    left, right = data.xlim
    x0 = max(date_number(plan.start), date_number(data.end), left)
    x1 = min(date_number(plan.until), right)
    if x1 <= x0:
        return []
    low, high = Lane.BIOLOGIC.extent
    put(
        ax,
        Rectangle(
            (x0, low),
            x1 - x0,
            high - low,
            facecolor=plan_fill(style),
            edgecolor=style.palette.bar_edge,
            hatch=PLAN_HATCH,
            hatchcolor=style.palette.de_escalated,  # light: the text on the bar stays legible
            linewidth=style.edge_width,
            linestyle=(0, (3, 2)),
            zorder=3,
            gid="proposal:regimen",
        ),
    )
    ax.add_artist(
        FittedLabel(plan_texts(plan), (x0, low, x1, high), fontsize=style.note_size, color="black")
    )
    text = plan_hover(plan)
    points = [HoverPoint(axes_index, x, (low + high) / 2, text) for x in _along(data, x0, x1)]
    if plan.review is not None:
        _draw_review(ax, plan, (x0, x1), date_number(plan.review) > right, style)
        points.append(HoverPoint(axes_index, x1, sum(REVIEW_BOX) / 2, text))
    return points


def _draw_review(
    ax: Axes, plan: PlannedRegimen, span: tuple[float, float], off_axis: bool, style: PlotStyle
) -> None:
    """A dashed line at the review date (when on the axis) and its label above the bar."""
    x0, x1 = span
    if not off_axis:  # the full height, like the meeting line, but dashed: a date to come
        line = Line2D(
            [],
            [],
            color=style.palette.meeting,
            linewidth=style.reference_width,
            linestyle=(0, (3, 2)),
            zorder=4,
            gid="proposal:review",
        )
        vertical_line(ax, x1, line)
    label = FittedLabel(
        review_texts(plan, off_axis),
        (x0, REVIEW_BOX[0], x1, REVIEW_BOX[1]),
        fontsize=style.note_size,
        color=style.palette.text,
    )
    label.set_gid("proposal:review-label")
    ax.add_artist(label)


def plan_fill(style: PlotStyle) -> tuple[float, float, float]:
    """The proposal bar's fill: the de-escalated colour, lightened."""
    return _tint(style.palette.de_escalated)


def _tint(colour: str, amount: float = PLAN_ALPHA) -> tuple[float, float, float]:
    """*colour* mixed with white (opaque, so the hatch and text stay crisp in print)."""
    red, green, blue = (1 - amount * (1 - int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return red, green, blue
