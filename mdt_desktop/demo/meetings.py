"""The demo's MDT meetings: three signed-off months and this month's planned list.

Checklist results come from the real rules (domain/checklist.py) applied to the generated
records on the meeting date, so what the meetings "saw" is consistent with the data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from mdt_desktop.demo.cohort import Calendar
from mdt_desktop.demo.names import ROSTER
from mdt_desktop.demo.plans import Borderline, Plan, months
from mdt_desktop.domain.antibodies import interpret
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.checklist import RuleContext, evaluate_checklist
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import (
    Analyte,
    AttendanceStatus,
    CaseStatus,
    ChecklistResult,
    Interpretation,
    MeetingStatus,
    Outcome,
)
from mdt_desktop.domain.monitoring import monitoring_plan
from mdt_desktop.domain.readings import latest
from mdt_desktop.domain.records import ChecklistAnswer, Observation, PatientRecord, PlannedCheck
from mdt_desktop.domain.regimens import Regimen

(
    CHAIR,
    CONSULTANT_2,
    CONSULTANT_3,
    NURSE_1,
    NURSE_2,
    PHARMACIST,
    RADIOLOGIST,
    SURGEON,
    COORDINATOR,
) = range(len(ROSTER))
START = time(13, 0)


@dataclass
class DemoDecision:
    """A decision as the writer stores it (roster members by index)."""

    outcome: Outcome
    rationale: str
    decided_at: datetime
    target: Regimen | None = None
    effective: date | None = None
    dissent: str = ""
    monitoring: tuple[PlannedCheck, ...] = ()
    next_review: date | None = None
    amendment: DemoAmendment | None = None


@dataclass
class DemoAmendment:
    """A correction made after sign-off: the same outcome with an earlier review, and why."""

    reason: str
    rationale: str
    next_review: date
    amended_at: datetime


@dataclass
class DemoAction:
    """An action agreed at a demo meeting (owner by roster index)."""

    description: str
    owner: int
    due: date
    done_at: datetime | None = None


@dataclass
class DemoAnnotation:
    """The pharmacist's note on one trough result."""

    observation: Observation
    interpretation: Interpretation
    comment: str
    recommendation: str
    created_at: datetime


@dataclass
class DemoCase:
    """One patient on a demo meeting's list, with what the meeting recorded."""

    plan: Plan
    record: PatientRecord
    position: int
    status: CaseStatus = CaseStatus.PENDING
    answers: list[tuple[ChecklistAnswer, int | None]] = field(default_factory=list)
    decision: DemoDecision | None = None
    actions: list[DemoAction] = field(default_factory=list)
    annotations: list[DemoAnnotation] = field(default_factory=list)
    notes: list[tuple[int, str, datetime]] = field(default_factory=list)  # author, text, when


NOTES = (
    (NURSE_1, "Discussed by phone: understands the plan and the flare symptoms to report."),
    (NURSE_2, "Works shifts; prefers appointments on Tuesdays."),
    (CONSULTANT_3, "Seen in clinic last week: well, no extra-intestinal symptoms."),
    (SURGEON, "No surgical concerns; last imaging reviewed."),
)


@dataclass
class DemoMeeting:
    """One demo meeting: date, state, chair, attendance and cases."""

    meeting_date: date
    status: MeetingStatus
    chair: int
    attendance: list[tuple[int, AttendanceStatus]]
    cases: list[DemoCase]
    signed_off_at: datetime | None = None


