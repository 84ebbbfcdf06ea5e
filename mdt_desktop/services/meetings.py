"""Reading meetings: the picker list, one meeting with its cases, and the meeting screen's board.

Checklists of meetings that are not signed off are evaluated live on the meeting date (new data
counts) and merged with the team's stored answers. A case listed for re-review after a
de-escalation (services/rereview.py) is read against the re-review checklist, every other case
against the remission checklist (docs/clinical.md, "Checklist"). A signed-off meeting shows the
evidence frozen at sign-off (record, checklist, risk factors, annotations, the re-review:
domain/snapshot.py), so later imports never change it; each case lists what the live record
holds that the decision did not see. A meeting signed off before snapshots existed shows its
stored checklist with the live record.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from mdt_desktop.domain.board import CaseDetail, MeetingBoard, MeetingListItem
from mdt_desktop.domain.checklist import (
    RuleContext,
    evaluate_checklist,
    objective_remission,
    shown_answer,
)
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus, MeetingStatus, Role
from mdt_desktop.domain.errors import NotFoundError, ValidationError
from mdt_desktop.domain.new_data import (
    NewData,
    changes_since,
    event_item,
    medication_item,
    result_item,
    sort_new_data,
)
from mdt_desktop.domain.records import (
    Action,
    Annotation,
    AttendanceEntry,
    CaseNote,
    CaseSummary,
    ChecklistAnswer,
    MeetingRecord,
    PatientRecord,
    current_annotations,
)
from mdt_desktop.domain.regimens import RegimenCatalogue
from mdt_desktop.domain.rereview import Rereview
from mdt_desktop.domain.rereview_checklist import RereviewContext, evaluate_rereview_checklist
from mdt_desktop.domain.risk import applicable_risks
from mdt_desktop.domain.snapshot import CaseSnapshot, SnapshotStamp, from_payload
from mdt_desktop.domain.summary import summarise
from mdt_desktop.models import (
    AnnotationRow,
    AttendanceRow,
    CaseReviewRow,
    CaseSnapshotRow,
    ClinicalEventRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
    SnapshotFigureRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.carry_over import carried_from, deferral_reason
from mdt_desktop.services.mapping import (
    action_from_row,
    annotation_from_row,
    checklist_from_row,
    decision_from_row,
    event_from_row,
    medication_from_row,
    observation_from_row,
    patient_from_row,
)
from mdt_desktop.services.open_actions import done_as_at, open_actions_for
from mdt_desktop.services.patients import load_record
from mdt_desktop.services.positions import positions_for
from mdt_desktop.services.rereview import case_rereview

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MeetingService:
    """Reads meetings; each call is one read transaction."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._config = config
        self._labels = config.checklist_labels

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
            return self._load(session, self._resolve(session, spec.strip()), {})

    def find_id(self, spec: str) -> int:
        """Return the id of the meeting given as ``YYYY-MM`` or ``YYYY-MM-DD``."""
        with self._db.read() as session:
            return self._resolve(session, spec.strip()).id

    def get(self, meeting_id: int) -> MeetingRecord:
        """Return one meeting with its attendance and cases."""
        with self._db.read() as session:
            return self._load(session, self._row(session, meeting_id), {})

    def board(self, meeting_id: int, *, as_signed: bool = False) -> MeetingBoard:
        """Return the meeting with every case's record, summary, checklist and risk factors.

        *as_signed*: for a signed-off meeting, each case's actions as they stood at sign-off
        (the minutes); otherwise their state now (the screen, where completion is recorded).
        """
        with self._db.read() as session:
            row = self._row(session, meeting_id)
            frozen = stored_snapshots(session, meeting_id=row.id) if _signed(row) else {}
            records: dict[int, PatientRecord] = {}
            reviews: Rereviews = {}
            meeting = self._load(
                session, row, records, all_records=True, frozen=frozen, rereviews=reviews
            )
            if as_signed and row.signed_off_at is not None and _signed(row):
                meeting = _actions_as_signed(session, meeting, row.signed_off_at)
            return MeetingBoard(
                meeting,
                tuple(
                    self._full(session, case, records, meeting, frozen, reviews)
                    for case in meeting.cases
                ),
                open_actions_for(session, row),
            )

    def case_detail(self, case_id: int) -> CaseDetail:
        """Return the current detail of one case (after its checklist or data changed)."""
        with self._db.read() as session:
            case = session.get(CaseReviewRow, case_id)
            if case is None:
                raise NotFoundError(f"No case with id {case_id}.")
            meeting_row = self._row(session, case.meeting_id)
            frozen = stored_snapshots(session, case_id=case.id) if _signed(meeting_row) else {}
            records: dict[int, PatientRecord] = {}
            reviews: Rereviews = {}
            summary = self._case(
                session,
                case,
                meeting_row,
                records,
                all_records=True,
                frozen=frozen.get(case.id),
                rereviews=reviews,
            )
            meeting = self._meeting_record(session, meeting_row, (summary,))
            return self._full(session, summary, records, meeting, frozen, reviews)

    def frozen_figures(self, meeting_id: int, name: str) -> dict[int, bytes]:
        """The figure *name* frozen at sign-off for each case of the meeting (case id -> bytes)."""
        with self._db.read() as session:
            rows = session.execute(
                select(CaseSnapshotRow.case_review_id, SnapshotFigureRow.data)
                .join(SnapshotFigureRow, SnapshotFigureRow.snapshot_id == CaseSnapshotRow.id)
                .where(CaseSnapshotRow.meeting_id == meeting_id, SnapshotFigureRow.name == name)
            )
            return {row.case_review_id: row.data for row in rows}

    # --- loading ---------------------------------------------------------------------------------

    def _full(
        self,
        session: Session,
        case: CaseSummary,
        records: dict[int, PatientRecord],
        meeting: MeetingRecord,
        frozen: dict[int, tuple[SnapshotStamp, CaseSnapshot]],
        rereviews: Rereviews,
    ) -> CaseDetail:
        """The detail of *case*: from its snapshot when it has one, else from the live record."""
        live = records[case.patient.id or 0]
        if case.id in frozen:
            stamp, snapshot = frozen[case.id]
            new = changes_since(
                snapshot.record, live, ignore_medications=_amended_periods(session, case, snapshot)
            )
            return frozen_detail(
                case, snapshot, meeting.status, self._config.regimens, stamp=stamp, new_data=new
            )
        if case.id in rereviews:
            review = rereviews[case.id]
        else:
            review = case_rereview(
                session, self._config, case.patient.id or 0, meeting.meeting_date, live
            )
        detail = self._detail(
            case, live, meeting, patient_annotations(session, case.patient.id or 0), review
        )
        return replace(detail, new_data=imported_since_decision(session, case))

    def _detail(
        self,
        case: CaseSummary,
        record: PatientRecord,
        meeting: MeetingRecord,
        annotations: tuple[Annotation, ...],
        review: Rereview | None = None,
    ) -> CaseDetail:
        config = self._config
        on = meeting.meeting_date
        items = config.checklist_for(review is not None)
        return CaseDetail(
            case=case,
            record=record,
            summary=summarise(record, on, config.regimens),
            overall=objective_remission(items, case.checklist),
            risks=applicable_risks(config.risk_factors, record, on, config.thresholds),
            meeting_date=on,
            meeting_status=meeting.status,
            annotations=annotations,
            rereview=review,
        )

    @staticmethod
    def _row(session: Session, meeting_id: int) -> MeetingRow:
        row = session.get(MeetingRow, meeting_id)
        if row is None:
            raise NotFoundError(f"No meeting with id {meeting_id}.")
        return row

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

    def _load(
        self,
        session: Session,
        meeting: MeetingRow,
        records: dict[int, PatientRecord],
        *,
        all_records: bool = False,
        frozen: dict[int, tuple[SnapshotStamp, CaseSnapshot]] | None = None,
        rereviews: Rereviews | None = None,
    ) -> MeetingRecord:
        cases = session.scalars(
            select(CaseReviewRow)
            .where(CaseReviewRow.meeting_id == meeting.id)
            .order_by(CaseReviewRow.position)
            .options(
                selectinload(CaseReviewRow.checklist),
                selectinload(CaseReviewRow.decisions).selectinload(DecisionRow.decided_by),
                selectinload(CaseReviewRow.actions),
                selectinload(CaseReviewRow.notes),
            )
        ).all()
        frozen = frozen or {}
        summaries = tuple(
            self._case(
                session,
                c,
                meeting,
                records,
                all_records=all_records,
                frozen=frozen.get(c.id),
                rereviews=rereviews,
            )
            for c in cases
        )
        return self._meeting_record(session, meeting, summaries)

    @staticmethod
    def _meeting_record(
        session: Session, meeting: MeetingRow, cases: tuple[CaseSummary, ...]
    ) -> MeetingRecord:
        attendance = session.scalars(
            select(AttendanceRow)
            .where(AttendanceRow.meeting_id == meeting.id)
            .options(selectinload(AttendanceRow.clinician))
        ).all()
        order = list(Role)
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
                    attendance, key=lambda a: (order.index(Role(a.role)), a.clinician.name)
                )
            ),
            cases=cases,
            signed_off_by=meeting.signed_off_by.name if meeting.signed_off_by else None,
            signed_off_at=meeting.signed_off_at,
            chair_id=meeting.chair_id,
            location=meeting.location or "",
        )

    def _case(
        self,
        session: Session,
        case: CaseReviewRow,
        meeting: MeetingRow,
        records: dict[int, PatientRecord],
        *,
        all_records: bool,
        frozen: tuple[SnapshotStamp, CaseSnapshot] | None = None,
        rereviews: Rereviews | None = None,
    ) -> CaseSummary:
        """One case; a live one's checklist is evaluated now (a re-review case's own list).

        The re-review a live case is due (or None) is kept in *rereviews* by case id.
        """
        patient = session.get_one(PatientRow, case.patient_id)
        live = meeting.status != MeetingStatus.SIGNED_OFF.value
        if (live or all_records) and patient.id not in records:
            records[patient.id] = load_record(patient)
        stored = tuple(
            checklist_from_row(a, self._labels.get(a.item_key, a.item_key)) for a in case.checklist
        )
        if live:
            live_record = records[patient.id]
            review = case_rereview(
                session, self._config, patient.id, meeting.meeting_date, live_record
            )
            if rereviews is not None:
                rereviews[case.id] = review
            stored = self._live_checklist(live_record, meeting.meeting_date, stored, review)
        amended = {d.amends_id for d in case.decisions if d.amends_id}
        current = [d for d in case.decisions if d.id not in amended]
        annotations = session.execute(
            select(AnnotationRow, ObservationRow)
            .join(ObservationRow, AnnotationRow.observation_id == ObservationRow.id)
            .where(AnnotationRow.case_review_id == case.id)
            .order_by(AnnotationRow.created_at)
        ).all()
        superseded = {a.supersedes_id for a, _ in annotations if a.supersedes_id}
        record = records.get(patient.id)
        summary = CaseSummary(
            id=case.id,
            position=case.position,
            patient=record.patient if record else patient_from_row(patient),
            status=CaseStatus(case.status),
            checklist=stored,
            decision=decision_from_row(current[-1]) if current else None,
            earlier_decisions=tuple(
                decision_from_row(d) for d in case.decisions if current and d.id != current[-1].id
            ),
            notes=tuple(CaseNote(n.id, n.author.name, n.text, n.created_at) for n in case.notes),
            actions=tuple(action_from_row(a) for a in case.actions),
            annotations=tuple(
                annotation_from_row(a, o) for a, o in annotations if a.id not in superseded
            ),
            positions=positions_for(session, case.decisions, current[-1] if current else None),
            carried_from=carried_from(session, case.id),
            deferral_reason=deferral_reason(session, case),
            added_reason=case.added_reason or "",
        )
        return frozen_case(summary, frozen[1]) if frozen else summary

    def _live_checklist(
        self,
        record: PatientRecord,
        on: date,
        stored: tuple[ChecklistAnswer, ...],
        review: Rereview | None = None,
    ) -> tuple[ChecklistAnswer, ...]:
        """Evaluate the checklist now (data may have changed) and keep the team's answers."""
        answers = {a.item_key: a for a in stored}
        merged = []
        for answer in evaluate_case_checklist(self._config, record, on, review):
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


