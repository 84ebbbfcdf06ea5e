"""Carrying cases over: deferring the undiscussed ones at sign-off, listing them again next time.

Before sign-off the chair may defer every case the meeting did not reach in one step. Once the
meeting is signed off its deferred and undiscussed cases (and, unticked, those decided "defer
for investigation") are offered for the next meeting: the next planned or in-progress one, or a
new one planned with the same chair on the same weekday a configured interval later. Each case
carried over is a new case on that meeting's list, linked to the one it came from; patients
already listed there are skipped. Every step is one transaction with its audit rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.carry_over import (
    MAX_REASON,
    CarryOverCandidate,
    CarryOverPlan,
    CarryOverResult,
    CarryOverTarget,
    carry_reason,
    next_meeting_date,
    why_offered,
)
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import CaseStatus, MeetingStatus, Outcome, Role
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.domain.records import CarriedFrom
from mdt_desktop.models import (
    AuditEventRow,
    CarryOverRow,
    CaseReviewRow,
    ClinicianRow,
    MeetingRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, meeting_row, still_open, the_chair
from mdt_desktop.services.mapping import patient_from_row
from mdt_desktop.services.positions import current_decision

NOT_REACHED = "Not reached at the meeting"
_OPEN = (MeetingStatus.PLANNED.value, MeetingStatus.IN_PROGRESS.value)


class CarryOverService:
    """Defers undiscussed cases and carries cases over; one transaction per call."""

    def __init__(
        self, db: Database, config: ClinicalConfig, *, clock: Clock = system_clock
    ) -> None:
        self._db = db
        self._clock = clock
        self._interval = config.thresholds["meeting_interval"].days

    def defer_undiscussed(
        self, meeting_id: int, actor: Actor, reason: str = NOT_REACHED
    ) -> tuple[str, ...]:
        """Defer every case not yet discussed (the chair, before sign-off); return their numbers."""
        if not reason.strip():
            raise ValidationError("reason: say why the cases are deferred")
        with self._db.write() as session:
            meeting = meeting_row(session, meeting_id)
            still_open(meeting, "its cases")
            chair = acting(session, actor, Permission.RECORD_DECISION)
            the_chair(meeting, chair, "defer cases")
            deferred = []
            trail = Trail(session, Actor(chair.id, chair.name), self._clock())
            for case in meeting.cases:
                if case.status != CaseStatus.PENDING.value or case.decisions:
                    continue
                case.status = CaseStatus.DEFERRED.value
                trail.about(patient_id=case.patient_id, meeting_id=meeting.id).updated(
                    "case_review",
                    case.id,
                    {"status": CaseStatus.PENDING.value},
                    {"status": case.status},
                    reason=reason.strip(),
                )
                deferred.append(session.get_one(PatientRow, case.patient_id).hospital_number)
            return tuple(deferred)

    def plan(self, meeting_id: int, *, today: date | None = None) -> CarryOverPlan:
        """What a signed-off meeting can carry over, and to which meeting."""
        with self._db.read() as session:
            meeting = meeting_row(session, meeting_id)
            day = today or self._clock().date()
            target_row, target = self._target(session, meeting, day)
            listed = _listed(session, target_row)
            onward = _carried(session, meeting)
            candidates = []
            for case in meeting.cases:
                decision = current_decision(case)
                outcome = Outcome(decision.outcome) if decision else None
                status = CaseStatus(case.status)
                if status is CaseStatus.DISCUSSED and outcome is not Outcome.DEFER:
                    continue
                patient = patient_from_row(session.get_one(PatientRow, case.patient_id))
                blocked = onward.get(case.id, "")
                if not blocked and case.patient_id in listed:
                    blocked = f"already on the list of {target.meeting_date:%d %b %Y}"
                candidates.append(
                    CarryOverCandidate(
                        case_id=case.id,
                        position=case.position,
                        patient=patient,
                        status=status,
                        why=why_offered(status, outcome, deferral_reason(session, case)),
                        proposed=status is not CaseStatus.DISCUSSED,
                        blocked=blocked,
                    )
                )
            return CarryOverPlan(meeting.id, meeting.meeting_date, tuple(candidates), target)

    def carry_over(
        self,
        meeting_id: int,
        case_ids: Sequence[int],
        actor: Actor,
        *,
        new_meeting_on: date | None = None,
        today: date | None = None,
        at: datetime | None = None,
    ) -> CarryOverResult:
        """List *case_ids* of a signed-off meeting again at the next meeting.

        *new_meeting_on*: the date of the meeting to plan when none is planned (default: the
        configured interval after this meeting, on the same weekday).
        """
        now = at or self._clock()
        if not case_ids:
            raise ValidationError("cases: choose the cases to carry over")
        with self._db.write() as session:
            meeting = meeting_row(session, meeting_id)
            who = self._who(session, meeting, actor)
            target_row, target = self._target(session, meeting, today or now.date())
            listed = _listed(session, target_row)
            onward = _carried(session, meeting)
            cases = {case.id: case for case in meeting.cases}
            chosen, skipped = [], []
            for case_id in dict.fromkeys(case_ids):
                case = cases.get(case_id)
                if case is None:
                    raise ValidationError(
                        f"case {case_id}: not on the list of the meeting of "
                        f"{meeting.meeting_date:%d %b %Y}"
                    )
                number = session.get_one(PatientRow, case.patient_id).hospital_number
                if case.id in onward:
                    skipped.append(f"{number}: {onward[case.id]}")
                elif case.patient_id in listed:
                    skipped.append(
                        f"{number}: already on the list of {target.meeting_date:%d %b %Y}"
                    )
                else:
                    chosen.append((case, number))
            if not chosen:
                return CarryOverResult(
                    target.meeting_id or 0, target.meeting_date, False, (), tuple(skipped)
                )
            writer = _Writer(session, Actor(who.id, who.name), meeting, now)
            created = target_row is None
            if target_row is None:
                target_row = writer.plan_meeting(new_meeting_on or target.meeting_date)
            for case, _number in chosen:
                writer.carry(case, target_row)
            return CarryOverResult(
                target_row.id,
                target_row.meeting_date,
                created,
                tuple(number for _case, number in chosen),
                tuple(skipped),
            )

    # --- steps -----------------------------------------------------------------------------------

    @staticmethod
    def _who(session: Session, meeting: MeetingRow, actor: Actor) -> ClinicianRow:
        """The coordinator, or the consultant who chaired the meeting; only after sign-off."""
        who = acting(session, actor, Permission.CARRY_OVER)
        if who.role == Role.IBD_CONSULTANT.value:
            the_chair(meeting, who, "carry its cases over")
        if meeting.status != MeetingStatus.SIGNED_OFF.value:
            raise RefusedError(
                f"The meeting of {meeting.meeting_date:%d %b %Y} is not signed off yet: cases are "
                "carried over once it is (until then, defer them)."
            )
        return who

    def _target(
        self, session: Session, meeting: MeetingRow, today: date
    ) -> tuple[MeetingRow | None, CarryOverTarget]:
        """The next planned or in-progress meeting after *meeting*, else the one to plan."""
        row = session.scalar(
            select(MeetingRow)
            .where(MeetingRow.meeting_date > meeting.meeting_date, MeetingRow.status.in_(_OPEN))
            .order_by(MeetingRow.meeting_date)
            .limit(1)
        )
        if row is not None:
            status = MeetingStatus(row.status)
            return row, CarryOverTarget(row.id, row.meeting_date, row.chair.name, status)
        taken = set(
            session.scalars(
                select(MeetingRow.meeting_date).where(
                    MeetingRow.meeting_date > meeting.meeting_date
                )
            )
        )
        day = next_meeting_date(meeting.meeting_date, self._interval)
        while day in taken or day < today:
            day = next_meeting_date(day, self._interval)
        return None, CarryOverTarget(None, day, meeting.chair.name)


@dataclass(frozen=True, slots=True)
class _Writer:
    """The audited writes of one carry-over."""

    session: Session
    who: Actor
    source: MeetingRow
    now: datetime

    def plan_meeting(self, day: date) -> MeetingRow:
        """Plan the next meeting with the same chair (who must still be able to chair)."""
        source, session = self.source, self.session
        if day <= source.meeting_date:
            raise ValidationError(
                f"date: the next meeting must be after {source.meeting_date:%d %b %Y}"
            )
        if session.scalar(select(MeetingRow.id).where(MeetingRow.meeting_date == day)):
            raise ValidationError(f"date: there is already a meeting on {day:%d %b %Y}")
        chair = source.chair
        if not chair.active or chair.role != Role.IBD_CONSULTANT.value:
            raise ValidationError(
                f"chair: {chair.name} can no longer chair; plan the next meeting first "
                "(Meeting → New meeting…), then carry the cases over to it"
            )
        row = MeetingRow(
            meeting_date=day,
            chair_id=chair.id,
            location=source.location,
            status=MeetingStatus.PLANNED.value,
            created_at=self.now,
        )
        session.add(row)
        session.flush()
        Trail(session, self.who, self.now, meeting_id=row.id).created(
            "meeting",
            row.id,
            {"date": day, "chair": chair.name, "location": row.location},
            reason=f"Planned for the cases carried over from {source.meeting_date:%d %b %Y}",
        )
        return row

    def carry(self, case: CaseReviewRow, target: MeetingRow) -> None:
        """A new case on *target*'s list, linked to *case*."""
        session = self.session
        decision = current_decision(case)
        why = why_offered(
            CaseStatus(case.status),
            Outcome(decision.outcome) if decision else None,
            deferral_reason(session, case),
        )
        position = (
            session.scalar(
                select(func.max(CaseReviewRow.position)).where(
                    CaseReviewRow.meeting_id == target.id
                )
            )
            or 0
        ) + 1
        reason = carry_reason(self.source.meeting_date, why)
        new = CaseReviewRow(
            meeting_id=target.id,
            patient_id=case.patient_id,
            position=position,
            added_reason=reason,
            created_at=self.now,
        )
        session.add(new)
        session.flush()
        link = CarryOverRow(
            from_case_id=case.id,
            to_case_id=new.id,
            reason=why[:MAX_REASON],
            created_by_id=self.who.id,
            created_at=self.now,
        )
        session.add(link)
        session.flush()
        self._audit(case, "case_review", new.id, {"position": position, "reason": reason}, target)
        self._audit(
            case,
            "case_carry_over",
            link.id,
            {
                "from_meeting": self.source.meeting_date,
                "from_case": case.id,
                "to_case": new.id,
                "reason": link.reason,
            },
            target,
        )

    def _audit(
        self,
        case: CaseReviewRow,
        entity: str,
        entity_id: int,
        after: dict[str, object],
        target: MeetingRow,
    ) -> None:
        trail = Trail(self.session, self.who, self.now, case.patient_id, target.id)
        trail.created(entity, entity_id, after)


