"""Relapse risk factors, table-driven against the configured thresholds."""

from dataclasses import replace
from datetime import date, datetime

import pytest

from mdt_desktop.domain.enums import (
    Analyte,
    DoseUnit,
    Drug,
    EventKind,
    IbdType,
    Sex,
    SmokingStatus,
)
from mdt_desktop.domain.montreal import Montreal
from mdt_desktop.domain.records import (
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    Patient,
    PatientRecord,
)
from mdt_desktop.domain.risk import applicable_risks

ON = date(2026, 11, 25)
AZA = MedicationPeriod(None, Drug.AZATHIOPRINE, 150, DoseUnit.MG, 1, date(2020, 1, 1))
BASE = Patient(
    None,
    "T1",
    "Test",
    "Pat",
    date(1980, 1, 1),
    Sex.FEMALE,
    IbdType.CROHNS,
    date(2005, 1, 1),
    Montreal(age="A2", location="L1", behaviour="B1"),
    SmokingStatus.NEVER,
)


def keys(config, patient=BASE, medications=(AZA,), observations=(), events=()):
    record = PatientRecord(patient, tuple(medications), tuple(observations), tuple(events))
    return {r.key: r for r in applicable_risks(config.risk_factors, record, ON, config.thresholds)}


def lab(analyte, value, unit):
    return Observation(None, analyte, value, unit, datetime(2026, 11, 1, 9, 0))


def test_a_low_risk_patient_has_no_factors(config):
    assert keys(config) == {}


@pytest.mark.parametrize(
    ("changes", "key", "detail"),
    [
        (
            {"montreal": Montreal(age="A2", location="L1", behaviour="B2")},
            "complicated_phenotype",
            "Montreal B2 (stricturing)",
        ),
        (
            {"montreal": Montreal(age="A2", location="L1", behaviour="B1", perianal=True)},
            "perianal",
            "perianal",
        ),
        ({"smoking": SmokingStatus.CURRENT}, "active_smoking", "Current smoker"),
        ({"diagnosis_date": date(2001, 1, 1)}, "young_at_diagnosis", "Diagnosed at 21"),
        ({"extraintestinal": ("uveitis",)}, "extraintestinal", "uveitis"),
        ({"prior_immunomodulator_failure": True}, "prior_immunomodulator_failure", "Recorded"),
        (
            {"ibd_type": IbdType.UC, "montreal": Montreal(extent="E3")},
            "extensive_disease",
            "Extensive colitis (E3)",
        ),
        (
            {"ibd_type": IbdType.UC, "montreal": Montreal(extent="E2")},
            "ulcerative_colitis",
            "Ulcerative colitis",
        ),
    ],
)
def test_patient_factors(config, changes, key, detail):
    found = keys(config, patient=replace(BASE, **changes))
    assert key in found
    assert detail in found[key].detail
    assert found[key].sources


def test_age_at_diagnosis_boundary_comes_from_the_threshold(config):
    assert "young_at_diagnosis" not in keys(
        config, patient=replace(BASE, diagnosis_date=date(2002, 1, 1))
    )  # 22: not below 22


def test_no_immunomodulator(config):
    assert "no_immunomodulator" in keys(config, medications=())
    stopped = replace(AZA, end=date(2026, 1, 1))
    assert "no_immunomodulator" in keys(config, medications=(stopped,))


@pytest.mark.parametrize(
    ("observation", "key"),
    [
        (lab(Analyte.WBC, 6.1, "10^9/L"), "wbc_high"),
        (lab(Analyte.HAEMOGLOBIN, 14.5, "g/dL"), "haemoglobin_low"),
        (lab(Analyte.CRP, 5.0, "mg/L"), "crp_raised"),
        (lab(Analyte.FAECAL_CALPROTECTIN, 300, "ug/g"), "calprotectin_raised"),
    ],
)
def test_lab_factors_use_stori_cut_offs(config, observation, key):
    found = keys(config, observations=(observation,))
    assert key in found
    assert "[" not in found[key].detail  # sources are listed separately
    assert found[key].sources == ("S23",)


@pytest.mark.parametrize(
    "observation",
    [
        lab(Analyte.WBC, 6.0, "10^9/L"),
        lab(Analyte.HAEMOGLOBIN, 14.6, "g/dL"),
        lab(Analyte.CRP, 4.9, "mg/L"),
        lab(Analyte.FAECAL_CALPROTECTIN, 299, "ug/g"),
    ],
)
def test_values_on_the_safe_side_of_the_cut_off(config, observation):
    assert keys(config, observations=(observation,)) == {}


def test_missing_labs_raise_no_factor(config):
    assert not {"wbc_high", "haemoglobin_low"} & set(keys(config))


def test_resections_and_short_bowel_caution(config):
    one = ClinicalEvent(
        None, EventKind.SURGERY, date(2010, 5, 1), "Ileocaecal resection", is_resection=True
    )
    two = ClinicalEvent(
        None, EventKind.SURGERY, date(2016, 5, 1), "Small bowel resection", is_resection=True
    )
    assert "short-bowel" not in keys(config, events=(one,))["previous_resection"].detail
    assert (
        "2 resections: short-bowel caution"
        in keys(config, events=(one, two))["previous_resection"].detail
    )


def test_no_mucosal_healing_uses_the_latest_endoscopy(config):
    old = ClinicalEvent(
        None, EventKind.ENDOSCOPY, date(2020, 1, 1), "Ileocolonoscopy", mucosal_healing=False
    )
    new = ClinicalEvent(
        None, EventKind.ENDOSCOPY, date(2025, 1, 1), "Ileocolonoscopy", mucosal_healing=True
    )
    assert "no_mucosal_healing" in keys(config, events=(old,))
    assert "no_mucosal_healing" not in keys(config, events=(old, new))


def test_the_caveat_says_no_score_is_validated(config):
    assert "not a score" in config.risk_caveat
    assert "[S77]" in config.risk_caveat
