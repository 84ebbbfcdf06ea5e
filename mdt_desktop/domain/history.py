"""Reading a medication history.

The current anti-TNF regimen, when intensification began, and how each maintenance regimen
relates to the one before it. Periods are read the way EHRs send them (docs/clinical.md,
"Medication episodes"):

- consecutive periods of one molecule (infliximab IV, SC and biosimilars are one) belong to one
  *course* when the next starts within the longer of the two dosing intervals plus the
  configured slack (``dose_gap_tolerance``) after the previous one ended — a statement often ends
  on its last dose, weeks before the next regimen's first;
- periods recorded as induction or as a single dose are never maintenance, and neither is an
  *induction-shaped* maintenance period at the start of a course: one that ends within the
  drug's label induction (regimens.toml ``induction``) plus the slack, and is denser than the
  drug's standard maintenance (a shorter interval or a higher intensity).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import DrugClass, Phase
from mdt_desktop.domain.records import MedicationPeriod
from mdt_desktop.domain.regimens import (
    Regimen,
    RegimenCatalogue,
    RegimenChange,
    RegimenLevel,
    classify_change,
    compare_intensity,
)
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH


def months_between(start: date, end: date) -> float:
    """Return the months from *start* to *end* (days / 30.4375, docs/clinical.md, "Time")."""
    return (end - start).days / DAYS_PER_MONTH


def anti_tnf_periods(periods: Iterable[MedicationPeriod]) -> list[MedicationPeriod]:
    """Return every anti-TNF period (induction, maintenance, single doses), oldest first."""
    chosen = [p for p in periods if DRUGS[p.drug].drug_class is DrugClass.ANTI_TNF]
    return sorted(chosen, key=_oldest_first)


def _oldest_first(period: MedicationPeriod) -> tuple[date, date]:
    return (period.start, period.end or date.max)


def joins(previous: MedicationPeriod, following: MedicationPeriod, gap_days: float) -> bool:
    """True when *following* continues the course of *previous*.

    The same molecule (either route, any product), starting no later than the longer of the two
    dosing intervals plus *gap_days* after *previous* ended (docs/clinical.md, "Medication
    episodes"). An open-ended or overlapping period is always continued.

    Args:
        previous: The earlier period.
        following: The period that may continue it.
        gap_days: The configured slack (``dose_gap_tolerance``), in days.
    """
    if DRUGS[previous.drug].molecule != DRUGS[following.drug].molecule:
        return False
    if previous.end is None:
        return True
    gap = (following.start - previous.end).days
    return gap <= max(previous.interval_days, following.interval_days) + gap_days


def induction_periods(
    periods: Iterable[MedicationPeriod], catalogue: RegimenCatalogue | None
) -> frozenset[MedicationPeriod]:
    """The anti-TNF periods that are induction: recorded so, single doses, or induction-shaped.

    Args:
        periods: A patient's periods (any class; only anti-TNF ones are read).
        catalogue: Standard regimens, label induction schedules and the course slack. Without
            it only the recorded phase counts.
    """
    found: set[MedicationPeriod] = set()
    for course in by_molecule(anti_tnf_periods(periods)):
        flags = _induction_flags(course, catalogue)
        found.update(period for period, flag in zip(course, flags, strict=True) if flag)
    return frozenset(found)


def by_molecule(periods: Sequence[MedicationPeriod]) -> list[list[MedicationPeriod]]:
    """*periods* (oldest first) split by molecule (infliximab IV and SC are one), oldest first."""
    lists: dict[str, list[MedicationPeriod]] = {}
    for period in periods:
        lists.setdefault(DRUGS[period.drug].molecule, []).append(period)
    return list(lists.values())


def _induction_flags(
    course: Sequence[MedicationPeriod], catalogue: RegimenCatalogue | None
) -> list[bool]:
    """For each of one molecule's periods (oldest first): is it induction?"""
    flags: list[bool] = []
    for index, period in enumerate(course):
        flags.append(
            period.phase is not Phase.MAINTENANCE
            or (catalogue is not None and _induction_shaped(course, index, flags, catalogue))
        )
    return flags


def _induction_shaped(
    course: Sequence[MedicationPeriod],
    index: int,
    induction: Sequence[bool],
    catalogue: RegimenCatalogue,
) -> bool:
    """Whether maintenance period *index* of one molecule's periods is really induction.

    It must start a course (every earlier period it is joined to is induction or a single
    dose), end within the label induction plus the slack counted from the course's first dose,
    and be denser than the standard maintenance (docs/clinical.md, "Medication episodes").
    *induction* flags the periods before *index*.
    """
    period = course[index]
    gap = catalogue.course_gap_days
    first = period.start
    for earlier in range(index - 1, -1, -1):
        if not joins(course[earlier], course[earlier + 1], gap):
            break
        if not induction[earlier]:
            return False  # maintenance came first: this is not the start of a course
        first = course[earlier].start
    spec = catalogue.induction(period.drug)
    standard = catalogue.standard(period.drug)
    if spec is None or standard is None:
        return False
    end = period.end
    if end is None and index + 1 < len(course) and joins(period, course[index + 1], gap):
        end = course[index + 1].start  # an open statement superseded by the next regimen
    if end is None or (end - first).days > spec.days + gap:
        return False
    return _denser(period.regimen, standard.regimen)


def _denser(regimen: Regimen, standard: Regimen) -> bool:
    """A shorter interval or a higher intensity than the standard maintenance regimen."""
    higher = compare_intensity(regimen.intensity, standard.intensity) == 1
    return regimen.interval_days < standard.interval_days or higher


def maintenance_periods(
    periods: Iterable[MedicationPeriod], catalogue: RegimenCatalogue | None = None
) -> list[MedicationPeriod]:
    """The anti-TNF maintenance periods, oldest first, induction (of any shape) left out.

    Args:
        periods: A patient's periods.
        catalogue: Recognises induction-shaped periods (see ``induction_periods``); without it
            only the recorded phase counts.
    """
    chosen: list[MedicationPeriod] = []
    for course in by_molecule(anti_tnf_periods(periods)):
        flags = _induction_flags(course, catalogue)
        chosen += [period for period, flag in zip(course, flags, strict=True) if not flag]
    return sorted(chosen, key=_oldest_first)


def current_anti_tnf(
    periods: Iterable[MedicationPeriod], on: date, catalogue: RegimenCatalogue | None = None
) -> MedicationPeriod | None:
    """Return the anti-TNF maintenance period active on *on*, if any.

    With *catalogue*, an induction-shaped period at the start of a course is induction, not the
    current maintenance regimen (docs/clinical.md, "Medication episodes").
    """
    active = [p for p in maintenance_periods(periods, catalogue) if p.active_on(on)]
    return active[-1] if active else None


def intensified_since(
    periods: Iterable[MedicationPeriod], on: date, catalogue: RegimenCatalogue
) -> date | None:
    """Return when the current run of intensified regimens of the current molecule began.

    None when the patient is not on an anti-TNF maintenance regimen on *on* or the current
    regimen is not above the drug's standard regimen. Consecutive intensified periods of one
    course (say 5 mg/kg q6w then q4w, or a route change between two intensified regimens) count
    as one run; induction is never part of it (docs/clinical.md, "Medication episodes").
    """
    course = maintenance_periods(periods, catalogue)
    current = next((p for p in reversed(course) if p.active_on(on)), None)
    if current is None or catalogue.level(current.regimen) is not RegimenLevel.INTENSIFIED:
        return None
    gap = catalogue.course_gap_days
    following = current
    for earlier in reversed(course[: course.index(current)]):
        if not joins(earlier, following, gap) or earlier.end is None:
            break
        if catalogue.level(earlier.regimen) is not RegimenLevel.INTENSIFIED:
            break
        following = earlier
    return following.start


@dataclass(frozen=True, slots=True)
class RegimenStep:
    """One maintenance period with its level and its change from the previous period.

    ``change`` is None for the first maintenance period of a course (after induction, or after
    a gap too long to continue the course).
    """

    period: MedicationPeriod
    level: RegimenLevel
    change: RegimenChange | None


def regimen_steps(
    periods: Sequence[MedicationPeriod], catalogue: RegimenCatalogue
) -> list[RegimenStep]:
    """Classify each anti-TNF maintenance period against the previous one of its course."""
    steps: list[RegimenStep] = []
    previous: MedicationPeriod | None = None
    gap = catalogue.course_gap_days
    for period in maintenance_periods(periods, catalogue):
        joined = previous is not None and joins(previous, period, gap)
        change = classify_change(previous.regimen, period.regimen) if previous and joined else None
        steps.append(RegimenStep(period, catalogue.level(period.regimen), change))
        previous = period
    return steps


@dataclass(frozen=True, slots=True)
class RegimenStart:
    """When a maintenance regimen began, and the change from the one before it in its course.

    ``previous`` and ``change`` are None for the first regimen of a course.
    """

    since: date
    previous: Regimen | None = None
    change: RegimenChange | None = None


def regimen_start(
    periods: Sequence[MedicationPeriod], period: MedicationPeriod, catalogue: RegimenCatalogue
) -> RegimenStart | None:
    """When the regimen of maintenance *period* began and what it changed from.

    A period restating the regimen before it (an EHR often splits one regimen into several
    statements) continues it: the start is the first of the run and the change the one that
    began the run. None when *period* is not a maintenance period of *periods*.
    """
    steps = regimen_steps(periods, catalogue)
    index = next((i for i, step in enumerate(steps) if step.period == period), None)
    if index is None:
        return None
    while index > 0 and steps[index].change is RegimenChange.UNCHANGED:
        index -= 1
    step = steps[index]
    if step.change is None or index == 0:
        return RegimenStart(step.period.start)
    return RegimenStart(step.period.start, steps[index - 1].period.regimen, step.change)


def last_steroid_end(periods: Iterable[MedicationPeriod], on: date) -> tuple[bool, date | None]:
    """Return (on steroids now, end of the last systemic steroid course before *on*)."""
    courses = [
        p
        for p in periods
        if DRUGS[p.drug].drug_class is DrugClass.SYSTEMIC_STEROID and p.start <= on
    ]
    if any(p.active_on(on) for p in courses):
        return True, None
    ends = [p.end for p in courses if p.end is not None]
    return False, max(ends) if ends else None


def on_immunomodulator(periods: Iterable[MedicationPeriod], on: date) -> MedicationPeriod | None:
    """Return the immunomodulator period active on *on*, if any."""
    for period in periods:
        if DRUGS[period.drug].drug_class is DrugClass.IMMUNOMODULATOR and period.active_on(on):
            return period
    return None
