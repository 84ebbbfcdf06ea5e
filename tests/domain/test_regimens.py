"""Regimen intensity for every regimen of CLINICAL.md §1.4, and how changes are classified."""

from datetime import date

import pytest

from mdt_desktop.domain.enums import DoseUnit, Drug, Phase
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.history import intensified_since, regimen_steps
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


# CLINICAL.md §1.4 "Dose-intensity normalisation" plus the induction and the reduced regimens.
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