def build_meetings(
    plans: list[Plan],
    records: list[PatientRecord],
    cal: Calendar,
    config: ClinicalConfig,
    seed: int,
) -> list[DemoMeeting]:
    """Return the meetings oldest first: three signed off, then this month's planned one."""
    rng = random.Random(f"mdt-demo:{seed}:meetings")
    by_index = dict(zip((p.index for p in plans), records, strict=True))
    meetings = []
    for k in range(len(cal.meetings) - 1, -1, -1):
        chosen = [p for p in plans if p.meeting_index == k]
        rng.shuffle(chosen)
        day = cal.meetings[k]
        cases = [DemoCase(p, by_index[p.index], i + 1) for i, p in enumerate(chosen)]
        for case in cases:
            _prepare(case, day, config, rng, signed=k > 0, as_of=cal.as_of)
        if k == 0:
            meetings.append(DemoMeeting(day, MeetingStatus.PLANNED, CHAIR, [], cases))
            continue
        absent = {1: NURSE_2, 2: PHARMACIST, 3: SURGEON}[k]
        attendance = [
            (i, AttendanceStatus.APOLOGIES if i == absent else AttendanceStatus.PRESENT)
            for i in range(len(ROSTER))
        ]
        signed = datetime.combine(day, time(16, 30))
        if k == 2:
            _amend_one(cases, signed)
        meetings.append(
            DemoMeeting(day, MeetingStatus.SIGNED_OFF, CHAIR, attendance, cases, signed)
        )
    return meetings


def _amend_one(cases: list[DemoCase], signed: datetime) -> None:
    """Correct one continue-intensified decision after sign-off, as teams sometimes must."""
    case = next(
        (c for c in cases if c.decision and c.decision.outcome is Outcome.CONTINUE_INTENSIFIED),
        None,
    )
    decision = case.decision if case else None
    review = decision.next_review if decision else None
    if decision is None or review is None:
        return
    decision.amendment = DemoAmendment(
        reason="Review interval recorded wrongly: the team agreed 3 months, not 6.",
        rationale=decision.rationale,
        next_review=review - months(3),
        amended_at=signed + timedelta(days=2),
    )


def _prepare(
    case: DemoCase,
    day: date,
    config: ClinicalConfig,
    rng: random.Random,
    *,
    signed: bool,
    as_of: date,
) -> None:
    ctx = RuleContext(case.record, day, config.thresholds, config.regimens, config.antibody_assays)
    automatic = evaluate_checklist(config.checklist, ctx)
    case.annotations = _annotations(case, day, config, rng)
    if not signed:
        if rng.random() < 0.4:  # the nurse has already spoken to some patients
            case.answers = [
                (
                    _confirm(
                        a,
                        ChecklistResult.MET,
                        day - timedelta(days=5),
                        "Discussed at clinic; keen to try a longer interval.",
                    ),
                    NURSE_1,
                )
                for a in automatic
                if a.item_key == "patient_agrees"
            ]
        return
    decided_at = datetime.combine(day, START) + timedelta(minutes=9 * case.position)
    case.status = CaseStatus.DISCUSSED
    case.decision = _decision(case, automatic, day, decided_at, config)
    case.answers = _confirmations(case, automatic, decided_at)
    case.actions = _actions(case, day, as_of, rng)
    if rng.random() < 0.45:
        author, text = rng.choice(NOTES)
        case.notes.append((author, text, decided_at - timedelta(minutes=3)))


def _confirm(
    answer: ChecklistAnswer, value: ChecklistResult, at: datetime | date, reason: str = ""
) -> ChecklistAnswer:
    when = at if isinstance(at, datetime) else datetime.combine(at, time(11, 0))
    return replace(answer, confirmed=value, override_reason=reason, answered_at=when)


