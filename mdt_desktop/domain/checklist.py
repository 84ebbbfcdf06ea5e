"""The remission checklist (docs/clinical.md, "Checklist"): automatic results with their evidence.

Each rule returns met / not met / unknown and the evidence behind it. Missing or too-old data is
"unknown", never a silent pass. Items and their thresholds come from resources/checklist.toml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from mdt_desktop.domain.antibodies import (
    SOURCE_TAG,
    AntibodyAssay,
    AntibodyReading,
    AntibodyState,
    interpret,
    lab_flag,
)
from mdt_desktop.domain.catalogue import ANALYTES, DRUGS, same_molecule
from mdt_desktop.domain.enums import Analyte, ChecklistResult, DrugClass, IbdType
from mdt_desktop.domain.history import (
    current_anti_tnf,
    intensified_since,
    months_between,
)
from mdt_desktop.domain.readings import Latest, below_band, evidence_for, latest, meets
from mdt_desktop.domain.records import (
    ChecklistAnswer,
    EvidenceItem,
    MedicationPeriod,
    Observation,
    PatientRecord,
)
from mdt_desktop.domain.regimens import RegimenCatalogue
from mdt_desktop.domain.sampling import SampleTiming, SamplingRules, result_name, sample_timing
from mdt_desktop.domain.thresholds import Band, Threshold, Thresholds
from mdt_desktop.domain.wording import count

MET, NOT_MET, UNKNOWN = ChecklistResult.MET, ChecklistResult.NOT_MET, ChecklistResult.UNKNOWN
# The note of an item only the team can answer, until someone answers it.
MANUAL_NOTE = "To be answered by the team."
# What earlier versions stored as that note: it read as if the item had been answered.
LEGACY_MANUAL_NOTES = frozenset({"Answered by the team."})


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
    """What a rule may look at: the record, the day of the meeting and the configuration.

    ``antibody_assays`` are the configured positivity cut-offs (antibody_assays.toml) that
    antibody results are read against (docs/clinical.md, "Antibodies").
    """

    record: PatientRecord
    on: date
    thresholds: Thresholds
    regimens: RegimenCatalogue
    antibody_assays: tuple[AntibodyAssay, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What a rule concluded and why."""

    result: ChecklistResult
    evidence: tuple[EvidenceItem, ...] = ()
    note: str = ""


Rule = Callable[[RuleContext, ChecklistItemSpec], RuleResult]


def _time_on_intensified(ctx: RuleContext, _item: ChecklistItemSpec) -> RuleResult:
    threshold = ctx.thresholds["intensified_min_months"]
    current = current_anti_tnf(ctx.record.medications, ctx.on, ctx.regimens)
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


def _steroid_free(ctx: RuleContext, item: ChecklistItemSpec) -> RuleResult:
    """Months since the last steroid course ended (docs/clinical.md, "Checklist").

    Systemic steroids always count; oral budesonide counts when the item's option
    ``count_budesonide`` is true (the default: STORI asked for corticosteroid-free remission,
    S23). No steroid prescription on record at all is unknown, never a silent pass: the
    record may simply not hold them.
    """
    threshold = ctx.thresholds["steroid_free_min_months"]
    budesonide = bool(item.option("count_budesonide", True))
    courses = _steroid_courses(ctx.record.medications, ctx.on, budesonide)
    what = "steroid (systemic or budesonide)" if budesonide else "systemic steroid"
    active = [p for p in courses if p.active_on(ctx.on)]
    if active:
        return RuleResult(NOT_MET, note=f"On {active[-1].regimen.label} on this date.")
    if not courses:
        evidence = EvidenceItem(
            f"{what.capitalize()} prescriptions",
            "none on record",
            threshold=threshold.describe(),
            sources=threshold.sources,
        )
        note = "No steroid prescriptions on record: confirm with the team."
        return RuleResult(UNKNOWN, (evidence,), note)
    last = max(courses, key=lambda p: p.end or ctx.on)
    last_end = last.end or ctx.on
    months = months_between(last_end, ctx.on)
    evidence = EvidenceItem(
        label=f"Last {what} ended ({last.regimen.label})",
        value=f"{months:.1f}",
        unit="months ago",
        on=last_end,
        threshold=threshold.describe(),
        sources=threshold.sources,
    )
    return RuleResult(MET if threshold.met_by(months) else NOT_MET, (evidence,))


def _steroid_courses(
    periods: Sequence[MedicationPeriod], on: date, budesonide: bool
) -> list[MedicationPeriod]:
    """The steroid periods begun on or before *on*, oldest first (budesonide if it counts)."""
    classes = {DrugClass.SYSTEMIC_STEROID}
    if budesonide:
        classes.add(DrugClass.LOCAL_STEROID)
    chosen = [p for p in periods if DRUGS[p.drug].drug_class in classes and p.start <= on]
    return sorted(chosen, key=lambda p: p.start)


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
        age = count(found.age_days, "day")
        note = f"Latest {label.lower()} is {age} old (limit {max_age.describe()})."
        return RuleResult(UNKNOWN, (evidence,), note)
    verdict = meets(found.observation, threshold)
    if verdict is None:
        return RuleResult(UNKNOWN, (evidence,), "A censored value cannot be compared.")
    return RuleResult(MET if verdict else NOT_MET, (evidence,))


