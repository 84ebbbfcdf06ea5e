"""Outcome derivation: each failure reason, censoring, several episodes, recapture, courses
joined across a gap, induction, a change of route and loss to follow-up.

Each case is a small medication history (infliximab 5 mg/kg, q4w intensified → q8w standard)
with events and markers, followed up to AS_OF. ``RULES`` has no loss-to-follow-up window and no
regimen catalogue (periods join without slack); ``config_rules`` is the shipped configuration.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.contacts import Contact, ContactKind, last_contact
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
from mdt_desktop.domain.outcomes import (
    CensorReason,
    FailureReason,
    OutcomeRules,
    audit_episodes,
    below,
    censor_lost,
    episodes,
)
from mdt_desktop.domain.records import (
    Administration,
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


def ifx(
    start,
    end=None,
    interval=56,
    drug=Drug.INFLIXIMAB_IV,
    dose=5.0,
    end_reason=None,
    phase=Phase.MAINTENANCE,
):
    unit = DoseUnit.MG_PER_KG if drug is Drug.INFLIXIMAB_IV else DoseUnit.MG
    return MedicationPeriod(None, drug, dose, unit, interval, start, end, phase, "", end_reason)


@pytest.fixture(scope="module")
def config_rules(config):
    return OutcomeRules.from_config(config)


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
    "switched to adalimumab for lack of effect": (
        record(
            ifx(DE_ESCALATED, day(6), end_reason=EndReason.LACK_OF_EFFECT),
            ifx(day(6), interval=14, drug=Drug.ADALIMUMAB, dose=40),
        ),
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


OTHER_STOP = CensorReason.STOPPED_OTHER_REASON


@pytest.mark.parametrize(
    ("end_reason", "censored"),
    [
        (EndReason.LACK_OF_EFFECT, None),
        (EndReason.ADVERSE_EVENT, OTHER_STOP),
        (EndReason.PREGNANCY, OTHER_STOP),
        (EndReason.PATIENT_CHOICE, OTHER_STOP),
        (EndReason.ELECTIVE_STOP, OTHER_STOP),
        (EndReason.COURSE_COMPLETED, OTHER_STOP),
        (EndReason.REGIMEN_CHANGE, OTHER_STOP),
        (EndReason.OTHER, OTHER_STOP),
        (None, CensorReason.STOP_REASON_NOT_RECORDED),
    ],
)
def test_only_lack_of_effect_fails_every_other_stop_censors_on_its_date(end_reason, censored):
    history = record(ifx(DE_ESCALATED, day(4), end_reason=end_reason))
    (found,) = episodes(history, AS_OF, RULES)
    assert found.failed is (censored is None)
    assert found.censor_reason is censored
    assert found.follow_up_end == (day(4) if censored else AS_OF)
    assert found.months == pytest.approx(4, abs=0.02)  # to the stop either way
    expected_stop = end_reason if censored is OTHER_STOP else None
    assert found.stop_reason is expected_stop


def test_a_steroid_course_after_a_censoring_stop_is_not_a_failure():
    history = record(
        ifx(DE_ESCALATED, day(4), end_reason=EndReason.PREGNANCY), steroid(day(6), day(7))
    )
    (found,) = episodes(history, AS_OF, RULES)
    assert not found.failed
    assert found.censored_on == day(4)


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
    """Re-escalated at 6 months, reduced again at 14: two episodes."""
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


def test_a_gap_longer_than_an_interval_is_not_a_de_escalation(config_rules):
    # 1 Jan -> 1 Sep 2024 is 244 days, more than max(28, 56) + 7 = 63: a new course.
    history = PatientRecord(
        patient(),
        (ifx(date(2023, 1, 1), date(2024, 1, 1), interval=28), ifx(date(2024, 9, 1))),
    )
    assert episodes(history, AS_OF, config_rules) == []


@pytest.mark.parametrize(("gap", "joined"), [(0, True), (56, True), (63, True), (64, False)])
def test_a_statement_ending_on_its_last_dose_still_joins_the_next(config_rules, gap, joined):
    """q6w ending on its last dose, q8w starting *gap* days later: joined up to
    max(42, 56) + 7 (dose_gap_tolerance) = 63 days."""
    last_dose = date(2025, 3, 1)
    history = PatientRecord(
        patient(),
        (
            ifx(date(2023, 1, 10), last_dose, interval=42),
            ifx(last_dose + timedelta(days=gap)),
        ),
    )
    found = episodes(history, AS_OF, config_rules)
    assert [e.start for e in found] == ([last_dose + timedelta(days=gap)] if joined else [])


def test_the_old_statement_ending_on_its_last_dose_is_a_de_escalation_with_its_gap(config_rules):
    """IFX q6w whose last dose is 1 Mar followed by q8w from 26 Apr (56 days): a de-escalation,
    not a stop; without the configured slack (RULES) it is missed, as before issue 12."""
    history = PatientRecord(
        patient(),
        (ifx(date(2023, 1, 10), date(2025, 3, 1), interval=42), ifx(date(2025, 4, 26))),
    )
    (found,) = episodes(history, AS_OF, config_rules)
    assert (found.start, found.before.interval_days, found.after.interval_days) == (
        date(2025, 4, 26),
        42,
        56,
    )
    assert not found.failed


def test_a_re_escalation_after_a_gap_is_a_failure_not_a_new_course(config_rules):
    # q8w ends on its last dose 1 Sep 2025; q4w starts 21 Sep (20 days <= 56 + 7).
    history = record(ifx(DE_ESCALATED, date(2025, 9, 1)), ifx(date(2025, 9, 21), interval=28))
    (found,) = episodes(history, AS_OF, config_rules)
    assert (found.reason, found.failed_on) == (FailureReason.RE_ESCALATION, date(2025, 9, 21))


@pytest.mark.parametrize(
    ("induction", "maintenance_start"),
    [
        # infliximab 5 mg/kg every 2 weeks from week 0, the statement ending at week 14
        (ifx(date(2024, 1, 8), date(2024, 4, 15), interval=14), date(2024, 4, 15)),
        # the same ending on its last dose (week 6); maintenance from week 14
        (ifx(date(2024, 1, 8), date(2024, 2, 19), interval=14), date(2024, 4, 15)),
        # recorded as induction
        (
            ifx(date(2024, 1, 8), date(2024, 4, 15), interval=14, phase=Phase.INDUCTION),
            date(2024, 4, 15),
        ),
    ],
)
def test_induction_at_the_start_of_a_course_is_never_a_de_escalation(
    config_rules, induction, maintenance_start
):
    history = PatientRecord(patient(), (induction, ifx(maintenance_start)))
    assert episodes(history, AS_OF, config_rules) == []


def test_adalimumab_160_mg_loading_is_induction(config_rules):
    # 160 mg every 2 weeks x 2 from 4 Mar (ends 18 Mar: 14 days <= 28 + 7), 80 mg/week > 20.
    loading = MedicationPeriod(
        None, Drug.ADALIMUMAB, 160, DoseUnit.MG, 14, date(2024, 3, 4), date(2024, 3, 18)
    )
    maintenance = MedicationPeriod(None, Drug.ADALIMUMAB, 40, DoseUnit.MG, 14, date(2024, 4, 1))
    history = PatientRecord(patient(), (loading, maintenance))
    assert episodes(history, AS_OF, config_rules) == []


def test_a_dense_regimen_longer_than_induction_is_maintenance(config_rules):
    """q2w for 120 days (> 98 + 7) at the start is an intensified regimen: reducing it to q8w
    is a de-escalation."""
    history = PatientRecord(
        patient(), (ifx(date(2024, 1, 8), date(2024, 5, 7), interval=14), ifx(date(2024, 5, 7)))
    )
    (found,) = episodes(history, AS_OF, config_rules)
    assert found.start == date(2024, 5, 7)


def test_induction_shapes_only_the_start_of_a_course(config_rules):
    """q2w for 6 weeks after years of q8w is an escalation (a failure), not induction."""
    history = record(
        ifx(DE_ESCALATED, day(6)),
        ifx(day(6), day(6) + timedelta(days=42), interval=14),
        ifx(day(6) + timedelta(days=42)),
    )
    first, again = episodes(history, AS_OF, config_rules)
    assert (first.reason, first.failed_on) == (FailureReason.RE_ESCALATION, day(6))
    assert again.start == day(6) + timedelta(days=42)  # reduced again: a new episode


def test_a_rescue_single_dose_is_not_a_regimen_change(config_rules):
    rescue = ifx(day(3), day(3) + timedelta(days=1), interval=1, phase=Phase.SINGLE_DOSE)
    history = record(ifx(DE_ESCALATED), rescue)
    (found,) = episodes(history, AS_OF, config_rules)
    assert not found.failed
    assert found.censor_reason is CensorReason.FOLLOWED_TO_AUDIT_DATE


def test_a_change_of_route_censors_the_episode(config_rules):
    """IFX IV q8w ends on its last dose; infliximab SC 120 mg q2w starts 12 days later: not
    comparable for intensity, neither a failure nor a de-escalation."""
    history = record(
        ifx(DE_ESCALATED, day(6) - timedelta(days=12)),
        ifx(day(6), interval=14, drug=Drug.INFLIXIMAB_SC, dose=120),
        ifx(day(9), interval=14, drug=Drug.INFLIXIMAB_SC, dose=240),  # intensified on SC
    )
    (found,) = episodes(history, AS_OF, config_rules)
    assert not found.failed
    assert (found.censored_on, found.censor_reason) == (day(6), CensorReason.ROUTE_CHANGED)


def test_a_later_reduction_on_the_new_route_is_a_new_episode(config_rules):
    history = record(
        ifx(DE_ESCALATED, day(6)),
        ifx(day(6), day(12), interval=14, drug=Drug.INFLIXIMAB_SC, dose=240),
        ifx(day(12), interval=14, drug=Drug.INFLIXIMAB_SC, dose=120),
    )
    first, second = episodes(history, AS_OF, config_rules)
    assert first.censor_reason is CensorReason.ROUTE_CHANGED
    assert (second.start, second.drug) == (day(12), Drug.INFLIXIMAB_SC)


def test_a_following_period_after_the_audit_date_means_the_course_went_on(config_rules):
    """Ended on its last dose 10 days before the audit date; the next regimen starts after it."""
    as_of = day(10)
    history = record(ifx(DE_ESCALATED, as_of - timedelta(days=10)), ifx(as_of + timedelta(days=20)))
    (found,) = episodes(history, as_of, config_rules)
    assert (found.failed, found.censor_reason) == (False, CensorReason.FOLLOWED_TO_AUDIT_DATE)
    assert found.follow_up_end == as_of


# --- loss to follow-up ---------------------------------------------------------------------------


def crp_on(on):
    return marker(CRP, on, 2.0)


@pytest.mark.parametrize(
    ("last_seen", "lost"),
    [
        (AS_OF - timedelta(days=273), False),  # 273 / 30.4375 = 8.97 months: not > 9
        (AS_OF - timedelta(days=275), True),  # 9.03 months
    ],
)
def test_no_contact_for_longer_than_the_window_censors_at_the_last_contact(
    config_rules, last_seen, lost
):
    history = record(ifx(DE_ESCALATED), observations=[crp_on(last_seen)])
    (found,) = audit_episodes(history, AS_OF, config_rules)
    assert not found.failed
    if lost:
        assert (found.censored_on, found.censor_reason) == (
            last_seen,
            CensorReason.LOST_TO_FOLLOW_UP,
        )
    else:
        assert (found.censored_on, found.censor_reason) == (
            AS_OF,
            CensorReason.FOLLOWED_TO_AUDIT_DATE,
        )


def test_each_kind_of_contact_counts(config_rules):
    recent = AS_OF - timedelta(days=30)
    contacts = {
        "result": {"observations": [crp_on(recent)]},
        "dose given": {
            "administrations": (
                Administration(None, Drug.INFLIXIMAB_IV, recent, 5, DoseUnit.MG_PER_KG),
            )
        },
        "procedure": {"events": [ClinicalEvent(None, EventKind.ENDOSCOPY, recent)]},
    }
    for name, extra in contacts.items():
        base = record(
            ifx(DE_ESCALATED), **{k: v for k, v in extra.items() if k != "administrations"}
        )
        history = replace(base, administrations=extra.get("administrations", ()))
        (found,) = audit_episodes(history, AS_OF, config_rules)
        assert found.censor_reason is CensorReason.FOLLOWED_TO_AUDIT_DATE, name
    (reviewed,) = audit_episodes(record(ifx(DE_ESCALATED)), AS_OF, config_rules, [recent])
    assert reviewed.censor_reason is CensorReason.FOLLOWED_TO_AUDIT_DATE


def test_without_any_contact_after_the_de_escalation_it_is_censored_on_its_first_day(config_rules):
    (found,) = audit_episodes(record(ifx(DE_ESCALATED)), AS_OF, config_rules)
    assert (found.censored_on, found.censor_reason) == (
        DE_ESCALATED,
        CensorReason.LOST_TO_FOLLOW_UP,
    )
    assert found.months == 0.0
    assert not found.evaluable_at(12)


def test_a_recorded_failure_stands_before_or_after_the_last_contact(config_rules):
    # A failure on record (a steroid course prescribed, surgery) is a dated clinical fact: the
    # patient was treated then, whatever results were or were not sent afterwards.
    seen = day(5)
    surgery_before = record(
        ifx(DE_ESCALATED),
        events=[event(EventKind.SURGERY, day(3))],
        observations=[crp_on(seen)],
    )
    (kept,) = audit_episodes(surgery_before, AS_OF, config_rules)
    assert (kept.reason, kept.failed_on) == (FailureReason.SURGERY, day(3))
    steroids_after = record(ifx(DE_ESCALATED), steroid(day(8), day(9)), observations=[crp_on(seen)])
    (failed,) = audit_episodes(steroids_after, AS_OF, config_rules)
    assert (failed.reason, failed.failed_on) == (FailureReason.STEROIDS, day(8))


def test_an_earlier_censoring_stands_before_loss_to_follow_up(config_rules):
    history = record(
        ifx(DE_ESCALATED, day(4), end_reason=EndReason.ADVERSE_EVENT),
        observations=[crp_on(day(5))],
    )
    (found,) = audit_episodes(history, AS_OF, config_rules)
    assert (found.censored_on, found.censor_reason) == (day(4), OTHER_STOP)


def test_censor_lost_does_nothing_without_a_window():
    found = episodes(record(ifx(DE_ESCALATED)), AS_OF, RULES)
    assert censor_lost(found, None, AS_OF, RULES) == found


def test_the_last_contact_is_the_latest_of_each_kind():
    history = replace(
        record(
            ifx(DE_ESCALATED),
            observations=[crp_on(date(2026, 1, 5))],
            events=[event(EventKind.SURGERY, date(2026, 2, 1))],
        ),
        administrations=(
            Administration(None, Drug.INFLIXIMAB_IV, date(2026, 3, 1), 5, DoseUnit.MG_PER_KG),
            Administration(
                None, Drug.INFLIXIMAB_IV, AS_OF + timedelta(days=3), 5, DoseUnit.MG_PER_KG
            ),
        ),
    )
    assert last_contact(history, AS_OF) == Contact(
        date(2026, 3, 1), ContactKind.ADMINISTRATION, "Infliximab IV"
    )
    assert last_contact(history, AS_OF, [date(2026, 4, 2)]).kind is ContactKind.REVIEW
    assert last_contact(history, date(2026, 1, 31)).text == (
        "Result (C-reactive protein) on 05 Jan 2026"
    )


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
        "censored",
        "lost_to_follow_up",
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
    # "maintained" and "a further lengthening" are followed to AS_OF; every other one failed.
    assert data["censored"] == {
        "followed_to_audit_date": 2,
        "stopped_other_reason": 0,
        "stop_reason_not_recorded": 0,
        "lost_to_follow_up": 0,
        "route_changed": 0,
    }
    assert data["lost_to_follow_up"] == 0
