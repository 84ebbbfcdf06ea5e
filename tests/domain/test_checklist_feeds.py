"""The checklist on results as hospital feeds send them (issue 12: drug identity, antibodies,
drug levels, steroids).

Every result below is what the importers make of one HL7 v2.5.1 OBX segment of an ORU^R01 from
a hospital laboratory: OBX-5 the value (a leading "<" or ">" is the comparator), OBX-6 the unit,
OBX-8 the laboratory's abnormal flag (HL7 table 0078), OBX-14 the collection time and OBX-17
the method (the assay). The antibody's target drug comes from the test's LOINC component
("Infliximab Ab", "Adalimumab Ab"). The prescriptions are what a FHIR R4 MedicationStatement
gives: medication, dosage (dose and interval) and effectivePeriod.

The meeting is on Wed 25 Nov 2026. Dates are counted by hand in each test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.antibodies import AntibodyAssay
from mdt_desktop.domain.checklist import RuleContext, evaluate_checklist
from mdt_desktop.domain.enums import (
    Analyte,
    ChecklistResult,
    Comparator,
    DoseUnit,
    Drug,
    Evidence,
    IbdType,
    Sex,
)
from mdt_desktop.domain.records import MedicationPeriod, Observation, Patient, PatientRecord

MEETING = date(2026, 11, 25)
MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN
LAB = "HL7 ORU^R01 from CITYLAB"
ATI_TEST = "Infliximab Ab [Units/volume] in Serum or Plasma"  # OBX-3 text (LOINC long name)
ATI_ASSAY = "CITYLAB ATI ELISA (drug-sensitive)"  # OBX-17
ADA_ASSAY = "CITYLAB adalimumab ELISA"

PATIENT = Patient(
    None, "RX1234567", "Feed", "Pat", date(1988, 3, 2), Sex.MALE, IbdType.CROHNS, date(2012, 5, 1)
)

# Infliximab IV 5 mg/kg: every 8 weeks from 7 Jan 2021, intensified to every 6 weeks on
# 2 Jan 2025. Infusions of the q6w period: 2 Jan 2025 + 42 k days; the 16th (k = 16) falls on
# 2 Jan 2025 + 672 days = 5 Nov 2026, the 17th on 17 Dec 2026.
IFX_IV = (
    MedicationPeriod(
        None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, date(2021, 1, 7), date(2025, 1, 2)
    ),
    MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 42, date(2025, 1, 2)),
)
INFUSION = date(2026, 11, 5)
NEXT_INFUSION = date(2026, 12, 17)


def result(
    analyte: Analyte,
    raw: str,
    unit: str,
    day: date,
    *,
    flag: str | None = None,
    assay: str | None = None,
    target: str | None = None,
) -> Observation:
    """One OBX as imported: ``raw`` is OBX-5 as sent ("<2.5", "8", ">100")."""
    comparator = next(
        (c for c in (Comparator.LE, Comparator.LT, Comparator.GT) if raw.startswith(c.value)), None
    )
    number = float(raw.removeprefix(comparator.value) if comparator else raw)
    return Observation(
        id=None,
        analyte=analyte,
        value=number,
        unit=unit,
        collected_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=8, minutes=40),
        comparator=comparator,
        original_value=raw,
        original_unit=unit,
        source=LAB,
        assay=assay,
        target_drug=target,
        abnormal_flag=flag,
    )


def ati(raw: str, day: date = INFUSION, flag: str | None = None, target: str = "infliximab"):
    return result(
        Analyte.ANTI_DRUG_ANTIBODIES, raw, "U/mL", day, flag=flag, assay=ATI_ASSAY, target=target
    )


def ifx_level(raw: str, day: date = INFUSION) -> Observation:
    return result(Analyte.INFLIXIMAB_LEVEL, raw, "ug/mL", day, assay="CITYLAB IFX ELISA")


def drug_level(config, observations, medications=IFX_IV, assays=()):
    record = PatientRecord(PATIENT, tuple(medications), tuple(observations))
    context = RuleContext(record, MEETING, config.thresholds, config.regimens, tuple(assays))
    item = next(i for i in config.checklist if i.key == "drug_level")
    return evaluate_checklist([item], context)[0]


# --- antibodies, read as the laboratory meant them -------------------------------------------


def test_a_positive_antibody_flagged_pos_makes_the_drug_level_item_not_met(config):
    """The issue's case: OBX|4|NM|...^Infliximab Ab...||8|U/mL|<3.5|POS|||F on the infusion day.

    The trough the same morning is 6.0 ug/mL, inside the 3-7 band, so only the antibodies can
    make the item not met: they do.
    """
    answer = drug_level(config, [ifx_level("6.0"), ati("8", flag="POS")])
    assert answer.automatic is NOT_MET
    assert answer.note == ("Anti-drug antibodies detected: 8 U/mL: laboratory flag 'POS' [S103].")
    antibodies = answer.evidence[1]
    assert (antibodies.label, antibodies.value, antibodies.unit) == (
        "Antibodies to infliximab",
        "8",
        "U/mL",
    )
    assert antibodies.threshold == "Antibodies detected"
    assert antibodies.sources == ("S103",)


def test_a_configured_cut_off_reads_a_number_without_a_flag(config):
    """8 U/mL against the laboratory's cut-off of >= 3.5 U/mL: detected (8 >= 3.5)."""
    assay = AntibodyAssay(
        key="citylab-ati",
        label="CITYLAB ATI ELISA",
        names=("CITYLAB ATI",),
        unit="U/mL",
        positive_from=3.5,
        comparator=Comparator.GE,
        sources=("LOCAL",),
        evidence=Evidence.LOCAL_POLICY,
        molecule="infliximab",
    )
    answer = drug_level(config, [ifx_level("6.0"), ati("8")], assays=[assay])
    assert answer.automatic is NOT_MET
    assert "positive >= 3.5 U/mL (CITYLAB ATI ELISA) [LOCAL]" in answer.note
    below = drug_level(config, [ifx_level("6.0"), ati("2.1")], assays=[assay])
    assert below.automatic is MET  # 2.1 < 3.5: not detected


