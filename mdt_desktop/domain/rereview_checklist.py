"""The re-review checklist: a de-escalated patient back at the MDT (docs/clinical.md, "Checklist").

A case listed for re-review after a de-escalation (domain/rereview.py) is not a candidate for
de-escalation: "on the intensified regimen long enough" means nothing for it, and a trough drawn
before the dose change says nothing about the regimen it is on now. It is read against its own
list (resources/checklist.toml ``[[rereview_items]]``), each item naming one of these rules:

- ``flare``: the flare rule (domain/flare.py) on the meeting date, since the change: met when
  no flare and no early warning; not met on a flare, a persistent flare or an early warning;
  unknown while missing components could still make a flare. Each component is evidence
  against its flare threshold (docs/clinical.md, "Flare and monitoring after de-escalation").
- ``calprotectin``, ``crp``, ``clinical_remission``: as in the remission checklist.
- ``steady_state_level``: the trough at the new steady state, against the target band of the
  current drug, and antibodies as in the remission checklist (docs/clinical.md, "Drug levels",
  "Antibodies"). Never a level drawn on or before the day of the change (a sample on a dosing
  day is drawn before that day's dose: the old regimen's trough); levels after the change but
  before the steady state (the planned steady-state trough's window, ``monitoring_check_tolerance``
  either side of its dose) are passed over and named.
- ``monitoring_checks``: the monitoring plan's checks whose window has opened by the meeting,
  within the first year: met when every one is done, not met when any is overdue, unknown
  while one is still open without its result.
- ``manual``: answered by the team.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.checklist import (
    MANUAL_NOTE,
    MET,
    NOT_MET,
    RULES,
    UNKNOWN,
    ChecklistItemSpec,
    LevelReading,
    RuleContext,
    RuleResult,
    antibody_evidence,
    antibody_readings,
    drug_level_verdict,
    join_notes,
    level_evidence,
    readable_level,
)
from mdt_desktop.domain.enums import Analyte
from mdt_desktop.domain.flare import (
    EarlyWarning,
    FlareComponent,
    FlareRules,
    FlareStatus,
    assess_flare,
    day_text,
)
from mdt_desktop.domain.followup import CheckState, CheckStatus, FollowUpRules, check_statuses
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.records import ChecklistAnswer, EvidenceItem, Observation
from mdt_desktop.domain.rereview import DeEscalationDecision
from mdt_desktop.domain.thresholds import Threshold

FLARE_RESULT = {
    FlareStatus.NONE: MET,
    FlareStatus.UNKNOWN: UNKNOWN,
    FlareStatus.EARLY_WARNING: NOT_MET,
    FlareStatus.FLARE: NOT_MET,
    FlareStatus.PERSISTENT: NOT_MET,
}
_OPEN = (CheckState.DUE, CheckState.OVERDUE, CheckState.DONE)


@dataclass(frozen=True, slots=True)
class RereviewContext:
    """What a re-review rule may look at: the remission checklist's context and the decision.

    ``decision`` is the de-escalation the patient is re-reviewed after: its effective date
    (the first reduced dose), target regimen, monitoring plan and steady-state trough.
    """

    base: RuleContext
    decision: DeEscalationDecision

    @property
    def follow_up(self) -> FollowUpRules:
        return FollowUpRules.from_thresholds(self.base.thresholds)


RereviewRule = Callable[[RereviewContext, ChecklistItemSpec], RuleResult]


# --- the flare rule -----------------------------------------------------------------------------


def _flare(ctx: RereviewContext, _item: ChecklistItemSpec) -> RuleResult:
    """The flare rule and the early warning on the meeting date, since the change."""
    rules = FlareRules.from_thresholds(ctx.base.thresholds)
    flare = assess_flare(ctx.base.record, ctx.base.on, rules, since=ctx.decision.effective)
    evidence = (
        *(_component_evidence(c) for c in flare.components),
        _warning_evidence(flare.early_warning),
    )
    return RuleResult(FLARE_RESULT[flare.status], evidence, flare.headline)


def _component_evidence(component: FlareComponent) -> EvidenceItem:
    """E.g. ``Faecal calprotectin 634 ug/g on 2026-11-02 (flare: > 250 ug/g) [S20, S21]``."""
    obs = component.observation
    return EvidenceItem(
        component.label,
        obs.display_value if obs else "no result",
        obs.unit if obs else "",
        obs.collected_at.date() if obs else None,
        f"flare: {component.threshold.describe()}",
        component.threshold.sources,
        component.stale,
    )


def _warning_evidence(warning: EarlyWarning) -> EvidenceItem:
    """The latest calprotectin against the one before it."""
    rule = f"early warning: ≥ {warning.rise.value:g}× the previous and {warning.alert.describe()}"
    sources = tuple(sorted({*warning.rise.sources, *warning.alert.sources}))
    if warning.latest is None or warning.previous is None:
        return EvidenceItem(
            "Calprotectin trend", "no two results to compare", "", None, rule, sources
        )
    previous, latest = warning.previous, warning.latest
    change = f"{previous.display_value} → {latest.display_value}"
    return EvidenceItem(
        f"Calprotectin trend (from {day_text(previous.collected_at.date())})",
        change,
        latest.unit,
        latest.collected_at.date(),
        rule,
        sources,
    )


# --- the trough at the new steady state ---------------------------------------------------------


def _steady_state_level(ctx: RereviewContext, _item: ChecklistItemSpec) -> RuleResult:
    """The trough at the new steady state against the band, and antibodies to the molecule."""
    base, decision = ctx.base, ctx.decision
    max_age = base.thresholds["drug_level_max_age"]
    current = current_anti_tnf(base.record.medications, base.on, base.regimens)
    drug = current.drug if current else decision.target.drug if decision.target else None
    analyte = DRUGS[drug].level_analyte if drug else None
    if drug is None or analyte is None:
        return RuleResult(UNKNOWN, note="No measurable anti-TNF regimen on this date.")
    band = base.thresholds.target_band(analyte)
    steady = _steady_from(decision, ctx.follow_up.tolerance)
    after_change = decision.effective + timedelta(days=1)
    reading = readable_level(base, analyte, max_age.days, band, since=max(steady, after_change))
    earlier = _earlier_levels(
        base.record.observations, analyte, decision.effective, steady, base.on
    )
    level = LevelReading(
        reading.found,
        join_notes(reading.note, earlier, "" if reading.found else _none_yet(decision, steady)),
        reading.trough,
    )
    molecule = DRUGS[drug].molecule
    readings = antibody_readings(base, molecule, max_age.days)
    evidence = [level_evidence(level.found, level.trough, band)] if level.found and band else []
    evidence += [antibody_evidence(o, r, molecule) for o, r in readings]
    return drug_level_verdict(level, band, [r for _, r in readings], tuple(evidence))


def _steady_from(decision: DeEscalationDecision, tolerance: Threshold) -> date:
    """The first day a level counts as drawn at the new steady state.

    The planned steady-state trough's window opens ``monitoring_check_tolerance`` before the
    dose it is drawn before; with no steady-state trough planned, any level after the change.
    """
    if decision.steady_state is None:
        return decision.effective + timedelta(days=1)
    return decision.steady_state - timedelta(days=round(tolerance.days))


def _earlier_levels(
    observations: Sequence[Observation], analyte: Analyte, change: date, steady: date, on: date
) -> str:
    """Names the latest level drawn before the change and those drawn before the steady state."""
    levels = sorted(
        (o for o in observations if o.analyte is analyte and o.collected_at.date() <= on),
        key=lambda o: o.collected_at,
    )
    before = [o for o in levels if o.collected_at.date() <= change]
    settling = [o for o in levels if change < o.collected_at.date() < steady]
    notes = []
    if before:
        last = before[-1]
        notes.append(
            f"Not read: {_level_text(last)}, drawn before the dose change of "
            f"{day_text(change)} (the old regimen's level)."
        )
    if settling:
        shown = "; ".join(_level_text(o) for o in settling[-3:])
        notes.append(
            f"Not read: {shown}, drawn after the change but before the new steady state "
            f"(from {day_text(steady)})."
        )
    return join_notes(*notes)


def _level_text(obs: Observation) -> str:
    return f"{obs.display_value} {obs.unit} on {day_text(obs.collected_at.date())}"


def _none_yet(decision: DeEscalationDecision, steady: date) -> str:
    if decision.steady_state is None:
        return f"No trough since the dose change of {day_text(decision.effective)}."
    return (
        f"No trough at the new steady state yet: it is drawn before the dose of "
        f"{day_text(decision.steady_state)} (counted from {day_text(steady)})."
    )


# --- the monitoring plan ------------------------------------------------------------------------


def _monitoring_checks(ctx: RereviewContext, _item: ChecklistItemSpec) -> RuleResult:
    """The plan's checks whose window has opened by the meeting: done, open or overdue."""
    base, decision = ctx.base, ctx.decision
    rules = ctx.follow_up
    year_end = decision.effective + timedelta(days=round(rules.failure_window.days))
    tracked = [c for c in decision.checks if c.analytes and c.due <= year_end]
    statuses = [
        s
        for s in check_statuses(tracked, base.record, base.on, rules.tolerance)
        if s.state in _OPEN
    ]
    evidence = tuple(_check_evidence(s, rules.tolerance) for s in statuses)
    if not statuses:
        return RuleResult(UNKNOWN, note="No planned check was due by the meeting.")
    overdue = [s for s in statuses if s.state is CheckState.OVERDUE]
    still_open = [s for s in statuses if s.state is CheckState.DUE]
    if overdue:
        names = "; ".join(s.check.label for s in overdue)
        return RuleResult(NOT_MET, evidence, f"Overdue without a result: {names}.")
    if still_open:
        names = "; ".join(
            f"{s.check.label} (window open until {day_text(s.closes)})" for s in still_open
        )
        return RuleResult(UNKNOWN, evidence, f"Due, no result yet: {names}.")
    return RuleResult(MET, evidence)


