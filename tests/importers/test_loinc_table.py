"""The LOINC codes the importers read, checked against their long name, component and property.

The table below is written by hand, each row beside the LOINC long name and component it was
verified against (resources/lab_codes.toml says where). The shipped configuration must match it
exactly, so a wrong mapping (74116-5, the anti-adalimumab antibody, was once read as the drug
level) cannot creep back. A result whose unit does not fit its code's property (an antibody
titre in AU/mL sent under a mass-concentration level code) is a problem naming the code, its
long name and the unit.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from mdt_desktop.domain.enums import Analyte
from mdt_desktop.domain.errors import ConfigurationError
from mdt_desktop.importers.codes import CodeTable, check_digit_ok, load_code_table
from mdt_desktop.importers.fhir_reader import parse_fhir
from mdt_desktop.importers.model import LabResult, Problem, Where
from mdt_desktop.importers.results import RawResult, convert
from mdt_desktop.paths import resource_path
from tests.importers.conftest import NOW

A = Analyte
ADA = "adalimumab"
# fmt: off
# code, LOINC long name, component, property, analyte, antibody target, verified?
TABLE = [
    ("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma",
     "C reactive protein", "MCnc", A.CRP, None, "verified"),
    ("30522-7", "C reactive protein [Mass/volume] in Serum or Plasma by High sensitivity method",
     "C reactive protein", "MCnc", A.CRP, None, "verified"),
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count",
     "Leukocytes", "NCnc", A.WBC, None, "verified"),
    ("718-7", "Hemoglobin [Mass/volume] in Blood",
     "Hemoglobin", "MCnc", A.HAEMOGLOBIN, None, "verified"),
    ("1751-7", "Albumin [Mass/volume] in Serum or Plasma",
     "Albumin", "MCnc", A.ALBUMIN, None, "verified"),
    ("38445-3", "Calprotectin [Mass/mass] in Stool",
     "Calprotectin", "MCnt", A.FAECAL_CALPROTECTIN, None, "verified"),
    ("39803-2", "inFLIXimab [Mass/volume] in Serum or Plasma",
     "inFLIXimab", "MCnc", A.INFLIXIMAB_LEVEL, None, "unverified"),
    ("86896-8", "inFLIXimab [Mass/volume] in Serum or Plasma by Immunoassay",
     "inFLIXimab", "MCnc", A.INFLIXIMAB_LEVEL, None, "unverified"),
    ("86894-3", "Adalimumab [Mass/volume] in Serum or Plasma",
     "Adalimumab", "MCnc", A.ADALIMUMAB_LEVEL, None, "verified"),
    ("74117-3", "Adalimumab [Mass/volume] in Serum or Plasma",
     "Adalimumab", "MCnc", A.ADALIMUMAB_LEVEL, None, "partly verified"),
    ("74116-5", "not confirmed: its one public user labels it "
     "'Adalimumab [Mass/volume] in Serum or Plasma'",
     "Adalimumab Ab", "MCnc", A.ANTI_DRUG_ANTIBODIES, ADA, "unverified"),
    ("86895-0", "Adalimumab Ab [Mass/volume] in Serum or Plasma",
     "Adalimumab Ab", "MCnc", A.ANTI_DRUG_ANTIBODIES, ADA, "verified"),
    ("90779-0", "Adalimumab Ab [Units/volume] in Serum or Plasma",
     "Adalimumab Ab", "ACnc", A.ANTI_DRUG_ANTIBODIES, ADA, "verified"),
]
# fmt: on


def shipped() -> CodeTable:
    return load_code_table(resource_path("lab_codes.toml"))


def test_the_shipped_loinc_table_is_exactly_the_verified_table() -> None:
    table = shipped().loinc
    found = [
        (
            code,
            m.loinc.long_name,
            m.loinc.component,
            m.loinc.loinc_property,
            m.analyte,
            m.target_drug,
            m.loinc.verification.split(":")[0],
        )
        for code, m in table.items()
        if m.loinc is not None
    ]
    assert sorted(found) == sorted(TABLE)
    assert len(table) == len(TABLE)


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row[0])
def test_every_code_has_a_valid_check_digit_and_says_where_it_was_verified(
    row: tuple[object, ...],
) -> None:
    code = str(row[0])
    assert check_digit_ok(code)
    mapping = shipped().loinc[code]
    assert mapping.loinc is not None
    reason = mapping.loinc.verification.split(":", 1)[1].strip()
    assert len(reason.split()) >= 3  # a place or a why, not a bare word


@pytest.mark.parametrize(
    ("code", "ok"),
    # 1988-5: digits 1 9 8 8 5 from the right 5, 8x2=16->7, 8, 9x2=18->9, 1: 30, a multiple of 10
    [("1988-5", True), ("1988-4", False), ("718-7", True), ("58410-2", True), ("1988", False)],
)
def test_the_loinc_check_digit(code: str, ok: bool) -> None:
    assert check_digit_ok(code) is ok


def raw(code: str, value: str, unit: str) -> RawResult:
    return RawResult(
        hospital_number="DEMO1001",
        system="http://loinc.org",
        code=code,
        name=None,
        value=value,
        unit=unit,
        collected_at=datetime(2025, 10, 7, 8, 15),
        where=Where("f.json", "entry 2 (Observation/x)"),
    )


@pytest.mark.parametrize(
    ("code", "unit", "reason"),
    [
        # an antibody titre in arbitrary units under a level code (MCnc)
        (
            "74117-3",
            "AU/mL",
            "Adalimumab trough: 'AU/mL' is an arbitrary unit; expected a mass per volume "
            "(e.g. ug/mL) for LOINC 74117-3 'Adalimumab [Mass/volume] in Serum or Plasma' "
            "(MCnc): an antibody titre sent under a drug-level code?",
        ),
        ("39803-2", "U/mL", "'U/mL' is an arbitrary unit"),
        ("86894-3", "[arb'U]/mL", "an antibody titre sent under a drug-level code?"),
        # a mass concentration under the arbitrary-unit antibody code (ACnc)
        ("90779-0", "ng/mL", "'ng/mL' is not an arbitrary unit; expected arbitrary units"),
        # arbitrary units under the mass-concentration antibody code
        ("86895-0", "AU/mL", "LOINC 86895-0 'Adalimumab Ab [Mass/volume] in Serum or Plasma'"),
        # a mass per volume under the mass-content (stool) code
        ("38445-3", "ug/mL", "'ug/mL' is not a mass per mass (e.g. ug/g)"),
        # a mass per volume under the count-per-volume code
        ("6690-2", "g/L", "'g/L' is not a count per volume (e.g. 10*9/L)"),
        ("1988-5", "mmol/L", "'mmol/L' is not a mass per volume"),
    ],
)
def test_a_unit_that_does_not_fit_the_property_names_the_code_and_long_name(
    code: str, unit: str, reason: str
) -> None:
    problem = convert(raw(code, "30", unit), shipped())
    assert isinstance(problem, Problem)
    assert problem.field == "unit"
    assert reason in problem.reason
    assert code in problem.reason


@pytest.mark.parametrize(
    ("code", "value", "unit", "expected"),
    [
        # 45 ng/mL of anti-adalimumab antibody is 45 ng/mL (antibodies keep the assay's unit),
        # never an adalimumab level of 45 / 1000 = 0.045 ug/mL
        ("74116-5", "45", "ng/mL", (A.ANTI_DRUG_ANTIBODIES, 45.0, "ng/mL", ADA)),
        ("86895-0", "<20", "ng/mL", (A.ANTI_DRUG_ANTIBODIES, 20.0, "ng/mL", ADA)),
        ("90779-0", "12", "AU/mL", (A.ANTI_DRUG_ANTIBODIES, 12.0, "AU/mL", ADA)),
        # 6400 ng/mL / 1000 = 6.4 ug/mL
        ("74117-3", "6400", "ng/mL", (A.ADALIMUMAB_LEVEL, 6.4, "ug/mL", None)),
        ("86894-3", "6.4", "ug/mL", (A.ADALIMUMAB_LEVEL, 6.4, "ug/mL", None)),
        # 0.31 mg/g x 1000 = 310 ug/g
        ("38445-3", "0.31", "mg/g", (A.FAECAL_CALPROTECTIN, 310.0, "ug/g", None)),
        ("6690-2", "5.8", "/nL", (A.WBC, 5.8, "10^9/L", None)),
    ],
)
def test_results_under_each_code(
    code: str, value: str, unit: str, expected: tuple[object, ...]
) -> None:
    result = convert(raw(code, value, unit), shipped())
    assert isinstance(result, LabResult), result
    assert (result.analyte, result.value, result.unit, result.target_drug) == expected


def test_a_panel_of_level_and_antibody_at_one_time_is_one_level_and_one_antibody() -> None:
    """The LOINC 74117-3 level and the 74116-5 antibody drawn together: two results."""
    subject = {"identifier": {"value": "DEMO10001"}}
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": code,
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                    "subject": subject,
                    "effectiveDateTime": "2025-10-07T08:15:00+01:00",
                    "valueQuantity": quantity,
                }
            }
            for code, quantity in (
                ("74117-3", {"value": 6.4, "unit": "ug/mL"}),
                ("74116-5", {"value": 45, "unit": "ng/mL"}),
            )
        ],
    }
    parsed = parse_fhir(json.dumps(document), "panel.json", shipped(), now=NOW)
    assert parsed.problems == []
    # 08:15 at +01:00 is 07:15 UTC, 08:15 British Summer Time on 7 October
    assert [
        (r.analyte, r.value, r.unit, r.target_drug, r.collected_at) for r in parsed.results
    ] == [
        (A.ADALIMUMAB_LEVEL, 6.4, "ug/mL", None, datetime(2025, 10, 7, 8, 15)),
        (A.ANTI_DRUG_ANTIBODIES, 45.0, "ng/mL", ADA, datetime(2025, 10, 7, 8, 15)),
    ]


def test_an_old_site_file_naming_a_route_still_means_the_molecule(tmp_path: Path) -> None:
    site = tmp_path / "lab_codes.toml"
    site.write_text(
        '[local.L]\nXATI = { analyte = "anti_drug_antibodies", target_drug = "infliximab_iv" }\n',
        encoding="utf-8",
    )
    table = load_code_table(resource_path("lab_codes.toml"), site)
    mapping = table.analyte("L", "XATI", None)
    assert mapping is not None
    assert mapping.target_drug == "infliximab"


def test_a_site_adds_a_loinc_code_with_its_description(tmp_path: Path) -> None:
    site = tmp_path / "lab_codes.toml"
    site.write_text(
        '[loinc."2951-2"]\nanalyte = "albumin"\nlong_name = "Sodium [Moles/volume] in Serum"\n'
        'component = "Sodium"\nproperty = "SCnc"\n'
        'verification = "unverified: a test of the site overlay, not a real mapping"\n',
        encoding="utf-8",
    )
    table = load_code_table(resource_path("lab_codes.toml"), site)
    assert len(table.loinc) == len(TABLE) + 1
    found = table.analyte("LN", "2951-2", None)
    assert found is not None
    assert found.loinc is not None
    assert found.loinc.loinc_property == "SCnc"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[loinc."1988-4"]\nanalyte = "crp"\n', "loinc.1988-4: not a LOINC code"),
        (
            '[loinc."1988-5"]\nverification = "checked"\n',
            "loinc.1988-5: verification must start with 'verified:'",
        ),
        ('[loinc."1988-5"]\nlong_name = ""\n', "loinc.1988-5: needs long_name"),
        (
            '[local.L]\nX = { analyte = "anti_drug_antibodies", target_drug = "aspirin" }\n',
            "local.L.X: needs a known analyte (and target_drug, if any)",
        ),
        (
            '[stop_reasons.snomed]\n"123" = { reason = "lack_of_effect" }\n',
            "stop_reasons.snomed.123: needs a known reason and a verification",
        ),
        (
            '[stop_reasons.phrases]\n"Lost Response" = "lack_of_effect"\n',
            "stop_reasons.phrases.Lost Response: needs a lower-case phrase",
        ),
    ],
)
def test_a_wrong_site_entry_is_refused_with_its_key(
    tmp_path: Path, text: str, message: str
) -> None:
    site = tmp_path / "lab_codes.toml"
    site.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_code_table(resource_path("lab_codes.toml"), site)
