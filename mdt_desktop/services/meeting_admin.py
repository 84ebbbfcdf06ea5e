"""Preparing a meeting: what the coordinator sets up, and the suggested candidates.

The coordinator creates the meeting, sets the chair, keeps the candidate list and records the
attendance.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.candidates import RereviewSuggestion, Suggestion
from mdt_desktop.domain.checklist import (
    Overall,
    RuleContext,
    evaluate_checklist,
    objective_remission,
)
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus, Role
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.domain.history import intensified_since, months_between
from mdt_desktop.domain.records import PatientRecord
from mdt_desktop.models import (
    AttendanceRow,
    CaseReviewRow,
    ClinicianRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, case_row, meeting_row, still_open
from mdt_desktop.services.mapping import medication_from_row, observation_from_row, patient_from_row
from mdt_desktop.services.patients import find_patient
from mdt_desktop.services.rereview import rereview_suggestions

IMAGING_LOOKBACK = timedelta(days=400)  # the longest window a checklist rule looks back


class MeetingAdminService:
    """Writes the meeting's set-up; each call is one transaction by the coordinator."""

    def __init__(
        self, db: Database, config: ClinicalConfig, *, clock: Clock = system_clock
    ) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def create_meeting(
        self, meeting_date: date, chair_id: int, actor: Actor, location: str = ""
    ) -> int:
        """Plan a meeting on *meeting_date* chaired by *chair_id*; return its id."""
        with self._db.write() as session:
            who = acting(session, actor, Permission.PREPARE_MEETING)
            chair = _chair(session, chair_id)
            if session.scalar(select(MeetingRow.id).where(MeetingRow.meeting_date == meeting_date)):
                raise ValidationError(
                    f"date: there is already a meeting on {meeting_date:%d %b %Y}"
                )
            row = MeetingRow(
                meeting_date=meeting_date,
                chair_id=chair.id,
                location=location,
                status=MeetingStatus.PLANNED.value,
                created_at=self._clock(),
            )
            session.add(row)
            session.flush()
            self._trail(session, who, meeting_id=row.id).created(
                "meeting",
                row.id,
                {"date": meeting_date, "chair": chair.name, "location": location},
            )
            return row.id

    def set_chair(self, meeting_id: int, chair_id: int, actor: Actor) -> None:
        """Change who chairs the meeting (an IBD consultant on the roster)."""
        with self._db.write() as session:
            who = acting(session, actor, Permission.PREPARE_MEETING)
            meeting = meeting_row(session, meeting_id)
            still_open(meeting, "its chair")
            chair = _chair(session, chair_id)
            before = meeting.chair.name
            meeting.chair_id = chair.id
            self._trail(session, who, meeting_id=meeting.id).updated(
                "meeting", meeting.id, {"chair": before}, {"chair": chair.name}
            )

    def add_candidate(
        self,
        meeting_id: int,
        hospital_number: str,
        actor: Actor,
        reason: str = "Listed by the coordinator",
    ) -> int:
        """Add a patient to the end of the list; return the case id."""
        with self._db.write() as session:
            who = acting(session, actor, Permission.PREPARE_MEETING)
            meeting = meeting_row(session, meeting_id)
            still_open(meeting, "its candidate list")
            patient = find_patient(session, hospital_number)
            listed = session.scalar(
                select(CaseReviewRow.id).where(
                    CaseReviewRow.meeting_id == meeting.id, CaseReviewRow.patient_id == patient.id
                )
            )
            if listed is not None:
                raise ValidationError(
                    f"{patient.hospital_number} is already on this meeting's list"
                )
            position = (
                session.scalar(
                    select(func.max(CaseReviewRow.position)).where(
                        CaseReviewRow.meeting_id == meeting.id
                    )
                )
                or 0
            ) + 1
            case = CaseReviewRow(
                meeting_id=meeting.id,
                patient_id=patient.id,
                position=position,
                added_reason=reason,
                created_at=self._clock(),
            )
            session.add(case)
            session.flush()
            self._trail(session, who, patient_id=patient.id, meeting_id=meeting.id).created(
                "case_review", case.id, {"position": position, "reason": reason}
            )
            return case.id

    def listed_elsewhere(self, meeting_id: int, hospital_number: str) -> list[date]:
        """The other meetings not yet signed off that list the patient, earliest first.

        The preparation dialog warns (it does not refuse): a patient may rightly be listed
        twice, but usually one of the two listings is a mistake.
        """
        with self._db.read() as session:
            patient = find_patient(session, hospital_number)
            rows = session.scalars(
                select(MeetingRow.meeting_date)
                .join(CaseReviewRow, CaseReviewRow.meeting_id == MeetingRow.id)
                .where(
                    CaseReviewRow.patient_id == patient.id,
                    MeetingRow.id != meeting_id,
                    MeetingRow.status != MeetingStatus.SIGNED_OFF.value,
                )
                .order_by(MeetingRow.meeting_date)
            )
            return list(rows)

    def remove_candidate(self, case_id: int, actor: Actor) -> None:
        """Take a case off the list (not once it has a decision); the rest close up."""
        with self._db.write() as session:
            who = acting(session, actor, Permission.PREPARE_MEETING)
            case = case_row(session, case_id)
            meeting = case.meeting
            still_open(meeting, "its candidate list")
            if case.decisions:
                raise RefusedError(
                    "This case already has a decision: defer it instead of removing it."
                )
            if case.notes:
                raise RefusedError(
                    f"This case has {len(case.notes)} clinical note(s): defer it instead of "
                    "removing it, so the notes stay in the record."
                )
            before = {
                "position": case.position,
                "answers": [
                    {"item": a.item_key, "confirmed": a.confirmed, "reason": a.override_reason}
                    for a in case.checklist
                    if a.confirmed is not None
                ],
            }
            session.delete(case)
            session.flush()
            _renumber(session, meeting.id)
            self._trail(session, who, patient_id=case.patient_id, meeting_id=meeting.id).deleted(
                "case_review", case_id, before
            )

    def move_candidate(self, case_id: int, position: int, actor: Actor) -> None:
        """Move a case to *position* (1-based) in the list."""
        with self._db.write() as session:
            who = acting(session, actor, Permission.PREPARE_MEETING)
            case = case_row(session, case_id)
            still_open(case.meeting, "its candidate list")
            cases = _ordered(session, case.meeting_id)
            if not 1 <= position <= len(cases):
                raise ValidationError(f"position: between 1 and {len(cases)}")
            before = case.position
            cases.remove(case)
            cases.insert(position - 1, case)
            for index, row in enumerate(cases, start=1):
                row.position = index
            trail = self._trail(
                session, who, patient_id=case.patient_id, meeting_id=case.meeting_id
            )
            trail.updated("case_review", case.id, {"position": before}, {"position": position})

    def set_attendance(
        self, meeting_id: int, statuses: dict[int, AttendanceStatus | None], actor: Actor
    ) -> None:
        """Record who was present and who sent apologies (None removes an entry)."""
        with self._db.write() as session:
            who = acting(session, actor, Permission.RECORD_ATTENDANCE)
            meeting = meeting_row(session, meeting_id)
            still_open(meeting, "its attendance")
            existing = {a.clinician_id: a for a in meeting.attendance}
            trail = self._trail(session, who, meeting_id=meeting.id)
            for clinician_id, status in statuses.items():
                clinician = session.get(ClinicianRow, clinician_id)
                if clinician is None:
                    raise ValidationError(f"attendance: no roster member with id {clinician_id}")
                _attend(trail, meeting, clinician, existing.get(clinician_id), status)

    def _trail(
        self,
        session: Session,
        who: ClinicianRow,
        *,
        patient_id: int | None = None,
        meeting_id: int | None = None,
    ) -> Trail:
        return Trail(session, _actor(who), self._clock(), patient_id, meeting_id)

    def suggestions(self, meeting_id: int) -> list[Suggestion]:
        """Patients intensified long enough, in objective remission and not reviewed recently."""
        with self._db.read() as session:
            meeting = meeting_row(session, meeting_id)
            on = meeting.meeting_date
            excluded = self._listed_or_recent(session, meeting)
            candidates = self._intensified_long_enough(session, on, excluded)
            records = _records(session, list(candidates), on)
            reviews = _last_reviews(session, list(candidates), on)
        config = self._config
        found = []
        for patient_id, months in candidates.items():
            record = records[patient_id]
            answers = evaluate_checklist(
                config.checklist,
                RuleContext(record, on, config.thresholds, config.regimens, config.antibody_assays),
            )
            if objective_remission(config.checklist, answers) is Overall.MET:
                found.append(Suggestion(record.patient, months, reviews.get(patient_id)))
        return sorted(found, key=lambda s: -s.months_intensified)

    def rereviews(self, meeting_id: int) -> list[RereviewSuggestion]:
        """De-escalated patients due for re-review at the meeting and not on its list.

        Most urgent first (relapsing, data missing, stable); none for a signed-off meeting.
        """
        with self._db.read() as session:
            meeting = meeting_row(session, meeting_id)
            if meeting.status == MeetingStatus.SIGNED_OFF.value:
                return []
            return rereview_suggestions(session, self._config, meeting)

    def _listed_or_recent(self, session: Session, meeting: MeetingRow) -> set[int]:
        window = self._config.thresholds["recent_review"].days
        since = meeting.meeting_date - timedelta(days=round(window))
        rows = session.execute(
            select(CaseReviewRow.patient_id)
            .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
            .where(
                (MeetingRow.id == meeting.id)
                | (
                    (MeetingRow.meeting_date > since)
                    & (MeetingRow.meeting_date <= meeting.meeting_date)
                )
            )
        ).scalars()
        return set(rows)

    def _intensified_long_enough(
        self, session: Session, on: date, excluded: set[int]
    ) -> dict[int, float]:
        minimum = self._config.thresholds["intensified_min_months"]
        periods: dict[int, list[Any]] = defaultdict(list)
        for row in session.scalars(select(MedicationPeriodRow)):
            if row.patient_id not in excluded:
                periods[row.patient_id].append(medication_from_row(row))
        found = {}
        for patient_id, history in periods.items():
            since = intensified_since(history, on, self._config.regimens)
            if since is not None and minimum.met_by(months_between(since, on)):
                found[patient_id] = months_between(since, on)
        return found


