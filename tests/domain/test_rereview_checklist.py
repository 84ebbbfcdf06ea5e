"""The re-review checklist on hand-built records, with the shipped thresholds and plan.

Crohn's disease; infliximab 5 mg/kg every 4 weeks reduced to every 8 weeks from 8 Jul 2026
(doses 8 Jul, 2 Sep, 28 Oct), decided at the MDT of 24 Jun 2026, re-reviewed on 25 Nov 2026.
The default plan: calprotectin, CRP and HBI at 3 months (8 Jul + 91 days = 7 Oct 2026) and the
trough with antibodies at the new steady state: the 2nd trough after the change, not before
3 months (91 days): 2 × 56 = 112 days ≥ 91, so before dose 3 on 28 Oct 2026. A planned check
counts results within 30 days either side (``monitoring_check_tolerance``): the steady-state
trough from 28 Sep 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.checklist import RuleContext
from mdt_desktop.domain.enums import (
    Analyte,
    ChecklistResult,
    Comparator,
    DoseUnit,
    Drug,
    IbdType,
    Sex,
)
from mdt_desktop.domain.monitoring import monitoring_plan
from mdt_desktop.domain.records import MedicationPeriod, Observation, Patient, PatientRecord
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.rereview import DeEscalationDecision
from mdt_desktop.domain.rereview_checklist import RereviewContext, evaluate_rereview_checklist

MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN
DECIDED, EFFECTIVE, MEETING = date(2026, 6, 24), date(2026, 7, 8), date(2026, 11, 25)
STEADY = date(2026, 10, 28)
Q4W = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 28)
Q8W = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56)
FCP, CRP, HBI = Analyte.FAECAL_CALPROTECTIN, Analyte.CRP, Analyte.HBI
LEVEL, ATI = Analyte.INFLIXIMAB_LEVEL, Analyte.ANTI_DRUG_ANTIBODIES
UNITS = {FCP: "ug/g", CRP: "mg/L", HBI: "score", LEVEL: "ug/mL", ATI: "ug/mL{eq}"}


def result(analyte, value, day, comparator=None):
    when = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
    assay = "DEMO ELISA" if analyte is ATI else None
    return Observation(None, analyte, value, UNITS[analyte], when, comparator, assay=assay)


def period(regimen, start, end=None):
    return MedicationPeriod(
        None, regimen.drug, regimen.dose_value, regimen.dose_unit, regimen.interval_days, start, end
    )


PATIENT = Patient(
    None, "RR1", "Review", "Pat", date(1990, 1, 1), Sex.FEMALE, IbdType.CROHNS, date(2015, 1, 1)
)
MEDICATION = (period(Q4W, date(2025, 1, 6), EFFECTIVE), period(Q8W, EFFECTIVE))
THREE_MONTHS = (
    result(FCP, 60, date(2026, 10, 7)),
    result(CRP, 2, date(2026, 10, 7)),
    result(HBI, 3, date(2026, 10, 7)),
)
OLD_TROUGH = result(LEVEL, 9.0, EFFECTIVE)  # drawn before the first q8w dose that day
EARLY_TROUGH = result(LEVEL, 2.5, date(2026, 9, 1))  # before dose 2: not yet steady
STEADY_TROUGH = result(LEVEL, 4.1, date(2026, 10, 27))  # before dose 3: the steady state
NO_ANTIBODIES = result(ATI, 2.5, date(2026, 10, 27), Comparator.LT)


@pytest.fixture(scope="module")
def decision(config):
    plan = monitoring_plan(config.monitoring, EFFECTIVE, Drug.INFLIXIMAB_IV, IbdType.CROHNS, 56)
    return DeEscalationDecision(DECIDED, EFFECTIVE, Q8W, plan, STEADY)


def answers(config, decision, *observations, on=MEETING):
    ordered = tuple(sorted(observations, key=lambda o: o.collected_at))
    record = PatientRecord(PATIENT, MEDICATION, ordered)
    base = RuleContext(record, on, config.thresholds, config.regimens, config.antibody_assays)
    found = evaluate_rereview_checklist(config.rereview_checklist, RereviewContext(base, decision))
    return {a.item_key: a for a in found}


def test_a_stable_re_review_meets_every_automatic_item(config, decision):
    found = answers(
        config,
        decision,
        *THREE_MONTHS,
        OLD_TROUGH,
        EARLY_TROUGH,
        STEADY_TROUGH,
        NO_ANTIBODIES,
    )
    assert {key: a.automatic for key, a in found.items()} == {
        "rereview_flare": MET,  # 60 ug/g, CRP 2, HBI 3: no component; one calprotectin only
        "rereview_clinical_remission": MET,  # HBI 3 < 5
        "rereview_calprotectin": MET,  # 60 < 250
        "rereview_crp": MET,  # 2 < 5
        "rereview_steady_state_level": MET,  # 4.1 within 3-7, antibodies <2.5: not detected
        "rereview_monitoring": MET,  # the 3-month checks and the steady-state trough done
        "rereview_patient_agrees": UNKNOWN,
    }
    level = found["rereview_steady_state_level"]
    assert level.evidence[0].value == "4.1"
    assert level.evidence[0].on == date(2026, 10, 27)
    assert "Not read: 9 ug/mL on 08 Jul 2026, drawn before the dose change of 08 Jul 2026" in (
        level.note
    )
    assert "2.5 ug/mL on 01 Sep 2026, drawn after the change but before the new steady state" in (
        level.note
    )
    assert found["rereview_patient_agrees"].note == "To be answered by the team."
    checks = [e.label for e in found["rereview_monitoring"].evidence]
    assert "Faecal calprotectin and CRP at 3 months" in checks
    assert "Trough level and antibodies at the new steady state: before dose 3 at q8w" in checks


def test_a_trough_from_before_the_change_is_never_read(config, decision):
    # Only the old regimen's trough (9.0, above the band) and the early one: nothing at the
    # steady state yet, so unknown, never "above target" or "below target".
    level = answers(config, decision, *THREE_MONTHS, OLD_TROUGH, EARLY_TROUGH)[
        "rereview_steady_state_level"
    ]
    assert level.automatic is UNKNOWN
    assert level.evidence == ()
    assert "No trough at the new steady state yet: it is drawn before the dose of 28 Oct 2026" in (
        level.note
    )


def test_without_a_planned_steady_state_any_trough_after_the_change_counts(config, decision):
    unplanned = replace(decision, steady_state=None)
    level = answers(config, unplanned, OLD_TROUGH, EARLY_TROUGH)["rereview_steady_state_level"]
    assert level.automatic is NOT_MET  # 2.5 below the band of 3-7
    assert level.evidence[0].value == "2.5"


def test_a_check_still_open_is_unknown_and_one_overdue_is_not_met(config, decision):
    # The steady-state check wants the level and antibodies: without antibodies it is still
    # open on 25 Nov (window to 27 Nov) ...
    found = answers(config, decision, *THREE_MONTHS, STEADY_TROUGH)["rereview_monitoring"]
    assert found.automatic is UNKNOWN
    assert "(window open until 27 Nov 2026)" in found.note
    # ... and overdue on 10 Dec; the 3-month results missing make those checks overdue too
    late = answers(config, decision, STEADY_TROUGH, on=date(2026, 12, 10))["rereview_monitoring"]
    assert late.automatic is NOT_MET
    assert late.note.startswith("Overdue without a result: Clinical score at 3 months")


def test_a_flare_since_the_change_is_not_met_with_each_component_as_evidence(config, decision):
    flare = answers(
        config,
        decision,
        *THREE_MONTHS,
        result(FCP, 400, date(2026, 11, 20)),
        result(CRP, 15, date(2026, 11, 20)),
    )["rereview_flare"]
    assert flare.automatic is NOT_MET
    assert flare.note.startswith("Flare: 2 of 3 flare components met for 5 days, since 20 Nov")
    texts = [e.as_text() for e in flare.evidence]
    assert "Faecal calprotectin 400 ug/g on 2026-11-20 (flare: > 250 ug/g) [S20, S21]" in texts


def test_a_flare_of_one_day_says_one_day(config, decision):
    flare = answers(
        config,
        decision,
        *THREE_MONTHS,
        result(FCP, 400, date(2026, 11, 24)),
        result(CRP, 15, date(2026, 11, 24)),
    )["rereview_flare"]
    assert "for 1 day, since 24 Nov 2026" in flare.note
