"""The issue's "done when": FHIR patients, then their HL7 and CSV labs, into a new database file
through the command line; every value canonical with its original kept; a second import adds
nothing."""

from __future__ import annotations

import json
import sqlite3

from mdt_desktop import cli
from tests.importers.conftest import FIXTURES

CANONICAL = {
    "faecal_calprotectin": "ug/g",
    "crp": "mg/L",
    "wbc": "10^9/L",
    "haemoglobin": "g/dL",
    "albumin": "g/L",
    "infliximab_level": "ug/mL",
    "adalimumab_level": "ug/mL",
    "anti_drug_antibodies": "ug/mL{eq}",
    "hbi": "score",
    "partial_mayo": "score",
    "ius_bowel_wall_mm": "mm",
}
TABLES = ("patients", "observations", "medication_periods", "clinical_events", "audit_events")


def files(tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_bytes(
        b"\xef\xbb\xbfhospital_number,collected_at,test,value,unit\r\n"
        b"DEMO1001,2025-03-02T08:40:00,38445-3,55,ug/g\r\n"
        b'DEMO1001,2025-03-02T08:40:00,"C-reactive protein",<5,mg/L\r\n'
        b"DEMO1002,2025-03-03T09:10:00,adalimumab level,7600,ng/mL\r\n"
    )
    return [
        FIXTURES / "fhir_collection_two_patients.json",
        FIXTURES / "oru_r01.hl7",
        labs,
    ]


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def counts(path):
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_three_formats_into_a_new_database_then_again_adds_nothing(tmp_path, capsys):
    db = tmp_path / "new.sqlite3"
    paths = [str(p) for p in files(tmp_path)]

    code, out, err = run(capsys, "--db", str(db), "import", *paths, "--json")
    assert code == 0, out + err
    assert "created a new database" in err
    report = json.loads(out)
    assert report["ok"]
    assert report["written"]
    assert set(report["patients"]) == {"DEMO1001", "DEMO1002"}
    assert [f["format"] for f in report["files"]] == ["FHIR R4", "HL7 v2", "CSV"]
    stored = counts(db)

    code, out, _err = run(capsys, "--db", str(db), "patient", "DEMO1001", "--json")
    assert code == 0
    patient = json.loads(out)
    assert patient["diagnosis"] == "crohns_disease"
    observations = patient["observations"]
    for observation in observations:
        assert observation["unit"] == CANONICAL[observation["analyte"]], observation
        assert observation["original_unit"]
        assert observation["original_value"] is not None
    by_source = {(o["analyte"], o["collected_at"]): o for o in observations}
    crp = by_source[("crp", "2024-11-04T08:15:00")]  # HL7: 0.4 mg/dL
    assert (crp["value"], crp["original_value"], crp["original_unit"]) == (4.0, 0.4, "mg/dL")
    hb = by_source[("haemoglobin", "2024-11-04T08:15:00")]  # HL7: 132 g/L
    assert (hb["value"], hb["original_value"], hb["original_unit"]) == (13.2, 132.0, "g/L")
    ifx = by_source[("infliximab_level", "2024-11-04T08:15:00")]  # HL7: 8400 ng/mL
    assert (ifx["value"], ifx["original_unit"]) == (8.4, "ng/mL")
    csv_crp = by_source[("crp", "2025-03-02T08:40:00")]  # CSV: <5 mg/L
    assert (csv_crp["value"], csv_crp["comparator"]) == (5.0, "<")

    code, out, _err = run(capsys, "--db", str(db), "import", *paths, "--json")
    assert code == 0
    again = json.loads(out)
    assert again["new_records"] == 0
    assert not again["written"]
    assert again["already_stored"] == report["new_records"]
    assert counts(db) == stored


def test_labs_before_their_patients_are_refused_and_the_new_file_holds_nothing(tmp_path, capsys):
    db = tmp_path / "new.sqlite3"
    code, out, _err = run(capsys, "--db", str(db), "import", str(FIXTURES / "oru_r01.hl7"))
    assert code == 2
    assert "DEMO1001" in out
    assert "not in the database" in out
    assert counts(db)["observations"] == 0


def test_a_dry_run_never_creates_a_database(tmp_path, capsys):
    db = tmp_path / "none.sqlite3"
    code, _out, err = run(
        capsys, "--db", str(db), "import", str(FIXTURES / "oru_r01.hl7"), "--dry-run"
    )
    assert code != 0
    assert "no such database file" in err
    assert not db.exists()
