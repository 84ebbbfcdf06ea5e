"""MedicationStatements and MedicationAdministrations the way EHRs send them.

docs/clinical.md, "Medication episodes": ``status`` and ``statusReason`` give the end reason
(lab_codes.toml ``[stop_reasons]``); dosage text saying induction or loading, and
``repeat.count``, mark induction and single doses, which are never maintenance regimens;
``count``, ``boundsDuration`` and ``boundsPeriod`` end a finite course; thiopurines keep mg/kg.
The fixture feed_medication_statements.json is an Epic-shaped searchset written by hand from
the FHIR R4 MedicationStatement and MedicationAdministration definitions.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from mdt_desktop.domain.enums import DoseUnit, Drug, EndReason, Phase
from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.fhir_reader import parse_fhir, read_fhir
from mdt_desktop.importers.model import ParsedFile
from tests.importers.conftest import FIXTURES, NOW

FEED = FIXTURES / "feed_medication_statements.json"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
IFX, ADA, AZA = Drug.INFLIXIMAB_IV, Drug.ADALIMUMAB, Drug.AZATHIOPRINE
KG, MG = DoseUnit.MG_PER_KG, DoseUnit.MG
JSON = dict[str, Any]


def feed() -> JSON:
    document: JSON = json.loads(FEED.read_text(encoding="utf-8"))
    return document


def parse(document: JSON, codes: CodeTable) -> ParsedFile:
    return parse_fhir(json.dumps(document), "meds.json", codes, now=NOW)


def periods(parsed: ParsedFile) -> list[tuple[object, ...]]:
    return [
        (
            m.drug,
            m.dose_value,
            m.dose_unit,
            m.interval_days,
            m.start,
            m.end,
            m.phase,
            m.end_reason,
            m.end_reason_detail,
        )
        for m in parsed.medications
    ]


def test_the_epic_shaped_feed(codes: CodeTable) -> None:
    parsed = read_fhir(FEED, codes, now=NOW)
    assert parsed.problems == []
    # fmt: off
    assert periods(parsed) == [
        # every 2 weeks, count 3, from 8 Jan 2024: doses on days 0, 14 and 28 (5 Feb);
        # the course ends the day after the last dose, 6 Feb. "(induction)" in the text.
        (IFX, 5, KG, 14, date(2024, 1, 8), date(2024, 2, 6), Phase.INDUCTION, None, ""),
        # end 2024-09-01T23:30:00Z is 00:30 BST on 2 September; "Dose interval changed"
        # holds the phrase "interval change": a regimen change
        (IFX, 5, KG, 56, date(2024, 3, 4), date(2024, 9, 2), Phase.MAINTENANCE,
         EndReason.REGIMEN_CHANGE, "Dose interval changed"),
        # stopped: SNOMED CT 281647001 |Adverse reaction|, text "Infusion reaction"
        (IFX, 5, KG, 42, date(2024, 9, 2), date(2025, 6, 16), Phase.MAINTENANCE,
         EndReason.ADVERSE_EVENT, "Infusion reaction"),
        # count 1: a single dose, one day long; "(loading dose)" in the text: induction
        (ADA, 160, MG, 1, date(2025, 7, 1), date(2025, 7, 2), Phase.INDUCTION, None, ""),
        # count 1 without induction words: a single dose
        (ADA, 80, MG, 1, date(2025, 7, 15), date(2025, 7, 16), Phase.SINGLE_DOSE, None, ""),
        # left "active": still going
        (ADA, 40, MG, 14, date(2025, 7, 29), None, Phase.MAINTENANCE, None, ""),
        # azathioprine 2.5 mg/kg once daily keeps mg/kg
        (AZA, 2.5, KG, 1, date(2024, 1, 8), None, Phase.MAINTENANCE, None, ""),
    ]
    # fmt: on
    assert [(a.drug, a.given_on, a.dose_value, a.dose_unit) for a in parsed.administrations] == [
        (IFX, date(2025, 2, 17), 5, KG),
        (IFX, date(2025, 3, 31), 5, KG),
        (ADA, date(2025, 7, 1), 160, MG),
    ]
    assert parsed.notes == ["skipped: MedicationAdministrations not done (entry 12)"]


def statement(**changes: Any) -> JSON:
    """The infliximab q6w statement of the feed (entry 3), changed."""
    resource: JSON = copy.deepcopy(feed()["entry"][2]["resource"])
    for key, value in changes.items():
        if value is None:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


def alone(resource: JSON) -> JSON:
    """*resource* in a Bundle with the feed's Patient."""
    patient = feed()["entry"][7]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [patient, {"resource": resource}],
    }


