"""Reading the audit log: filtered by patient, meeting or user, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from mdt_desktop.models import AuditEventRow, MeetingRow, PatientRow
from mdt_desktop.models.db import Database

MAX_VALUE = 80


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row as the viewer shows it."""

    id: int
    occurred_at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    patient: str | None
    meeting: date | None
    reason: str
    changes: str


class AuditLogService:
    """Reads the audit log."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def entries(
        self,
        *,
        hospital_number: str | None = None,
        meeting_id: int | None = None,
        actor_id: int | None = None,
        limit: int = 2000,
    ) -> list[AuditEntry]:
        """Return the newest *limit* rows matching every filter given."""
        with self._db.read() as session:
            stmt = (
                select(AuditEventRow, PatientRow.hospital_number, MeetingRow.meeting_date)
                .outerjoin(PatientRow, PatientRow.id == AuditEventRow.patient_id)
                .outerjoin(MeetingRow, MeetingRow.id == AuditEventRow.meeting_id)
                .order_by(AuditEventRow.id.desc())
                .limit(limit)
            )
            if hospital_number:
                number = hospital_number.strip().lower()  # typed in any case
                stmt = stmt.where(func.lower(PatientRow.hospital_number) == number)
            if meeting_id is not None:
                stmt = stmt.where(AuditEventRow.meeting_id == meeting_id)
            if actor_id is not None:
                stmt = stmt.where(AuditEventRow.actor_id == actor_id)
            return [
                AuditEntry(
                    row.id,
                    row.occurred_at,
                    row.actor,
                    row.action,
                    row.entity,
                    row.entity_id,
                    number,
                    day,
                    row.reason,
                    changes(row.before, row.after),
                )
                for row, number, day in session.execute(stmt)
            ]


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """Summarise what changed: ``outcome: defer → de_escalate; rationale: …``."""
    before, after = before or {}, after or {}
    parts = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in before and key in after:
            parts.append(f"{key}: {_short(old)} → {_short(new)}")
        elif key in after:
            parts.append(f"{key}: {_short(new)}")
        else:
            parts.append(f"{key}: {_short(old)} (removed)")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