Rereviews = dict[int, Rereview | None]  # the re-review due for each live case, by case id


def evaluate_case_checklist(
    config: ClinicalConfig, record: PatientRecord, on: date, review: Rereview | None
) -> tuple[ChecklistAnswer, ...]:
    """The automatic checklist of one case on *on*: the re-review list for a re-review case."""
    context = RuleContext(record, on, config.thresholds, config.regimens, config.antibody_assays)
    if review is not None:
        return evaluate_rereview_checklist(
            config.rereview_checklist, RereviewContext(context, review.decision)
        )
    return evaluate_checklist(config.checklist, context)


def patient_annotations(session: Session, patient_id: int) -> tuple[Annotation, ...]:
    """Every version of every pharmacist annotation on one patient's results, oldest first."""
    rows = session.execute(
        select(AnnotationRow, ObservationRow)
        .join(ObservationRow, AnnotationRow.observation_id == ObservationRow.id)
        .where(ObservationRow.patient_id == patient_id)
        .order_by(AnnotationRow.created_at)
    ).all()
    return tuple(annotation_from_row(a, o) for a, o in rows)


# --- frozen evidence ---------------------------------------------------------------------------


def _signed(meeting: MeetingRow) -> bool:
    return meeting.status == MeetingStatus.SIGNED_OFF.value


