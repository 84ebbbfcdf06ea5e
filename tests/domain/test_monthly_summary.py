"""The monthly summary's arithmetic: administrations and drug a year, per drug and in total."""

from datetime import date

import pytest

from mdt_desktop.domain.enums import DoseUnit, Drug, MeetingStatus, Outcome
from mdt_desktop.domain.monthly_summary import (
    MeetingFigures,
    OverdueAction,
    PlannedReduction,
    administrations_per_year,
    build_summary,
    dose_per_year,
    next_month,
    parse_month,
)
from mdt_desktop.domain.regimens import Regimen

MEETING = date(2026, 10, 28)


def ifx(dose, weeks):
    return Regimen(Drug.INFLIXIMAB_IV, dose, DoseUnit.MG_PER_KG, 7 * weeks)


def ada(weeks):
    return Regimen(Drug.ADALIMUMAB, 40, DoseUnit.MG, 7 * weeks)


def reduction(before, after, number="P1"):
    return PlannedReduction(MEETING, number, after, date(2026, 11, 10), before, started=False)


def test_administrations_and_drug_a_year():
    assert administrations_per_year(ada(2)) == pytest.approx(365.25 / 14)
    assert dose_per_year(ada(1)) == pytest.approx(40 * 365.25 / 7)
    assert dose_per_year(ifx(5, 8)) == pytest.approx(5 * 365.25 / 56)


def test_a_longer_interval_avoids_administrations():
    plan = reduction(ada(1), ada(2))
    assert plan.administrations_avoided == pytest.approx(365.25 / 7 - 365.25 / 14)
    assert plan.dose_avoided == pytest.approx(40 * 365.25 / 7 - 40 * 365.25 / 14)


def test_a_lower_dose_at_the_same_interval_saves_drug_not_administrations():
    plan = reduction(ifx(10, 8), ifx(5, 8))
    assert plan.administrations_avoided == 0
    assert plan.dose_avoided == pytest.approx(5 * 365.25 / 56)


def test_without_the_regimen_before_nothing_is_counted():
    plan = reduction(None, ada(2))
    assert not plan.comparable
    assert plan.administrations_avoided == 0
    switched = reduction(ifx(5, 6), ada(2))
    assert not switched.comparable
    assert switched.administrations_avoided == 0


def test_savings_add_up_per_drug_in_catalogue_order():
    summary = build_summary(
        date(2026, 10, 1),
        date(2026, 11, 24),
        [MeetingFigures(1, MEETING, MeetingStatus.SIGNED_OFF, 6, 5, 1, 2, 1)],
        [Outcome.DE_ESCALATE] * 3 + [Outcome.CONTINUE_INTENSIFIED],
        [
            reduction(ada(1), ada(2), "A"),
            reduction(ifx(5, 6), ifx(5, 8), "B"),
            reduction(ada(2), ada(3), "C"),
            reduction(None, ada(2), "D"),
        ],
        [OverdueAction(MEETING, "A", "Letter", "Sam", date(2026, 11, 4), 20)],
    )
    ifx_savings, ada_savings = summary.savings
    assert (ifx_savings.drug, ada_savings.drug) == (Drug.INFLIXIMAB_IV, Drug.ADALIMUMAB)
    assert ada_savings.decisions == 3
    assert ada_savings.comparable == 2
    assert ada_savings.administrations_before == pytest.approx(365.25 / 7 + 365.25 / 14)
    assert ada_savings.administrations_after == pytest.approx(365.25 / 14 + 365.25 / 21)
    assert ada_savings.dose_unit == "mg/year"
    assert ifx_savings.dose_unit == "mg/kg/year"
    assert ifx_savings.administrations_avoided == pytest.approx(365.25 / 42 - 365.25 / 56)
    assert summary.administrations_avoided == pytest.approx(
        ifx_savings.administrations_avoided + ada_savings.administrations_avoided
    )
    assert summary.decisions[Outcome.DE_ESCALATE] == 3
    assert summary.decisions[Outcome.STOP_ANTI_TNF] == 0
    assert (summary.listed, summary.discussed, summary.deferred, summary.pending) == (6, 5, 1, 0)


@pytest.mark.parametrize(
    ("text", "first", "after"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 11, 1)),
        (" 2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_months(text, first, after):
    assert parse_month(text) == first
    assert next_month(first) == after
