"""Recording the chair's decision for a case, its actions, and amendments after sign-off.

Recording a de-escalation (also a further one, of a patient already on a reduced regimen) or a
re-escalation (of a patient on a reduced regimen, back up) writes the target regimen into the
medication history from its effective date and ends the current period there. A re-escalation
thereby ends the de-escalation episode as a failure on that day and starts the recapture watch
(domain/outcomes.py; docs/clinical.md, "Outcome audit"). Changing the decision before sign-off
undoes that first; after sign-off a correction is an amendment: a new decision that points at
the one it corrects, with a reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.consensus import (
    ActionInput,
    DecisionInput,
    on_reduced_regimen,
    validate_decision,
)
from mdt_desktop.domain.enums import (
    CaseStatus,
    Drug,
    DrugClass,
    EndReason,
    MeetingStatus,
    Outcome,
)
from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.domain.history import current_anti_tnf, regimen_start
from mdt_desktop.domain.regimens import Regimen, RegimenCatalogue
from mdt_desktop.models import (
    ActionRow,
    CaseReviewRow,
    ClinicianRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, case_row, still_open, the_chair
from mdt_desktop.services.mapping import medication_from_row, monitoring_to_json


class DecisionService:
    """Writes decisions and actions; one transaction per call.

    *regimens* (regimens.toml) tells a reduced regimen by the drug's standard one and
    recognises induction; without it a regimen is reduced only when a de-escalation reached it.
    """

    def __init__(
        self,
        db: Database,
        regimens: RegimenCatalogue | None = None,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self._db = db
        self._regimens = regimens or RegimenCatalogue({})
        self._clock = clock

    def record(
        self, case_id: int, decision: DecisionInput, actor: Actor, *, at: datetime | None = None
    ) -> int:
        """Record (or, before sign-off, replace) the decision for a case; return its id."""
        now = at or self._clock()
        with self._db.write() as session:
            case = case_row(session, case_id)
            meeting = case.meeting
            still_open(meeting, "its decisions")
            chair = acting(session, actor, Permission.RECORD_DECISION)
            the_chair(meeting, chair, "record decisions")
            current, reduced = _current_regimen(case, meeting.meeting_date, self._regimens)
            validate_decision(decision, current, meeting.meeting_date, reduced=reduced)
            existing = _original(case)
            before = _snapshot(existing) if existing else None
            settled = existing is not None and _history_moved_on(session, case, existing)
            trail = _trail(session, chair, now, case)
            if existing is not None:
                if not settled:
                    _undo_medication(trail, existing)
                row = existing
            else:
                row = DecisionRow(case_review_id=case.id)
                session.add(row)
            _fill(row, decision, chair, now)
            session.flush()
            if not settled and not _history_moved_on(session, case, row):
                _apply_medication(trail, case, row)
            _replace_actions(trail, case, decision.actions)
            _open_meeting(trail.about(meeting_id=meeting.id), meeting)
            previous_status = case.status
            case.status = CaseStatus.DISCUSSED.value
            if before is None:
                trail.created("decision", row.id, _snapshot(row))
            else:
                trail.updated("decision", row.id, before, _snapshot(row))
            if previous_status != case.status:
                trail.updated(
                    "case_review", case.id, {"status": previous_status}, {"status": case.status}
                )
            return row.id

    def defer(self, case_id: int, reason: str, actor: Actor) -> None:
        """Put a case off to a later meeting without a decision (the chair, before sign-off)."""
        if not reason.strip():
            raise ValidationError("reason: say why the case is deferred")
        with self._db.write() as session:
            case = case_row(session, case_id)
            still_open(case.meeting, "its cases")
            chair = acting(session, actor, Permission.RECORD_DECISION)
            the_chair(case.meeting, chair, "defer cases")
            if _original(case) is not None:
                raise RefusedError("This case already has a decision; change the decision instead.")
            before = case.status
            case.status = CaseStatus.DEFERRED.value
            _trail(session, chair, self._clock(), case).updated(
                "case_review",
                case.id,
                {"status": before},
                {"status": case.status},
                reason=reason.strip(),
            )

    def amend(
        self,
        decision_id: int,
        decision: DecisionInput,
        reason: str,
        actor: Actor,
        *,
        at: datetime | None = None,
    ) -> int:
        """Correct a signed-off decision: a new linked decision with a reason; return its id."""
        now = at or self._clock()
        if not reason.strip():
            raise ValidationError("reason: an amendment needs the reason for the correction")
        with self._db.write() as session:
            original = session.get(DecisionRow, decision_id)
            if original is None:
                raise NotFoundError(f"No decision with id {decision_id}.")
            case = original.case_review
            meeting = case.meeting
            if meeting.status != MeetingStatus.SIGNED_OFF.value:
                raise RefusedError(
                    "The meeting is not signed off yet: change the decision "
                    "itself instead of amending it."
                )
            chair = acting(session, actor, Permission.RECORD_DECISION)
            latest = _latest(case)
            current, reduced = _current_regimen(case, meeting.meeting_date, self._regimens)
            validate_decision(decision, current, meeting.meeting_date, reduced=reduced)
            # A correction of the record must not rewrite treatment that was given since:
            # once the medication history has moved on, it is left as it is.
            settled = _history_moved_on(session, case, latest)
            trail = _trail(session, chair, now, case)
            if not settled:
                _undo_medication(trail, latest)
            row = DecisionRow(
                case_review_id=case.id, amends_id=latest.id, amendment_reason=reason.strip()
            )
            _fill(row, decision, chair, now)
            session.add(row)
            session.flush()
            settled = settled or _history_moved_on(session, case, row)
            if not settled:
                _apply_medication(trail, case, row)
            trail.amended(
                "decision",
                row.id,
                _snapshot(latest),
                {**_snapshot(row), "medication_history": SETTLED if settled else "updated"},
                reason=reason.strip(),
            )
            return row.id

    def complete_action(self, action_id: int, actor: Actor, *, done: bool = True) -> None:
        """Mark an action done (or not): its owner or the coordinator, even after sign-off."""
        with self._db.write() as session:
            action = session.get(ActionRow, action_id)
            if action is None:
                raise NotFoundError(f"No action with id {action_id}.")
            clinician = acting(session, actor, Permission.COMPLETE_ACTIONS)
            if clinician.id != action.owner_id and clinician.role != "coordinator":
                raise RefusedError(
                    f"Only {action.owner.name} (the owner) or the coordinator may "
                    "complete this action."
                )
            before = {"done_at": action.done_at}
            now = self._clock()
            action.done_at = now if done else None
            _trail(session, clinician, now, action.case_review).updated(
                "action", action.id, before, {"done_at": action.done_at}
            )


SETTLED = "left as given: it changed after the decision"
CHANGE_WORDS = {Outcome.DE_ESCALATE: "de-escalation", Outcome.RE_ESCALATE: "re-escalation"}


def _history_moved_on(session: Session, case: CaseReviewRow, decision: DecisionRow) -> bool:
    """True when the patient's anti-TNF history changed after this decision took effect.

    That is: the regimen the decision started has ended since, or a regimen that the decision
    did not create starts after its effective date (or after the meeting, for decisions that
    changed nothing). Undoing or redoing the decision's change would then erase or overlap
    treatment that was really given.
    """
    created = session.scalars(
        select(MedicationPeriodRow).where(MedicationPeriodRow.decision_id == decision.id)
    ).all()
    if any(period.end_date is not None for period in created):
        return True
    since = decision.effective_date or case.meeting.meeting_date
    later = session.scalars(
        select(MedicationPeriodRow).where(
            MedicationPeriodRow.patient_id == case.patient_id,
            MedicationPeriodRow.start_date > since,
            MedicationPeriodRow.phase == "maintenance",
        )
    ).all()
    return any(
        period.decision_id != decision.id
        and DRUGS[Drug(period.drug)].drug_class is DrugClass.ANTI_TNF
        for period in later
    )


def _trail(session: Session, who: ClinicianRow, now: datetime, case: CaseReviewRow) -> Trail:
    return Trail(session, Actor(who.id, who.name), now, case.patient_id, case.meeting_id)


def _apply_medication(trail: Trail, case: CaseReviewRow, decision: DecisionRow) -> None:
    """A de- or re-escalation ends the current anti-TNF period and starts the target regimen."""
    session = trail.session
    outcome = Outcome(decision.outcome)
    if not outcome.changes_regimen or decision.effective_date is None:
        return
    effective = decision.effective_date
    current = _current_period(case, case.meeting.meeting_date)
    if current is None:
        return
    before = {"end": current.end_date, "end_reason": current.end_reason}
    current.end_date = effective
    current.end_reason = EndReason.REGIMEN_CHANGE.value
    current.closed_by_decision_id = decision.id
    new = MedicationPeriodRow(
        patient_id=case.patient_id,
        drug=decision.target_drug,
        dose_value=decision.target_dose,
        dose_unit=decision.target_dose_unit,
        interval_days=decision.target_interval_days,
        start_date=effective,
        end_date=None,
        phase="maintenance",
        reason=f"MDT decision of {case.meeting.meeting_date:%d %b %Y}: {CHANGE_WORDS[outcome]}",
        source=f"decision {decision.id}",
        created_at=trail.at,
        decision_id=decision.id,
    )
    session.add(new)
    session.flush()
    trail.updated(
        "medication_period",
        current.id,
        before,
        {"end": effective, "end_reason": current.end_reason},
    )
    trail.created(
        "medication_period",
        new.id,
        {"regimen": medication_from_row(new).regimen.label, "start": effective},
    )


def _replace_actions(trail: Trail, case: CaseReviewRow, actions: tuple[ActionInput, ...]) -> None:
    """The decision's actions replace those recorded with it before (not yet done ones)."""
    session = trail.session
    for old in list(case.actions):
        if old.done_at is None:
            trail.deleted("action", old.id, {"description": old.description})
            session.delete(old)
    for item in actions:
        owner = session.get(ClinicianRow, item.owner_id)
        if owner is None or not owner.active:
            raise ValidationError(
                f"action {item.description!r}: the owner is not an active member of the roster"
            )
        row = ActionRow(
            case_review_id=case.id,
            description=item.description.strip(),
            owner_id=owner.id,
            due_date=item.due,
            created_at=trail.at,
        )
        session.add(row)
        session.flush()
        trail.created(
            "action",
            row.id,
            {"description": row.description, "owner": owner.name, "due": item.due},
        )