def _confirmations(
    case: DemoCase, automatic: tuple[ChecklistAnswer, ...], at: datetime
) -> list[tuple[ChecklistAnswer, int | None]]:
    outcome = case.decision.outcome if case.decision else None
    confirmed: list[tuple[ChecklistAnswer, int | None]] = []
    for answer in automatic:
        if answer.item_key == "patient_agrees":
            agrees = outcome is Outcome.DE_ESCALATE or case.plan.borderline is not None
            note = (
                "Discussed at clinic; keen to reduce treatment."
                if agrees
                else "Prefers to stay on the current dose for now."
            )
            value = ChecklistResult.MET if agrees else ChecklistResult.NOT_MET
            confirmed.append((_confirm(answer, value, at, note), NURSE_1))
        elif answer.item_key == "life_events":
            confirmed.append(
                (
                    _confirm(
                        answer,
                        ChecklistResult.MET,
                        at,
                        "No pregnancy planned; no exams or long travel due.",
                    ),
                    NURSE_2,
                )
            )
        elif answer.automatic is ChecklistResult.UNKNOWN:
            confirmed.append((answer, None))  # left for the team: shown as unknown
        else:
            confirmed.append((_confirm(answer, answer.automatic, at), CONSULTANT_2))
    return confirmed


def _evidence_text(automatic: tuple[ChecklistAnswer, ...], keys: tuple[str, ...]) -> str:
    parts = []
    for answer in automatic:
        if answer.item_key in keys and answer.evidence:
            first = answer.evidence[0]
            unit = "" if first.unit in ("score", "grade") else first.unit
            parts.append(
                f"{first.label} {first.value} {unit}".strip()
                + (f" ({first.on:%d %b %Y})" if first.on else "")
            )
    return "; ".join(parts)


def _decision(
    case: DemoCase,
    automatic: tuple[ChecklistAnswer, ...],
    day: date,
    decided_at: datetime,
    config: ClinicalConfig,
) -> DemoDecision:
    plan = case.plan
    assert plan.outcome is not None
    facts = _evidence_text(
        automatic,
        ("calprotectin", "crp", "clinical_remission", "imaging_or_endoscopy", "drug_level"),
    )
    if plan.outcome is Outcome.DE_ESCALATE:
        assert plan.de_escalated
        assert plan.de_escalated_on
        rationale = (
            f"Sustained objective remission on {plan.intensified.dose_label}: {facts}. "
            f"De-escalate to {plan.de_escalated.dose_label}."
        )
        dissent = ""
        if plan.resections or plan.patient.montreal.behaviour == "B3":
            dissent = (
                "Mr Whitfield (surgeon) would prefer to wait: previous resection or "
                "penetrating disease raises the cost of a relapse."
            )
        return DemoDecision(
            Outcome.DE_ESCALATE,
            rationale,
            decided_at,
            plan.de_escalated,
            plan.de_escalated_on,
            dissent,
            monitoring_plan(
                config.monitoring,
                plan.de_escalated_on,
                plan.drug,
                plan.patient.ibd_type,
                plan.de_escalated.interval_days,
            ),
            plan.de_escalated_on + months(6),
        )
    if plan.outcome is Outcome.DEFER:
        rationale = (
            f"Biomarkers in range ({facts}) but no ultrasound or endoscopy in the last "
            "12 months. Defer pending intestinal ultrasound."
        )
        return DemoDecision(Outcome.DEFER, rationale, decided_at, next_review=day + months(2))
    if plan.borderline is Borderline.CALPROTECTIN_HIGH:
        rationale = (
            f"Calprotectin above the remission threshold ({facts}). Continue the "
            "intensified regimen; repeat calprotectin in 3 months."
        )
    else:
        rationale = (
            f"In objective remission ({facts}) but the patient prefers to stay on the "
            "current dose for now. Continue; revisit in 6 months."
        )
    return DemoDecision(
        Outcome.CONTINUE_INTENSIFIED, rationale, decided_at, next_review=day + months(6)
    )


def _done(due: date, as_of: date, rng: random.Random) -> datetime | None:
    if due >= as_of or rng.random() < 0.15:
        return None
    return datetime.combine(due - timedelta(days=rng.randint(0, 7)), time(15, 0))


