"""The FHIR R4 reader: Bundles and single resources, references, Montreal, dosage, units.

Fixtures are synthetic (DEMO in every name and hospital number), modelled on a real export:
tests/importers/fixtures/fhir_*.json. Problems must name the entry, the FHIR element and why.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdt_desktop.domain.enums import Analyte, Comparator, DoseUnit, Drug, EventKind, IbdType, Sex
from mdt_desktop.domain.montreal import Montreal
from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.detect import read_file
from mdt_desktop.importers.fhir_reader import parse_fhir, read_fhir
from mdt_desktop.importers.model import ParsedFile
from mdt_desktop.models.db import Database
from mdt_desktop.services.imports import ImportRejected, ImportService
from tests.importers.conftest import FIXTURES, NOW

JSON = dict[str, Any]
COLLECTION = FIXTURES / "fhir_collection_two_patients.json"
TRANSACTION = FIXTURES / "fhir_transaction_type_id_refs.json"
SEARCHSET = FIXTURES / "fhir_searchset_local_units.json"
SINGLE = FIXTURES / "fhir_single_observation.json"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
LOCAL = "https://hospital.example.org/lab-codes"
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
PATIENT_URL = "urn:uuid:00000000-0000-4000-8000-000000000001"
TABLES = ("patients", "observations", "medication_periods", "clinical_events", "audit_events")


# --- building documents --------------------------------------------------------------------------


def load(path: Path) -> JSON:
    document: JSON = json.loads(path.read_text(encoding="utf-8"))
    return document


def with_changes(resource: JSON, changes: JSON) -> JSON:
    """A copy of *resource* with *changes*; a value of None removes the element."""
    changed = copy.deepcopy(resource)
    for key, value in changes.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = value
    return changed


def patient(**changes: Any) -> JSON:
    return with_changes(
        {
            "resourceType": "Patient",
            "id": "p1",
            "identifier": [{"type": MR, "value": "DEMO1001"}],
            "name": [{"family": "Example (DEMO)", "given": ["Alice"]}],
            "gender": "female",
            "birthDate": "1988-04-12",
        },
        changes,
    )


def observation(**changes: Any) -> JSON:
    return with_changes(
        {
            "resourceType": "Observation",
            "id": "o1",
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "1988-5"}]},
            "subject": {"reference": PATIENT_URL},
            "effectiveDateTime": "2025-03-02T08:40:00Z",
            "valueQuantity": {"value": 5, "unit": "mg/L"},
        },
        changes,
    )


def medication(**changes: Any) -> JSON:
    return with_changes(
        {
            "resourceType": "MedicationStatement",
            "id": "m1",
            "status": "active",
            "subject": {"reference": PATIENT_URL},
            "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "L04AB02"}]},
            "effectivePeriod": {"start": "2024-01-15"},
            "dosage": [dosage(5, "mg/kg", 6, "wk")],
        },
        changes,
    )


def dosage(value: float, unit: str, period: float, period_unit: str, frequency: int = 1) -> JSON:
    return {
        "timing": {"repeat": {"frequency": frequency, "period": period, "periodUnit": period_unit}},
        "doseAndRate": [{"doseQuantity": {"value": value, "unit": unit}}],
    }


def condition(tokens: str | None = None, snomed: str = "34000006", **changes: Any) -> JSON:
    resource: JSON = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": PATIENT_URL},
        "code": {"coding": [{"system": SNOMED, "code": snomed}]},
        "onsetDateTime": "2012-06-01",
    }
    if tokens is not None:
        resource["stage"] = [{"summary": {"text": tokens}}]
    return with_changes(resource, changes)


def bundle(*resources: JSON, first: JSON | None = None, kind: str = "collection") -> JSON:
    """A Bundle: the Patient (or *first*) as entry 1, then *resources* from entry 2."""
    entries = [{"fullUrl": PATIENT_URL, "resource": first or patient()}]
    entries += [
        {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}", "resource": r}
        for n, r in enumerate(resources, 2)
    ]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def parse(document: object, codes: CodeTable) -> ParsedFile:
    return parse_fhir(json.dumps(document), "t.json", codes, now=NOW)


def said(parsed: ParsedFile) -> list[str]:
    return [str(p) for p in parsed.problems]


def records(parsed: ParsedFile) -> list[object]:
    """Every record without its place (which differs between layouts of the same data)."""
    groups: list[list[Any]] = [
        parsed.patients,
        parsed.diagnoses,
        parsed.medications,
        parsed.results,
        parsed.events,
    ]
    return [
        {k: v for k, v in asdict(record).items() if k != "where"}
        for group in groups
        for record in group
    ]


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


# --- the fixtures, one per layout ----------------------------------------------------------------


def test_a_collection_of_two_patients_with_urn_uuid_references(codes: CodeTable) -> None:
    parsed = read_fhir(COLLECTION, codes, now=NOW)
    assert (parsed.format, parsed.problems, parsed.notes) == ("FHIR R4", [], [])
    alice, bob = parsed.patients
    assert (alice.hospital_number, alice.family_name, alice.given_name) == (
        "DEMO1001",
        "Example (DEMO)",
        "Alice",
    )
    assert (alice.date_of_birth, alice.sex, alice.nhs_number) == (
        date(1988, 4, 12),
        Sex.FEMALE,
        "9990000018",
    )
    assert (bob.hospital_number, bob.sex, bob.nhs_number) == ("DEMO1002", Sex.MALE, None)
    assert alice.where.place == "entry 1 (Patient)"
    crohns, uc = parsed.diagnoses
    assert (crohns.hospital_number, crohns.ibd_type, crohns.diagnosis_date) == (
        "DEMO1001",
        IbdType.CROHNS,
        date(2012, 6, 1),
    )
    assert crohns.montreal == Montreal(age="A2", location="L3", behaviour="B2", perianal=True)
    assert (uc.hospital_number, uc.ibd_type, uc.montreal) == (
        "DEMO1002",
        IbdType.UC,
        Montreal(extent="E3"),
    )
    # fmt: off
    assert [
        (m.hospital_number, m.drug, m.dose_value, m.dose_unit, m.interval_days, m.start, m.end)
        for m in parsed.medications
    ] == [
        ("DEMO1001", Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, date(2021, 1, 10),
         date(2023, 2, 1)),
        ("DEMO1001", Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 42, date(2023, 2, 1),
         date(2024, 9, 15)),
        ("DEMO1001", Drug.AZATHIOPRINE, 100, DoseUnit.MG, 1, date(2021, 1, 10), None),
        ("DEMO1002", Drug.ADALIMUMAB, 40, DoseUnit.MG, 14, date(2022, 10, 1), None),
    ]
    # fmt: on
    assert [
        (e.hospital_number, e.kind, e.occurred_on, e.description, e.is_resection)
        for e in parsed.events
    ] == [
        ("DEMO1001", EventKind.SURGERY, date(2016, 3, 20), "Resection of ileum and caecum", True),
        ("DEMO1001", EventKind.ENDOSCOPY, date(2024, 7, 2), "Colonoscopy", None),
        ("DEMO1001", EventKind.ULTRASOUND, date(2024, 7, 30), "Ultrasonography of abdomen", None),
        ("DEMO1002", EventKind.TRIAL_ENROLMENT, date(2025, 2, 3), "DEMO maintenance trial", None),
    ]
    assert [
        (r.hospital_number, r.analyte, r.value, r.unit, r.comparator) for r in parsed.results
    ] == [
        ("DEMO1001", Analyte.FAECAL_CALPROTECTIN, 610, "ug/g", None),
        ("DEMO1001", Analyte.CRP, 14.2, "mg/L", None),
        ("DEMO1001", Analyte.INFLIXIMAB_LEVEL, 2.1, "ug/mL", None),
        ("DEMO1001", Analyte.CRP, 5, "mg/L", Comparator.LT),
        ("DEMO1001", Analyte.ANTI_DRUG_ANTIBODIES, 2.5, "ug/mL{eq}", Comparator.LT),
        ("DEMO1001", Analyte.HBI, 2, "score", None),
        ("DEMO1001", Analyte.IUS_BOWEL_WALL_MM, 2.6, "mm", None),
        ("DEMO1002", Analyte.HAEMOGLOBIN, 13.4, "g/dL", None),
        ("DEMO1002", Analyte.ADALIMUMAB_LEVEL, 11.5, "ug/mL", None),
        ("DEMO1002", Analyte.PARTIAL_MAYO, 1, "score", None),
    ]
    antibodies = parsed.results[4]
    assert (antibodies.target_drug, antibodies.where.place) == (
        "infliximab",  # the molecule, whatever the route
        "entry 13 (Observation)",
    )
    assert parsed.results[1].collected_at == datetime(2023, 1, 20, 8, 40)


@pytest.mark.parametrize("kind", ["collection", "transaction", "batch", "searchset", "document"])
def test_every_bundle_type_of_the_contract_reads_the_same(codes: CodeTable, kind: str) -> None:
    expected = records(read_fhir(COLLECTION, codes, now=NOW))
    document = load(COLLECTION) | {"type": kind}
    if kind in ("transaction", "batch"):
        for entry in document["entry"]:
            entry["request"] = {"method": "POST", "url": entry["resource"]["resourceType"]}
    if kind == "searchset":
        for entry in document["entry"]:
            entry["search"] = {"mode": "match"}
    parsed = parse(document, codes)
    assert parsed.problems == []
    assert records(parsed) == expected


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("history", "'history': only collection, transaction, batch, searchset and document"),
        ("message", "'message': only collection"),
        ("transaction-response", "'transaction-response': only collection"),
        ("batch-response", "'batch-response': only collection"),
        ("Collection", "'Collection': only collection"),
        (None, "missing: only collection"),
    ],
)
def test_other_bundle_types_are_refused(codes: CodeTable, kind: str | None, reason: str) -> None:
    document = with_changes(bundle(observation()), {"type": kind})
    parsed = parse(document, codes)
    assert parsed.records == 0
    assert [(p.where.place, p.field) for p in parsed.problems] == [("Bundle", "type")]
    assert reason in parsed.problems[0].reason


def test_a_transaction_with_type_id_absolute_and_versioned_references(codes: CodeTable) -> None:
    parsed = read_fhir(TRANSACTION, codes, now=NOW)
    assert parsed.problems == []
    assert parsed.notes == [
        "skipped: Encounter resources (not read by MDT Desktop) (entry 2)",
        "a diagnosis date given as a month only was read as its first day (entry 3)",
    ]
    (carol,) = parsed.patients
    assert (carol.hospital_number, carol.where.place) == ("DEMO1003", "entry 1 (Patient/demo-3)")
    (diagnosis,) = parsed.diagnoses
    assert (diagnosis.hospital_number, diagnosis.diagnosis_date, diagnosis.montreal.code) == (
        "DEMO1003",
        date(2019, 5, 1),
        "A3 L1 B1",
    )
    (infliximab,) = parsed.medications  # medicationReference to a Medication with a SNOMED code
    assert (infliximab.drug, infliximab.dose_value, infliximab.interval_days) == (
        Drug.INFLIXIMAB_IV,
        10,
        42,
    )
    (trial,) = parsed.events  # the ResearchStudy's title, found through study.reference
    assert (trial.kind, trial.occurred_on, trial.description) == (
        EventKind.TRIAL_ENROLMENT,
        date(2024, 3, 1),
        "DEMO ileal Crohn's trial",
    )
    assert [(r.hospital_number, r.analyte, r.where.place) for r in parsed.results] == [
        ("DEMO1003", Analyte.WBC, "entry 8 (Observation/obs-wbc)"),
        ("DEMO1003", Analyte.ALBUMIN, "entry 9 (Observation/obs-alb)"),
    ]


def test_a_searchset_with_local_codes_units_and_a_comparator(codes: CodeTable) -> None:
    parsed = read_fhir(SEARCHSET, codes, now=NOW)
    assert parsed.problems == []
    assert [
        (
            r.hospital_number,
            r.analyte,
            r.value,
            r.unit,
            r.comparator,
            r.original_value,
            r.original_unit,
        )
        for r in parsed.results
    ] == [
        ("DEMO10001", Analyte.CRP, 12, "mg/L", None, "1.2", "mg/dL"),
        ("DEMO10001", Analyte.CRP, 5, "mg/L", Comparator.LT, "0.5", "mg/dL"),
        ("DEMO10001", Analyte.HAEMOGLOBIN, 12.8, "g/dL", None, "128", "g/L"),
        ("DEMO10001", Analyte.INFLIXIMAB_LEVEL, 4.5, "ug/mL", None, "4500", "ng/mL"),
        ("DEMO10002", Analyte.FAECAL_CALPROTECTIN, 150, "ug/g", None, "150", "mg/kg"),
    ]
    assert parsed.results[0].collected_at == datetime(2026, 11, 19, 9, 13)


@pytest.mark.parametrize("name", ["crp.json", "crp.txt", "crp"])
def test_a_single_observation_resource_by_content(
    codes: CodeTable, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(SINGLE.read_bytes())
    parsed = read_file(path, codes, now=NOW)
    assert (parsed.format, parsed.problems) == ("FHIR R4", [])
    (crp,) = parsed.results
    assert (crp.hospital_number, crp.analyte, crp.value, crp.collected_at) == (
        "DEMO10002",
        Analyte.CRP,
        8,
        datetime(2026, 11, 20, 10, 5),
    )
    assert (crp.assay, crp.abnormal_flag) == ("DEMO immunoturbidimetric CRP", "H")
    assert str(crp.where) == f"{name}, resource (Observation/crp-single)"


@pytest.mark.parametrize(
    "resource",
    [
        patient(),
        condition("A2 L3 B2p", subject={"identifier": {"type": MR, "value": "DEMO10001"}}),
        medication(subject={"identifier": {"value": "DEMO10001"}}),
    ],
    ids=lambda r: r["resourceType"],
)
def test_other_single_resources(codes: CodeTable, resource: JSON) -> None:
    parsed = parse(resource, codes)
    assert parsed.problems == []
    assert parsed.records == 1


# --- references ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ({"reference": PATIENT_URL}, "DEMO1001"),
        ({"reference": "Patient/p1"}, "DEMO1001"),
        ({"reference": "https://hospital.example.org/fhir/Patient/p1"}, "DEMO1001"),
        ({"reference": "Patient/p1/_history/3"}, "DEMO1001"),
        ({"identifier": {"type": MR, "value": "DEMO10001"}}, "DEMO10001"),
        ({"identifier": {"value": "DEMO10002"}, "display": "not in this file"}, "DEMO10002"),
        (
            {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}},
            "DEMO1001",
        ),
    ],
)
def test_references_to_the_patient(codes: CodeTable, subject: JSON, number: str) -> None:
    first = patient(
        identifier=[
            {"type": MR, "value": "DEMO1001"},
            {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "999 000 0018"},
        ]
    )
    parsed = parse(bundle(observation(subject=subject), first=first), codes)
    assert parsed.problems == []
    assert [r.hospital_number for r in parsed.results] == [number]


def test_references_resolve_whatever_the_order_of_the_entries(codes: CodeTable) -> None:
    document = bundle(observation(), condition("E2", snomed="64766004"))
    document["entry"].reverse()  # the Patient last
    parsed = parse(document, codes)
    assert parsed.problems == []
    assert [r.hospital_number for r in parsed.results] == ["DEMO1001"]
    assert [d.hospital_number for d in parsed.diagnoses] == ["DEMO1001"]


# --- Montreal, dosage, units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "code", "expected"),
    [
        ("A2 L3 B2p", "34000006", Montreal(age="A2", location="L3", behaviour="B2", perianal=True)),
        (
            "A1 L3+L4 B1",
            "34000006",
            Montreal(age="A1", location="L3", upper_gi=True, behaviour="B1"),
        ),
        (
            "A3, L2, B3, p",
            "34000006",
            Montreal(age="A3", location="L2", behaviour="B3", perianal=True),
        ),
        ("L4", "34000006", Montreal(upper_gi=True)),
        ("E3", "64766004", Montreal(extent="E3")),
        ("E1 S2", "64766004", Montreal(extent="E1")),
        (None, "34000006", Montreal()),
        ("A2 L9 B1", "34000006", "Montreal classification 'A2 L9 B1': unknown token 'L9'"),
        ("A1 A2", "34000006", "age given twice"),
        ("E3", "34000006", "'E3': E tokens (extent) classify ulcerative colitis"),
        ("L2 B1", "64766004", "'L2 B1': A, L and B tokens classify Crohn's disease"),
        ("B2p", "64766004", "classify Crohn's disease, not ulcerative colitis"),
    ],
)
def test_montreal_tokens_in_stage_summary(
    codes: CodeTable, tokens: str | None, code: str, expected: Montreal | str
) -> None:
    parsed = parse(bundle(condition(tokens, code)), codes)
    if isinstance(expected, Montreal):
        assert parsed.problems == []
        assert [d.montreal for d in parsed.diagnoses] == [expected]
    else:
        assert parsed.diagnoses == []
        assert [(p.where.place, p.field) for p in parsed.problems] == [
            ("entry 2 (Condition/c1)", "stage[0].summary")
        ]
        assert expected in parsed.problems[0].reason


@pytest.mark.parametrize(
    ("drug", "given", "expected"),
    [
        ("L04AB02", dosage(5, "mg/kg", 6, "wk"), (Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 42)),
        ("L04AB02", dosage(10, "mg/kg", 4, "wk"), (Drug.INFLIXIMAB_IV, 10, DoseUnit.MG_PER_KG, 28)),
        ("L04AB02", dosage(120, "mg", 2, "wk"), (Drug.INFLIXIMAB_SC, 120, DoseUnit.MG, 14)),
        ("L04AB04", dosage(40, "mg", 1, "wk"), (Drug.ADALIMUMAB, 40, DoseUnit.MG, 7)),
        ("L04AB04", dosage(40, "mg", 14, "d"), (Drug.ADALIMUMAB, 40, DoseUnit.MG, 14)),
        ("L04AX01", dosage(50, "mg", 1, "d", 2), (Drug.AZATHIOPRINE, 100, DoseUnit.MG, 1)),
        ("L04AX01", dosage(150, "mg", 24, "h"), (Drug.AZATHIOPRINE, 150, DoseUnit.MG, 1)),
        ("L04AB02", dosage(5, "mg/kg", 1, "mo"), "periodUnit: 'mo': a month is 28 to 31 days"),
        ("L04AB02", dosage(5, "mg/kg", 1, "a"), "periodUnit: 'a': a year is 365 or 366 days"),
        ("L04AX01", dosage(50, "mg", 12, "h"), "every 12 h cannot be stored in whole days"),
        ("L04AX01", dosage(2, "g", 1, "d"), "doseQuantity.unit: 'g': expected mg or mg/kg"),
        # thiopurines are dosed per kilogram and keep it (docs/clinical.md, "Dosing")
        ("L04AX01", dosage(2.5, "mg/kg", 1, "d"), (Drug.AZATHIOPRINE, 2.5, DoseUnit.MG_PER_KG, 1)),
        ("L04AX03", dosage(2, "mg/kg", 1, "wk"), "Methotrexate is dosed in mg, not mg/kg"),
        ("L04AX01", dosage(0, "mg", 1, "d"), "doseQuantity.value: 0 is not a plausible dose"),
        ("A01AA01", dosage(1, "mg", 1, "d"), "unknown drug: http://www.whocc.no/atc|A01AA01"),
    ],
)
def test_medication_dose_and_interval(
    codes: CodeTable, drug: str, given: JSON, expected: tuple[Drug, float, DoseUnit, int] | str
) -> None:
    statement = medication(
        medicationCodeableConcept={"coding": [{"system": ATC, "code": drug}]}, dosage=[given]
    )
    parsed = parse(bundle(statement), codes)
    if isinstance(expected, tuple):
        assert parsed.problems == []
        assert [
            (m.drug, m.dose_value, m.dose_unit, m.interval_days) for m in parsed.medications
        ] == [expected]
    else:
        assert parsed.medications == []
        assert any(
            p.where.place == "entry 2 (MedicationStatement/m1)"
            and expected in f"{p.field}: {p.reason}"
            for p in parsed.problems
        ), said(parsed)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ("2024-01-15", None)),
        (
            {"effectivePeriod": {"start": "2024-01-15", "end": "2025-06-30"}},
            ("2024-01-15", "2025-06-30"),
        ),
        ({"effectivePeriod": {"start": "2024-01-15", "end": "2027-01-01"}}, ("2024-01-15", None)),
        (
            {"effectivePeriod": None, "effectiveDateTime": "2024-01-15T10:00:00Z"},
            ("2024-01-15", None),
        ),
        # completed without an end: it ended when the statement was recorded
        ({"status": "completed", "dateAsserted": "2025-02-01"}, ("2024-01-15", "2025-02-01")),
    ],
)
def test_medication_dates(
    codes: CodeTable, changes: JSON, expected: tuple[str, str | None]
) -> None:
    parsed = parse(bundle(medication(**changes)), codes)
    assert parsed.problems == []
    (period,) = parsed.medications
    end = date.fromisoformat(expected[1]) if expected[1] else None
    assert (period.start, period.end) == (date.fromisoformat(expected[0]), end)


# fmt: off
CONVERSIONS = [  # code, comparator, value, unit -> analyte, value, unit in the canonical unit
    ("1988-5", None, 1.2, "mg/dL", Analyte.CRP, 12, "mg/L"),
    ("1988-5", "<", 0.5, "mg/dL", Analyte.CRP, 5, "mg/L"),
    ("1988-5", ">=", 250, "mg/L", Analyte.CRP, 250, "mg/L"),
    ("718-7", None, 128, "g/L", Analyte.HAEMOGLOBIN, 12.8, "g/dL"),
    ("718-7", "<=", 6, "g/dL", Analyte.HAEMOGLOBIN, 6, "g/dL"),
    ("6690-2", None, 5.8, "10*3/uL", Analyte.WBC, 5.8, "10^9/L"),
    ("1751-7", None, 3.9, "g/dL", Analyte.ALBUMIN, 39, "g/L"),
    ("39803-2", None, 4500, "ng/mL", Analyte.INFLIXIMAB_LEVEL, 4.5, "ug/mL"),
    ("IFX", ">", 12, "ug/mL", Analyte.INFLIXIMAB_LEVEL, 12, "ug/mL"),
    ("FCP", None, 230, "mg/kg", Analyte.FAECAL_CALPROTECTIN, 230, "ug/g"),
    ("38445-3", "<", 20, "ug/g", Analyte.FAECAL_CALPROTECTIN, 20, "ug/g"),
]
# fmt: on


@pytest.mark.parametrize(
    ("code", "comparator", "value", "unit", "analyte", "canonical", "canonical_unit"),
    CONVERSIONS,
)
def test_observation_units_are_converted_and_originals_kept(
    codes: CodeTable,
    code: str,
    comparator: str | None,
    value: float,
    unit: str,
    analyte: Analyte,
    canonical: float,
    canonical_unit: str,
) -> None:
    system = LOCAL if code.isalpha() else LOINC
    quantity = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    if comparator:
        quantity["comparator"] = comparator
    resource = observation(
        code={"coding": [{"system": system, "code": code}]}, valueQuantity=quantity
    )
    parsed = parse(bundle(resource), codes)
    assert parsed.problems == []
    (result,) = parsed.results
    assert (result.analyte, result.unit) == (analyte, canonical_unit)
    assert result.value == pytest.approx(canonical)
    assert result.comparator == (Comparator(comparator) if comparator else None)
    assert (result.original_value, result.original_unit) == (str(value), unit)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"valueQuantity": None, "valueString": "<2.5 mg/L"}, (2.5, Comparator.LT, "<2.5", "mg/L")),
        ({"valueQuantity": None, "valueString": "12"}, "no unit given"),
        (
            {
                "code": {"coding": [{"system": LOCAL, "code": "HBI"}]},
                "valueQuantity": None,
                "valueInteger": 4,
            },
            (4, None, "4", ""),
        ),
        ({"code": {"text": "C-reactive protein"}}, (5, None, "5", "mg/L")),
        (
            {"code": {"coding": [{"system": "urn:oid:1.2.3", "code": "X1", "display": "CRP"}]}},
            (5, None, "5", "mg/L"),
        ),
        (  # 09:40 at +01:00 is 08:40 UTC, and London keeps GMT on 2 March: 08:40 site time
            {"effectiveDateTime": None, "effectivePeriod": {"start": "2025-03-02T09:40:00+01:00"}},
            (5, None, "5", "mg/L"),
        ),
        ({"effectiveDateTime": None, "issued": "2025-03-02T08:40:00Z"}, (5, None, "5", "mg/L")),
        (
            {"valueQuantity": {"value": 5, "unit": "milligrams per litre", "code": "mg/L"}},
            (5, None, "5", "mg/L"),
        ),
    ],
)
def test_observation_values_codes_and_times(
    codes: CodeTable, changes: JSON, expected: tuple[float, Comparator | None, str, str] | str
) -> None:
    parsed = parse(bundle(observation(**changes)), codes)
    if isinstance(expected, str):
        assert parsed.results == []
        assert any(expected in p.reason for p in parsed.problems), said(parsed)
        return
    assert parsed.problems == []
    (result,) = parsed.results
    assert (
        result.value,
        result.comparator,
        result.original_value,
        result.original_unit,
    ) == expected
    assert result.collected_at == datetime(2025, 3, 2, 8, 40)


@pytest.mark.parametrize(
    ("status", "note"),
    [
        ("preliminary", "skipped: preliminary results (the final result will be imported)"),
        ("cancelled", "skipped: cancelled results"),
        ("entered-in-error", "skipped: results entered in error"),
    ],
)
def test_observations_not_final_are_noted_and_skipped(
    codes: CodeTable, status: str, note: str
) -> None:
    parsed = parse(bundle(observation(status=status)), codes)
    assert (parsed.problems, parsed.results) == ([], [])
    assert parsed.notes == [f"{note} (entry 2)"]


# --- Procedure, ResearchSubject, resources not read ----------------------------------------------


def procedure(snomed: str, **changes: Any) -> JSON:
    return with_changes(
        {
            "resourceType": "Procedure",
            "status": "completed",
            "code": {"coding": [{"system": SNOMED, "code": snomed}]},
            "subject": {"reference": "Patient/p1"},
            "performedDateTime": "2024-07-02",
        },
        changes,
    )


def test_procedures_and_trial_enrolments_become_timeline_events(codes: CodeTable) -> None:
    document = bundle(
        procedure("174041007"),
        procedure("44441009", performedDateTime=None, performedPeriod={"start": "2024-08-01"}),
        procedure("16310003", code={"text": "DEMO IUS", "coding": [{"code": "16310003"}]}),
        procedure("12345678"),  # not followed by the MDT: skipped with a note
        procedure("73761001", status="not-done"),
        {
            "resourceType": "ResearchSubject",
            "status": "on-study",
            "study": {"identifier": {"value": "DEMO-TRIAL-7"}},
            "individual": {"reference": "Patient/p1"},
            "period": {"start": "2025-01-06"},
        },
        {
            "resourceType": "ResearchSubject",
            "status": "screening",
            "study": {"display": "DEMO screening"},
            "individual": {"reference": "Patient/p1"},
        },
    )
    parsed = parse(document, codes)
    assert parsed.problems == []
    assert [(e.kind, e.occurred_on, e.description, e.is_resection) for e in parsed.events] == [
        (EventKind.SURGERY, date(2024, 7, 2), "SNOMED CT 174041007", True),
        (EventKind.ENDOSCOPY, date(2024, 8, 1), "SNOMED CT 44441009", None),
        (EventKind.ULTRASOUND, date(2024, 7, 2), "DEMO IUS", None),
        (EventKind.TRIAL_ENROLMENT, date(2025, 1, 6), "DEMO-TRIAL-7", None),
    ]
    assert parsed.notes == [
        "skipped: Procedure not in lab_codes.toml [procedures.snomed]: "
        "http://snomed.info/sct|12345678 (entry 5)",
        "skipped: Procedures with status not-done (entry 6)",
        "skipped: ResearchSubjects not enrolled (status screening) (entry 8)",
    ]


def test_unknown_resource_types_are_noted_and_skipped_not_fatal(codes: CodeTable) -> None:
    encounter = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": {"reference": "Patient/p1"},
    }
    practitioner = {"resourceType": "Practitioner", "name": [{"family": "Doctor (DEMO)"}]}
    document = bundle(encounter, observation(), dict(encounter), practitioner)
    parsed = parse(document, codes)
    assert parsed.problems == []
    assert (len(parsed.patients), len(parsed.results)) == (1, 1)
    assert parsed.notes == [
        "skipped: Encounter resources (not read by MDT Desktop) (entries 2, 4)",
        "skipped: Practitioner resources (not read by MDT Desktop) (entry 5)",
    ]


def test_skipped_resources_need_not_be_valid_but_unknown_types_are_problems(
    codes: CodeTable,
) -> None:
    parsed = parse(
        bundle({"resourceType": "Encounter", "bogus": 1}, {"resourceType": "Foo"}), codes
    )
    assert said(parsed) == [
        "t.json, entry 3 (Foo): resourceType: 'Foo' is not a FHIR R4 resource type"
    ]
    assert parsed.notes == ["skipped: Encounter resources (not read by MDT Desktop) (entry 2)"]


# --- problems: the entry, the element, the reason ------------------------------------------------

OBS = "entry 2 (Observation/o1)"
PAT = "entry 1 (Patient/p1)"
MED = "entry 2 (MedicationStatement/m1)"
CON = "entry 2 (Condition/c1)"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
FORMULA = '=HYPERLINK("http://x","DEMO")'


def case(name: str, document: JSON, place: str, field: str, reason: str) -> Any:
    return pytest.param(document, place, field, reason, id=name)


def raw(*entries: object, **bundle_elements: object) -> JSON:
    """A collection Bundle of *entries* as given (not necessarily valid)."""
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)} | dict(
        bundle_elements
    )


# fmt: off
PROBLEMS = [
    # which patient
    case("missing subject", bundle(observation(subject=None)),
         OBS, "subject", "missing: which patient this is about"),
    case("missing subject (required)", bundle(medication(subject=None)),
         MED, "subject", "required, but missing"),
    case("dangling urn:uuid", bundle(observation(subject={"reference": "urn:uuid:dead"})),
         OBS, "subject", "'urn:uuid:dead' does not refer to a Patient in this file; include the "
         "Patient, or give the hospital number as subject.identifier"),
    case("unresolved Patient/id", bundle(observation(subject={"reference": "Patient/p2"})),
         OBS, "subject", "'Patient/p2' does not refer to a Patient in this file"),
    case("reference to a non-Patient",
         bundle(observation(), observation(id="o2", subject={"reference": "Observation/o1"})),
         "entry 3 (Observation/o2)", "subject",
         "'Observation/o1' is an Observation, not a Patient"),
    case("subject without a reference", bundle(observation(subject={"display": "DEMO"})),
         OBS, "subject", "neither a reference nor an identifier"),
    case("formula in subject.identifier",
         bundle(observation(subject={"identifier": {"value": FORMULA}})),
         OBS, "subject.identifier", "is not a hospital number"),
    # dates
    case("bad date", bundle(observation(effectiveDateTime="2025-13-45")),
         OBS, "effectiveDateTime",
         "'2025-13-45' is not a FHIR datetime (e.g. 2025-03-02 or 2025-03-02T08:40:00+00:00)"),
    case("day/month/year date", bundle(observation(effectiveDateTime="02/03/2025")),
         OBS, "effectiveDateTime", "'02/03/2025' is not a FHIR datetime"),
    case("time without zone", bundle(observation(effectiveDateTime="2025-03-02T08:40:00")),
         OBS, "effectiveDateTime", "a time needs a time zone, e.g. Z or +01:00"),
    case("date as a number", bundle(observation(effectiveDateTime=20250302)),
         OBS, "effectiveDateTime", "20250302 is a number; write the date as text"),
    case("future date", bundle(observation(effectiveDateTime="2099-01-01")),
         OBS, "effectiveDateTime", "'2099-01-01' is in the future"),
    case("no date", bundle(observation(effectiveDateTime=None)),
         OBS, "effectiveDateTime", "missing: when the sample was taken"),
    # codes, units and values
    case("unknown LOINC",
         bundle(observation(code={"coding": [
             {"system": LOINC, "code": "2345-7", "display": "Glucose"}]})),
         OBS, "code",
         "unmapped test: http://loinc.org|2345-7 'Glucose'; add it to lab_codes.toml"),
    case("panel code", bundle(observation(code={"coding": [{"system": LOINC, "code": "58410-2"}]})),
         OBS, "code", "is an order panel, not a result"),
    case("unknown unit", bundle(observation(valueQuantity={"value": 5, "unit": "mg/foo"})),
         OBS, "valueQuantity.unit", "C-reactive protein: unknown unit 'mg/foo' (not a UCUM unit)"),
    case("incompatible unit", bundle(observation(valueQuantity={"value": 5, "unit": "ug/g"})),
         OBS, "valueQuantity.unit", "'ug/g' is not a mass per volume (e.g. ug/mL) for LOINC"),
    case("no unit", bundle(observation(valueQuantity={"value": 5})),
         OBS, "valueQuantity.unit", "no unit given"),
    case("implausible value",
         bundle(observation(code={"coding": [{"system": LOINC, "code": "718-7"}]},
                            valueQuantity={"value": 135, "unit": "g/dL"})),
         OBS, "valueQuantity.value", "Haemoglobin 135 g/dL = 135 g/dL is implausible (expected "
         "1.5 to 25 g/dL); the value looks ten times too large: is the unit right?"),
    case("negative value", bundle(observation(valueQuantity={"value": -3, "unit": "mg/L"})),
         OBS, "valueQuantity.value", "is implausible"),
    case("comparator ad",
         bundle(observation(valueQuantity={"value": 5, "unit": "mg/L", "comparator": "ad"})),
         OBS, "valueQuantity.comparator", "'ad': expected <, <=, > or >="),
    case("unknown status", bundle(observation(status="done")),
         OBS, "status", "'done' is not an Observation status"),
    # not FHIR R4 (fhir.resources)
    case("invalid FHIR: value is text",
         bundle(observation(valueQuantity={"value": "abc", "unit": "mg/L"})),
         OBS, "valueQuantity.value", "'abc' is not a FHIR decimal (e.g. 14.2)"),
    case("invalid FHIR: unknown element", bundle(observation(valueQuantiti={"value": 5})),
         OBS, "valueQuantiti",
         "not an element here in FHIR R4 (misspelt, or from another FHIR version?)"),
    case("invalid FHIR: string for a Reference", bundle(observation(subject="Patient/p1")),
         OBS, "subject", "expected a JSON object {...}, found 'Patient/p1'"),
    case("invalid FHIR: array for an object", bundle(observation(code=[{"text": "CRP"}])),
         OBS, "code", "expected a CodeableConcept (a JSON object {...}), found a JSON array"),
    case("invalid FHIR: string for a list", bundle(observation(category="laboratory")),
         OBS, "category", "expected a JSON array [...], found 'laboratory'"),
    case("invalid FHIR: null in a list", bundle(observation(category=[None])),
         OBS, "category", "null is not allowed as an element of category"),
    case("invalid FHIR: true as a date", bundle(observation(effectiveDateTime=True)),
         OBS, "effectiveDateTime", "expected a date-time as text"),
    case("invalid FHIR: resourceType in an element",
         bundle(observation(subject={"resourceType": "Patient", "reference": "Patient/p1"})),
         OBS, "subject.resourceType", "only a resource has a resourceType"),
    case("invalid FHIR: no status", bundle(observation(status=None)),
         OBS, "status", "required, but missing"),
    case("invalid FHIR: two values", bundle(observation(valueString="5")),
         OBS, "value[x]", "more than one given: valueQuantity, valueString; give one"),
    # Patient
    case("Patient without identifier", bundle(first=patient(identifier=None)),
         PAT, "identifier", "no hospital number (an identifier of type MR)"),
    case("formula identifier", bundle(first=patient(identifier=[{"value": FORMULA}])),
         PAT, "identifier", f"{FORMULA!r} is not a hospital number (letters, digits, / and -, "
         "at most 32 characters)"),
    case("two identifiers",
         bundle(first=patient(identifier=[{"value": "DEMO1"}, {"value": "DEMO2"}])),
         PAT, "identifier", "2 identifiers and none of type MR ('DEMO1', 'DEMO2'); which is the "
         "hospital number?"),
    case("bad NHS number",
         bundle(first=patient(identifier=[{"type": MR, "value": "DEMO1"},
                                          {"system": NHS, "value": "9990000019"}])),
         PAT, "identifier (NHS number)", "check digit is wrong"),
    case("Patient without name", bundle(first=patient(name=None)),
         PAT, "name.family", "missing"),
    case("born before 1900", bundle(first=patient(birthDate="1800-01-01")),
         PAT, "birthDate", "'1800-01-01' is before 1900"),
    case("birth date as a number", bundle(first=patient(birthDate=19880412)),
         PAT, "birthDate", "19880412 is a number"),
    case("unknown gender", bundle(first=patient(gender="f")),
         PAT, "gender", "'f' is not one of male, female, other, unknown"),
    case("one hospital number twice", bundle(patient(id="p2")),
         "entry 2 (Patient/p2)", "identifier", "hospital number DEMO1001 is also entry 1's"),
    # MedicationStatement
    case("unknown drug",
         bundle(medication(medicationCodeableConcept={
             "coding": [{"system": ATC, "code": "A01AA01"}], "text": "DEMO drug"})),
         MED, "medicationCodeableConcept", "unknown drug: http://www.whocc.no/atc|A01AA01, text "
         "'DEMO drug'; add it to lab_codes.toml [medications]"),
    case("dangling medicationReference",
         bundle(medication(medicationCodeableConcept=None,
                           medicationReference={"reference": "Medication/none"})),
         MED, "medicationReference", "does not refer to a Medication in this file"),
    case("no dosage", bundle(medication(dosage=None)),
         MED, "dosage[0].doseAndRate[0].doseQuantity", "missing"),
    case("end before start",
         bundle(medication(effectivePeriod={"start": "2024-01-15", "end": "2023-01-01"})),
         MED, "effectivePeriod.end", "2023-01-01 is before the start (2024-01-15)"),
    case("implausible daily dose",
         bundle(medication(medicationCodeableConcept={"text": "azathioprine"},
                           dosage=[dosage(50_000, "mg", 1, "d", 3)])),
         MED, "dosage[0].timing.repeat.frequency", "make 150000 mg: not a plausible dose"),
    # Condition, Procedure, ResearchSubject
    case("invalid Montreal token", bundle(condition("A2 L9")),
         CON, "stage[0].summary", "unknown token 'L9'"),
    case("diagnosed before birth", bundle(condition(onsetDateTime="1980-02-01")),
         CON, "onsetDateTime", "diagnosed 1980-02-01 before birth (1988-04-12)"),
    case("no diagnosis date", bundle(condition(onsetDateTime=None)),
         CON, "onsetDateTime", "missing (no onsetDateTime, onsetPeriod or recordedDate)"),
    case("two diagnoses",
         bundle(condition(code={"coding": [{"system": SNOMED, "code": "34000006"},
                                           {"system": SNOMED, "code": "64766004"}]})),
         CON, "code", "codes for different diagnoses"),
    case("procedure without date", bundle(procedure("73761001", performedDateTime=None)),
         "entry 2 (Procedure)", "performedDateTime", "missing"),
    case("enrolment without date",
         bundle({"resourceType": "ResearchSubject", "status": "on-study",
                 "study": {"display": "X"}, "individual": {"reference": "Patient/p1"}}),
         "entry 2 (ResearchSubject)", "period.start", "missing"),
    # the Bundle and its entries
    case("fullUrl twice",
         raw({"fullUrl": PATIENT_URL, "resource": patient()},
             {"fullUrl": PATIENT_URL, "resource": observation()}),
         OBS, "fullUrl", f"'{PATIENT_URL}' also names entry 1"),
    case("Patient id twice", bundle(observation(id="p1", resourceType="Patient")),
         "entry 2 (Patient/p1)", "id", "'Patient/p1' also names entry 1"),
    case("unknown resourceType", bundle({"resourceType": "Foo"}),
         "entry 2 (Foo)", "resourceType", "'Foo' is not a FHIR R4 resource type"),
    case("entry not an object", raw(5),
         "entry 1", "", "not an object but a JSON number"),
    case("entry without resource", raw({"fullUrl": PATIENT_URL}),
         "entry 1", "resource", "missing"),
    case("resource not an object", raw({"resource": []}),
         "entry 1", "resource", "not an object but a JSON array"),
    case("resource without type", raw({"resource": {"id": "x"}}),
         "entry 1", "resource.resourceType", "missing"),
    case("fullUrl not a string", raw({"fullUrl": 7, "resource": patient()}),
         "entry 1", "fullUrl", "not a string but a JSON number"),
    case("entry not a list", raw(entry={}),
         "Bundle", "entry", "not a list but a JSON object"),
    case("misspelt Bundle element", raw(entries=[]),
         "Bundle", "entries", "not an element here in FHIR R4"),
]
# fmt: on


@pytest.mark.parametrize(("document", "place", "field", "reason"), PROBLEMS)
def test_problems_name_the_entry_the_element_and_why(
    codes: CodeTable, document: JSON, place: str, field: str, reason: str
) -> None:
    parsed = parse(document, codes)
    found = [(p.where.file, p.where.place, p.field) for p in parsed.problems]
    assert ("t.json", place, field) in found, said(parsed)
    assert any(reason in p.reason for p in parsed.problems if p.where.place == place), said(parsed)
    for problem in parsed.problems:
        assert "Traceback" not in problem.reason
        assert "pydantic" not in problem.reason.lower()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b" \n\t\n", "the file is empty"),
        (b"hello", "line 1, column 1: not valid JSON: Expecting value"),
        (b'{"resourceType": "Patient",\n "id": }', "line 2, column 8: not valid JSON"),
        (b"[]", "the file holds a JSON array, not a FHIR resource or Bundle"),
        (b"42", "the file holds a JSON number, not a FHIR resource or Bundle"),
        (b'"Bundle"', "the file holds a JSON string"),
        (b"{}", "resourceType: missing: this is JSON, but not FHIR"),
        (b'{"resourceType": 5}', "resourceType: missing: this is JSON, but not FHIR"),
        (b"[" * 100 + b"]" * 100, "JSON nested deeper than 64 levels"),
        (b'{"a":' * 70 + b"1" + b"}" * 70, "JSON nested deeper than 64 levels"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested deeper than 64 levels"),
        (b'{"resourceType": "Patient"}\x00', "byte 28 is a NUL byte"),
        (b'{"resourceType": "Patient", "name": [{"family": "M\xfcller"}]}', "is not UTF-8 (0xfc)"),
        (b"\xff\xfe{\x00}\x00", "NUL byte"),
        (b'{"valueInteger": ' + b"9" * 5000 + b"}", "more than 4300 digits"),
    ],
)
def test_whole_file_problems(codes: CodeTable, tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    parsed = read_file(path, codes, now=NOW)
    assert parsed.format == "FHIR R4"
    assert parsed.records == 0
    assert len(parsed.problems) == 1
    assert reason in str(parsed.problems[0])
    assert parsed.problems[0].where.file == "broken.json"


def test_a_byte_order_mark_is_accepted(codes: CodeTable, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + SINGLE.read_bytes())
    parsed = read_file(path, codes, now=NOW)
    assert (parsed.problems, len(parsed.results)) == ([], 1)


def test_a_wholly_wrong_file_is_summarised(codes: CodeTable) -> None:
    wrong = observation(code={"coding": [{"system": LOINC, "code": "2345-7"}]})
    parsed = parse(bundle(*[wrong] * 1500), codes)
    assert len(parsed.problems) == 1001
    assert str(parsed.problems[-1]) == "t.json: more than 1000 problems; stopped reading"


def test_an_empty_bundle_is_noted(codes: CodeTable) -> None:
    parsed = parse({"resourceType": "Bundle", "type": "searchset", "total": 0}, codes)
    assert (parsed.problems, parsed.records, parsed.notes) == ([], 0, ["the Bundle has no entries"])


# --- through the import service ------------------------------------------------------------------


def test_the_fixtures_import_into_the_demo_database_once(
    demo_db: Database, demo_path: Path, codes: CodeTable
) -> None:
    service = ImportService(demo_db, codes)
    before = counts(demo_path)
    report = service.run([COLLECTION, TRANSACTION, SEARCHSET, SINGLE], None, now=NOW)
    assert report.ok
    assert report.written
    after = counts(demo_path)
    assert after["patients"] == before["patients"] + 3
    assert after["observations"] == before["observations"] + 10 + 2 + 5 + 1
    assert after["medication_periods"] == before["medication_periods"] + 4 + 1
    assert after["clinical_events"] == before["clinical_events"] + 4 + 1
    again = service.run([COLLECTION, TRANSACTION, SEARCHSET, SINGLE], None, now=NOW)
    assert (again.written, again.new_records) == (False, 0)
    assert counts(demo_path) == after


def test_a_refused_condition_is_the_only_message_about_the_new_patients_diagnosis(
    demo_db: Database, tmp_path: Path, codes: CodeTable
) -> None:
    path = tmp_path / "before_birth.json"
    path.write_text(json.dumps(bundle(condition(onsetDateTime="1980-02-01"))), encoding="utf-8")
    report = ImportService(demo_db, codes).preview([path], now=NOW)
    reasons = [problem.reason for problem in report.problems]
    assert reasons == ["diagnosed 1980-02-01 before birth (1988-04-12)"]


# --- fuzzing: anything at all gives a ParsedFile, never an exception ----------------------------

# fmt: off
KEYS = [
    "resourceType", "type", "entry", "fullUrl", "resource", "id", "identifier", "value", "system",
    "code", "coding", "display", "text", "subject", "reference", "status", "valueQuantity", "unit",
    "comparator", "valueString", "valueInteger", "effectiveDateTime", "effectivePeriod", "start",
    "end", "birthDate", "name", "family", "given", "gender", "stage", "summary", "onsetDateTime",
    "medicationCodeableConcept", "medicationReference", "dosage", "timing", "repeat", "period",
    "periodUnit", "frequency", "doseAndRate", "doseQuantity", "performedDateTime", "individual",
    "study", "title", "issued", "verificationStatus", "statusReason", "dateAsserted", "count",
    "countMax", "boundsDuration", "boundsPeriod", "interpretation", "dose", "route",
]
TYPES = [
    "Bundle", "Patient", "Condition", "MedicationStatement", "Observation", "Procedure",
    "ResearchSubject", "Medication", "ResearchStudy", "Encounter", "Foo", "",
    "MedicationAdministration",
]
WORDS = [
    "final", "active", "completed", "on-study", "collection", "searchset", "history", "Patient/p1",
    PATIENT_URL, "DEMO1001", "1988-5", "718-7", "34000006", "64766004", "L04AB02", "mg/L", "g/L",
    "mg/kg", "mg", "wk", "d", "mo", "<", "ad", "2025-03-02", "2099-01-01", "2025-03-02T08:40:00Z",
    "A2 L3 B2p", "E3", LOINC, SNOMED, ATC, "=1+1", "",
    "2025-03-02T08:40:00+01:00", "2025-10-26T01:30:00-04:00", "1900-01-01T00:30:00+02:00",
    "stopped", "not-done", "281647001", "Infusion reaction", "74116-5", "AU/mL", "U/mL",
]
# fmt: on
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**20),
    st.floats(),  # json writes NaN and Infinity, and reads them back
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5),
        st.fixed_dictionaries(
            {"resourceType": st.sampled_from(TYPES)},
            optional=dict.fromkeys(KEYS[1:16], inner),
        ),
    ),
    max_leaves=25,
)


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> JSON:
    """A fixture Bundle with a few elements replaced by arbitrary JSON."""
    document = copy.deepcopy(draw(st.sampled_from(FIXTURE_DOCUMENTS)))
    for _ in range(draw(st.integers(1, 4))):
        node: Any = document
        for _step in range(draw(st.integers(0, 6))):
            if isinstance(node, dict) and node:
                child = node[draw(st.sampled_from(sorted(node)))]
            elif isinstance(node, list) and node:
                child = node[draw(st.integers(0, len(node) - 1))]
            else:
                break
            if not isinstance(child, dict | list):
                break
            node = child
        if isinstance(node, dict):
            node[draw(st.sampled_from(sorted(node) or KEYS) | st.sampled_from(KEYS))] = draw(
                json_values
            )
        elif isinstance(node, list):
            node.append(draw(json_values))
    return document


FIXTURE_DOCUMENTS = [
    load(path)
    for path in (
        COLLECTION,
        TRANSACTION,
        SEARCHSET,
        SINGLE,
        FIXTURES / "feed_medication_statements.json",
        FIXTURES / "feed_observations.json",
    )
]
documents = st.one_of(json_values, mutated_fixtures())
FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check_parsed(parsed: ParsedFile, name: str) -> None:
    assert isinstance(parsed, ParsedFile)
    assert parsed.name == name
    for problem in parsed.problems:
        assert problem.where.file == name
        assert problem.reason
        assert "Traceback" not in problem.reason


@FUZZ
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_give_a_parsed_file(codes: CodeTable, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(data)
    check_parsed(read_file(path, codes, now=NOW), "fuzz.json")


@FUZZ
@given(document=documents)
def test_arbitrary_json_gives_a_parsed_file(
    codes: CodeTable, tmp_path: Path, document: object
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    parsed = read_file(path, codes, now=NOW)
    check_parsed(parsed, "fuzz.json")
    if not isinstance(document, dict):
        assert parsed.problems


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=documents)
def test_arbitrary_json_imports_all_or_nothing(
    demo_db: Database, demo_path: Path, codes: CodeTable, tmp_path: Path, document: object
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    service = ImportService(demo_db, codes)
    report = service.preview([path], now=NOW)
    before = counts(demo_path)
    if report.ok:
        service.run([path], None, now=NOW)  # whatever reads cleanly imports
        return
    with pytest.raises(ImportRejected) as caught:
        service.run([path], None, now=NOW)
    assert caught.value.report.problems
    assert counts(demo_path) == before