@pytest.mark.parametrize(
    ("antibody", "expected", "said"),
    [
        pytest.param(ati("2.1", flag="N"), MET, "", id="2.1 U/mL flagged N: not detected"),
        pytest.param(ati("0"), MET, "", id="0 U/mL without a flag: none measured"),
        pytest.param(ati("<2.5"), MET, "", id="<2.5 U/mL: below the assay's limit"),
        pytest.param(
            ati("2.1"),
            UNKNOWN,
            "Antibody result cannot be read: 2.1 U/mL: no positivity cut-off is configured",
            id="2.1 U/mL, no flag, no assay cut-off: unknown",
        ),
    ],
)
def test_negative_and_unreadable_antibodies(config, antibody, expected, said):
    """The trough is 6.0 ug/mL (inside 3-7) in every case: the antibody result decides."""
    answer = drug_level(config, [ifx_level("6.0"), antibody])
    assert answer.automatic is expected
    assert said in answer.note


def test_an_unreadable_antibody_does_not_hide_a_trough_below_target(config):
    """2.0 ug/mL on the infusion day is below 3 (the band's lower end): not met anyway."""
    answer = drug_level(config, [ifx_level("2.0"), ati("2.1")])
    assert answer.automatic is NOT_MET
    assert "Antibody result cannot be read" in answer.note


def test_antibodies_of_another_molecule_say_nothing(config):
    old = result(
        Analyte.ANTI_DRUG_ANTIBODIES,
        "45",
        "AU/mL",
        date(2026, 6, 1),
        flag="POS",
        assay=ADA_ASSAY,
        target="adalimumab",
    )
    answer = drug_level(config, [ifx_level("6.0"), old])
    assert answer.automatic is MET
    assert answer.note == "No antibody result in the window."


def test_an_old_positive_outside_the_window_is_not_read(config):
    """Window 183 days: 25 Nov 2026 - 183 days = 25 May 2026; a positive of 1 May is older."""
    answer = drug_level(config, [ifx_level("6.0"), ati("8", date(2026, 5, 1), "POS")])
    assert answer.automatic is MET


# --- one drug identity ------------------------------------------------------------------------

# Switched to infliximab SC 120 mg every 2 weeks on 2 Jul 2026 (last IV infusion 21 May 2026,
# 42 days before). Injections on 2 Jul + 14 k days: the 10th (k = 10) on 2 Jul + 140 days =
# 19 Nov 2026.
IFX_SC = (
    replace(IFX_IV[1], end=date(2026, 7, 2)),
    MedicationPeriod(None, Drug.INFLIXIMAB_SC, 120, DoseUnit.MG, 14, date(2026, 7, 2)),
)
INJECTION = date(2026, 11, 19)


def test_antibodies_stored_against_the_iv_route_count_for_an_sc_patient(config):
    """An older database holds the IV course's antibodies as "infliximab_iv": same molecule."""
    answer = drug_level(
        config,
        [ifx_level("9.5", INJECTION), ati("8", INJECTION, "POS", target="infliximab_iv")],
        IFX_SC,
    )
    assert answer.automatic is NOT_MET
    assert answer.evidence[1].label == "Antibodies to infliximab"


# --- drug levels: not a trough, and adalimumab's own rule -------------------------------------


