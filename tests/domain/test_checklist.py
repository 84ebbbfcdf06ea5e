"""The remission checklist rules, table-driven against the configured thresholds."""

from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.checklist import (
    ChecklistItemSpec,
    Overall,
    RuleContext,
    evaluate_checklist,
    objective_remission,
)
from mdt_desktop.domain.enums import (
    Analyte,
    ChecklistResult,
    Comparator,
    DoseUnit,
    Drug,
    IbdType,
    Sex,
)
from mdt_desktop.domain.records import MedicationPeriod, Observation, Patient, PatientRecord

MEETING = date(2026, 11, 25)
MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN
UNITS = {
    Analyte.FAECAL_CALPROTECTIN: "ug/g",
    Analyte.CRP: "mg/L",
    Analyte.HBI: "score",
    Analyte.PARTIAL_MAYO: "score",
    Analyte.SCCAI: "score",
    Analyte.INFLIXIMAB_LEVEL: "ug/mL",
    Analyte.IUS_BOWEL_WALL_MM: "mm",
    Analyte.IUS_LIMBERG: "grade",
    Analyte.SES_CD: "score",
    Analyte.MAYO_ENDOSCOPIC: "score",
    Analyte.ANTI_DRUG_ANTIBODIES: "ug/mL-eq",
}


def obs(analyte, value, days_before, comparator=None, target=None):
    when = datetime.combine(MEETING - timedelta(days=days_before), datetime.min.time())
    return Observation(
        None,
        analyte,
        value,
        UNITS[analyte],
        when,
        Comparator(comparator) if comparator else None,
        target_drug=target,
    )


def patient(ibd_type=IbdType.CROHNS):
    return Patient(
        None, "T1", "Test", "Pat", date(1990, 1, 1), Sex.FEMALE, ibd_type, date(2015, 1, 1)
    )


def ifx(start, end=None, interval=42):
    return MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, interval, start, end)


INTENSIFIED = (ifx(date(2020, 1, 1), date(2025, 1, 1), 56), ifx(date(2025, 1, 1)))


def evaluate(config, key, observations=(), medications=INTENSIFIED, ibd_type=IbdType.CROHNS):
    record = PatientRecord(patient(ibd_type), tuple(medications), tuple(observations))
    ctx = RuleContext(record, MEETING, config.thresholds, config.regimens)
    item = next(i for i in config.checklist if i.key == key)
    return evaluate_checklist([item], ctx)[0]


FCP, CRP = Analyte.FAECAL_CALPROTECTIN, Analyte.CRP


@pytest.mark.parametrize(
    ("key", "observations", "expected"),
    [
        ("calprotectin", [obs(FCP, 42, 10)], MET),
        ("calprotectin", [obs(FCP, 249, 10)], MET),
        ("calprotectin", [obs(FCP, 250, 10)], NOT_MET),  # threshold is < 250
        ("calprotectin", [obs(FCP, 900, 200), obs(FCP, 60, 10)], MET),  # latest decides
        ("calprotectin", [obs(FCP, 60, 120)], UNKNOWN),  # older than 3 months
        ("calprotectin", [], UNKNOWN),  # missing: never a silent pass
        ("calprotectin", [obs(FCP, 20, 5, "<")], MET),  # below the assay limit
        ("calprotectin", [obs(FCP, 1800, 5, ">")], NOT_MET),
        ("calprotectin", [obs(FCP, 300, 5, "<")], UNKNOWN),  # censored above the threshold
        ("calprotectin", [obs(FCP, 60, -3)], UNKNOWN),  # after the meeting: not seen
        ("crp", [obs(CRP, 5, 10, "<")], MET),  # "<5" meets "< 5"
        ("crp", [obs(CRP, 5.0, 10)], NOT_MET),
        ("crp", [obs(CRP, 4.9, 90)], MET),
        ("crp", [obs(CRP, 4.9, 92)], UNKNOWN),
        ("clinical_remission", [obs(Analyte.HBI, 4, 20)], MET),
        ("clinical_remission", [obs(Analyte.HBI, 5, 20)], NOT_MET),
        ("clinical_remission", [], UNKNOWN),
        (
            "imaging_or_endoscopy",
            [obs(Analyte.IUS_BOWEL_WALL_MM, 2.8, 60), obs(Analyte.IUS_LIMBERG, 1, 60)],
            MET,
        ),
        ("imaging_or_endoscopy", [obs(Analyte.IUS_BOWEL_WALL_MM, 3.0, 60)], MET),
        (
            "imaging_or_endoscopy",
            [obs(Analyte.IUS_BOWEL_WALL_MM, 2.8, 60), obs(Analyte.IUS_LIMBERG, 2, 60)],
            NOT_MET,
        ),  # hyperaemia
        (
            "imaging_or_endoscopy",
            [obs(Analyte.IUS_BOWEL_WALL_MM, 4.5, 300), obs(Analyte.SES_CD, 1, 40)],
            MET,
        ),  # the newer one decides
        ("imaging_or_endoscopy", [obs(Analyte.SES_CD, 6, 40)], NOT_MET),
        ("imaging_or_endoscopy", [obs(Analyte.IUS_BOWEL_WALL_MM, 2.1, 400)], UNKNOWN),
    ],
)
def test_rules_against_thresholds(config, key, observations, expected):
    assert evaluate(config, key, observations).automatic is expected