def _calprotectin(ctx: RuleContext, _item: ChecklistItemSpec) -> RuleResult:
    return _single_analyte(
        ctx, Analyte.FAECAL_CALPROTECTIN, "calprotectin_remission", "calprotectin_max_age"
    )


def _crp(ctx: RuleContext, _item: ChecklistItemSpec) -> RuleResult:
    return _single_analyte(ctx, Analyte.CRP, "crp_remission", "crp_max_age")


def _clinical_remission(ctx: RuleContext, _item: ChecklistItemSpec) -> RuleResult:
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


def _imaging_or_endoscopy(ctx: RuleContext, _item: ChecklistItemSpec) -> RuleResult:
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


def _drug_level(ctx: RuleContext, _item: ChecklistItemSpec) -> RuleResult:
    """The latest level readable against the target band, and antibodies to the molecule.

    Antibodies of the same molecule by any route or product count (docs/clinical.md, "One drug
    identity"), each read by domain/antibodies.py (docs/clinical.md, "Antibodies"): any
    detected in the window is not met; any that cannot be read makes the item unknown unless
    the level is below target anyway. A level that is not a trough is passed over unless it is
    already below the band (docs/clinical.md, "Drug levels").
    """
    max_age = ctx.thresholds["drug_level_max_age"]
    current = current_anti_tnf(ctx.record.medications, ctx.on, ctx.regimens)
    level_analyte = DRUGS[current.drug].level_analyte if current else None
    if current is None or level_analyte is None:
        return RuleResult(UNKNOWN, note="No measurable anti-TNF regimen on this date.")
    molecule = DRUGS[current.drug].molecule
    band = ctx.thresholds.target_band(level_analyte)
    readings = antibody_readings(ctx, molecule, max_age.days)
    level = readable_level(ctx, level_analyte, max_age.days, band)
    evidence = [level_evidence(level.found, level.trough, band)] if level.found and band else []
    evidence += [antibody_evidence(o, r, molecule) for o, r in readings]
    return drug_level_verdict(level, band, [r for _, r in readings], tuple(evidence))


@dataclass(frozen=True, slots=True)
class LevelReading:
    """The level the drug-level item reads, and what the note says about the others."""

    found: Latest | None
    note: str = ""
    trough: bool = True  # False: drawn too early, read only because it is already below target


def drug_level_verdict(
    level: LevelReading,
    band: Band | None,
    readings: Sequence[AntibodyReading],
    evidence: tuple[EvidenceItem, ...],
) -> RuleResult:
    """The drug-level item's verdict: antibodies first, then the level against the band."""
    detected = [r.reason for r in readings if r.state is AntibodyState.DETECTED]
    unreadable = [r.reason for r in readings if r.state is AntibodyState.UNKNOWN]
    if detected:
        return RuleResult(
            NOT_MET, evidence, f"Anti-drug antibodies detected: {'; '.join(detected)}."
        )
    antibody_note = _antibody_note(readings, unreadable)
    if level.found is None or band is None:
        note = level.note or "No trough level on record."
        return RuleResult(UNKNOWN, evidence, join_notes(note, antibody_note))
    found = level.found
    if found.stale:
        what = "Trough" if level.trough else "Level"
        note = f"{what} is {count(found.age_days, 'day')} old."
        return RuleResult(UNKNOWN, evidence, join_notes(note, antibody_note))
    if below_band(found.observation, band):
        return RuleResult(NOT_MET, evidence, join_notes(level.note, antibody_note))
    obs = found.observation
    if obs.below_limit or (obs.comparator is not None and band.position(obs.value) < 0):
        note = "A level reported as a bound cannot be compared with the target."
        return RuleResult(UNKNOWN, evidence, join_notes(level.note, note, antibody_note))
    result = UNKNOWN if unreadable else MET
    return RuleResult(result, evidence, join_notes(level.note, antibody_note))


def _antibody_note(readings: Sequence[AntibodyReading], unreadable: Sequence[str]) -> str:
    if unreadable:
        return f"Antibody result cannot be read: {'; '.join(unreadable)}."
    return "" if readings else "No antibody result in the window."


def join_notes(*notes: str) -> str:
    """The non-empty notes, one after the other."""
    return " ".join(n for n in notes if n)


def level_evidence(found: Latest, trough: bool, band: Band) -> EvidenceItem:
    """The level as evidence against the target band (named "not a trough" when it is not)."""
    obs = found.observation
    label = ANALYTES[obs.analyte].label
    return EvidenceItem(
        label if trough else f"{result_name(obs.analyte)} (not a trough)",
        obs.display_value,
        obs.unit,
        obs.collected_at.date(),
        f"target {band.describe()}",
        band.sources,
        found.stale,
    )


