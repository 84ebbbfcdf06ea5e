"""The MDT roster: who can be chosen as the current user, chair, owner or attendee."""

from __future__ import annotations

from sqlalchemy import select

from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.records import Clinician
from mdt_desktop.models import ClinicianRow
from mdt_desktop.models.db import Database


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