def test_uc_uses_partial_mayo_then_sccai(config):
    assert (
        evaluate(
            config, "clinical_remission", [obs(Analyte.PARTIAL_MAYO, 1, 10)], ibd_type=IbdType.UC
        ).automatic
        is MET
    )
    assert (
        evaluate(
            config, "clinical_remission", [obs(Analyte.PARTIAL_MAYO, 2, 10)], ibd_type=IbdType.UC
        ).automatic
        is NOT_MET
    )
    assert (
        evaluate(
            config, "clinical_remission", [obs(Analyte.SCCAI, 1, 10)], ibd_type=IbdType.UC
        ).automatic
        is MET
    )
    assert (
        evaluate(
            config,
            "imaging_or_endoscopy",
            [obs(Analyte.MAYO_ENDOSCOPIC, 1, 100)],
            ibd_type=IbdType.UC,
        ).automatic
        is MET
    )


def test_evidence_names_value_unit_date_threshold_and_source(config):
    answer = evaluate(config, "calprotectin", [obs(FCP, 42, 10)])
    (evidence,) = answer.evidence
    assert (evidence.value, evidence.unit, evidence.on) == ("42", "ug/g", date(2026, 11, 15))
    assert evidence.threshold == "< 250 ug/g"
    assert evidence.sources == ("S43", "S44", "S45")
    assert "42 ug/g on 2026-11-15 (< 250 ug/g) [S43, S44, S45]" in evidence.as_text()


def test_stale_evidence_is_marked_and_explained(config):
    answer = evaluate(config, "crp", [obs(CRP, 2, 150)])
    assert answer.automatic is UNKNOWN
    assert answer.evidence[0].stale
    assert "150 days old" in answer.note


@pytest.mark.parametrize(
    ("medications", "expected"),
    [
        (INTENSIFIED, MET),  # intensified since 2025-01-01: 23 months
        ((ifx(date(2020, 1, 1), date(2026, 7, 1), 56), ifx(date(2026, 7, 1))), NOT_MET),
        ((ifx(date(2020, 1, 1), None, 56),), NOT_MET),  # standard regimen
        ((), NOT_MET),  # no anti-TNF at all
    ],
)
def test_time_on_intensified(config, medications, expected):
    assert evaluate(config, "time_on_intensified", medications=medications).automatic is expected


def pred(start, end):
    return MedicationPeriod(None, Drug.PREDNISOLONE, 40, DoseUnit.MG, 1, start, end)


@pytest.mark.parametrize(
    ("steroids", "expected"),
    [
        ((), UNKNOWN),  # no steroid prescription on record: never a silent pass
        ((pred(date(2025, 1, 1), date(2025, 3, 1)),), MET),
        ((pred(date(2026, 6, 1), date(2026, 8, 1)),), NOT_MET),  # under 6 months ago
        ((pred(date(2026, 11, 1), None),), NOT_MET),  # on steroids now
    ],
)
def test_steroid_free(config, steroids, expected):
    answer = evaluate(config, "steroid_free", medications=INTENSIFIED + steroids)
    assert answer.automatic is expected


