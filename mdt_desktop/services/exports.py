"""Exporting a meeting: minutes, pseudonymised minutes, outcome letters, decisions spreadsheet.

Who may export from the application is the permission matrix's business (the coordinator and
the IBD consultants); the command line runs as whoever may read the database file. Every export
from a writable database leaves an audit row saying who exported what, because the documents
carry patient-identifiable information out of the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.models.db import Database
from mdt_desktop.reports.identity import PseudonymousIdentities
from mdt_desktop.reports.minutes import BuildOptions, BuiltDocument, build_letter, build_minutes
from mdt_desktop.reports.pseudonym import KEY_FILE, Pseudonymiser, load_or_create_key
from mdt_desktop.reports.spreadsheet import decision_rows, write_csv
from mdt_desktop.services.audit import SYSTEM, Actor, record_audit
from mdt_desktop.services.guards import acting
from mdt_desktop.services.meetings import MeetingBoard, MeetingService
from mdt_desktop.services.permissions import Permission


class ExportKind(StrEnum):
    """What to produce."""

    MINUTES = "minutes"
    PSEUDONYMISED = "pseudonymised"
    LETTER = "letter"  # one patient's outcome letter
    LETTERS = "letters"  # one letter per case, into a folder
    SPREADSHEET = "spreadsheet"

    @property
    def label(self) -> str:
        return {
            ExportKind.MINUTES: "Full minutes (PDF)",
            ExportKind.PSEUDONYMISED: "Pseudonymised minutes (PDF)",
            ExportKind.LETTER: "One patient's outcome letter (PDF)",
            ExportKind.LETTERS: "An outcome letter per case, into a folder (PDF)",
            ExportKind.SPREADSHEET: "Decisions and actions (CSV spreadsheet)",
        }[self]

    @property
    def suffix(self) -> str:
        """The file suffix of the target ('' for a folder)."""
        return {ExportKind.LETTERS: "", ExportKind.SPREADSHEET: ".csv"}.get(self, ".pdf")


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """One export: which meeting, what, where (a file, or a folder for letters)."""

    meeting_id: int
    kind: ExportKind
    target: Path
    hospital_number: str | None = None  # ExportKind.LETTER


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written."""

    files: tuple[Path, ...]
    pages: int
    seconds: float


class ExportService:
    """Builds the documents of a meeting; one audit row per export."""

    def __init__(self, db: Database, config: ClinicalConfig, key_path: Path) -> None:
        self._db = db
        self._config = config
        self._key_path = key_path

    @staticmethod
    def default_key_path(data_dir: Path) -> Path:
        """Where the pseudonym key lives: the user's data folder, never in a document."""
        return data_dir / KEY_FILE

    def export(
        self, request: ExportRequest, actor: Actor | None, options: BuildOptions | None = None
    ) -> ExportResult:
        """Write the export; *actor* None means the command line (no role check)."""
        started = time.perf_counter()
        _validate(request)
        if actor is not None:
            with self._db.read() as session:
                member = acting(session, actor, Permission.EXPORT)
                actor = Actor(member.id, member.name)
        board = MeetingService(self._db, self._config).board(request.meeting_id)
        options = options or BuildOptions()
        if actor is not None and options.author == BuildOptions().author:
            options = replace(options, author=f"{actor.name} with MDT Desktop")
        files, pages = self._build(request, board, options)
        self._audit(request, board, actor or SYSTEM, files)
        return ExportResult(tuple(files), pages, time.perf_counter() - started)

    def _build(
        self, request: ExportRequest, board: MeetingBoard, options: BuildOptions
    ) -> tuple[list[Path], int]:
        kind, target, config = request.kind, request.target, self._config
        if kind is ExportKind.MINUTES:
            built = build_minutes(board, config, target, options)
            return [built.path], built.pages
        if kind is ExportKind.PSEUDONYMISED:
            identities = PseudonymousIdentities(Pseudonymiser(load_or_create_key(self._key_path)))
            built = build_minutes(board, config, target, options, identities)
            return [built.path], built.pages
        if kind is ExportKind.LETTER:
            built = build_letter(board, request.hospital_number or "", config, target, options)
            return [built.path], built.pages
        if kind is ExportKind.LETTERS:
            letters = self._letters(board, target, options)
            return [b.path for b in letters], sum(b.pages for b in letters)
        write_csv(decision_rows(board), target)
        return [target], 0

    def _letters(
        self, board: MeetingBoard, folder: Path, options: BuildOptions
    ) -> list[BuiltDocument]:
        """One letter per case; if one fails or the user cancels, none is left behind."""
        written: list[BuiltDocument] = []
        total = len(board.cases)
        created = not folder.exists()
        try:
            for number, detail in enumerate(board.cases):
                patient = detail.case.patient
                name = (
                    f"{detail.case.position:02d}-{patient.hospital_number}-"
                    f"{board.meeting.meeting_date:%Y-%m-%d}-outcome.pdf"
                )
                step = _scaled(options.progress, number, total, patient.hospital_number)
                written.append(
                    build_letter(
                        board,
                        patient.hospital_number,
                        self._config,
                        folder / name,
                        replace(options, progress=step),
                    )
                )
        except BaseException:
            for document in written:
                document.path.unlink(missing_ok=True)
            if created and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
            raise
        return written

    def _audit(
        self, request: ExportRequest, board: MeetingBoard, actor: Actor, files: list[Path]
    ) -> None:
        if self._db.read_only:
            return  # another program holds the writer lock: the export itself still stands
        patient_id = None
        if request.kind is ExportKind.LETTER and request.hospital_number:
            index = board.index_of(request.hospital_number)
            patient_id = board.cases[index].case.patient.id if index is not None else None
        with self._db.write() as session:
            record_audit(
                session,
                actor,
                "export",
                "meeting",
                board.meeting.id,
                meeting_id=board.meeting.id,
                patient_id=patient_id,
                after={
                    "kind": request.kind.value,
                    "files": [f.name for f in files],
                    "status": board.meeting.status.value,
                },
            )


def _validate(request: ExportRequest) -> None:
    kind, target = request.kind, request.target
    if kind is ExportKind.LETTERS:
        if target.exists() and not target.is_dir():
            raise ValidationError(f"{target}: letters go into a folder, and this is a file")
        return
    if target.suffix.lower() != kind.suffix:
        raise ValidationError(
            f"{target.name}: {kind.label} must be written to a {kind.suffix} file"
        )
    if target.is_dir():
        raise ValidationError(f"{target}: is a folder; give a file name")
    if kind is ExportKind.LETTER and not (request.hospital_number or "").strip():
        raise ValidationError("patient: a letter needs the patient's hospital number")


def _scaled(
    progress: Callable[[int, int, str], None] | None, number: int, total: int, who: str
) -> Callable[[int, int, str], None] | None:
    """Report one letter's progress as part of all the letters."""
    if progress is None:
        return None

    def report(done: int, steps: int, what: str) -> None:
        fraction = (number + done / max(steps, 1)) / max(total, 1)
        progress(round(fraction * 1000), 1000, f"Letter {number + 1} of {total} ({who}): {what}")

    return report