def stored_snapshots(
    session: Session, *, meeting_id: int | None = None, case_id: int | None = None
) -> dict[int, tuple[SnapshotStamp, CaseSnapshot]]:
    """The snapshots of a meeting's cases (or of one case), by case id."""
    stmt = select(CaseSnapshotRow)
    if meeting_id is not None:
        stmt = stmt.where(CaseSnapshotRow.meeting_id == meeting_id)
    if case_id is not None:
        stmt = stmt.where(CaseSnapshotRow.case_review_id == case_id)
    return {
        row.case_review_id: (
            SnapshotStamp(row.id, row.taken_at, row.digest, row.format_version),
            from_payload(row.payload),
        )
        for row in session.scalars(stmt)
    }


def frozen_case(case: CaseSummary, snapshot: CaseSnapshot) -> CaseSummary:
    """*case* with the patient, checklist and annotations the meeting saw."""
    own = tuple(a for a in snapshot.annotations if a.case_review_id == case.id)
    return replace(
        case,
        patient=snapshot.record.patient,
        checklist=tuple(shown_answer(a) for a in snapshot.checklist),
        annotations=current_annotations(own),
    )


def frozen_detail(
    case: CaseSummary,
    snapshot: CaseSnapshot,
    status: MeetingStatus,
    regimens: RegimenCatalogue,
    *,
    stamp: SnapshotStamp | None = None,
    new_data: tuple[NewData, ...] = (),
) -> CaseDetail:
    """The detail of a case built from its snapshot (the summary is recomputed from it)."""
    record, on = snapshot.record, snapshot.meeting_date
    return CaseDetail(
        case=frozen_case(case, snapshot),
        record=record,
        summary=summarise(record, on, regimens),
        overall=snapshot.overall,
        risks=snapshot.risks,
        meeting_date=on,
        meeting_status=status,
        annotations=snapshot.annotations,
        snapshot=stamp,
        new_data=new_data,
        rereview=snapshot.rereview,
    )