def _actions(case: DemoCase, day: date, as_of: date, rng: random.Random) -> list[DemoAction]:
    decision = case.decision
    assert decision is not None
    actions: list[DemoAction] = []
    if decision.outcome is Outcome.DE_ESCALATE:
        assert decision.target
        assert decision.effective
        if case.plan.drug.value.startswith("infliximab"):
            text = f"Book infusions {decision.target.dose_label} from {decision.effective:%d %b %Y}"
            actions.append(DemoAction(text, NURSE_1, decision.effective))
        else:
            text = (
                f"Change home-care delivery to {decision.target.dose_label} from "
                f"{decision.effective:%d %b %Y}"
            )
            actions.append(DemoAction(text, NURSE_2, decision.effective))
        actions.append(
            DemoAction(
                "Trough level and antibodies at the new steady state",
                PHARMACIST,
                decision.effective + months(4),
            )
        )
        actions.append(
            DemoAction(
                "Write to the GP and the patient with the decision",
                COORDINATOR,
                day + timedelta(days=7),
            )
        )
    elif decision.outcome is Outcome.DEFER:
        actions.append(
            DemoAction("Request intestinal ultrasound", RADIOLOGIST, day + timedelta(days=28))
        )
        actions.append(
            DemoAction(
                "Re-list for MDT once the ultrasound is reported",
                COORDINATOR,
                day + timedelta(days=42),
            )
        )
    else:
        actions.append(DemoAction("Repeat calprotectin and CRP", NURSE_1, day + months(3)))
    for action in actions:
        action.done_at = _done(action.due, as_of, rng)
    return actions


def _annotations(
    case: DemoCase, day: date, config: ClinicalConfig, rng: random.Random
) -> list[DemoAnnotation]:
    """The pharmacist's reading of the latest trough before the meeting."""
    if case.plan.meeting_index == 0 and rng.random() < 0.5:
        return []
    level = DRUGS[case.plan.drug].level_analyte
    assert level is not None
    found = latest(case.record.observations, level, day, None)
    band = config.thresholds.target_band(level)
    if found is None or band is None:
        return []
    obs = found.observation
    antibodies = latest(
        [o for o in case.record.observations if o.collected_at == obs.collected_at],
        Analyte.ANTI_DRUG_ANTIBODIES,
        day,
        None,
    )
    has_antibodies = (
        antibodies is not None
        and interpret(antibodies.observation, config.antibody_assays).detected
    )
    position = -1 if obs.below_limit else band.position(obs.value)
    interpretation, advice = _reading(
        has_antibodies, position, obs, band.describe(), case.plan.standard
    )
    ab_text = (
        f"antibodies {antibodies.observation.display_value} {antibodies.observation.unit}"
        if antibodies
        else "no antibody result"
    )
    comment = (
        f"Trough {obs.display_value} ug/mL on {obs.collected_at:%d %b %Y} against the "
        f"{band.describe()} target [{', '.join(band.sources)}]; {ab_text}."
    )
    created = datetime.combine(day - timedelta(days=rng.randint(1, 6)), time(10, 30))
    return [DemoAnnotation(obs, interpretation, comment, advice, created)]


def _reading(
    has_antibodies: bool, position: int, obs: Observation, band: str, standard: Regimen
) -> tuple[Interpretation, str]:
    if has_antibodies:
        return Interpretation.ANTIBODIES, (
            "Antibodies detected: de-escalation not advised; repeat level and antibodies in "
            "4 weeks before deciding."
        )
    if obs.below_limit:
        return Interpretation.UNDETECTABLE, "Undetectable: check adherence and timing of sample."
    if position < 0:
        return Interpretation.BELOW_TARGET, (
            f"Below the {band} band: de-escalation not advised; check adherence and repeat."
        )
    if position > 0:
        return Interpretation.ABOVE_TARGET, (
            f"Supports de-escalation to {standard.dose_label}; expect the trough to roughly "
            "halve [S16]. Recheck at the new steady state (about 4 months)."
        )
    return Interpretation.WITHIN_TARGET, (
        "Adequate level. De-escalation reasonable if remission is confirmed; recheck the trough "
        "4 months after any change."
    )
