"""The facts in a patient's header on the meeting screen, on the day of the meeting.

Besides the current anti-TNF regimen and how long it has been intensified, the summary says
when the current regimen began and how it changed from the one before it in the same course:
a patient listed for re-review after a de-escalation is on a reduced regimen "since 02 Mar
2026, de-escalated from every 6 weeks", never "intensified for 25 months" (docs/clinical.md,
"Medication episodes").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import Analyte, EventKind
from mdt_desktop.domain.history import (
    current_anti_tnf,
    intensified_since,
    months_between,
    on_immunomodulator,
    regimen_start,
)
from mdt_desktop.domain.readings import latest
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod, Observation, PatientRecord
from mdt_desktop.domain.regimens import Regimen, RegimenCatalogue, RegimenChange, RegimenLevel
from mdt_desktop.domain.thresholds import DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """Who the patient is and where their treatment stands on one date."""

    age: int
    disease_years: float
    anti_tnf: MedicationPeriod | None
    level: RegimenLevel
    intensified_since: date | None
    months_intensified: float | None
    immunomodulator: MedicationPeriod | None
    surgeries: tuple[ClinicalEvent, ...]
    latest_calprotectin: Observation | None
    latest_crp: Observation | None
    latest_trough: Observation | None
    regimen_since: date | None = None  # the first day of the current regimen (restatements joined)
    previous_regimen: Regimen | None = None  # the one before it in the same course
    change: RegimenChange | None = None  # how the current regimen differs from the previous

    @property
    def de_escalated(self) -> bool:
        """True when the current regimen is a step down from the one before it."""
        return self.change is RegimenChange.DE_ESCALATION


def summarise(record: PatientRecord, on: date, regimens: RegimenCatalogue) -> PatientSummary:
    """Return the header facts of *record* as they stood on *on*."""
    periods = record.medications
    current = current_anti_tnf(periods, on, regimens)
    since = intensified_since(periods, on, regimens)
    level_analyte = DRUGS[current.drug].level_analyte if current else None
    start = regimen_start(periods, current, regimens) if current else None

    def last(analyte: Analyte | None) -> Observation | None:
        if analyte is None:
            return None
        found = latest(record.observations, analyte, on, None)
        return found.observation if found else None

    return PatientSummary(
        age=record.patient.age_on(on),
        disease_years=(on - record.patient.diagnosis_date).days / DAYS_PER_YEAR,
        anti_tnf=current,
        level=regimens.level(current.regimen) if current else RegimenLevel.UNKNOWN,
        intensified_since=since,
        months_intensified=months_between(since, on) if since else None,
        immunomodulator=on_immunomodulator(periods, on),
        surgeries=tuple(e for e in record.events_of(EventKind.SURGERY) if e.occurred_on <= on),
        latest_calprotectin=last(Analyte.FAECAL_CALPROTECTIN),
        latest_crp=last(Analyte.CRP),
        latest_trough=last(level_analyte),
        regimen_since=start.since if start else None,
        previous_regimen=start.previous if start else None,
        change=start.change if start else None,
    )
