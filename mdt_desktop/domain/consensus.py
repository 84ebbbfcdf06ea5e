"""Rules for recording the team's consensus.

What a decision must contain, which regimen to propose, whether the meeting is quorate and
whether it can be signed off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus, Outcome, Role
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.records import AttendanceEntry, PlannedCheck
from mdt_desktop.domain.regimens import Regimen, RegimenCatalogue, RegimenChange, classify_change

MAX_TEXT = 4000
MAX_EFFECTIVE_DELAY = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class ActionInput:
    """A task to agree with a decision: what, who (roster id), by when."""

    description: str
    owner_id: int
    due: date | None = None


@dataclass(frozen=True, slots=True)
class DecisionInput:
    """What the chair records for one case."""

    outcome: Outcome
    rationale: str
    target: Regimen | None = None
    effective_date: date | None = None
    dissent: str = ""
    monitoring: tuple[PlannedCheck, ...] = ()
    next_review: date | None = None
    actions: tuple[ActionInput, ...] = ()


def propose_target(current: Regimen | None, catalogue: RegimenCatalogue) -> Regimen | None:
    """The regimen a de-escalation proposes: the drug's standard regimen, if lower."""
    if current is None:
        return None
    standard = catalogue.standard(current.drug)
    if standard is None:
        return None
    if classify_change(current, standard.regimen) is RegimenChange.DE_ESCALATION:
        return standard.regimen
    return None


def validate_decision(decision: DecisionInput, current: Regimen | None, meeting_date: date) -> None:
    """Raise ValidationError naming the field when the decision cannot be recorded as it is."""
    if not decision.rationale.strip():
        raise ValidationError("rationale: say why the team decided this")
    for name, text in (("rationale", decision.rationale), ("dissent", decision.dissent)):
        if len(text) > MAX_TEXT:
            raise ValidationError(f"{name}: at most {MAX_TEXT} characters")
    if decision.next_review is not None and decision.next_review < meeting_date:
        raise ValidationError("next review: must not be before the meeting")
    for index, action in enumerate(decision.actions, start=1):
        if not action.description.strip():
            raise ValidationError(f"action {index}: describe what is to be done")
        if action.due is not None and action.due < meeting_date:
            raise ValidationError(f"action {index}: due date is before the meeting")
    if decision.outcome is Outcome.DE_ESCALATE:
        _validate_de_escalation(decision, current, meeting_date)
    elif decision.target is not None:
        raise ValidationError(
            f"target regimen: only a de-escalation changes the regimen "
            f"({decision.outcome.label} keeps it)"
        )


def _validate_de_escalation(
    decision: DecisionInput, current: Regimen | None, meeting_date: date
) -> None:
    if current is None:
        raise ValidationError("outcome: the patient is not on an anti-TNF regimen to de-escalate")
    if decision.target is None:
        raise ValidationError("target regimen: a de-escalation needs the regimen to step down to")
    change = classify_change(current, decision.target)
    if change is not RegimenChange.DE_ESCALATION:
        raise ValidationError(
            f"target regimen: {decision.target.label} is not a de-escalation of "
            f"{current.label} ({change.value.replace('_', ' ')})"
        )
    effective = decision.effective_date
    if effective is None:
        raise ValidationError("effective date: when should the new regimen start?")
    if not meeting_date <= effective <= meeting_date + MAX_EFFECTIVE_DELAY:
        raise ValidationError("effective date: between the meeting and a year after it")


@dataclass(frozen=True, slots=True)
class Quorum:
    """Whether the people needed for a safe decision are present."""

    warnings: tuple[str, ...]

    @property
    def quorate(self) -> bool:
        return not self.warnings


def quorum(attendance: Sequence[AttendanceEntry]) -> Quorum:
    """Warn when no pharmacist or no IBD consultant is present (issue: preparing the meeting)."""
    present = {a.role for a in attendance if a.status is AttendanceStatus.PRESENT}
    warnings = []
    if Role.IBD_CONSULTANT not in present:
        warnings.append("No IBD consultant is present.")
    if Role.PHARMACIST not in present:
        warnings.append("No pharmacist is present.")
    return Quorum(tuple(warnings))


@dataclass(frozen=True, slots=True)
class CaseState:
    """What sign-off needs to know about one case."""

    position: int
    patient: str
    status: CaseStatus
    has_decision: bool


def sign_off_problems(cases: Sequence[CaseState], attendance_recorded: bool) -> list[str]:
    """Return why the meeting cannot be signed off yet (empty when it can)."""
    problems = []
    if not attendance_recorded:
        problems.append("Attendance has not been recorded.")
    for case in cases:
        if case.status is CaseStatus.PENDING:
            problems.append(
                f"Case {case.position} ({case.patient}) has not been discussed or deferred."
            )
        elif case.status is CaseStatus.DISCUSSED and not case.has_decision:
            problems.append(
                f"Case {case.position} ({case.patient}) was discussed but has no decision."
            )
    return problems
