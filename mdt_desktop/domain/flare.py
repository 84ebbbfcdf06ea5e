"""Flare flags after a de-escalation: the LADI-style rule, persistence and an early warning.

Plain Python. Each rule shows its evidence and says "unknown" when data is missing — never a
silent pass:

- Flare ([S20][S21]): the latest faecal calprotectin, CRP and clinical score (HBI for Crohn's
  disease, partial Mayo otherwise, as monitoring_plan picks it) within ``flare_max_age``; a flare
  when at least ``flare_components_required`` are met, *persistent* when that has held for longer
  than ``persistent_flare``. Unknown when the missing results could still make up the count; no
  flare when even they could not.
- Early warning (local policy): the latest calprotectin at least ``early_warning_calprotectin_rise``
  times the one before it and above ``early_warning_calprotectin``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mdt_desktop.domain.catalogue import ANALYTES
from mdt_desktop.domain.enums import Analyte, ChecklistResult, Comparator, IbdType
from mdt_desktop.domain.readings import latest, meets
from mdt_desktop.domain.records import Observation, PatientRecord
from mdt_desktop.domain.thresholds import Threshold, Thresholds
from mdt_desktop.domain.wording import count

MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN
_NO_UNIT = frozenset({"score", "grade", "count"})  # "HBI 6", not "HBI 6 score"


def day_text(day: date) -> str:
    """Return e.g. ``02 Nov 2026``."""
    return f"{day:%d %b %Y}"


def reading_text(obs: Observation) -> str:
    """Return e.g. ``634 ug/g on 02 Nov 2026`` or ``6 on 02 Nov 2026`` for a score."""
    unit = "" if obs.unit in _NO_UNIT else f" {obs.unit}"
    return f"{obs.display_value}{unit} on {day_text(obs.collected_at.date())}"


def cite(threshold: Threshold) -> str:
    """Return e.g. ``(> 250 ug/g) [S20, S21]``."""
    return f"({threshold.describe()}) [{', '.join(threshold.sources)}]"


class FlareStatus(StrEnum):
    """The follow-up flag of one patient, from least to most urgent."""

    NONE = "none"
    UNKNOWN = "unknown"
    EARLY_WARNING = "early_warning"
    FLARE = "flare"
    PERSISTENT = "persistent_flare"

    @property
    def label(self) -> str:
        return {
            FlareStatus.NONE: "No flare",
            FlareStatus.UNKNOWN: "Unknown",
            FlareStatus.EARLY_WARNING: "Early warning",
            FlareStatus.FLARE: "Flare",
            FlareStatus.PERSISTENT: "Persistent flare",
        }[self]

    @property
    def rank(self) -> int:
        return list(FlareStatus).index(self)


@dataclass(frozen=True, slots=True)
class FlareRules:
    """The thresholds the flare rules read (resources/thresholds.toml)."""

    calprotectin: Threshold
    crp: Threshold
    hbi: Threshold
    partial_mayo: Threshold
    required: Threshold
    persistent: Threshold
    max_age: Threshold
    rise: Threshold
    alert: Threshold

    @classmethod
    def from_thresholds(cls, thresholds: Thresholds) -> FlareRules:
        keys = (
            "flare_calprotectin",
            "flare_crp",
            "flare_hbi",
            "flare_partial_mayo",
            "flare_components_required",
            "persistent_flare",
            "flare_max_age",
            "early_warning_calprotectin_rise",
            "early_warning_calprotectin",
        )
        return cls(*(thresholds[key] for key in keys))

    def components(self, ibd_type: IbdType) -> tuple[Threshold, ...]:
        """Calprotectin, CRP and the diagnosis' clinical score."""
        clinical = self.hbi if ibd_type is IbdType.CROHNS else self.partial_mayo
        return (self.calprotectin, self.crp, clinical)


