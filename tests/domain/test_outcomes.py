"""Outcome derivation: each failure reason, censoring, several episodes, recapture.

Each case is a small medication history (infliximab 5 mg/kg, q4w intensified → q8w standard)
with events and markers, followed up to AS_OF.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    DoseUnit,
    Drug,
    EndReason,
    EventKind,
    IbdType,
    Phase,
    Sex,
)
from mdt_desktop.domain.outcome_audit import summarise
from mdt_desktop.domain.outcomes import FailureReason, OutcomeRules, below, episodes
from mdt_desktop.domain.records import (
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    Patient,
    PatientRecord,
)

AS_OF = date(2026, 11, 24)
RULES = OutcomeRules()
DE_ESCALATED = date(2025, 1, 1)


def patient(number="DEMO1", ibd=IbdType.CROHNS):
    return Patient(None, number, "Demo", "Pat", date(1990, 1, 1), Sex.FEMALE, ibd, date(2015, 1, 1))


def ifx(start, end=None, interval=56, drug=Drug.INFLIXIMAB_IV, dose=5.0, end_reason=None):
    unit = DoseUnit.MG_PER_KG if drug is Drug.INFLIXIMAB_IV else DoseUnit.MG
    return MedicationPeriod(
        None, drug, dose, unit, interval, start, end, Phase.MAINTENANCE, "", end_reason
    )


def steroid(start, end):
    return MedicationPeriod(
        None, Drug.PREDNISOLONE, 40, DoseUnit.MG, 1, start, end, Phase.MAINTENANCE
    )


def marker(analyte, day, value, comparator=None):
    unit = "ug/g" if analyte is Analyte.FAECAL_CALPROTECTIN else "mg/L"
    return Observation(
        None, analyte, value, unit, datetime.combine(day, datetime.min.time()), comparator
    )


def record(*medications, events=(), observations=(), ibd=IbdType.CROHNS):
    intensified = ifx(date(2023, 1, 1), DE_ESCALATED, interval=28)
    return PatientRecord(
        patient(ibd=ibd), (intensified, *medications), tuple(observations), tuple(events)
    )


def day(months_after: float) -> date:
    return DE_ESCALATED + timedelta(days=round(months_after * 30.4375))


def event(kind, on):
    return ClinicalEvent(None, kind, on, "", kind is EventKind.SURGERY)


CASES = {
    "maintained": (record(ifx(DE_ESCALATED)), None, None),
    "re-escalated": (
        record(ifx(DE_ESCALATED, day(5)), ifx(day(5), interval=42)),
        FailureReason.RE_ESCALATION,
        day(5),
    ),
    "trial": (
        record(ifx(DE_ESCALATED), events=[event(EventKind.TRIAL_ENROLMENT, day(7))]),
        FailureReason.TRIAL_ENROLMENT,
        day(7),
    ),
    "steroids": (
        record(ifx(DE_ESCALATED), steroid(day(3), day(5))),
        FailureReason.STEROIDS,
        day(3),
    ),
    "surgery": (
        record(ifx(DE_ESCALATED), events=[event(EventKind.SURGERY, day(9))]),
        FailureReason.SURGERY,
        day(9),
    ),
    "stopped for lack of effect": (
        record(ifx(DE_ESCALATED, day(4), end_reason=EndReason.LACK_OF_EFFECT)),
        FailureReason.STOPPED,
        day(4),
    ),
    "switched to adalimumab": (
        record(ifx(DE_ESCALATED, day(6)), ifx(day(6), interval=14, drug=Drug.ADALIMUMAB, dose=40)),
        FailureReason.STOPPED,
        day(6),
    ),
    "the first of two reasons": (
        record(
            ifx(DE_ESCALATED, day(8)),
            ifx(day(8), interval=28),
            steroid(day(2), day(4)),
        ),
        FailureReason.STEROIDS,
        day(2),
    ),
    "a further lengthening is not a failure": (
        record(ifx(DE_ESCALATED, day(6)), ifx(day(6), interval=70)),
        None,
        None,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_failure_reason_and_its_date(name):
    history, reason, failed_on = CASES[name]
    found = episodes(history, AS_OF, RULES)
    assert found[0].reason is reason
    assert found[0].failed_on == failed_on
    assert found[0].start == DE_ESCALATED
    assert found[0].before.interval_days == 28
    assert found[0].after.interval_days == 56


@pytest.mark.parametrize(
    ("end_reason", "failed"),
    [
        (EndReason.LACK_OF_EFFECT, True),
        (EndReason.OTHER, True),
        (None, True),
        (EndReason.ADVERSE_EVENT, False),
        (EndReason.PATIENT_CHOICE, False),
        (EndReason.ELECTIVE_STOP, False),
    ],
)
def test_stopping_counts_as_failure_unless_stopped_for_another_reason(end_reason, failed):
    history = record(ifx(DE_ESCALATED, day(4), end_reason=end_reason))
    assert episodes(history, AS_OF, RULES)[0].failed is failed


def test_events_before_the_de_escalation_or_after_follow_up_do_not_count():
    history = record(
        ifx(DE_ESCALATED),
        events=[event(EventKind.SURGERY, DE_ESCALATED - timedelta(days=30))],
    )
    assert not episodes(history, AS_OF, RULES)[0].failed
    future = record(ifx(DE_ESCALATED), events=[event(EventKind.SURGERY, day(30))])
    assert not episodes(future, day(12), RULES)[0].failed


@pytest.mark.parametrize(
    ("as_of_months", "failure_months", "evaluable", "maintained"),
    [
        (6, None, False, False),  # censored at 6 months: not evaluable at 12
        (12.5, None, True, True),  # followed for a year without failure
        (6, 4, True, False),  # failed within the year: evaluable however short the follow-up
        (24, 15, True, True),  # failed after the year: maintained at 12 months
    ],
)
def test_censoring_and_the_12_month_proportion(as_of_months, failure_months, evaluable, maintained):
    events = [event(EventKind.SURGERY, day(failure_months))] if failure_months else []
    history = record(ifx(DE_ESCALATED), events=events)
    found = episodes(history, day(as_of_months), RULES)[0]
    assert found.evaluable_at(12) is evaluable
    assert found.maintained_at(12) is maintained
    expected = failure_months if failure_months else as_of_months
    assert found.months == pytest.approx(expected, abs=0.05)


def test_several_de_escalations_are_separate_episodes():
    history = record(
        ifx(DE_ESCALATED, day(6)),
        ifx(day(6), day(14), interval=28),  # re-escalated at 6 months
        ifx(day(14)),  # de-escalated again at 14 months
    )
    first, second = episodes(history, AS_OF, RULES)
    assert first.reason is FailureReason.RE_ESCALATION
    assert first.failed_on == day(6)
    assert second.start == day(14)
    assert not second.failed
    assert second.follow_up_end == AS_OF


def test_a_further_reduction_while_de_escalated_continues_the_episode():
    history = record(
        ifx(DE_ESCALATED, day(8), interval=42),
        ifx(day(8), day(10), interval=56),
        ifx(day(10), interval=42),  # back to q6w: not above the first reduced regimen
    )
    (only,) = episodes(history, AS_OF, RULES)
    assert only.start == DE_ESCALATED
    assert only.follow_up_end == AS_OF
    assert not only.failed


def test_a_gap_longer_than_an_interval_is_not_a_de_escalation():
    history = PatientRecord(
        patient(),
        (ifx(date(2023, 1, 1), date(2024, 1, 1), interval=28), ifx(date(2024, 9, 1))),
    )
    assert episodes(history, AS_OF, RULES) == []


RE_ESCALATION = (ifx(DE_ESCALATED, day(5)), ifx(day(5), interval=42))
FCP, CRP = Analyte.FAECAL_CALPROTECTIN, Analyte.CRP


@pytest.mark.parametrize(
    ("markers", "as_of", "recaptured"),
    [
        ([(FCP, 7, 120, None), (CRP, 8, 3, None)], AS_OF, True),
        ([(FCP, 7, 120, None), (CRP, 8, 5, Comparator.LT)], AS_OF, True),  # "<5" is below 5
        ([(FCP, 7, 120, None), (CRP, 8, 5, None)], AS_OF, False),  # 5 is not below 5
        ([(FCP, 7, 300, None), (CRP, 8, 2, None)], AS_OF, False),
        ([(FCP, 12, 100, None), (CRP, 12, 2, None)], AS_OF, False),  # after the 6-month window
        ([(FCP, 4, 100, None), (CRP, 4, 2, None)], AS_OF, False),  # before the re-escalation
        ([(FCP, 7, 120, None)], day(8), None),  # window still open, CRP not back yet
        ([(FCP, 7, 120, None)], AS_OF, False),  # window closed without CRP
    ],
)
def test_recapture_after_re_escalation(markers, as_of, recaptured):
    observations = [marker(a, day(m), v, c) for a, m, v, c in markers]
    history = record(*RE_ESCALATION, observations=observations)
    found = episodes(history, as_of, RULES)[0]
    assert found.reason is FailureReason.RE_ESCALATION
    assert found.recaptured is recaptured


def test_recapture_uses_the_configured_thresholds():
    observations = [marker(FCP, day(7), 120), marker(CRP, day(8), 3)]
    history = record(*RE_ESCALATION, observations=observations)
    strict = OutcomeRules(recapture_calprotectin=100)
    assert episodes(history, AS_OF, strict)[0].recaptured is False


def test_a_failure_other_than_re_escalation_has_no_recapture():
    history = record(ifx(DE_ESCALATED), events=[event(EventKind.SURGERY, day(3))])
    assert episodes(history, AS_OF, RULES)[0].recaptured is None


@pytest.mark.parametrize(
    ("value", "comparator", "expected"),
    [
        (4.9, None, True),
        (5, None, False),
        (5, Comparator.LT, True),
        (5, Comparator.LE, True),
        (3, Comparator.GT, False),
        (6, Comparator.LT, False),
    ],
)
def test_below(value, comparator, expected):
    assert below(marker(CRP, DE_ESCALATED, value, comparator), 5) is expected


def test_the_summary_counts_and_json_keys():
    histories = [h for h, _reason, _day in CASES.values()]
    found = [e for h in histories for e in episodes(h, AS_OF, RULES)]
    figures = summarise(found, RULES)
    data = figures.as_json()
    assert set(data) >= {
        "de_escalations",
        "patients",
        "evaluable_12m",
        "maintained_12m",
        "maintained_12m_pct",
        "failed_12m",
        "median_months_to_failure",
        "failure_reasons",
        "re_escalated",
        "recaptured",
        "km",
    }
    assert data["de_escalations"] == len(found) == 9
    assert data["failed_12m"] == 7
    assert data["maintained_12m"] == 2
    assert data["maintained_12m_pct"] == pytest.approx(100 * 2 / 9, abs=0.1)
    assert data["failure_reasons"] == {
        "re_escalation": 1,
        "trial_enrolment": 1,
        "steroids": 2,
        "surgery": 1,
        "stopped": 2,
    }
    assert [p["month"] for p in data["km"]] == list(range(25))
    assert data["km"][0]["survival"] == 1.0
    assert data["median_months_to_failure"] == pytest.approx(5.0, abs=0.05)  # 2,3,4,5,6,7,9
