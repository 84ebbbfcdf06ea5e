"""Writes the generated demo into a database in one transaction, with its audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from mdt_desktop import __version__
from mdt_desktop.demo.frozen import DemoFreezer
from mdt_desktop.demo.meetings import DemoCase, DemoDecision, DemoMeeting
from mdt_desktop.demo.names import ROSTER
from mdt_desktop.domain.access import SYSTEM, Actor
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus, Position, Role
from mdt_desktop.domain.records import Administration, PatientRecord
from mdt_desktop.models import (
    ActionRow,
    AdministrationRow,
    AnnotationRow,
    AttendanceRow,
    CaseNoteRow,
    CaseReviewRow,
    ChecklistAnswerRow,
    ClinicalEventRow,
    ClinicianRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    MetaRow,
    ObservationRow,
    PatientRow,
    PositionRow,
)
from mdt_desktop.services.audit import AuditBatch
from mdt_desktop.services.decisions import CHANGE_WORDS
from mdt_desktop.services.mapping import (
    event_columns,
    evidence_to_json,
    medication_columns,
    monitoring_to_json,
    observation_columns,
    patient_columns,
)
from mdt_desktop.services.snapshots import AUDIT_ACTION, AUDIT_ENTITY, AUDIT_REASON

CHUNK = 20_000
SOURCE = "demo generator"


@dataclass(frozen=True, slots=True)
class DemoCounts:
    """How much the demo wrote."""

    patients: int
    medication_periods: int
    observations: int
    events: int
    meetings: int
    audit_rows: int
    administrations: int = 0  # infusions recorded as given


@dataclass
class _Pending:
    """An audit row to write once everything is in place, kept in time order."""

    at: datetime
    actor: Actor
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None = None
    meeting_id: int | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    before: dict[str, Any] | None = None


def write_demo(
    session: Session,
    records: Sequence[PatientRecord],
    meetings: Sequence[DemoMeeting],
    *,
    go_live: datetime,
    meta: dict[str, str],
    config: ClinicalConfig | None = None,
) -> DemoCounts:
    """Insert roster, patients with their history, and meetings; audit every write.

    With *config*, each signed-off meeting's cases are frozen as sign-off freezes them
    (snapshot and plot image, demo/frozen.py).
    """
    now = go_live
    roster = _roster(session, now)
    actors = [Actor(row.id, row.name) for row in roster]
    pending: list[_Pending] = [
        _Pending(
            now,
            SYSTEM,
            "create",
            "clinician",
            r.id,
            after={"name": r.name, "role": r.role},
            reason="Demo roster",
        )
        for r in roster
    ]
    patient_ids, counts = _patients(session, records, now, pending)
    freezer = DemoFreezer(config) if config is not None else None
    for meeting in meetings:
        _meeting(session, meeting, patient_ids, roster, actors, pending, freezer)
    batch = AuditBatch(session)
    for item in sorted(pending, key=lambda p: p.at):
        batch.add(
            item.actor,
            item.action,
            item.entity,
            item.entity_id,
            patient_id=item.patient_id,
            meeting_id=item.meeting_id,
            before=item.before,
            after=item.after,
            reason=item.reason,
            at=item.at,
        )
    audit_rows = batch.flush()
    meta = {**meta, "demo": "true", "created_by_version": __version__}
    session.execute(insert(MetaRow), [{"key": k, "value": v} for k, v in sorted(meta.items())])
    return DemoCounts(
        len(records), counts[0], counts[1], counts[2], len(meetings), audit_rows, counts[3]
    )


def _roster(session: Session, now: datetime) -> list[ClinicianRow]:
    rows = [
        ClinicianRow(name=name, role=role.value, active=True, is_demo=True, created_at=now)
        for name, role in ROSTER
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _administration_columns(
    given: Administration, patient_id: int, created_at: datetime
) -> dict[str, Any]:
    """The ``medication_administrations`` column values of one recorded dose."""
    return {
        "patient_id": patient_id,
        "drug": given.drug.value,
        "given_on": given.given_on,
        "dose_value": given.dose_value,
        "dose_unit": given.dose_unit.value if given.dose_unit else None,
        "source": SOURCE,
        "created_at": created_at,
    }


def _patients(
    session: Session, records: Sequence[PatientRecord], now: datetime, pending: list[_Pending]
) -> tuple[dict[str, int], tuple[int, int, int, int]]:
    ids: dict[str, int] = {}
    meds: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    given: list[dict[str, Any]] = []
    for n, record in enumerate(records):
        patient = record.patient
        result = session.execute(
            insert(PatientRow).returning(PatientRow.id), [patient_columns(patient, now)]
        )
        pid = result.scalar_one()
        ids[patient.hospital_number] = pid
        meds += [medication_columns(m, pid, SOURCE, now) for m in record.medications]
        observations += [observation_columns(o, pid, now) for o in record.observations]
        events += [event_columns(e, pid, SOURCE, now) for e in record.events]
        given += [_administration_columns(a, pid, now) for a in record.administrations]
        pending.append(
            _Pending(
                now + timedelta(seconds=n),
                SYSTEM,
                "import",
                "patient",
                pid,
                patient_id=pid,
                after={
                    "hospital_number": patient.hospital_number,
                    "medication_periods": len(record.medications),
                    "observations": len(record.observations),
                    "events": len(record.events),
                    "administrations": len(record.administrations),
                },
                reason="Synthetic demo history (DEMO patients only)",
            )
        )
    for table, rows in (
        (MedicationPeriodRow, meds),
        (ObservationRow, observations),
        (ClinicalEventRow, events),
        (AdministrationRow, given),
    ):
        for chunk in _chunks(rows):
            session.execute(insert(table), chunk)
    return ids, (len(meds), len(observations), len(events), len(given))


def _meeting(
    session: Session,
    meeting: DemoMeeting,
    patient_ids: dict[str, int],
    roster: list[ClinicianRow],
    actors: list[Actor],
    pending: list[_Pending],
    freezer: DemoFreezer | None = None,
) -> None:
    chair = actors[meeting.chair]
    coordinator = actors[-1]
    planned_at = datetime.combine(meeting.meeting_date - timedelta(days=21), time(9, 0))
    row = MeetingRow(
        meeting_date=meeting.meeting_date,
        chair_id=roster[meeting.chair].id,
        status=MeetingStatus.PLANNED.value,
        location="IBD unit seminar room",
        created_at=planned_at,
    )
    session.add(row)
    session.flush()
    pending.append(
        _Pending(
            planned_at,
            coordinator,
            "create",
            "meeting",
            row.id,
            meeting_id=row.id,
            after={"date": meeting.meeting_date, "chair": chair.name},
        )
    )
    start = datetime.combine(meeting.meeting_date, time(13, 0))
    for index, status in meeting.attendance:
        session.add(
            AttendanceRow(
                meeting_id=row.id,
                clinician_id=roster[index].id,
                status=status.value,
                role=roster[index].role,
            )
        )
        pending.append(
            _Pending(
                start,
                coordinator,
                "create",
                "attendance",
                None,
                meeting_id=row.id,
                after={"clinician": actors[index].name, "status": status},
            )
        )
    for case in meeting.cases:
        _case(session, row, case, patient_ids, roster, actors, pending, planned_at)
    _positions(session, row, meeting, roster, actors, pending)
    if meeting.status is MeetingStatus.SIGNED_OFF:
        assert meeting.signed_off_at is not None
        row.status = MeetingStatus.SIGNED_OFF.value
        row.started_at = start
        row.signed_off_at = meeting.signed_off_at
        row.signed_off_by_id = roster[meeting.chair].id
        if freezer is not None:
            _freeze(session, row, freezer, meeting.signed_off_at, chair, pending)
        pending.append(
            _Pending(
                meeting.signed_off_at,
                chair,
                "sign_off",
                "meeting",
                row.id,
                meeting_id=row.id,
                after={"status": "signed_off"},
            )
        )
    session.flush()


def _positions(
    session: Session,
    row: MeetingRow,
    meeting: DemoMeeting,
    roster: list[ClinicianRow],
    actors: list[Actor],
    pending: list[_Pending],
) -> None:
    """Each present attendee's position on each decision, as the chair enters them.

    Everyone agrees, except a present surgeon on a decision whose dissent is the surgeon's.
    """
    session.flush()
    decisions = session.execute(
        select(DecisionRow, CaseReviewRow.patient_id)
        .join(CaseReviewRow, DecisionRow.case_review_id == CaseReviewRow.id)
        .where(CaseReviewRow.meeting_id == row.id, DecisionRow.amends_id.is_(None))
        .order_by(CaseReviewRow.position)
    ).all()
    present = [
        index
        for index, status in meeting.attendance
        if status is AttendanceStatus.PRESENT and roster[index].role != Role.OBSERVER.value
    ]
    chair = actors[meeting.chair]
    for decision, patient_id in decisions:
        for index in present:
            member = roster[index]
            disagrees = member.role == Role.SURGEON.value and "(surgeon)" in decision.dissent
            position = PositionRow(
                decision_id=decision.id,
                clinician_id=member.id,
                role=member.role,
                position=(Position.DISAGREE if disagrees else Position.AGREE).value,
                comment=decision.dissent if disagrees else "",
                recorded_by_id=roster[meeting.chair].id,
                recorded_at=decision.decided_at,
            )
            session.add(position)
            session.flush()
            pending.append(
                _Pending(
                    decision.decided_at,
                    chair,
                    "create",
                    "decision_position",
                    position.id,
                    patient_id=patient_id,
                    meeting_id=row.id,
                    after={
                        "name": actors[index].name,
                        "role": member.role,
                        "position": position.position,
                        "decision": decision.id,
                    },
                )
            )


def _freeze(
    session: Session,
    meeting: MeetingRow,
    freezer: DemoFreezer,
    at: datetime,
    chair: Actor,
    pending: list[_Pending],
) -> None:
    """Snapshot each case as sign-off does, with the audit row sign-off writes."""
    session.flush()
    for frozen in freezer.freeze(session, meeting, at):
        pending.append(
            _Pending(
                at,
                chair,
                AUDIT_ACTION,
                AUDIT_ENTITY,
                frozen.snapshot_id,
                patient_id=frozen.patient_id,
                meeting_id=meeting.id,
                after=frozen.audit_after(),
                reason=AUDIT_REASON,
            )
        )


def _case(
    session: Session,
    meeting: MeetingRow,
    case: DemoCase,
    patient_ids: dict[str, int],
    roster: list[ClinicianRow],
    actors: list[Actor],
    pending: list[_Pending],
    listed_at: datetime,
) -> None:
    pid = patient_ids[case.record.patient.hospital_number]
    row = CaseReviewRow(
        meeting_id=meeting.id,
        patient_id=pid,
        position=case.position,
        status=case.status.value,
        added_reason=_why_listed(case),
        created_at=listed_at,
    )
    session.add(row)
    session.flush()
    common: dict[str, Any] = {"patient_id": pid, "meeting_id": meeting.id}
    pending.append(
        _Pending(
            listed_at,
            actors[-1],
            "create",
            "case_review",
            row.id,
            **common,
            after={"position": case.position},
        )
    )
    for answer, who in case.answers:
        session.add(
            ChecklistAnswerRow(
                case_review_id=row.id,
                item_key=answer.item_key,
                automatic=answer.automatic.value,
                evidence=evidence_to_json(answer.evidence),
                note=answer.note,
                confirmed=answer.confirmed.value if answer.confirmed else None,
                override_reason=answer.override_reason,
                answered_by_id=roster[who].id if who is not None else None,
                answered_at=answer.answered_at,
            )
        )
        if who is not None and answer.answered_at:
            pending.append(
                _Pending(
                    answer.answered_at,
                    actors[who],
                    "confirm",
                    "checklist_answer",
                    None,
                    **common,
                    after={"item": answer.item_key, "confirmed": answer.confirmed},
                    reason=answer.override_reason,
                )
            )
    _annotations(session, row, case, pid, roster, actors, pending)
    _decision(session, row, case, roster, actors, pending, common)
    for author, text, when in case.notes:
        note = CaseNoteRow(
            case_review_id=row.id, author_id=roster[author].id, text=text, created_at=when
        )
        session.add(note)
        session.flush()
        pending.append(
            _Pending(
                when, actors[author], "create", "case_note", note.id, **common, after={"text": text}
            )
        )
    for action in case.actions:
        session.add(
            ActionRow(
                case_review_id=row.id,
                description=action.description,
                owner_id=roster[action.owner].id,
                due_date=action.due,
                done_at=action.done_at,
                created_at=case.decision.decided_at if case.decision else listed_at,
            )
        )
        if case.decision:
            pending.append(
                _Pending(
                    case.decision.decided_at,
                    actors[0],
                    "create",
                    "action",
                    None,
                    **common,
                    after={"description": action.description},
                )
            )


def _why_listed(case: DemoCase) -> str:
    if case.plan.borderline:
        return "Listed by IBD nurse: borderline"
    return "Suggested: intensified >= 6 months and in objective remission"


def _annotations(
    session: Session,
    row: CaseReviewRow,
    case: DemoCase,
    pid: int,
    roster: list[ClinicianRow],
    actors: list[Actor],
    pending: list[_Pending],
) -> None:
    pharmacist = next(i for i, (_, role) in enumerate(ROSTER) if role.value == "pharmacist")
    for note in case.annotations:
        obs_id = session.scalar(
            select(ObservationRow.id).where(
                ObservationRow.patient_id == pid,
                ObservationRow.analyte == note.observation.analyte,
                ObservationRow.collected_at == note.observation.collected_at,
            )
        )
        assert obs_id is not None
        annotation = AnnotationRow(
            observation_id=obs_id,
            case_review_id=row.id,
            interpretation=note.interpretation.value,
            comment=note.comment,
            recommendation=note.recommendation,
            pharmacist_id=roster[pharmacist].id,
            created_at=note.created_at,
        )
        session.add(annotation)
        session.flush()
        pending.append(
            _Pending(
                note.created_at,
                actors[pharmacist],
                "create",
                "drug_level_annotation",
                annotation.id,
                patient_id=pid,
                meeting_id=row.meeting_id,
                after={"interpretation": note.interpretation, "comment": note.comment},
            )
        )


def _decision(
    session: Session,
    row: CaseReviewRow,
    case: DemoCase,
    roster: list[ClinicianRow],
    actors: list[Actor],
    pending: list[_Pending],
    common: dict[str, Any],
) -> None:
    decision = case.decision
    if decision is None:
        return
    target = decision.target
    decided = DecisionRow(
        case_review_id=row.id,
        outcome=decision.outcome.value,
        target_drug=target.drug.value if target else None,
        target_dose=target.dose_value if target else None,
        target_dose_unit=target.dose_unit.value if target else None,
        target_interval_days=target.interval_days if target else None,
        effective_date=decision.effective,
        rationale=decision.rationale,
        dissent=decision.dissent,
        monitoring=monitoring_to_json(decision.monitoring),
        next_review=decision.next_review,
        decided_by_id=roster[0].id,
        decided_at=decision.decided_at,
    )
    session.add(decided)
    session.flush()
    pending.append(
        _Pending(
            decision.decided_at,
            actors[0],
            "create",
            "decision",
            decided.id,
            **common,
            after={"outcome": decision.outcome, "rationale": decision.rationale},
        )
    )
    _amendment(session, decided, decision, actors, pending, common)
    if decision.outcome.changes_regimen and target is not None:
        new_id = _link_periods(session, row.patient_id, decided.id, decision.effective)
        pending.append(
            _Pending(
                decision.decided_at,
                actors[0],
                "create",
                "medication_period",
                new_id,
                **common,
                after={"regimen": target.label, "start": decision.effective},
                reason=f"{CHANGE_WORDS[decision.outcome].capitalize()} decided at the MDT",
            )
        )


def _amendment(
    session: Session,
    decided: DecisionRow,
    decision: DemoDecision,
    actors: list[Actor],
    pending: list[_Pending],
    common: dict[str, Any],
) -> None:
    """Write a post-sign-off correction as the service does: a new linked decision."""
    amendment = decision.amendment
    if amendment is None:
        return
    amended = DecisionRow(
        case_review_id=decided.case_review_id,
        outcome=decided.outcome,
        target_drug=decided.target_drug,
        target_dose=decided.target_dose,
        target_dose_unit=decided.target_dose_unit,
        target_interval_days=decided.target_interval_days,
        effective_date=decided.effective_date,
        rationale=amendment.rationale,
        dissent=decided.dissent,
        monitoring=decided.monitoring,
        next_review=amendment.next_review,
        decided_by_id=decided.decided_by_id,
        decided_at=amendment.amended_at,
        amends_id=decided.id,
        amendment_reason=amendment.reason,
    )
    session.add(amended)
    session.flush()
    pending.append(
        _Pending(
            amendment.amended_at,
            actors[0],
            "amend",
            "decision",
            amended.id,
            **common,
            before={"next_review": decision.next_review},
            after={"next_review": amendment.next_review, "rationale": amendment.rationale},
            reason=amendment.reason,
        )
    )


def _link_periods(
    session: Session, patient_id: int, decision_id: int, effective: date | None
) -> int | None:
    """Mark the period the decision started and the one it ended (as the service does)."""
    periods = session.scalars(
        select(MedicationPeriodRow).where(MedicationPeriodRow.patient_id == patient_id)
    ).all()
    started = next(
        (
            p
            for p in periods
            if p.start_date == effective and p.drug.startswith(("infliximab", "adalimumab"))
        ),
        None,
    )
    ended = next(
        (
            p
            for p in periods
            if p.end_date == effective
            and p is not started
            and p.drug.startswith(("infliximab", "adalimumab"))
        ),
        None,
    )
    if started is not None:
        started.decision_id = decision_id
    if ended is not None:
        ended.closed_by_decision_id = decision_id
    return started.id if started else None


def meta_for(seed: int, patients: int, as_of: date) -> dict[str, str]:
    """The mdt_meta rows that describe how a demo database was made."""
    return {"demo_seed": str(seed), "demo_patients": str(patients), "demo_as_of": as_of.isoformat()}
