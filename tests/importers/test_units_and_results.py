"""Conversions to canonical units, value parsing and plausibility: table-driven."""

from __future__ import annotations

from datetime import datetime

import pytest

from mdt_desktop.domain.enums import Analyte, Comparator
from mdt_desktop.importers.model import LabResult, Problem, Where
from mdt_desktop.importers.results import RawResult, convert, parse_value
from mdt_desktop.importers.units import UnitError, to_canonical

A = Analyte


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected", "canonical"),
    [
        (A.CRP, 0.4, "mg/dL", 4.0, "mg/L"),
        (A.CRP, 4, "mg/L", 4.0, "mg/L"),
        (A.CRP, 4, "mg/l", 4.0, "mg/L"),
        (A.WBC, 6.1, "10*3/uL", 6.1, "10^9/L"),
        (A.WBC, 6.1, "10*9/L", 6.1, "10^9/L"),
        (A.WBC, 6.1, "x10^9/L", 6.1, "10^9/L"),
        (A.HAEMOGLOBIN, 132, "g/L", 13.2, "g/dL"),
        (A.HAEMOGLOBIN, 13.2, "g/dL", 13.2, "g/dL"),
        (A.ALBUMIN, 3.8, "g/dL", 38.0, "g/L"),
        (A.ALBUMIN, 38, "g/L", 38.0, "g/L"),
        (A.INFLIXIMAB_LEVEL, 8400, "ng/mL", 8.4, "ug/mL"),
        (A.INFLIXIMAB_LEVEL, 8.4, "mg/L", 8.4, "ug/mL"),
        (A.ADALIMUMAB_LEVEL, 12, "µg/mL", 12.0, "ug/mL"),
        (A.FAECAL_CALPROTECTIN, 230, "mg/kg", 230.0, "ug/g"),
        (A.FAECAL_CALPROTECTIN, 55, "ug/g", 55.0, "ug/g"),
        (A.IUS_BOWEL_WALL_MM, 0.31, "cm", 3.1, "mm"),
        (A.HBI, 3, "", 3, "score"),
        (A.PARTIAL_MAYO, 1, "{score}", 1, "score"),
        (A.ANTI_DRUG_ANTIBODIES, 2.5, "ug/mL{eq}", 2.5, "ug/mL{eq}"),
        (A.ANTI_DRUG_ANTIBODIES, 30, "AU/mL", 30, "AU/mL"),
    ],
)
def test_conversions(analyte, value, unit, expected, canonical):
    converted, unit_out = to_canonical(analyte, value, unit)
    assert converted == pytest.approx(expected)
    assert unit_out == canonical


@pytest.mark.parametrize(
    ("analyte", "unit", "message"),
    [
        (A.CRP, "ug/g", "cannot be converted to mg/L"),
        (A.CRP, "furlongs", "unknown unit"),
        (A.CRP, "", "no unit given"),
        (A.HAEMOGLOBIN, "mmol/L", "cannot be converted"),
        (A.HBI, "mg", "score without a unit"),
        (A.ANTI_DRUG_ANTIBODIES, " ", "assay's unit"),
    ],
)
def test_unit_errors(analyte, unit, message):
    with pytest.raises(UnitError, match=message):
        to_canonical(analyte, 1.0, unit)


@pytest.mark.parametrize(
    ("text", "value", "comparator"),
    [
        ("5", 5.0, None),
        (" 5.25 ", 5.25, None),
        ("<5", 5.0, Comparator.LT),
        ("< 2.5", 2.5, Comparator.LT),
        (">6000", 6000.0, Comparator.GT),
        ("<=1", 1.0, Comparator.LE),
        (">=10", 10.0, Comparator.GE),
        (".5", 0.5, None),
        ("1e3", 1000.0, None),
    ],
)
def test_values(text, value, comparator):
    assert parse_value(text) == (value, comparator)


@pytest.mark.parametrize("text", ["", "positive", "5 mg/L", "1,2", "nan", "inf", "=1+2", "5<"])
def test_values_that_are_not_numbers(text):
    with pytest.raises(ValueError, match="not a"):
        parse_value(text)


def raw(code, value, unit, system=None, name=None):
    return RawResult(
        "DEMO1001",
        system,
        code,
        name,
        value,
        unit,
        datetime(2026, 10, 1, 8, 0),
        Where("f", "line 2"),
    )


def test_a_local_code_maps_antibodies_with_their_drug(codes):
    result = convert(raw("ATI", "<2.5", "ug/mL{eq}", system="L"), codes)
    assert isinstance(result, LabResult)
    assert (result.analyte, result.target_drug, result.comparator) == (
        A.ANTI_DRUG_ANTIBODIES,
        "infliximab",  # the molecule, whatever the route (docs/clinical.md, "One drug identity")
        Comparator.LT,
    )
    assert (result.original_value, result.original_unit) == ("<2.5", "ug/mL{eq}")


@pytest.mark.parametrize(
    ("result", "field", "message"),
    [
        (raw("2345-7", "5", "mmol/L", system="LN"), "code", "unmapped test: code '2345-7'"),
        (raw("58410-2", "5", "", system="LN"), "code", "order panel"),
        (raw("718-7", "135", "g/dL", system="LN"), "value", "ten times too large"),
        (raw("1988-5", "high", "mg/L", system="LN"), "value", "not a number"),
        (raw("1988-5", "5", "ug/g", system="LN"), "unit", "'ug/g' is not a mass per volume"),
    ],
)
def test_problems_name_the_field_and_reason(codes, result, field, message):
    problem = convert(result, codes)
    assert isinstance(problem, Problem)
    assert problem.field == field
    assert message in problem.reason
    assert str(problem).startswith("f, line 2: ")
