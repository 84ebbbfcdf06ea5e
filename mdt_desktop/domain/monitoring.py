"""The monitoring plan proposed after a de-escalation (resources/monitoring.toml).

Most checks fall a number of months after the new regimen starts. The trough level at the new
steady state follows the new regimen instead: it is due on the day of the dose it is drawn
before — the ``trough``-th trough after the change (the first reduced dose is dose 1, so the
first trough is drawn before dose 2), and no earlier than ``not_before_months``
(docs/clinical.md, "Flare and monitoring after de-escalation": levels settle within about 4
months after an interval change [S19]; "the first or second trough after the change" [S16,
S19]). Without a known interval the check falls back to
its ``months``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import Analyte, Drug, Evidence, IbdType
from mdt_desktop.domain.records import PlannedCheck
from mdt_desktop.domain.regimens import short_interval
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH

LEVEL_PLACEHOLDER = "{level}"
CLINICAL_PLACEHOLDER = "{clinical}"


@dataclass(frozen=True, slots=True)
class MonitoringCheckSpec:
    """One line of the monitoring template: what, at which months, on what authority.

    ``trough`` (with ``not_before_months``) times the check by the new regimen's doses instead:
    the trough before dose ``trough + 1``, moved on dose by dose until it is at least
    ``not_before_months`` after the change; ``months`` is then the fallback when the new
    interval is not known.
    """

    label: str
    analytes: tuple[str, ...]
    months: tuple[int, ...]
    sources: tuple[str, ...]
    evidence: Evidence
    trough: int | None = None
    not_before_months: float = 0.0


def add_months(start: date, months: float) -> date:
    """Return *start* plus *months* average months (30.4375 days each)."""
    return start + timedelta(days=round(months * DAYS_PER_MONTH))


def steady_state_trough(
    start: date, interval_days: int, trough: int, not_before_months: float = 0.0
) -> tuple[date, int]:
    """The day of the dose the steady-state trough is drawn before, and that dose's number.

    Dose 1 is given on *start*; the n-th trough after the change is drawn before dose n + 1,
    ``n * interval`` days later. The trough is the *trough*-th, or a later one when that one
    falls before *not_before_months*.

    Example: adalimumab 40 mg every 3 weeks from 1 Oct, 2nd trough and not before 3 months:
    the 2nd trough (before dose 3, 42 days) is too early; the 5th (before dose 6, 105 days on,
    14 Jan) is the first at or after 91 days.
    """
    interval = max(interval_days, 1)
    earliest = round(not_before_months * DAYS_PER_MONTH)
    count = max(trough, 1, -(-earliest // interval))  # ceiling division
    return start + timedelta(days=count * interval), count + 1


def monitoring_plan(
    template: Sequence[MonitoringCheckSpec],
    start: date,
    drug: Drug,
    ibd_type: IbdType,
    interval_days: int | None = None,
) -> tuple[PlannedCheck, ...]:
    """Expand the template from *start* for *drug* and diagnosis, in date order.

    Args:
        template: The configured checks.
        start: The first day of the new regimen (its first dose).
        drug: The drug, whose level the trough checks measure.
        ibd_type: The diagnosis, which picks the clinical score.
        interval_days: The new regimen's dosing interval; steady-state trough checks are timed
            by it (without it they fall back to their months).
    """
    checks: list[PlannedCheck] = []
    for spec in template:
        analytes = _analytes(spec, drug, ibd_type)
        if not analytes:
            continue
        if spec.trough is not None and interval_days:
            due, dose = steady_state_trough(
                start, interval_days, spec.trough, spec.not_before_months
            )
            label = f"{spec.label}: before dose {dose} at {short_interval(interval_days)}"
            checks.append(PlannedCheck(label, due, analytes))
            continue
        for month in spec.months:
            label = f"{spec.label} at {month} months"
            checks.append(PlannedCheck(label, add_months(start, month), analytes))
    return tuple(sorted(checks, key=lambda c: (c.due, c.label)))


def _analytes(spec: MonitoringCheckSpec, drug: Drug, ibd_type: IbdType) -> tuple[str, ...]:
    """The spec's analytes with the drug's level and the diagnosis' score filled in."""
    level = DRUGS[drug].level_analyte
    clinical = Analyte.HBI if ibd_type is IbdType.CROHNS else Analyte.PARTIAL_MAYO
    analytes = []
    for name in spec.analytes:
        if name == LEVEL_PLACEHOLDER:
            if level is None:
                continue
            name = level.value
        elif name == CLINICAL_PLACEHOLDER:
            name = clinical.value
        analytes.append(name)
    return tuple(analytes)
