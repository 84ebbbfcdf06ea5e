"""The append-only, hash-chained audit log (docs/architecture.md, "Data model").

Every write of clinical data writes its audit row inside the same transaction, through a
``Trail`` (one per user action: who, when, which patient and meeting) and its helper for the
kind of change (``created``, ``updated``, ``deleted``, ``amended``, ``signed_off``, ``frozen``,
``confirmed``, ``exported``), so every row of one kind has the same shape. Each row stores
the hash of the row before it and a SHA-256 over its own content and that hash, so editing or
deleting a row (which the database triggers also refuse) breaks the chain and ``verify_chain``
reports where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor
from mdt_desktop.models import AuditEventRow

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x4D445444  # serialises chain appends across PostgreSQL sessions


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the audit log")


def jsonable(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return *payload* with dates as ISO strings, ready for a JSON column."""
    if payload is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(payload, default=_default))
    return result


def row_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    """Return the SHA-256 over the previous hash and a canonical JSON of the row's fields."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=_default)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _fields(row: AuditEventRow) -> dict[str, Any]:
    return _hashed({name: getattr(row, name) for name in _HASHED})


def _entry(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    patient_id: int | None,
    meeting_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    at: datetime | None,
    prev_hash: str,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "occurred_at": at or datetime.now(),
        "actor_id": actor.id,
        "actor": actor.name,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "patient_id": patient_id,
        "meeting_id": meeting_id,
        "before": jsonable(before),
        "after": jsonable(after),
        "reason": reason,
        "prev_hash": prev_hash,
    }
    values["hash"] = row_digest(prev_hash, _hashed(values))
    return values


def _hashed(values: dict[str, Any]) -> dict[str, Any]:
    fields = {k: values[k] for k in _HASHED}
    fields["occurred_at"] = values["occurred_at"].isoformat(timespec="microseconds")
    return fields


_HASHED = (
    "occurred_at",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "meeting_id",
    "before",
    "after",
    "reason",
)


def _last_hash(session: Session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
    prev = session.scalar(select(AuditEventRow.hash).order_by(AuditEventRow.id.desc()).limit(1))
    return prev or GENESIS


def record_audit(
    session: Session, actor: Actor, action: str, entity: str, entity_id: int | None, **details: Any
) -> None:
    """Append one audit row in *session*'s transaction (details as for ``AuditBatch.add``)."""
    session.flush()  # ids of rows created in this transaction are known before we log them
    batch = AuditBatch(session)
    batch.add(actor, action, entity, entity_id, **details)
    batch.flush()


@dataclass(frozen=True, slots=True)
class Trail:
    """The audit rows of one action: who did it, when, and about which patient and meeting.

    Each helper is one kind of change; the entity and its payload are given once, here.
    """

    session: Session
    actor: Actor
    at: datetime
    patient_id: int | None = None
    meeting_id: int | None = None

    def about(self, *, patient_id: int | None = None, meeting_id: int | None = None) -> Trail:
        """The same action's trail for another patient or meeting."""
        return Trail(self.session, self.actor, self.at, patient_id, meeting_id)

    def created(
        self, entity: str, entity_id: int | None, after: dict[str, Any], *, reason: str = ""
    ) -> None:
        """A new row of *entity* with what it holds."""
        self._write("create", entity, entity_id, None, after, reason)

    def updated(
        self,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        *,
        reason: str = "",
    ) -> None:
        """A changed row: what changed, before and after."""
        self._write("update", entity, entity_id, before, after, reason)

    def deleted(
        self, entity: str, entity_id: int | None, before: dict[str, Any], *, reason: str = ""
    ) -> None:
        """A removed row with what it held."""
        self._write("delete", entity, entity_id, before, None, reason)

    def confirmed(
        self, entity: str, entity_id: int | None, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        """A row saved again unchanged (its time moves on)."""
        self._write("confirm", entity, entity_id, before, after, "")

    def amended(
        self,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any],
        after: dict[str, Any],
        *,
        reason: str,
    ) -> None:
        """A correction after sign-off: a new row pointing at the one it corrects."""
        self._write("amend", entity, entity_id, before, after, reason)

    def signed_off(self, meeting_id: int, after: dict[str, Any]) -> None:
        """A meeting signed off and locked."""
        self._write("sign_off", "meeting", meeting_id, None, after, "")

    def frozen(
        self,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        *,
        reason: str,
    ) -> None:
        """Evidence stored as the meeting saw it, at sign-off."""
        self._write("freeze", entity, entity_id, before, after, reason)

    def exported(self, entity: str, entity_id: int | None, after: dict[str, Any]) -> None:
        """Clinical data written to a file outside the database."""
        self._write("export", entity, entity_id, None, after, "")

    def _write(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str,
    ) -> None:
        record_audit(
            self.session,
            self.actor,
            action,
            entity,
            entity_id,
            patient_id=self.patient_id,
            meeting_id=self.meeting_id,
            before=before,
            after=after,
            reason=reason,
            at=self.at,
        )


class AuditBatch:
    """Appends many audit rows with one INSERT (imports, the demo), keeping the chain intact.

    Use within one write transaction; call ``flush`` before it commits.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._prev = _last_hash(session)
        self._rows: list[dict[str, Any]] = []

    def add(
        self,
        actor: Actor,
        action: str,
        entity: str,
        entity_id: int | None,
        *,
        patient_id: int | None = None,
        meeting_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str = "",
        at: datetime | None = None,
    ) -> None:
        values = _entry(
            actor,
            action,
            entity,
            entity_id,
            patient_id=patient_id,
            meeting_id=meeting_id,
            before=before,
            after=after,
            reason=reason,
            at=at,
            prev_hash=self._prev,
        )
        self._prev = values["hash"]
        self._rows.append(values)

    def flush(self) -> int:
        """Write the pending rows; return how many."""
        count = len(self._rows)
        if self._rows:
            self._session.execute(insert(AuditEventRow), self._rows)
            self._rows = []
        return count


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Result of walking the audit chain."""

    rows: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session: Session, limit_problems: int = 20) -> ChainReport:
    """Recompute every hash in order; report rows that were edited, removed or reordered."""
    problems: list[str] = []
    expected_prev = GENESIS
    count = 0
    for row in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id)).yield_per(2000):
        count += 1
        if row.prev_hash != expected_prev:
            problems.append(
                f"audit row {row.id}: does not follow the row before it "
                "(a row was deleted or inserted)"
            )
        if row_digest(row.prev_hash, _fields(row)) != row.hash:
            problems.append(
                f"audit row {row.id}: content does not match its hash "
                f"(edited after it was written; {row.action} {row.entity} "
                f"{row.entity_id})"
            )
        expected_prev = row.hash
        if len(problems) >= limit_problems:
            problems.append("... further problems not listed")
            break
    return ChainReport(count, tuple(problems))
