"""Kaplan–Meier estimate with Greenwood's variance and a log(−log) confidence band.

Written out (a few lines of arithmetic) rather than pulled in with a survival package, whose
import alone would exceed the audit's 1-second budget; it is tested against the textbook
example of Kleinbaum & Klein, *Survival Analysis* (3rd ed.), table 2.2 (the 6-MP arm of the
Freireich leukaemia trial), whose estimates and Greenwood intervals are printed there, and
against lifelines' ``KaplanMeierFitter``, whose default band is this one (the "exponential
Greenwood" formula), on a censored cohort (docs/clinical.md, "Outcome audit").
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class Step:
    """The estimate just after time *time* (an event time), with its 95% band."""

    time: float
    at_risk: int
    events: int
    censored: int
    survival: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """The product-limit estimate over (time, event) pairs; times in months here."""

    steps: tuple[Step, ...]
    times: tuple[float, ...]  # every subject's time, sorted

    def at(self, time: float) -> float:
        """S(time): the estimate at *time* (1.0 before the first event)."""
        step = self._step_at(time)
        return step.survival if step else 1.0

    def band_at(self, time: float) -> tuple[float, float]:
        step = self._step_at(time)
        return (step.lower, step.upper) if step else (1.0, 1.0)

    def at_risk(self, time: float) -> int:
        """How many were still followed (no event, not censored) just before *time*."""
        return len(self.times) - bisect_left(self.times, time)

    def median(self) -> float | None:
        """The first time S drops to 0.5 or below; None when it never does."""
        return next((s.time for s in self.steps if s.survival <= 0.5), None)

    def _step_at(self, time: float) -> Step | None:
        chosen = None
        for step in self.steps:
            if step.time > time:
                break
            chosen = step
        return chosen


def kaplan_meier(subjects: Sequence[tuple[float, bool]]) -> KaplanMeier:
    """Fit on (time, event) pairs; event False means censored at that time.

    At a time with both events and censorings, the censored subjects count as at risk (the usual
    convention: censoring happens just after the events).
    """
    times = sorted(t for t, _event in subjects)
    failures = Counter(t for t, event in subjects if event)
    censorings = Counter(t for t, event in subjects if not event)
    survival, greenwood = 1.0, 0.0
    steps: list[Step] = []
    for time in sorted(failures):
        at_risk = len(times) - bisect_left(times, time)
        events, censored = failures[time], censorings[time]
        survival *= 1 - events / at_risk
        if at_risk > events:
            greenwood += events / (at_risk * (at_risk - events))
        lower, upper = _log_log_band(survival, greenwood)
        steps.append(Step(time, at_risk, events, censored, survival, lower, upper))
    return KaplanMeier(tuple(steps), tuple(times))


def _log_log_band(survival: float, greenwood: float) -> tuple[float, float]:
    """95% band on log(−log S), which stays within 0..1 (Kalbfleisch & Prentice)."""
    if survival <= 0.0 or survival >= 1.0:
        return (survival, survival)
    log_s = math.log(survival)
    spread = Z_95 * math.sqrt(greenwood) / abs(log_s)
    return (survival ** math.exp(spread), survival ** math.exp(-spread))
