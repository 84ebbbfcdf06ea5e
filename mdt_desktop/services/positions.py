"""Recording each present attendee's position on a case's decision, and reading them back.

The chair enters the positions of the people marked present (observers excepted) on the case's
current decision, all in one transaction with an audit row per position. The set saved replaces
the one before: positions left out are removed, unchanged ones are confirmed (their time moves
on, which matters when the decision was changed after they were taken). A disagreement with no
dissent yet on the decision writes the disagreeing views there, so the two never contradict.

After sign-off the positions are locked with the meeting (the database refuses changes too);
only an amendment, which is a new decision, may receive positions, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus, Position, Role
from mdt_desktop.domain.errors import RefusedError
from mdt_desktop.domain.positions import (
    PositionInput,
    dissent_from,
    validate_positions,
)
from mdt_desktop.domain.records import AttendeePosition
from mdt_desktop.models import (
    AttendanceRow,
    CaseReviewRow,
    ClinicianRow,
    DecisionRow,
    MeetingRow,
    PositionRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, case_row, still_open, the_chair

DISSENT_REASON = "Dissent taken from the attendees' positions"


class PositionService:
    """Writes attendees' positions; one transaction per call."""

    def __init__(self, db: Database, *, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def record(
        self,
        case_id: int,
        entries: Sequence[PositionInput],
        actor: Actor,
        *,
        at: datetime | None = None,
    ) -> tuple[AttendeePosition, ...]:
        """Record the positions on the case's current decision; return them as stored."""
        now = at or self._clock()
        with self._db.write() as session:
            case = case_row(session, case_id)
            meeting = case.meeting
            decision = current_decision(case)
            if decision is None:
                raise RefusedError(
                    "This case has no decision yet: record the decision, then the positions on it."
                )
            existing = _rows(session, decision.id)
            chair = self._who(session, meeting, decision, existing, actor)
            present = _voters(meeting)
            validate_positions(
                entries, {i: a.clinician.name for i, a in present.items()}, decision.dissent
            )
            who = Actor(chair.id, chair.name)
            context = _Context(Trail(session, who, now, case.patient_id, case.meeting_id))
            _remove_left_out(context, existing, {e.clinician_id for e in entries})
            for entry in entries:
                _write(context, decision, present[entry.clinician_id], entry, existing, chair)
            if meeting.status != MeetingStatus.SIGNED_OFF.value:
                _fill_dissent(context, decision, entries, present)
            session.flush()
            return positions_of(session, decision.id)

    @staticmethod
    def _who(
        session: Session,
        meeting: MeetingRow,
        decision: DecisionRow,
        existing: dict[int, PositionRow],
        actor: Actor,
    ) -> ClinicianRow:
        """The chair before sign-off; after it, a consultant recording positions on an amendment."""
        if meeting.status != MeetingStatus.SIGNED_OFF.value:
            chair = acting(session, actor, Permission.RECORD_DECISION)
            the_chair(meeting, chair, "record attendees' positions")
            return chair
        if decision.amends_id is None:
            still_open(meeting, "the attendees' positions")
        if existing:
            first = min(row.recorded_at for row in existing.values())
            raise RefusedError(
                f"Positions on this amendment were recorded on {first:%d %b %Y}; after sign-off "
                "they cannot be changed."
            )
        return acting(session, actor, Permission.RECORD_DECISION)


@dataclass(frozen=True, slots=True)
class _Context:
    """What every audited write of one save shares: its trail (session, who, when, case)."""

    trail: Trail

    @property
    def session(self) -> Session:
        return self.trail.session

    @property
    def now(self) -> datetime:
        return self.trail.at


def _remove_left_out(context: _Context, existing: dict[int, PositionRow], kept: set[int]) -> None:
    """Positions of people not in the saved set are removed (they left, or were cleared)."""
    for clinician_id, row in list(existing.items()):
        if clinician_id in kept:
            continue
        context.trail.deleted(
            "decision_position",
            row.id,
            _snapshot(row, row.clinician.name),
            reason="Left out when the positions were saved again",
        )
        context.session.delete(row)
        del existing[clinician_id]
    context.session.flush()


def _write(
    context: _Context,
    decision: DecisionRow,
    attendance: AttendanceRow,
    entry: PositionInput,
    existing: dict[int, PositionRow],
    chair: ClinicianRow,
) -> None:
    """Create, change or confirm one position, with its audit row."""
    name = attendance.clinician.name
    row = existing.get(entry.clinician_id)
    before = _snapshot(row, name) if row is not None else None
    if row is None:
        row = PositionRow(decision_id=decision.id, clinician_id=entry.clinician_id)
        context.session.add(row)
    row.role = attendance.role
    row.position = entry.position.value
    row.comment = entry.comment.strip()
    row.recorded_by_id = chair.id
    row.recorded_at = context.now
    context.session.flush()
    after = _snapshot(row, name)
    stated = {**after, "decision": decision.id}
    if before is None:
        context.trail.created("decision_position", row.id, stated)
    elif _same(before, after):
        context.trail.confirmed("decision_position", row.id, before, stated)
    else:
        context.trail.updated("decision_position", row.id, before, stated)


def _same(before: dict[str, object], after: dict[str, object]) -> bool:
    return {k: v for k, v in before.items() if k != "recorded_at"} == {
        k: v for k, v in after.items() if k != "recorded_at"
    }


def current_decision(case: CaseReviewRow) -> DecisionRow | None:
    """The case's decision as it stands: the latest version no amendment has corrected."""
    amended = {d.amends_id for d in case.decisions if d.amends_id}
    current = [d for d in case.decisions if d.id not in amended]
    return current[-1] if current else None


def positions_for(
    session: Session, decisions: Sequence[DecisionRow], current: DecisionRow | None
) -> tuple[AttendeePosition, ...]:
    """The positions on *current*; for an amendment without any, those on the version it corrects.

    *decisions*: every version of the case's decision.
    """
    if current is None:
        return ()
    by_id = {d.id: d for d in decisions}
    rows = session.scalars(
        select(PositionRow)
        .where(PositionRow.decision_id.in_(list(by_id)))
        .options(selectinload(PositionRow.clinician))
    ).all()
    grouped: dict[int, list[PositionRow]] = {}
    for row in rows:
        grouped.setdefault(row.decision_id, []).append(row)
    version: DecisionRow | None = current
    while version is not None and version.id not in grouped:
        version = by_id.get(version.amends_id) if version.amends_id else None
    if version is None:
        return ()
    return _domain(session, grouped[version.id])


def positions_of(session: Session, decision_id: int) -> tuple[AttendeePosition, ...]:
    """The positions on one decision, in attendance order (role, then name)."""
    return _domain(session, list(_rows(session, decision_id).values()))


def _domain(session: Session, rows: list[PositionRow]) -> tuple[AttendeePosition, ...]:
    order = list(Role)
    names: dict[int, str] = {}
    for row in rows:
        if row.recorded_by_id not in names:
            names[row.recorded_by_id] = session.get_one(ClinicianRow, row.recorded_by_id).name
    found = [
        AttendeePosition(
            clinician_id=row.clinician_id,
            name=row.clinician.name,
            role=Role(row.role),
            position=Position(row.position),
            recorded_at=row.recorded_at,
            decision_id=row.decision_id,
            comment=row.comment,
            recorded_by=names[row.recorded_by_id],
        )
        for row in rows
    ]
    return tuple(sorted(found, key=lambda p: (order.index(p.role), p.name)))


def _rows(session: Session, decision_id: int) -> dict[int, PositionRow]:
    rows = session.scalars(
        select(PositionRow)
        .where(PositionRow.decision_id == decision_id)
        .options(selectinload(PositionRow.clinician))
    ).all()
    return {row.clinician_id: row for row in rows}


def _voters(meeting: MeetingRow) -> dict[int, AttendanceRow]:
    """Attendance rows of the people who give positions: present, not observers."""
    return {
        a.clinician_id: a
        for a in meeting.attendance
        if a.status == AttendanceStatus.PRESENT.value and a.role != Role.OBSERVER.value
    }


def _fill_dissent(
    context: _Context,
    decision: DecisionRow,
    entries: Sequence[PositionInput],
    present: dict[int, AttendanceRow],
) -> None:
    """With no dissent on the decision yet, the disagreeing views become its dissent.

    Only the dissent is written, not the decision's time: the positions stay current.
    """
    if decision.dissent.strip():
        return
    views = [
        (present[e.clinician_id].clinician.name, Role(present[e.clinician_id].role), e.comment)
        for e in entries
        if e.position is Position.DISAGREE and e.comment.strip()
    ]
    if not views:
        return
    decision.dissent = dissent_from(views)
    context.trail.updated(
        "decision",
        decision.id,
        {"dissent": ""},
        {"dissent": decision.dissent},
        reason=DISSENT_REASON,
    )


def _snapshot(row: PositionRow, name: str) -> dict[str, object]:
    return {
        "clinician": name,
        "role": row.role,
        "position": row.position,
        "comment": row.comment,
        "recorded_at": row.recorded_at,
    }