def reason(text: str | None = None, code: str | None = None, display: str | None = None) -> JSON:
    concept: JSON = {}
    if code is not None:
        coding = {"system": SNOMED, "code": code}
        if display is not None:
            coding["display"] = display
        concept["coding"] = [coding]
    if text is not None:
        concept["text"] = text
    return concept


@pytest.mark.parametrize(
    ("status_reason", "expected", "detail", "note"),
    [
        ([reason("Secondary loss of response")], EndReason.LACK_OF_EFFECT, "", ""),
        (
            [reason(code="58848006", display="Lack of drug action")],
            EndReason.LACK_OF_EFFECT,
            "Lack of drug action",
            "",
        ),
        ([reason("Primary non-response")], EndReason.LACK_OF_EFFECT, "", ""),
        ([reason("Pregnancy", "77386006")], EndReason.PREGNANCY, "", ""),
        ([reason("Patient planning pregnancy")], EndReason.PREGNANCY, "", ""),
        ([reason("Patient choice")], EndReason.PATIENT_CHOICE, "", ""),
        ([reason("Stopped: deep remission")], EndReason.ELECTIVE_STOP, "", ""),
        # a longer phrase holding a shorter one wins: "not in remission" is not "remission"
        ([reason("Stopped, not in remission")], EndReason.LACK_OF_EFFECT, "", ""),
        # unknown words: another reason, the text kept as sent
        ([reason("Moved to another trust")], EndReason.OTHER, "", ""),
        ([reason(code="399307001")], EndReason.OTHER, "http://snomed.info/sct|399307001", ""),
        # two reasons in one text: not chosen between
        (
            [reason("Adverse event after loss of response")],
            EndReason.OTHER,
            "",
            "says adverse event and lack or loss of effect: read as another reason",
        ),
        # the code and the text disagree: the code is used, and the note says so
        (
            [reason("Patient choice", "281647001", "Adverse reaction")],
            EndReason.ADVERSE_EVENT,
            "",
            "the code says adverse event, the text says patient's choice: the code was used",
        ),
    ],
)
def test_the_stop_reason(
    codes: CodeTable, status_reason: list[JSON], expected: EndReason, detail: str, note: str
) -> None:
    parsed = parse(alone(statement(statusReason=status_reason)), codes)
    assert parsed.problems == []
    (period,) = parsed.medications
    said = status_reason[0].get("text") or detail
    assert (period.end_reason, period.end_reason_detail) == (expected, said)
    if note:
        assert any(note in line for line in parsed.notes), parsed.notes


def test_no_status_reason_is_an_unknown_reason_and_long_text_is_cut(codes: CodeTable) -> None:
    (period,) = parse(alone(statement(statusReason=None)), codes).medications
    assert (period.end, period.end_reason, period.end_reason_detail) == (
        date(2025, 6, 16),
        None,
        "",
    )
    long_text = "Infusion reaction; " * 20  # 380 characters
    (period,) = parse(alone(statement(statusReason=[reason(long_text)])), codes).medications
    assert period.end_reason is EndReason.ADVERSE_EVENT
    assert period.end_reason_detail == long_text[:255]


def test_a_reason_of_a_statement_still_going_is_not_an_end_reason(codes: CodeTable) -> None:
    resource = statement(status="active", effectivePeriod={"start": "2024-09-02"})
    (period,) = parse(alone(resource), codes).medications
    assert (period.end, period.end_reason, period.end_reason_detail) == (None, None, "")