@dataclass(frozen=True, slots=True)
class FlareComponent:
    """One component of the flare rule on one day, with the result it was read from."""

    threshold: Threshold
    result: ChecklistResult
    observation: Observation | None = None
    stale: bool = False  # the latest result is older than the window
    max_age: Threshold | None = None

    @property
    def label(self) -> str:
        analyte = self.threshold.analyte
        return ANALYTES[analyte].label if analyte else self.threshold.label

    @property
    def text(self) -> str:
        """E.g. ``Faecal calprotectin: 634 ug/g on 02 Nov 2026 — met (> 250 ug/g) [S20, S21]``."""
        window = f"within {self.max_age.describe()}" if self.max_age else "on record"
        obs = self.observation
        if obs is None:
            reading = f"no result {window}"
        elif self.stale:
            reading = f"last {reading_text(obs)}, not {window}"
        else:
            reading = reading_text(obs)
        verdict = self.result.value.replace("_", " ")
        return f"{self.label}: {reading} — {verdict} {cite(self.threshold)}"


@dataclass(frozen=True, slots=True)
class EarlyWarning:
    """A rising calprotectin: the latest against the one before it."""

    result: ChecklistResult
    rise: Threshold
    alert: Threshold
    latest: Observation | None = None
    previous: Observation | None = None

    @property
    def text(self) -> str:
        """E.g. ``Early warning: calprotectin 90 ug/g on … → 634 ug/g on … (×7.0) — met (…)``."""
        rise = f"{self.rise.comparator or ''} {self.rise.value:g}× the previous".strip()
        tags = sorted({*self.rise.sources, *self.alert.sources})
        rule = f"(latest {rise} and {self.alert.describe()}) [{', '.join(tags)}]"
        if self.latest is None:
            return f"Early warning: no calprotectin in the window — unknown {rule}"
        if self.previous is None:
            return f"Early warning: no earlier calprotectin to compare — unknown {rule}"
        verdict = self.result.value.replace("_", " ")
        change = f"{reading_text(self.previous)} → {reading_text(self.latest)}"
        ratio = _ratio_text(self.latest, self.previous)
        return f"Early warning: calprotectin {change}{ratio} — {verdict} {rule}"


def _ratio_text(latest_obs: Observation, previous: Observation) -> str:
    if latest_obs.comparator or previous.comparator or previous.value <= 0:
        return ""
    return f" (×{latest_obs.value / previous.value:.1f})"


@dataclass(frozen=True, slots=True)
class FlareAssessment:
    """The flag of one patient on one day, with everything it was read from."""

    status: FlareStatus
    components: tuple[FlareComponent, ...]
    required: Threshold
    persistent: Threshold
    early_warning: EarlyWarning
    onset: date | None = None  # first day of the current flare (within the episode)
    as_of: date | None = None

    @property
    def met(self) -> int:
        return sum(1 for c in self.components if c.result is MET)

    @property
    def unknown(self) -> int:
        return sum(1 for c in self.components if c.result is UNKNOWN)

    @property
    def headline(self) -> str:
        """One line for the table's tooltip and the top of the detail pane."""
        met = f"{self.met} of {len(self.components)} flare components met"
        need = f"{self.required.value:g} needed [{', '.join(self.required.sources)}]"
        if self.status in (FlareStatus.FLARE, FlareStatus.PERSISTENT) and self.onset and self.as_of:
            days = (self.as_of - self.onset).days
            lasting = f"for {count(days, 'day')}, since {day_text(self.onset)}"
            persistent = f"(persistent: {self.persistent.describe()})"
            tags = f"[{', '.join(sorted({*self.required.sources, *self.persistent.sources}))}]"
            return f"{self.status.label}: {met} {lasting} {persistent} {tags}"
        label = self.status.label
        if self.status is FlareStatus.EARLY_WARNING:
            possible = self.required.met_by(self.met + self.unknown)
            label += f": calprotectin rising; {'flare unknown' if possible else 'no flare'}"
        unknown = f", {self.unknown} unknown" if self.unknown else ""
        return f"{label}: {met}{unknown}; {need}"

    def lines(self) -> tuple[str, ...]:
        """The headline, each component and the early warning: the evidence in full."""
        return (self.headline, *(c.text for c in self.components), self.early_warning.text)


def components_on(
    record: PatientRecord, day: date, rules: FlareRules
) -> tuple[FlareComponent, ...]:
    """Each flare component read from the latest results on or before *day*."""
    found = []
    for threshold in rules.components(record.patient.ibd_type):
        if threshold.analyte is None:  # the configuration names each component's analyte
            continue
        last = latest(record.observations, threshold.analyte, day, rules.max_age.days)
        if last is None or last.stale:
            observation = last.observation if last else None
            stale = last is not None
            found.append(FlareComponent(threshold, UNKNOWN, observation, stale, rules.max_age))
            continue
        verdict = meets(last.observation, threshold)
        result = UNKNOWN if verdict is None else MET if verdict else NOT_MET
        found.append(FlareComponent(threshold, result, last.observation, False, rules.max_age))
    return tuple(found)


