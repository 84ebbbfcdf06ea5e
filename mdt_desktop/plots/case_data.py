"""What a case plot shows: the record, the configured thresholds, the time window, hover points.

Also the time arithmetic every panel shares: matplotlib date numbers, the window's first day and
the x limits, and which observations, periods and events fall inside the window. When the case
has a proposed de-escalated regimen (``plan``), the time axis runs on past the meeting to show it
and its review date on the dose strip (by at most ``FUTURE_MAX_FRACTION`` of the window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from matplotlib import rcParams

from mdt_desktop.domain.antibodies import AntibodyAssay
from mdt_desktop.domain.enums import Analyte, Outcome
from mdt_desktop.domain.records import (
    Annotation,
    ClinicalEvent,
    Decision,
    MedicationPeriod,
    Observation,
    PatientRecord,
)
from mdt_desktop.domain.regimens import Regimen, RegimenCatalogue
from mdt_desktop.domain.thresholds import Thresholds

RIGHT_PAD_FRACTION = 1 / 50  # blank space after the meeting line, as a fraction of the window
FUTURE_MAX_FRACTION = 0.6  # how far past the meeting a proposal may extend the axis
_DAY = timedelta(days=1)


class TimeWindow(StrEnum):
    """How far back the plots look from the meeting date."""

    ONE_YEAR = "1y"
    TWO_YEARS = "2y"
    FIVE_YEARS = "5y"
    ALL = "all"

    @property
    def label(self) -> str:
        return {
            TimeWindow.ONE_YEAR: "1 year",
            TimeWindow.TWO_YEARS: "2 years",
            TimeWindow.FIVE_YEARS: "5 years",
            TimeWindow.ALL: "All",
        }[self]

    @property
    def years(self) -> int | None:
        """Length in years; None for the whole record."""
        return {
            TimeWindow.ONE_YEAR: 1,
            TimeWindow.TWO_YEARS: 2,
            TimeWindow.FIVE_YEARS: 5,
            TimeWindow.ALL: None,
        }[self]


@dataclass(frozen=True, slots=True)
class HoverPoint:
    """What the screen shows when the pointer is near one drawn point."""

    axes_index: int  # index into CaseAxes.panels()
    x: float  # matplotlib date number
    y: float  # data y of that panel
    text: str
    observation_id: int | None = None  # the result under the point (drug levels: annotate it)


@dataclass(frozen=True, slots=True)
class PlannedRegimen:
    """The de-escalated regimen a decision proposes, from when, and when it is to be reviewed."""

    regimen: Regimen
    start: date
    review: date | None = None
    review_label: str = "Review"  # "Review" (the decision's next review) or "First re-check"

    @property
    def until(self) -> date:
        """The last day the strip needs to show: the review, else two doses on."""
        return self.review or self.start + timedelta(days=2 * self.regimen.interval_days)


def planned_regimen(decision: Decision | None) -> PlannedRegimen | None:
    """The proposal of a de-escalation decision (None for any other decision, or none).

    The review date is the decision's next review, else its first planned re-check.
    """
    if (
        decision is None
        or decision.outcome is not Outcome.DE_ESCALATE
        or decision.target_regimen is None
        or decision.effective_date is None
    ):
        return None
    start = decision.effective_date
    if decision.next_review is not None:
        return PlannedRegimen(decision.target_regimen, start, decision.next_review)
    checks = sorted(c.due for c in decision.monitoring if c.due >= start)
    first = checks[0] if checks else None
    return PlannedRegimen(decision.target_regimen, start, first, "First re-check")


@dataclass(frozen=True, slots=True)
class CasePlotData:
    """Everything the case plots draw, up to and including the meeting date *end*."""

    record: PatientRecord
    thresholds: Thresholds
    regimens: RegimenCatalogue
    end: date
    window: TimeWindow = TimeWindow.TWO_YEARS
    blood_counts: bool = False
    annotations: tuple[Annotation, ...] = ()
    plan: PlannedRegimen | None = None
    antibody_assays: tuple[AntibodyAssay, ...] = ()  # cut-offs antibodies are read against

    @property
    def start(self) -> date:
        """First day of the window: *end* minus 1, 2 or 5 years, or the record's first date."""
        years = self.window.years
        if years is not None:
            return years_before(self.end, years)
        first = first_date(self.record)
        if first is None or first >= self.end:
            return years_before(self.end, 1)
        return first

    @property
    def xlim(self) -> tuple[float, float]:
        """Left and right x limits (date numbers) with a small pad after the last day shown."""
        left, meeting = date_number(self.start), date_number(self.end)
        pad = (meeting - left) * RIGHT_PAD_FRACTION
        if self.window is TimeWindow.ALL:
            left -= pad  # the first point would otherwise sit on the frame
        return left, date_number(self.shown_until) + pad

    @property
    def shown_until(self) -> date:
        """The last day on the time axis: the meeting, or the proposal's review date (capped)."""
        if self.plan is None or self.plan.until <= self.end:
            return self.end
        cap = self.end + timedelta(days=round((self.end - self.start).days * FUTURE_MAX_FRACTION))
        return min(self.plan.until, cap)

    def observations(self, analyte: Analyte) -> tuple[Observation, ...]:
        """Return the results of *analyte* collected inside the window, oldest first."""
        start, end = self.start, self.end
        chosen = [o for o in self.record.series(analyte) if start <= o.collected_at.date() <= end]
        return tuple(sorted(chosen, key=lambda o: o.collected_at))

    def medications(self) -> tuple[MedicationPeriod, ...]:
        """Return the medication periods that overlap the window, oldest first."""
        start, end = self.start, self.end
        chosen = [
            p
            for p in self.record.medications
            if p.start <= end and (p.end is None or p.end > start)
        ]
        return tuple(sorted(chosen, key=lambda p: p.start))

    def events(self) -> tuple[ClinicalEvent, ...]:
        """Return the clinical events inside the window, oldest first."""
        start, end = self.start, self.end
        chosen = [e for e in self.record.events if start <= e.occurred_on <= end]
        return tuple(sorted(chosen, key=lambda e: e.occurred_on))

    def annotation_for(self, observation: Observation) -> Annotation | None:
        """Return the latest pharmacist annotation of *observation*, if any."""
        matching = [a for a in self.annotations if a.observation_id == observation.id]
        return max(matching, key=lambda a: a.created_at) if matching else None


def years_before(day: date, years: int) -> date:
    """Return the same calendar day *years* earlier (28 Feb for 29 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def first_date(record: PatientRecord) -> date | None:
    """Return the date of the first observation or medication of *record*."""
    days = [o.collected_at.date() for o in record.observations]
    days += [p.start for p in record.medications]
    return min(days) if days else None


def _epoch() -> datetime:
    return datetime.fromisoformat(str(rcParams["date.epoch"]))


def date_number(value: date | datetime) -> float:
    """Return matplotlib's date number of *value* (days since its epoch; naive = UTC)."""
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    return (moment.replace(tzinfo=None) - _epoch()) / _DAY


def number_date(value: float) -> date:
    """Return the calendar day of a matplotlib date number."""
    return (_epoch() + value * _DAY).date()
