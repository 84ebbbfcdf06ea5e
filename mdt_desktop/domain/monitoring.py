"""The monitoring plan proposed after a de-escalation (resources/monitoring.toml)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import Analyte, Drug, Evidence, IbdType
from mdt_desktop.domain.records import PlannedCheck
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH

LEVEL_PLACEHOLDER = "{level}"
CLINICAL_PLACEHOLDER = "{clinical}"


@dataclass(frozen=True, slots=True)
class MonitoringCheckSpec:
    """One line of the monitoring template: what, at which months, on what authority."""

    label: str
    analytes: tuple[str, ...]
    months: tuple[int, ...]
    sources: tuple[str, ...]
    evidence: Evidence


def add_months(start: date, months: float) -> date:
    """Return *start* plus *months* average months (30.4375 days each)."""
    return start + timedelta(days=round(months * DAYS_PER_MONTH))


def monitoring_plan(
    template: Sequence[MonitoringCheckSpec], start: date, drug: Drug, ibd_type: IbdType
) -> tuple[PlannedCheck, ...]:
    """Expand the template from *start* for *drug* and diagnosis, in date order."""
    level = DRUGS[drug].level_analyte
    clinical = Analyte.HBI if ibd_type is IbdType.CROHNS else Analyte.PARTIAL_MAYO
    checks: list[PlannedCheck] = []
    for spec in template:
        analytes = []
        for name in spec.analytes:
            if name == LEVEL_PLACEHOLDER:
                if level is None:
                    continue
                name = level.value
            elif name == CLINICAL_PLACEHOLDER:
                name = clinical.value
            analytes.append(name)
        if not analytes:
            continue
        for month in spec.months:
            label = f"{spec.label} at {month} months"
            checks.append(PlannedCheck(label, add_months(start, month), tuple(analytes)))
    return tuple(sorted(checks, key=lambda c: (c.due, c.label)))
