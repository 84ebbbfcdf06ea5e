"""When a drug-level or antibody sample was taken relative to the doses around it.

Plain Python. A trough is a sample taken immediately before the next dose (docs/clinical.md,
"Drug levels"); a level taken mid-interval is higher and must not be read against the trough
target. The doses are the *scheduled* administrations of the medication periods of the drug the
result measures: ``start``, ``start + interval``, … before ``end`` (infliximab IV infusions,
infliximab SC and adalimumab injections). Actual administration dates are not recorded, and
periods carry dates without a time of day, so timing is counted in whole calendar days.

Rules:

- The previous dose is the last one on a day *before* the sample's; the next dose is the first
  one on or after the sample's day. A sample on a dosing day counts as drawn before that day's
  dose, as trough samples are (drawn at the infusion unit just before the infusion).
- The sample is a trough when the next dose is at most ``trough_window_iv`` or
  ``trough_window_sc`` days away (by the route of the drug that gives it; thresholds.toml,
  local policy), otherwise "peak/intermediate — not a trough". A drug may have a window of its
  own, ``trough_window_<drug>``, looked up before its route's: adalimumab levels vary little
  across the interval, so ``trough_window_adalimumab`` (28 days, S101, unverified) reads an
  adalimumab level drawn anywhere in the interval against the target (docs/clinical.md,
  "Drug levels").
- Antibodies and levels follow the molecule, whatever the route or product: antibodies stored
  against ``infliximab_iv`` are timed by infliximab IV and SC doses alike (docs/clinical.md,
  "One drug identity").
- Unknown when no dose of the drug is scheduled before or after the sample (no dosing data, the
  sample predates the first dose, or the course ended before it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS, display_unit, molecule_of
from mdt_desktop.domain.enums import Analyte, Drug, DrugClass, Evidence
from mdt_desktop.domain.records import MedicationPeriod, Observation
from mdt_desktop.domain.thresholds import Threshold, Thresholds
from mdt_desktop.domain.wording import count

WINDOW_KEYS = {"iv": "trough_window_iv", "sc": "trough_window_sc"}
DRUG_WINDOW_PREFIX = "trough_window_"  # + a drug's value: that drug's own window


class SampleTiming(StrEnum):
    """Whether a drug-level sample can be read against the trough target."""

    TROUGH = "trough"
    NOT_TROUGH = "not_trough"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            SampleTiming.TROUGH: "Trough",
            SampleTiming.NOT_TROUGH: "Not a trough",
            SampleTiming.UNKNOWN: "Timing unknown",
        }[self]


@dataclass(frozen=True, slots=True)
class SamplingRules:
    """How close before the next dose a sample must be to be read against the target.

    ``windows`` hold one window per route; ``drug_windows`` the windows of drugs that have a
    rule of their own (``trough_window_adalimumab``), which come first.
    """

    windows: dict[str, Threshold]
    drug_windows: dict[Drug, Threshold] = field(default_factory=dict)

    @classmethod
    def from_thresholds(cls, thresholds: Thresholds) -> SamplingRules:
        """The route windows (required) and any drug's own window that is configured."""
        drugs = {
            drug: thresholds[f"{DRUG_WINDOW_PREFIX}{drug.value}"]
            for drug, info in DRUGS.items()
            if info.level_analyte is not None
            and f"{DRUG_WINDOW_PREFIX}{drug.value}" in thresholds.values
        }
        return cls({route: thresholds[key] for route, key in WINDOW_KEYS.items()}, drugs)

    def window(self, drug: Drug) -> Threshold | None:
        """The window of *drug*: its own if configured, else its route's (None: neither)."""
        return self.drug_windows.get(drug) or self.windows.get(DRUGS[drug].route)


@dataclass(frozen=True, slots=True)
class Dose:
    """One scheduled administration."""

    day: date
    drug: Drug

    @property
    def word(self) -> str:
        """``infusion`` for intravenous drugs, ``injection`` otherwise."""
        return "infusion" if DRUGS[self.drug].route == "iv" else "injection"