def _count_status(components: Sequence[FlareComponent], rules: FlareRules) -> FlareStatus:
    met = sum(1 for c in components if c.result is MET)
    possible = met + sum(1 for c in components if c.result is UNKNOWN)
    if rules.required.met_by(met):
        return FlareStatus.FLARE
    return FlareStatus.UNKNOWN if rules.required.met_by(possible) else FlareStatus.NONE


def flare_onset(
    record: PatientRecord, as_of: date, rules: FlareRules, since: date | None = None
) -> date | None:
    """The first day of the flare running up to *as_of* (None when there is none then).

    The rule is read again on every day a component result arrived, going back from *as_of*,
    until it stops holding or *since* (the de-escalation) is reached.
    """
    analytes = {t.analyte for t in rules.components(record.patient.ibd_type)}
    days = sorted(
        {
            o.collected_at.date()
            for o in record.observations
            if o.analyte in analytes
            and o.collected_at.date() <= as_of
            and (since is None or o.collected_at.date() >= since)
        },
        reverse=True,
    )
    onset = None
    for day in days:
        if _count_status(components_on(record, day, rules), rules) is not FlareStatus.FLARE:
            break
        onset = day
    return onset


def early_warning(record: PatientRecord, as_of: date, rules: FlareRules) -> EarlyWarning:
    """Whether calprotectin is rising: the latest recent result against the one before it."""
    series = sorted(
        (o for o in record.series(Analyte.FAECAL_CALPROTECTIN) if o.collected_at.date() <= as_of),
        key=lambda o: o.collected_at,
    )
    if not series or (as_of - series[-1].collected_at.date()).days > rules.max_age.days:
        return EarlyWarning(UNKNOWN, rules.rise, rules.alert)
    last = series[-1]
    if len(series) < 2:
        return EarlyWarning(UNKNOWN, rules.rise, rules.alert, last)
    previous = series[-2]
    results = (meets(last, rules.alert), _rose(last, previous, rules.rise))
    result = NOT_MET if False in results else UNKNOWN if None in results else MET
    return EarlyWarning(result, rules.rise, rules.alert, last, previous)


def _bounds(obs: Observation) -> tuple[float, float]:
    """What the true value may be: ``<x`` is 0..x, ``>x`` is x..infinity."""
    if obs.comparator in (Comparator.LT, Comparator.LE):
        return 0.0, obs.value
    if obs.comparator in (Comparator.GT, Comparator.GE):
        return obs.value, math.inf
    return obs.value, obs.value


def _ratio(numerator: float, denominator: float) -> float:
    if denominator <= 0:
        return math.inf if numerator > 0 else 1.0
    return numerator / denominator


def _rose(last: Observation, previous: Observation, rise: Threshold) -> bool | None:
    """True when the rise certainly meets *rise*, False when it certainly does not."""
    last_low, last_high = _bounds(last)
    prev_low, prev_high = _bounds(previous)
    if rise.met_by(_ratio(last_low, prev_high)):
        return True
    if not rise.met_by(_ratio(last_high, prev_low)):
        return False
    return None


def assess_flare(
    record: PatientRecord, as_of: date, rules: FlareRules, since: date | None = None
) -> FlareAssessment:
    """The flag of *record* on *as_of*; *since* (the de-escalation) bounds a flare's onset."""
    components = components_on(record, as_of, rules)
    status = _count_status(components, rules)
    warning = early_warning(record, as_of, rules)
    onset = None
    if status is FlareStatus.FLARE:
        onset = flare_onset(record, as_of, rules, since) or since or as_of
        if rules.persistent.met_by((as_of - onset).days):
            status = FlareStatus.PERSISTENT
    elif warning.result is MET:
        status = FlareStatus.EARLY_WARNING
    return FlareAssessment(
        status, components, rules.required, rules.persistent, warning, onset, as_of
    )
