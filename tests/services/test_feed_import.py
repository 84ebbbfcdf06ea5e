"""A hospital's feeds imported through the service and read back (docs/clinical.md,
"Medication episodes", "Time", "One drug identity").

The hand-written fixtures of tests/importers/fixtures/feed_* (an Epic-shaped FHIR searchset of
MedicationStatements and MedicationAdministrations, one of Observations, an HL7 v2.5.1 ORU^R01)
go into an empty database; what is stored, audited and shown by ``patient --json`` is checked
against the values worked out by hand from the fixtures.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mdt_desktop import cli
from mdt_desktop.domain.enums import DoseUnit, Drug
from mdt_desktop.domain.records import Administration
from mdt_desktop.importers.codes import CodeTable, load_code_table
from mdt_desktop.models.db import Database
from mdt_desktop.paths import resource_path
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.imports import ImportRejected, ImportService
from mdt_desktop.services.patients import PatientService
from tests.importers.conftest import FIXTURES, NOW

MEDICATIONS = FIXTURES / "feed_medication_statements.json"
OBSERVATIONS = FIXTURES / "feed_observations.json"
ORU = FIXTURES / "feed_oru_r01.hl7"
JSON = dict[str, Any]


@pytest.fixture(scope="module")
def codes() -> CodeTable:
    return load_code_table(resource_path("lab_codes.toml"))


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql).fetchall()


def test_the_feeds_are_stored_as_sent(db: Database, tmp_path: Path, codes: CodeTable) -> None:
    path = tmp_path / "test.sqlite3"
    report = ImportService(db, codes).run([MEDICATIONS, OBSERVATIONS, ORU], None, now=NOW)
    assert report.ok
    # 1 patient + 1 diagnosis + 7 periods + 3 doses given + 8 results (tests/importers/
    # test_feed_time_zones.py counts them: 7 from FHIR, 1 more from HL7) = 20
    assert report.new_records == 20
    assert report.per_patient["DEMO20001"]["administrations"] == 3
    assert query(
        path,
        "SELECT drug, dose_value, interval_days, start_date, end_date, phase, end_reason, "
        "end_reason_detail FROM medication_periods ORDER BY start_date, drug, dose_value",
    ) == [
        ("azathioprine", 2.5, 1, "2024-01-08", None, "maintenance", None, ""),
        ("infliximab_iv", 5.0, 14, "2024-01-08", "2024-02-06", "induction", None, ""),
        ("infliximab_iv", 5.0, 56, "2024-03-04", "2024-09-02", "maintenance", "regimen_change",
         "Dose interval changed"),
        ("infliximab_iv", 5.0, 42, "2024-09-02", "2025-06-16", "maintenance", "adverse_event",
         "Infusion reaction"),
        ("adalimumab", 160.0, 1, "2025-07-01", "2025-07-02", "induction", None, ""),
        ("adalimumab", 80.0, 1, "2025-07-15", "2025-07-16", "single_dose", None, ""),
        ("adalimumab", 40.0, 14, "2025-07-29", None, "maintenance", None, ""),
    ]  # fmt: skip
    assert query(
        path,
        "SELECT drug, given_on, dose_value, dose_unit, source FROM medication_administrations "
        "ORDER BY given_on",
    ) == [
        ("infliximab_iv", "2025-02-17", 5.0, "mg/kg",
         "feed_medication_statements.json entry 10 (MedicationAdministration/eMA-ifx-1)"),
        ("infliximab_iv", "2025-03-31", 5.0, "mg/kg",
         "feed_medication_statements.json entry 11 (MedicationAdministration/eMA-ifx-2)"),
        ("adalimumab", "2025-07-01", 160.0, "mg",
         "feed_medication_statements.json entry 13 (MedicationAdministration/eMA-ada-1)"),
    ]  # fmt: skip
    # antibodies name the molecule; the lab's flag is kept for the antibody reading
    assert query(
        path,
        "SELECT analyte, value, unit, target_drug, abnormal_flag, collected_at FROM observations "
        "WHERE analyte IN ('anti_drug_antibodies', 'adalimumab_level', 'infliximab_level') "
        "ORDER BY collected_at, analyte",
    ) == [
        ("anti_drug_antibodies", 2.1, "U/mL", "infliximab", "N", "2025-02-17 09:40:00.000000"),
        ("anti_drug_antibodies", 8.0, "U/mL", "infliximab", "POS", "2025-05-12 08:55:00.000000"),
        ("infliximab_level", 1.9, "ug/mL", None, "L", "2025-05-12 08:55:00.000000"),
        ("adalimumab_level", 6.4, "ug/mL", None, None, "2025-10-07 08:15:00.000000"),
        ("anti_drug_antibodies", 45.0, "ng/mL", "adalimumab", "NEG", "2025-10-07 08:15:00.000000"),
    ]  # fmt: skip
    # the doses given have one audit row for the patient, listing the three ids
    (audit,) = query(
        path,
        "SELECT after FROM audit_events WHERE entity = 'medication_administration'",
    )
    after = json.loads(audit[0])
    assert after["doses"] == {"adalimumab": 1, "infliximab_iv": 2}
    assert len(after["ids"]) == 3
    with db.read() as session:
        assert verify_chain(session).intact
    again = ImportService(db, codes).run([MEDICATIONS, OBSERVATIONS, ORU], None, now=NOW)
    assert (again.written, again.new_records) == (False, 0)


def test_the_record_and_patient_json_show_the_doses_given(
    db: Database, tmp_path: Path, codes: CodeTable, capsys: pytest.CaptureFixture[str]
) -> None:
    ImportService(db, codes).run([MEDICATIONS], None, now=NOW)
    record = PatientService(db).get_record("DEMO20001")
    assert [(a.drug, a.given_on, a.dose_value, a.dose_unit) for a in record.administrations] == [
        (Drug.INFLIXIMAB_IV, date(2025, 2, 17), 5.0, DoseUnit.MG_PER_KG),
        (Drug.INFLIXIMAB_IV, date(2025, 3, 31), 5.0, DoseUnit.MG_PER_KG),
        (Drug.ADALIMUMAB, date(2025, 7, 1), 160.0, DoseUnit.MG),
    ]
    assert all(isinstance(a, Administration) and a.id for a in record.administrations)
    db.close()
    code = cli.main(["--db", str(tmp_path / "test.sqlite3"), "patient", "DEMO20001", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    document = json.loads(out)
    assert document["administrations"] == [
        {"drug": "infliximab_iv", "given_on": "2025-02-17", "dose": 5.0, "dose_unit": "mg/kg"},
        {"drug": "infliximab_iv", "given_on": "2025-03-31", "dose": 5.0, "dose_unit": "mg/kg"},
        {"drug": "adalimumab", "given_on": "2025-07-01", "dose": 160.0, "dose_unit": "mg"},
    ]
    stopped = next(m for m in document["medications"] if m["end_reason"] == "adverse_event")
    assert stopped["end_reason_detail"] == "Infusion reaction"


def feed_with(tmp_path: Path, name: str, change: Any) -> Path:
    document: JSON = json.loads(MEDICATIONS.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def q6w(document: JSON) -> JSON:
    resource: JSON = document["entry"][2]["resource"]
    return resource


def test_a_later_export_fills_in_the_stop_reason(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    path = tmp_path / "test.sqlite3"
    service = ImportService(db, codes)
    service.run([feed_with(tmp_path, "first.json", lambda d: q6w(d).pop("statusReason"))], None)
    reason = "SELECT end_reason, end_reason_detail FROM medication_periods WHERE interval_days = 42"
    assert query(path, reason) == [(None, "")]
    report = service.run([MEDICATIONS], None, now=NOW)
    assert report.per_patient == {"DEMO20001": {"medication periods updated": 1}}
    assert query(path, reason) == [("adverse_event", "Infusion reaction")]
    (before, after) = query(
        path,
        "SELECT before, after FROM audit_events WHERE entity = 'medication_period' "
        "AND action = 'update'",
    )[0]
    assert json.loads(before) == {"end_reason": None, "end_reason_detail": ""}
    assert json.loads(after) == {
        "end_reason": "adverse_event",
        "end_reason_detail": "Infusion reaction",
    }


def test_a_later_export_ends_a_period_with_its_reason(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    def still_going(document: JSON) -> None:
        statement = q6w(document)
        statement["status"] = "active"
        statement["effectivePeriod"] = {"start": "2024-09-02"}

    service = ImportService(db, codes)
    service.run([feed_with(tmp_path, "first.json", still_going)], None, now=NOW)
    report = service.run([MEDICATIONS], None, now=NOW)
    assert report.per_patient == {"DEMO20001": {"medication periods ended": 1}}
    assert query(
        tmp_path / "test.sqlite3",
        "SELECT end_date, end_reason, end_reason_detail FROM medication_periods "
        "WHERE interval_days = 42",
    ) == [("2025-06-16", "adverse_event", "Infusion reaction")]


def test_a_different_stop_reason_is_a_conflict(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    service = ImportService(db, codes)
    service.run([MEDICATIONS], None, now=NOW)
    changed = feed_with(
        tmp_path,
        "second.json",
        lambda d: q6w(d).__setitem__("statusReason", [{"text": "Loss of response"}]),
    )
    with pytest.raises(ImportRejected) as caught:
        service.run([changed], None, now=NOW)
    assert [(p.where.place, p.field, p.reason) for p in caught.value.report.problems] == [
        (
            "entry 3 (MedicationStatement/eMS-ifx-q6w)",
            "statusReason",
            "infliximab_iv from 02 Sep 2024 is stored as stopped for adverse_event; "
            "this file says lack_of_effect",
        )
    ]


def test_a_period_the_old_importer_stored_as_maintenance_gets_its_phase(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    path = tmp_path / "test.sqlite3"
    service = ImportService(db, codes)
    service.run([MEDICATIONS], None, now=NOW)
    with sqlite3.connect(path) as connection:  # as every import before issue 12 stored it
        connection.execute("UPDATE medication_periods SET phase = 'maintenance'")
    report = service.run([MEDICATIONS], None, now=NOW)
    # the infliximab induction course and the two adalimumab loading doses
    assert report.per_patient == {"DEMO20001": {"medication periods updated": 3}}
    assert query(path, "SELECT phase, count(*) FROM medication_periods GROUP BY phase") == [
        ("induction", 2),
        ("maintenance", 4),
        ("single_dose", 1),
    ]


def test_a_different_dose_given_on_the_same_day_is_a_conflict(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    service = ImportService(db, codes)
    service.run([MEDICATIONS], None, now=NOW)

    def ten(document: JSON) -> None:
        document["entry"][9]["resource"]["dosage"]["dose"]["value"] = 10

    with pytest.raises(ImportRejected) as caught:
        service.run([feed_with(tmp_path, "second.json", ten)], None, now=NOW)
    assert [(p.where.place, p.field, p.reason) for p in caught.value.report.problems] == [
        (
            "entry 10 (MedicationAdministration/eMA-ifx-1)",
            "dosage.dose",
            "infliximab_iv given on 17 Feb 2025 is stored as 5 mg/kg; this file says 10 mg/kg",
        )
    ]
