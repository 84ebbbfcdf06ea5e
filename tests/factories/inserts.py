"""Raw INSERTs of rows for tests that work below the ORM (the constraint tests)."""

from datetime import date, datetime

from sqlalchemy import insert

from mdt_desktop.models import ObservationRow, PatientRow

NOW = datetime(2026, 1, 1, 9, 0)
PATIENT = {
    "hospital_number": "P1",
    "family_name": "Test",
    "given_name": "Pat",
    "date_of_birth": date(1990, 1, 1),
    "sex": "female",
    "ibd_type": "crohns_disease",
    "diagnosis_date": date(2010, 1, 1),
    "created_at": NOW,
}


def insert_patient(session, **changes) -> int:
    """Insert one patient (override any column) and return its id."""
    return session.execute(
        insert(PatientRow).returning(PatientRow.id), [{**PATIENT, **changes}]
    ).scalar_one()


def observation(patient_id, **changes):
    """Column values of one CRP result (override any column)."""
    return {
        "patient_id": patient_id,
        "analyte": "crp",
        "value": 3.0,
        "unit": "mg/L",
        "original_value": "3",
        "original_unit": "mg/L",
        "collected_at": NOW,
        "source": "t",
        "created_at": NOW,
        **changes,
    }


def insert_observation(session, patient_id, **changes) -> None:
    """Insert one observation (a CRP result unless told otherwise)."""
    session.execute(insert(ObservationRow), [observation(patient_id, **changes)])