@dataclass(frozen=True, slots=True)
class Sampling:
    """A sample's place between the doses around it, and what that makes it."""

    timing: SampleTiming
    sampled_on: date
    previous: Dose | None = None
    next: Dose | None = None
    window: Threshold | None = None
    drug_label: str = ""  # e.g. "infliximab", for the unknown case

    @property
    def days_since(self) -> int | None:
        """Whole days from the previous dose to the sample."""
        return (self.sampled_on - self.previous.day).days if self.previous else None

    @property
    def days_until(self) -> int | None:
        """Whole days from the sample to the next dose (0: on the day, before it)."""
        return (self.next.day - self.sampled_on).days if self.next else None

    @property
    def is_trough(self) -> bool:
        """True when the sample is read against the target (a trough, or by the drug's rule)."""
        return self.timing is SampleTiming.TROUGH

    @property
    def own_rule(self) -> bool:
        """True when a window of the drug's own (not its route's) judged the sample."""
        return self.window is not None and self.window.key not in WINDOW_KEYS.values()

    @property
    def short(self) -> str:
        """For a table cell: ``Trough (day of dose)``, ``Not a trough (day 20 of 42)``."""
        since, until = self.days_since, self.days_until
        if self.timing is SampleTiming.UNKNOWN or since is None or until is None:
            return SampleTiming.UNKNOWN.label
        if self.timing is SampleTiming.TROUGH and self.own_rule and until > 0:
            return f"Read against target (day {since} of {since + until})"
        if self.timing is SampleTiming.TROUGH:
            when = "day of dose" if until == 0 else f"{_days(until)} before dose"
            return f"Trough ({when})"
        return f"Not a trough (day {since} of {since + until})"

    @property
    def text(self) -> str:
        """The full reading, with the rule and its source."""
        if self.timing is SampleTiming.UNKNOWN or self.previous is None or self.next is None:
            return self._unknown_text()
        previous, upcoming = self.previous, self.next
        until = self.days_until or 0
        after = f"{_days(self.days_since or 0)} after the {previous.word} of {_day(previous.day)}"
        if until == 0:
            before = f"on the day of the {upcoming.word} ({_day(upcoming.day)}), before it"
        else:
            before = f"{_days(until)} before the {upcoming.word} due {_day(upcoming.day)}"
        rule = f" {_rule(self.window)}" if self.window else ""
        if self.timing is SampleTiming.TROUGH and self.own_rule and until > 0:
            return f"Read against the target: {before}; {after}{rule}"
        if self.timing is SampleTiming.TROUGH:
            return f"Trough: {before}; {after}{rule}"
        return f"Peak/intermediate — not a trough: {after}; {before}{rule}"

    def _unknown_text(self) -> str:
        drug = self.drug_label or "the drug"
        if self.previous is None and self.next is None:
            return (
                f"Sample timing unknown: no {drug} dosing recorded around {_day(self.sampled_on)}"
            )
        if self.previous is None:
            return f"Sample timing unknown: taken before the first recorded {drug} dose"
        return (
            f"Sample timing unknown: no {drug} dose scheduled after "
            f"{_day(self.previous.day)} (the course ended)"
        )


def result_name(analyte: Analyte) -> str:
    """A drug level named for what it is whatever its timing (``Infliximab level``)."""
    drug = next((i for i in DRUGS.values() if i.level_analyte is analyte), None)
    return f"{drug.molecule.capitalize()} level" if drug else ANALYTES[analyte].label


def _day(day: date) -> str:
    return f"{day:%d %b %Y}"


def _days(days: int) -> str:
    return count(days, "day")


