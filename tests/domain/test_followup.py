"""Follow-up after de-escalation: flare components, the 2-of-3 rule, persistence, the early
warning, and planned checks that are done, due, overdue or upcoming.

Each case is a handful of results on a Crohn's (or UC) patient, read on AS_OF with the shipped
thresholds (calprotectin > 250, CRP >= 10, HBI >= 5, partial Mayo >= 2, 2 needed, persistent
> 56 days, results no older than 91 days, early warning >= 2x and > 150, checks +/- 30 days).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.contacts import last_contact
from mdt_desktop.domain.enums import (
    Analyte,
    ChecklistResult,
    Comparator,
    DoseUnit,
    Drug,
    EventKind,
    IbdType,
    Sex,
)
from mdt_desktop.domain.flare import FlareRules, FlareStatus, assess_flare, early_warning
from mdt_desktop.domain.followup import (
    CheckState,
    FollowUpRules,
    check_statuses,
    follow_up_row,
    in_first_year,
    worklist_order,
)
from mdt_desktop.domain.monitoring import monitoring_plan
from mdt_desktop.domain.outcomes import CensorReason, Episode, FailureReason
from mdt_desktop.domain.records import (
    ClinicalEvent,
    Observation,
    Patient,
    PatientRecord,
    PlannedCheck,
)
from mdt_desktop.domain.regimens import Regimen

AS_OF = date(2026, 11, 24)
START = date(2026, 6, 1)  # the de-escalation
FCP, CRP, HBI, PMAYO = (
    Analyte.FAECAL_CALPROTECTIN,
    Analyte.CRP,
    Analyte.HBI,
    Analyte.PARTIAL_MAYO,
)
UNITS = {FCP: "ug/g", CRP: "mg/L", HBI: "score", PMAYO: "score"}
MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN


@pytest.fixture(scope="module")
def rules(config):
    return FollowUpRules.from_thresholds(config.thresholds)


@pytest.fixture(scope="module")
def flare_rules(config):
    return FlareRules.from_thresholds(config.thresholds)


def days_ago(days):
    return AS_OF - timedelta(days=days)


def result(analyte, value, days, comparator=None):
    """One result *days* before AS_OF."""
    when = datetime.combine(days_ago(days), datetime.min.time())
    return Observation(None, analyte, value, UNITS.get(analyte, "ug/mL"), when, comparator)


def record(*observations, ibd=IbdType.CROHNS, events=()):
    patient = Patient(
        None, "FU1", "Follow", "Pat", date(1990, 1, 1), Sex.FEMALE, ibd, date(2015, 1, 1)
    )
    ordered = tuple(sorted(observations, key=lambda o: o.collected_at))
    return PatientRecord(patient, (), ordered, tuple(events))


# --- flare components and the 2-of-3 rule -----------------------------------------------------

QUIET = (result(FCP, 60, 10), result(CRP, 2, 10), result(HBI, 2, 10))


LETTER = {"M": MET, "N": NOT_MET, "?": UNKNOWN}
LT, GT = Comparator.LT, Comparator.GT


@pytest.mark.parametrize(
    ("analyte", "value", "comparator", "days", "ibd", "expected"),
    [
        pytest.param(FCP, 300, None, 5, IbdType.CROHNS, "M??", id="fcp-300"),
        pytest.param(FCP, 250, None, 5, IbdType.CROHNS, "N??", id="fcp-250"),
        pytest.param(CRP, 10, None, 5, IbdType.CROHNS, "?M?", id="crp-10"),
        pytest.param(CRP, 9.9, None, 5, IbdType.CROHNS, "?N?", id="crp-9.9"),
        pytest.param(HBI, 5, None, 5, IbdType.CROHNS, "??M", id="hbi-5"),
        pytest.param(HBI, 4, None, 5, IbdType.CROHNS, "??N", id="hbi-4"),
        pytest.param(PMAYO, 2, None, 5, IbdType.UC, "??M", id="pmayo-2"),
        pytest.param(PMAYO, 1, None, 5, IbdType.UC, "??N", id="pmayo-1"),
        pytest.param(PMAYO, 2, None, 5, IbdType.IBDU, "??M", id="ibdu-pmayo"),
        pytest.param(HBI, 9, None, 5, IbdType.UC, "???", id="uc-ignores-hbi"),
        pytest.param(FCP, 900, None, 91, IbdType.CROHNS, "M??", id="91-days"),
        pytest.param(FCP, 900, None, 92, IbdType.CROHNS, "???", id="92-days-too-old"),
        pytest.param(FCP, 300, LT, 5, IbdType.CROHNS, "???", id="<300-cannot-tell"),
        pytest.param(FCP, 20, LT, 5, IbdType.CROHNS, "N??", id="<20"),
        pytest.param(CRP, 50, GT, 5, IbdType.CROHNS, "?M?", id=">50"),
    ],
)
def test_each_component_reads_its_latest_recent_result(
    analyte, value, comparator, days, ibd, expected, flare_rules
):
    found = assess_flare(
        record(result(analyte, value, days, comparator), ibd=ibd), AS_OF, flare_rules
    )
    assert tuple(c.result for c in found.components) == tuple(LETTER[x] for x in expected)
    clinical = HBI if ibd is IbdType.CROHNS else PMAYO
    assert [c.threshold.analyte for c in found.components] == [FCP, CRP, clinical]


def test_the_latest_result_counts_not_the_worst(flare_rules):
    found = assess_flare(record(result(FCP, 900, 20), result(FCP, 80, 5)), AS_OF, flare_rules)
    assert found.components[0].result is NOT_MET
    assert found.components[0].observation.value == 80


@pytest.mark.parametrize(
    ("fcp", "crp", "hbi", "status"),
    [
        pytest.param(60, 2, 2, FlareStatus.NONE, id="none"),
        pytest.param(400, 2, 2, FlareStatus.NONE, id="1-of-3"),
        pytest.param(400, 15, 2, FlareStatus.FLARE, id="fcp+crp"),
        pytest.param(100, 15, 7, FlareStatus.FLARE, id="crp+hbi"),
        pytest.param(400, 2, 7, FlareStatus.FLARE, id="fcp+hbi"),
        pytest.param(400, 15, 7, FlareStatus.FLARE, id="3-of-3"),
        pytest.param(400, None, 7, FlareStatus.FLARE, id="2-met-1-missing"),
        pytest.param(400, 2, None, FlareStatus.UNKNOWN, id="1-met-1-missing"),
        pytest.param(None, None, None, FlareStatus.UNKNOWN, id="no-data"),
        pytest.param(60, 2, None, FlareStatus.NONE, id="2-normal-1-missing"),
        pytest.param(60, None, None, FlareStatus.UNKNOWN, id="1-normal-2-missing"),
    ],
)
def test_two_of_three_rule_with_unknowns(fcp, crp, hbi, status, flare_rules):
    values = {FCP: fcp, CRP: crp, HBI: hbi}
    observations = [result(a, v, 3) for a, v in values.items() if v is not None]
    found = assess_flare(record(*observations), AS_OF, flare_rules)
    assert found.status is status
    assert found.headline.startswith(status.label)


def test_missing_data_is_shown_as_unknown_with_its_threshold_and_source(flare_rules):
    found = assess_flare(record(result(FCP, 60, 3), result(HBI, 2, 200)), AS_OF, flare_rules)
    fcp, crp, hbi = (c.text for c in found.components)
    assert fcp.startswith("Faecal calprotectin: 60 ug/g on ")
    assert "— not met (> 250 ug/g) [S20, S21]" in fcp
    assert crp.startswith("C-reactive protein: no result within 91 days — unknown (>= 10 mg/L)")
    assert "last 2 on " in hbi
    assert "not within 91 days — unknown" in hbi
    assert found.unknown == 2
    assert len(found.lines()) == 5  # headline, three components, early warning


# --- persistent flare ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "status", "onset_days_ago"),
    [  # (days ago, calprotectin, CRP)
        pytest.param([(70, 400, 15), (30, 500, 20), (3, 450, 18)], FlareStatus.PERSISTENT, 70),
        pytest.param([(50, 400, 15), (3, 450, 18)], FlareStatus.FLARE, 50),
        pytest.param([(56, 400, 15), (3, 450, 18)], FlareStatus.FLARE, 56, id="56-not-more"),
        pytest.param([(57, 400, 15), (3, 450, 18)], FlareStatus.PERSISTENT, 57),
        pytest.param([(90, 400, 15), (40, 60, 2), (10, 450, 18)], FlareStatus.FLARE, 10),
    ],
)
def test_persistent_flare_lasts_longer_than_eight_weeks(
    history, status, onset_days_ago, flare_rules
):
    observations = [
        obs
        for days, fcp, crp in history
        for obs in (result(FCP, fcp, days), result(CRP, crp, days))
    ]
    found = assess_flare(record(*observations), AS_OF, flare_rules, since=days_ago(200))
    assert found.status is status
    assert found.onset == days_ago(onset_days_ago)
    assert f"since {days_ago(onset_days_ago):%d %b %Y}" in found.headline


def test_a_flare_does_not_start_before_the_de_escalation(flare_rules):
    observations = [result(FCP, 400, 80), result(CRP, 15, 80), result(FCP, 400, 20)]
    found = assess_flare(record(*observations), AS_OF, flare_rules, since=days_ago(30))
    assert found.status is FlareStatus.FLARE  # not persistent: counted from the de-escalation
    assert found.onset == days_ago(20)


# --- early warning ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        pytest.param([(60, 80), (5, 160)], MET, id="doubled-above-150"),
        pytest.param([(60, 80), (5, 159)], NOT_MET, id="less-than-double"),
        pytest.param([(60, 70), (5, 140)], NOT_MET, id="doubled-below-150"),
        pytest.param([(60, 80, Comparator.LT), (5, 170)], MET, id="from-<80"),
        pytest.param([(60, 20, Comparator.LT), (5, 170)], MET, id="from-<20"),
        pytest.param([(60, 100, Comparator.LT), (5, 170)], UNKNOWN, id="from-<100-cannot-tell"),
        pytest.param([(60, 80), (5, 1800, Comparator.GT)], MET, id="to->1800"),
        pytest.param([(5, 400)], UNKNOWN, id="nothing-to-compare"),
        pytest.param([(120, 80), (100, 300)], UNKNOWN, id="latest-too-old"),
        pytest.param([], UNKNOWN, id="no-calprotectin"),
    ],
)
def test_early_warning_on_a_rising_calprotectin(series, expected, flare_rules):
    observations = [result(FCP, value, days, *more) for days, value, *more in series]
    assert early_warning(record(*observations), AS_OF, flare_rules).result is expected


def test_early_warning_raises_the_flag_when_there_is_no_flare(flare_rules):
    observations = (result(FCP, 80, 60), result(FCP, 200, 5), result(CRP, 2, 5))
    found = assess_flare(record(*observations), AS_OF, flare_rules)
    assert found.status is FlareStatus.EARLY_WARNING
    assert found.headline.startswith("Early warning: calprotectin rising; no flare: 0 of 3")
    text = found.early_warning.text
    assert f"80 ug/g on {days_ago(60):%d %b %Y} → 200 ug/g on {days_ago(5):%d %b %Y}" in text
    assert "(×2.5) — met" in text
    assert text.endswith("(latest >= 2× the previous and > 150 ug/g) [LOCAL]")


def test_an_early_warning_with_missing_results_leaves_the_flare_unknown(flare_rules):
    found = assess_flare(record(result(FCP, 80, 60), result(FCP, 200, 5)), AS_OF, flare_rules)
    assert found.status is FlareStatus.EARLY_WARNING
    assert found.headline.startswith("Early warning: calprotectin rising; flare unknown: 0 of 3")
    assert "2 unknown" in found.headline


def test_a_flare_outranks_the_early_warning(flare_rules):
    observations = (result(FCP, 80, 60), result(FCP, 400, 5), result(CRP, 20, 5))
    assert assess_flare(record(*observations), AS_OF, flare_rules).status is FlareStatus.FLARE


# --- monitoring checks --------------------------------------------------------------------------

DUE = AS_OF - timedelta(days=10)


BOTH = ("Faecal calprotectin", "C-reactive protein")


@pytest.mark.parametrize(
    ("due_in", "results", "state", "missing"),
    [  # due in days from AS_OF; results as (analyte, days ago)
        pytest.param(-10, [(FCP, 12), (CRP, 25)], CheckState.DONE, (), id="done"),
        pytest.param(-10, [(FCP, 12)], CheckState.DUE, ("C-reactive protein",), id="half-done"),
        pytest.param(-10, [], CheckState.DUE, BOTH, id="due"),
        pytest.param(-31, [], CheckState.OVERDUE, BOTH, id="overdue"),
        pytest.param(-30, [], CheckState.DUE, BOTH, id="last-day"),
        pytest.param(-40, [(FCP, 3), (CRP, 3)], CheckState.OVERDUE, BOTH, id="too-late"),
        pytest.param(31, [(FCP, 0), (CRP, 0)], CheckState.UPCOMING, BOTH, id="too-early"),
        pytest.param(30, [(FCP, 0), (CRP, 0)], CheckState.DONE, (), id="early-in-window"),
    ],
)
def test_a_check_is_done_due_overdue_or_upcoming(due_in, results, state, missing, rules):
    due = AS_OF + timedelta(days=due_in)
    plan = [PlannedCheck("Calprotectin and CRP at 3 months", due, ("faecal_calprotectin", "crp"))]
    observations = [result(analyte, 1, days) for analyte, days in results]
    (status,) = check_statuses(plan, record(*observations), AS_OF, rules.tolerance)
    assert status.state is state
    assert status.missing == missing
    assert status.opens == due - timedelta(days=30)
    assert status.closes == due + timedelta(days=30)


def test_an_ultrasound_scan_counts_for_the_ultrasound_check(rules):
    plan = [PlannedCheck("Intestinal ultrasound at 6 months", DUE, ("ius_bowel_wall_mm",))]
    scan = ClinicalEvent(None, EventKind.ULTRASOUND, days_ago(5))
    (status,) = check_statuses(plan, record(events=[scan]), AS_OF, rules.tolerance)
    assert status.state is CheckState.DONE
    assert status.found == (f"ultrasound on {days_ago(5):%d %b %Y}",)


def test_a_check_naming_no_test_is_not_tracked(rules):
    plan = [PlannedCheck("Phone the patient", days_ago(60))]
    (status,) = check_statuses(plan, record(), AS_OF, rules.tolerance)
    assert status.state is CheckState.MANUAL


def test_the_nearest_result_to_the_due_date_is_shown(rules):
    plan = [PlannedCheck("CRP", DUE, ("crp",))]
    observations = [result(CRP, 1, 35), result(CRP, 2, 12), result(CRP, 3, 1)]
    (status,) = check_statuses(plan, record(*observations), AS_OF, rules.tolerance)
    assert status.found == (f"CRP 2 mg/L on {days_ago(12):%d %b %Y}",)


# --- the worklist row ---------------------------------------------------------------------------

BEFORE = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 28)
AFTER = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56)


def episode(start=START, failed_on=None):
    reason = FailureReason.RE_ESCALATION if failed_on else None
    drug = Drug.INFLIXIMAB_IV
    return Episode("FU1", IbdType.CROHNS, drug, start, BEFORE, AFTER, AS_OF, failed_on, reason)


@pytest.mark.parametrize(
    ("start", "failed_on", "expected"),
    [
        (START, None, True),
        (AS_OF - timedelta(days=365), None, True),
        (AS_OF - timedelta(days=366), None, False),
        (START, date(2026, 9, 1), False),
        (AS_OF + timedelta(days=1), None, False),
    ],
)
def test_in_first_year(start, failed_on, expected, rules):
    assert in_first_year(episode(start, failed_on), AS_OF, rules) is expected


def test_row_reads_the_plan_and_the_flags(config, rules):
    plan = monitoring_plan(config.monitoring, START, Drug.INFLIXIMAB_IV, IbdType.CROHNS)
    observations = (
        result(FCP, 400, 5),
        result(CRP, 20, 5),
        result(Analyte.INFLIXIMAB_LEVEL, 4.2, 40),
    )
    row = follow_up_row(record(*observations), episode(), plan, AS_OF, rules, plan_source="default")
    assert row.status is FlareStatus.FLARE
    assert row.regimen_change == "IFX 5 mg/kg q4w → IFX 5 mg/kg q8w"
    assert (row.calprotectin.value, row.crp.value, row.level.value) == (400, 20, 4.2)
    assert round(row.months, 1) == 5.8
    assert row.overdue >= 1  # the 3-month checks (due 31 Aug) passed without results
    assert row.next_check.state is CheckState.DUE


def test_worklist_order_puts_flags_then_overdue_then_unknown_first(config, rules):
    def row(observations, plan=(), start=START):
        return follow_up_row(
            record(*observations), episode(start), plan, AS_OF, rules, plan_source="test"
        )

    overdue_plan = [PlannedCheck("CRP", days_ago(60), ("crp",))]
    rows = {
        "quiet": row(QUIET),
        "unknown": row(()),
        "overdue": row(QUIET, overdue_plan),
        "early": row((result(FCP, 80, 60), result(FCP, 200, 5), result(CRP, 2, 5))),
        "flare": row((result(FCP, 400, 5), result(CRP, 20, 5))),
    }
    ordered = worklist_order(rows.values())
    assert [next(k for k, v in rows.items() if v is r) for r in ordered] == [
        "flare",
        "early",
        "overdue",
        "unknown",
        "quiet",
    ]


# --- last contact and gone quiet (docs/clinical.md, "Loss to follow-up") -----------------------


def test_the_row_shows_the_last_contact_and_flags_a_patient_gone_quiet(rules):
    """De-escalated 300 days before AS_OF; the last result 280 days ago: 280 / 30.4375 = 9.2
    months without contact, more than lost_to_follow_up_after (> 9 months)."""
    start = days_ago(300)
    history = record(result(CRP, 3, 280))
    contact = last_contact(history, AS_OF)
    row = follow_up_row(history, episode(start), (), AS_OF, rules, plan_source="t", contact=contact)
    assert row.quiet
    assert row.seen == days_ago(280)
    assert row.contact_text == f"Result (C-reactive protein) on {days_ago(280):%d %b %Y}"


def test_a_recent_contact_is_not_quiet_and_no_contact_counts_from_the_de_escalation(rules):
    recent = record(result(CRP, 3, 270))  # 270 / 30.4375 = 8.87 months: not > 9
    row = follow_up_row(
        recent,
        episode(days_ago(300)),
        (),
        AS_OF,
        rules,
        plan_source="t",
        contact=last_contact(recent, AS_OF),
    )
    assert not row.quiet
    silent = follow_up_row(record(), episode(days_ago(300)), (), AS_OF, rules, plan_source="t")
    assert silent.quiet  # nothing since the de-escalation 300 days (9.9 months) ago
    assert silent.seen == days_ago(300)
    assert silent.contact_text == (
        f"No contact recorded since the de-escalation on {days_ago(300):%d %b %Y}"
    )


def test_a_patient_gone_quiet_comes_after_flags_and_before_overdue_checks(rules):
    overdue_plan = [PlannedCheck("CRP", days_ago(60), ("crp",))]
    flare = follow_up_row(
        record(result(FCP, 400, 5), result(CRP, 20, 5)),
        episode(),
        (),
        AS_OF,
        rules,
        plan_source="t",
    )
    overdue = follow_up_row(record(*QUIET), episode(), overdue_plan, AS_OF, rules, plan_source="t")
    silent = follow_up_row(record(), episode(days_ago(300)), (), AS_OF, rules, plan_source="t")
    assert worklist_order([overdue, silent, flare]) == [flare, silent, overdue]


@pytest.mark.parametrize("ended", [CensorReason.STOPPED_OTHER_REASON, CensorReason.ROUTE_CHANGED])
def test_a_stopped_or_route_changed_episode_leaves_the_worklist(rules, ended):
    stopped = replace(episode(), follow_up_end=date(2026, 9, 1), follow_up_ended=ended)
    assert not in_first_year(stopped, AS_OF, rules)
