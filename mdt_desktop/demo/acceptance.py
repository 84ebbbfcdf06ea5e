"""Makes each demo patient show what their scenario promises, judged by the real rules.

A clean candidate must meet every automatic checklist item on the meeting date; a borderline
case must fail exactly where it is meant to. The simulation is repeated with fresh noise
(deterministically: attempt 0, 1, 2, ...) until the record qualifies.
"""

from __future__ import annotations

from datetime import date

from mdt_desktop.demo.cohort import Calendar
from mdt_desktop.demo.plans import Borderline, Plan, Scenario
from mdt_desktop.demo.simulate import simulate
from mdt_desktop.domain.checklist import RuleContext, evaluate_checklist
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.records import PatientRecord

MAX_ATTEMPTS = 40
AUTOMATIC = (
    "time_on_intensified",
    "steroid_free",
    "clinical_remission",
    "calprotectin",
    "crp",
    "imaging_or_endoscopy",
    "drug_level",
)
MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN

# For each borderline kind: the items that must fail (and how), and the items allowed to vary.
EXPECTED: dict[Borderline, tuple[dict[str, set[ChecklistResult]], set[str]]] = {
    Borderline.CALPROTECTIN_HIGH: ({"calprotectin": {NOT_MET}}, set()),
    Borderline.STALE_LABS: ({"calprotectin": {UNKNOWN}, "crp": {UNKNOWN}}, {"clinical_remission"}),
    Borderline.SHORT_INTENSIFICATION: (
        {"time_on_intensified": {NOT_MET}},
        {"imaging_or_endoscopy", "clinical_remission"},
    ),
    Borderline.NO_IMAGING: ({"imaging_or_endoscopy": {UNKNOWN}}, set()),
    Borderline.RECENT_STEROIDS: ({"steroid_free": {NOT_MET}}, set()),
    Borderline.LOW_TROUGH: ({"drug_level": {NOT_MET}}, set()),
}


def simulate_accepted(
    plan: Plan, cal: Calendar, seed: int, config: ClinicalConfig
) -> PatientRecord:
    """Return the first simulation of *plan* that shows its scenario (or the last attempt)."""
    day = _judged_on(plan, cal)
    record = simulate(plan, cal, seed, config)
    if day is None:
        return record
    for attempt in range(1, MAX_ATTEMPTS):
        if qualifies(plan, record, day, config):
            return record
        record = simulate(plan, cal, seed, config, attempt)
    return record


def _judged_on(plan: Plan, cal: Calendar) -> date | None:
    if plan.meeting_index is not None:
        return cal.meetings[plan.meeting_index]
    if plan.scenario is Scenario.SUGGESTIBLE:
        return cal.as_of
    return None


def qualifies(plan: Plan, record: PatientRecord, day: date, config: ClinicalConfig) -> bool:
    """True when the checklist on *day* shows exactly what the plan intends."""
    context = RuleContext(record, day, config.thresholds, config.regimens, config.antibody_assays)
    results = {a.item_key: a.automatic for a in evaluate_checklist(config.checklist, context)}
    failing: dict[str, set[ChecklistResult]] = {}
    free: set[str] = set()
    if plan.borderline is not None:
        failing, free = EXPECTED[plan.borderline]
    for key in AUTOMATIC:
        if key in failing:
            if results[key] not in failing[key]:
                return False
        elif key not in free and results[key] is not MET:
            return False
    return True
