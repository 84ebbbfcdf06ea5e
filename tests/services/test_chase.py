"""The chase list on the demo database: what it finds, the notice before a meeting, saving it."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, insert, select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.domain.freshness import Freshness, outstanding
from mdt_desktop.models import MedicationPeriodRow, ObservationRow, PatientRow
from mdt_desktop.reports.minutes import BuildOptions
from mdt_desktop.services.chase import ChaseService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.roster import RosterService
from tests.conftest import AS_OF
from tests.factories import NOW, insert_patient

NEXT_MEETING = date(2026, 11, 25)  # the demo's planned meeting, the day after AS_OF


@pytest.fixture
def service(demo_db, config):
    return ChaseService(demo_db, config)


def member(db, role):
    clinician = next(c for c in RosterService(db).clinicians() if c.role is role)
    return Actor(clinician.id, clinician.name)


def expected_rows(db, config, spec):
    """The chase list worked out one patient at a time from full records (the oracle)."""
    meeting = MeetingService(db, config).find(spec)
    rows = []
    for case in meeting.cases:
        record = PatientService(db).get_record(case.patient.hospital_number)
        for item in outstanding(record, meeting.meeting_date, config.freshness):
            rows.append((case.position, case.patient.hospital_number, item))
    return rows


def drop_results(db, hospital_number, analyte, since):
    """Delete one patient's results of *analyte* collected on or after *since*."""
    with db.write() as session:
        patient_id = session.scalar(
            select(PatientRow.id).where(PatientRow.hospital_number == hospital_number)
        )
        session.execute(
            delete(ObservationRow).where(
                ObservationRow.patient_id == patient_id,
                ObservationRow.analyte == analyte,
                ObservationRow.collected_at >= since,
            )
        )


def list_new_patient(db, config, number="NEW0001"):
    """A new patient on infliximab with no results at all, listed for the planned meeting."""
    with db.write() as session:
        patient_id = insert_patient(session, hospital_number=number, family_name="Newman")
        session.execute(
            insert(MedicationPeriodRow),
            [
                {
                    "patient_id": patient_id,
                    "drug": "infliximab_iv",
                    "dose_value": 10.0,
                    "dose_unit": "mg/kg",
                    "interval_days": 56,
                    "start_date": date(2025, 1, 1),
                    "created_at": NOW,
                }
            ],
        )
    meeting_id = MeetingService(db, config).find_id("2026-11")
    MeetingAdminService(db, config).add_candidate(meeting_id, number, member(db, Role.COORDINATOR))


@pytest.mark.parametrize("spec", ["2026-08", "2026-09", "2026-10", "2026-11"])
def test_the_bulk_read_finds_what_each_full_record_says(service, demo_db, config, spec):
    chase = service.find(spec)
    assert [(r.position, r.hospital_number, r.item) for r in chase.rows] == expected_rows(
        demo_db, config, spec
    )
    assert chase.candidates == len(MeetingService(demo_db, config).find(spec).cases)


def test_results_dropped_before_the_meeting_show_up_as_out_of_date(service, demo_db, config):
    before = service.find("2026-11")
    first = MeetingService(demo_db, config).find("2026-11").cases[0].patient.hospital_number
    drop_results(demo_db, first, "crp", datetime(2026, 7, 1))
    chase = service.find("2026-11")
    (crp,) = [r for r in chase.rows if r.hospital_number == first and r.item.key == "crp"]
    assert crp.position == 1
    assert crp.item.status is Freshness.STALE
    assert crp.item.latest < date(2026, 7, 1)
    assert crp.item.needed_by == crp.item.latest + timedelta(days=91)
    assert crp.item.days_overdue == (NEXT_MEETING - crp.item.needed_by).days
    assert len(chase.rows) > len(before.rows)
    assert [(r.position, r.hospital_number, r.item) for r in chase.rows] == expected_rows(
        demo_db, config, "2026-11"
    )


def test_a_patient_without_results_needs_everything_first(service, demo_db, config):
    list_new_patient(demo_db, config)
    chase = service.find("2026-11")
    mine = [r for r in chase.rows if r.hospital_number == "NEW0001"]
    assert [r.item.key for r in mine] == [s.key for s in config.freshness]
    assert all(r.item.status is Freshness.MISSING for r in mine)
    assert mine[0].patient == "NEWMAN, Pat"
    assert chase.missing == sum(1 for r in chase.rows if r.missing) >= len(mine)
    document = chase.as_json()
    assert document["items"] == len(chase.rows)
    assert document["patients"] == chase.patients
    row = next(r for r in document["rows"] if r["hospital_number"] == "NEW0001")
    assert row["latest"] is None
    assert row["status"] == "missing"
    assert row["days_overdue"] is None


