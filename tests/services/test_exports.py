"""Exports through the service: audit rows, permissions, letters all-or-nothing, bad targets."""

from __future__ import annotations

import json
import sqlite3

import pytest
from pypdf import PdfReader

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.text import without_isolates
from mdt_desktop.models.db import open_database
from mdt_desktop.reports.minutes import BuildOptions, Cancelled
from mdt_desktop.services.exports import ExportKind, ExportRequest, ExportService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService

pytestmark = pytest.mark.slow  # renders minutes and letters


@pytest.fixture
def service(demo_db, config, tmp_path):
    return ExportService(demo_db, config, tmp_path / "key" / "pseudonym.key")


@pytest.fixture
def meeting_id(demo_db, config):
    return MeetingService(demo_db, config).find_id("2026-10")


def member(db, role):
    clinician = next(c for c in RosterService(db).clinicians() if c.role is role)
    return Actor(clinician.id, clinician.name)


def audit_rows(path):
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT actor, after FROM audit_events WHERE action = 'export' ORDER BY id"
        ).fetchall()


def test_the_coordinator_exports_minutes_and_the_export_is_audited(
    service, meeting_id, demo_db, demo_path, tmp_path
):
    coordinator = member(demo_db, Role.COORDINATOR)
    target = tmp_path / "m.pdf"
    result = service.export(ExportRequest(meeting_id, ExportKind.MINUTES, target), coordinator)
    assert result.files == (target,)
    assert result.pages == len(PdfReader(target).pages)
    assert PdfReader(target).metadata.author == f"{coordinator.name} with MDT Desktop"
    (row,) = audit_rows(demo_path)
    assert row[0] == coordinator.name
    assert '"kind": "minutes"' in row[1]
    assert "m.pdf" in row[1]


def test_a_nurse_may_not_export(service, meeting_id, demo_db, tmp_path):
    with pytest.raises(RefusedError, match="may not export"):
        service.export(
            ExportRequest(meeting_id, ExportKind.MINUTES, tmp_path / "m.pdf"),
            member(demo_db, Role.IBD_NURSE),
        )
    assert not (tmp_path / "m.pdf").exists()


def test_the_pseudonym_key_is_created_once_outside_the_documents(service, meeting_id, tmp_path):
    key = tmp_path / "key" / "pseudonym.key"
    first = tmp_path / "p1.pdf"
    service.export(ExportRequest(meeting_id, ExportKind.PSEUDONYMISED, first), None)
    secret = key.read_bytes()
    second = tmp_path / "p2.pdf"
    service.export(ExportRequest(meeting_id, ExportKind.PSEUDONYMISED, second), None)
    assert key.read_bytes() == secret

    def pseudonyms(path):
        pages = PdfReader(path).pages
        words = (w for page in pages for w in without_isolates(page.extract_text()).split())
        return {w for w in words if w.startswith("PSN-")}

    assert pseudonyms(first)
    assert pseudonyms(first) == pseudonyms(second), "the same key gives the same pseudonyms"


def test_letters_are_one_per_case_and_a_cancel_leaves_none(service, meeting_id, config, tmp_path):
    folder = tmp_path / "letters"
    result = service.export(ExportRequest(meeting_id, ExportKind.LETTERS, folder), None)
    assert len(result.files) == len(list(folder.glob("*.pdf")))
    assert all(f.name.endswith("-outcome.pdf") for f in result.files)

    again = tmp_path / "again"
    seen = []
    options = BuildOptions(
        progress=lambda done, total, what: seen.append(what),
        cancelled=lambda: any(what.startswith("Letter 3") for what in seen),
    )
    with pytest.raises(Cancelled):
        service.export(ExportRequest(meeting_id, ExportKind.LETTERS, again), None, options)
    assert not again.exists(), "the folder the export made is removed again"


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        (ExportKind.MINUTES, "m.txt", "must be written to a .pdf"),
        (ExportKind.SPREADSHEET, "d.pdf", "must be written to a .csv"),
        (ExportKind.LETTER, "l.pdf", "a letter needs the patient"),
    ],
)
def test_bad_targets_are_refused_before_anything_is_written(
    service, meeting_id, tmp_path, kind, name, message
):
    with pytest.raises(ValidationError, match=message):
        service.export(ExportRequest(meeting_id, kind, tmp_path / name), None)
    assert not (tmp_path / name).exists()
    assert not list(tmp_path.glob(".mdt-*"))


def test_exporting_from_a_read_only_database_works_without_an_audit_row(
    demo_path, config, tmp_path
):
    db = open_database(demo_path, read_only=True)
    try:
        service = ExportService(db, config, tmp_path / "key")
        meeting_id = MeetingService(db, config).find_id("2026-10")
        target = tmp_path / "d.csv"
        service.export(ExportRequest(meeting_id, ExportKind.SPREADSHEET, target), None)
    finally:
        db.close()
    assert target.exists()
    assert audit_rows(demo_path) == []


# --- identifiers per export and letters to GPs --------------------------------------------------


def pdf_text(path):
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_chosen_identifiers_are_recorded_in_the_audit_row(
    service, meeting_id, demo_db, config, demo_path, tmp_path
):
    coordinator = member(demo_db, Role.COORDINATOR)
    target = tmp_path / "initials.pdf"
    request = ExportRequest(
        meeting_id, ExportKind.MINUTES, target, identifiers=Identifiers.INITIALS
    )
    service.export(request, coordinator)
    text = pdf_text(target)
    board = MeetingService(demo_db, config).board(meeting_id)
    for detail in board.cases:
        patient = detail.case.patient
        assert patient.hospital_number in text
        assert patient.display_name not in text
        assert f"{patient.date_of_birth:%d %b %Y}" not in text
    assert "Minutes (initials and hospital numbers)" in text
    service.export(ExportRequest(meeting_id, ExportKind.MINUTES, tmp_path / "full.pdf"), None)
    first, second = (json.loads(after) for _actor, after in audit_rows(demo_path))
    assert first["identifiers"] == "initials"
    assert second["identifiers"] == "full"  # the command line's contract: full by default


