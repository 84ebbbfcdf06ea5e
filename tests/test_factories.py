"""The test factories (tests/factories): every mapped table has one, and each builds a valid row.

A row built by a factory is flushed through the ORM in the test's database, read back in a new
session with the same column values, and leaves the database passing ``check``.
"""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from mdt_desktop.domain.enums import CaseStatus, MeetingStatus, Role
from mdt_desktop.models import AuditEventRow, Base, CaseReviewRow, MeetingRow, MetaRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.integrity import check_database
from tests import factories as f

BUILDERS: dict[str, Callable[[Session], Any]] = {
    "patients": f.make_patient,
    "medication_periods": f.make_medication_period,
    "observations": f.make_observation,
    "clinical_events": f.make_clinical_event,
    "medication_administrations": f.make_administration,
    "clinicians": f.make_clinician,
    "meetings": f.make_meeting,
    "attendance": f.make_attendance,
    "case_reviews": f.make_case_review,
    "checklist_answers": f.make_checklist_answer,
    "decisions": f.make_decision,
    "actions": f.make_action,
    "case_notes": f.make_case_note,
    "drug_level_annotations": f.make_annotation,
    "decision_positions": f.make_position,
    "case_snapshots": f.make_snapshot,
    "case_snapshot_figures": f.make_snapshot_figure,
    "case_carry_overs": f.make_carry_over,
    "audit_events": f.make_audit_event,
    "mdt_meta": f.make_meta,
}


def _columns(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def test_every_mapped_table_has_a_factory() -> None:
    assert set(BUILDERS) == set(Base.metadata.tables)


@pytest.mark.parametrize("table", sorted(BUILDERS))
def test_factory_row_round_trips(db: Database, table: str) -> None:
    with db.write() as session:
        row = BUILDERS[table](session)
        assert row.__table__.name == table
        written = _columns(row)
        key = inspect(row).identity
    with db.read() as session:
        again = session.get(type(row), key)
        assert again is not None
        assert _columns(again) == written
    assert check_database(db).ok


def test_factories_take_overrides_and_given_parents(db: Database) -> None:
    with db.write() as session:
        chair = f.make_clinician(session, name="Dr Chair")
        meeting = f.make_meeting(session, chair, location="Room 9")
        patient = f.make_patient(session, hospital_number="TESTX1", ibd_type="ulcerative_colitis")
        first = f.make_case_review(session, meeting, patient)
        second = f.make_case_review(session, meeting)
        decision = f.make_decision(session, first, outcome="refer_to_trial")
        nurse = f.make_clinician(session, role=Role.IBD_NURSE.value)
        position = f.make_position(session, decision, nurse, position="abstain")
    assert (meeting.chair_id, meeting.location) == (chair.id, "Room 9")
    assert (first.position, second.position) == (1, 2)
    assert (decision.decided_by_id, decision.outcome) == (chair.id, "refer_to_trial")
    assert (position.role, position.recorded_by_id) == ("ibd_nurse", chair.id)


def test_sign_off_makes_the_meeting_read_only(db: Database) -> None:
    with db.write() as session:
        case = f.make_case_review(session)
        f.make_decision(session, case)
        meeting_id = case.meeting_id
        meeting = session.get(MeetingRow, meeting_id)
        assert meeting is not None
        f.sign_off(session, meeting)
        assert meeting.status == MeetingStatus.SIGNED_OFF.value
    with pytest.raises(DatabaseError, match="signed-off"):
        _list_another_case(db, meeting_id)


def _list_another_case(db: Database, meeting_id: int) -> None:
    with db.write() as session:
        patient = f.make_patient(session)
        session.add(
            CaseReviewRow(
                meeting_id=meeting_id,
                patient_id=patient.id,
                position=2,
                status=CaseStatus.PENDING.value,
                created_at=f.NOW,
            )
        )
        session.flush()


def test_audit_rows_continue_the_chain(db: Database) -> None:
    with db.write() as session:
        patient = f.make_patient(session)
        first = f.make_audit_event(session, entity_id=patient.id, patient_id=patient.id)
        second = f.make_audit_event(session, action="update", reason="typo")
    assert second.prev_hash == first.hash
    with db.read() as session:
        assert verify_chain(session).intact
        assert session.scalar(select(AuditEventRow.reason).where(AuditEventRow.id == second.id))


def test_the_database_keeps_its_own_meta_rows(db: Database) -> None:
    with db.write() as session:
        f.make_meta(session)
    with db.read() as session:
        keys = set(session.scalars(select(MetaRow.key)))
    assert {"application", "test_note"} <= keys