def test_the_notice_comes_within_the_lead_time_of_a_planned_meeting(service, demo_db, config):
    list_new_patient(demo_db, config)
    notice = service.notice(AS_OF)
    chase = service.find("2026-11")
    assert notice is not None
    assert (notice.meeting_date, notice.items, notice.patients, notice.days_to_go) == (
        NEXT_MEETING,
        len(chase.rows),
        chase.patients,
        1,
    )
    assert notice.text == f"Chase list: {len(chase.rows)} items for the meeting on Wed 25 Nov 2026"
    week_before = NEXT_MEETING - timedelta(days=service.lead_days)
    assert service.notice(week_before) is not None
    assert service.notice(week_before - timedelta(days=1)) is None  # too early
    assert service.notice(NEXT_MEETING + timedelta(days=1)) is None  # none planned later


def test_signed_off_meetings_give_no_notice(service):
    assert service.notice(date(2026, 10, 27)) is None  # 28 Oct is signed off


def test_unknown_and_malformed_meetings(service):
    with pytest.raises(NotFoundError, match="No meeting in 2027-01"):
        service.find("2027-01")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        service.find("2026-13")


def test_the_coordinator_saves_the_pdf_and_csv_and_both_are_audited(
    service, demo_db, demo_path, config, tmp_path
):
    list_new_patient(demo_db, config)
    chase = service.find("2026-11")
    coordinator = member(demo_db, Role.COORDINATOR)
    pdf = service.save(chase, tmp_path / "chase.pdf", coordinator)
    reader = PdfReader(pdf.path)
    assert pdf.pages == len(reader.pages)
    assert reader.metadata.author == f"{coordinator.name} with MDT Desktop"
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Chase list for the MDT of 25 November 2026" in text
    assert "NEWMAN, Pat" in text
    assert "NEW0001" in text
    assert "Never measured" in text
    assert "Confidential" in text
    assert "Trough level (infliximab)" in text
    assert "What counts" in text
    # a printed list cites its published sources, never the program's own design documents
    assert "docs/" not in text
    assert "issue 8" not in text.lower()
    assert "laboratories usually report the two as a panel" in text
    csv_file = service.save(chase, tmp_path / "chase.csv", coordinator)
    with csv_file.path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(chase.rows)
    assert {r["hospital_number"] for r in rows} == {r.hospital_number for r in chase.rows}
    new = [r for r in rows if r["hospital_number"] == "NEW0001"]
    assert {r["status"] for r in new} == {"missing"}
    with sqlite3.connect(demo_path) as connection:
        audited = connection.execute(
            "SELECT actor, after FROM audit_events WHERE action = 'export' ORDER BY id"
        ).fetchall()
    assert [a for a, _ in audited] == [coordinator.name, coordinator.name]
    assert all('"kind": "chase_list"' in after for _, after in audited)
    assert "chase.pdf" in audited[0][1]
    assert "chase.csv" in audited[1][1]


def test_a_nurse_may_not_save_it_and_nothing_is_written(service, demo_db, tmp_path):
    chase = service.find("2026-11")
    with pytest.raises(RefusedError, match="may not export"):
        service.save(chase, tmp_path / "chase.pdf", member(demo_db, Role.IBD_NURSE))
    assert not (tmp_path / "chase.pdf").exists()


@pytest.mark.parametrize("name", ["chase.txt", "chase"])
def test_only_pdf_or_csv(service, tmp_path, name):
    with pytest.raises(ValidationError, match=r"\.pdf or \.csv"):
        service.save(service.find("2026-11"), tmp_path / name, None)


def test_the_pdf_is_reproducible(service, tmp_path):
    chase = service.find("2026-11")
    options = BuildOptions(generated=datetime(2026, 11, 18, 9, 0), invariant=True)
    first = service.save(chase, tmp_path / "a.pdf", None, options).path.read_bytes()
    second = service.save(chase, tmp_path / "b.pdf", None, options).path.read_bytes()
    assert first == second
