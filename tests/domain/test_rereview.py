"""Re-review after de-escalation: the plan's steady-state trough, when a patient is due back, and
the tag (stable, relapsing, data missing), on hand-built records with the shipped thresholds.

The patient has Crohn's disease, infliximab 5 mg/kg q4w de-escalated to q8w from 8 Jul 2026 by
the MDT of 24 Jun 2026. The default plan then asks for calprotectin, CRP and HBI at 3 months
(7 Oct 2026) and the trough before dose 3 at q8w (28 Oct 2026), among later checks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    DoseUnit,
    Drug,
    Evidence,
    IbdType,
    Sex,
)
from mdt_desktop.domain.monitoring import (
    MonitoringCheckSpec,
    monitoring_plan,
    steady_state_trough,
)
from mdt_desktop.domain.records import MedicationPeriod, Observation, Patient, PatientRecord
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.rereview import (
    DeEscalationDecision,
    RereviewRules,
    RereviewTag,
    last_meeting,
    rereview,
)

DECIDED = date(2026, 6, 24)
EFFECTIVE = date(2026, 7, 8)
MEETING = date(2026, 11, 25)
THREE_MONTHS = date(2026, 10, 7)
STEADY_TROUGH = date(2026, 10, 28)
Q4W = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 28)
Q8W = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56)
FCP, CRP, HBI = Analyte.FAECAL_CALPROTECTIN, Analyte.CRP, Analyte.HBI
LEVEL, ATI = Analyte.INFLIXIMAB_LEVEL, Analyte.ANTI_DRUG_ANTIBODIES
UNITS = {FCP: "ug/g", CRP: "mg/L", HBI: "score", LEVEL: "ug/mL", ATI: "ug/mL-eq"}


@pytest.fixture(scope="module")
def rules(config):
    return RereviewRules.from_thresholds(config.thresholds)


@pytest.fixture(scope="module")
def decision(config):
    plan = monitoring_plan(config.monitoring, EFFECTIVE, Drug.INFLIXIMAB_IV, IbdType.CROHNS, 56)
    return DeEscalationDecision(DECIDED, EFFECTIVE, Q8W, plan)


def result(analyte, value, day, comparator=None):
    when = datetime.combine(day, datetime.min.time()) + timedelta(hours=10)
    return Observation(None, analyte, value, UNITS[analyte], when, comparator)


def period(regimen, start, end=None):
    return MedicationPeriod(
        None, regimen.drug, regimen.dose_value, regimen.dose_unit, regimen.interval_days, start, end
    )


DE_ESCALATED = (period(Q4W, date(2025, 1, 6), EFFECTIVE), period(Q8W, EFFECTIVE))


def record(*observations, medications=DE_ESCALATED):
    patient = Patient(
        None, "RR1", "Review", "Pat", date(1990, 1, 1), Sex.FEMALE, IbdType.CROHNS, date(2015, 1, 1)
    )
    ordered = tuple(sorted(observations, key=lambda o: o.collected_at))
    return PatientRecord(patient, tuple(medications), ordered)


THREE_MONTH_CHECKS = (
    result(FCP, 60, THREE_MONTHS - timedelta(days=2)),
    result(CRP, 2, THREE_MONTHS - timedelta(days=2)),
    result(HBI, 2, THREE_MONTHS - timedelta(days=2)),
)
TROUGH_CHECK = (
    result(LEVEL, 4.1, STEADY_TROUGH),
    result(ATI, 2.5, STEADY_TROUGH, Comparator.LT),
)


# --- the plan: the trough follows the new regimen ------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "due", "dose"),
    [
        pytest.param(56, date(2026, 10, 28), 3, id="IFX-q8w-2nd-trough-16-weeks"),
        pytest.param(70, date(2026, 11, 25), 3, id="IFX-q10w-2nd-trough"),
        pytest.param(21, date(2026, 10, 21), 6, id="ADA-q3w-first-trough-after-3-months"),
        pytest.param(14, date(2026, 10, 14), 8, id="ADA-q2w"),
    ],
)
def test_steady_state_trough_is_a_dose_of_the_new_regimen(interval, due, dose):
    assert steady_state_trough(EFFECTIVE, interval, 2, 3) == (due, dose)
    assert (due - EFFECTIVE).days % interval == 0


def test_plan_times_the_trough_by_the_new_interval(config):
    plan = monitoring_plan(config.monitoring, EFFECTIVE, Drug.ADALIMUMAB, IbdType.CROHNS, 21)
    trough = next(c for c in plan if "adalimumab_level" in c.analytes)
    assert trough.due == date(2026, 10, 21)
    assert trough.label.endswith("at the new steady state: before dose 6 at q3w")
    assert trough.analytes == ("adalimumab_level", "anti_drug_antibodies")
    assert [c.due for c in plan] == sorted(c.due for c in plan)


def test_plan_without_the_interval_falls_back_to_months(config):
    plan = monitoring_plan(config.monitoring, EFFECTIVE, Drug.INFLIXIMAB_IV, IbdType.UC)
    trough = next(c for c in plan if "infliximab_level" in c.analytes)
    assert trough.label.endswith("at 4 months")
    assert any(c.analytes == ("partial_mayo",) for c in plan)


def test_a_template_line_without_a_trough_keeps_its_months():
    spec = MonitoringCheckSpec("CRP", ("crp",), (3,), ("S20",), Evidence.DERIVED)
    (check,) = monitoring_plan((spec,), EFFECTIVE, Drug.INFLIXIMAB_IV, IbdType.CROHNS, 56)
    assert (check.label, check.due) == ("CRP at 3 months", date(2026, 10, 7))


# --- when a patient is due back -----------------------------------------------------------------


def test_not_due_before_a_re_check_falls_due(decision, rules):
    assert rereview(record(), decision, date(2026, 9, 30), rules) is None


def test_not_for_the_decision_meeting_itself_or_after_the_first_year(decision, rules):
    assert rereview(record(), decision, DECIDED, rules) is None
    after = last_meeting(decision, rules) + timedelta(days=1)
    assert rereview(record(), decision, after, rules) is None


def test_data_missing_when_a_due_re_check_has_no_result(decision, rules):
    found = rereview(record(*THREE_MONTH_CHECKS), decision, MEETING, rules)
    assert found is not None
    assert found.tag is RereviewTag.DATA_MISSING
    (missing,) = found.missing
    assert missing.check.due == STEADY_TROUGH
    assert found.reason == "Re-review after de-escalation (24 Jun 2026): data missing"
    assert found.summary.startswith("Missing: Trough level and antibodies at the new steady state")
    assert "due 28 Oct 2026" in found.summary


def test_stable_when_the_re_checks_are_done_and_in_range(decision, rules):
    found = rereview(record(*THREE_MONTH_CHECKS, *TROUGH_CHECK), decision, MEETING, rules)
    assert found is not None
    assert found.tag is RereviewTag.STABLE
    assert len(found.checks) == 3
    assert found.summary == "3 re-checks done; no flare component out of range"
    assert found.reason.endswith(": stable")
    assert any("IFX 4.1" in line for line in found.lines())


def test_relapsing_on_a_flare(decision, rules):
    flare = (result(FCP, 640, date(2026, 11, 10)), result(CRP, 22, date(2026, 11, 10)))
    found = rereview(record(*THREE_MONTH_CHECKS, *TROUGH_CHECK, *flare), decision, MEETING, rules)
    assert found is not None
    assert found.tag is RereviewTag.RELAPSING
    assert found.summary.startswith("Flare: 2 of 3 flare components met")


def test_relapsing_on_one_component_out_of_range(decision, rules):
    high = result(CRP, 14, date(2026, 11, 10))
    found = rereview(record(*THREE_MONTH_CHECKS, *TROUGH_CHECK, high), decision, MEETING, rules)
    assert found is not None
    assert found.tag is RereviewTag.RELAPSING
    assert found.flare.status.value == "none"  # one of 3: no flare, but out of range
    assert found.summary == (
        "Flare component out of range — C-reactive protein: 14 mg/L on 10 Nov 2026 — met "
        "(>= 10 mg/L) [S20, S21]"
    )


def test_relapsing_on_the_early_warning(decision, rules):
    rising = result(FCP, 400, date(2026, 11, 10))  # > 150 and more than twice 60
    found = rereview(record(*THREE_MONTH_CHECKS, *TROUGH_CHECK, rising), decision, MEETING, rules)
    assert found is not None
    assert found.tag is RereviewTag.RELAPSING
    assert found.summary.startswith("Early warning: calprotectin rising")


def test_relapsing_outranks_missing_data(decision, rules):
    flare = (result(FCP, 640, date(2026, 11, 10)), result(HBI, 9, date(2026, 11, 10)))
    found = rereview(record(*flare), decision, MEETING, rules)
    assert found is not None
    assert found.tag is RereviewTag.RELAPSING
    assert found.missing  # the missing re-checks are still listed


def test_relapsing_when_re_escalated(decision, rules):
    back_up = date(2026, 10, 20)
    medications = (
        period(Q4W, date(2025, 1, 6), EFFECTIVE),
        period(Q8W, EFFECTIVE, back_up),
        period(Q4W, back_up),
    )
    found = rereview(
        record(*THREE_MONTH_CHECKS, *TROUGH_CHECK, medications=medications),
        decision,
        MEETING,
        rules,
    )
    assert found is not None
    assert found.tag is RereviewTag.RELAPSING
    assert found.summary == "Re-escalated on 20 Oct 2026"


# --- what the team has already seen --------------------------------------------------------------


def test_checks_seen_done_at_a_later_review_do_not_bring_the_patient_back(decision, rules):
    everything = record(*THREE_MONTH_CHECKS, *TROUGH_CHECK)
    assert rereview(everything, decision, MEETING, rules, last_review=date(2026, 10, 28)) is None


def test_a_check_still_missing_at_the_last_review_does_not_bring_them_back(decision, rules):
    missing_trough = record(*THREE_MONTH_CHECKS)
    seen = date(2026, 10, 28)
    assert rereview(missing_trough, decision, MEETING, rules, last_review=seen) is None


def test_a_result_that_arrived_since_the_last_review_brings_them_back(decision, rules):
    late_trough = (
        result(LEVEL, 3.8, date(2026, 11, 4)),
        result(ATI, 2.5, date(2026, 11, 4), Comparator.LT),
    )
    seen = date(2026, 10, 28)
    found = rereview(
        record(*THREE_MONTH_CHECKS, *late_trough), decision, MEETING, rules, last_review=seen
    )
    assert found is not None
    assert found.tag is RereviewTag.STABLE
    assert [c.check.due for c in found.checks] == [STEADY_TROUGH]
    assert "last reviewed 28 Oct 2026" in found.lines()[0]


def test_a_new_relapse_signal_brings_them_back_without_a_due_check(decision, rules):
    seen = date(2026, 10, 28)
    high = result(FCP, 900, date(2026, 11, 12))
    found = rereview(
        record(*THREE_MONTH_CHECKS, *TROUGH_CHECK, high), decision, MEETING, rules, last_review=seen
    )
    assert found is not None
    assert found.tag is RereviewTag.RELAPSING
    assert found.checks == ()


def test_a_relapse_signal_already_seen_does_not(decision, rules):
    high = result(FCP, 900, date(2026, 10, 20))
    seen = date(2026, 10, 28)
    everything = record(*THREE_MONTH_CHECKS, *TROUGH_CHECK, high)
    assert rereview(everything, decision, MEETING, rules, last_review=seen) is None


def test_tags_rank_most_urgent_first():
    assert sorted(RereviewTag, key=lambda t: t.rank) == [
        RereviewTag.RELAPSING,
        RereviewTag.DATA_MISSING,
        RereviewTag.STABLE,
    ]
