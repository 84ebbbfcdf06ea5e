"""The HL7 v2 ORU^R01 reader: segment endings, several messages, PID-3 repetitions, comparators,
local codes and units, sample times, and problems a laboratory can act on."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import hl7
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mdt_desktop.domain.enums import Analyte, Comparator
from mdt_desktop.importers.codes import CodeTable, load_code_table
from mdt_desktop.importers.detect import read_file
from mdt_desktop.importers.hl7_reader import parse_hl7, read_hl7
from mdt_desktop.importers.hl7_segments import Segment, separators, split_messages
from mdt_desktop.importers.model import ParsedFile
from mdt_desktop.models.db import Database
from mdt_desktop.paths import resource_path
from mdt_desktop.services.imports import ImportRejected, ImportService
from tests.importers.conftest import FIXTURES, NOW

MSH = "MSH|^~\\&|LAB|EXAMPLE HOSPITAL (DEMO)|MDT|IBD|20241105093000||ORU^R01|DEMO0001|P|2.4"
PID = "PID|1||DEMO1001^^^EXAMPLE^MR||Example (DEMO)^Alice||19880412|F"
OBR = "OBR|1|ORD1|LAB1|1988-5^C reactive protein^LN|||20241104081500"
OBX = "OBX|1|NM|1988-5^C reactive protein^LN||4|mg/L||N|||F|||20241104081500"
AT = datetime(2024, 11, 4, 8, 15)
TABLES = ("patients", "observations", "medication_periods", "clinical_events", "audit_events")

# oru_r01.hl7: the example laboratory's message, every result in the canonical unit.
SAMPLE = [
    ("DEMO1001", Analyte.HAEMOGLOBIN, 13.2, "g/dL", None, "132", "g/L", AT, "N"),
    ("DEMO1001", Analyte.WBC, 6.1, "10^9/L", None, "6.1", "10*3/uL", AT, "N"),
    ("DEMO1001", Analyte.CRP, 4.0, "mg/L", None, "0.4", "mg/dL", AT, "N"),
    ("DEMO1001", Analyte.INFLIXIMAB_LEVEL, 8.4, "ug/mL", None, "8400", "ng/mL", AT, "H"),
    (
        "DEMO1001",
        Analyte.ANTI_DRUG_ANTIBODIES,
        2.5,
        "ug/mL{eq}",
        Comparator.LT,
        "<2.5",
        "ug/mL{eq}",
        AT,
        "N",
    ),
    (
        "DEMO1001",
        Analyte.FAECAL_CALPROTECTIN,
        41.0,
        "ug/g",
        None,
        "41",
        "ug/g",
        datetime(2024, 11, 1, 12, 0),
        "N",
    ),
]


def rows(parsed: ParsedFile) -> list[tuple[object, ...]]:
    return [
        (
            r.hospital_number,
            r.analyte,
            pytest.approx(r.value),
            r.unit,
            r.comparator,
            r.original_value,
            r.original_unit,
            r.collected_at,
            r.abnormal_flag,
        )
        for r in parsed.results
    ]


def message(*segments: str, msh: str = MSH) -> str:
    return "\r".join([msh, *segments]) + "\r"


def parse(text: str, codes: CodeTable) -> ParsedFile:
    return parse_hl7(text, "x.hl7", codes, now=NOW)


def problems(parsed: ParsedFile) -> list[str]:
    return [str(p) for p in parsed.problems]


# --- what reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ending", "framing", "name"),
    [
        (b"\r", (b"", b""), "labs.txt"),  # the content decides, not the name
        (b"\n", (b"", b""), "labs.txt"),
        (b"\r\n", (b"", b""), "labs.txt"),
        (b"\r\n", (b"\r\n\r\n", b"\r\n\r\n"), "labs.txt"),  # blank lines before and after
        # MLLP framing, as saved from an interface engine (found by the name: detect.py's
        # sniffing does not skip the 0x0b start byte)
        (b"\r", (b"\x0b", b"\x1c\r"), "labs.hl7"),
    ],
    ids=["CR", "LF", "CRLF", "blank-lines", "MLLP"],
)
def test_the_sample_reads_with_any_segment_ending(
    codes: CodeTable, tmp_path: Path, ending: bytes, framing: tuple[bytes, bytes], name: str
) -> None:
    data = (FIXTURES / "oru_r01.hl7").read_bytes()
    assert data.count(b"\r") == 11
    assert b"\n" not in data
    path = tmp_path / name
    path.write_bytes(framing[0] + data.replace(b"\r", ending) + framing[1])
    parsed = read_file(path, codes, now=NOW)
    assert (parsed.format, problems(parsed), parsed.notes) == ("HL7 v2", [], [])
    assert rows(parsed) == SAMPLE
    assert [r.where.place for r in parsed.results[:2]] == [
        "message 1 (DEMO000123), OBX 1 (segment 4)",
        "message 1 (DEMO000123), OBX 2 (segment 5)",
    ]
    assert parsed.results[4].target_drug == "infliximab"  # the molecule, whatever the route
    (identity,) = parsed.identities
    assert (identity.hospital_number, identity.family_name, identity.given_name) == (
        "DEMO1001",
        "Example (DEMO)",
        "Alice",
    )
    assert identity.date_of_birth == date(1988, 4, 12)


def test_two_messages_in_one_file_each_named_by_number_and_control_id(codes: CodeTable) -> None:
    parsed = read_hl7(FIXTURES / "two_messages.hl7", codes, now=NOW)
    assert problems(parsed) == []
    assert [(r.hospital_number, r.analyte, r.value, r.where.place) for r in parsed.results] == [
        ("DEMO1001", Analyte.CRP, 12.0, "message 1 (DEMO000201), OBX 1 (segment 4)"),
        (
            "DEMO1002",
            Analyte.FAECAL_CALPROTECTIN,
            250.0,
            "message 2 (DEMO000202), OBX 1 (segment 4)",
        ),
    ]
    assert [i.hospital_number for i in parsed.identities] == ["DEMO1001", "DEMO1002"]


def test_batch_envelopes_around_the_messages_are_skipped(codes: CodeTable) -> None:
    body = (FIXTURES / "two_messages.hl7").read_bytes().decode()
    text = f"FHS|^~\\&|LAB\rBHS|^~\\&|LAB\r{body}BTS|2\rFTS|1\r"
    parsed = parse(text, codes)
    assert (problems(parsed), len(parsed.results)) == ([], 2)


def test_pid3_takes_the_mr_identifier_when_it_is_not_first(codes: CodeTable) -> None:
    parsed = read_hl7(FIXTURES / "pid3_repetitions.hl7", codes, now=NOW)
    assert problems(parsed) == []
    assert [r.hospital_number for r in parsed.results] == ["DEMO1002"]
    assert [i.hospital_number for i in parsed.identities] == ["DEMO1002"]


@pytest.mark.parametrize(
    ("pid3", "number"),
    [
        ("DEMO1001^^^EXAMPLE^MR", "DEMO1001"),
        ("DEMO1001", "DEMO1001"),  # one identifier without a type
        ("9990000018^^^NHS^NH~DEMO1001^^^EXAMPLE^MR", "DEMO1001"),
        ("A1^^^X^PI~9990000018^^^NHS^NH~DEMO1001^^^EXAMPLE^mr", "DEMO1001"),
        ("~DEMO1001^^^EXAMPLE^MR~", "DEMO1001"),  # empty repetitions
        ("DEMO1001^^^EXAMPLE^MR~DEMO1001^^^OTHER^MR", "DEMO1001"),  # the same twice
        (" DEMO1001 ^^^EXAMPLE^MR", "DEMO1001"),
    ],
)
def test_the_hospital_number_from_pid3(codes: CodeTable, pid3: str, number: str) -> None:
    parsed = parse(message(f"PID|1||{pid3}", OBR, OBX), codes)
    assert problems(parsed) == []
    assert [r.hospital_number for r in parsed.results] == [number]


def test_comparators_in_nm_st_and_sn_values(codes: CodeTable) -> None:
    parsed = read_hl7(FIXTURES / "comparators.hl7", codes, now=NOW)
    assert problems(parsed) == []
    assert [(r.analyte, r.value, r.comparator, r.original_value) for r in parsed.results] == [
        (Analyte.CRP, 5.0, Comparator.LT, "<5"),
        (Analyte.FAECAL_CALPROTECTIN, 2000.0, Comparator.GT, ">2000"),
        (Analyte.ANTI_DRUG_ANTIBODIES, 2.5, Comparator.LT, "<2.5"),
    ]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("NM", "<5", (5.0, Comparator.LT)),
        ("NM", ">200", (200.0, Comparator.GT)),
        ("NM", "<=0.3", (0.3, Comparator.LE)),
        ("ST", "> 150", (150.0, Comparator.GT)),
        ("SN", "<^5", (5.0, Comparator.LT)),
        ("SN", ">=^150", (150.0, Comparator.GE)),
        ("SN", "^12", (12.0, None)),
        ("SN", "=^12", (12.0, None)),
        ("", "12", (12.0, None)),  # OBX-2 left empty
    ],
)
def test_values_and_comparators(
    codes: CodeTable, kind: str, value: str, expected: tuple[float, Comparator | None]
) -> None:
    obx = f"OBX|1|{kind}|1988-5^CRP^LN||{value}|mg/L||N|||F|||20241104081500"
    parsed = parse(message(PID, OBR, obx), codes)
    assert problems(parsed) == []
    assert [(r.value, r.comparator) for r in parsed.results] == [expected]


def test_local_codes_and_units_are_converted_to_the_canonical_unit(codes: CodeTable) -> None:
    parsed = read_hl7(FIXTURES / "local_codes.hl7", codes, now=NOW)
    assert problems(parsed) == []
    assert [(r.analyte, round(r.value, 9), r.unit, r.original_unit) for r in parsed.results] == [
        (Analyte.CRP, 12.0, "mg/L", "mg/dL"),
        (Analyte.HAEMOGLOBIN, 12.8, "g/dL", "g/L"),
        (Analyte.WBC, 6.1, "10^9/L", "10*3/uL"),
        (Analyte.INFLIXIMAB_LEVEL, 8.4, "ug/mL", "ng/mL"),
        (Analyte.FAECAL_CALPROTECTIN, 41.0, "ug/g", "mg/kg"),
    ]
    assert {r.collected_at for r in parsed.results} == {AT}  # OBX-14 empty: OBR-7


@pytest.mark.parametrize(
    ("obx3", "analyte"),
    [
        ("1988-5^C reactive protein^LN", Analyte.CRP),
        ("1988-5^^LN", Analyte.CRP),
        ("1988-5", Analyte.CRP),  # no coding system: a built-in LOINC code
        ("IFX^Whatever the lab calls it^L", Analyte.INFLIXIMAB_LEVEL),
        ("C-RP^C-reactive protein^99LAB", Analyte.CRP),  # an unknown code, a known name
        ("C-RP^Local CRP^99LAB^1988-5^C reactive protein^LN", Analyte.CRP),  # the alternate
    ],
)
def test_the_code_from_obx3(codes: CodeTable, obx3: str, analyte: Analyte) -> None:
    obx = f"OBX|1|NM|{obx3}||4|mg/L||N|||F"
    parsed = parse(message(PID, OBR, obx), codes)
    assert problems(parsed) == []
    assert [r.analyte for r in parsed.results] == [analyte]


def test_a_site_code_table_maps_a_local_code(tmp_path: Path) -> None:
    site = tmp_path / "lab_codes.toml"
    site.write_text('[local.L]\nHGB = { analyte = "haemoglobin" }\n', encoding="utf-8")
    shipped = resource_path("lab_codes.toml")
    text = message(PID, OBR, "OBX|1|NM|HGB^Hgb^L||128|g/L||N|||F")
    assert "unmapped test: code 'HGB' in system 'L'" in str(
        parse(text, load_code_table(shipped)).problems
    )
    parsed = parse(text, load_code_table(shipped, site))
    assert [(r.analyte, r.value) for r in parsed.results] == [(Analyte.HAEMOGLOBIN, 12.8)]


def test_the_sample_time_is_obx14_else_obr7(codes: CodeTable) -> None:
    parsed = read_hl7(FIXTURES / "times.hl7", codes, now=NOW)
    assert problems(parsed) == []
    assert [(r.analyte, r.collected_at) for r in parsed.results] == [
        (Analyte.CRP, datetime(2024, 11, 3, 20, 10)),  # OBX-14, not OBR-7
        (Analyte.HAEMOGLOBIN, AT),  # OBR-7
        # fraction and offset: 12:00:30 at +0100 is 11:00:30 UTC, and London keeps GMT in
        # November, so the site's wall clock says 11:00:30 (docs/clinical.md, "Time")
        (Analyte.FAECAL_CALPROTECTIN, datetime(2024, 11, 1, 11, 0, 30)),
        (Analyte.ALBUMIN, datetime(2024, 11, 2)),  # OBR-7 with only a date
    ]


def test_a_new_obr_does_not_inherit_the_previous_orders_time(codes: CodeTable) -> None:
    text = message(PID, OBR, "OBR|2|ORD2|LAB2|X^Y^L", "OBX|1|NM|1988-5^CRP^LN||4|mg/L||N|||F")
    parsed = parse(text, codes)
    assert parsed.results == []
    assert problems(parsed) == [
        "x.hl7, message 1 (DEMO0001), OBX 1 (segment 5): OBX-14: no observation time: "
        "OBX-14 and its order's OBR-7 are both empty"
    ]


def test_flags_status_and_method(codes: CodeTable) -> None:
    text = message(
        PID,
        OBR,
        "OBX|1|NM|1988-5^CRP^LN||40|mg/L||H~A|||C|||20241104081500|||^Roche CRP4",
        "OBX|2|NM|718-7^Hb^LN||80|g/L||LL|||F|||20241104081500|||Sysmex",
    )
    parsed = parse(text, codes)
    assert problems(parsed) == []
    assert [(r.abnormal_flag, r.assay) for r in parsed.results] == [
        ("H,A", "Roche CRP4"),
        ("LL", "Sysmex"),
    ]


@pytest.mark.parametrize("status", ["P", "I", "R", "S", "D", "W", "X", "N", "O"])
def test_results_that_are_not_final_are_skipped_with_a_note(codes: CodeTable, status: str) -> None:
    obx = f"OBX|1|NM|1988-5^C reactive protein^LN||4|mg/L||N|||{status}|||20241104081500"
    parsed = parse(message(PID, OBR, obx), codes)
    assert (parsed.results, parsed.problems) == ([], [])
    (note,) = parsed.notes
    assert note.startswith("message 1 (DEMO0001), OBX 1 (segment 4): 1988-5 C reactive protein")
    assert note.endswith(f"(OBX-11 {status})")


def test_escapes_in_names_and_codes(codes: CodeTable) -> None:
    pid = "PID|1||DEMO1001^^^EXAMPLE^MR||O\\S\\Brien (DEMO)^Ann||19880412|F"
    obx = "OBX|1|NM|1988-5^C\\T\\reactive protein^LN||4|mg/L||N|||F"
    parsed = parse(message(pid, OBR, obx), codes)
    assert problems(parsed) == []
    assert parsed.identities[0].family_name == "O^Brien (DEMO)"
    assert len(parsed.results) == 1


def test_iso_8859_1_is_read_when_msh18_declares_it(codes: CodeTable) -> None:
    parsed = read_file(FIXTURES / "latin1_declared.hl7", codes, now=NOW)
    assert problems(parsed) == []
    assert [(i.family_name, i.given_name) for i in parsed.identities] == [("Müller (DEMO)", "Zoë")]
    assert len(parsed.results) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            (FIXTURES / "latin1_declared.hl7").read_bytes().replace(b"8859/1", b""),
            "byte 124 (0xfc) is not UTF-8 and MSH-18 declares no character set",
        ),
        (
            (FIXTURES / "latin1_declared.hl7").read_bytes().replace(b"\xfc", b"\x96"),
            "MSH-18 declares ISO 8859-1 but character 130 is a control character (0x96; "
            "Windows-1252?)",
        ),
        (
            (FIXTURES / "latin1_declared.hl7").read_bytes().replace(b"8859/1", b"UNICODE UTF-8"),
            "is not UTF-8 and MSH-18 declares no character set",
        ),
        (b"MSH|^~\\&|LAB\x00|X", "byte 13 is a NUL byte"),
    ],
    ids=["no-charset", "windows-1252", "wrong-charset", "nul"],
)
def test_text_that_is_not_utf8_or_declared_latin1_is_refused(
    codes: CodeTable, tmp_path: Path, data: bytes, reason: str
) -> None:
    path = tmp_path / "x.hl7"
    path.write_bytes(data)
    parsed = read_file(path, codes, now=NOW)
    assert parsed.results == []
    (problem,) = parsed.problems
    assert reason in problem.reason
    assert "UTF-8" in problem.reason


# --- problems -----------------------------------------------------------------------------------

OBX_AT = "OBX|1|NM|{code}||{value}|{unit}||N|||F|||{time}"


def obx(
    code: str = "1988-5^CRP^LN", value: str = "4", unit: str = "mg/L", time: str = "20241104081500"
) -> str:
    return OBX_AT.format(code=code, value=value, unit=unit, time=time)


SEG4 = "message 1 (DEMO0001), OBX 1 (segment 4)"
PROBLEMS = [
    # (id, text, place, field, words of the reason)
    (
        "no-mr",
        message("PID|1||9990000018^^^NHS^NH~A77^^^EX^PI", OBR, OBX),
        "message 1 (DEMO0001), PID (segment 2)",
        "PID-3",
        "PID-3 has 2 identifiers and none of type MR (CX.5)",
    ),
    (
        "only-nhs-number",
        message("PID|1||9990000018^^^NHS^NH", OBR, OBX),
        "message 1 (DEMO0001), PID (segment 2)",
        "PID-3",
        "PID-3's only identifier is of type 'NH' (CX.5), not MR",
    ),
    (
        "two-mr",
        message("PID|1||DEMO1001^^^X^MR~DEMO1002^^^X^MR", OBR, OBX),
        "message 1 (DEMO0001), PID (segment 2)",
        "PID-3",
        "PID-3 has 2 different MR identifiers",
    ),
    (
        "empty-pid3",
        message("PID|1||||Example (DEMO)^Alice", OBR, OBX),
        "message 1 (DEMO0001), PID (segment 2)",
        "PID-3",
        "PID-3 is empty; expected the hospital number (identifier type MR)",
    ),
    (
        "not-a-hospital-number",
        message("PID|1||DEMO 1001^^^X^MR", OBR, OBX),
        "message 1 (DEMO0001), PID (segment 2)",
        "PID-3",
        "'DEMO 1001' is not a hospital number",
    ),
    (
        "bad-birth-date",
        message("PID|1||DEMO1001^^^X^MR||Example (DEMO)^Alice||19881312", OBR, OBX),
        "message 1 (DEMO0001), PID (segment 2)",
        "PID-7",
        "date of birth: '19881312' is not a valid date",
    ),
    (
        "no-time",
        message(PID, "OBR|1|ORD1|LAB1|X^Y^L", obx(time="")),
        SEG4,
        "OBX-14",
        "no observation time: OBX-14 and its order's OBR-7 are both empty",
    ),
    (
        "unparseable-obx14",
        message(PID, OBR, obx(time="04/11/2024 08:15")),
        SEG4,
        "OBX-14",
        "'04/11/2024 08:15' is not an HL7 time (expected YYYYMMDD[HHMM[SS]])",
    ),
    (
        "unparseable-obr7",
        message(PID, "OBR|1|ORD1|LAB1|X^Y^L|||2024-11-04", obx(time="")),
        "message 1 (DEMO0001), OBR 1 (segment 3)",
        "OBR-7",
        "'2024-11-04' is not an HL7 time",
    ),
    (
        "future-time",
        message(PID, OBR, obx(time="20991104081500")),
        SEG4,
        "OBX-14",
        "'20991104081500' is in the future",
    ),
    (
        "unknown-code",
        message(PID, OBR, obx(code="2951-2^Sodium^LN", unit="mmol/L")),
        SEG4,
        "OBX-3",
        "unmapped test: code '2951-2' in system 'LN' named 'Sodium'; add it to lab_codes.toml",
    ),
    (
        "panel-code",
        message(PID, OBR, obx(code="58410-2^CBC panel^LN")),
        SEG4,
        "OBX-3",
        "58410-2 is an order panel, not a result",
    ),
    (
        "unknown-unit",
        message(PID, OBR, obx(unit="mg/dLL")),
        SEG4,
        "OBX-6",
        "C-reactive protein: unknown unit 'mg/dLL' (not a UCUM unit)",
    ),
    (
        "incompatible-unit",
        message(PID, OBR, obx(unit="ug/g")),
        SEG4,
        "OBX-6",
        "'ug/g' is not a mass per volume (e.g. ug/mL) for LOINC 1988-5",
    ),
    (
        "implausible",
        message(PID, OBR, obx(code="718-7^Hemoglobin^LN", value="135", unit="g/dL")),
        SEG4,
        "OBX-5",
        "the value looks ten times too large: is the unit right?",
    ),
    (
        "non-numeric",
        message(PID, OBR, obx(value="see comment")),
        SEG4,
        "OBX-5",
        "'see comment' is not a number (optionally after < or >)",
    ),
    (
        "formula",
        message(PID, OBR, obx(value="=1+1")),
        SEG4,
        "OBX-5",
        "'=1+1' is not a number",
    ),
    (
        "sn-range",
        message(PID, OBR, "OBX|1|SN|1988-5^CRP^LN||^10^-^20|mg/L||N|||F"),
        SEG4,
        "OBX-5",
        "is a range or ratio, not one value",
    ),
    (
        "empty-value",
        message(PID, OBR, obx(value="")),
        SEG4,
        "OBX-5",
        "no value: OBX-5 is empty in a final result",
    ),
    (
        "empty-sn",
        message(PID, OBR, "OBX|1|SN|1988-5^CRP^LN||<^|mg/L||N|||F"),
        SEG4,
        "OBX-5",
        "'<' is not a number",
    ),
    (
        "repeated-value",
        message(PID, OBR, obx(value="4~5")),
        SEG4,
        "OBX-5",
        "2 values (repetitions of OBX-5); one result has one value",
    ),
    (
        "sn-sent-as-nm",
        message(PID, OBR, obx(value="<^5")),
        SEG4,
        "OBX-5",
        "'<^5' has components: expected one number (or OBX-2 SN",
    ),
    (
        "value-type",
        message(PID, OBR, "OBX|1|CE|1988-5^CRP^LN||POS^Positive|mg/L||N|||F"),
        SEG4,
        "OBX-5",
        "value type (OBX-2) 'CE': expected NM, SN, ST or TX",
    ),
    (
        "status",
        message(PID, OBR, "OBX|1|NM|1988-5^CRP^LN||4|mg/L||N|||Q"),
        SEG4,
        "OBX-11",
        "result status 'Q': expected F (final) or C (corrected)",
    ),
    (
        "flags",
        message(PID, OBR, "OBX|1|NM|1988-5^CRP^LN||4|mg/L||H~HH~A~AA|||F"),
        SEG4,
        "OBX-8",
        "at most 8 letters",
    ),
    (
        "obx-before-pid",
        message(OBX, PID),
        "message 1 (DEMO0001), OBX 1 (segment 2)",
        "PID",
        "no PID segment before this one: whose result is it?",
    ),
    (
        "no-pid",
        message(OBR, OBX),
        "message 1 (DEMO0001), OBR 1 (segment 2)",
        "PID",
        "no PID segment before this one",
    ),
    (
        "adt",
        message(PID, msh=MSH.replace("ORU^R01", "ADT^A01")),
        "message 1 (DEMO0001), MSH (segment 1)",
        "MSH-9",
        "message type 'ADT^A01': only ORU^R01 (lab results) can be imported",
    ),
    (
        "truncated-msh",
        message(PID, OBR, OBX, msh="MSH|^~\\&|LAB|EXAMPLE"),
        "message 1, MSH (segment 1)",
        "MSH-9",
        "no message type (the MSH segment has 4 fields; cut short?): expected ORU^R01",
    ),
    (
        "msh-only",
        "MSH\rPID|1||DEMO1001\r",
        "segment 1",
        "",
        "the file begins 'MSH': expected a field separator right after MSH",
    ),
    (
        "second-msh-cut-short",
        message(PID, OBR, OBX) + "MSH\r",
        "message 2, MSH (segment 1)",
        "MSH-1",
        "the MSH segment stops after 'MSH'",
    ),
    (
        "tab-separated",
        message(PID, OBR, OBX, msh=MSH.replace("|", "\t")),
        "message 1, MSH (segment 1)",
        "MSH-1",
        "MSH-1 '\\t' cannot be the field separator",
    ),
    (
        "bad-encoding-characters",
        message(PID, OBR, OBX, msh=MSH.replace("^~\\&", "^^^^")),
        "message 1, MSH (segment 1)",
        "MSH-2",
        "MSH-2 encoding characters '^^^^' are not four distinct separators",
    ),
    (
        "line-break-in-a-field",
        message(PID, OBR, "OBX|1|NM|1988-5^CRP^LN||4|mg/L||N|||F\rsee the report"),
        "message 1 (DEMO0001), segment 5",
        "",
        "'see the report' is not an HL7 segment (a line break inside a field?)",
    ),
    (
        "text-before-msh",
        "Results from the lab\r" + message(PID, OBR, OBX),
        "segment 1",
        "",
        "not HL7 v2: the file begins 'Results from the lab', not with MSH",
    ),
    ("empty", " \r\n", "", "", "the file is empty"),
]


@pytest.mark.parametrize(
    ("text", "place", "field", "reason"),
    [p[1:] for p in PROBLEMS],
    ids=[p[0] for p in PROBLEMS],
)
def test_problems_name_message_segment_field_and_reason(
    codes: CodeTable, text: str, place: str, field: str, reason: str
) -> None:
    parsed = parse(text, codes)
    (problem,) = parsed.problems
    assert (problem.where.file, problem.where.place, problem.field) == ("x.hl7", place, field)
    assert reason in problem.reason, problem.reason


def test_one_problem_per_bad_pid_not_one_per_result(codes: CodeTable) -> None:
    text = message("PID|1||9990000018^^^NHS^NH~A77^^^EX^PI", OBR, OBX, OBX, OBX)
    assert len(parse(text, codes).problems) == 1


def test_a_bad_message_does_not_hide_the_next_ones(codes: CodeTable) -> None:
    adt = message(PID, msh=MSH.replace("ORU^R01", "ADT^A01").replace("DEMO0001", "DEMO0000"))
    parsed = parse(adt + message(PID, OBR, obx(value="x")), codes)
    assert [p.where.place for p in parsed.problems] == [
        "message 1 (DEMO0000), MSH (segment 1)",
        "message 2 (DEMO0001), OBX 1 (segment 4)",
    ]


def test_a_wholly_wrong_file_is_summarised(codes: CodeTable) -> None:
    text = message(PID, OBR, *[obx(code="2951-2^Sodium^LN")] * 1500)
    parsed = parse(text, codes)
    assert len(parsed.problems) == 1001
    assert "stopped reading" in str(parsed.problems[-1])


def test_our_field_split_matches_python_hl7(codes: CodeTable) -> None:
    text = (FIXTURES / "oru_r01.hl7").read_bytes().decode()
    parsed = hl7.parse(text)
    seps = separators(text.split("\r")[0])
    for number, (line, theirs) in enumerate(zip(text.strip().split("\r"), parsed, strict=True)):
        ours = Segment.of(number + 1, line, seps)
        assert ours.fields == [str(f) for f in theirs]


@given(
    st.lists(
        st.text(alphabet="AZaz09 .<>-^~&", max_size=12).filter(lambda f: "\\" not in f),
        min_size=1,
        max_size=30,
    )
)
def test_any_segment_splits_as_python_hl7_splits_it(fields: list[str]) -> None:
    text = "MSH|^~\\&|LAB\rOBX|" + "|".join(fields) + "\r"
    theirs = hl7.parse(text)[1]
    ((_, msh), (number, obx)) = split_messages(text).messages[0].segments
    ours = Segment.of(number, obx, separators(msh))
    assert ours.fields == [str(f) for f in theirs]
    for n in range(1, len(fields) + 1):
        assert ours.repetitions(n) == str(theirs[n]).split("~")


# --- through the import service -----------------------------------------------------------------


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def demo_identity(demo_db: Database, number: str) -> str:
    from mdt_desktop.services.patients import PatientService

    patient = PatientService(demo_db).get_record(number).patient
    return (
        f"PID|1||9990000018^^^NHS^NH~{number}^^^EXAMPLE^MR||{patient.family_name}^"
        f"{patient.given_name}||{patient.date_of_birth:%Y%m%d}"
    )


def test_the_sample_imports_into_the_demo_database_once(
    demo_db: Database, demo_path: Path, codes: CodeTable, tmp_path: Path
) -> None:
    text = (FIXTURES / "oru_r01.hl7").read_bytes().decode()
    pid = next(s for s in text.split("\r") if s.startswith("PID"))
    path = tmp_path / "labs.hl7"
    path.write_text(text.replace(pid, demo_identity(demo_db, "DEMO10001")), newline="")
    service = ImportService(demo_db, codes)
    before = counts(demo_path)
    report = service.run([path], None, now=NOW)
    assert (report.written, report.new_records, report.files[0].format) == (True, 6, "HL7 v2")
    assert counts(demo_path)["observations"] == before["observations"] + 6
    again = service.run([path], None, now=NOW)
    assert (again.written, again.new_records, again.already_stored) == (False, 0, 6)


def test_a_pid_naming_someone_else_is_refused(
    demo_db: Database, demo_path: Path, codes: CodeTable, tmp_path: Path
) -> None:
    path = tmp_path / "labs.hl7"
    path.write_text(message(PID.replace("DEMO1001", "DEMO10001"), OBR, OBX), newline="")
    before = counts(demo_path)
    with pytest.raises(ImportRejected) as caught:
        ImportService(demo_db, codes).run([path], None, now=NOW)
    (problem,) = caught.value.report.problems
    assert problem.field == "PID"
    assert "DEMO10001: date of birth 12 Apr 1988 differs from the stored" in problem.reason
    assert counts(demo_path) == before


# --- fuzz ---------------------------------------------------------------------------------------

REALISTIC = st.sampled_from(
    [
        "",
        "1",
        "NM",
        "SN",
        "ST",
        "F",
        "P",
        "C",
        "DEMO1001^^^EXAMPLE^MR",
        "DEMO1001^^^EXAMPLE^MR~9990000018^^^NHS^NH",
        "1988-5^C reactive protein^LN",
        "IFX^Infliximab level^L",
        "58410-2^CBC panel^LN",
        "<5",
        ">2000",
        "<^2.5",
        "^10^-^20",
        "mg/L",
        "10*3/uL",
        "20241104081500",
        "20991104",
        "2024",
        "ORU^R01",
        "8859/1",
        "\\X41\\",
        "\\.sp5\\",
        "\\",
    ]
)
FIELD = st.one_of(
    REALISTIC, st.text(alphabet="|^~\\&<>=.-+ 0123456789AFLMNRUX\t\x0b\x1c", max_size=16)
)
SEGMENT = st.tuples(
    st.sampled_from(["PID", "OBR", "OBX", "NTE", "ZZZ", "MSH", "FHS", "BTS", "pid", "OB", ""]),
    st.lists(FIELD, max_size=20),
).map(lambda s: "|".join([s[0], *s[1]]))
ENDING = st.sampled_from(["\r", "\n", "\r\n"])
HL7_LIKE = st.tuples(st.lists(FIELD, max_size=20), st.lists(SEGMENT, max_size=12), ENDING).map(
    lambda t: t[2].join(["MSH|^~\\&|" + "|".join(t[0]), *t[1]])
)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=600))
def test_any_bytes_give_a_parsed_file_never_an_exception(
    codes: CodeTable, tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.hl7"
    path.write_bytes(data)
    parsed = read_file(path, codes, now=NOW)
    assert isinstance(parsed, ParsedFile)
    assert parsed.results or parsed.problems or not parsed.format.startswith("HL7") or data


@settings(max_examples=100, deadline=None)
@given(text=HL7_LIKE)
def test_any_segment_like_text_gives_results_or_problems_never_an_exception(
    codes: CodeTable, tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.hl7"
    path.write_text(text, encoding="utf-8", newline="")
    parsed = read_file(path, codes, now=NOW)
    assert parsed.format == "HL7 v2"
    for problem in parsed.problems:
        assert problem.where.file == "fuzz.hl7"
        assert problem.reason
    for result in parsed.results:
        assert result.hospital_number
        assert result.collected_at <= NOW + timedelta(days=1)


OBX_FIELDS = st.tuples(
    st.sampled_from(["1988-5^CRP^LN", "718-7^Hb^LN", "IFX^Infliximab^L", "2951-2^Na^LN", ""]),
    st.one_of(st.sampled_from(["4", "<5", "135", "=1+1", "", "1e999"]), st.text(max_size=8)),
    st.sampled_from(["mg/L", "mg/dL", "g/L", "g/dL", "ng/mL", "ug/g", "furlongs", ""]),
    st.sampled_from(
        [
            "20241104081517",
            "20241104",
            "20991104",
            "2024-11-04",
            "",
            "20241104081517+0100",  # offsets: converted to the site's zone
            "20241104233000-1100",
            "20241104081517+2400",  # not an offset
            "19000101000000+0100",  # before 1900 once converted
        ]
    ),
    st.sampled_from(["F", "C", "P", "Q", ""]),
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    results=st.lists(OBX_FIELDS, min_size=1, max_size=4),
    number=st.sampled_from(["DEMO10001", "DEMO10002", "DEMO99999"]),
    ending=ENDING,
)
def test_fuzzed_results_import_or_are_refused_and_then_nothing_is_written(
    demo_db: Database,
    demo_path: Path,
    codes: CodeTable,
    tmp_path: Path,
    results: list[tuple[str, str, str, str, str]],
    number: str,
    ending: str,
) -> None:
    segments = [MSH, f"PID|1||{number}^^^EXAMPLE^MR", "OBR|1|ORD1|LAB1|X^Y^L|||20241104081517"]
    for set_id, (code, value, unit, time, status) in enumerate(results, start=1):
        value = value.replace("|", "").replace("\r", "").replace("\n", "")
        segments.append(f"OBX|{set_id}|NM|{code}||{value}|{unit}||N|||{status}|||{time}")
    path = tmp_path / "fuzz.hl7"
    path.write_text(ending.join(segments) + ending, encoding="utf-8", newline="")
    service = ImportService(demo_db, codes)
    before = counts(demo_path)
    report = service.preview([path], now=NOW)
    if report.ok:
        event("imported")
        service.run([path], None, now=NOW)  # whatever parses cleanly imports
        return
    event("refused")
    with pytest.raises(ImportRejected):
        service.run([path], None, now=NOW)
    assert counts(demo_path) == before
