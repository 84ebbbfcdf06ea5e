"""Saving a list or summary as a PDF or CSV file: an audited export.

The chase list and the monthly summary carry identifiers out of the database, so saving either
is an export: the target is checked first (a .pdf or .csv file, not a folder), then the acting
member's export permission (None = the command line, which is not checked), then the file is
written and, from a writable database, an audit row says who wrote which file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mdt_desktop.domain.access import SYSTEM, Actor, Permission
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.models.db import Database
from mdt_desktop.reports.minutes import BuildOptions
from mdt_desktop.reports.spreadsheet import write_csv
from mdt_desktop.services.audit import record_audit
from mdt_desktop.services.guards import acting

EXPORT_SUFFIXES = (".pdf", ".csv")


@dataclass(frozen=True, slots=True)
class ExportAudit:
    """The audit row of one save: what was exported, and the details recorded after it."""

    entity: str
    entity_id: int | None
    after: dict[str, Any]
    meeting_id: int | None = None


def save_pdf_or_csv(
    db: Database,
    target: Path,
    actor: Actor | None,
    what: str,
    *,
    pdf: Callable[[BuildOptions], int],
    csv_rows: Callable[[], list[list[str]]],
    audit: ExportAudit,
    options: BuildOptions | None = None,
) -> int:
    """Write *target* as a PDF (``pdf(options)``) or CSV by its suffix; return the pages (0: CSV).

    *what* names the document in messages ("the chase list"). The PDF's author is the acting
    member unless *options* name one. Raises ValidationError for a wrong target and RefusedError
    when *actor* may not export.
    """
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ValidationError(f"{target.name}: {what} is written to a .pdf or .csv file")
    if target.is_dir():
        raise ValidationError(f"{target}: is a folder; give a file name")
    who = exporter(db, actor)
    pages = 0
    if suffix == ".pdf":
        options = options or BuildOptions()
        if who is not SYSTEM and options.author == BuildOptions().author:
            options = replace(options, author=f"{who.name} with MDT Desktop")
        pages = pdf(options)
    else:
        write_csv(csv_rows(), target)
    record_export(db, who, audit)
    return pages


def exporter(db: Database, actor: Actor | None) -> Actor:
    """The acting member, checked for the export permission (None: the command line, SYSTEM)."""
    if actor is None:
        return SYSTEM
    with db.read() as session:
        member = acting(session, actor, Permission.EXPORT)
        return Actor(member.id, member.name)


def record_export(db: Database, actor: Actor, audit: ExportAudit) -> None:
    """Append the export's audit row (not from a read-only database: the file still stands)."""
    if db.read_only:
        return  # another program holds the writer lock: the file itself still stands
    with db.write() as session:
        record_audit(
            session,
            actor,
            "export",
            audit.entity,
            audit.entity_id,
            meeting_id=audit.meeting_id,
            after=audit.after,
        )
