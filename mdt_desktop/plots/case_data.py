"""What a case plot shows: the record, the configured thresholds, the time window, hover points.

Also the time arithmetic every panel shares: matplotlib date numbers, the window's first day and
the x limits, and which observations, periods and events fall inside the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from matplotlib import rcParams

from mdt_desktop.domain.enums import Analyte
from mdt_desktop.domain.records import (
    Annotation,
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    PatientRecord,
)
from mdt_desktop.domain.regimens import RegimenCatalogue
from mdt_desktop.domain.thresholds import Thresholds

RIGHT_PAD_FRACTION = 1 / 50  # blank space after the meeting line, as a fraction of the window
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
class CasePlotData:
    """Everything the case plots draw, up to and including the meeting date *end*."""

    record: PatientRecord
    thresholds: Thresholds
    regimens: RegimenCatalogue
    end: date
    window: TimeWindow = TimeWindow.TWO_YEARS
    blood_counts: bool = False
    annotations: tuple[Annotation, ...] = ()

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
        """Left and right x limits (date numbers) with a small pad after the meeting."""
        left, right = date_number(self.start), date_number(self.end)
        pad = (right - left) * RIGHT_PAD_FRACTION
        if self.window is TimeWindow.ALL:
            left -= pad  # the first point would otherwise sit on the frame
        return left, right + pad

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
