"""No silent misattribution or conflict (docs/clinical.md, "Lab codes" and "Time").

Each of these was once accepted without a word: a second patient (PID) in one HL7 message, a
JSON key given twice, a unit and UCUM code that disagree, a result dated before the patient was
born. Each is now a problem naming the file, the place, the field and the reason, and nothing
is written.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.fhir_reader import parse_fhir, read_fhir
from mdt_desktop.importers.hl7_reader import parse_hl7, read_hl7
from mdt_desktop.importers.model import ParsedFile
from mdt_desktop.models.db import Database
from mdt_desktop.services.imports import ImportRejected, ImportService
from tests.importers.conftest import FIXTURES, NOW

MEDICATIONS = FIXTURES / "feed_medication_statements.json"
OBSERVATIONS = FIXTURES / "feed_observations.json"
TWO_PIDS = FIXTURES / "feed_oru_two_pids.hl7"
TABLES = ("observations", "medication_periods", "medication_administrations", "audit_events")
UCUM = "http://unitsofmeasure.org"


def where(parsed: ParsedFile) -> list[tuple[str, str, str]]:
    return [(p.where.file, p.where.place, p.field) for p in parsed.problems]


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


# --- HL7: one patient per message ----------------------------------------------------------------


def test_a_second_pid_in_one_message_is_a_problem_naming_both(codes: CodeTable) -> None:
    parsed = read_hl7(TWO_PIDS, codes, now=NOW)
    assert where(parsed) == [
        ("feed_oru_two_pids.hl7", "message 1 (DEMO000902), PID (segment 5)", "PID")
    ]
    reason = parsed.problems[0].reason
    assert "a second PID in this message (the first is segment 2)" in reason
    # the results after the second PID are given to nobody, not to the second patient
    assert [r.hospital_number for r in parsed.results] == ["DEMO20001"]


def test_a_message_with_two_pids_imports_nothing(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    service = ImportService(db, codes)
    service.run([MEDICATIONS], None, now=NOW)
    before = counts(tmp_path / "test.sqlite3")
    with pytest.raises(ImportRejected):
        service.run([TWO_PIDS], None, now=NOW)
    assert counts(tmp_path / "test.sqlite3") == before


def test_pids_in_separate_messages_are_fine(codes: CodeTable) -> None:
    segments = TWO_PIDS.read_bytes().decode("utf-8").split("\r")
    # a new MSH before the second PID: two messages, one patient each
    split = "\r".join(
        [*segments[:4], segments[0].replace("DEMO000902", "DEMO000903"), *segments[4:]]
    )
    parsed = parse_hl7(split, "split.hl7", codes, now=NOW)
    assert parsed.problems == []
    assert [r.hospital_number for r in parsed.results] == ["DEMO20001", "DEMO10001"]


# --- FHIR: a JSON key given twice ----------------------------------------------------------------


def test_a_duplicated_key_inside_a_resource_names_the_entry_and_path(codes: CodeTable) -> None:
    text = OBSERVATIONS.read_text(encoding="utf-8")
    # the antibody result of entry 7: its value sent twice, 45 then 4.5
    doubled = text.replace('"value": 45,', '"value": 45,\n          "value": 4.5,', 1)
    assert doubled != text
    parsed = parse_fhir(doubled, "obs.json", codes, now=NOW)
    assert where(parsed) == [
        ("obs.json", "entry 7 (Observation/eObs-ada-antibody)", "valueQuantity.value")
    ]
    assert parsed.problems[0].reason == (
        "the key 'value' appears twice (45, then 4.5): which value is meant cannot be told; "
        "send it once"
    )


@pytest.mark.parametrize(
    ("old", "new", "place", "field"),
    [
        # the Bundle's own key
        ('"type": "searchset",', '"type": "searchset",\n  "type": "collection",', "Bundle", "type"),
        # a key of an entry, beside its resource
        (
            '"fullUrl": "https://ehr.example.org/api/FHIR/R4/Observation/eObs-wbc",',
            '"fullUrl": "https://ehr.example.org/api/FHIR/R4/Observation/eObs-wbc",\n'
            '"fullUrl": "https://ehr.example.org/api/FHIR/R4/Observation/eObs-wbc-2",',
            "entry 3 (Observation/eObs-wbc)",
            "fullUrl",
        ),
        # the patient reference of a resource (whose result would go to another patient)
        (
            '"id": "eObs-fcp",',
            '"id": "eObs-fcp",\n"subject": {"reference": "Patient/other"},',
            "entry 8 (Observation/eObs-fcp)",
            "subject",
        ),
        # deep inside: the code of a coding
        (
            '"code": "6690-2",',
            '"code": "6690-2",\n"code": "718-7",',
            "entry 3 (Observation/eObs-wbc)",
            "code.coding[0].code",
        ),
    ],
)
def test_duplicated_keys_anywhere(
    codes: CodeTable, old: str, new: str, place: str, field: str
) -> None:
    text = OBSERVATIONS.read_text(encoding="utf-8")
    assert old in text
    parsed = parse_fhir(text.replace(old, new, 1), "obs.json", codes, now=NOW)
    assert ("obs.json", place, field) in where(parsed)
    assert any("appears twice" in p.reason for p in parsed.problems)


def test_a_single_resource_with_a_duplicated_key(codes: CodeTable) -> None:
    text = (
        '{"resourceType": "Observation", "id": "x", "status": "final", "status": "amended",'
        ' "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},'
        ' "subject": {"identifier": {"value": "DEMO10001"}},'
        ' "effectiveDateTime": "2025-06-02T08:00:00Z",'
        ' "valueQuantity": {"value": 3, "unit": "mg/L"}}'
    )
    parsed = parse_fhir(text, "one.json", codes, now=NOW)
    assert where(parsed) == [("one.json", "resource (Observation/x)", "status")]
    assert "'final', then 'amended'" in parsed.problems[0].reason


# --- FHIR: unit and UCUM code that disagree ------------------------------------------------------


def observation(quantity: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "crp",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
        "subject": {"identifier": {"value": "DEMO10001"}},
        "effectiveDateTime": "2025-06-02T08:00:00Z",
        "valueQuantity": quantity,
    }


@pytest.mark.parametrize(
    ("unit", "code", "expected"),
    [
        # mg/dL and mg/L differ by ten: which one is the 1.4 in?
        ("mg/dL", "mg/L", "the unit 'mg/dL' and the UCUM code 'mg/L' are different units"),
        ("ug/mL", "mg/L", None),  # the same unit written two ways: 1 ug/mL = 1 mg/L
        ("mg/l", "mg/L", None),
        ("milligrams per litre", "mg/L", None),  # human text: only the display
        ("g/L", "mg/L", "the unit 'g/L' and the UCUM code 'mg/L' are different units"),
    ],
)
def test_a_value_whose_unit_and_code_disagree(
    codes: CodeTable, unit: str, code: str, expected: str | None
) -> None:
    resource = observation({"value": 1.4, "unit": unit, "system": UCUM, "code": code})
    parsed = parse_fhir(json.dumps(resource), "one.json", codes, now=NOW)
    if expected is None:
        assert parsed.problems == []
        assert [r.value for r in parsed.results] == [1.4]  # mg/L is CRP's unit
    else:
        assert where(parsed) == [("one.json", "resource (Observation/crp)", "valueQuantity.unit")]
        assert expected in parsed.problems[0].reason
        assert parsed.results == []


def test_a_dose_whose_unit_and_code_disagree(codes: CodeTable) -> None:
    document = json.loads(MEDICATIONS.read_text(encoding="utf-8"))
    statement = document["entry"][2]["resource"]  # infliximab 5 mg/kg every 6 weeks
    statement["dosage"][0]["doseAndRate"][0]["doseQuantity"]["unit"] = "mg"
    given = document["entry"][9]["resource"]  # an infusion of 5 mg/kg
    given["dosage"]["dose"]["code"] = "mg"
    parsed = parse_fhir(json.dumps(document), "meds.json", codes, now=NOW)
    assert where(parsed) == [
        (
            "meds.json",
            "entry 3 (MedicationStatement/eMS-ifx-q6w)",
            "dosage[0].doseAndRate[0].doseQuantity.unit",
        ),
        ("meds.json", "entry 10 (MedicationAdministration/eMA-ifx-1)", "dosage.dose.unit"),
    ]
    assert "the unit 'mg' and the UCUM code 'mg/kg' are different units" in str(parsed.problems)


# --- dated before the patient's birth ------------------------------------------------------------


def test_fhir_records_before_the_birth_in_the_file(codes: CodeTable) -> None:
    document = json.loads(MEDICATIONS.read_text(encoding="utf-8"))
    changed = copy.deepcopy(document)
    # born 1990-05-17: a statement from 1989 and a dose given in 1990 before the birthday
    changed["entry"][6]["resource"]["effectivePeriod"]["start"] = "1989-01-08"
    changed["entry"][12]["resource"]["effectiveDateTime"] = "1990-05-16T10:20:00+01:00"
    parsed = parse_fhir(json.dumps(changed), "meds.json", codes, now=NOW)
    assert [(p.where.place, p.field, p.reason) for p in parsed.problems] == [
        (
            "entry 7 (MedicationStatement/eMS-aza)",
            "effectivePeriod.start",
            "1989-01-08 is before the patient's birth (1990-05-17)",
        ),
        (
            "entry 13 (MedicationAdministration/eMA-ada-1)",
            "effectiveDateTime",
            "1990-05-16 is before the patient's birth (1990-05-17)",
        ),
    ]


def test_fhir_results_and_events_before_the_birth(codes: CodeTable) -> None:
    document = json.loads(OBSERVATIONS.read_text(encoding="utf-8"))
    # 00:30 BST on 17 May 1990 would be on the birthday; 23:30 UTC on 15 May is the 16th
    document["entry"][0]["resource"]["effectiveDateTime"] = "1990-05-15T23:30:00Z"
    document["entry"].append(
        {
            "resource": {
                "resourceType": "Procedure",
                "status": "completed",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "73761001"}]},
                "subject": {"reference": "Patient/eDEMO20001xYz"},
                "performedDateTime": "1985-07-02",
            }
        }
    )
    parsed = parse_fhir(json.dumps(document), "obs.json", codes, now=NOW)
    assert [(p.where.place, p.field, p.reason) for p in parsed.problems] == [
        (
            "entry 1 (Observation/eObs-crp-utc)",
            "effectiveDateTime",
            "1990-05-16 is before the patient's birth (1990-05-17)",
        ),
        (
            "entry 10 (Procedure)",
            "performedDateTime",
            "1985-07-02 is before the patient's birth (1990-05-17)",
        ),
    ]


def test_hl7_results_before_pid7(codes: CodeTable) -> None:
    text = (
        "MSH|^~\\&|LAB|H|MDT|IBD|20250602||ORU^R01|X1|P|2.5.1\r"
        "PID|1||DEMO20001^^^H^MR||Example-Feed (DEMO)^Fern||19900517|F\r"
        "OBR|1|O1|L1|1988-5^CRP^LN|||19890101\r"
        "OBX|1|NM|1988-5^CRP^LN||14|mg/L||H|||F\r"
        "OBX|2|NM|718-7^Hb^LN||128|g/L||N|||F|||19900516235900\r"
    )
    parsed = parse_hl7(text, "labs.hl7", codes, now=NOW)
    assert [(p.where.place, p.field, p.reason) for p in parsed.problems] == [
        (
            "message 1 (X1), OBX 1 (segment 4)",
            "OBR-7",
            "1989-01-01 00:00 is before the patient's birth (PID-7 1990-05-17)",
        ),
        (
            "message 1 (X1), OBX 2 (segment 5)",
            "OBX-14",
            "1990-05-16 23:59 is before the patient's birth (PID-7 1990-05-17)",
        ),
    ]


def test_results_before_the_birth_of_the_stored_patient(
    db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    service = ImportService(db, codes)
    service.run([MEDICATIONS], None, now=NOW)  # DEMO20001, born 1990-05-17
    before = counts(tmp_path / "test.sqlite3")
    path = tmp_path / "labs.csv"
    path.write_text(
        "hospital_number,collected_at,test,value,unit\n"
        "DEMO20001,2025-06-02T08:00:00,1988-5,4,mg/L\n"
        "DEMO20001,1990-05-16T08:00:00,1988-5,4,mg/L\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        service.run([path], None, now=NOW)
    assert [(p.where.place, p.field, p.reason) for p in caught.value.report.problems] == [
        ("line 3", "collected_at", "1990-05-16 is before the birth of DEMO20001 (1990-05-17)")
    ]
    assert counts(tmp_path / "test.sqlite3") == before


def test_the_fixtures_themselves_have_no_problem(codes: CodeTable) -> None:
    for path in (MEDICATIONS, OBSERVATIONS):
        assert read_fhir(path, codes, now=NOW).problems == []
