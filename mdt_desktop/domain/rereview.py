"""Re-review after de-escalation: is a de-escalated patient due back at the MDT, and how are they?

Plain Python. Each MDT de-escalation decision schedules re-checks (its monitoring plan: the
calprotectin, CRP and clinical score at 3 months, the trough at the new steady state, …). A
patient is *due for re-review* at a meeting when, within the first year after the change
(``failure_window``):

- a re-check fell due on or before the meeting that the team has not yet seen — due after the
  last review (the decision's meeting, or a later one that listed the patient), or due before
  it and done only since; or
- a relapse signal appeared after the last review.

Re-reviews stop a little after the first year (``last_meeting``): a check still missing is for
the chase list, not a monthly re-review for ever.

The tag reuses the follow-up rules (domain/followup.py for the checks, domain/flare.py for the
flags, domain/outcomes.py for failure), read on the meeting date:

- **relapsing**: the de-escalation failed (re-escalation, steroids, surgery, trial, stopped), or
  the flare rule or the early warning is met, or any one flare component is out of range;
- **data missing**: otherwise, a re-check is due or overdue without its result;
- **stable**: otherwise: the re-checks are done and no flare component is out of range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.flare import FlareAssessment, FlareStatus, assess_flare, day_text
from mdt_desktop.domain.followup import CheckState, CheckStatus, FollowUpRules, check_statuses
from mdt_desktop.domain.outcomes import Episode, OutcomeRules, episodes
from mdt_desktop.domain.records import PatientRecord, PlannedCheck
from mdt_desktop.domain.regimens import Regimen, RegimenCatalogue
from mdt_desktop.domain.thresholds import Thresholds

REASON_PREFIX = "Re-review after de-escalation"
_MISSING = (CheckState.DUE, CheckState.OVERDUE)
_FLAGGED = (FlareStatus.EARLY_WARNING, FlareStatus.FLARE, FlareStatus.PERSISTENT)


class RereviewTag(StrEnum):
    """How a de-escalated patient looks at their re-review, most urgent first."""

    RELAPSING = "relapsing"
    DATA_MISSING = "data_missing"
    STABLE = "stable"

    @property
    def label(self) -> str:
        return {
            RereviewTag.RELAPSING: "Relapsing",
            RereviewTag.DATA_MISSING: "Data missing",
            RereviewTag.STABLE: "Stable",
        }[self]

    @property
    def rank(self) -> int:
        """0 for the most urgent."""
        return list(RereviewTag).index(self)


@dataclass(frozen=True, slots=True)
class DeEscalationDecision:
    """What a re-review reads from one MDT decision to de-escalate."""

    decided_on: date  # the meeting that decided it
    effective: date  # the first day (first dose) of the new regimen
    target: Regimen | None
    checks: tuple[PlannedCheck, ...]  # the decision's monitoring plan (or the default one)
    # the day of the dose the steady-state trough is drawn before (the plan's level check, else
    # the default plan's: domain/monitoring.py); None when neither plans one
    steady_state: date | None = None


@dataclass(frozen=True, slots=True)
class RereviewRules:
    """The thresholds a re-review reads (resources/thresholds.toml)."""

    follow_up: FollowUpRules
    outcomes: OutcomeRules

    @classmethod
    def from_thresholds(
        cls, thresholds: Thresholds, regimens: RegimenCatalogue | None = None
    ) -> RereviewRules:
        """The rules from *thresholds*; *regimens* recognises induction and joins courses."""
        return cls(
            FollowUpRules.from_thresholds(thresholds),
            OutcomeRules.from_thresholds(thresholds, regimens),
        )

    @property
    def first_year(self) -> timedelta:
        return timedelta(days=round(self.follow_up.failure_window.days))


@dataclass(frozen=True, slots=True)
class Rereview:
    """A de-escalated patient due back at a meeting, with the tag and what it was read from."""

    decision: DeEscalationDecision
    meeting_date: date
    tag: RereviewTag
    checks: tuple[CheckStatus, ...]  # the re-checks to review: due by the meeting, not yet seen
    flare: FlareAssessment
    failure: Episode | None = None  # the de-escalation, when it failed by the meeting
    last_review: date | None = None  # the latest earlier meeting that looked at the patient

    @property
    def missing(self) -> tuple[CheckStatus, ...]:
        return tuple(c for c in self.checks if c.state in _MISSING)

    @property
    def reason(self) -> str:
        """The candidate list's "added because", e.g. ``… (28 Oct 2026): data missing``."""
        return f"{REASON_PREFIX} ({day_text(self.decision.decided_on)}): {self.tag.label.lower()}"

    @property
    def summary(self) -> str:
        """One line for a table cell: what makes the tag."""
        if self.tag is RereviewTag.RELAPSING:
            return self._relapse_line()
        if self.tag is RereviewTag.DATA_MISSING:
            first, more = self.missing[0], len(self.missing) - 1
            extra = f" (+{more} more)" if more else ""
            return f"Missing: {first.check.label}, due {day_text(first.check.due)}{extra}"
        done = len(self.checks)
        checks = f"{done} re-check{'' if done == 1 else 's'} done" if done else "Re-checks seen"
        return f"{checks}; no flare component out of range"

    def _relapse_line(self) -> str:
        if self.failure is not None and self.failure.reason and self.failure.failed_on:
            return f"{self.failure.reason.label} on {day_text(self.failure.failed_on)}"
        if self.flare.status in _FLAGGED:
            return self.flare.headline
        component = next(c for c in self.flare.components if c.result is ChecklistResult.MET)
        return f"Flare component out of range — {component.text}"

    def lines(self) -> tuple[str, ...]:
        """The evidence in full: the decision, the tag's reason, each re-check, the flare rule."""
        decision = self.decision
        regimen = f" to {decision.target.label}" if decision.target else ""
        head = (
            f"De-escalation{regimen} decided {day_text(decision.decided_on)}, "
            f"from {day_text(decision.effective)}"
        )
        since = (
            f"; last reviewed {day_text(self.last_review)}"
            if self.last_review and self.last_review > decision.decided_on
            else ""
        )
        flare = self.flare.lines()
        if flare and flare[0] == self.summary:  # the tag's reason is the flare's headline
            flare = flare[1:]
        return (
            head + since,
            f"{self.tag.label}: {self.summary}",
            *(c.text for c in self.checks),
            *flare,
        )


