"""Importing files: read, check everything, then write it all in one transaction or nothing.

``preview`` reads and checks without writing (the dry run); ``run`` does the same inside one
write transaction and writes only when there is no problem at all, so the database is either
untouched or holds every record of every file. A second import of the same content finds
everything already stored and writes nothing, not even an audit row. Times are converted to
the site's time zone, which the caller gives (docs/clinical.md, "Time").
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from mdt_desktop.domain.access import SYSTEM, Actor, Permission
from mdt_desktop.domain.errors import MdtError, ValidationError
from mdt_desktop.domain.wording import count
from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.detect import read_file
from mdt_desktop.importers.model import ParsedFile, Problem
from mdt_desktop.importers.times import site_zone
from mdt_desktop.models.db import Database
from mdt_desktop.services.guards import acting
from mdt_desktop.services.import_plan import Plan, make_plan
from mdt_desktop.services.import_write import write_plan

Progress = Callable[[int, int, str], None]
SHOWN_PROBLEMS = 20  # in the exception's message; the report has them all


class ImportCancelled(MdtError):
    """The user cancelled; nothing was written."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class FileSummary:
    """One file of an import."""

    name: str
    format: str
    records: int
    sha256: str
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import found and (unless it was a dry run or refused) wrote."""

    files: tuple[FileSummary, ...]
    problems: tuple[Problem, ...]
    per_patient: dict[str, dict[str, int]]
    new_records: int
    already_stored: int
    written: bool
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def patients(self) -> int:
        """How many patients get new records."""
        return len(self.per_patient)

    def headline(self, *, dry_run: bool) -> str:
        """One sentence: refused, nothing new, or what was (would be) added."""
        if self.problems:
            return f"{len(self.problems)} problem(s); nothing was imported."
        if self.new_records == 0:
            return (
                f"Everything is already stored ({count(self.already_stored, 'record')}); "
                "nothing to add."
            )
        what = f"{count(self.new_records, 'record')} for {count(self.patients, 'patient')}"
        if dry_run:
            return f"Dry run: would add {what}; {self.already_stored} already stored."
        return f"Added {what}; {self.already_stored} already stored ({self.seconds:.1f} s)."

    def as_json(self) -> dict[str, Any]:
        """The ``import --json`` document."""
        return {
            "ok": self.ok,
            "written": self.written,
            "files": [
                {
                    "name": f.name,
                    "format": f.format,
                    "records": f.records,
                    "sha256": f.sha256,
                    "notes": list(f.notes),
                }
                for f in self.files
            ],
            "problems": [
                {
                    "file": p.where.file,
                    "where": p.where.place,
                    "field": p.field,
                    "reason": p.reason,
                }
                for p in self.problems
            ],
            "new_records": self.new_records,
            "already_stored": self.already_stored,
            "patients": self.per_patient,
            "seconds": round(self.seconds, 3),
        }


class ImportRejected(ValidationError):
    """The import has problems: nothing was written. ``report`` lists every one."""

    def __init__(self, report: ImportReport) -> None:
        shown = "\n  ".join(str(p) for p in report.problems[:SHOWN_PROBLEMS])
        more = len(report.problems) - SHOWN_PROBLEMS
        tail = f"\n  … and {more} more (use --json for all)" if more > 0 else ""
        super().__init__(
            f"nothing was imported: {len(report.problems)} problem(s)\n  {shown}{tail}"
        )
        self.report = report


class ImportService:
    """Imports FHIR R4, HL7 v2 ORU and CSV files into the database."""

    def __init__(
        self,
        db: Database,
        codes: CodeTable | Callable[[], CodeTable],
        *,
        zone: tzinfo | None = None,
    ) -> None:
        """Import into *db* with *codes*, the lab code table or its loader.

        A loader is called at the first import: a broken site code file then stops imports
        with its message, not the program's start. *zone* is the site's time zone
        (ClinicalConfig.time_zone; None: the default site zone, Europe/London).
        """
        self._db = db
        self._codes = codes
        self._zone = site_zone(zone)

    @property
    def codes(self) -> CodeTable:
        """The lab code table (loaded now if it was given as a loader)."""
        if not isinstance(self._codes, CodeTable):
            self._codes = self._codes()
        return self._codes

    def preview(
        self,
        paths: Sequence[Path],
        *,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        now: datetime | None = None,
    ) -> ImportReport:
        """Read and check *paths* without writing (the dry run)."""
        started = time.perf_counter()
        parsed = self._read(paths, progress, cancelled, now)
        with self._db.read() as session:
            plan = make_plan(session, parsed)
        return _report(parsed, plan, written=False, started=started)

    def run(
        self,
        paths: Sequence[Path],
        actor: Actor | None,
        *,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        now: datetime | None = None,
    ) -> ImportReport:
        """Import *paths* all or nothing; raises ImportRejected listing every problem.

        *actor* must be allowed to import (None: the command line, recorded as the system).
        """
        started = time.perf_counter()
        parsed = self._read(paths, progress, cancelled, now)
        stamp = now or datetime.now().replace(microsecond=0)
        total = len(paths) + 2
        with self._db.write() as session:
            if actor is not None:  # a person at the screen; the command line imports as SYSTEM
                acting(session, actor, Permission.IMPORT_DATA)
            _step(progress, cancelled, total - 2, total, "Checking against the database")
            plan = make_plan(session, parsed)
            report = _report(parsed, plan, written=False, started=started)
            if plan.problems:
                raise ImportRejected(report)
            if plan.new_records:
                _step(progress, cancelled, total - 1, total, "Writing")
                summary = _summary(report)
                write_plan(session, plan, actor or SYSTEM, stamp, summary)
        if progress is not None:
            progress(total, total, "Done")
        return _report(parsed, plan, written=plan.new_records > 0, started=started)

    def _read(
        self,
        paths: Sequence[Path],
        progress: Progress | None,
        cancelled: Callable[[], bool] | None,
        now: datetime | None,
    ) -> list[ParsedFile]:
        if not paths:
            raise ValidationError("import: give at least one file")
        parsed = []
        total = len(paths) + 2
        for number, path in enumerate(paths):
            _step(progress, cancelled, number, total, f"Reading {path.name}")
            result = read_file(path, self.codes, now=now, zone=self._zone)
            result.notes.insert(0, _digest(path))
            parsed.append(result)
        return parsed


def _step(
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    done: int,
    total: int,
    what: str,
) -> None:
    if cancelled is not None and cancelled():
        raise ImportCancelled("Import cancelled; nothing was written.")
    if progress is not None:
        progress(done, total, what)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _report(parsed: list[ParsedFile], plan: Plan, *, written: bool, started: float) -> ImportReport:
    files = tuple(
        FileSummary(p.name, p.format, p.records, p.notes[0], tuple(p.notes[1:])) for p in parsed
    )
    return ImportReport(
        files=files,
        problems=tuple(plan.problems),
        per_patient=plan.per_patient(),
        new_records=plan.new_records,
        already_stored=plan.already,
        written=written,
        seconds=time.perf_counter() - started,
    )


def _summary(report: ImportReport) -> dict[str, Any]:
    return {
        "files": [{"name": f.name, "format": f.format, "sha256": f.sha256} for f in report.files],
        "new_records": report.new_records,
        "patients": len(report.per_patient),
    }
