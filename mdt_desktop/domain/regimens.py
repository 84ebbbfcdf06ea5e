"""Regimens, their intensity, and how consecutive regimens compare (docs/clinical.md, "Dosing").

Intensity is dose per week: mg/kg/week for weight-based doses (IV infliximab), mg/week otherwise.
Two regimens are comparable only for the same drug with the same dose unit; anything else is a
switch or not comparable, never silently an escalation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from mdt_desktop.domain.catalogue import ABBREVIATIONS, DRUGS
from mdt_desktop.domain.enums import DoseUnit, Drug, Evidence
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.thresholds import Threshold

DAYS_PER_WEEK = 7
_REL_TOL = 1e-6


@dataclass(frozen=True, slots=True, order=True)
class Intensity:
    """Dose per week in ``unit`` (``mg/kg/week`` or ``mg/week``)."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.value:.3g} {self.unit}"


@dataclass(frozen=True, slots=True)
class Regimen:
    """A drug, a dose and an interval."""

    drug: Drug
    dose_value: float
    dose_unit: DoseUnit
    interval_days: int

    def __post_init__(self) -> None:
        validate_regimen(self.drug, self.dose_value, self.dose_unit, self.interval_days)

    @property
    def intensity(self) -> Intensity:
        return regimen_intensity(self.dose_value, self.dose_unit, self.interval_days)

    @property
    def label(self) -> str:
        """Return e.g. ``Infliximab IV 5 mg/kg every 6 weeks``."""
        return f"{DRUGS[self.drug].label} {self.dose_label}"

    @property
    def short_label(self) -> str:
        """Return e.g. ``IFX 5 mg/kg q6w`` or ``ADA 40 mg q1w`` for tight spaces."""
        dose = f"{self.dose_value:g} {self.dose_unit}"
        return f"{ABBREVIATIONS[self.drug]} {dose} {short_interval(self.interval_days)}"

    @property
    def dose_label(self) -> str:
        """Return e.g. ``5 mg/kg every 6 weeks`` or ``40 mg weekly``."""
        return f"{self.dose_value:g} {self.dose_unit} {interval_label(self.interval_days)}"


def validate_regimen(
    drug: Drug, dose_value: float, dose_unit: DoseUnit, interval_days: int
) -> None:
    """Raise ValidationError naming the field when a regimen cannot be right."""
    if not math.isfinite(dose_value) or dose_value <= 0:
        raise ValidationError(f"dose: must be a positive number, got {dose_value!r}")
    if dose_unit not in DRUGS[drug].dose_units:
        allowed = " or ".join(DRUGS[drug].dose_units)
        raise ValidationError(
            f"dose unit: {DRUGS[drug].label} is dosed in {allowed}, not {dose_unit}"
        )
    if interval_days < 1:
        raise ValidationError(f"interval: must be at least 1 day, got {interval_days}")


def regimen_intensity(dose_value: float, dose_unit: DoseUnit, interval_days: int) -> Intensity:
    """Return the dose per week: mg/kg/week for mg/kg doses, mg/week for mg doses."""
    per_week = dose_value * DAYS_PER_WEEK / interval_days
    unit = "mg/kg/week" if dose_unit is DoseUnit.MG_PER_KG else "mg/week"
    return Intensity(per_week, unit)


def interval_label(interval_days: int) -> str:
    """Return ``daily``, ``weekly``, ``every 6 weeks`` or ``every 10 days``."""
    if interval_days == 1:
        return "daily"
    if interval_days == DAYS_PER_WEEK:
        return "weekly"
    if interval_days % DAYS_PER_WEEK == 0:
        return f"every {interval_days // DAYS_PER_WEEK} weeks"
    return f"every {interval_days} days"


def short_interval(interval_days: int) -> str:
    """Return ``daily``, ``q1w``, ``q6w`` or ``q10d``."""
    if interval_days == 1:
        return "daily"
    if interval_days % DAYS_PER_WEEK == 0:
        return f"q{interval_days // DAYS_PER_WEEK}w"
    return f"q{interval_days}d"