def last_meeting(decision: DeEscalationDecision, rules: RereviewRules) -> date:
    """The last day a meeting may re-review the decision.

    That is the first year, plus the time a check due at its very end stays open
    (``monitoring_check_tolerance``) and as long again for the next meeting to come round.
    """
    grace = timedelta(days=round(2 * rules.follow_up.tolerance.days))
    return decision.effective + rules.first_year + grace


def rereview(
    record: PatientRecord,
    decision: DeEscalationDecision,
    meeting_date: date,
    rules: RereviewRules,
    *,
    last_review: date | None = None,
) -> Rereview | None:
    """The re-review of *record* at the meeting on *meeting_date*, or None when not due.

    Args:
        record: The patient's record as it is now.
        decision: The de-escalation decision (at a meeting before *meeting_date*).
        meeting_date: The meeting the patient may be re-reviewed at.
        rules: The follow-up and outcome thresholds.
        last_review: The latest meeting before *meeting_date* that listed the patient, if any;
            the decision's own meeting counts as a review.
    """
    if decision.decided_on >= meeting_date or meeting_date > last_meeting(decision, rules):
        return None
    seen_on = max(decision.decided_on, last_review or decision.decided_on)
    year_end = decision.effective + rules.first_year
    checks = _unseen_checks(record, decision.checks, meeting_date, seen_on, year_end, rules)
    flare = assess_flare(record, meeting_date, rules.follow_up.flare, since=decision.effective)
    failure = _failure(record, decision, meeting_date, rules)
    signal = _relapse_signal(flare, failure)
    fresh_signal = signal is not None and seen_on < signal <= year_end
    if not checks and not fresh_signal:
        return None
    if signal is not None:
        tag = RereviewTag.RELAPSING
    elif any(c.state in _MISSING for c in checks):
        tag = RereviewTag.DATA_MISSING
    else:
        tag = RereviewTag.STABLE
    return Rereview(decision, meeting_date, tag, checks, flare, failure, last_review)


def _unseen_checks(
    record: PatientRecord,
    plan: Sequence[PlannedCheck],
    meeting_date: date,
    seen_on: date,
    year_end: date,
    rules: RereviewRules,
) -> tuple[CheckStatus, ...]:
    """Checks due by the meeting within the first year that the team has not seen.

    That is: due since the last review, or due before it and done only since (a check that was
    still missing at the last review does not bring the patient back by itself).
    """
    tolerance = rules.follow_up.tolerance
    wanted = [c for c in plan if c.analytes and c.due <= meeting_date and c.due <= year_end]
    earlier = [c for c in wanted if c.due <= seen_on]
    done_then = {
        s.check
        for s in check_statuses(earlier, record, seen_on, tolerance)
        if s.state is CheckState.DONE
    }
    return tuple(
        s
        for s in check_statuses(wanted, record, meeting_date, tolerance)
        if s.check.due > seen_on or (s.state is CheckState.DONE and s.check not in done_then)
    )


def _failure(
    record: PatientRecord, decision: DeEscalationDecision, on: date, rules: RereviewRules
) -> Episode | None:
    """The episode the decision started, when it failed by *on*."""
    slack = rules.follow_up.tolerance.days
    found = _episode_of(episodes(record, on, rules.outcomes), decision, slack)
    if found is None or found.failed_on is None or found.failed_on > on:
        return None
    return found


def _episode_of(
    candidates: Iterable[Episode], decision: DeEscalationDecision, slack_days: float
) -> Episode | None:
    """The episode starting nearest the decision's effective date (within *slack_days*)."""
    drug = decision.target.drug if decision.target else None
    near = [
        e
        for e in candidates
        if abs((e.start - decision.effective).days) <= slack_days
        and (drug is None or e.drug is drug)
    ]
    return min(near, key=lambda e: abs((e.start - decision.effective).days)) if near else None


def _relapse_signal(flare: FlareAssessment, failure: Episode | None) -> date | None:
    """The day the latest relapse signal appeared, or None when there is none."""
    days: list[date] = []
    if failure is not None and failure.failed_on is not None:
        days.append(failure.failed_on)
    if flare.status in _FLAGGED:
        warning = flare.early_warning.latest
        if flare.onset is not None:
            days.append(flare.onset)
        elif warning is not None:
            days.append(warning.collected_at.date())
    days += [
        c.observation.collected_at.date()
        for c in flare.components
        if c.result is ChecklistResult.MET and c.observation is not None
    ]
    return max(days) if days else None
