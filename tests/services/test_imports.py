"""Imports through the service: all or nothing, idempotent, audited, the right patient."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.importers.codes import load_code_table
from mdt_desktop.paths import resource_path
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.imports import ImportRejected, ImportService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.roster import RosterService
from tests.importers.conftest import NOW

HEADER = "hospital_number,collected_at,test,value,unit"
GOOD = [
    "DEMO10001,2026-11-20T08:40:00,38445-3,55,ug/g",
    "DEMO10001,2026-11-20T08:40:00,1988-5,0.4,mg/dL",
    "DEMO10002,2026-11-21,haemoglobin,128,g/L",
]
TABLES = ("patients", "observations", "medication_periods", "clinical_events", "audit_events")


@pytest.fixture(scope="module")
def codes():
    return load_code_table(resource_path("lab_codes.toml"))


@pytest.fixture
def service(demo_db, codes):
    return ImportService(demo_db, codes)


def write(tmp_path, name, *rows, header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def counts(path):
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_a_csv_import_writes_canonical_values_with_originals_and_audit(
    service, demo_db, demo_path, tmp_path
):
    before = counts(demo_path)
    report = service.run([write(tmp_path, "labs.csv", *GOOD)], None, now=NOW)
    assert report.written
    assert report.new_records == 3
    after = counts(demo_path)
    assert after["observations"] == before["observations"] + 3
    # one row per patient listing the results it created, one for the import
    assert after["audit_events"] == before["audit_events"] + 2 + 1
    record = PatientService(demo_db).get_record("DEMO10001")
    crp = next(o for o in record.observations if o.source == "labs.csv line 3")
    assert (crp.value, crp.unit, crp.original_value, crp.original_unit) == (
        4.0,
        "mg/L",
        "0.4",
        "mg/dL",
    )
    with demo_db.read() as session:
        assert verify_chain(session).intact


def test_a_second_import_of_the_same_content_adds_nothing(service, demo_path, tmp_path):
    path = write(tmp_path, "labs.csv", *GOOD)
    service.run([path], None, now=NOW)
    before = counts(demo_path)
    again = service.run([path], None, now=NOW)
    assert not again.written
    assert again.new_records == 0
    assert again.already_stored == 3
    assert counts(demo_path) == before, "not even an audit row"


def test_one_bad_row_refuses_the_whole_import(service, demo_path, tmp_path):
    good = write(tmp_path, "good.csv", *GOOD)
    bad = write(tmp_path, "bad.csv", "DEMO10001,2026-11-20,haemoglobin,135,g/dL")
    before = counts(demo_path)
    with pytest.raises(ImportRejected) as caught:
        service.run([good, bad], None, now=NOW)
    assert counts(demo_path) == before
    (problem,) = caught.value.report.problems
    assert (problem.where.file, problem.where.place, problem.field) == (
        "bad.csv",
        "line 2",
        "value",
    )
    assert "bad.csv, line 2: value: Haemoglobin 135 g/dL" in str(caught.value)


def test_results_for_unknown_hospital_numbers_are_refused_with_the_list(service, tmp_path):
    path = write(
        tmp_path,
        "labs.csv",
        "DEMO99998,2026-11-20,crp,5,mg/L",
        "DEMO99999,2026-11-20,crp,5,mg/L",
        "DEMO99999,2026-11-21,crp,6,mg/L",
    )
    with pytest.raises(ImportRejected) as caught:
        service.run([path], None, now=NOW)
    (problem,) = caught.value.report.problems
    assert "2 hospital number(s) not in the database" in problem.reason
    assert "DEMO99998 (line 2); DEMO99999 (line 3, line 4)" in problem.reason


def test_a_different_value_for_a_stored_result_is_a_conflict(service, demo_path, tmp_path):
    service.run([write(tmp_path, "first.csv", GOOD[0])], None, now=NOW)
    before = counts(demo_path)
    changed = GOOD[0].replace(",55,", ",60,")
    with pytest.raises(ImportRejected, match=r"is stored as 55 \(from first\.csv line 2\)"):
        service.run([write(tmp_path, "second.csv", changed)], None, now=NOW)
    assert counts(demo_path) == before


def test_the_dry_run_writes_nothing_and_reports_counts_per_patient(service, demo_path, tmp_path):
    before = counts(demo_path)
    report = service.preview([write(tmp_path, "labs.csv", *GOOD)], now=NOW)
    assert counts(demo_path) == before
    assert report.per_patient == {
        "DEMO10001": {"crp": 1, "faecal_calprotectin": 1},
        "DEMO10002": {"haemoglobin": 1},
    }
    assert report.as_json()["ok"] is True


def test_the_importing_user_is_the_audit_actor(service, demo_db, tmp_path):
    coordinator = next(c for c in RosterService(demo_db).clinicians() if c.role is Role.COORDINATOR)
    service.run([write(tmp_path, "labs.csv", *GOOD)], Actor(coordinator.id, coordinator.name))
    with demo_db.read() as session:
        from sqlalchemy import select

        from mdt_desktop.models import AuditEventRow

        last = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc())).first()
    assert (last.action, last.actor) == ("import", coordinator.name)
    assert last.after["files"][0]["name"] == "labs.csv"
    assert len(last.after["files"][0]["sha256"]) == 64


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_import_or_are_refused_and_then_nothing_is_written(
    service, demo_path, tmp_path, data
):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(HEADER.encode() + b"\n" + data)
    before = counts(demo_path)
    report = service.preview([path], now=NOW)
    if report.ok:
        service.run([path], None, now=NOW)  # whatever parses cleanly imports
        return
    with pytest.raises(ImportRejected):
        service.run([path], None, now=NOW)
    assert counts(demo_path) == before