class RegimenChange(StrEnum):
    """How one regimen relates to the one before it."""

    ESCALATION = "escalation"
    DE_ESCALATION = "de_escalation"
    UNCHANGED = "unchanged"
    SWITCH = "switch"
    NOT_COMPARABLE = "not_comparable"


def compare_intensity(a: Intensity, b: Intensity) -> int | None:
    """Return -1, 0 or 1 as *a* is lower, equal or higher than *b*; None if units differ."""
    if a.unit != b.unit:
        return None
    if math.isclose(a.value, b.value, rel_tol=_REL_TOL):
        return 0
    return -1 if a.value < b.value else 1


def classify_change(previous: Regimen, current: Regimen) -> RegimenChange:
    """Classify the move from *previous* to *current* (docs/clinical.md, "Medication episodes").

    De-escalation is a change to a lower-intensity regimen of the same drug; escalation a change
    to a higher one. A different drug is a switch; a different dose unit cannot be compared.
    """
    if previous.drug is not current.drug:
        return RegimenChange.SWITCH
    order = compare_intensity(current.intensity, previous.intensity)
    if order is None:
        return RegimenChange.NOT_COMPARABLE
    return {
        -1: RegimenChange.DE_ESCALATION,
        0: RegimenChange.UNCHANGED,
        1: RegimenChange.ESCALATION,
    }[order]


class RegimenLevel(StrEnum):
    """Where a maintenance regimen sits against the drug's standard (label) regimen."""

    REDUCED = "reduced"
    STANDARD = "standard"
    INTENSIFIED = "intensified"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RegimenSpec:
    """A named regimen from resources/regimens.toml with its sources."""

    regimen: Regimen
    name: str
    sources: tuple[str, ...]
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class InductionSpec:
    """A drug's label loading schedule: doses at weeks from the first, then maintenance.

    Infliximab IV: 5 mg/kg at weeks 0, 2 and 6, maintenance from week 14; adalimumab: 160 mg
    at week 0 and 80 mg at week 2, maintenance from week 4 (resources/regimens.toml).
    """

    weeks: tuple[float, ...]
    doses: tuple[float, ...]
    dose_unit: DoseUnit
    maintenance_from_week: float
    name: str
    sources: tuple[str, ...]
    evidence: Evidence

    @property
    def days(self) -> int:
        """Days from the first loading dose to the first maintenance dose."""
        return round(self.maintenance_from_week * DAYS_PER_WEEK)


@dataclass(frozen=True, slots=True)
class DrugRegimens:
    """The standard maintenance regimen of a drug and its usual intensified and reduced forms."""

    drug: Drug
    standard: RegimenSpec
    intensified: tuple[RegimenSpec, ...] = ()
    reduced: tuple[RegimenSpec, ...] = ()
    induction: InductionSpec | None = None


@dataclass(frozen=True, slots=True)
class RegimenCatalogue:
    """Standard regimens per drug, loaded from resources/regimens.toml.

    ``course_gap`` is thresholds.toml ``dose_gap_tolerance``, joined by the loader: how late a
    regimen may start after the one before it and still continue the same course
    (docs/clinical.md, "Medication episodes").
    """

    drugs: dict[Drug, DrugRegimens]
    course_gap: Threshold | None = None

    @property
    def course_gap_days(self) -> float:
        """The configured slack between two periods of one course, in days (none: 0)."""
        return self.course_gap.days if self.course_gap is not None else 0.0

    def standard(self, drug: Drug) -> RegimenSpec | None:
        entry = self.drugs.get(drug)
        return entry.standard if entry else None

    def induction(self, drug: Drug) -> InductionSpec | None:
        """The drug's label induction schedule, if configured."""
        entry = self.drugs.get(drug)
        return entry.induction if entry else None

    def level(self, regimen: Regimen) -> RegimenLevel:
        """Return whether *regimen* is below, at or above the drug's standard regimen."""
        standard = self.standard(regimen.drug)
        if standard is None:
            return RegimenLevel.UNKNOWN
        order = compare_intensity(regimen.intensity, standard.regimen.intensity)
        if order is None:
            return RegimenLevel.UNKNOWN
        return {
            -1: RegimenLevel.REDUCED,
            0: RegimenLevel.STANDARD,
            1: RegimenLevel.INTENSIFIED,
        }[order]