def test_a_mid_interval_level_already_below_the_band_is_read_as_below_target(config):
    """2.0 ug/mL on 15 Nov: 10 days after the 5 Nov infusion, 32 days before the next (17 Dec).

    32 days > the 3-day IV trough window, so it is not a trough; but 2.0 < 3.0, the band's
    lower end, and the trough can only be lower: not met, and the note says why.
    """
    answer = drug_level(config, [ifx_level("2.0", date(2026, 11, 15))])
    assert answer.automatic is NOT_MET
    assert answer.evidence[0].label == "Infliximab level (not a trough)"
    assert answer.evidence[0].value == "2"
    assert (
        "Infliximab level 2 ug/mL on 15 Nov 2026 was drawn 32 days before the next dose, not as "
        "a trough, and is already below the target of 3-7 ug/mL: the trough can only be lower."
    ) in answer.note


def test_a_level_reported_below_the_limit_mid_interval_is_below_target(config):
    """ "<0.4" mid-interval: the true value is below 0.4, below 3: not met."""
    answer = drug_level(config, [ifx_level("<0.4", date(2026, 11, 15))])
    assert answer.automatic is NOT_MET


def test_a_mid_interval_level_inside_the_band_is_still_passed_over(config):
    """5.0 ug/mL mid-interval (inside 3-7): the trough may be lower, so it is not read."""
    answer = drug_level(config, [ifx_level("5.0", date(2026, 11, 15))])
    assert answer.automatic is UNKNOWN
    assert answer.note.startswith("No trough level: Not read against the target")


# Adalimumab 40 mg every 2 weeks from 8 Jan 2026 (a Thursday): injections on 8 Jan + 14 k days;
# k = 22 gives 8 Jan + 308 days = 12 Nov 2026, the next on 26 Nov 2026.
ADA = (MedicationPeriod(None, Drug.ADALIMUMAB, 40, DoseUnit.MG, 14, date(2026, 1, 8)),)


def test_an_adalimumab_level_drawn_mid_interval_is_read_by_its_own_rule(config):
    """9 ug/mL on 19 Nov: 7 days after the 12 Nov injection, 7 days before the 26 Nov one.

    The subcutaneous window (<= 2 days) would pass it over; adalimumab's own window (<= 28 days,
    S101, unverified) reads it: 5 <= 9 <= 12, inside the adalimumab band: met.
    """
    level = result(Analyte.ADALIMUMAB_LEVEL, "9", "ug/mL", date(2026, 11, 19), assay=ADA_ASSAY)
    answer = drug_level(config, [level], ADA)
    assert answer.automatic is MET
    assert answer.evidence[0].label.startswith("Adalimumab")
    assert answer.evidence[0].threshold == "target 5-12 ug/mL"


# --- steroid-free -----------------------------------------------------------------------------


def steroid_free(config, steroids, count_budesonide=None):
    record = PatientRecord(PATIENT, IFX_IV + tuple(steroids), ())
    context = RuleContext(record, MEETING, config.thresholds, config.regimens)
    item = next(i for i in config.checklist if i.key == "steroid_free")
    if count_budesonide is not None:
        item = replace(item, options={"count_budesonide": count_budesonide})
    return evaluate_checklist([item], context)[0]


def test_no_steroid_prescription_on_record_is_unknown(config):
    answer = steroid_free(config, [])
    assert answer.automatic is UNKNOWN
    assert answer.note == "No steroid prescriptions on record: confirm with the team."


BUDESONIDE = MedicationPeriod(
    None, Drug.BUDESONIDE, 9, DoseUnit.MG, 1, date(2026, 6, 1), date(2026, 9, 25)
)


def test_budesonide_ended_two_months_ago_is_not_steroid_free(config):
    """Budesonide 9 mg daily ended 25 Sep 2026: 61 days / 30.4375 = 2.0 months < 6: not met."""
    answer = steroid_free(config, [BUDESONIDE])
    assert answer.automatic is NOT_MET
    (evidence,) = answer.evidence
    assert (evidence.value, evidence.on) == ("2.0", date(2026, 9, 25))
    assert "Budesonide" in evidence.label
    assert evidence.threshold == ">= 6 months"


def test_budesonide_can_be_left_out_by_the_team(config):
    """count_budesonide = false: only systemic steroids count, and none is on record."""
    assert steroid_free(config, [BUDESONIDE], count_budesonide=False).automatic is UNKNOWN
    prednisolone = MedicationPeriod(
        None, Drug.PREDNISOLONE, 40, DoseUnit.MG, 1, date(2025, 3, 1), date(2025, 5, 10)
    )
    # prednisolone ended 10 May 2025: 564 days / 30.4375 = 18.5 months >= 6: met
    answer = steroid_free(config, [BUDESONIDE, prednisolone], count_budesonide=False)
    assert answer.automatic is MET
    assert answer.evidence[0].value == "18.5"


def test_budesonide_being_taken_on_the_meeting_day_is_not_steroid_free(config):
    ongoing = replace(BUDESONIDE, start=date(2026, 11, 1), end=None)
    answer = steroid_free(config, [ongoing])
    assert answer.automatic is NOT_MET
    assert answer.note == "On Budesonide 9 mg daily on this date."
