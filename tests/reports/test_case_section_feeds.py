"""The minutes on results as hospital feeds send them (issue 12): each antibody result with its
reading, and the risk factors where the sources disagree.

The antibody results are HL7 OBX segments of one laboratory (OBX-17 "CITYLAB ATI ELISA", unit
U/mL, OBX-8 the flag), collected before a meeting on 25 Nov 2026:

- 5 Nov 2026, "8" flagged POS: detected (the laboratory's flag, [S103]).
- 1 Oct 2026, "2.1" flagged N: not detected.
- 1 Sep 2026, "2.1" without a flag, no cut-off configured: unknown.
- 1 Aug 2026, "<2.5": below the assay's limit, not detected.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from reportlab.platypus import Paragraph, Table

from mdt_desktop.domain.enums import Analyte, Comparator, DoseUnit, Drug, IbdType, Sex
from mdt_desktop.domain.records import MedicationPeriod, Observation, Patient, PatientRecord
from mdt_desktop.domain.risk import RiskFinding
from mdt_desktop.domain.sampling import SamplingRules
from mdt_desktop.reports.case_section import CaseSection
from mdt_desktop.reports.drug_levels import drug_level_rows
from mdt_desktop.reports.styles import make_styles

MEETING = date(2026, 11, 25)
PATIENT = Patient(
    None,
    "RX7654321",
    "Minute",
    "Pat",
    date(1985, 6, 1),
    Sex.FEMALE,
    IbdType.CROHNS,
    date(2010, 1, 1),
)
IFX = (MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 42, date(2025, 1, 2)),)


def ati(day: date, value: float, flag: str | None = None, comparator: Comparator | None = None):
    return Observation(
        None,
        Analyte.ANTI_DRUG_ANTIBODIES,
        value,
        "U/mL",
        datetime.combine(day, datetime.min.time()).replace(hour=8, minute=40),
        comparator,
        original_value=f"{comparator or ''}{value:g}",
        original_unit="U/mL",
        source="HL7 ORU^R01 from CITYLAB",
        assay="CITYLAB ATI ELISA",
        target_drug="infliximab",
        abnormal_flag=flag,
    )


RESULTS = (
    ati(date(2026, 11, 5), 8, "POS"),
    ati(date(2026, 10, 1), 2.1, "N"),
    ati(date(2026, 9, 1), 2.1),
    ati(date(2026, 8, 1), 2.5, comparator=Comparator.LT),
)


def markup_rows(config) -> list[list[Any]]:
    record = PatientRecord(PATIENT, IFX, RESULTS)
    rules = SamplingRules.from_thresholds(config.thresholds)
    return drug_level_rows(record, MEETING, rules, lambda markup: markup, ())


def test_each_antibody_result_is_printed_with_its_reading(config):
    rows = markup_rows(config)
    results = [row[1] for row in rows[1:]]  # newest first, under the heading
    assert len(results) == 4
    assert results[0].startswith("Anti-drug antibodies 8 U/mL<br/>")
    assert "<b>Detected</b></font>: 8 U/mL: laboratory flag &#x27;POS&#x27; [S103]" in results[0]
    assert "<b>Not detected</b>: 2.1 U/mL: laboratory flag &#x27;N&#x27; [S103]" in results[1]
    assert "<b>Unknown — cannot be read</b></font>: 2.1 U/mL: no positivity cut-off" in results[2]
    assert "<b>Not detected</b>: &lt;2.5 U/mL: below the assay&#x27;s limit" in results[3]


def test_the_reading_uses_the_configured_assays(config):
    """With a cut-off of >= 2.0 U/mL the unflagged 2.1 is read: 2.1 >= 2.0, detected."""
    from mdt_desktop.domain.antibodies import AntibodyAssay
    from mdt_desktop.domain.enums import Evidence

    assay = AntibodyAssay(
        "citylab",
        "CITYLAB ATI",
        ("CITYLAB ATI",),
        "U/mL",
        2.0,
        Comparator.GE,
        ("LOCAL",),
        Evidence.LOCAL_POLICY,
    )
    record = PatientRecord(PATIENT, IFX, (RESULTS[2],))
    rules = SamplingRules.from_thresholds(config.thresholds)
    rows = drug_level_rows(record, MEETING, rules, lambda m: m, (assay,))
    assert (
        "<b>Detected</b></font>: 2.1 U/mL: positive &gt;= 2 U/mL (CITYLAB ATI) [LOCAL]"
        in rows[1][1]
    )


def test_a_risk_factor_where_sources_disagree_says_so_in_the_minutes(config):
    factor = next(f for f in config.risk_factors if f.key == "no_previous_resection")
    finding = RiskFinding(
        factor.key,
        factor.label,
        "No intestinal resection on record",
        factor.sources,
        factor.evidence,
        factor.note,
        factor.conflict,
    )
    agreed = RiskFinding("perianal", "Perianal disease", "Montreal p", ("S78",), "verified")
    detail = SimpleNamespace(risks=(agreed, finding))
    section = CaseSection(detail, make_styles(), None, 500.0, config.risk_caveat)
    story = section.risks()
    (table,) = [f for f in story if isinstance(f, Table)]
    cells = [row[1] for row in table._cellvalues]
    texts = [c.text for c in cells if isinstance(c, Paragraph)]
    assert "Sources disagree" not in texts[0]
    assert (
        "<b>Sources disagree:</b> STORI (S23) found the absence of a previous resection"
        in (texts[1])
    )
    assert texts[1].startswith("No intestinal resection on record [S23]<br/>")