@pytest.mark.parametrize(
    ("changes", "expected", "note"),
    [
        # stopped without an end: it ended when the statement was asserted, 16 June 2025 15:02
        # BST (the date is the same in UTC and London)
        ({"effectivePeriod": {"start": "2024-09-02"}}, date(2025, 6, 16), "(dateAsserted)"),
        # active with an end that is past: ended
        ({"status": "active"}, date(2025, 6, 16), "still active whose end is past"),
        # active with a planned end after NOW (24 Nov 2026): still going
        (
            {"status": "active", "effectivePeriod": {"start": "2024-09-02", "end": "2027-01-04"}},
            None,
            "a planned end date in the future was read as no end",
        ),
    ],
)
def test_status_and_end(codes: CodeTable, changes: JSON, expected: date | None, note: str) -> None:
    parsed = parse(alone(statement(**changes)), codes)
    assert parsed.problems == []
    assert [m.end for m in parsed.medications] == [expected]
    assert any(note in line for line in parsed.notes), parsed.notes


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (
            {"effectivePeriod": {"start": "2024-09-02"}, "dateAsserted": None},
            "effectivePeriod.end",
            "missing: the statement is stopped but says neither when it ended",
        ),
        (
            {"effectivePeriod": {"start": "2024-09-02", "end": "2027-01-04"}},
            "effectivePeriod.end",
            "the statement is stopped, but its end 2027-01-04 is in the future",
        ),
        (
            {"effectivePeriod": {"start": "2024-09-02"}, "dateAsserted": "2024-08-01"},
            "dateAsserted",
            "2024-08-01 is before the start (2024-09-02)",
        ),
    ],
)
def test_a_stopped_statement_that_cannot_say_when(
    codes: CodeTable, changes: JSON, field: str, reason: str
) -> None:
    parsed = parse(alone(statement(**changes)), codes)
    assert parsed.medications == []
    assert [(p.where.place, p.field) for p in parsed.problems] == [
        ("entry 2 (MedicationStatement/eMS-ifx-q6w)", field)
    ]
    assert reason in parsed.problems[0].reason


def dosed(repeat: JSON, text: str = "", **changes: Any) -> JSON:
    """A completed infliximab statement from 8 Jan 2024 with *repeat* (and *changes*)."""
    dosage: JSON = {
        "timing": {"repeat": repeat},
        "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg/kg"}}],
    }
    if text:
        dosage["text"] = text
    fields: JSON = {
        "status": "completed",
        "statusReason": None,
        "effectivePeriod": {"start": "2024-01-08"},
        "dosage": [dosage],
    }
    fields.update(changes)
    return statement(**fields)


LOADING = statement(
    status="completed",
    statusReason=None,
    effectivePeriod=None,
    effectiveDateTime="2024-01-08",
    dosage=[
        {
            "timing": {"repeat": {"count": 1}, "code": {"text": "Loading dose"}},
            "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg/kg"}}],
        }
    ],
)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        # count 1 with a period: still one dose, one day, interval 1
        (dosed({"count": 1, "period": 2, "periodUnit": "wk"}), (1, date(2024, 1, 9), "single")),
        # "Loading" in the timing code text, one date (effectiveDateTime)
        (LOADING, (1, date(2024, 1, 9), "induction")),
        # every 8 weeks, count 4: doses on days 0, 56, 112, 168 (24 June); ends 25 June 2024
        (dosed({"count": 4, "period": 8, "periodUnit": "wk"}), (56, date(2024, 6, 25), "maint")),
        # twice a day, count 14: 7 days of doses, 8 Jan to 14 Jan; ends 15 Jan
        (
            dosed({"count": 14, "frequency": 2, "period": 1, "periodUnit": "d"}),
            (1, date(2024, 1, 15), "maint"),
        ),
        # boundsDuration 6 weeks from 8 Jan: 42 days, ends 19 Feb
        (
            dosed({"period": 2, "periodUnit": "wk", "boundsDuration": {"value": 6, "code": "wk"}}),
            (14, date(2024, 2, 19), "maint"),
        ),
        # boundsPeriod.end, given with a time after 23:00 UTC in summer: the next day in London
        (
            dosed(
                {
                    "period": 2,
                    "periodUnit": "wk",
                    "boundsPeriod": {"start": "2024-01-08", "end": "2024-06-30T23:30:00Z"},
                },
                "Induction then review",
            ),
            (14, date(2024, 7, 1), "induction"),
        ),
        # effectivePeriod.end comes before bounds and count
        (
            dosed(
                {"count": 3, "period": 2, "periodUnit": "wk"},
                effectivePeriod={"start": "2024-01-08", "end": "2024-01-30"},
            ),
            (14, date(2024, 1, 30), "maint"),
        ),
    ],
)
def test_courses_and_single_doses(
    codes: CodeTable, resource: JSON, expected: tuple[int, date, str]
) -> None:
    parsed = parse(alone(resource), codes)
    assert parsed.problems == []
    (period,) = parsed.medications
    phases = {"single": Phase.SINGLE_DOSE, "induction": Phase.INDUCTION, "maint": Phase.MAINTENANCE}
    assert (period.interval_days, period.end, period.phase) == (
        expected[0],
        expected[1],
        phases[expected[2]],
    )
    assert period.start == date(2024, 1, 8)


