"""The outcome audit of a cohort sent the way EHRs send it (tests/ehr_cohort.py), by hand.

Stops for an adverse event, for pregnancy, for lack of effect and without a reason; a patient
whose statement stays "active" 14 months after they were last seen; induction sent as a
regimen (infliximab every 2 weeks, adalimumab 160 mg); a statement ending on its last dose with
an 8-week gap; a change of route from IV to SC infliximab. Every expected figure is worked out
in the comments (months = days / 30.4375) and the Kaplan–Meier estimate is checked against an
independent implementation (lifelines).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from mdt_desktop.domain.enums import EndReason
from mdt_desktop.domain.outcome_audit import summarise
from mdt_desktop.domain.outcomes import CensorReason, FailureReason, OutcomeRules, audit_episodes
from tests.ehr_cohort import AS_OF, cohort

Z_95 = 1.959964
F, C = FailureReason, CensorReason

# hospital number: (first reduced dose, failed or censored on, reason, days)
EXPECTED = {
    "EHR01": (date(2025, 4, 26), AS_OF, C.FOLLOWED_TO_AUDIT_DATE, 577),  # 365 + 212
    "EHR02": (date(2025, 2, 4), date(2025, 6, 4), C.STOPPED_OTHER_REASON, 120),  # 24+31+30+31+4
    "EHR03": (
        date(2025, 3, 3),
        date(2025, 9, 19),
        C.STOPPED_OTHER_REASON,
        200,
    ),  # 28+30+31+30+31+31+19
    "EHR04": (date(2025, 1, 13), date(2025, 6, 12), F.STOPPED, 150),  # 18+28+31+30+31+12
    "EHR05": (date(2025, 7, 1), date(2025, 9, 29), C.STOP_REASON_NOT_RECORDED, 90),  # 30+31+29
    "EHR06": (
        date(2025, 1, 6),
        date(2025, 9, 24),
        C.LOST_TO_FOLLOW_UP,
        261,
    ),  # 25+28+31+30+31+30+31+31+24
    "EHR09": (date(2025, 2, 10), date(2025, 8, 9), C.ROUTE_CHANGED, 180),  # 18+31+30+31+30+31+9
    "EHR10": (
        date(2025, 1, 20),
        date(2025, 9, 21),
        F.RE_ESCALATION,
        244,
    ),  # 11+28+31+30+31+30+31+31+21
    "EHR11": (date(2025, 4, 1), date(2025, 6, 1), F.STEROIDS, 61),  # 30+31
    "EHR12": (date(2024, 5, 6), date(2025, 6, 10), F.SURGERY, 400),  # 365 + 25 + 10
}


@pytest.fixture(scope="module")
def rules(config):
    return OutcomeRules.from_config(config)


@pytest.fixture(scope="module")
def found(rules):
    return [e for case in cohort() for e in audit_episodes(case.record, AS_OF, rules, case.reviews)]


def test_each_patient_gives_the_episode_worked_out_by_hand(found):
    assert {e.hospital_number for e in found} == set(EXPECTED)  # EHR07, EHR08: induction only
    for episode in found:
        start, until, reason, days = EXPECTED[episode.hospital_number]
        assert episode.start == start, episode.hospital_number
        if isinstance(reason, FailureReason):
            assert (episode.failed_on, episode.reason) == (until, reason)
            assert episode.censor_reason is None
        else:
            assert not episode.failed, episode.hospital_number
            assert (episode.censored_on, episode.censor_reason) == (until, reason)
        assert (until - start).days == days
        assert episode.months == pytest.approx(days / 30.4375)


def test_stop_reasons_and_recapture(found):
    by_number = {e.hospital_number: e for e in found}
    assert by_number["EHR02"].stop_reason is EndReason.ADVERSE_EVENT
    assert by_number["EHR03"].stop_reason is EndReason.PREGNANCY
    assert by_number["EHR05"].stop_reason is None  # "completed" without a statusReason
    # Re-escalated 21 Sep 2025; calprotectin 120 < 250 and CRP 2 < 5 on 1 Dec 2025 (71 days).
    assert by_number["EHR10"].recaptured is True
    assert by_number["EHR10"].recaptured_on <= date(2025, 12, 1)
    assert by_number["EHR01"].after.interval_days == 56  # not the rescue single dose


def test_the_audit_figures_worked_out_by_hand(found, rules):
    figures = summarise(found, rules).as_json()
    assert figures["de_escalations"] == 10
    assert figures["patients"] == 10
    # Evaluable at 12 months: failed within 12 (EHR11 2.00, EHR04 4.93, EHR10 8.02 months) or
    # followed 12 (EHR12, failed at 400/30.4375 = 13.14 months; EHR01, 18.96 months): 5.
    # Maintained: EHR12 and EHR01 = 2/5 = 40.0%.
    assert figures["evaluable_12m"] == 5
    assert figures["maintained_12m"] == 2
    assert figures["maintained_12m_pct"] == 40.0
    assert figures["failed_12m"] == 3
    # Median of 61, 150, 244 days: 150 / 30.4375 = 4.928 -> 4.93 months.
    assert figures["median_months_to_failure"] == 4.93
    assert figures["failure_reasons"] == {
        "re_escalation": 1,
        "trial_enrolment": 0,
        "steroids": 1,
        "surgery": 0,  # EHR12's resection came after 12 months
        "stopped": 1,  # EHR04: lack of effect; the other stops are censored
    }
    assert figures["re_escalated"] == 1
    assert figures["recaptured"] == 1
    assert figures["censored"] == {
        "followed_to_audit_date": 1,  # EHR01
        "stopped_other_reason": 2,  # EHR02 adverse event, EHR03 pregnancy
        "stop_reason_not_recorded": 1,  # EHR05
        "lost_to_follow_up": 1,  # EHR06
        "route_changed": 1,  # EHR09
    }
    assert figures["censored_stop_reasons"] == {"adverse_event": 1, "pregnancy": 1}
    assert figures["lost_to_follow_up"] == 1


# Kaplan–Meier by hand. Times in months, * = failure:
#   2.0041* (EHR11), 2.9569 (EHR05), 3.9425 (EHR02), 4.9281* (EHR04), 5.9138 (EHR09),
#   6.5708 (EHR03), 8.0164* (EHR10), 8.5749 (EHR06), 13.1417* (EHR12), 18.9569 (EHR01)
# At 2.0041: 10 at risk, 1 failure: S = 9/10 = 0.9; Greenwood V = 1/(10*9) = 0.0111111.
# At 4.9281: 7 at risk: S = 0.9 * 6/7 = 0.771429; V += 1/(7*6) -> 0.0349206.
# At 8.0164: 4 at risk: S = 0.771429 * 3/4 = 0.578571; V += 1/(4*3) -> 0.1182540.
# Band on log(-log S): se = sqrt(V) / |ln S|, limits exp(-exp(ln(-ln S) +/- 1.959964 se)):
#   3 months: ln 0.9 = -0.1053605, se = 0.1054093/0.1053605 = 1.000463, ln(-ln S) = -2.250367,
#             lower = exp(-exp(-2.250367 + 1.960872)) = 0.47301, upper = 0.98528.
#   6 months: ln S = -0.2595112, se = 0.1868706/0.2595112 = 0.720087, ln(-ln S) = -1.348955,
#             lower = exp(-exp(-1.348955 + 1.411339)) = 0.34494, upper = 0.93869.
#   9 and 12 months: ln S = -0.5471933, se = 0.3438808/0.5471933 = 0.628445,
#             ln(-ln S) = -0.602953, lower = 0.15331, upper = 0.85243.
# At risk (followed at least that long): 8 at 3 months, 5 at 6, 2 at 9 and at 12.
BY_HAND = {
    3: (0.9, 0.47301, 0.98528, 8),
    6: (0.771429, 0.34494, 0.93869, 5),
    9: (0.578571, 0.15331, 0.85243, 2),
    12: (0.578571, 0.15331, 0.85243, 2),
}


@pytest.mark.parametrize("month", sorted(BY_HAND))
def test_kaplan_meier_at_3_6_9_12_months_with_its_band(found, rules, month):
    point = summarise(found, rules).curve[month]
    survival, lower, upper, at_risk = BY_HAND[month]
    assert point.survival == pytest.approx(survival, abs=1e-6)
    assert point.lower == pytest.approx(lower, abs=1e-5)
    assert point.upper == pytest.approx(upper, abs=1e-5)
    assert point.at_risk == at_risk


def test_kaplan_meier_agrees_with_lifelines(found, rules):
    """lifelines' default band is the exponential Greenwood (log(-log)) one, as survival.py's."""
    from lifelines import KaplanMeierFitter

    km = summarise(found, rules).km
    fitter = KaplanMeierFitter()
    fitter.fit([e.months for e in found], [e.failed for e in found], alpha=0.05)
    band = fitter.confidence_interval_survival_function_
    for month in (3, 6, 9, 12):
        expected = float(fitter.survival_function_at_times(month).iloc[0])
        assert km.at(month) == pytest.approx(expected, abs=1e-9)
        lower, upper = band.loc[:month].iloc[-1]
        ours = km.band_at(month)
        assert ours[0] == pytest.approx(lower, abs=1e-5)
        assert ours[1] == pytest.approx(upper, abs=1e-5)
    assert km.median() == pytest.approx(13.1417, abs=1e-4)  # S drops to 0.289 at 13.14
    assert math.isclose(km.median(), fitter.median_survival_time_)


def test_without_loss_to_follow_up_the_figure_is_too_optimistic(rules):
    """EHR06's statement is still "active": followed to the audit date it would count as
    maintained at 12 months (687 days), 3/6 = 50% instead of 2/5 = 40%."""
    blind = replace(rules, lost_after=None)
    found = [e for case in cohort() for e in audit_episodes(case.record, AS_OF, blind)]
    figures = summarise(found, blind).as_json()
    assert (figures["maintained_12m"], figures["evaluable_12m"]) == (3, 6)
    assert figures["lost_to_follow_up"] == 0
