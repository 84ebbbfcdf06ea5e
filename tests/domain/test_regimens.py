"""Regimen intensity of every regimen in docs/clinical.md ("Dosing"); how changes are classified."""

from datetime import date

import pytest

from mdt_desktop.domain.enums import DoseUnit, Drug, Phase
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.history import (
    current_anti_tnf,
    induction_periods,
    intensified_since,
    joins,
    regimen_steps,
)
from mdt_desktop.domain.records import MedicationPeriod
from mdt_desktop.domain.regimens import (
    Regimen,
    RegimenChange,
    RegimenLevel,
    classify_change,
    interval_label,
)

IFX, ADA, SC = Drug.INFLIXIMAB_IV, Drug.ADALIMUMAB, Drug.INFLIXIMAB_SC
MGKG, MG = DoseUnit.MG_PER_KG, DoseUnit.MG


# docs/clinical.md, "Dosing" (intensities) plus the induction and the reduced regimens.
@pytest.mark.parametrize(
    ("drug", "dose", "unit", "interval", "expected", "expected_unit"),
    [
        (IFX, 5, MGKG, 56, 0.625, "mg/kg/week"),  # standard maintenance
        (IFX, 5, MGKG, 42, 0.8333, "mg/kg/week"),  # interval shortened to 6 weeks
        (IFX, 10, MGKG, 56, 1.25, "mg/kg/week"),  # dose doubled
        (IFX, 5, MGKG, 28, 1.25, "mg/kg/week"),  # interval halved
        (IFX, 5, MGKG, 70, 0.5, "mg/kg/week"),  # spaced beyond the label
        (ADA, 40, MG, 14, 20.0, "mg/week"),  # standard
        (ADA, 40, MG, 21, 13.333, "mg/week"),  # LADI / Leuven every 3 weeks
        (ADA, 40, MG, 28, 10.0, "mg/week"),  # every 4 weeks
        (ADA, 40, MG, 7, 40.0, "mg/week"),  # weekly
        (ADA, 80, MG, 14, 40.0, "mg/week"),  # 80 mg every other week
        (SC, 120, MG, 14, 60.0, "mg/week"),  # CT-P13 SC standard
        (SC, 240, MG, 14, 120.0, "mg/week"),  # CT-P13 SC dose adjustment
    ],
)
def test_intensity_matches_the_clinical_table(drug, dose, unit, interval, expected, expected_unit):
    intensity = Regimen(drug, dose, unit, interval).intensity
    assert intensity.value == pytest.approx(expected, rel=1e-3)
    assert intensity.unit == expected_unit


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ((IFX, 5, MGKG, 56), (IFX, 5, MGKG, 42), RegimenChange.ESCALATION),
        ((IFX, 5, MGKG, 42), (IFX, 5, MGKG, 56), RegimenChange.DE_ESCALATION),
        ((IFX, 10, MGKG, 56), (IFX, 5, MGKG, 56), RegimenChange.DE_ESCALATION),
        ((IFX, 10, MGKG, 56), (IFX, 5, MGKG, 28), RegimenChange.UNCHANGED),  # equal mg/kg/week
        ((IFX, 5, MGKG, 28), (IFX, 5, MGKG, 42), RegimenChange.DE_ESCALATION),  # step down
        ((ADA, 40, MG, 7), (ADA, 40, MG, 14), RegimenChange.DE_ESCALATION),
        ((ADA, 80, MG, 14), (ADA, 40, MG, 7), RegimenChange.UNCHANGED),
        ((ADA, 40, MG, 14), (ADA, 40, MG, 21), RegimenChange.DE_ESCALATION),
        ((ADA, 40, MG, 21), (ADA, 40, MG, 7), RegimenChange.ESCALATION),
        ((SC, 240, MG, 14), (SC, 120, MG, 14), RegimenChange.DE_ESCALATION),
        ((IFX, 5, MGKG, 56), (ADA, 40, MG, 14), RegimenChange.SWITCH),
        ((IFX, 5, MGKG, 56), (SC, 120, MG, 14), RegimenChange.SWITCH),  # IV -> SC is a switch
        (
            (Drug.USTEKINUMAB, 6, MGKG, 56),
            (Drug.USTEKINUMAB, 90, MG, 56),
            RegimenChange.NOT_COMPARABLE,
        ),
    ],
)
def test_classify_change(before, after, expected):
    assert classify_change(Regimen(*before), Regimen(*after)) is expected


@pytest.mark.parametrize(
    ("drug", "dose", "unit", "interval", "field"),
    [
        (IFX, 400, MG, 56, "dose unit"),  # IV infliximab is dosed per kg
        (ADA, 40, MGKG, 14, "dose unit"),
        (IFX, 0, MGKG, 56, "dose"),
        (IFX, -5, MGKG, 56, "dose"),
        (IFX, float("nan"), MGKG, 56, "dose"),
        (ADA, 40, MG, 0, "interval"),
    ],
)
def test_impossible_regimens_are_refused_naming_the_field(drug, dose, unit, interval, field):
    with pytest.raises(ValidationError, match=field):
        Regimen(drug, dose, unit, interval)


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (1, "daily"),
        (7, "weekly"),
        (14, "every 2 weeks"),
        (56, "every 8 weeks"),
        (10, "every 10 days"),
    ],
)
def test_interval_labels(days, label):
    assert interval_label(days) == label


