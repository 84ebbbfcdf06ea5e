"""The facts in a patient's header on the meeting screen, on the day of the meeting."""

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
)
from mdt_desktop.domain.readings import latest
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod, Observation, PatientRecord
from mdt_desktop.domain.regimens import RegimenCatalogue, RegimenLevel
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


def summarise(record: PatientRecord, on: date, regimens: RegimenCatalogue) -> PatientSummary:
    """Return the header facts of *record* as they stood on *on*."""
    periods = record.medications
    current = current_anti_tnf(periods, on, regimens)
    since = intensified_since(periods, on, regimens)
    level_analyte = DRUGS[current.drug].level_analyte if current else None

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
    )
