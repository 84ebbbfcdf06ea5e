"""Case notes by clinicians and nurses."""

from __future__ import annotations

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.models import CaseNoteRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting, case_row, still_open

MAX_NOTE = 4000


class NoteService:
    """Adds notes to cases."""

    def __init__(self, db: Database, *, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def add(self, case_id: int, text: str, actor: Actor) -> int:
        """Add a note to a case; return its id."""
        text = text.strip()
        if not text:
            raise ValidationError("note: write something")
        if len(text) > MAX_NOTE:
            raise ValidationError(f"note: at most {MAX_NOTE} characters")
        with self._db.write() as session:
            case = case_row(session, case_id)
            still_open(case.meeting, "its notes")
            author = acting(session, actor, Permission.ADD_NOTES)
            now = self._clock()
            row = CaseNoteRow(
                case_review_id=case.id, author_id=author.id, text=text, created_at=now
            )
            session.add(row)
            session.flush()
            trail = Trail(
                session, Actor(author.id, author.name), now, case.patient_id, case.meeting_id
            )
            trail.created("case_note", row.id, {"text": text})
            return row.id