@pytest.mark.parametrize(
    ("regimen", "level"),
    [
        ((IFX, 5, MGKG, 56), RegimenLevel.STANDARD),
        ((IFX, 5, MGKG, 42), RegimenLevel.INTENSIFIED),
        ((IFX, 5, MGKG, 70), RegimenLevel.REDUCED),
        ((ADA, 40, MG, 7), RegimenLevel.INTENSIFIED),
        ((ADA, 40, MG, 21), RegimenLevel.REDUCED),
        ((SC, 120, MG, 14), RegimenLevel.STANDARD),
        ((Drug.GOLIMUMAB, 100, MG, 28), RegimenLevel.UNKNOWN),  # no standard configured
    ],
)
def test_level_against_the_configured_standard(config, regimen, level):
    assert config.regimens.level(Regimen(*regimen)) is level


def _period(drug, dose, unit, interval, start, end=None, phase=Phase.MAINTENANCE):
    return MedicationPeriod(None, drug, dose, unit, interval, start, end, phase)


def test_intensified_run_spans_consecutive_intensified_periods(config):
    periods = [
        _period(IFX, 5, MGKG, 14, date(2020, 1, 1), date(2020, 4, 9), Phase.INDUCTION),
        _period(IFX, 5, MGKG, 56, date(2020, 4, 9), date(2022, 3, 1)),
        _period(IFX, 5, MGKG, 42, date(2022, 3, 1), date(2023, 1, 10)),
        _period(IFX, 5, MGKG, 28, date(2023, 1, 10)),
    ]
    assert intensified_since(periods, date(2024, 1, 1), config.regimens) == date(2022, 3, 1)
    steps = regimen_steps(periods, config.regimens)
    assert [s.change for s in steps] == [None, RegimenChange.ESCALATION, RegimenChange.ESCALATION]
    assert [s.level for s in steps] == [
        RegimenLevel.STANDARD,
        RegimenLevel.INTENSIFIED,
        RegimenLevel.INTENSIFIED,
    ]


def test_not_intensified_after_de_escalation(config):
    periods = [
        _period(ADA, 40, MG, 7, date(2022, 1, 1), date(2024, 1, 1)),
        _period(ADA, 40, MG, 14, date(2024, 1, 1)),
    ]
    assert intensified_since(periods, date(2024, 6, 1), config.regimens) is None
    assert intensified_since(periods, date(2023, 6, 1), config.regimens) == date(2022, 1, 1)
    assert regimen_steps(periods, config.regimens)[1].change is RegimenChange.DE_ESCALATION


# --- courses as EHRs send them (docs/clinical.md, "Medication episodes") ----------------------


def test_the_shipped_course_slack_is_the_configured_dose_gap_tolerance(config):
    assert config.regimens.course_gap is config.thresholds["dose_gap_tolerance"]
    assert config.regimens.course_gap_days == 7


@pytest.mark.parametrize(
    ("following", "joined"),
    [
        (_period(IFX, 5, MGKG, 56, date(2025, 5, 3)), True),  # 63 days = max(42, 56) + 7
        (_period(IFX, 5, MGKG, 56, date(2025, 5, 4)), False),  # 64 days
        (_period(SC, 120, MG, 14, date(2025, 4, 1)), True),  # another route, the same molecule
        (_period(ADA, 40, MG, 14, date(2025, 3, 2)), False),  # another molecule
    ],
)
def test_periods_join_within_the_longer_interval_plus_the_slack(following, joined):
    previous = _period(IFX, 5, MGKG, 42, date(2023, 1, 10), date(2025, 3, 1))
    assert joins(previous, following, 7) is joined


def test_intensified_since_reads_across_a_statement_ending_on_its_last_dose(config):
    """q6w ends on its last dose 1 Mar 2025, q4w starts 5 Apr (35 days <= 42 + 7)."""
    periods = [
        _period(IFX, 5, MGKG, 42, date(2024, 6, 3), date(2025, 3, 1)),
        _period(IFX, 5, MGKG, 28, date(2025, 4, 5)),
    ]
    assert intensified_since(periods, date(2025, 9, 1), config.regimens) == date(2024, 6, 3)


def test_induction_shaped_start_is_neither_current_nor_intensified_nor_a_step(config):
    """IFX 5 mg/kg every 2 weeks from 8 Jan 2024 to week 14 (15 Apr), then q8w."""
    induction = _period(IFX, 5, MGKG, 14, date(2024, 1, 8), date(2024, 4, 15))
    maintenance = _period(IFX, 5, MGKG, 56, date(2024, 4, 15))
    periods = [induction, maintenance]
    assert induction_periods(periods, config.regimens) == {induction}
    assert current_anti_tnf(periods, date(2024, 2, 1), config.regimens) is None
    assert current_anti_tnf(periods, date(2024, 2, 1)) == induction  # without the catalogue
    assert intensified_since(periods, date(2024, 2, 1), config.regimens) is None
    steps = regimen_steps(periods, config.regimens)
    assert [(s.period, s.change) for s in steps] == [(maintenance, None)]


def test_single_doses_are_never_maintenance(config):
    rescue = _period(IFX, 5, MGKG, 1, date(2024, 9, 2), date(2024, 9, 3), Phase.SINGLE_DOSE)
    maintenance = _period(IFX, 5, MGKG, 56, date(2024, 4, 15))
    assert current_anti_tnf([maintenance, rescue], date(2024, 9, 2), config.regimens) == (
        maintenance
    )
    assert [s.period for s in regimen_steps([maintenance, rescue], config.regimens)] == [
        maintenance
    ]


def test_a_new_course_after_a_long_gap_has_no_change(config):
    periods = [
        _period(IFX, 5, MGKG, 28, date(2022, 1, 3), date(2023, 1, 2)),
        _period(IFX, 5, MGKG, 56, date(2024, 6, 3)),  # 518 days later
    ]
    assert [s.change for s in regimen_steps(periods, config.regimens)] == [None, None]
