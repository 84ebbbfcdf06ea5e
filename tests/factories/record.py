"""Factories of one patient's record: the patient, medication, observations, events, doses."""

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from mdt_desktop.domain.enums import (
    Analyte,
    DoseUnit,
    Drug,
    EventKind,
    IbdType,
    Phase,
    Sex,
    SmokingStatus,
)
from mdt_desktop.models import (
    AdministrationRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    ObservationRow,
    PatientRow,
)
from tests.factories.base import NOW, add, next_number


def make_patient(session: Session, **overrides: Any) -> PatientRow:
    """A synthetic Crohn's patient (hospital number ``TEST00001``, ``TEST00002``, …)."""
    n = next_number()
    values: dict[str, Any] = {
        "hospital_number": f"TEST{n:05d}",
        "family_name": "Test",
        "given_name": f"Patient {n}",
        "date_of_birth": date(1990, 1, 1),
        "sex": Sex.FEMALE.value,
        "ibd_type": IbdType.CROHNS.value,
        "diagnosis_date": date(2010, 1, 1),
        "montreal_age": "A2",
        "montreal_location": "L3",
        "montreal_behaviour": "B1",
        "smoking": SmokingStatus.NEVER.value,
        "extraintestinal": [],
        "created_at": NOW,
    }
    return add(session, PatientRow(**{**values, **overrides}))


def make_medication_period(
    session: Session, patient: PatientRow | None = None, **overrides: Any
) -> MedicationPeriodRow:
    """Infliximab IV 5 mg/kg every 6 weeks (intensified) since 2024, still running."""
    patient = patient or make_patient(session)
    values: dict[str, Any] = {
        "patient_id": patient.id,
        "drug": Drug.INFLIXIMAB_IV.value,
        "dose_value": 5.0,
        "dose_unit": DoseUnit.MG_PER_KG.value,
        "interval_days": 42,
        "start_date": date(2024, 1, 1),
        "end_date": None,
        "phase": Phase.MAINTENANCE.value,
        "source": "test",
        "created_at": NOW,
    }
    return add(session, MedicationPeriodRow(**{**values, **overrides}))


def make_observation(
    session: Session, patient: PatientRow | None = None, **overrides: Any
) -> ObservationRow:
    """A CRP of 3 mg/L taken at ``NOW`` (pass ``collected_at`` for a second one of a kind)."""
    patient = patient or make_patient(session)
    values: dict[str, Any] = {
        "patient_id": patient.id,
        "analyte": Analyte.CRP.value,
        "value": 3.0,
        "unit": "mg/L",
        "original_value": "3",
        "original_unit": "mg/L",
        "collected_at": NOW,
        "source": "test",
        "created_at": NOW,
    }
    return add(session, ObservationRow(**{**values, **overrides}))


def make_clinical_event(
    session: Session, patient: PatientRow | None = None, **overrides: Any
) -> ClinicalEventRow:
    """An endoscopy with mucosal healing in June 2025."""
    patient = patient or make_patient(session)
    values: dict[str, Any] = {
        "patient_id": patient.id,
        "kind": EventKind.ENDOSCOPY.value,
        "occurred_on": date(2025, 6, 1),
        "description": "Ileocolonoscopy",
        "mucosal_healing": True,
        "source": "test",
        "created_at": NOW,
    }
    return add(session, ClinicalEventRow(**{**values, **overrides}))


def make_administration(
    session: Session, patient: PatientRow | None = None, **overrides: Any
) -> AdministrationRow:
    """An infliximab infusion of 5 mg/kg given on 1 Dec 2025."""
    patient = patient or make_patient(session)
    values: dict[str, Any] = {
        "patient_id": patient.id,
        "drug": Drug.INFLIXIMAB_IV.value,
        "given_on": date(2025, 12, 1),
        "dose_value": 5.0,
        "dose_unit": DoseUnit.MG_PER_KG.value,
        "source": "test",
        "created_at": NOW,
    }
    return add(session, AdministrationRow(**{**values, **overrides}))
