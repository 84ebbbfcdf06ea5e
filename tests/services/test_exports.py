"""Exports through the service: audit rows, permissions, letters all-or-nothing, bad targets."""

from __future__ import annotations

import sqlite3

import pytest
from pypdf import PdfReader

from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.models.db import open_database
from mdt_desktop.reports.minutes import BuildOptions, Cancelled
from mdt_desktop.services.audit import Actor
from mdt_desktop.services.exports import ExportKind, ExportRequest, ExportService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService


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
        words = (w for page in PdfReader(path).pages for w in page.extract_text().split())
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