def _attend(
    trail: Trail,
    meeting: MeetingRow,
    clinician: ClinicianRow,
    row: AttendanceRow | None,
    status: AttendanceStatus | None,
) -> None:
    """One attendee's entry made, changed or removed, with its audit row."""
    session = trail.session
    before = {"status": row.status} if row else None
    if status is None:
        if row is not None:
            session.delete(row)
            trail.deleted("attendance", row.id, {**(before or {}), "clinician": clinician.name})
        return
    if row is None:
        row = AttendanceRow(
            meeting_id=meeting.id,
            clinician_id=clinician.id,
            role=clinician.role,
            status=status.value,
        )
        session.add(row)
    elif row.status == status.value:
        return
    row.status = status.value
    session.flush()
    after = {"clinician": clinician.name, "role": clinician.role, "status": status.value}
    if before is None:
        trail.created("attendance", row.id, after)
    else:
        trail.updated("attendance", row.id, before, after)


def _records(session: Session, patient_ids: list[int], on: date) -> dict[int, PatientRecord]:
    """Records with the recent results the checklist looks at (fast for many patients)."""
    records: dict[int, PatientRecord] = {}
    if not patient_ids:
        return records
    patients = {
        p.id: p for p in session.scalars(select(PatientRow).where(PatientRow.id.in_(patient_ids)))
    }
    medications: dict[int, list[Any]] = defaultdict(list)
    for row in session.scalars(
        select(MedicationPeriodRow).where(MedicationPeriodRow.patient_id.in_(patient_ids))
    ):
        medications[row.patient_id].append(medication_from_row(row))
    observations: dict[int, list[Any]] = defaultdict(list)
    since = datetime.combine(on - IMAGING_LOOKBACK, datetime.min.time())
    for obs in session.scalars(
        select(ObservationRow).where(
            ObservationRow.patient_id.in_(patient_ids), ObservationRow.collected_at >= since
        )
    ):
        observations[obs.patient_id].append(observation_from_row(obs))
    for patient_id in patient_ids:
        records[patient_id] = PatientRecord(
            patient_from_row(patients[patient_id]),
            tuple(medications[patient_id]),
            tuple(observations[patient_id]),
        )
    return records