def _undo_medication(trail: Trail, decision: DecisionRow) -> None:
    """Reverse what a decision did to the medication history (before replacing it)."""
    session = trail.session
    created = session.scalars(
        select(MedicationPeriodRow).where(MedicationPeriodRow.decision_id == decision.id)
    ).all()
    for period in created:
        trail.deleted(
            "medication_period",
            period.id,
            {"regimen": medication_from_row(period).regimen.label, "start": period.start_date},
            reason="The decision that created this regimen was changed",
        )
        session.delete(period)
    closed = session.scalars(
        select(MedicationPeriodRow).where(MedicationPeriodRow.closed_by_decision_id == decision.id)
    ).all()
    for period in closed:
        trail.updated(
            "medication_period",
            period.id,
            {"end": period.end_date},
            {"end": None},
            reason="The decision that ended this regimen was changed",
        )
        period.end_date = None
        period.end_reason = None
        period.closed_by_decision_id = None
    session.flush()


def _fill(row: DecisionRow, decision: DecisionInput, chair: ClinicianRow, now: datetime) -> None:
    target = decision.target
    row.outcome = decision.outcome.value
    row.target_drug = target.drug.value if target else None
    row.target_dose = target.dose_value if target else None
    row.target_dose_unit = target.dose_unit.value if target else None
    row.target_interval_days = target.interval_days if target else None
    row.effective_date = decision.effective_date
    row.rationale = decision.rationale.strip()
    row.dissent = decision.dissent.strip()
    row.monitoring = monitoring_to_json(decision.monitoring)
    row.next_review = decision.next_review
    row.decided_by_id = chair.id
    row.decided_at = now