def readable_level(
    ctx: RuleContext,
    analyte: Analyte,
    max_age_days: float,
    band: Band | None,
    *,
    since: date | None = None,
) -> LevelReading:
    """The latest level that can be read against the target, and why later ones were not.

    A level drawn well before the next dose (peak or mid-interval: domain/sampling.py) is higher
    than the trough and is not read against the trough band, unless it is already below the
    band: the trough can only be lower, so it is read as below target and named. A level whose
    timing is unknown (no dosing data around it) is taken as reported (docs/clinical.md, "Drug
    levels"). With *since*, only levels drawn on or after that day are read.
    """
    levels = sorted(
        (
            o
            for o in ctx.record.observations
            if o.analyte is analyte
            and o.collected_at.date() <= ctx.on
            and (since is None or o.collected_at.date() >= since)
        ),
        key=lambda o: o.collected_at,
        reverse=True,
    )
    rules = _sampling_rules(ctx.thresholds)
    passed_over: list[str] = []
    for level in levels:
        timing = sample_timing(level, ctx.record.medications, rules) if rules else None
        if timing is not None and timing.timing is SampleTiming.NOT_TROUGH:
            if band is not None and below_band(level, band):
                note = _below_note(level, band, timing.days_until)
                found = latest((level,), analyte, ctx.on, max_age_days)
                return LevelReading(
                    found, join_notes(_passed_over_note(passed_over), note), trough=False
                )
            passed_over.append(
                f"{level.display_value} {level.unit} on {level.collected_at:%d %b %Y}"
            )
            continue
        found = latest((level,), analyte, ctx.on, max_age_days)
        return LevelReading(found, _passed_over_note(passed_over))
    if passed_over:
        return LevelReading(None, "No trough level: " + _passed_over_note(passed_over))
    return LevelReading(None)


def _below_note(level: Observation, band: Band, days_until: int | None) -> str:
    when = f"{count(days_until, 'day')} before the next dose" if days_until is not None else "early"
    return (
        f"{result_name(level.analyte)} {level.display_value} {level.unit} on "
        f"{level.collected_at:%d %b %Y} was drawn {when}, not as a trough, and is already "
        f"below the target of {band.describe()}: the trough can only be lower."
    )


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


def antibody_readings(
    ctx: RuleContext, molecule: str, max_age_days: float
) -> list[tuple[Observation, AntibodyReading]]:
    """Every antibody result to *molecule* (any route, or none named) in the window, newest first.

    Results stored against ``infliximab_iv`` by older databases are the molecule's too.
    """
    chosen = [
        o
        for o in ctx.record.observations
        if o.analyte is Analyte.ANTI_DRUG_ANTIBODIES
        and (o.target_drug is None or same_molecule(o.target_drug, molecule))
        and o.collected_at.date() <= ctx.on
        and (ctx.on - o.collected_at.date()).days <= max_age_days
    ]
    chosen.sort(key=lambda o: o.collected_at, reverse=True)
    return [(o, interpret(o, ctx.antibody_assays)) for o in chosen]


def antibody_evidence(obs: Observation, reading: AntibodyReading, molecule: str) -> EvidenceItem:
    """E.g. ``Antibodies to infliximab 8 U/mL on 2026-10-01 (Antibodies detected) [S103]``."""
    if reading.assay is not None:
        sources = reading.assay.sources
    elif lab_flag(obs) is not None:
        sources = (SOURCE_TAG,)
    else:
        sources = ()
    return EvidenceItem(
        f"Antibodies to {molecule}",
        obs.display_value,
        obs.unit,
        obs.collected_at.date(),
        reading.state.label,
        sources,
    )


def _manual(_ctx: RuleContext, _item: ChecklistItemSpec) -> RuleResult:
    return RuleResult(UNKNOWN, note=MANUAL_NOTE)


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


def needs_reason(automatic: ChecklistResult, confirmed: ChecklistResult | None) -> bool:
    """A confirmation that contradicts a definite automatic result needs a reason.

    The services refuse such an answer without one and the checklist screen asks for it
    (docs/clinical.md, "Checklist").
    """
    return confirmed is not None and automatic is not UNKNOWN and confirmed is not automatic


def shown_answer(answer: ChecklistAnswer) -> ChecklistAnswer:
    """*answer* as shown: an unanswered item stored by an earlier version says it awaits the team.

    Earlier versions stored "Answered by the team." as the note of every manual item, answered
    or not.
    """
    if answer.confirmed is None and answer.note in LEGACY_MANUAL_NOTES:
        return replace(answer, note=MANUAL_NOTE)
    return answer


def evaluate_checklist(
    items: Sequence[ChecklistItemSpec], ctx: RuleContext
) -> tuple[ChecklistAnswer, ...]:
    """Evaluate every item automatically for one patient on one date."""
    answers = []
    for item in items:
        outcome = RULES[item.rule](ctx, item)
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

    def label_for(self, rereview: bool) -> str:
        """The line for a de-escalation candidate, or for a re-review on the reduced regimen."""
        if not rereview:
            return self.label
        return {
            Overall.MET: "Remission held on the reduced regimen",
            Overall.NOT_MET: "Remission not held on the reduced regimen",
            Overall.INCOMPLETE: "Re-review incomplete",
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
