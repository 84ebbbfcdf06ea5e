"""The remission checklist (ARCHITECTURE §3): automatic results with their evidence.

Each rule returns met / not met / unknown and the evidence behind it. Missing or too-old data is
"unknown", never a silent pass. Items and their thresholds come from resources/checklist.toml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS
from mdt_desktop.domain.enums import Analyte, ChecklistResult, Comparator, IbdType
from mdt_desktop.domain.history import (
    current_anti_tnf,
    intensified_since,
    last_steroid_end,
    months_between,
)
from mdt_desktop.domain.readings import Latest, evidence_for, latest, meets
from mdt_desktop.domain.records import ChecklistAnswer, EvidenceItem, PatientRecord
from mdt_desktop.domain.regimens import RegimenCatalogue
from mdt_desktop.domain.sampling import SampleTiming, SamplingRules, sample_timing
from mdt_desktop.domain.thresholds import Threshold, Thresholds

MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN


@dataclass(frozen=True, slots=True)
class ChecklistItemSpec:
    """One item of resources/checklist.toml (``options`` tune its rule, e.g. budesonide)."""

    key: str
    label: str
    rule: str
    thresholds: tuple[str, ...]
    objective: bool
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any) -> Any:
        """The configured value of *name*, or *default*."""
        return self.options.get(name, default)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may look at: the record, the day of the meeting and the configuration."""

    record: PatientRecord
    on: date
    thresholds: Thresholds
    regimens: RegimenCatalogue


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What a rule concluded and why."""

    result: ChecklistResult
    evidence: tuple[EvidenceItem, ...] = ()
    note: str = ""


Rule = Callable[[RuleContext], RuleResult]


def _time_on_intensified(ctx: RuleContext) -> RuleResult:
    threshold = ctx.thresholds["intensified_min_months"]
    current = current_anti_tnf(ctx.record.medications, ctx.on)
    if current is None:
        return RuleResult(NOT_MET, note="No anti-TNF maintenance regimen on this date.")
    since = intensified_since(ctx.record.medications, ctx.on, ctx.regimens)
    if since is None:
        return RuleResult(
            NOT_MET, note=f"Current regimen {current.regimen.label} is not intensified."
        )
    months = months_between(since, ctx.on)
    evidence = EvidenceItem(
        label=f"Intensified since {since.isoformat()} ({current.regimen.label})",
        value=f"{months:.1f}",
        unit="months",
        on=since,
        threshold=threshold.describe(),
        sources=threshold.sources,
    )
    return RuleResult(MET if threshold.met_by(months) else NOT_MET, (evidence,))


def _steroid_free(ctx: RuleContext) -> RuleResult:
    threshold = ctx.thresholds["steroid_free_min_months"]
    on_steroids, last_end = last_steroid_end(ctx.record.medications, ctx.on)
    if on_steroids:
        return RuleResult(NOT_MET, note="On a systemic steroid on this date.")
    if last_end is None:
        evidence = EvidenceItem(
            "Systemic steroids",
            "none recorded",
            threshold=threshold.describe(),
            sources=threshold.sources,
        )
        return RuleResult(MET, (evidence,), "No systemic steroid course on record.")
    months = months_between(last_end, ctx.on)
    evidence = EvidenceItem(
        label="Last systemic steroid ended",
        value=f"{months:.1f}",
        unit="months ago",
        on=last_end,
        threshold=threshold.describe(),
        sources=threshold.sources,
    )
    return RuleResult(MET if threshold.met_by(months) else NOT_MET, (evidence,))


def _single_analyte(ctx: RuleContext, analyte: Analyte, key: str, age_key: str) -> RuleResult:
    threshold = ctx.thresholds[key]
    max_age = ctx.thresholds[age_key]
    found = latest(ctx.record.observations, analyte, ctx.on, max_age.days)
    label = ANALYTES[analyte].label
    if found is None:
        return RuleResult(UNKNOWN, note=f"No {label.lower()} on record.")
    return _judge(found, threshold, max_age, label)


def _judge(found: Latest, threshold: Threshold, max_age: Threshold, label: str) -> RuleResult:
    evidence = evidence_for(found, threshold, label)
    if found.stale:
        note = f"Latest {label.lower()} is {found.age_days} days old (limit {max_age.describe()})."
        return RuleResult(UNKNOWN, (evidence,), note)
    verdict = meets(found.observation, threshold)
    if verdict is None:
        return RuleResult(UNKNOWN, (evidence,), "A censored value cannot be compared.")
    return RuleResult(MET if verdict else NOT_MET, (evidence,))


def _calprotectin(ctx: RuleContext) -> RuleResult:
    return _single_analyte(
        ctx, Analyte.FAECAL_CALPROTECTIN, "calprotectin_remission", "calprotectin_max_age"
    )


def _crp(ctx: RuleContext) -> RuleResult:
    return _single_analyte(ctx, Analyte.CRP, "crp_remission", "crp_max_age")


def _clinical_remission(ctx: RuleContext) -> RuleResult:
    if ctx.record.patient.ibd_type is IbdType.CROHNS:
        return _single_analyte(ctx, Analyte.HBI, "hbi_remission", "clinical_score_max_age")
    result = _single_analyte(
        ctx, Analyte.PARTIAL_MAYO, "partial_mayo_remission", "clinical_score_max_age"
    )
    if result.result is UNKNOWN and not result.evidence:
        return _single_analyte(ctx, Analyte.SCCAI, "sccai_remission", "clinical_score_max_age")
    return result


_IMAGING_SCORES = (
    (Analyte.IUS_BOWEL_WALL_MM, "ius_bowel_wall_remission"),
    (Analyte.IUS_LIMBERG, "ius_limberg_remission"),
    (Analyte.SES_CD, "ses_cd_remission"),
    (Analyte.MAYO_ENDOSCOPIC, "mayo_endoscopic_remission"),
    (Analyte.UCEIS, "uceis_remission"),
)


def _imaging_or_endoscopy(ctx: RuleContext) -> RuleResult:
    """The most recent ultrasound or endoscopy within the window decides; all recent ones shown."""
    max_age = ctx.thresholds["imaging_max_age"]
    judged: list[tuple[date, bool | None, EvidenceItem]] = []
    for analyte, key in _IMAGING_SCORES:
        found = latest(ctx.record.observations, analyte, ctx.on, max_age.days)
        if found is None or found.stale:
            continue
        threshold = ctx.thresholds[key]
        item = evidence_for(found, threshold, ANALYTES[analyte].label)
        judged.append(
            (found.observation.collected_at.date(), meets(found.observation, threshold), item)
        )
    if not judged:
        note = f"No ultrasound or endoscopy within {max_age.describe()}."
        return RuleResult(UNKNOWN, note=note)
    newest = max(day for day, _, _ in judged)
    verdicts = [verdict for day, verdict, _ in judged if day == newest]
    evidence = tuple(item for _, _, item in sorted(judged, key=lambda j: j[0], reverse=True))
    if False in verdicts:
        return RuleResult(NOT_MET, evidence)
    if None in verdicts:
        return RuleResult(UNKNOWN, evidence, "A censored value cannot be compared.")
    return RuleResult(MET, evidence)


def _drug_level(ctx: RuleContext) -> RuleResult:
    max_age = ctx.thresholds["drug_level_max_age"]
    current = current_anti_tnf(ctx.record.medications, ctx.on)
    level_analyte = DRUGS[current.drug].level_analyte if current else None
    if current is None or level_analyte is None:
        return RuleResult(UNKNOWN, note="No measurable anti-TNF regimen on this date.")
    band = ctx.thresholds.target_band(level_analyte)
    trough, skipped = _latest_trough(ctx, level_analyte, max_age.days)
    if trough is None or band is None:
        return RuleResult(UNKNOWN, note=skipped or "No trough level on record.")
    evidence = [
        EvidenceItem(
            ANALYTES[level_analyte].label,
            trough.observation.display_value,
            trough.observation.unit,
            trough.observation.collected_at.date(),
            f"target {band.describe()}",
            band.sources,
            trough.stale,
        )
    ]
    molecule = DRUGS[current.drug].molecule
    antibodies = _latest_antibodies(ctx, molecule, max_age.days)
    if antibodies is not None:
        evidence.append(evidence_for(antibodies, None, f"Antibodies to {molecule}"))
    if trough.stale:
        return RuleResult(UNKNOWN, tuple(evidence), f"Trough is {trough.age_days} days old.")
    if antibodies is not None and antibodies_detected(antibodies.observation.comparator):
        return RuleResult(NOT_MET, tuple(evidence), "Anti-drug antibodies detected.")
    below = trough.observation.below_limit or band.position(trough.observation.value) < 0
    notes = [skipped] if skipped else []
    if antibodies is None:
        notes.append("No antibody result in the window.")
    return RuleResult(NOT_MET if below else MET, tuple(evidence), " ".join(notes))


def _latest_trough(
    ctx: RuleContext, analyte: Analyte, max_age_days: float
) -> tuple[Latest | None, str]:
    """The latest level that can be read against the trough target, and why later ones were not.

    A level drawn well before the next dose (peak or mid-interval: domain/sampling.py) is higher
    than the trough and must not be read against the trough band (CLINICAL.md §9, pitfall 3);
    a level whose timing is unknown (no dosing data around it) is taken as reported.
    """
    levels = sorted(
        (
            o
            for o in ctx.record.observations
            if o.analyte is analyte and o.collected_at.date() <= ctx.on
        ),
        key=lambda o: o.collected_at,
        reverse=True,
    )
    rules = _sampling_rules(ctx.thresholds)
    passed_over = []
    for level in levels:
        if rules is not None:
            timing = sample_timing(level, ctx.record.medications, rules)
            if timing.timing is SampleTiming.NOT_TROUGH:
                passed_over.append(
                    f"{level.display_value} {level.unit} on {level.collected_at:%d %b %Y}"
                )
                continue
        return latest((level,), analyte, ctx.on, max_age_days), _passed_over_note(passed_over)
    if passed_over:
        return None, "No trough level: " + _passed_over_note(passed_over)
    return None, ""


def _passed_over_note(levels: Sequence[str]) -> str:
    if not levels:
        return ""
    shown = "; ".join(levels[:3]) + ("; …" if len(levels) > 3 else "")
    return f"Not read against the target, drawn too long before the next dose: {shown}."


def _sampling_rules(thresholds: Thresholds) -> SamplingRules | None:
    """The trough windows, if configured (a bare test configuration may leave them out)."""
    try:
        return SamplingRules.from_thresholds(thresholds)
    except KeyError:
        return None


def _latest_antibodies(ctx: RuleContext, molecule: str, max_age_days: float) -> Latest | None:
    relevant = [
        o
        for o in ctx.record.observations
        if o.analyte is Analyte.ANTI_DRUG_ANTIBODIES and o.target_drug in (None, molecule)
    ]
    found = latest(relevant, Analyte.ANTI_DRUG_ANTIBODIES, ctx.on, max_age_days)
    return None if found is None or found.stale else found


def antibodies_detected(comparator: Comparator | None) -> bool:
    """A quantified antibody result (not reported as below the assay limit) is a detection.

    Antibody units are assay-specific, so no numeric cut-off is applied across assays
    (CLINICAL.md §2.3); labs report ``<LLOQ`` when none are found.
    """
    return comparator not in (Comparator.LT, Comparator.LE)


def _manual(_ctx: RuleContext) -> RuleResult:
    return RuleResult(UNKNOWN, note="Answered by the team.")


RULES: dict[str, Rule] = {
    "time_on_intensified": _time_on_intensified,
    "steroid_free": _steroid_free,
    "clinical_remission": _clinical_remission,
    "calprotectin": _calprotectin,
    "crp": _crp,
    "imaging_or_endoscopy": _imaging_or_endoscopy,
    "drug_level": _drug_level,
    "manual": _manual,
}


def evaluate_checklist(
    items: Sequence[ChecklistItemSpec], ctx: RuleContext
) -> tuple[ChecklistAnswer, ...]:
    """Evaluate every item automatically for one patient on one date."""
    answers = []
    for item in items:
        outcome = RULES[item.rule](ctx)
        answers.append(
            ChecklistAnswer(item.key, item.label, outcome.result, outcome.evidence, outcome.note)
        )
    return tuple(answers)


class Overall(StrEnum):
    """The overall line under the checklist."""

    MET = "met"
    NOT_MET = "not_met"
    INCOMPLETE = "incomplete"

    @property
    def label(self) -> str:
        return {
            Overall.MET: "Objective remission met",
            Overall.NOT_MET: "Objective remission not met",
            Overall.INCOMPLETE: "Objective remission incomplete",
        }[self]


def objective_remission(
    items: Sequence[ChecklistItemSpec], answers: Sequence[ChecklistAnswer]
) -> Overall:
    """Met when every objective item is met; not met when any is not met; else incomplete."""
    objective = {item.key for item in items if item.objective}
    results = [a.effective for a in answers if a.item_key in objective]
    if NOT_MET in results:
        return Overall.NOT_MET
    if results and all(r is MET for r in results) and len(results) == len(objective):
        return Overall.MET
    return Overall.INCOMPLETE
