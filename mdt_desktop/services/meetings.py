"""Reading meetings: the list, and one meeting with attendance and cases in order."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mdt_desktop.domain.checklist import RuleContext, evaluate_checklist
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus, MeetingStatus, Role
from mdt_desktop.domain.errors import NotFoundError, ValidationError
from mdt_desktop.domain.records import (
    AttendanceEntry,
    CaseSummary,
    ChecklistAnswer,
    MeetingRecord,
)
from mdt_desktop.models import (
    AnnotationRow,
    AttendanceRow,
    CaseReviewRow,
    DecisionRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.mapping import (
    action_from_row,
    annotation_from_row,
    checklist_from_row,
    decision_from_row,
    patient_from_row,
)
from mdt_desktop.services.patients import load_record

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class MeetingListItem:
    """One line of the meeting picker."""

    id: int
    meeting_date: date
    status: MeetingStatus
    cases: int


class MeetingService:
    """Reads meetings."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._config = config
        self._labels = {item.key: item.label for item in config.checklist}

    def list_meetings(self) -> list[MeetingListItem]:
        """Return every meeting, newest first."""
        with self._db.read() as session:
            counts = (
                select(CaseReviewRow.meeting_id, func.count(CaseReviewRow.id).label("n"))
                .group_by(CaseReviewRow.meeting_id)
                .subquery()
            )
            stmt = (
                select(MeetingRow.id, MeetingRow.meeting_date, MeetingRow.status, counts.c.n)
                .outerjoin(counts, counts.c.meeting_id == MeetingRow.id)
                .order_by(MeetingRow.meeting_date.desc())
            )
            return [
                MeetingListItem(i, d, MeetingStatus(s), n or 0)
                for i, d, s, n in session.execute(stmt)
            ]

    def find(self, spec: str) -> MeetingRecord:
        """Return the meeting given as ``YYYY-MM`` (the month's only meeting) or ``YYYY-MM-DD``."""
        with self._db.read() as session:
            return self._load(session, self._resolve(session, spec.strip()))

    def get(self, meeting_id: int) -> MeetingRecord:
        with self._db.read() as session:
            row = session.get(MeetingRow, meeting_id)
            if row is None:
                raise NotFoundError(f"No meeting with id {meeting_id}.")
            return self._load(session, row)

    @staticmethod
    def _resolve(session: Session, spec: str) -> MeetingRow:
        if _DAY.match(spec):
            try:
                day = date.fromisoformat(spec)
            except ValueError as error:
                raise ValidationError(f"meeting {spec!r}: not a valid date") from error
            row = session.scalar(select(MeetingRow).where(MeetingRow.meeting_date == day))
            if row is None:
                raise NotFoundError(f"No meeting on {spec}.")
            return row
        match = _MONTH.match(spec)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(
                f"meeting {spec!r}: give a month as YYYY-MM or a date as YYYY-MM-DD"
            )
        first = date(int(match.group(1)), int(match.group(2)), 1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        rows = session.scalars(
            select(MeetingRow)
            .where(MeetingRow.meeting_date >= first, MeetingRow.meeting_date < after)
            .order_by(MeetingRow.meeting_date)
        ).all()
        if not rows:
            raise NotFoundError(f"No meeting in {spec}.")
        if len(rows) > 1:
            dates = ", ".join(r.meeting_date.isoformat() for r in rows)
            raise ValidationError(f"{spec} has {len(rows)} meetings ({dates}); give the date.")
        return rows[0]

    def _load(self, session: Session, meeting: MeetingRow) -> MeetingRecord:
        attendance = session.scalars(
            select(AttendanceRow)
            .where(AttendanceRow.meeting_id == meeting.id)
            .options(selectinload(AttendanceRow.clinician))
        ).all()
        cases = session.scalars(
            select(CaseReviewRow)
            .where(CaseReviewRow.meeting_id == meeting.id)
            .order_by(CaseReviewRow.position)
            .options(
                selectinload(CaseReviewRow.checklist),
                selectinload(CaseReviewRow.decisions).selectinload(DecisionRow.decided_by),
                selectinload(CaseReviewRow.actions),
            )
        ).all()
        return MeetingRecord(
            id=meeting.id,
            meeting_date=meeting.meeting_date,
            status=MeetingStatus(meeting.status),
            chair=meeting.chair.name,
            attendance=tuple(
                AttendanceEntry(
                    a.clinician_id, a.clinician.name, Role(a.role), AttendanceStatus(a.status)
                )
                for a in sorted(
                    attendance, key=lambda a: (list(Role).index(Role(a.role)), a.clinician.name)
                )
            ),
            cases=tuple(self._case(session, c, meeting) for c in cases),
            signed_off_by=meeting.signed_off_by.name if meeting.signed_off_by else None,
            signed_off_at=meeting.signed_off_at,
        )

    def _case(self, session: Session, case: CaseReviewRow, meeting: MeetingRow) -> CaseSummary:
        patient = session.get_one(PatientRow, case.patient_id)
        stored = tuple(
            checklist_from_row(a, self._labels.get(a.item_key, a.item_key)) for a in case.checklist
        )
        if meeting.status != MeetingStatus.SIGNED_OFF.value:
            stored = self._live_checklist(patient, meeting.meeting_date, stored)
        amended = {d.amends_id for d in case.decisions if d.amends_id}
        current = [d for d in case.decisions if d.id not in amended]
        annotations = session.execute(
            select(AnnotationRow, ObservationRow)
            .join(ObservationRow, AnnotationRow.observation_id == ObservationRow.id)
            .where(AnnotationRow.case_review_id == case.id)
            .order_by(AnnotationRow.created_at)
        ).all()
        superseded = {a.supersedes_id for a, _ in annotations if a.supersedes_id}
        return CaseSummary(
            id=case.id,
            position=case.position,
            patient=patient_from_row(patient),
            status=CaseStatus(case.status),
            checklist=stored,
            decision=decision_from_row(current[-1]) if current else None,
            actions=tuple(action_from_row(a) for a in case.actions),
            annotations=tuple(
                annotation_from_row(a, o) for a, o in annotations if a.id not in superseded
            ),
        )

    def _live_checklist(
        self, patient: PatientRow, on: date, stored: tuple[ChecklistAnswer, ...]
    ) -> tuple[ChecklistAnswer, ...]:
        """Evaluate the checklist now (data may have changed) and keep the team's answers."""
        context = RuleContext(
            load_record(patient), on, self._config.thresholds, self._config.regimens
        )
        answers = {a.item_key: a for a in stored}
        merged = []
        for answer in evaluate_checklist(self._config.checklist, context):
            team = answers.get(answer.item_key)
            if team is not None and team.confirmed is not None:
                answer = replace(
                    answer,
                    confirmed=team.confirmed,
                    override_reason=team.override_reason,
                    answered_by=team.answered_by,
                    answered_at=team.answered_at,
                )
            merged.append(answer)
        return tuple(merged)
