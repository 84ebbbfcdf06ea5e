"""Named constraints, cascades and append-only triggers in the schema itself."""

import sqlite3
from datetime import date, datetime

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from mdt_desktop.domain.access import SYSTEM
from mdt_desktop.models import (
    CaseReviewRow,
    ChecklistAnswerRow,
    ClinicalEventRow,
    ClinicianRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.services.audit import record_audit
from tests.factories import NOW, insert_patient, observation


def medication(pid, **changes):
    return {
        "patient_id": pid,
        "drug": "infliximab_iv",
        "dose_value": 5.0,
        "dose_unit": "mg/kg",
        "interval_days": 56,
        "start_date": date(2020, 1, 1),
        "phase": "maintenance",
        "created_at": NOW,
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"sex": "f"}, "ck_patients_sex_valid"),
        ({"ibd_type": "crohns"}, "ck_patients_ibd_type_valid"),
        ({"hospital_number": "  "}, "ck_patients_hospital_number_present"),
        ({"nhs_number": "123"}, "ck_patients_nhs_number_digits"),
        ({"diagnosis_date": date(1980, 1, 1)}, "ck_patients_diagnosed_after_birth"),
        ({"montreal_location": "L5"}, "ck_patients_montreal_location_valid"),
    ],
)
def test_patient_checks_are_named(db, changes, constraint):
    with pytest.raises(IntegrityError, match=constraint), db.write() as session:
        insert_patient(session, **changes)


def test_hospital_numbers_are_unique(db):
    with db.write() as session:
        insert_patient(session)
    with pytest.raises(IntegrityError, match=r"UNIQUE.*hospital_number"), db.write() as session:
        insert_patient(session)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"dose_value": 0.0}, "dose_positive"),
        ({"interval_days": 0}, "interval_positive"),
        ({"end_date": date(2019, 1, 1)}, "ends_after_start"),
        ({"drug": "aspirin"}, "drug_valid"),
        ({"dose_unit": "g"}, "dose_unit_valid"),
        ({"end_reason": "bored", "end_date": date(2021, 1, 1)}, "end_reason_valid"),
    ],
)
def test_medication_checks(db, changes, constraint):
    with db.write() as session:
        pid = insert_patient(session)
    with pytest.raises(IntegrityError, match=constraint), db.write() as session:
        session.execute(insert(MedicationPeriodRow), [medication(pid, **changes)])


def test_one_result_per_patient_analyte_and_time(db):
    with db.write() as session:
        pid = insert_patient(session)
        session.execute(insert(ObservationRow), [observation(pid)])
    with pytest.raises(IntegrityError, match="UNIQUE"), db.write() as session:
        session.execute(insert(ObservationRow), [observation(pid, value=4.0)])
    with pytest.raises(IntegrityError, match="comparator_valid"), db.write() as session:
        session.execute(
            insert(ObservationRow),
            [observation(pid, comparator="~", collected_at=datetime(2026, 2, 1))],
        )


def test_deleting_a_patient_cascades_to_their_history(db):
    with db.write() as session:
        pid = insert_patient(session)
        session.execute(insert(MedicationPeriodRow), [medication(pid)])
        session.execute(insert(ObservationRow), [observation(pid)])
        session.execute(
            insert(ClinicalEventRow),
            [
                {
                    "patient_id": pid,
                    "kind": "endoscopy",
                    "occurred_on": date(2020, 1, 1),
                    "created_at": NOW,
                }
            ],
        )
    with db.write() as session:
        session.execute(delete(PatientRow).where(PatientRow.id == pid))
    with db.read() as session:
        for table in (MedicationPeriodRow, ObservationRow, ClinicalEventRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def meeting_with_case(session):
    pid = insert_patient(session)
    chair = ClinicianRow(name="Dr Chair", role="ibd_consultant", created_at=NOW)
    session.add(chair)
    session.flush()
    meeting = MeetingRow(meeting_date=date(2026, 1, 28), chair_id=chair.id, created_at=NOW)
    session.add(meeting)
    session.flush()
    case = CaseReviewRow(meeting_id=meeting.id, patient_id=pid, position=1, created_at=NOW)
    session.add(case)
    session.flush()
    return pid, chair, meeting, case


def test_a_reviewed_patient_cannot_be_deleted(db):
    with db.write() as session:
        pid, *_ = meeting_with_case(session)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), db.write() as session:
        session.execute(delete(PatientRow).where(PatientRow.id == pid))


def test_decision_rules_in_the_schema(db):
    with db.write() as session:
        _, chair, _, case = meeting_with_case(session)
        ids = (chair.id, case.id)
    base = {
        "case_review_id": ids[1],
        "rationale": "Remission",
        "decided_by_id": ids[0],
        "decided_at": NOW,
    }
    with pytest.raises(IntegrityError, match="de_escalation_has_target"), db.write() as session:
        session.execute(insert(DecisionRow), [{**base, "outcome": "de_escalate"}])
    with pytest.raises(IntegrityError, match="rationale_present"), db.write() as session:
        session.execute(
            insert(DecisionRow), [{**base, "outcome": "continue_intensified", "rationale": " "}]
        )
    with db.write() as session:
        session.execute(insert(DecisionRow), [{**base, "outcome": "continue_intensified"}])
    with pytest.raises(IntegrityError, match="UNIQUE"), db.write() as session:
        session.execute(insert(DecisionRow), [{**base, "outcome": "defer_for_investigation"}])


def test_an_override_needs_a_reason(db):
    with db.write() as session:
        *_, case = meeting_with_case(session)
        case_id = case.id
    row = {
        "case_review_id": case_id,
        "item_key": "crp",
        "automatic": "not_met",
        "confirmed": "met",
        "evidence": [],
    }
    with pytest.raises(IntegrityError, match="override_needs_reason"), db.write() as session:
        session.execute(insert(ChecklistAnswerRow), [row])
    with db.write() as session:
        session.execute(
            insert(ChecklistAnswerRow), [{**row, "override_reason": "CRP 2 mg/L at the GP surgery"}]
        )


def test_audit_rows_cannot_be_changed_or_deleted_by_any_client(db):
    with db.write() as session:
        record_audit(session, SYSTEM, "create", "patient", 1, reason="test")
    raw = sqlite3.connect(db.path)
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute(statement)
    raw.close()
