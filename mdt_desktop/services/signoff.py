"""Signing off a meeting: readiness, freezing what the meeting saw, and the lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mdt_desktop.domain.checklist import RuleContext, evaluate_checklist
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import CaseState, Quorum, quorum, sign_off_problems
from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus, MeetingStatus, Role
from mdt_desktop.domain.errors import RefusedError
from mdt_desktop.domain.records import AttendanceEntry
from mdt_desktop.models import CaseReviewRow, ChecklistAnswerRow, MeetingRow, PatientRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Actor, AuditBatch, record_audit
from mdt_desktop.services.guards import acting, meeting_row, still_open, the_chair
from mdt_desktop.services.mapping import evidence_to_json
from mdt_desktop.services.patients import load_record
from mdt_desktop.services.permissions import Permission


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the meeting can be signed off, and the quorum at the table."""

    problems: tuple[str, ...]
    quorum: Quorum

    @property
    def ready(self) -> bool:
        return not self.problems


class SignOffService:
    """Signs meetings off; one transaction."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._config = config

    def readiness(self, meeting_id: int) -> Readiness:
        """What still stops sign-off (every case discussed or deferred, attendance recorded)."""
        with self._db.read() as session:
            return _readiness(session, meeting_row(session, meeting_id))

    def sign_off(self, meeting_id: int, actor: Actor, *, at: datetime | None = None) -> None:
        """Freeze every case's checklist and evidence as seen now, then lock the meeting."""
        now = at or datetime.now()
        with self._db.write() as session:
            meeting = meeting_row(session, meeting_id)
            still_open(meeting, "the meeting")
            chair = acting(session, actor, Permission.SIGN_OFF)
            the_chair(meeting, chair, "sign the meeting off")
            readiness = _readiness(session, meeting)
            if not readiness.ready:
                raise RefusedError(
                    "The meeting cannot be signed off yet:\n  " + "\n  ".join(readiness.problems)
                )
            audit = AuditBatch(session)
            actor = Actor(chair.id, chair.name)
            for case in meeting.cases:
                self._freeze(session, case, meeting, now, audit, actor)
            audit.flush()
            meeting.status = MeetingStatus.SIGNED_OFF.value
            meeting.signed_off_at = now
            meeting.signed_off_by_id = chair.id
            meeting.started_at = meeting.started_at or now
            session.flush()
            record_audit(
                session,
                Actor(chair.id, chair.name),
                "sign_off",
                "meeting",
                meeting.id,
                meeting_id=meeting.id,
                at=now,
                after={
                    "cases": len(meeting.cases),
                    "quorum_warnings": list(readiness.quorum.warnings),
                },
            )

    def _freeze(
        self,
        session: Session,
        case: CaseReviewRow,
        meeting: MeetingRow,
        now: datetime,
        audit: AuditBatch,
        actor: Actor,
    ) -> None:
        """Store every checklist item with the evidence the meeting saw (answers are kept).

        Each item stored or refreshed here is a change to the clinical record, so each gets
        its audit row ("freeze") with the automatic result and evidence it now holds.
        """
        config = self._config
        record = load_record(session.get_one(PatientRow, case.patient_id))
        answers = evaluate_checklist(
            config.checklist,
            RuleContext(record, meeting.meeting_date, config.thresholds, config.regimens),
        )
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


def _readiness(session: Session, meeting: MeetingRow) -> Readiness:
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
    return Readiness(tuple(sign_off_problems(cases, bool(attendance))), quorum(attendance))