def _check_evidence(status: CheckStatus, tolerance: Threshold) -> EvidenceItem:
    """E.g. ``Faecal calprotectin and CRP at 3 months done: FCP 57 ug/g on … on 2026-06-02``."""
    found = f": {'; '.join(status.found)}" if status.found else ""
    missing = f"; no result for {', '.join(status.missing)}" if status.missing else ""
    return EvidenceItem(
        status.check.label,
        f"{status.state.value}{found}{missing}",
        "",
        status.check.due,
        f"window {day_text(status.opens)} – {day_text(status.closes)}",
        tolerance.sources,
    )


def _manual(_ctx: RereviewContext, _item: ChecklistItemSpec) -> RuleResult:
    return RuleResult(UNKNOWN, note=MANUAL_NOTE)


def _marker(name: str) -> RereviewRule:
    """A rule of the remission checklist, read on the same record and date."""
    rule = RULES[name]

    def read(ctx: RereviewContext, item: ChecklistItemSpec) -> RuleResult:
        return rule(ctx.base, item)

    return read


REREVIEW_RULES: dict[str, RereviewRule] = {
    "flare": _flare,
    "calprotectin": _marker("calprotectin"),
    "crp": _marker("crp"),
    "clinical_remission": _marker("clinical_remission"),
    "steady_state_level": _steady_state_level,
    "monitoring_checks": _monitoring_checks,
    "manual": _manual,
}


def evaluate_rereview_checklist(
    items: Sequence[ChecklistItemSpec], ctx: RereviewContext
) -> tuple[ChecklistAnswer, ...]:
    """Evaluate every re-review item automatically for one patient on the meeting date."""
    answers = []
    for item in items:
        outcome = REREVIEW_RULES[item.rule](ctx, item)
        answers.append(
            ChecklistAnswer(item.key, item.label, outcome.result, outcome.evidence, outcome.note)
        )
    return tuple(answers)
