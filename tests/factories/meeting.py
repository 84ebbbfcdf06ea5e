"""Factories of the MDT's own tables: roster, meetings, attendance, cases and what they record.

A signed-off meeting is read-only in the database itself (docs/architecture.md, "Data model"):
build its cases and records first, then call ``sign_off``.
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.enums import (
    Analyte,
    AttendanceStatus,
    CaseStatus,
    ChecklistResult,
    Interpretation,
    MeetingStatus,
    Outcome,
    Role,
)
from mdt_desktop.models import (
    ActionRow,
    AnnotationRow,
    AttendanceRow,
    CaseNoteRow,
    CaseReviewRow,
    ChecklistAnswerRow,
    ClinicianRow,
    DecisionRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from tests.factories.base import NOW, add, next_number
from tests.factories.record import make_observation, make_patient

FIRST_MEETING = date(2026, 1, 28)  # a Wednesday; each new meeting is a week after the last one


def make_clinician(session: Session, **overrides: Any) -> ClinicianRow:
    """An active IBD consultant on the roster (pass ``role`` for another role)."""
    values: dict[str, Any] = {
        "name": f"Dr Test {next_number()}",
        "role": Role.IBD_CONSULTANT.value,
        "active": True,
        "created_at": NOW,
    }
    return add(session, ClinicianRow(**{**values, **overrides}))


def make_meeting(
    session: Session, chair: ClinicianRow | None = None, **overrides: Any
) -> MeetingRow:
    """A planned meeting on a date of its own, chaired by a new consultant unless given one."""
    chair = chair or make_clinician(session)
    values: dict[str, Any] = {
        "meeting_date": FIRST_MEETING + timedelta(weeks=next_number()),
        "chair_id": chair.id,
        "status": MeetingStatus.PLANNED.value,
        "location": "Seminar room 1",
        "created_at": NOW,
    }
    return add(session, MeetingRow(**{**values, **overrides}))


def sign_off(
    session: Session,
    meeting: MeetingRow,
    by: ClinicianRow | None = None,
    at: datetime = NOW,
) -> MeetingRow:
    """Mark *meeting* signed off by *by* (its chair by default): from now on it is read-only."""
    meeting.status = MeetingStatus.SIGNED_OFF.value
    meeting.signed_off_by_id = by.id if by else meeting.chair_id
    meeting.signed_off_at = at
    session.flush()
    return meeting


def make_attendance(
    session: Session,
    meeting: MeetingRow | None = None,
    clinician: ClinicianRow | None = None,
    **overrides: Any,
) -> AttendanceRow:
    """*clinician* (a new consultant by default) present at *meeting*, in their roster role."""
    meeting = meeting or make_meeting(session)
    clinician = clinician or make_clinician(session)
    values: dict[str, Any] = {
        "meeting_id": meeting.id,
        "clinician_id": clinician.id,
        "status": AttendanceStatus.PRESENT.value,
        "role": clinician.role,
    }
    return add(session, AttendanceRow(**{**values, **overrides}))


def make_case_review(
    session: Session,
    meeting: MeetingRow | None = None,
    patient: PatientRow | None = None,
    **overrides: Any,
) -> CaseReviewRow:
    """*patient* listed last on *meeting*, pending (both made when not given)."""
    meeting = meeting or make_meeting(session)
    patient = patient or make_patient(session)
    last = session.scalar(
        select(func.max(CaseReviewRow.position)).where(CaseReviewRow.meeting_id == meeting.id)
    )
    values: dict[str, Any] = {
        "meeting_id": meeting.id,
        "patient_id": patient.id,
        "position": (last or 0) + 1,
        "status": CaseStatus.PENDING.value,
        "added_reason": "",
        "created_at": NOW,
    }
    return add(session, CaseReviewRow(**{**values, **overrides}))


def make_checklist_answer(
    session: Session, case: CaseReviewRow | None = None, **overrides: Any
) -> ChecklistAnswerRow:
    """The calprotectin item, met automatically and not yet answered by the team."""
    case = case or make_case_review(session)
    values: dict[str, Any] = {
        "case_review_id": case.id,
        "item_key": "calprotectin",
        "automatic": ChecklistResult.MET.value,
        "evidence": [{"analyte": Analyte.FAECAL_CALPROTECTIN.value, "value": 40.0}],
        "note": "",
        "confirmed": None,
        "override_reason": "",
    }
    return add(session, ChecklistAnswerRow(**{**values, **overrides}))


def _chair_of(session: Session, case: CaseReviewRow) -> int:
    meeting = session.get(MeetingRow, case.meeting_id)
    assert meeting is not None
    return meeting.chair_id


def make_decision(
    session: Session, case: CaseReviewRow | None = None, **overrides: Any
) -> DecisionRow:
    """The chair's decision to continue the intensified regimen.

    A de-escalation or re-escalation needs ``target_drug``, ``target_dose``,
    ``target_dose_unit``, ``target_interval_days`` and ``effective_date`` too (the table's CHECK).
    """
    case = case or make_case_review(session)
    values: dict[str, Any] = {
        "case_review_id": case.id,
        "outcome": Outcome.CONTINUE_INTENSIFIED.value,
        "rationale": "Test rationale: markers borderline, review in three months.",
        "dissent": "",
        "monitoring": [],
        "decided_by_id": _chair_of(session, case),
        "decided_at": NOW,
    }
    return add(session, DecisionRow(**{**values, **overrides}))


def make_action(
    session: Session,
    case: CaseReviewRow | None = None,
    owner: ClinicianRow | None = None,
    **overrides: Any,
) -> ActionRow:
    """An open action owned by *owner* (the chair by default), due four weeks after the meeting."""
    case = case or make_case_review(session)
    meeting = session.get(MeetingRow, case.meeting_id)
    assert meeting is not None
    values: dict[str, Any] = {
        "case_review_id": case.id,
        "description": "Repeat faecal calprotectin",
        "owner_id": owner.id if owner else meeting.chair_id,
        "due_date": meeting.meeting_date + timedelta(days=28),
        "done_at": None,
        "created_at": NOW,
    }
    return add(session, ActionRow(**{**values, **overrides}))


def make_case_note(
    session: Session,
    case: CaseReviewRow | None = None,
    author: ClinicianRow | None = None,
    **overrides: Any,
) -> CaseNoteRow:
    """A note on *case* by *author* (the chair by default)."""
    case = case or make_case_review(session)
    values: dict[str, Any] = {
        "case_review_id": case.id,
        "author_id": author.id if author else _chair_of(session, case),
        "text": "Test note: patient prefers fewer infusions.",
        "created_at": NOW,
    }
    return add(session, CaseNoteRow(**{**values, **overrides}))


def make_annotation(
    session: Session,
    case: CaseReviewRow | None = None,
    level: ObservationRow | None = None,
    pharmacist: ClinicianRow | None = None,
    **overrides: Any,
) -> AnnotationRow:
    """A pharmacist's 'within target' note on an infliximab trough of the case's patient."""
    case = case or make_case_review(session)
    if level is None:
        patient = session.get(PatientRow, case.patient_id)
        level = make_observation(
            session,
            patient,
            analyte=Analyte.INFLIXIMAB_LEVEL.value,
            value=5.2,
            unit="ug/mL",
            original_value="5.2",
            original_unit="ug/mL",
        )
    pharmacist = pharmacist or make_clinician(session, role=Role.PHARMACIST.value)
    values: dict[str, Any] = {
        "observation_id": level.id,
        "case_review_id": case.id,
        "interpretation": Interpretation.WITHIN_TARGET.value,
        "comment": "Trough within the target band.",
        "recommendation": "",
        "pharmacist_id": pharmacist.id,
        "created_at": NOW,
        "supersedes_id": None,
    }
    return add(session, AnnotationRow(**{**values, **overrides}))
