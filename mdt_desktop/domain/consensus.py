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
from mdt_desktop.domain.regimens import (
    Regimen,
    RegimenCatalogue,
    RegimenChange,
    RegimenLevel,
    classify_change,
)

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


# The change each regimen-changing outcome must make to the current regimen, and its words.
_CHANGE = {
    Outcome.DE_ESCALATE: (RegimenChange.DE_ESCALATION, "a de-escalation", "step down to", "lower"),
    Outcome.RE_ESCALATE: (RegimenChange.ESCALATION, "a re-escalation", "step up to", "higher"),
}


def target_options(
    current: Regimen | None, catalogue: RegimenCatalogue, outcome: Outcome
) -> list[Regimen]:
    """The configured regimens of the current drug that *outcome* may choose as its target.

    For a de-escalation those of lower intensity than *current*, for a re-escalation those of
    higher intensity, lowest first; none for an outcome that keeps the regimen.
    """
    if current is None or outcome not in _CHANGE:
        return []
    specs = catalogue.drugs.get(current.drug)
    if specs is None:
        return []
    wanted = _CHANGE[outcome][0]
    found = {
        spec.regimen
        for spec in (specs.standard, *specs.reduced, *specs.intensified)
        if classify_change(current, spec.regimen) is wanted
    }
    return sorted(found, key=lambda r: r.intensity.value)


def propose_target(
    current: Regimen | None,
    catalogue: RegimenCatalogue,
    outcome: Outcome = Outcome.DE_ESCALATE,
    *,
    previous: Regimen | None = None,
) -> Regimen | None:
    """The target an outcome proposes (the chair can always choose another).

    A de-escalation proposes the drug's standard regimen, if lower than *current*. A
    re-escalation proposes *previous* (the regimen before the de-escalation) when it is higher,
    else the lowest configured regimen above *current*.
    """
    if current is None:
        return None
    if outcome is Outcome.RE_ESCALATE:
        if previous is not None and classify_change(current, previous) is RegimenChange.ESCALATION:
            return previous
        higher = target_options(current, catalogue, outcome)
        return higher[0] if higher else None
    if outcome is not Outcome.DE_ESCALATE:
        return None
    standard = catalogue.standard(current.drug)
    if standard is None:
        return None
    if classify_change(current, standard.regimen) is RegimenChange.DE_ESCALATION:
        return standard.regimen
    return None


def on_reduced_regimen(
    current: Regimen | None, change: RegimenChange | None, catalogue: RegimenCatalogue
) -> bool:
    """Whether a patient on *current* may be re-escalated: their regimen is a reduced one.

    That is a regimen reached by a de-escalation within the course (*change*, e.g. from every 6
    to every 8 weeks), or one below the drug's standard regimen (docs/clinical.md, "Medication
    episodes").
    """
    if current is None:
        return False
    return change is RegimenChange.DE_ESCALATION or (
        catalogue.level(current) is RegimenLevel.REDUCED
    )


def validate_decision(
    decision: DecisionInput,
    current: Regimen | None,
    meeting_date: date,
    *,
    reduced: bool | None = None,
) -> None:
    """Raise ValidationError naming the field when the decision cannot be recorded as it is.

    Args:
        decision: What the chair entered.
        current: The anti-TNF maintenance regimen the meeting reviewed (None: none).
        meeting_date: The day of the meeting.
        reduced: Whether *current* is a reduced regimen (``on_reduced_regimen``); a
            re-escalation is refused when it is False. None: not known here (the service,
            which always knows, decides).
    """
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
    if decision.outcome.changes_regimen:
        _validate_change(decision, current, meeting_date, reduced)
    elif decision.target is not None:
        raise ValidationError(
            f"target regimen: only a de-escalation or a re-escalation changes the regimen "
            f"({decision.outcome.label} keeps it)"
        )


def _validate_change(
    decision: DecisionInput, current: Regimen | None, meeting_date: date, reduced: bool | None
) -> None:
    """A de-escalation steps down from *current*, a re-escalation steps up from a reduced one."""
    wanted, name, step, direction = _CHANGE[decision.outcome]
    if current is None:
        what = decision.outcome.label.lower()
        raise ValidationError(f"outcome: the patient is not on an anti-TNF regimen to {what}")
    if decision.outcome is Outcome.RE_ESCALATE and reduced is False:
        raise ValidationError(
            f"outcome: {current.label} is not a reduced regimen (it was not reached by a "
            "de-escalation and is not below the standard regimen): there is nothing to "
            "re-escalate"
        )
    if decision.target is None:
        raise ValidationError(f"target regimen: {name} needs the regimen to {step}")
    change = classify_change(current, decision.target)
    if change is not wanted:
        raise ValidationError(
            f"target regimen: {decision.target.label} is not {name} of {current.label} "
            f"({change.value.replace('_', ' ')}): the target must be of the same drug and "
            f"{direction} in intensity than the current regimen"
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


def too_early(meeting_date: date, today: date) -> str | None:
    """Why a meeting cannot be signed off before its own date (None from that day on).

    Minutes record what a meeting decided on its date: signing them off weeks early would date
    the sign-off before the meeting took place.
    """
    if today >= meeting_date:
        return None
    return (
        f"This meeting is dated {meeting_date:%d %b %Y}; it can be signed off from that day "
        f"(today is {today:%d %b %Y})."
    )


def sign_off_problems(
    cases: Sequence[CaseState],
    attendance_recorded: bool,
    *,
    meeting_date: date | None = None,
    today: date | None = None,
) -> list[str]:
    """Return why the meeting cannot be signed off yet (empty when it can).

    With *meeting_date* and *today*, a meeting dated after today cannot be signed off.
    """
    problems = []
    early = too_early(meeting_date, today) if meeting_date and today else None
    if early:
        problems.append(early)
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