@pytest.mark.parametrize(
    ("repeat", "field", "reason"),
    [
        # FHIR's own check: count is a positiveInt
        ({"count": 0, "period": 2, "periodUnit": "wk"}, "count", "greater than or equal to 1"),
        ({"count": 2.5, "period": 2, "periodUnit": "wk"}, "count", "expected a whole number"),
        ({"count": 3, "countMax": 5, "period": 2, "periodUnit": "wk"}, "countMax", "a range"),
        (
            {"period": 2, "periodUnit": "wk", "boundsDuration": {"value": 3, "code": "mo"}},
            "boundsDuration.unit",
            "a month is 28 to 31 days",
        ),
        (
            {"period": 2, "periodUnit": "wk", "boundsRange": {"low": {"value": 1}}},
            "boundsRange",
            "a range of durations cannot be stored",
        ),
    ],
)
def test_counts_and_bounds_that_cannot_be_stored(
    codes: CodeTable, repeat: JSON, field: str, reason: str
) -> None:
    parsed = parse(alone(dosed(repeat)), codes)
    assert parsed.medications == []
    assert [p.field for p in parsed.problems] == [f"dosage[0].timing.repeat.{field}"]
    assert reason in parsed.problems[0].reason


def test_mercaptopurine_in_mg_per_kg(codes: CodeTable) -> None:
    resource = dosed({"frequency": 1, "period": 1, "periodUnit": "d"})
    resource["medicationCodeableConcept"] = {"coding": [{"system": ATC, "code": "L01BB02"}]}
    resource["dosage"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 1.25, "unit": "mg/kg"}
    resource["effectivePeriod"] = {"start": "2024-01-08"}
    resource["status"] = "active"
    (period,) = parse(alone(resource), codes).medications
    assert (period.drug, period.dose_value, period.dose_unit, period.interval_days) == (
        Drug.MERCAPTOPURINE,
        1.25,
        KG,
        1,
    )


def administration(**changes: Any) -> JSON:
    resource: JSON = copy.deepcopy(feed()["entry"][9]["resource"])  # infliximab 5 mg/kg IV
    resource.update(changes)
    return resource


@pytest.mark.parametrize(
    ("dosage", "expected", "note"),
    [
        # no route: mg/kg means intravenous
        ({"dose": {"value": 5, "unit": "mg/kg"}}, (Drug.INFLIXIMAB_IV, 5, KG), ""),
        # no route: 120 mg is the subcutaneous product
        ({"dose": {"value": 120, "unit": "mg"}}, (Drug.INFLIXIMAB_SC, 120, MG), ""),
        # the route decides: 400 mg given intravenously (a whole-vial dose) is IV infliximab
        (
            {"route": {"text": "Intravenous"}, "dose": {"value": 400, "unit": "mg"}},
            (Drug.INFLIXIMAB_IV, 400, MG),
            "",
        ),
        # no dose at all: the day is what matters (contact); route unknown, said in a note
        ({}, (Drug.INFLIXIMAB_IV, None, None), "no route and no dose unit"),
        # a dose in mL cannot be stored: left out, with a note
        (
            {
                "route": {"coding": [{"system": SNOMED, "code": "47625008"}]},
                "dose": {"value": 250, "unit": "mL"},
            },
            (Drug.INFLIXIMAB_IV, None, None),
            "a dose given in 'mL' was left out",
        ),
    ],
)
def test_doses_given(
    codes: CodeTable, dosage: JSON, expected: tuple[object, ...], note: str
) -> None:
    parsed = parse(alone(administration(dosage=dosage)), codes)
    assert parsed.problems == []
    (given,) = parsed.administrations
    assert (given.drug, given.dose_value, given.dose_unit) == expected
    assert given.given_on == date(2025, 2, 17)
    if note:
        assert any(note in line for line in parsed.notes), parsed.notes


@pytest.mark.parametrize(
    ("status", "note"),
    [
        (
            "in-progress",
            "skipped: MedicationAdministrations in progress (the completed one will be imported)",
        ),
        ("entered-in-error", "skipped: MedicationAdministrations entered in error"),
        ("stopped", "skipped: MedicationAdministrations stopped before the dose was given"),
        ("on-hold", "skipped: MedicationAdministrations on hold"),
        ("unknown", "skipped: MedicationAdministrations of unknown status"),
    ],
)
def test_doses_not_given_are_skipped_with_a_note(codes: CodeTable, status: str, note: str) -> None:
    parsed = parse(alone(administration(status=status)), codes)
    assert (parsed.problems, parsed.administrations) == ([], [])
    assert parsed.notes == [f"{note} (entry 2)"]
