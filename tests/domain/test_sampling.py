"""Sample timing of drug levels and antibodies against the scheduled doses around them.

Infliximab IV 5 mg/kg every 8 weeks from 5 Jan 2026 (doses on 5 Jan, 2 Mar, 27 Apr, 22 Jun, …),
infliximab SC 120 mg and adalimumab 40 mg every 2 weeks, read with the shipped windows (IV <= 3
days before the next dose, SC <= 2 days, adalimumab's own <= 28 days).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from mdt_desktop.domain.enums import Analyte, Comparator, DoseUnit, Drug, Phase
from mdt_desktop.domain.records import MedicationPeriod, Observation
from mdt_desktop.domain.sampling import (
    SampleTiming,
    SamplingRules,
    dosed_drugs,
    doses_around,
    sample_timing,
)

START = date(2026, 1, 5)  # first infusion (a Monday)
IFX = MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, START)
ADA = MedicationPeriod(None, Drug.ADALIMUMAB, 40, DoseUnit.MG, 14, START)
IFX_SC = MedicationPeriod(None, Drug.INFLIXIMAB_SC, 120, DoseUnit.MG, 14, START)


@pytest.fixture(scope="module")
def rules(config):
    return SamplingRules.from_thresholds(config.thresholds)


def level(day, analyte=Analyte.INFLIXIMAB_LEVEL, *, hour=9, target=None):
    when = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
    unit = "ug/mL-eq" if analyte is Analyte.ANTI_DRUG_ANTIBODIES else "ug/mL"
    return Observation(None, analyte, 6.0, unit, when, target_drug=target)


def on(days):
    return START + timedelta(days=days)


@pytest.mark.parametrize(
    ("days", "timing", "since", "until"),
    [
        pytest.param(56, SampleTiming.TROUGH, 56, 0, id="on-the-infusion-day"),
        pytest.param(55, SampleTiming.TROUGH, 55, 1, id="day-before"),
        pytest.param(53, SampleTiming.TROUGH, 53, 3, id="3-days-before-edge"),
        pytest.param(52, SampleTiming.NOT_TROUGH, 52, 4, id="4-days-before"),
        pytest.param(20, SampleTiming.NOT_TROUGH, 20, 36, id="mid-interval"),
        pytest.param(57, SampleTiming.NOT_TROUGH, 1, 55, id="day-after-infusion-peak"),
        pytest.param(112, SampleTiming.TROUGH, 56, 0, id="third-infusion-day"),
    ],
)
def test_infusion_timing(days, timing, since, until, rules):
    found = sample_timing(level(on(days)), [IFX], rules)
    assert found.timing is timing
    assert (found.days_since, found.days_until) == (since, until)


def test_subcutaneous_window_is_narrower(rules):
    """Infliximab SC: injections on day 0 and 14; day 12 is 2 days before (a trough), 11 is 3."""
    assert sample_timing(level(on(12)), [IFX_SC], rules).is_trough
    found = sample_timing(level(on(11)), [IFX_SC], rules)
    assert found.timing is SampleTiming.NOT_TROUGH
    assert "injection" in found.text


def test_adalimumab_has_a_window_of_its_own(rules, config):
    """Day 7 of 14: 7 days before the next injection, within adalimumab's 28 (S101).

    The subcutaneous route's 2 days would pass it over; the drug's own window comes first.
    """
    assert rules.window(Drug.ADALIMUMAB) == config.thresholds["trough_window_adalimumab"]
    assert rules.window(Drug.INFLIXIMAB_SC) == config.thresholds["trough_window_sc"]
    found = sample_timing(level(on(7), Analyte.ADALIMUMAB_LEVEL), [ADA], rules)
    assert found.is_trough
    assert found.short == "Read against target (day 7 of 14)"
    assert found.text == (
        "Read against the target: 7 days before the injection due 19 Jan 2026; 7 days after "
        "the injection of 05 Jan 2026 (adalimumab: read against the target when ≤ 28 days "
        "before the dose, unverified) [S101]"
    )
    on_the_day = sample_timing(level(on(14), Analyte.ADALIMUMAB_LEVEL), [ADA], rules)
    assert on_the_day.short == "Trough (day of dose)"


def test_without_a_drug_window_the_route_decides(config):
    values = {k: v for k, v in config.thresholds.values.items() if k != "trough_window_adalimumab"}
    bare = SamplingRules.from_thresholds(replace(config.thresholds, values=values))
    found = sample_timing(level(on(7), Analyte.ADALIMUMAB_LEVEL), [ADA], bare)
    assert found.timing is SampleTiming.NOT_TROUGH  # 7 days > the SC window of 2


def test_texts_name_the_doses_the_rule_and_its_source(rules):
    trough = sample_timing(level(on(56)), [IFX], rules)
    assert trough.short == "Trough (day of dose)"
    assert trough.text == (
        "Trough: on the day of the infusion (02 Mar 2026), before it; 56 days after the infusion "
        "of 05 Jan 2026 (trough: ≤ 3 days before the dose) [LOCAL]"
    )
    middle = sample_timing(level(on(20)), [IFX], rules)
    assert middle.short == "Not a trough (day 20 of 56)"
    assert middle.text.startswith("Peak/intermediate — not a trough: 20 days after the infusion")
    assert "36 days before the infusion due 02 Mar 2026" in middle.text


@pytest.mark.parametrize(
    ("periods", "day", "expected"),
    [
        pytest.param([], on(30), "no infliximab dosing recorded", id="no-dosing-data"),
        pytest.param([IFX], START - timedelta(days=3), "before the first", id="before-first"),
        pytest.param(
            [MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, START, on(60))],
            on(100),
            "the course ended",
            id="course-ended",
        ),
        pytest.param([ADA], on(30), "no infliximab dosing", id="other-drug-only"),
    ],
)
def test_unknown_without_dosing_data_around_the_sample(periods, day, expected, rules):
    found = sample_timing(level(day), periods, rules)
    assert found.timing is SampleTiming.UNKNOWN
    assert found.short == "Timing unknown"
    assert expected in found.text


def test_a_regimen_change_restarts_the_schedule(rules):
    """q4w until 2 Mar, then q8w from 2 Mar: the next dose after 20 Apr is 27 Apr."""
    before = MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 28, START, on(56))
    after = MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, on(56))
    previous, upcoming = doses_around([before, after], on(105))
    assert previous is not None
    assert upcoming is not None
    assert (previous.day, upcoming.day) == (on(56), on(112))
    # the old schedule's dose on the change day is the new period's first dose
    change_day = doses_around([before, after], on(56))[1]
    assert change_day is not None
    assert change_day.day == on(56)
    assert sample_timing(level(on(110)), [before, after], rules).is_trough


def test_induction_periods_count_as_doses(rules):
    induction = MedicationPeriod(
        None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 14, START, on(42), Phase.INDUCTION
    )
    maintenance = MedicationPeriod(None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, on(42))
    found = sample_timing(level(on(40)), [induction, maintenance], rules)
    assert (found.days_since, found.days_until) == (12, 2)


def test_antibodies_follow_their_target_drug(rules):
    antibodies = level(on(55), Analyte.ANTI_DRUG_ANTIBODIES, target="infliximab")
    assert dosed_drugs(antibodies) == {Drug.INFLIXIMAB_IV, Drug.INFLIXIMAB_SC}
    legacy = level(on(55), Analyte.ANTI_DRUG_ANTIBODIES, target="infliximab_iv")
    assert dosed_drugs(legacy) == {Drug.INFLIXIMAB_IV, Drug.INFLIXIMAB_SC}  # one molecule
    assert sample_timing(legacy, [IFX_SC], rules).timing is not SampleTiming.UNKNOWN
    assert sample_timing(antibodies, [IFX, ADA], rules).is_trough
    untargeted = level(on(55), Analyte.ANTI_DRUG_ANTIBODIES)
    assert Drug.ADALIMUMAB in dosed_drugs(untargeted)


def test_bounds_and_time_of_day_do_not_change_the_day_count(rules):
    late = level(on(55), hour=23)
    below = Observation(
        None, Analyte.INFLIXIMAB_LEVEL, 0.4, "ug/mL", late.collected_at, Comparator.LT
    )
    assert sample_timing(late, [IFX], rules).days_until == 1
    assert sample_timing(below, [IFX], rules).is_trough


def test_is_cheap_enough_for_every_case_switch(rules):
    """Arithmetic per period, not a list of doses: 10 years of weekly doses stay instant."""
    weekly = MedicationPeriod(None, Drug.ADALIMUMAB, 40, DoseUnit.MG, 7, date(2016, 1, 1))
    found = sample_timing(level(date(2026, 1, 6), Analyte.ADALIMUMAB_LEVEL), [weekly], rules)
    assert (found.days_since, found.days_until) == (4, 3)  # Friday doses, a Tuesday sample
