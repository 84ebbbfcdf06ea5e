"""Every export: meeting documents, the outcome audit report, lists saved as PDF or CSV.

A meeting's minutes, letters and spreadsheet (``ExportService``), the outcome audit report
(``export_audit_report``), the chase list and the monthly summary (``save_pdf_or_csv``).

Every caller (the export dialog, the windows that save a report, the command line) exports
through this module, and every export is audited the same way (``record_export``).

Who may export from the application is the permission matrix's business (the coordinator and
the IBD consultants); the command line runs as whoever may read the database file. Every export
from a writable database leaves an audit row saying who exported what, with which patient
identifiers, because the documents carry patient information out of the database.

Identifiers are chosen per export (``ExportRequest.identifiers``): the export dialog makes the
user choose; the command line keeps its contract (full unless --pseudonymise or --identifiers).
Letters about one patient (for their record, or to their GP) always carry full identifiers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from mdt_desktop.domain.access import SYSTEM, Actor, Permission
from mdt_desktop.domain.board import MeetingBoard
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.outcome_audit import OutcomeAudit
from mdt_desktop.domain.site import SiteContact
from mdt_desktop.domain.snapshot import FIGURE_NAME
from mdt_desktop.models.db import Database
from mdt_desktop.reports.audit_report import build_audit_report
from mdt_desktop.reports.gp_letter import Recipient, build_gp_letter
from mdt_desktop.reports.identity import identities_for
from mdt_desktop.reports.minutes import BuildOptions, BuiltDocument, build_letter, build_minutes
from mdt_desktop.reports.pseudonym import KEY_FILE
from mdt_desktop.reports.spreadsheet import decision_rows, write_csv
from mdt_desktop.services.audit import Trail
from mdt_desktop.services.clock import Clock, system_clock
from mdt_desktop.services.guards import acting
from mdt_desktop.services.meetings import MeetingService


class ExportKind(StrEnum):
    """What to produce."""

    MINUTES = "minutes"
    PSEUDONYMISED = "pseudonymised"
    LETTER = "letter"  # one patient's outcome letter
    LETTERS = "letters"  # one letter per case, into a folder
    GP_LETTER = "gp_letter"  # one patient's letter to their GP or referrer
    GP_LETTERS = "gp_letters"  # a GP letter per decided case, into a folder
    SPREADSHEET = "spreadsheet"

    @property
    def label(self) -> str:
        return {
            ExportKind.MINUTES: "Minutes (PDF)",
            ExportKind.PSEUDONYMISED: "Pseudonymised minutes (PDF)",
            ExportKind.LETTER: "One patient's outcome letter (PDF)",
            ExportKind.LETTERS: "An outcome letter per case, into a folder (PDF)",
            ExportKind.GP_LETTER: "Letter to one patient's GP or referrer (PDF)",
            ExportKind.GP_LETTERS: "A GP letter per decided case, into a folder (PDF)",
            ExportKind.SPREADSHEET: "Decisions and actions (CSV spreadsheet)",
        }[self]

    @property
    def suffix(self) -> str:
        """The file suffix of the target ('' for a folder)."""
        return {ExportKind.SPREADSHEET: ".csv"}.get(self, "" if self.into_folder else ".pdf")

    @property
    def into_folder(self) -> bool:
        """True when the export writes one file per case into a folder."""
        return self in (ExportKind.LETTERS, ExportKind.GP_LETTERS)

    @property
    def one_patient(self) -> bool:
        """True when the export is about one patient (it needs a hospital number)."""
        return self in (ExportKind.LETTER, ExportKind.GP_LETTER)

    @property
    def to_gp(self) -> bool:
        return self in (ExportKind.GP_LETTER, ExportKind.GP_LETTERS)

    @property
    def identifiers(self) -> tuple[Identifiers, ...]:
        """The identifiers this kind may carry; letters about a patient name them in full."""
        if self in (ExportKind.MINUTES, ExportKind.SPREADSHEET):
            return tuple(Identifiers)
        if self is ExportKind.PSEUDONYMISED:
            return (Identifiers.PSEUDONYMS,)
        return (Identifiers.FULL,)

    @property
    def default_identifiers(self) -> Identifiers:
        """What the command line uses when not told (its contract: full unless pseudonymised)."""
        return self.identifiers[-1] if self is ExportKind.PSEUDONYMISED else Identifiers.FULL


def describe_export(kind: ExportKind, identifiers: Identifiers) -> str:
    """E.g. ``Full minutes (PDF)`` or ``Minutes with initials and hospital numbers (PDF)``."""
    if kind is ExportKind.MINUTES:
        return {
            Identifiers.FULL: "Full minutes (PDF)",
            Identifiers.INITIALS: "Minutes with initials and hospital numbers (PDF)",
            Identifiers.PSEUDONYMS: "Pseudonymised minutes (PDF)",
        }[identifiers]
    if kind is ExportKind.SPREADSHEET and identifiers is not Identifiers.FULL:
        return f"{kind.label}, {identifiers.short}"
    return kind.label


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """One export: which meeting, what, where (a file, or a folder for letters), which identifiers.

    *identifiers* None means the kind's default (the command line's contract); the export dialog
    always says which. *recipient* is whom a GP letter is addressed to ('' = Dear Colleague).
    """

    meeting_id: int
    kind: ExportKind
    target: Path
    hospital_number: str | None = None  # ExportKind.LETTER, ExportKind.GP_LETTER
    identifiers: Identifiers | None = None
    recipient: str = ""

    @property
    def chosen_identifiers(self) -> Identifiers:
        return self.identifiers or self.kind.default_identifiers


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written."""

    files: tuple[Path, ...]
    pages: int
    seconds: float


