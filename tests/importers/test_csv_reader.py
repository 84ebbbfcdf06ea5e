"""The CSV reader: the contract's header, BOM or none, CRLF or LF, quoted fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdt_desktop.domain.enums import Analyte, Comparator
from mdt_desktop.importers.csv_reader import parse_csv, read_csv
from mdt_desktop.importers.model import ParsedFile
from tests.importers.conftest import NOW

HEADER = "hospital_number,collected_at,test,value,unit"
ROWS = [
    "DEMO1001,2025-03-02T08:40:00,38445-3,55,ug/g",
    "DEMO1001,2025-03-02T08:40:00,1988-5,<5,mg/L",
    'DEMO1001,2025-03-02T08:40:00,"infliximab level",6.2,ug/mL',
    "DEMO1002,2025-03-05T09:10:00,faecal calprotectin,230,mg/kg",
    "DEMO1002,2025-03-05T09:10:00,crp,1.1,mg/dL",
    "DEMO1002,2025-03-05,haemoglobin,128,g/L",
]
EXPECTED = [
    ("DEMO1001", Analyte.FAECAL_CALPROTECTIN, 55.0, "ug/g", None, "55", "ug/g"),
    ("DEMO1001", Analyte.CRP, 5.0, "mg/L", Comparator.LT, "<5", "mg/L"),
    ("DEMO1001", Analyte.INFLIXIMAB_LEVEL, 6.2, "ug/mL", None, "6.2", "ug/mL"),
    ("DEMO1002", Analyte.FAECAL_CALPROTECTIN, 230.0, "ug/g", None, "230", "mg/kg"),
    ("DEMO1002", Analyte.CRP, 11.0, "mg/L", None, "1.1", "mg/dL"),
    ("DEMO1002", Analyte.HAEMOGLOBIN, 12.8, "g/dL", None, "128", "g/L"),
]


def results(parsed):
    return [
        (
            r.hospital_number,
            r.analyte,
            pytest.approx(r.value),
            r.unit,
            r.comparator,
            r.original_value,
            r.original_unit,
        )
        for r in parsed.results
    ]


@pytest.mark.parametrize(
    ("bom", "newline"), [("", "\n"), ("\ufeff", "\r\n"), ("\ufeff", "\n"), ("", "\r\n")]
)
def test_the_sample_in_every_encoding_variant(codes, tmp_path, bom, newline):
    path = tmp_path / "labs.csv"
    path.write_text(bom + newline.join([HEADER, *ROWS]) + newline, encoding="utf-8", newline="")
    parsed = read_csv(path, codes, now=NOW)
    assert parsed.problems == []
    assert results(parsed) == [tuple(e) for e in EXPECTED]
    assert parsed.results[0].where.place == "line 2"


def test_optional_columns_and_header_case(codes):
    text = "Hospital_Number,Collected_At,Test,Value,Unit,Assay,Flag\n" + (
        "DEMO1001,2025-03-02,crp,12,mg/L,Roche CRP4,H\n"
    )
    parsed = parse_csv(text, "x.csv", codes, now=NOW)
    assert parsed.problems == []
    assert (parsed.results[0].assay, parsed.results[0].abnormal_flag) == ("Roche CRP4", "H")


@pytest.mark.parametrize(
    ("text", "place", "message"),
    [
        ("", "line 1", "the file is empty"),
        ("a,b\n", "line 1", "missing column(s) hospital_number"),
        (HEADER + ",extra\n", "line 1", "unknown column(s) 'extra'"),
        (HEADER + "\nDEMO1001,2025-03-02,crp,5\n", "line 2", "4 fields"),
        (HEADER + "\nDEMO 1001,2025-03-02,crp,5,mg/L\n", "line 2", "not a hospital number"),
        (HEADER + "\nDEMO1001,2099-03-02,crp,5,mg/L\n", "line 2", "in the future"),
        (HEADER + "\nDEMO1001,2025-03-02,sodium,5,mmol/L\n", "line 2", "unmapped test"),
        (HEADER + '\nDEMO1001,2025-03-02,crp,"5,mg/L\n', "line 2", "not CSV"),
    ],
)
def test_problems_name_the_line(codes, text, place, message):
    parsed = parse_csv(text, "x.csv", codes, now=NOW)
    assert parsed.results == []
    assert any(p.where.place == place and message in str(p) for p in parsed.problems), [
        str(p) for p in parsed.problems
    ]


def test_a_wholly_wrong_file_is_summarised(codes):
    text = HEADER + "\n" + "DEMO1001,2025-03-02,sodium,5,mmol/L\n" * 1500
    parsed = parse_csv(text, "x.csv", codes, now=NOW)
    assert len(parsed.problems) == 1001
    assert "stopped reading" in str(parsed.problems[-1])


@given(st.text())
def test_any_text_gives_results_or_problems_never_an_exception(codes, text):
    parsed = parse_csv(text, "fuzz.csv", codes, now=NOW)
    assert isinstance(parsed, ParsedFile)
    assert parsed.results or parsed.problems or not text.strip() or text.count("\n") <= 1


@given(st.lists(st.lists(st.text(max_size=12), min_size=5, max_size=5), max_size=8))
def test_any_rows_under_the_header_never_raise(codes, rows):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER.split(","), *rows])
    parsed = parse_csv(buffer.getvalue(), "fuzz.csv", codes, now=NOW)
    assert len(parsed.results) + len(parsed.problems) >= sum(
        1 for row in rows if any(cell.strip() for cell in row)
    )
