"""Actions agreed at earlier meetings and not yet done: listed at the start of the next meeting.

For a meeting that is not signed off the list is drawn up now: every action of an earlier,
signed-off meeting that was not done before this meeting's day, with its state now (actions
done during the meeting stay on the list, marked done). For a signed-off meeting it is the list
as it stood at sign-off: each action's completion at that moment is read back from the
append-only audit log, so marking an action done (or not done) later never changes the final
minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.carry_over import OpenAction
from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.records import Patient
from mdt_desktop.models import (
    ActionRow,
    AuditEventRow,
    CaseReviewRow,
    ClinicianRow,
    MeetingRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.guards import meeting_row
from mdt_desktop.services.mapping import patient_from_row


class OpenActionService:
    """Reads the open actions a meeting inherits; each call is one read transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def for_meeting(self, meeting_id: int) -> tuple[OpenAction, ...]:
        """The actions of earlier meetings open at the start of this one (see the module)."""
        with self._db.read() as session:
            return open_actions_for(session, meeting_row(session, meeting_id))


def open_actions_for(
    session: Session, meeting: MeetingRow, *, now: datetime | None = None
) -> tuple[OpenAction, ...]:
    """The open actions *meeting* inherits from earlier signed-off meetings, oldest first."""
    signed_at = meeting.signed_off_at if meeting.status == MeetingStatus.SIGNED_OFF.value else None
    as_at = signed_at or now or datetime.now()
    start = datetime.combine(meeting.meeting_date, time.min)
    query = (
        select(ActionRow, CaseReviewRow.patient_id, MeetingRow.id, MeetingRow.meeting_date)
        .join(CaseReviewRow, ActionRow.case_review_id == CaseReviewRow.id)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(
            MeetingRow.meeting_date < meeting.meeting_date,
            MeetingRow.status == MeetingStatus.SIGNED_OFF.value,
            MeetingRow.signed_off_at <= as_at,
        )
        .order_by(MeetingRow.meeting_date, CaseReviewRow.position, ActionRow.id)
    )
    if signed_at is None:  # the state now is the state of the list: filter in the database
        query = query.where((ActionRow.done_at.is_(None)) | (ActionRow.done_at >= start))
    rows = session.execute(query).all()
    then = _done_as_at(session, rows, signed_at) if signed_at else {}
    listed = []
    for action, patient_id, from_id, from_date in rows:
        done_then = then.get(action.id, action.done_at) if signed_at else action.done_at
        if done_then is not None and done_then < start:
            continue
        listed.append((action, patient_id, from_id, from_date, done_then))
    patients = _patients(session, {row[1] for row in listed})
    owners = _owners(session, {row[0].owner_id for row in listed})
    return tuple(
        OpenAction(
            id=action.id,
            patient=patients[patient_id],
            description=action.description,
            owner=owners[action.owner_id],
            owner_id=action.owner_id,
            due=action.due_date,
            from_meeting_id=from_id,
            from_meeting_date=from_date,
            done_at=done_then,
            done_now=action.done_at,
        )
        for action, patient_id, from_id, from_date, done_then in listed
    )


def _done_as_at(
    session: Session, rows: Sequence[Any], as_at: datetime
) -> dict[int, datetime | None]:
    """Each action's ``done_at`` as it was at *as_at*, for actions changed since.

    The first audited change after *as_at* says what the value was before it; actions without
    a later change still hold the value they had then (absent from the result).
    """
    ids = {action.id for action, *_ in rows}
    meetings = {from_id for _action, _patient, from_id, _date in rows}
    return done_as_at(session, ids, meetings, as_at)


def done_as_at(
    session: Session, ids: set[int], meetings: set[int], as_at: datetime
) -> dict[int, datetime | None]:
    """``done_at`` at *as_at* of the actions *ids* (of *meetings*) that were changed since.

    Read back from the append-only audit log; actions absent from the result still hold the
    value they had at *as_at*.
    """
    if not ids:
        return {}
    changes = session.scalars(
        select(AuditEventRow)
        .where(
            AuditEventRow.meeting_id.in_(meetings),
            AuditEventRow.entity == "action",
            AuditEventRow.action == "update",
            AuditEventRow.occurred_at > as_at,
        )
        .order_by(AuditEventRow.id)
    )
    found: dict[int, datetime | None] = {}
    for change in changes:
        entity_id = change.entity_id
        if entity_id is None or entity_id not in ids or entity_id in found:
            continue
        if "done_at" not in (change.before or {}):
            continue
        value = (change.before or {})["done_at"]
        found[entity_id] = datetime.fromisoformat(value) if value else None
    return found


def _patients(session: Session, ids: set[int]) -> dict[int, Patient]:
    if not ids:
        return {}
    rows = session.scalars(select(PatientRow).where(PatientRow.id.in_(ids)))
    return {row.id: patient_from_row(row) for row in rows}


def _owners(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(ClinicianRow.id, ClinicianRow.name).where(ClinicianRow.id.in_(ids))
    )
    return {row.id: row.name for row in rows}
