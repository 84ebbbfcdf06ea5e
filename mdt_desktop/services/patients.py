"""Reading one patient's record. Sessions live for one call; domain records come out."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mdt_desktop.domain.board import ReviewSummary
from mdt_desktop.domain.enums import CaseStatus, MeetingStatus, Outcome
from mdt_desktop.domain.errors import NotFoundError, ValidationError
from mdt_desktop.domain.records import PatientRecord
from mdt_desktop.models import CaseReviewRow, DecisionRow, MeetingRow, PatientRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.mapping import (
    administration_from_row,
    event_from_row,
    medication_from_row,
    observation_from_row,
    patient_from_row,
)


class PatientService:
    """Reads patients' records."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get_record(self, hospital_number: str) -> PatientRecord:
        """Return the full record of the patient with *hospital_number*."""
        with self._db.read() as session:
            row = self._find(session, hospital_number)
            return load_record(row)

    def reviews(self, hospital_number: str) -> list[ReviewSummary]:
        """Return the patient's MDT reviews, oldest first."""
        with self._db.read() as session:
            patient = self._find(session, hospital_number)
            stmt = (
                select(CaseReviewRow, MeetingRow)
                .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
                .where(CaseReviewRow.patient_id == patient.id)
                .options(selectinload(CaseReviewRow.decisions))
                .order_by(MeetingRow.meeting_date)
            )
            return [
                ReviewSummary(
                    meeting.meeting_date,
                    MeetingStatus(meeting.status),
                    CaseStatus(case.status),
                    _current_outcome(case.decisions),
                )
                for case, meeting in session.execute(stmt)
            ]

    def count(self) -> int:
        with self._db.read() as session:
            return session.scalar(select(func.count(PatientRow.id))) or 0

    @staticmethod
    def _find(session: Session, hospital_number: str) -> PatientRow:
        return find_patient(session, hospital_number)


def find_patient(session: Session, hospital_number: str) -> PatientRow:
    """The patient of *hospital_number*, typed in any case ("rx001" finds "RX001").

    An exact match wins; two numbers that differ only in case are refused as ambiguous.

    Raises:
        NotFoundError: no patient has that number.
        ValidationError: several patients have it in different cases.
    """
    number = hospital_number.strip()
    exact = session.scalar(select(PatientRow).where(PatientRow.hospital_number == number))
    if exact is not None:
        return exact
    found = session.scalars(
        select(PatientRow).where(func.lower(PatientRow.hospital_number) == number.lower())
    ).all()
    if not found:
        raise NotFoundError(f"No patient with hospital number {number!r}.")
    if len(found) > 1:
        numbers = ", ".join(sorted(p.hospital_number for p in found))
        raise ValidationError(
            f"hospital number {number!r}: {len(found)} patients match in different case "
            f"({numbers}); type it exactly"
        )
    return found[0]


def load_record(row: PatientRow) -> PatientRecord:
    """Return the domain record of a patient row (loads its history)."""
    return PatientRecord(
        patient=patient_from_row(row),
        medications=tuple(medication_from_row(m) for m in row.medications),
        observations=tuple(observation_from_row(o) for o in row.observations),
        events=tuple(event_from_row(e) for e in row.events),
        administrations=tuple(administration_from_row(a) for a in row.administrations),
    )


def _current_outcome(decisions: list[DecisionRow]) -> Outcome | None:
    if not decisions:
        return None
    amended = {d.amends_id for d in decisions if d.amends_id}
    current = [d for d in decisions if d.id not in amended]
    return Outcome(current[-1].outcome) if current else None
