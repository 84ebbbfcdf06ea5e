"""Reading observations against thresholds: the latest value, staleness and censored values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.enums import Analyte, Comparator
from mdt_desktop.domain.records import EvidenceItem, Observation
from mdt_desktop.domain.thresholds import Band, Threshold


@dataclass(frozen=True, slots=True)
class Latest:
    """The most recent observation on or before a date, and whether it is too old."""

    observation: Observation
    age_days: int
    stale: bool


def latest(
    observations: Iterable[Observation], analyte: Analyte, on: date, max_age_days: float | None
) -> Latest | None:
    """Return the latest *analyte* observation collected on or before *on*."""
    chosen: Observation | None = None
    for obs in observations:
        if (
            obs.analyte is analyte
            and obs.collected_at.date() <= on
            and (chosen is None or obs.collected_at > chosen.collected_at)
        ):
            chosen = obs
    if chosen is None:
        return None
    age = (on - chosen.collected_at.date()).days
    return Latest(chosen, age, max_age_days is not None and age > max_age_days)


def meets(observation: Observation, threshold: Threshold) -> bool | None:
    """Return whether the value satisfies *threshold*; None when a censored value cannot tell.

    ``<30`` meets ``< 250`` (the true value is below 30); ``>1800`` fails it; ``<300`` against
    ``< 250`` cannot be decided.
    """
    value = observation.value
    comparator = observation.comparator
    if comparator is None:
        return threshold.met_by(value)
    wants_low = threshold.comparator in (Comparator.LT, Comparator.LE)
    is_upper_bound = comparator in (Comparator.LT, Comparator.LE)
    if is_upper_bound == wants_low:
        # "<x" against "< t": true value is below x, so met when x <= t.
        limit_ok = value <= threshold.value if wants_low else value >= threshold.value
        return True if limit_ok else None
    # "<x" against "> t" (or ">x" against "< t"): fails when the bound is on the wrong side.
    bound_fails = value <= threshold.value if wants_low is False else value >= threshold.value
    return False if bound_fails else None


def evidence_for(latest_value: Latest, threshold: Threshold | None, label: str) -> EvidenceItem:
    """Describe an observation as checklist evidence."""
    obs = latest_value.observation
    return EvidenceItem(
        label=label,
        value=obs.display_value,
        unit=obs.unit,
        on=obs.collected_at.date(),
        threshold=threshold.describe() if threshold else "",
        sources=threshold.sources if threshold else (),
        stale=latest_value.stale,
    )


def below_band(observation: Observation, band: Band) -> bool:
    """True when the level is certainly below the band's lower end.

    An exact value under the lower end, or one reported as ``<x`` (or ``<=x``) with ``x`` at or
    below it: the true value can only be lower (docs/clinical.md, "Drug levels").
    """
    if observation.comparator in (Comparator.LT, Comparator.LE):
        return observation.value <= band.lower
    if observation.comparator in (Comparator.GT, Comparator.GE):
        return False
    return observation.value < band.lower