def _amended_periods(session: Session, case: CaseSummary, snapshot: CaseSnapshot) -> set[int]:
    """Medication periods an amendment after sign-off wrote or removed (shown as the amendment)."""
    amendments = [
        d.id for d in (case.decision, *case.earlier_decisions) if d and d.amends_id and d.id
    ]
    if not amendments:
        return set()
    linked = session.execute(
        select(MedicationPeriodRow.id).where(
            or_(
                MedicationPeriodRow.decision_id.in_(amendments),
                MedicationPeriodRow.closed_by_decision_id.in_(amendments),
            )
        )
    ).scalars()
    present = session.scalars(
        select(MedicationPeriodRow.id).where(
            MedicationPeriodRow.id.in_(list(snapshot.decision_periods))
        )
    )
    return set(linked) | (set(snapshot.decision_periods) - set(present))


def imported_since_decision(session: Session, case: CaseSummary) -> tuple[NewData, ...]:
    """Results, medication and events stored after the case's decision was recorded."""
    decision = case.decision
    patient_id = case.patient.id
    if decision is None or patient_id is None:
        return ()
    since: datetime = decision.decided_at
    own = [d.id for d in (decision, *case.earlier_decisions) if d.id is not None]
    results = session.scalars(
        select(ObservationRow).where(
            ObservationRow.patient_id == patient_id, ObservationRow.created_at > since
        )
    )
    periods = session.scalars(
        select(MedicationPeriodRow).where(
            MedicationPeriodRow.patient_id == patient_id,
            MedicationPeriodRow.created_at > since,
            or_(
                MedicationPeriodRow.decision_id.is_(None), ~MedicationPeriodRow.decision_id.in_(own)
            ),
        )
    )
    events = session.scalars(
        select(ClinicalEventRow).where(
            ClinicalEventRow.patient_id == patient_id, ClinicalEventRow.created_at > since
        )
    )
    return sort_new_data(
        [
            *(result_item(observation_from_row(o)) for o in results),
            *(medication_item(medication_from_row(m)) for m in periods),
            *(event_item(event_from_row(e)) for e in events),
        ]
    )


def _actions_as_signed(
    session: Session, meeting: MeetingRecord, signed_at: datetime
) -> MeetingRecord:
    """*meeting* with each action's completion as it stood at *signed_at* (from the audit log)."""
    ids = {action.id for case in meeting.cases for action in case.actions if action.id}
    then = done_as_at(session, ids, {meeting.id}, signed_at)

    def as_signed(action: Action) -> Action:
        done = action.done_at if action.id is None else then.get(action.id, action.done_at)
        if done is not None and done > signed_at:  # changed without an audit row (by hand)
            done = None
        return replace(action, done_at=done)

    cases = tuple(
        replace(case, actions=tuple(as_signed(a) for a in case.actions)) for case in meeting.cases
    )
    return replace(meeting, cases=cases)
