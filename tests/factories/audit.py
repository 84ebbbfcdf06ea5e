"""Factories of the audit log (through the service's own chain) and the database's identity."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import SYSTEM, Actor
from mdt_desktop.models import AuditEventRow, MetaRow
from mdt_desktop.services.audit import record_audit
from tests.factories.base import NOW, add


def make_audit_event(
    session: Session,
    actor: Actor = SYSTEM,
    action: str = "create",
    entity: str = "patient",
    entity_id: int | None = None,
    **details: Any,
) -> AuditEventRow:
    """Append one audit row after the last one, hash-chained as the services do.

    The log is append-only: a row is written through ``record_audit`` (never built by hand), so
    ``mdt-desktop check`` still finds the chain intact. ``details`` are ``record_audit``'s
    (patient_id, meeting_id, before, after, reason, at).
    """
    details.setdefault("at", NOW)
    record_audit(session, actor, action, entity, entity_id, **details)
    row = session.scalar(select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(1))
    assert row is not None
    return row


def make_meta(session: Session, key: str = "test_note", value: str = "made by a test") -> MetaRow:
    """One ``mdt_meta`` entry (the database's own ``application`` and friends already exist)."""
    return add(session, MetaRow(key=key, value=value))
