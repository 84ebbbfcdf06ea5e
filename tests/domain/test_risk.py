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
    Phase,
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
from mdt_desktop.domain.risk import applicable_risks, course_start

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


# Sources disagree about resections: every Crohn's patient has one of the two (see below).
RESECTION_KEYS = {"previous_resection", "no_previous_resection"}


def findings(config, patient=BASE, medications=(AZA,), observations=(), events=()):
    record = PatientRecord(patient, tuple(medications), tuple(observations), tuple(events))
    return {r.key: r for r in applicable_risks(config.risk_factors, record, ON, config.thresholds)}


def keys(config, patient=BASE, medications=(AZA,), observations=(), events=()):
    """The factors that apply, apart from the two resection factors."""
    found = findings(config, patient, medications, observations, events)
    return {k: r for k, r in found.items() if k not in RESECTION_KEYS}


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


def test_a_low_risk_crohns_patient_has_only_the_stori_resection_factor(config):
    assert set(findings(config)) == {"no_previous_resection"}


def test_resections_and_short_bowel_caution(config):
    one = ClinicalEvent(
        None, EventKind.SURGERY, date(2010, 5, 1), "Ileocaecal resection", is_resection=True
    )
    two = ClinicalEvent(
        None, EventKind.SURGERY, date(2016, 5, 1), "Small bowel resection", is_resection=True
    )
    assert "short-bowel" not in findings(config, events=(one,))["previous_resection"].detail
    assert (
        "2 resections: short-bowel caution"
        in findings(config, events=(one, two))["previous_resection"].detail
    )


# Infliximab IV 5 mg/kg from 12 Mar 2022: induction (0, 2, 6 weeks) to 23 Apr 2022, every 8
# weeks to 14 Jan 2025, every 6 weeks since. The course began on 12 Mar 2022.
IFX = (
    MedicationPeriod(
        None,
        Drug.INFLIXIMAB_IV,
        5,
        DoseUnit.MG_PER_KG,
        14,
        date(2022, 3, 12),
        date(2022, 4, 23),
        Phase.INDUCTION,
    ),
    MedicationPeriod(
        None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, date(2022, 4, 23), date(2025, 1, 14)
    ),
    MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 42, date(2025, 1, 14)),
)


def scope(day, healing, description="Ileocolonoscopy"):
    return ClinicalEvent(None, EventKind.ENDOSCOPY, day, description, mucosal_healing=healing)


def test_no_mucosal_healing_uses_the_latest_endoscopy_of_the_course(config):
    during = scope(date(2023, 6, 1), False)
    later = scope(date(2025, 9, 1), True)
    found = keys(config, medications=(AZA, *IFX), events=(during,))
    assert found["no_mucosal_healing"].detail == (
        "Ileocolonoscopy on 01 Jun 2023: no mucosal healing (course since 12 Mar 2022)"
    )
    assert "no_mucosal_healing" not in keys(config, medications=(AZA, *IFX), events=(during, later))


def test_the_diagnostic_endoscopy_before_the_drug_began_does_not_count(config):
    """Colonoscopy without healing on 20 Nov 2020 (6 years before), none since 12 Mar 2022."""
    diagnostic = scope(date(2020, 11, 20), False, "Diagnostic colonoscopy")
    assert "no_mucosal_healing" not in keys(config, medications=(AZA, *IFX), events=(diagnostic,))


def test_without_an_anti_tnf_course_no_endoscopy_is_read(config):
    assert "no_mucosal_healing" not in keys(config, events=(scope(date(2026, 1, 5), False),))