def _last_reviews(session: Session, patient_ids: list[int], on: date) -> dict[int, date]:
    rows = session.execute(
        select(CaseReviewRow.patient_id, func.max(MeetingRow.meeting_date))
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(CaseReviewRow.patient_id.in_(patient_ids), MeetingRow.meeting_date < on)
        .group_by(CaseReviewRow.patient_id)
    )
    last: dict[int, date] = {}
    for patient_id, day in rows:
        last[patient_id] = day
    return last


def _chair(session: Session, chair_id: int) -> ClinicianRow:
    chair = session.get(ClinicianRow, chair_id)
    if chair is None or not chair.active:
        raise ValidationError("chair: not an active member of the roster")
    if chair.role != Role.IBD_CONSULTANT.value:
        raise ValidationError(f"chair: {chair.name} is not an IBD consultant")
    return chair


def _ordered(session: Session, meeting_id: int) -> list[CaseReviewRow]:
    return list(
        session.scalars(
            select(CaseReviewRow)
            .where(CaseReviewRow.meeting_id == meeting_id)
            .order_by(CaseReviewRow.position)
        )
    )


def _renumber(session: Session, meeting_id: int) -> None:
    for index, row in enumerate(_ordered(session, meeting_id), start=1):
        row.position = index


def _actor(clinician: ClinicianRow) -> Actor:
    return Actor(clinician.id, clinician.name)