def carried_from(session: Session, case_id: int) -> CarriedFrom | None:
    """Where the case was carried over from, if it was."""
    found = session.execute(
        select(CarryOverRow.from_case_id, CarryOverRow.reason, MeetingRow.meeting_date)
        .join(CaseReviewRow, CarryOverRow.from_case_id == CaseReviewRow.id)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(CarryOverRow.to_case_id == case_id)
    ).first()
    if found is None:
        return None
    from_case, reason, day = found
    return CarriedFrom(from_case, day, reason)


def _listed(session: Session, meeting: MeetingRow | None) -> set[int]:
    """Patients on *meeting*'s list (none for a meeting still to be planned)."""
    if meeting is None:
        return set()
    return set(
        session.scalars(
            select(CaseReviewRow.patient_id).where(CaseReviewRow.meeting_id == meeting.id)
        )
    )


def _carried(session: Session, meeting: MeetingRow) -> dict[int, str]:
    """Cases of *meeting* already carried over, with where to."""
    rows = session.execute(
        select(CarryOverRow.from_case_id, MeetingRow.meeting_date)
        .join(CaseReviewRow, CarryOverRow.to_case_id == CaseReviewRow.id)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(CarryOverRow.from_case_id.in_([c.id for c in meeting.cases]))
    )
    return {case_id: f"already carried over to {day:%d %b %Y}" for case_id, day in rows}


def deferral_reason(session: Session, case: CaseReviewRow) -> str:
    """The reason the chair gave when deferring the case ('' if none is on record)."""
    if case.status != CaseStatus.DEFERRED.value:
        return ""
    changes = session.scalars(
        select(AuditEventRow)
        .where(
            AuditEventRow.meeting_id == case.meeting_id,
            AuditEventRow.entity == "case_review",
            AuditEventRow.entity_id == case.id,
            AuditEventRow.action == "update",
        )
        .order_by(AuditEventRow.id.desc())
    )
    for change in changes:
        if (change.after or {}).get("status") == CaseStatus.DEFERRED.value:
            return change.reason
    return ""
