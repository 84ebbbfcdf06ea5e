"""The ``mdt-desktop`` command: the GUI by default, headless subcommands.

The commands, their options, JSON keys and exit codes are a contract (docs/architecture.md,
"Command line").

Importing this module never imports Qt; the GUI is loaded only when it is started.
Exit codes: 0 done; 2 bad input or usage; 3 refused (locked, signed off, permission);
1 anything else, with a one-line message (a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from mdt_desktop import __version__
from mdt_desktop.domain.errors import MdtError, ValidationError
from mdt_desktop.paths import Target, default_database_path

PROG = "mdt-desktop"
ENV_URL = "MDT_DATABASE_URL"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (global options first, then an optional subcommand)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="MDT Desktop: the IBD anti-TNF de-escalation MDT. Without a command, opens "
        "the application.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, metavar="PATH", help="SQLite database file")
    where.add_argument(
        "--url", metavar="URL", help=f"SQLAlchemy database URL, e.g. PostgreSQL (also ${ENV_URL})"
    )
    parser.add_argument(
        "--demo", action="store_true", help="open the application on a freshly built demo database"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE.png",
        help="render the window (no display needed), save a PNG and exit",
    )
    parser.add_argument("--meeting", metavar="YYYY-MM[-DD]", help="meeting to show first")
    parser.add_argument("--case", metavar="HOSPNO", help="case to show first")
    parser.add_argument("--presentation", action="store_true", help="start in presentation mode")
    parser.add_argument(
        "--room-screen",
        action="store_true",
        help="show initials and hospital numbers only (no names, dates of birth or NHS numbers),"
        " e.g. for screenshots",
    )
    parser.add_argument(
        "--size", metavar="WxH", default=None, help="window size for --screenshot, e.g. 1366x768"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="write a synthetic demo database")
    demo.add_argument("--patients", type=int, default=120, help="number of patients (120)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (1)")
    demo.add_argument("--force", action="store_true", help="replace an existing demo database")
    demo.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the demo's today (default: today); fixes the output for a seed",
    )

    check = commands.add_parser("check", help="integrity check, schema version, row counts")
    check.add_argument("--json", action="store_true", help="print JSON")

    patient = commands.add_parser("patient", help="one patient's record")
    patient.add_argument("hospital_number", metavar="HOSPNO")
    patient.add_argument("--json", action="store_true", help="print JSON")

    meeting = commands.add_parser("meeting", help="one meeting with its cases")
    meeting.add_argument("spec", metavar="YYYY-MM[-DD]")
    meeting.add_argument("--json", action="store_true", help="print JSON")

    importer = commands.add_parser(
        "import", help="import lab results, patients and treatment (FHIR R4, HL7 v2 ORU, CSV)"
    )
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument(
        "--dry-run", action="store_true", help="check and report only; write nothing"
    )
    importer.add_argument("--json", action="store_true", help="print the report as JSON")

    minutes = commands.add_parser(
        "minutes", help="PDF minutes, outcome letters, or the decisions spreadsheet of a meeting"
    )
    minutes.add_argument("--meeting", required=True, metavar="YYYY-MM[-DD]")
    minutes.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="the PDF (or CSV, or folder)"
    )
    kind = minutes.add_mutually_exclusive_group()
    kind.add_argument(
        "--pseudonymise",
        action="store_true",
        help="replace patients' names, numbers and dates of birth by stable pseudonyms",
    )
    kind.add_argument("--patient", metavar="HOSPNO", help="one patient's outcome letter")
    kind.add_argument(
        "--letters", action="store_true", help="an outcome letter per case into the folder --out"
    )
    kind.add_argument("--spreadsheet", action="store_true", help="the decisions and actions as CSV")
    kind.add_argument(
        "--gp-letter",
        metavar="HOSPNO",
        help="the letter to one patient's GP or referrer about the decision",
    )
    minutes.add_argument(
        "--to",
        metavar="TEXT",
        default="",
        help='with --gp-letter: whom to address, e.g. "Dr A Example, Example Surgery" '
        "(default: Dear Colleague)",
    )
    minutes.add_argument(
        "--identifiers",
        choices=("full", "initials", "pseudonyms"),
        help="patient identifiers of the minutes or spreadsheet (default: full; "
        "--pseudonymise = pseudonyms); letters always carry full identifiers",
    )

    audit = commands.add_parser(
        "audit", help="de-escalation outcome audit: maintained at 12 months, failures, recapture"
    )
    audit.add_argument("--json", action="store_true", help="print JSON")
    audit.add_argument("--out", type=Path, metavar="FILE.pdf", help="also write the PDF report")
    audit.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="follow episodes up to this day (default: today)",
    )
    audit.add_argument(
        "--cost-per-administration",
        type=_amount,
        metavar="AMOUNT",
        help="price of one infusion or injection, to cost the administrations avoided",
    )
    _add_chase_and_summary(commands)
    return parser


def _add_chase_and_summary(commands: Any) -> None:
    """The coordinator's chase list and the administrators' monthly summary."""
    chase = commands.add_parser(
        "chase", help="results to chase before a meeting: never measured or out of date"
    )
    chase.add_argument("--meeting", required=True, metavar="YYYY-MM[-DD]")
    chase.add_argument("--json", action="store_true", help="print JSON")
    chase.add_argument("--csv", type=Path, metavar="FILE.csv", help="also write the list as CSV")
    chase.add_argument(
        "--out", type=Path, metavar="FILE.pdf", help="also write the printable list (PDF)"
    )
    summary = commands.add_parser(
        "summary", help="monthly summary: candidates, decisions, outstanding data, actions"
    )
    summary.add_argument("--month", required=True, metavar="YYYY-MM")
    summary.add_argument("--json", action="store_true", help="print JSON")
    summary.add_argument("--out", type=Path, metavar="FILE.pdf", help="also write the PDF")
    summary.add_argument("--csv", type=Path, metavar="FILE.csv", help="also write a CSV")
    summary.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="count the actions overdue on this day (default: today)",
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from error


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount (a number, 0 or more)")
    return value


def resolve_target(args: argparse.Namespace) -> Target:
    """--db or --url; else $MDT_DATABASE_URL; else mdt.sqlite3 in the user data folder."""
    if args.db is not None:
        return Target(args.db, None)
    if args.url:
        return Target(None, args.url)
    if os.environ.get(ENV_URL):
        return Target(None, os.environ[ENV_URL])
    return Target(default_database_path(), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except MdtError as error:
        _error(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        first = str(error).splitlines()[0] if str(error) else ""
        _error(f"unexpected error: {type(error).__name__}: {first} (run with --debug for details)")
        return 1


def _error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        None: _gui,
        "demo": _demo,
        "check": _check,
        "patient": _patient,
        "meeting": _meeting,
        "minutes": _minutes,
        "import": _import,
        "audit": _audit,
        "chase": _chase,
        "summary": _summary,
    }
    return handlers[args.command](args)


def _config() -> Any:
    from mdt_desktop.configuration import clinical_config

    return clinical_config()


def _open_existing(args: argparse.Namespace) -> Any:
    """Open the target for a reading command: never creates a new file."""
    from mdt_desktop.models.db import open_database

    target = resolve_target(args)
    db = open_database(target.path, url=target.url, create=False)
    if db.notice:
        print(f"{PROG}: note: {db.notice}", file=sys.stderr)
    if db.backup:
        print(
            f"{PROG}: note: upgraded the database; the previous copy is {db.backup}",
            file=sys.stderr,
        )
    return db


def _has_content(path: Path) -> bool:
    return path.expanduser().is_file() and path.expanduser().stat().st_size > 0


def _print_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _demo(args: argparse.Namespace) -> int:
    from mdt_desktop.demo import build_demo
    from mdt_desktop.paths import demo_database_path

    if args.url or (args.db is None and os.environ.get(ENV_URL)):
        raise ValidationError("demo: writes a SQLite file; give --db PATH")
    path = args.db if args.db is not None else demo_database_path()
    result = build_demo(
        path, _config(), patients=args.patients, seed=args.seed, as_of=args.as_of, force=args.force
    )
    c = result.counts
    print(f"Demo database written to {result.path}")
    print(
        f"  {c.patients} DEMO patients, {c.medication_periods} medication periods, "
        f"{c.observations:,} observations, {c.events} events, {c.meetings} meetings, "
        f"{c.audit_rows} audit rows"
    )
    print(
        f"  seed {result.seed}, as of {result.as_of.isoformat()}; "
        f"{result.size_bytes / 1e6:.1f} MB in {result.seconds:.1f} s"
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from mdt_desktop.services.integrity import check_database

    db = _open_existing(args)
    try:
        report = check_database(db)
    finally:
        db.close()
    if args.json:
        _print_json(
            {
                "database": report.location,
                "version": report.app_version,
                "schema": report.schema,
                "schema_head": report.schema_head,
                "integrity": list(report.integrity),
                "foreign_key_problems": list(report.foreign_keys),
                "audit_rows": report.audit_rows,
                "audit_problems": list(report.audit_problems),
                "snapshot_problems": list(report.snapshot_problems),
                "counts": report.counts,
                "ok": report.ok,
            }
        )
    else:
        print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _patient(args: argparse.Namespace) -> int:
    from mdt_desktop.services.json_views import patient_json
    from mdt_desktop.services.patients import PatientService

    db = _open_existing(args)
    try:
        service = PatientService(db)
        record = service.get_record(args.hospital_number)
        reviews = service.reviews(args.hospital_number)
    finally:
        db.close()
    if args.json:
        _print_json(patient_json(record, reviews))
        return 0
    from mdt_desktop.cli_text import patient_text

    print(patient_text(record, reviews))
    return 0


def _meeting(args: argparse.Namespace) -> int:
    from mdt_desktop.services.json_views import meeting_json
    from mdt_desktop.services.meetings import MeetingService

    db = _open_existing(args)
    try:
        service = MeetingService(db, _config())
        board = service.board(service.find_id(args.spec))
    finally:
        db.close()
    meeting = board.meeting
    if args.json:
        _print_json(meeting_json(meeting, board.cases))
        return 0
    from mdt_desktop.cli_text import meeting_text

    print(meeting_text(meeting, board.cases))
    return 0


def _import(args: argparse.Namespace) -> int:
    from mdt_desktop.cli_text import import_text
    from mdt_desktop.configuration import code_table, site_zone
    from mdt_desktop.services.imports import ImportRejected, ImportService

    codes, zone = code_table(), site_zone()
    db = _open_existing(args) if args.dry_run else _open_for_writing(args, create=True)
    try:
        service = ImportService(db, codes, zone=zone)
        try:
            report = service.preview(args.files) if args.dry_run else service.run(args.files, None)
        except ImportRejected as rejected:
            report = rejected.report
    finally:
        db.close()
    if args.json:
        _print_json(report.as_json())
    else:
        print(import_text(report, dry_run=args.dry_run))
    return 0 if report.ok else 2


def _open_for_writing(args: argparse.Namespace, *, create: bool = False) -> Any:
    """Open the target to change it: refused (exit 3) while another program holds the lock.

    With *create*, a missing SQLite file becomes a new, empty database (said on stderr).
    """
    from mdt_desktop.domain.errors import RefusedError
    from mdt_desktop.models.db import open_database

    target = resolve_target(args)
    missing = target.path is not None and not _has_content(Path(target.path))
    if create and missing:
        db = open_database(target.path, url=target.url, create=True)
        print(f"{PROG}: note: created a new database {target.path}", file=sys.stderr)
    else:
        db = _open_existing(args)
    if db.read_only:
        db.close()
        raise RefusedError(db.notice or "The database is open read-only.")
    return db


def _minutes(args: argparse.Namespace) -> int:
    from mdt_desktop.domain.identifiers import Identifiers
    from mdt_desktop.paths import user_data_dir
    from mdt_desktop.services.exports import (
        ExportKind,
        ExportRequest,
        ExportService,
        describe_export,
    )
    from mdt_desktop.services.meetings import MeetingService

    kind = (
        ExportKind.PSEUDONYMISED
        if args.pseudonymise
        else ExportKind.LETTER
        if args.patient
        else ExportKind.LETTERS
        if args.letters
        else ExportKind.SPREADSHEET
        if args.spreadsheet
        else ExportKind.GP_LETTER
        if args.gp_letter
        else ExportKind.MINUTES
    )
    if args.to.strip() and kind is not ExportKind.GP_LETTER:
        raise ValidationError("--to: only a letter to a GP (--gp-letter HOSPNO) has a recipient")
    identifiers = Identifiers(args.identifiers) if args.identifiers else None
    config = _config()
    db = _open_existing(args)
    try:
        meeting = MeetingService(db, config).find(args.meeting)
        service = ExportService(db, config, ExportService.default_key_path(user_data_dir()))
        request = ExportRequest(
            meeting.id, kind, args.out, args.patient or args.gp_letter, identifiers, args.to
        )
        result = service.export(request, actor=None)
    finally:
        db.close()
    state = "final" if meeting.signed_off_at else "DRAFT (not signed off)"
    pages = f", {result.pages} pages" if result.pages else ""
    where = args.out if len(result.files) == 1 else f"{args.out}/ ({len(result.files)} files)"
    print(
        f"{describe_export(kind, request.chosen_identifiers)}, MDT of "
        f"{meeting.meeting_date:%d %b %Y}, {state}{pages}: {where} ({result.seconds:.1f} s)"
    )
    return 0


def _audit(args: argparse.Namespace) -> int:
    from mdt_desktop.cli_text import audit_text
    from mdt_desktop.services.outcomes import OutcomeService

    if args.out is not None and args.out.suffix.lower() != ".pdf":
        raise ValidationError(f"{args.out.name}: the audit report must be written to a .pdf file")
    config = _config()
    db = _open_existing(args)
    written = None
    try:
        audit = OutcomeService(db, config).audit(args.as_of, args.cost_per_administration)
        if args.out is not None:
            from mdt_desktop.services.exports import export_audit_report

            pages = export_audit_report(db, config, audit, args.out, None)
            written = f"Audit report (PDF), {pages} pages: {args.out}"
    finally:
        db.close()
    if args.json:
        _print_json(audit.as_json())
        if written:
            print(f"{PROG}: note: {written}", file=sys.stderr)
    else:
        print(audit_text(audit))
        if written:
            print(f"\n{written}")
    return 0


def _suffix(path: Path | None, suffix: str, what: str) -> None:
    if path is not None and path.suffix.lower() != suffix:
        raise ValidationError(f"{path.name}: {what} must be written to a {suffix} file")


def _chase(args: argparse.Namespace) -> int:
    from mdt_desktop.cli_text import chase_text
    from mdt_desktop.services.chase import ChaseService

    _suffix(args.out, ".pdf", "the printable chase list")
    _suffix(args.csv, ".csv", "the chase list spreadsheet")
    db = _open_existing(args)
    try:
        service = ChaseService(db, _config())
        chase = service.find(args.meeting)
        saved = [service.save(chase, path, None) for path in (args.out, args.csv) if path]
    finally:
        db.close()
    written = [_saved("Chase list", s.path, s.pages) for s in saved]
    _report(chase.as_json() if args.json else chase_text(chase), written, json_output=args.json)
    return 0


def _summary(args: argparse.Namespace) -> int:
    from mdt_desktop.cli_text import summary_text
    from mdt_desktop.services.monthly_summary import MonthlySummaryService

    _suffix(args.out, ".pdf", "the monthly summary")
    _suffix(args.csv, ".csv", "the monthly summary spreadsheet")
    db = _open_existing(args)
    try:
        service = MonthlySummaryService(db, _config())
        summary = service.summary(args.month, args.as_of)
        saved = [service.save(summary, path, None) for path in (args.out, args.csv) if path]
    finally:
        db.close()
    written = [_saved("Monthly summary", s.path, s.pages) for s in saved]
    output = summary.as_json() if args.json else summary_text(summary)
    _report(output, written, json_output=args.json)
    return 0


def _saved(what: str, path: Path, pages: int) -> str:
    if not pages:
        return f"{what} (CSV): {path}"
    return f"{what} (PDF, {pages} page{'s' if pages != 1 else ''}): {path}"


def _report(output: Any, written: list[str], *, json_output: bool) -> None:
    """Print *output* (JSON or text); files written go to stderr after JSON, else below."""
    if json_output:
        _print_json(output)
        for line in written:
            print(f"{PROG}: note: {line}", file=sys.stderr)
        return
    print(output)
    if written:
        print("\n" + "\n".join(written))


def _gui(args: argparse.Namespace) -> int:
    if args.demo and args.url:
        raise ValidationError("--demo builds a SQLite file; it cannot be combined with --url")
    if args.size and args.screenshot is None:
        raise ValidationError("--size only applies with --screenshot")
    # Qt is imported here, and only here: cli.py never imports Qt otherwise
    # (docs/architecture.md, "Layers").
    from mdt_desktop.app import run

    return run(args, resolve_target(args))