LEVEL, ABS = Analyte.INFLIXIMAB_LEVEL, Analyte.ANTI_DRUG_ANTIBODIES


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        ([obs(LEVEL, 9.1, 20), obs(ABS, 2.5, 20, "<", "infliximab")], MET),  # above band: fine
        ([obs(LEVEL, 4.0, 20)], MET),  # within band, no antibody result
        ([obs(LEVEL, 2.1, 20)], NOT_MET),  # below the 3-7 band
        ([obs(LEVEL, 0.4, 20, "<")], NOT_MET),  # undetectable
        # a bare number, no assay cut-off and no laboratory flag: cannot be read
        ([obs(LEVEL, 6.0, 20), obs(ABS, 8.2, 20, None, "infliximab")], UNKNOWN),
        ([obs(LEVEL, 6.0, 20), obs(ABS, 8.2, 20, ">", "infliximab")], NOT_MET),  # ">8.2"
        ([obs(LEVEL, 6.0, 20), obs(ABS, 8.2, 20, None, "adalimumab")], MET),  # other drug's
        ([obs(LEVEL, 6.0, 200)], UNKNOWN),  # older than 6 months
        ([], UNKNOWN),
    ],
)
def test_drug_level(config, observations, expected):
    assert evaluate(config, "drug_level", observations, DOSED_20_DAYS_AGO).automatic is expected


# Every 6 weeks with an infusion 20 days before the meeting (samples 20 days before are troughs).
DOSED_20_DAYS_AGO = (
    ifx(date(2020, 1, 1), MEETING - timedelta(days=20 + 42 * 15), 56),
    ifx(MEETING - timedelta(days=20 + 42 * 15)),
)


def test_a_level_drawn_mid_interval_is_not_read_as_the_trough(config):
    """The latest level, 10 days after an infusion, is passed over for the trough before it."""
    mid = obs(LEVEL, 14.0, 10)
    answer = evaluate(config, "drug_level", [obs(LEVEL, 2.1, 20), mid], DOSED_20_DAYS_AGO)
    assert answer.automatic is NOT_MET  # the trough, 2.1, is below the 3-7 band
    assert answer.evidence[0].value == "2.1"
    assert "Not read against the target" in answer.note
    assert f"14 ug/mL on {mid.collected_at:%d %b %Y}" in answer.note
    only_mid = evaluate(config, "drug_level", [mid], DOSED_20_DAYS_AGO)
    assert only_mid.automatic is UNKNOWN
    assert only_mid.note.startswith("No trough level: Not read against the target")


def test_a_level_without_dosing_data_is_taken_as_reported(config):
    answer = evaluate(config, "drug_level", [obs(LEVEL, 4.0, 10)], (ifx(date(2027, 1, 1)),))
    assert answer.automatic is UNKNOWN  # no regimen on the meeting date at all
    current_only = (ifx(MEETING - timedelta(days=5), interval=42),)
    answer = evaluate(config, "drug_level", [obs(LEVEL, 4.0, 10)], current_only)
    assert answer.automatic is MET  # drawn before the first recorded dose: timing unknown


def test_manual_items_wait_for_the_team(config):
    assert evaluate(config, "patient_agrees").automatic is UNKNOWN


def test_overall_line(config):
    items = config.checklist
    good = [
        obs(FCP, 40, 10),
        obs(CRP, 1, 10),
        obs(Analyte.HBI, 2, 10),
        obs(Analyte.IUS_BOWEL_WALL_MM, 2.5, 60),
        obs(Analyte.IUS_LIMBERG, 0, 60),
    ]
    record = PatientRecord(patient(), INTENSIFIED, tuple(good))
    answers = evaluate_checklist(
        items, RuleContext(record, MEETING, config.thresholds, config.regimens)
    )
    assert objective_remission(items, answers) is Overall.MET
    record = PatientRecord(patient(), INTENSIFIED, tuple(good[:3]))  # no imaging
    answers = evaluate_checklist(
        items, RuleContext(record, MEETING, config.thresholds, config.regimens)
    )
    assert objective_remission(items, answers) is Overall.INCOMPLETE
    record = PatientRecord(patient(), INTENSIFIED, (obs(FCP, 900, 10), *good[1:]))
    answers = evaluate_checklist(
        items, RuleContext(record, MEETING, config.thresholds, config.regimens)
    )
    assert objective_remission(items, answers) is Overall.NOT_MET


def test_overall_uses_the_teams_confirmation(config):
    from dataclasses import replace

    items = (ChecklistItemSpec("crp", "CRP", "crp", (), True),)
    record = PatientRecord(patient(), INTENSIFIED, ())
    (answer,) = evaluate_checklist(
        items, RuleContext(record, MEETING, config.thresholds, config.regimens)
    )
    assert objective_remission(items, [answer]) is Overall.INCOMPLETE
    confirmed = replace(answer, confirmed=MET, override_reason="CRP 2 mg/L at the GP surgery")
    assert objective_remission(items, [confirmed]) is Overall.MET
