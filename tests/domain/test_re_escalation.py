"""Re-escalation and further de-escalation as decisions; how a reduced regimen reads in the header.

Regimens of docs/clinical.md, "Dosing": infliximab 5 mg/kg every 8 weeks is 0.625 mg/kg/week
(standard), every 6 weeks 0.83 (intensified), every 10 weeks 0.5 (reduced).
"""

from datetime import date, timedelta

import pytest

from mdt_desktop.domain.consensus import (
    DecisionInput,
    on_reduced_regimen,
    propose_target,
    target_options,
    validate_decision,
)
from mdt_desktop.domain.describe import treatment_line
from mdt_desktop.domain.enums import DoseUnit, Drug, IbdType, Outcome, Sex
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.records import MedicationPeriod, Patient, PatientRecord
from mdt_desktop.domain.regimens import Regimen, RegimenChange
from mdt_desktop.domain.summary import summarise

IFX, MGKG = Drug.INFLIXIMAB_IV, DoseUnit.MG_PER_KG
Q6W, Q8W, Q10W = (Regimen(IFX, 5, MGKG, days) for days in (42, 56, 70))
MEETING = date(2026, 11, 25)
LATER = MEETING + timedelta(days=14)


def decision(outcome: Outcome, target: Regimen | None) -> DecisionInput:
    return DecisionInput(outcome, "Flare on the reduced dose", target, LATER)


# --- who may be re-escalated --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "change", "reduced"),
    [
        (Q8W, RegimenChange.DE_ESCALATION, True),  # q6w -> q8w: reached by a de-escalation
        (Q10W, None, True),  # below the standard regimen (every 8 weeks)
        (Q8W, None, False),  # standard from the start of the course
        (Q6W, RegimenChange.ESCALATION, False),  # intensified
        (None, None, False),  # no anti-TNF
    ],
)
def test_a_reduced_regimen_is_one_reached_by_a_de_escalation_or_below_standard(
    config, current, change, reduced
):
    assert on_reduced_regimen(current, change, config.regimens) is reduced


def test_a_re_escalation_needs_a_patient_on_a_reduced_regimen(config):
    with pytest.raises(ValidationError, match="is not a reduced regimen"):
        validate_decision(decision(Outcome.RE_ESCALATE, Q6W), Q8W, MEETING, reduced=False)
    validate_decision(decision(Outcome.RE_ESCALATE, Q6W), Q8W, MEETING, reduced=True)


def test_a_re_escalation_must_step_up_and_a_de_escalation_down():
    with pytest.raises(ValidationError, match=r"is not a re-escalation of .*every 8 weeks"):
        validate_decision(decision(Outcome.RE_ESCALATE, Q10W), Q8W, MEETING, reduced=True)
    with pytest.raises(ValidationError, match=r"\(unchanged\)"):
        validate_decision(decision(Outcome.RE_ESCALATE, Q8W), Q8W, MEETING, reduced=True)
    with pytest.raises(ValidationError, match=r"is not a de-escalation of .*every 8 weeks"):
        validate_decision(decision(Outcome.DE_ESCALATE, Q6W), Q8W, MEETING, reduced=True)
    with pytest.raises(ValidationError, match="needs the regimen to step up to"):
        validate_decision(decision(Outcome.RE_ESCALATE, None), Q8W, MEETING, reduced=True)
    with pytest.raises(ValidationError, match="only a de-escalation or a re-escalation"):
        validate_decision(decision(Outcome.OTHER, Q6W), Q8W, MEETING)


def test_a_further_de_escalation_of_a_reduced_regimen_is_a_de_escalation():
    validate_decision(decision(Outcome.DE_ESCALATE, Q10W), Q8W, MEETING, reduced=True)


def test_a_re_escalation_proposes_the_regimen_before_the_de_escalation(config):
    assert propose_target(Q8W, config.regimens, Outcome.RE_ESCALATE, previous=Q6W) == Q6W
    # without a history, the lowest configured regimen above the current one: 5 mg/kg q6w
    # (0.83) is below 10 mg/kg q8w and 5 mg/kg q4w (both 1.25)
    assert propose_target(Q8W, config.regimens, Outcome.RE_ESCALATE) == Q6W
    assert propose_target(Q8W, config.regimens, Outcome.OTHER) is None
    higher = target_options(Q8W, config.regimens, Outcome.RE_ESCALATE)
    assert all(r.intensity.value > Q8W.intensity.value for r in higher)
    lower = target_options(Q8W, config.regimens, Outcome.DE_ESCALATE)
    assert all(r.intensity.value < Q8W.intensity.value for r in lower)


# --- the header of a re-review case -------------------------------------------------------------


def period(start: date, end: date | None, regimen: Regimen) -> MedicationPeriod:
    return MedicationPeriod(
        None, regimen.drug, regimen.dose_value, regimen.dose_unit, regimen.interval_days, start, end
    )


PATIENT = Patient(
    None, "RX1", "Fletcher", "Jack", date(1990, 1, 1), Sex.MALE, IbdType.CROHNS, date(2015, 1, 1)
)


def test_a_de_escalated_patient_reads_as_reduced_since_the_change_not_as_intensified(config):
    # q8w from 2022, intensified to q6w on 01 Oct 2024, de-escalated back to q8w on 02 Mar 2026
    record = PatientRecord(
        PATIENT,
        (
            period(date(2022, 1, 1), date(2024, 10, 1), Q8W),
            period(date(2024, 10, 1), date(2026, 3, 2), Q6W),
            period(date(2026, 3, 2), None, Q8W),
        ),
    )
    summary = summarise(record, MEETING, config.regimens)
    assert summary.intensified_since is None
    assert summary.de_escalated
    assert summary.regimen_since == date(2026, 3, 2)
    assert summary.previous_regimen == Q6W
    line = treatment_line(PATIENT, summary)
    assert line.startswith(
        "Infliximab IV 5 mg/kg every 8 weeks since 02 Mar 2026, de-escalated from every 6 weeks"
    )
    assert "intensified" not in line


def test_a_restated_regimen_keeps_the_day_the_change_began(config):
    # the EHR split the reduced regimen into two statements: still "since 02 Mar 2026"
    record = PatientRecord(
        PATIENT,
        (
            period(date(2024, 10, 1), date(2026, 3, 2), Q6W),
            period(date(2026, 3, 2), date(2026, 7, 1), Q8W),
            period(date(2026, 7, 1), None, Q8W),
        ),
    )
    summary = summarise(record, MEETING, config.regimens)
    assert summary.regimen_since == date(2026, 3, 2)
    assert summary.previous_regimen == Q6W


def test_a_dose_reduction_names_the_dose_it_came_from(config):
    ten = Regimen(IFX, 10, MGKG, 56)
    record = PatientRecord(
        PATIENT,
        (period(date(2024, 1, 1), date(2026, 3, 2), ten), period(date(2026, 3, 2), None, Q8W)),
    )
    line = treatment_line(PATIENT, summarise(record, MEETING, config.regimens))
    assert "since 02 Mar 2026, de-escalated from 10 mg/kg every 8 weeks" in line