def test_the_course_reaches_back_across_a_statement_ending_on_its_last_dose(config):
    """EHR shape: the q8w statement ends on a last infusion, before q6w starts on 14 Jan 2025.

    The longest gap that keeps one course is max(56, 42) + 7 (dose_gap_tolerance) = 63 days.
    Ending 1 Nov 2024 leaves 29 + 31 + 14 = 74 days > 63: a new course from 14 Jan 2025, and
    the 2023 endoscopy is before it. Ending 10 Dec 2024 leaves 21 + 14 = 35 days <= 63: one
    course since 12 Mar 2022, and the 2023 endoscopy is in it.
    """
    early_end = (IFX[0], replace(IFX[1], end=date(2024, 11, 1)), IFX[2])
    during = scope(date(2023, 6, 1), False)
    assert "no_mucosal_healing" not in keys(config, medications=early_end, events=(during,))
    short_gap = (IFX[0], replace(IFX[1], end=date(2024, 12, 10)), IFX[2])
    assert "no_mucosal_healing" in keys(config, medications=short_gap, events=(during,))


def test_course_start_follows_the_molecule_not_the_route(config):
    """IV to SC infliximab on 1 Jul 2026 is one course; a switch to adalimumab starts another."""
    switched = (
        replace(IFX[2], end=date(2026, 7, 1)),
        MedicationPeriod(None, Drug.INFLIXIMAB_SC, 120, DoseUnit.MG, 14, date(2026, 7, 1)),
    )
    assert course_start((*IFX[:2], *switched), ON, 7) == date(2022, 3, 12)
    other = (
        replace(IFX[2], end=date(2026, 7, 1)),
        MedicationPeriod(None, Drug.ADALIMUMAB, 40, DoseUnit.MG, 14, date(2026, 7, 1)),
    )
    assert course_start((*IFX[:2], *other), ON, 7) == date(2026, 7, 1)
    assert course_start((AZA,), ON, 7) is None


# --- laboratory factors within their window ---------------------------------------------------


def test_an_old_white_cell_count_is_not_a_factor(config):
    """WBC 7.0 (> 6.0, STORI) on 25 Mar 2026: 245 days before 25 Nov 2026 > 91 days: no factor."""
    old = Observation(None, Analyte.WBC, 7.0, "10^9/L", datetime(2026, 3, 25, 9, 0))
    assert "wbc_high" not in keys(config, observations=(old,))
    recent = replace(old, collected_at=datetime(2026, 8, 26, 9, 0))  # 91 days: still counts
    assert "wbc_high" in keys(config, observations=(recent,))
    too_old = replace(old, collected_at=datetime(2026, 8, 25, 9, 0))  # 92 days
    assert "wbc_high" not in keys(config, observations=(too_old,))


def test_a_newer_normal_result_replaces_an_old_raised_one(config):
    raised = Observation(None, Analyte.CRP, 12.0, "mg/L", datetime(2026, 2, 1, 9, 0))
    normal = Observation(None, Analyte.CRP, 2.0, "mg/L", datetime(2026, 10, 1, 9, 0))
    assert "crp_raised" not in keys(config, observations=(raised, normal))


# --- where the sources disagree -----------------------------------------------------------------


def test_no_previous_resection_is_stori_s_factor_and_the_disagreement_is_said(config):
    found = findings(config)["no_previous_resection"]
    assert found.sources == ("S23",)
    assert found.detail == "No intestinal resection on record"
    assert found.conflict.startswith("Sources disagree:")
    assert "S80" in found.conflict


def test_a_previous_resection_carries_the_disagreement_too(config):
    resection = ClinicalEvent(
        None, EventKind.SURGERY, date(2014, 2, 1), "Ileocaecal resection", is_resection=True
    )
    found = findings(config, events=(resection,))
    assert "no_previous_resection" not in found
    assert found["previous_resection"].conflict.startswith("Sources disagree:")
    assert "S23" in found["previous_resection"].conflict


def test_stori_s_resection_factor_is_for_crohns_disease_only(config):
    colitis = replace(BASE, ibd_type=IbdType.UC, montreal=Montreal(extent="E2"))
    assert not RESECTION_KEYS & set(findings(config, patient=colitis))


def test_the_caveat_says_no_score_is_validated(config):
    assert "not a score" in config.risk_caveat
    assert "[S77]" in config.risk_caveat
