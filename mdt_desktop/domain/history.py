"""Reading a medication history.

The current anti-TNF regimen, when intensification began, and how each maintenance regimen
relates to the one before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import DrugClass, Phase
from mdt_desktop.domain.records import MedicationPeriod
from mdt_desktop.domain.regimens import (
    RegimenCatalogue,
    RegimenChange,
    RegimenLevel,
    classify_change,
)
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH


def months_between(start: date, end: date) -> float:
    """Return the months from *start* to *end* (days / 30.4375, ARCHITECTURE §4)."""
    return (end - start).days / DAYS_PER_MONTH


def anti_tnf_maintenance(periods: Iterable[MedicationPeriod]) -> list[MedicationPeriod]:
    """Return the anti-TNF maintenance periods, oldest first."""
    chosen = [
        p
        for p in periods
        if DRUGS[p.drug].drug_class is DrugClass.ANTI_TNF and p.phase is Phase.MAINTENANCE
    ]
    return sorted(chosen, key=lambda p: p.start)


def current_anti_tnf(periods: Iterable[MedicationPeriod], on: date) -> MedicationPeriod | None:
    """Return the anti-TNF maintenance period active on *on*, if any."""
    active = [p for p in anti_tnf_maintenance(periods) if p.active_on(on)]
    return active[-1] if active else None


def intensified_since(
    periods: Iterable[MedicationPeriod], on: date, catalogue: RegimenCatalogue
) -> date | None:
    """Return when the current run of intensified regimens of the current drug began.

    None when the patient is not on an anti-TNF on *on* or the current regimen is not above the
    drug's standard regimen. Consecutive intensified periods of the same drug (say 5 mg/kg q6w
    then q4w) count as one run.
    """
    course = anti_tnf_maintenance(periods)
    current = current_anti_tnf(course, on)
    if current is None or catalogue.level(current.regimen) is not RegimenLevel.INTENSIFIED:
        return None
    index = course.index(current)
    start = current.start
    for earlier in reversed(course[:index]):
        if earlier.drug is not current.drug or earlier.end is None or earlier.end < start:
            break
        if catalogue.level(earlier.regimen) is not RegimenLevel.INTENSIFIED:
            break
        start = earlier.start
    return start


@dataclass(frozen=True, slots=True)
class RegimenStep:
    """One maintenance period with its level and its change from the previous period."""

    period: MedicationPeriod
    level: RegimenLevel
    change: RegimenChange | None


def regimen_steps(
    periods: Sequence[MedicationPeriod], catalogue: RegimenCatalogue
) -> list[RegimenStep]:
    """Classify each anti-TNF maintenance period against the previous one."""
    steps: list[RegimenStep] = []
    previous: MedicationPeriod | None = None
    for period in anti_tnf_maintenance(periods):
        change = classify_change(previous.regimen, period.regimen) if previous else None
        steps.append(RegimenStep(period, catalogue.level(period.regimen), change))
        previous = period
    return steps


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