def _rule(window: Threshold) -> str:
    """E.g. ``(trough: ≤ 3 days before the dose) [LOCAL]``, or a drug's own rule.

    A drug's own window names the drug and, when its evidence is not verified, says so:
    ``(adalimumab: read against the target when ≤ 28 days before the dose, unverified) [S101]``.
    """
    bound = display_unit(window.describe()).replace("<=", "≤")
    tags = f"[{', '.join(window.sources)}]"
    if window.key in WINDOW_KEYS.values() or not window.key.startswith(DRUG_WINDOW_PREFIX):
        return f"(trough: {bound} before the dose) {tags}"
    name = molecule_of(window.key.removeprefix(DRUG_WINDOW_PREFIX)) or "this drug"
    caveat = "" if window.evidence is Evidence.VERIFIED else f", {window.evidence.value}"
    return f"({name}: read against the target when {bound} before the dose{caveat}) {tags}"


def dosed_drugs(observation: Observation) -> frozenset[Drug]:
    """The anti-TNF drugs whose doses time *observation* (a drug level or its antibodies)."""
    if observation.analyte is Analyte.ANTI_DRUG_ANTIBODIES:
        target = molecule_of(observation.target_drug)  # any route or product of the molecule
        return frozenset(
            drug
            for drug, info in DRUGS.items()
            if info.level_analyte is not None and target in (None, info.molecule)
        )
    return frozenset(
        drug for drug, info in DRUGS.items() if info.level_analyte is observation.analyte
    )


def dosing_periods(
    periods: Iterable[MedicationPeriod], drugs: frozenset[Drug]
) -> tuple[MedicationPeriod, ...]:
    """The anti-TNF periods of *drugs*, oldest first."""
    return tuple(
        sorted(
            (
                p
                for p in periods
                if p.drug in drugs and DRUGS[p.drug].drug_class is DrugClass.ANTI_TNF
            ),
            key=lambda p: p.start,
        )
    )


def doses_around(periods: Sequence[MedicationPeriod], day: date) -> tuple[Dose | None, Dose | None]:
    """The last scheduled dose before *day* and the first on or after it (counted, not listed)."""
    previous: Dose | None = None
    upcoming: Dose | None = None
    for period in periods:
        interval = max(period.interval_days, 1)
        last_day = day - timedelta(days=1)
        if period.end is not None:
            last_day = min(last_day, period.end - timedelta(days=1))
        if last_day >= period.start:
            steps = (last_day - period.start).days // interval
            found = period.start + timedelta(days=steps * interval)
            if previous is None or found > previous.day:
                previous = Dose(found, period.drug)
        if period.start >= day:
            following = period.start
        else:
            steps = -(-(day - period.start).days // interval)  # ceiling division
            following = period.start + timedelta(days=steps * interval)
        if period.end is not None and following >= period.end:
            continue
        if upcoming is None or following < upcoming.day:
            upcoming = Dose(following, period.drug)
    return previous, upcoming


def sample_timing(
    observation: Observation, periods: Iterable[MedicationPeriod], rules: SamplingRules
) -> Sampling:
    """Where *observation* was taken between the doses of the drug it measures.

    Args:
        observation: A drug-level or anti-drug antibody result.
        periods: The patient's medication periods (any order; other drugs are ignored).
        rules: The trough windows.

    Returns:
        The timing: trough, not a trough, or unknown when there is no dosing data around it.
    """
    drugs = dosed_drugs(observation)
    day = observation.collected_at.date()
    label = _molecules(drugs)
    previous, upcoming = doses_around(dosing_periods(periods, drugs), day)
    if previous is None or upcoming is None:
        return Sampling(SampleTiming.UNKNOWN, day, previous, upcoming, drug_label=label)
    window = rules.window(upcoming.drug)
    if window is None:
        return Sampling(SampleTiming.UNKNOWN, day, previous, upcoming, drug_label=label)
    until = (upcoming.day - day).days
    timing = SampleTiming.TROUGH if window.met_by(until) else SampleTiming.NOT_TROUGH
    return Sampling(timing, day, previous, upcoming, window, label)


def _molecules(drugs: Iterable[Drug]) -> str:
    names = sorted({DRUGS[d].molecule for d in drugs})
    return " or ".join(names) if names else "anti-TNF"
