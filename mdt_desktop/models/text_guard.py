"""Refuse control characters in stored text, whichever service (or importer) wrote it.

A NUL or another control character in free text is never what a user meant to type, and SQLite
would store it while its length() and CHECK constraints stop at the NUL. Checking each new or
changed row just before it is flushed covers every writer in one place, and raises the same
ValidationError (naming the table, column and position) that the services raise for bad input,
before anything reaches the database.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from mdt_desktop.domain.errors import ValidationError

# C0 and C1 controls and DEL, except tab, line feed and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_text(value: str, field: str) -> None:
    """Raise ValidationError if *value* holds a control character."""
    found = CONTROL.search(value)
    if found is not None:
        raise ValidationError(
            f"{field}: contains the control character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}; remove it (pasted text sometimes carries these)"
        )


def _check_row(row: Any) -> None:
    mapper = inspect(row).mapper
    for column in mapper.columns:
        if isinstance(column.type, String):
            value = getattr(row, mapper.get_property_by_column(column).key, None)
            if isinstance(value, str):
                check_text(value, f"{mapper.local_table.name}.{column.name}")


def guard_text(session_factory: Any) -> None:
    """Install the check on every session *session_factory* makes."""

    @event.listens_for(session_factory, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        for row in (*session.new, *session.dirty):
            _check_row(row)
