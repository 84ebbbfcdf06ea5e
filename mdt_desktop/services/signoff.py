"""Signing off a meeting: readiness, freezing what the meeting saw, and the lock.

One transaction: each case's checklist is stored with its evidence (the re-review checklist for
a case listed for re-review after a de-escalation), each case gets its snapshot (record,
checklist, risk factors, annotations, the re-review) and plot image (services/snapshots.py),
each with its audit row, then the meeting is locked. A failure anywhere writes nothing. A
meeting cannot be signed off before its own date (domain/consensus.py, ``too_early``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.board import Readiness
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import CaseState, quorum, sign_off_problems
from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus, MeetingStatus, Role
from mdt_desktop.domain.errors import RefusedError
from mdt_desktop.domain.records import AttendanceEntry, PatientRecord
from mdt_desktop.domain.rereview import Rereview
from mdt_desktop.models import CaseReviewRow, ChecklistAnswerRow, MeetingRow, PatientRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import AuditBatch, Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, meeting_row, still_open, the_chair
from mdt_desktop.services.mapping import evidence_to_json
from mdt_desktop.services.meetings import evaluate_case_checklist
from mdt_desktop.services.patients import load_record
from mdt_desktop.services.rereview import case_rereview
from mdt_desktop.services.snapshots import (
    AUDIT_ACTION,
    AUDIT_ENTITY,
    AUDIT_REASON,
    FigureMaker,
    capture,
    store,
)

Progress = Callable[[int, int, str], None]  # done, total, what is happening


def _quiet(_done: int, _total: int, _what: str) -> None:
    """No progress wanted."""


class SignOffService:
    """Signs meetings off; one transaction."""

    def __init__(
        self, db: Database, config: ClinicalConfig, *, clock: Clock = system_clock
    ) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def readiness(self, meeting_id: int, *, on: date | None = None) -> Readiness:
        """What still stops sign-off on *on* (today by default).

        Every case discussed or deferred, attendance recorded, and the meeting's date reached:
        "This meeting is dated 27 Jan 2027; it can be signed off from that day".
        """
        with self._db.read() as session:
            return _readiness(session, meeting_row(session, meeting_id), on or self._clock().date())

    def sign_off(
        self,
        meeting_id: int,
        actor: Actor,
        *,
        at: datetime | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Freeze what the meeting saw for every case (evidence and plots), then lock it.

        *progress* hears ``(done, total, what)`` case by case (drawing the plots takes time).
        """
        now = at or self._clock()
        report = progress or _quiet
        with self._db.write() as session:
            meeting = meeting_row(session, meeting_id)
            still_open(meeting, "the meeting")
            chair = acting(session, actor, Permission.SIGN_OFF)
            the_chair(meeting, chair, "sign the meeting off")
            readiness = _readiness(session, meeting, now.date())
            if not readiness.ready:
                raise RefusedError(
                    "The meeting cannot be signed off yet:\n  " + "\n  ".join(readiness.problems)
                )
            audit = AuditBatch(session)
            actor = Actor(chair.id, chair.name)
            figures = FigureMaker(self._config)
            total = len(meeting.cases) + 1
            for number, case in enumerate(meeting.cases):
                report(number, total, f"Freezing the evidence of case {case.position}")
                record = load_record(session.get_one(PatientRow, case.patient_id))
                review = case_rereview(
                    session, self._config, case.patient_id, meeting.meeting_date, record
                )
                self._freeze(session, case, meeting, record, review, now, audit, actor)
                snapshot = capture(
                    session, case, meeting, self._config, at=now, record=record, rereview=review
                )
                frozen = store(session, case, meeting, snapshot, figures)
                audit.add(
                    actor,
                    AUDIT_ACTION,
                    AUDIT_ENTITY,
                    frozen.snapshot_id,
                    patient_id=case.patient_id,
                    meeting_id=meeting.id,
                    after=frozen.audit_after(),
                    at=now,
                    reason=AUDIT_REASON,
                )
            report(total - 1, total, "Locking the meeting")
            audit.flush()
            meeting.status = MeetingStatus.SIGNED_OFF.value
            meeting.signed_off_at = now
            meeting.signed_off_by_id = chair.id
            meeting.started_at = meeting.started_at or now
            session.flush()
            Trail(session, actor, now, meeting_id=meeting.id).signed_off(
                meeting.id,
                {"cases": len(meeting.cases), "quorum_warnings": list(readiness.quorum.warnings)},
            )

    def _freeze(
        self,
        session: Session,
        case: CaseReviewRow,
        meeting: MeetingRow,
        record: PatientRecord,
        review: Rereview | None,
        now: datetime,
        audit: AuditBatch,
        actor: Actor,
    ) -> None:
        """Store every checklist item with the evidence the meeting saw (answers are kept).

        A re-review case stores the re-review checklist. Each item stored or refreshed here is
        a change to the clinical record, so each gets its audit row ("freeze") with the
        automatic result and evidence it now holds.
        """
        answers = evaluate_case_checklist(self._config, record, meeting.meeting_date, review)
        stored = {row.item_key: row for row in case.checklist}
        for answer in answers:
            row = stored.get(answer.item_key)
            before = None
            if row is None:
                row = ChecklistAnswerRow(case_review_id=case.id, item_key=answer.item_key)
                session.add(row)
            elif row.confirmed is not None:
                continue  # the team's answer stands with the evidence it was given against
            else:
                before = {"automatic": row.automatic, "evidence": row.evidence}
            row.automatic = answer.automatic.value
            row.evidence = evidence_to_json(answer.evidence)
            row.note = answer.note
            session.flush()
            audit.add(
                actor,
                "freeze",
                "checklist_answer",
                row.id,
                patient_id=case.patient_id,
                meeting_id=meeting.id,
                before=before,
                after={
                    "item": answer.item_key,
                    "automatic": row.automatic,
                    "evidence": row.evidence,
                },
                at=now,
                reason="Sign-off stores the evidence the meeting saw",
            )


def _readiness(session: Session, meeting: MeetingRow, today: date) -> Readiness:
    cases = [
        CaseState(
            case.position,
            session.get_one(PatientRow, case.patient_id).hospital_number,
            CaseStatus(case.status),
            bool(case.decisions),
        )
        for case in meeting.cases
    ]
    attendance = [
        AttendanceEntry(a.clinician_id, a.clinician.name, Role(a.role), AttendanceStatus(a.status))
        for a in meeting.attendance
    ]
    problems = sign_off_problems(
        cases, bool(attendance), meeting_date=meeting.meeting_date, today=today
    )
    return Readiness(tuple(problems), quorum(attendance))