class ExportService:
    """Builds the documents of a meeting; one audit row per export."""

    def __init__(
        self,
        db: Database,
        config: ClinicalConfig,
        key_path: Path,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self._db = db
        self._config = config
        self._key_path = key_path
        self._clock = clock

    @property
    def site(self) -> SiteContact:
        """Whom letters say to contact (DEMO placeholders until the site sets its own)."""
        return self._config.site

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
        who = exporter(self._db, actor)
        meetings = MeetingService(self._db, self._config)
        board = meetings.board(request.meeting_id, as_signed=True)
        options = options or BuildOptions()
        if any(d.frozen for d in board.cases) and not options.frozen_plots:
            # signed-off cases print the plot images frozen at sign-off
            frozen = meetings.frozen_figures(request.meeting_id, FIGURE_NAME)
            options = replace(options, frozen_plots=frozen)
        options = _authored(options, who)
        files, pages = self._build(request, board, options)
        self._audit(request, board, who, files)
        return ExportResult(tuple(files), pages, time.perf_counter() - started)

    def _build(
        self, request: ExportRequest, board: MeetingBoard, options: BuildOptions
    ) -> tuple[list[Path], int]:
        kind, target, config = request.kind, request.target, self._config
        number = request.hospital_number or ""
        if kind in (ExportKind.MINUTES, ExportKind.PSEUDONYMISED):
            identities = identities_for(request.chosen_identifiers, self._key_path)
            built = build_minutes(board, config, target, options, identities)
            return [built.path], built.pages
        if kind is ExportKind.LETTER:
            built = build_letter(board, number, config, target, options)
            return [built.path], built.pages
        if kind is ExportKind.GP_LETTER:
            built = build_gp_letter(board, number, config, target, options, request.recipient)
            return [built.path], built.pages
        if kind.into_folder:
            letters = self._letters(board, kind, target, options)
            return [b.path for b in letters], sum(b.pages for b in letters)
        identities = identities_for(request.chosen_identifiers, self._key_path)
        write_csv(decision_rows(board, identities), target)
        return [target], 0

    def _letters(
        self, board: MeetingBoard, kind: ExportKind, folder: Path, options: BuildOptions
    ) -> list[BuiltDocument]:
        """One letter per case (per decided case, to GPs).

        If one fails or the user cancels, none is left behind.
        """
        to_gp = kind is ExportKind.GP_LETTERS
        cases = [d for d in board.cases if d.case.decision is not None] if to_gp else board.cases
        if not cases:
            raise ValidationError(
                f"MDT of {board.meeting.meeting_date:%d %b %Y}: no case has a decision, so "
                "there is no letter to the GP to write."
            )
        written: list[BuiltDocument] = []
        total = len(cases)
        created = not folder.exists()
        try:
            for number, detail in enumerate(cases):
                patient = detail.case.patient
                name = (
                    f"{detail.case.position:02d}-{patient.hospital_number}-"
                    f"{board.meeting.meeting_date:%Y-%m-%d}-{'gp-letter' if to_gp else 'outcome'}"
                    ".pdf"
                )
                step = _scaled(options.progress, number, total, patient.hospital_number)
                build = build_gp_letter if to_gp else build_letter
                written.append(
                    build(
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
        patient_id = None
        if request.kind.one_patient and request.hospital_number:
            index = board.index_of(request.hospital_number)
            patient_id = board.cases[index].case.patient.id if index is not None else None
        after: dict[str, object] = {
            "kind": request.kind.value,
            "identifiers": request.chosen_identifiers.value,
            "files": [f.name for f in files],
            "status": board.meeting.status.value,
        }
        if request.kind.to_gp:
            after["to"] = " · ".join(Recipient.parse(request.recipient).lines)
        audit = ExportAudit("meeting", board.meeting.id, after, board.meeting.id, patient_id)
        record_export(self._db, actor, audit, self._clock)


def _validate(request: ExportRequest) -> None:
    kind, target = request.kind, request.target
    _validate_identifiers(request)
    if request.recipient.strip():
        if kind is not ExportKind.GP_LETTER:
            raise ValidationError(
                "to: only a letter to one patient's GP has a recipient (letters into a folder "
                "go to different GPs and each begins 'Dear Colleague')"
            )
        Recipient.parse(request.recipient)
    if kind.into_folder:
        if target.exists() and not target.is_dir():
            raise ValidationError(f"{target}: letters go into a folder, and this is a file")
        return
    if target.suffix.lower() != kind.suffix:
        raise ValidationError(
            f"{target.name}: {kind.label} must be written to a {kind.suffix} file"
        )
    if target.is_dir():
        raise ValidationError(f"{target}: is a folder; give a file name")
    if kind.one_patient and not (request.hospital_number or "").strip():
        raise ValidationError("patient: a letter needs the patient's hospital number")


def _validate_identifiers(request: ExportRequest) -> None:
    chosen, allowed = request.chosen_identifiers, request.kind.identifiers
    if chosen not in allowed:
        only = " or ".join(i.short for i in allowed)
        raise ValidationError(
            f"identifiers: {request.kind.label} carries {only}, not {chosen.short}"
        )


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


# --- the audit report, and lists saved as PDF or CSV ---------------------------------------------

EXPORT_SUFFIXES = (".pdf", ".csv")


@dataclass(frozen=True, slots=True)
class ExportAudit:
    """The audit row of one export: what was exported, and the details recorded after it."""

    entity: str
    entity_id: int | None
    after: dict[str, Any]
    meeting_id: int | None = None
    patient_id: int | None = None


def export_audit_report(
    db: Database,
    config: ClinicalConfig,
    audit: OutcomeAudit,
    target: Path,
    actor: Actor | None,
    options: BuildOptions | None = None,
) -> int:
    """Write the outcome audit report to *target* (a .pdf file); return its pages.

    *actor* None means the command line (no role check). The report lists patients, so it is
    an export like any other: checked, then audited.
    """
    if target.suffix.lower() != ".pdf":
        raise ValidationError(f"{target.name}: the audit report must be written to a .pdf file")
    if target.is_dir():
        raise ValidationError(f"{target}: is a folder; give a file name")
    who = exporter(db, actor)
    pages = build_audit_report(audit, target, config, _authored(options or BuildOptions(), who))
    after = {
        "kind": "audit_report",
        "as_of": audit.as_of,
        "files": [target.name],
        "pages": pages,
    }
    record_export(db, who, ExportAudit("outcome_audit", None, after))
    return pages


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
        pages = pdf(_authored(options or BuildOptions(), who))
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


def record_export(
    db: Database, actor: Actor, audit: ExportAudit, clock: Clock = system_clock
) -> None:
    """Append the export's audit row (not from a read-only database: the file still stands)."""
    if db.read_only:
        return  # another program holds the writer lock: the file itself still stands
    with db.write() as session:
        trail = Trail(session, actor, clock(), audit.patient_id, audit.meeting_id)
        trail.exported(audit.entity, audit.entity_id, audit.after)


def _authored(options: BuildOptions, who: Actor) -> BuildOptions:
    """A PDF exported by a roster member names them as its author, unless told otherwise."""
    if who is not SYSTEM and options.author == BuildOptions().author:
        return replace(options, author=f"{who.name} with MDT Desktop")
    return options
