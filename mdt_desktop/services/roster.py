"""The MDT roster: who can be chosen as the current user, chair, owner or attendee."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import SYSTEM, Actor, Permission
from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.domain.records import Clinician
from mdt_desktop.models import ClinicianRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting


def clinician_from_row(row: ClinicianRow) -> Clinician:
    """Return the domain clinician of a roster row."""
    return Clinician(row.id, row.name, Role(row.role), row.active, row.is_demo)


class RosterService:
    """Reads the roster."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def clinicians(self, *, active_only: bool = True) -> list[Clinician]:
        """Return roster members by role, then name."""
        with self._db.read() as session:
            stmt = select(ClinicianRow)
            if active_only:
                stmt = stmt.where(ClinicianRow.active.is_(True))
            rows = session.scalars(stmt).all()
        order = list(Role)
        return sorted(
            (clinician_from_row(r) for r in rows), key=lambda c: (order.index(c.role), c.name)
        )


MAX_NAME = 120


class RosterAdmin:
    """Changes to the roster (the coordinator); members are deactivated, never deleted."""

    def __init__(self, db: Database, *, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def add(self, name: str, role: Role, actor: Actor) -> int:
        """Add a member; return the id."""
        name = _valid_name(name)
        with self._db.write() as session:
            who = acting(session, actor, Permission.MANAGE_ROSTER)
            now = self._clock()
            row = ClinicianRow(
                name=name, role=role.value, active=True, is_demo=False, created_at=now
            )
            session.add(row)
            session.flush()
            Trail(session, Actor(who.id, who.name), now).created(
                "clinician", row.id, {"name": name, "role": role.value}
            )
            return row.id

    def update(
        self,
        clinician_id: int,
        actor: Actor,
        *,
        name: str | None = None,
        role: Role | None = None,
        active: bool | None = None,
    ) -> None:
        """Rename, change the role of, or (de)activate a member."""
        with self._db.write() as session:
            who = acting(session, actor, Permission.MANAGE_ROSTER)
            row = session.get(ClinicianRow, clinician_id)
            if row is None:
                raise NotFoundError(f"No roster member with id {clinician_id}.")
            before = {"name": row.name, "role": row.role, "active": row.active}
            if row.id == who.id and active is False:
                raise RefusedError("You cannot deactivate yourself.")
            if name is not None:
                row.name = _valid_name(name)
            if role is not None:
                row.role = role.value
            if active is not None:
                row.active = active
            Trail(session, Actor(who.id, who.name), self._clock()).updated(
                "clinician",
                row.id,
                before,
                {"name": row.name, "role": row.role, "active": row.active},
            )


def seed_roster(
    session: Session, members: Sequence[tuple[str, Role]], now: datetime, *, reason: str
) -> list[Actor]:
    """Write a first roster before anyone can act (the system is the actor); one audit row each.

    Used by the demo, whose roster exists before its first meeting; *session* is the caller's
    transaction, so the roster and what the caller writes with it land together.
    """
    rows = [
        ClinicianRow(
            name=_valid_name(name), role=role.value, active=True, is_demo=True, created_at=now
        )
        for name, role in members
    ]
    session.add_all(rows)
    session.flush()
    trail = Trail(session, SYSTEM, now)
    for row in rows:
        trail.created("clinician", row.id, {"name": row.name, "role": row.role}, reason=reason)
    return [Actor(row.id, row.name) for row in rows]


def _valid_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("name: required")
    if len(name) > MAX_NAME:
        raise ValidationError(f"name: at most {MAX_NAME} characters")
    return name