def _original(case: CaseReviewRow) -> DecisionRow | None:
    return next((d for d in case.decisions if d.amends_id is None), None)


def _latest(case: CaseReviewRow) -> DecisionRow:
    amended = {d.amends_id for d in case.decisions if d.amends_id}
    current = [d for d in case.decisions if d.id not in amended]
    if not current:
        raise NotFoundError("This case has no decision to amend.")
    return current[-1]


def _current_period(case: CaseReviewRow, on: date) -> MedicationPeriodRow | None:
    """The anti-TNF regimen the meeting reviewed.

    The one this case's decision ended, else the one active on the meeting date; periods that
    this case's decisions created do not count.
    """
    own = {d.id for d in case.decisions}
    session = Session.object_session(case)
    assert session is not None
    rows = [
        p
        for p in session.get_one(PatientRow, case.patient_id).medications
        if DRUGS[Drug(p.drug)].drug_class is DrugClass.ANTI_TNF
        and p.phase == "maintenance"
        and p.decision_id not in own
    ]
    closed = [p for p in rows if p.closed_by_decision_id in own]
    if closed:
        return closed[-1]
    period = current_anti_tnf([medication_from_row(p) for p in rows], on)
    return next((p for p in rows if p.id == period.id), None) if period else None


def _current_regimen(
    case: CaseReviewRow, on: date, regimens: RegimenCatalogue
) -> tuple[Regimen | None, bool]:
    """The regimen the meeting reviewed, and whether it is a reduced one (may be re-escalated)."""
    row = _current_period(case, on)
    if row is None:
        return None, False
    own = {d.id for d in case.decisions}
    session = Session.object_session(case)
    assert session is not None
    periods = [
        medication_from_row(p)
        for p in session.get_one(PatientRow, case.patient_id).medications
        if p.decision_id not in own
    ]
    period = next(p for p in periods if p.id == row.id)
    start = regimen_start(periods, period, regimens)
    change = start.change if start else None
    return period.regimen, on_reduced_regimen(period.regimen, change, regimens)


def _open_meeting(trail: Trail, meeting: MeetingRow) -> None:
    """The first decision starts the meeting (planned -> in progress), with its audit row."""
    if meeting.status == MeetingStatus.PLANNED.value:
        meeting.status = MeetingStatus.IN_PROGRESS.value
        meeting.started_at = trail.at
        trail.updated(
            "meeting",
            meeting.id,
            {"status": MeetingStatus.PLANNED.value},
            {"status": meeting.status, "started_at": trail.at},
        )


def _snapshot(row: DecisionRow) -> dict[str, Any]:
    return {
        "outcome": row.outcome,
        "target_drug": row.target_drug,
        "target_dose": row.target_dose,
        "target_dose_unit": row.target_dose_unit,
        "target_interval_days": row.target_interval_days,
        "effective": row.effective_date,
        "rationale": row.rationale,
        "dissent": row.dissent,
        "next_review": row.next_review,
        "monitoring": row.monitoring,
    }
