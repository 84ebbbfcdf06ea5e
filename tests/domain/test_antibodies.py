"""Reading anti-drug antibody results as the laboratory meant them (domain/antibodies.py).

Each case is a result as a laboratory sends it (HL7 v2.5.1 OBX-5 value, OBX-6 unit, OBX-7
reference range, OBX-8 abnormal flag from table 0078, OBX-17 method; or the FHIR R4
Observation's valueQuantity, referenceRange and interpretation), read by hand in its comment.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from mdt_desktop.domain.antibodies import (
    AntibodyAssay,
    AntibodyState,
    interpret,
    reference_limit,
)
from mdt_desktop.domain.enums import Analyte, Comparator, Evidence
from mdt_desktop.domain.records import Observation

DETECTED, NOT_DETECTED, UNKNOWN = (
    AntibodyState.DETECTED,
    AntibodyState.NOT_DETECTED,
    AntibodyState.UNKNOWN,
)
HMSA = AntibodyAssay(
    key="city-hmsa",
    label="City lab ATI mobility shift",
    names=("HMSA",),
    unit="U/mL",
    positive_from=3.15,
    comparator=Comparator.GE,
    sources=("LOCAL",),
    evidence=Evidence.LOCAL_POLICY,
    molecule="infliximab",
)


def result(
    value: float,
    unit: str = "U/mL",
    *,
    comparator: Comparator | None = None,
    flag: str | None = None,
    reference: str | None = None,
    assay: str | None = None,
    target: str | None = "infliximab",
) -> Observation:
    return Observation(
        id=1,
        analyte=Analyte.ANTI_DRUG_ANTIBODIES,
        value=value,
        unit=unit,
        collected_at=datetime(2026, 11, 2, 8, 0),
        comparator=comparator,
        assay=assay,
        target_drug=target,
        abnormal_flag=flag,
        reference_range=reference,
    )


@pytest.mark.parametrize(
    ("observation", "state"),
    [
        # OBX-5 "<2.5": below the assay's reporting limit, nothing else known: not detected.
        (result(2.5, comparator=Comparator.LT), NOT_DETECTED),
        # ">125": above the assay's range: detected.
        (result(125, comparator=Comparator.GT), DETECTED),
        # "0 U/mL" with no flag: none measured.
        (result(0), NOT_DETECTED),
        # "2.1 U/mL" alone: no cut-off, no flag, no range: the number cannot be read.
        (result(2.1), UNKNOWN),
        # "2.1 U/mL", flag N (normal): the laboratory says negative.
        (result(2.1, flag="N"), NOT_DETECTED),
        # "8 U/mL", flag H or POS: positive.
        (result(8, flag="H"), DETECTED),
        (result(8, flag="POS"), DETECTED),
        # "8 U/mL", flag IND (indeterminate): the flag says nothing, nor does anything else.
        (result(8, flag="IND"), UNKNOWN),
        # Reference range "<3.0": 8 is above it (detected), 2.9 within (not), 3.0 is not < 3.0.
        (result(8, reference="<3.0"), DETECTED),
        (result(2.9, reference="<3.0"), NOT_DETECTED),
        (result(3.0, reference="<3.0"), DETECTED),
        # Reference range "0-3": 3 is still within it, 3.1 above.
        (result(3.0, reference="0-3"), NOT_DETECTED),
        (result(3.1, reference="0 - 3 U/mL"), DETECTED),
        # A range that is not an upper limit ("Negative") tells nothing.
        (result(8, reference="Negative"), UNKNOWN),
        # "<10" reported but the range ends at 3: the true value may be 5: unknown.
        (result(10, comparator=Comparator.LT, reference="<3.0"), UNKNOWN),
    ],
)
def test_each_source_read_alone(observation, state):
    assert interpret(observation).state is state


def test_the_configured_cut_off_of_the_assay_decides_a_bare_number():
    # HMSA positive at >= 3.15 U/mL: 8 is positive, 2.1 negative.
    assert interpret(result(8, assay="HMSA (City lab)"), [HMSA]).state is DETECTED
    reading = interpret(result(2.1, assay="HMSA (City lab)"), [HMSA])
    assert reading.state is NOT_DETECTED
    assert "3.15 U/mL" in reading.reason


def test_a_cut_off_is_used_only_for_its_assay_unit_and_drug():
    # Same number, another assay, another unit or antibodies to adalimumab: not this cut-off.
    assert interpret(result(8, assay="ELISA"), [HMSA]).state is UNKNOWN
    assert interpret(result(8, "ng/mL", assay="HMSA"), [HMSA]).state is UNKNOWN
    assert interpret(result(8, assay="HMSA", target="adalimumab"), [HMSA]).state is UNKNOWN


def test_sources_that_disagree_make_it_unknown_and_are_named():
    # Cut-off 3.15 says 4.0 is positive; the laboratory flags it N: which is right?
    reading = interpret(result(4.0, assay="HMSA", flag="N"), [HMSA])
    assert reading.state is UNKNOWN
    assert "sources disagree" in reading.reason
    assert "3.15" in reading.reason
    assert "'N'" in reading.reason
    # Flag H but within the reference range "0-5": unknown too.
    assert interpret(result(4.0, flag="H", reference="0-5")).state is UNKNOWN


def test_sources_that_agree_are_all_named():
    reading = interpret(result(8, assay="HMSA", flag="H", reference="<3.15"), [HMSA])
    assert reading.state is DETECTED
    assert "3.15 U/mL" in reading.reason
    assert "'H'" in reading.reason
    assert "'<3.15'" in reading.reason


def test_a_reported_limit_above_the_cut_off_may_hide_a_positive():
    # "<10 U/mL" on an assay positive from 3.15: anything from 0 to 10: unknown.
    reading = interpret(result(10, comparator=Comparator.LT, assay="HMSA"), [HMSA])
    assert reading.state is UNKNOWN
    # "<2.5" on the same assay: below the cut-off: not detected.
    assert interpret(result(2.5, comparator=Comparator.LT, assay="HMSA"), [HMSA]).state is (
        NOT_DETECTED
    )


@pytest.mark.parametrize(
    ("written", "limit", "inclusive"),
    [
        ("<3.0", 3.0, False),
        ("< 3", 3.0, False),
        ("<=3", 3.0, True),
        ("≤2.5", 2.5, True),
        ("0-3", 3.0, True),
        ("0.0 - 3.0", 3.0, True),
        ("0–10 U/mL", 10.0, True),
        ("0 to 50", 50.0, True),
    ],
)
def test_reference_ranges_as_laboratories_write_them(written, limit, inclusive):
    found = reference_limit(written)
    assert found is not None
    assert (found.value, found.inclusive) == (limit, inclusive)


@pytest.mark.parametrize("written", [None, "", "Negative", ">=3", "see comment", "3-"])
def test_ranges_without_an_upper_limit_say_nothing(written):
    assert reference_limit(written) is None