@pytest.mark.parametrize(
    ("kind", "identifiers", "target"),
    [
        (ExportKind.LETTER, Identifiers.INITIALS, "l.pdf"),
        (ExportKind.GP_LETTER, Identifiers.PSEUDONYMS, "g.pdf"),
        (ExportKind.LETTERS, Identifiers.INITIALS, "letters"),
        (ExportKind.PSEUDONYMISED, Identifiers.FULL, "p.pdf"),
    ],
)
def test_identifiers_a_kind_cannot_carry_are_refused(
    service, meeting_id, tmp_path, kind, identifiers, target
):
    request = ExportRequest(meeting_id, kind, tmp_path / target, "DEMO10079", identifiers)
    with pytest.raises(ValidationError, match=r"^identifiers: "):
        service.export(request, None)
    assert not (tmp_path / target).exists()


def test_a_gp_letter_is_audited_with_its_recipient_and_patient(
    service, meeting_id, demo_db, demo_path, tmp_path
):
    chair = member(demo_db, Role.IBD_CONSULTANT)
    target = tmp_path / "gp.pdf"
    request = ExportRequest(
        meeting_id,
        ExportKind.GP_LETTER,
        target,
        "DEMO10079",
        Identifiers.FULL,
        "Dr A Example, Example Surgery",
    )
    result = service.export(request, chair)
    assert result.files == (target,)
    assert "Dear Dr A Example," in pdf_text(target)
    with sqlite3.connect(demo_path) as connection:
        ((after, patient_id, number),) = connection.execute(
            "SELECT a.after, a.patient_id, p.hospital_number FROM audit_events a "
            "JOIN patients p ON p.id = a.patient_id WHERE a.action = 'export'"
        ).fetchall()
    assert number == "DEMO10079"
    assert json.loads(after)["kind"] == "gp_letter"
    assert json.loads(after)["to"] == "Dr A Example · Example Surgery"
    assert patient_id is not None


def test_gp_letters_go_to_every_decided_case_and_a_cancel_leaves_none(
    service, meeting_id, tmp_path
):
    folder = tmp_path / "gp"
    result = service.export(ExportRequest(meeting_id, ExportKind.GP_LETTERS, folder), None)
    assert len(result.files) == 6
    assert all(f.name.endswith("-gp-letter.pdf") for f in result.files)
    again = tmp_path / "again"
    seen = []
    options = BuildOptions(
        progress=lambda done, total, what: seen.append(what),
        cancelled=lambda: any(what.startswith("Letter 2") for what in seen),
    )
    with pytest.raises(Cancelled):
        service.export(ExportRequest(meeting_id, ExportKind.GP_LETTERS, again), None, options)
    assert not again.exists()


def test_no_gp_letter_without_a_decision(service, demo_db, config, tmp_path):
    planned = MeetingService(demo_db, config).find_id("2026-11")
    number = MeetingService(demo_db, config).board(planned).cases[0].case.patient.hospital_number
    with pytest.raises(ValidationError, match="no decision was recorded"):
        service.export(
            ExportRequest(planned, ExportKind.GP_LETTER, tmp_path / "g.pdf", number), None
        )
    with pytest.raises(ValidationError, match="no case has a decision"):
        service.export(ExportRequest(planned, ExportKind.GP_LETTERS, tmp_path / "gp"), None)
    assert not (tmp_path / "g.pdf").exists()
    assert not (tmp_path / "gp").exists()
    assert not list(tmp_path.glob(".mdt-*"))


def test_only_a_single_gp_letter_has_a_recipient(service, meeting_id, tmp_path):
    for kind, target in ((ExportKind.MINUTES, "m.pdf"), (ExportKind.GP_LETTERS, "gp")):
        request = ExportRequest(meeting_id, kind, tmp_path / target, recipient="Dr A Example")
        with pytest.raises(ValidationError, match=r"^to: "):
            service.export(request, None)


def test_the_outcome_audit_report_is_an_audited_export(demo_db, demo_path, config, tmp_path):
    from mdt_desktop.services.exports import export_audit_report
    from mdt_desktop.services.outcomes import OutcomeService
    from tests.conftest import AS_OF

    outcomes = OutcomeService(demo_db, config)
    audit = outcomes.audit(AS_OF)
    consultant = member(demo_db, Role.IBD_CONSULTANT)
    with pytest.raises(ValidationError, match=r"\.pdf file"):
        export_audit_report(demo_db, config, audit, tmp_path / "a.csv", consultant)
    with pytest.raises(RefusedError, match="may not export"):
        outcomes.export_report(audit, tmp_path / "a.pdf", member(demo_db, Role.IBD_NURSE))
    assert not (tmp_path / "a.pdf").exists()
    pages = outcomes.export_report(audit, tmp_path / "a.pdf", consultant)
    assert pages > 1
    assert PdfReader(tmp_path / "a.pdf").metadata.author == f"{consultant.name} with MDT Desktop"
    actor, after = audit_rows(demo_path)[-1]
    assert actor == consultant.name
    assert json.loads(after) == {
        "kind": "audit_report",
        "as_of": AS_OF.isoformat(),
        "files": ["a.pdf"],
        "pages": pages,
    }
