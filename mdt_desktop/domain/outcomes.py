"""What happened after each de-escalation: failure (and why), censoring, time to it, recapture.

An *episode* starts on the first day of an anti-TNF maintenance period whose regimen is of lower
intensity than the period before it in the same course, of the same drug and route
(docs/clinical.md, "Medication episodes") — whether the change was decided in the MDT or
imported. Induction (recorded, single doses, or induction-shaped at the start of a course) is
never compared, so starting maintenance is never a de-escalation (domain/history.py).

It fails on the first of (Little et al.'s definition, docs/clinical.md, "Outcome audit"):

- re-escalation: a later period of the course, same drug, at a higher intensity than the
  reduced one;
- clinical-trial enrolment;
- a systemic steroid course starting;
- IBD surgery;
- the course ending, without a following period, for lack or loss of effect.

Follow-up is *censored* (the episode leaves the curve without failing) on the first of:

- the course ending for any other reason (adverse event, pregnancy, the patient's choice, an
  elective stop, a completed course, other), or with no reason recorded — counted apart so the
  team can chase it;
- a change of route within the molecule (infliximab IV to SC): intensities of two routes
  cannot be compared;
- loss to follow-up (``censor_lost``): no contact for longer than the configured window before
  the audit date censors the episode at the last contact (docs/clinical.md, "Loss to
  follow-up");
- the audit date.

A further reduction while still de-escalated (q8w, then q10w) continues the episode; a
de-escalation after a failure or a censoring (re-escalated, then reduced again) is a new one.
Recapture after a re-escalation is faecal calprotectin and CRP both back in range within the
configured window. A single dose later in a course (a rescue infusion) is not a regimen change
and not a failure by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.contacts import Contact, gone_quiet, last_contact, seen_since
from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    Drug,
    DrugClass,
    EndReason,
    EventKind,
    IbdType,
)
from mdt_desktop.domain.history import by_molecule, joins, maintenance_periods, months_between
from mdt_desktop.domain.records import MedicationPeriod, Observation, PatientRecord
from mdt_desktop.domain.regimens import Regimen, RegimenCatalogue, RegimenChange, classify_change
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH, Threshold, Thresholds

if TYPE_CHECKING:
    from mdt_desktop.domain.config import ClinicalConfig

LOST_KEY = "lost_to_follow_up_after"


class FailureReason(StrEnum):
    """Why a de-escalation failed (the keys of ``failure_reasons`` in ``audit --json``)."""

    RE_ESCALATION = "re_escalation"
    TRIAL_ENROLMENT = "trial_enrolment"
    STEROIDS = "steroids"
    SURGERY = "surgery"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return {
            FailureReason.RE_ESCALATION: "Re-escalated",
            FailureReason.TRIAL_ENROLMENT: "Entered a clinical trial",
            FailureReason.STEROIDS: "Systemic steroids",
            FailureReason.SURGERY: "IBD surgery",
            FailureReason.STOPPED: "Stopped for lack of effect",
        }[self]


class CensorReason(StrEnum):
    """Why follow-up of an episode without failure ended (the keys of ``censored``)."""

    FOLLOWED_TO_AUDIT_DATE = "followed_to_audit_date"
    STOPPED_OTHER_REASON = "stopped_other_reason"
    STOP_REASON_NOT_RECORDED = "stop_reason_not_recorded"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"
    ROUTE_CHANGED = "route_changed"

    @property
    def label(self) -> str:
        return {
            CensorReason.FOLLOWED_TO_AUDIT_DATE: "Followed to the audit date",
            CensorReason.STOPPED_OTHER_REASON: "Stopped for another reason",
            CensorReason.STOP_REASON_NOT_RECORDED: "Stopped, reason not recorded",
            CensorReason.LOST_TO_FOLLOW_UP: "Lost to follow-up",
            CensorReason.ROUTE_CHANGED: "Route changed",
        }[self]


@dataclass(frozen=True, slots=True)
class OutcomeRules:
    """The configurable parts of the outcome definitions (thresholds.toml, regimens.toml).

    ``lost_after`` is ``lost_to_follow_up_after`` (None: no censoring for loss to follow-up);
    ``regimens`` brings the label induction schedules, the standard regimens and the course
    slack ``dose_gap_tolerance`` (None: only recorded induction is recognised and periods join
    without slack). ``from_config`` gives both.
    """

    failure_months: float = 12.0
    recapture_months: float = 6.0
    recapture_calprotectin: float = 250.0  # ug/g, below
    recapture_crp: float = 5.0  # mg/L, below
    lost_after: Threshold | None = None
    regimens: RegimenCatalogue | None = None

    @classmethod
    def from_thresholds(
        cls, thresholds: Thresholds, regimens: RegimenCatalogue | None = None
    ) -> OutcomeRules:
        """The rules from *thresholds* (and *regimens*, for induction and the course slack)."""
        return cls(
            failure_months=thresholds["failure_window"].value,
            recapture_months=thresholds["recapture_window"].value,
            recapture_calprotectin=thresholds["recapture_calprotectin"].value,
            recapture_crp=thresholds["recapture_crp"].value,
            lost_after=thresholds.values.get(LOST_KEY),
            regimens=regimens,
        )

    @classmethod
    def from_config(cls, config: ClinicalConfig) -> OutcomeRules:
        """The rules of the whole clinical configuration."""
        return cls.from_thresholds(config.thresholds, config.regimens)

    @property
    def gap_days(self) -> float:
        """The slack between two periods of one course, in days."""
        return self.regimens.course_gap_days if self.regimens is not None else 0.0


@dataclass(frozen=True, slots=True)
class Episode:
    """One de-escalation and what followed it.

    ``follow_up_end`` is the end of observation: the audit date, or the earlier day follow-up
    was censored (``follow_up_ended`` says why). ``months`` is the time to failure, or to the end
    of follow-up when there was none (censored). ``stop_reason`` is the recorded reason when the
    course stopped for a reason other than lack of effect. ``recaptured`` is None unless the
    episode failed by re-escalation; then False until markers are back in range, and None
    while the window is still open without them.
    """

    hospital_number: str
    ibd_type: IbdType
    drug: Drug
    start: date
    before: Regimen
    after: Regimen
    follow_up_end: date
    failed_on: date | None = None
    reason: FailureReason | None = None
    recaptured: bool | None = None
    recaptured_on: date | None = None
    follow_up_ended: CensorReason = CensorReason.FOLLOWED_TO_AUDIT_DATE
    stop_reason: EndReason | None = None

    @property
    def months(self) -> float:
        """Months to failure, or of follow-up without failure."""
        return months_between(self.start, self.failed_on or self.follow_up_end)

    @property
    def failed(self) -> bool:
        return self.failed_on is not None

    @property
    def censored_on(self) -> date | None:
        """The day the episode left follow-up without failing; None when it failed."""
        return None if self.failed else self.follow_up_end

    @property
    def censor_reason(self) -> CensorReason | None:
        """Why the episode was censored; None when it failed."""
        return None if self.failed else self.follow_up_ended

    def failed_within(self, months: float) -> bool:
        return self.failed_on is not None and self.months <= months

    def evaluable_at(self, months: float) -> bool:
        """Known at *months*: failed by then, or followed at least that long."""
        return (
            self.failed_within(months) or months_between(self.start, self.follow_up_end) >= months
        )

    def maintained_at(self, months: float) -> bool:
        """Evaluable at *months* and still on the reduced regimen then."""
        return self.evaluable_at(months) and not self.failed_within(months)


def episodes(record: PatientRecord, as_of: date, rules: OutcomeRules) -> list[Episode]:
    """Every de-escalation episode of *record*, oldest first, followed up to *as_of*.

    Failures and the censorings the medication history shows (a stop for another reason, a
    change of route) are applied; loss to follow-up is not (see ``audit_episodes``).
    """
    found: list[Episode] = []
    for course in by_molecule(maintenance_periods(record.medications, rules.regimens)):
        found += _course_episodes(record, course, as_of, rules)
    return sorted(found, key=lambda e: e.start)


def _course_episodes(
    record: PatientRecord, course: Sequence[MedicationPeriod], as_of: date, rules: OutcomeRules
) -> list[Episode]:
    """The episodes within the maintenance periods of one molecule (*course*, oldest first)."""
    gap = rules.gap_days
    starts = [
        index
        for index in range(1, len(course))
        if course[index].start <= as_of
        and joins(course[index - 1], course[index], gap)
        and classify_change(course[index - 1].regimen, course[index].regimen)
        is RegimenChange.DE_ESCALATION
    ]
    found: list[Episode] = []
    for index in starts:
        last = found[-1] if found else None
        if last is not None and course[index].start <= (last.failed_on or last.follow_up_end):
            continue  # a further reduction while still de-escalated: the same episode goes on
        found.append(_episode(record, course, index, as_of, rules))
    return found


def audit_episodes(
    record: PatientRecord, as_of: date, rules: OutcomeRules, reviews: Iterable[date] = ()
) -> list[Episode]:
    """The episodes of *record* as the outcome audit counts them, loss to follow-up included.

    Args:
        record: The patient's full record.
        as_of: The audit date.
        rules: The outcome rules.
        reviews: Dates of MDT meetings at which the patient's case was discussed (contacts).
    """
    found = episodes(record, as_of, rules)
    return censor_lost(found, last_contact(record, as_of, reviews), as_of, rules)


def censor_lost(
    found: Sequence[Episode], contact: Contact | None, as_of: date, rules: OutcomeRules
) -> list[Episode]:
    """*found* with loss to follow-up applied (docs/clinical.md, "Loss to follow-up").

    When the audit date is more than ``lost_to_follow_up_after`` after the last contact, an
    episode still open at the audit date (no failure, stop or change of route recorded) is
    censored at that contact, even though the EHR may still list the drug as active. A recorded
    failure or stop stands whenever it happened: the record of it is itself a clinical fact. The
    first day of the reduced regimen counts as a contact: an episode without any later one is
    censored on its first day.

    Args:
        found: Episodes of one patient (from ``episodes``).
        contact: The patient's last contact on or before *as_of*, if any.
        as_of: The audit date.
        rules: ``lost_after`` is the window (None: nothing is changed).
    """
    window = rules.lost_after
    if window is None:
        return list(found)
    return [_lost(episode, contact, as_of, window) for episode in found]


def _lost(episode: Episode, contact: Contact | None, as_of: date, window: Threshold) -> Episode:
    # A recorded failure, stop or change of route is itself a dated clinical fact: only an
    # episode still open at the audit date can have been lost.
    if episode.failed or episode.follow_up_ended is not CensorReason.FOLLOWED_TO_AUDIT_DATE:
        return episode
    seen = min(seen_since(contact, episode.start), as_of)
    if not gone_quiet(seen, as_of, window):
        return episode
    return replace(episode, follow_up_end=seen, follow_up_ended=CensorReason.LOST_TO_FOLLOW_UP)


Candidate = tuple[date, FailureReason]


@dataclass(frozen=True, slots=True)
class _CourseEnd:
    """How the reduced regimen's course went on: a failure it shows, or where it was censored."""

    failure: Candidate | None
    end: date
    ended: CensorReason = CensorReason.FOLLOWED_TO_AUDIT_DATE
    stop_reason: EndReason | None = None


def _episode(
    record: PatientRecord,
    course: Sequence[MedicationPeriod],
    index: int,
    as_of: date,
    rules: OutcomeRules,
) -> Episode:
    reduced = course[index]
    start = reduced.start
    after = _after(course, index, as_of, rules.gap_days)
    candidates = [
        *([after.failure] if after.failure else []),
        *_events_after(record, start, after.end),
        *_steroids_after(record.medications, start, after.end),
    ]
    failure = (
        min(candidates, key=lambda c: (c[0], list(FailureReason).index(c[1])))
        if candidates
        else None
    )
    episode = Episode(
        record.patient.hospital_number,
        record.patient.ibd_type,
        reduced.drug,
        start,
        course[index - 1].regimen,
        reduced.regimen,
        after.end,
        failure[0] if failure else None,
        failure[1] if failure else None,
        follow_up_ended=after.ended,
        stop_reason=after.stop_reason if failure is None else None,
    )
    if episode.reason is FailureReason.RE_ESCALATION and episode.failed_on is not None:
        recaptured_on = _recaptured_on(record.observations, episode.failed_on, as_of, rules)
        window_end = episode.failed_on + _months(rules.recapture_months)
        settled = recaptured_on is not None or window_end <= as_of
        return _with_recapture(episode, recaptured_on, settled)
    return episode


def _with_recapture(episode: Episode, recaptured_on: date | None, settled: bool) -> Episode:
    if recaptured_on is not None:
        return replace(episode, recaptured=True, recaptured_on=recaptured_on)
    return replace(episode, recaptured=False if settled else None)


def _after(
    course: Sequence[MedicationPeriod], index: int, as_of: date, gap_days: float
) -> _CourseEnd:
    """Walk the course on from the reduced period: re-escalation, a change of route, or its end.

    A period of the course that starts after *as_of* means the course was still going then.
    """
    reduced = course[index]
    previous = reduced
    for period in course[index + 1 :]:
        if not joins(previous, period, gap_days):
            break
        if period.start > as_of:
            return _CourseEnd(None, as_of)
        if period.drug is not reduced.drug:
            return _CourseEnd(None, period.start, CensorReason.ROUTE_CHANGED)
        if classify_change(reduced.regimen, period.regimen) is RegimenChange.ESCALATION:
            return _CourseEnd((period.start, FailureReason.RE_ESCALATION), as_of)
        previous = period
    stopped = previous.end
    if stopped is None or stopped > as_of:
        return _CourseEnd(None, as_of)
    if previous.end_reason is EndReason.LACK_OF_EFFECT:
        return _CourseEnd((stopped, FailureReason.STOPPED), as_of)
    if previous.end_reason is None:
        return _CourseEnd(None, stopped, CensorReason.STOP_REASON_NOT_RECORDED)
    return _CourseEnd(None, stopped, CensorReason.STOPPED_OTHER_REASON, previous.end_reason)


def _events_after(record: PatientRecord, start: date, end: date) -> list[Candidate]:
    reasons = {
        EventKind.TRIAL_ENROLMENT: FailureReason.TRIAL_ENROLMENT,
        EventKind.SURGERY: FailureReason.SURGERY,
    }
    return [
        (event.occurred_on, reasons[event.kind])
        for event in record.events
        if event.kind in reasons and start < event.occurred_on <= end
    ]


def _steroids_after(periods: Iterable[MedicationPeriod], start: date, end: date) -> list[Candidate]:
    return [
        (period.start, FailureReason.STEROIDS)
        for period in periods
        if DRUGS[period.drug].drug_class is DrugClass.SYSTEMIC_STEROID
        and start < period.start <= end
    ]


def below(observation: Observation, limit: float) -> bool:
    """True when the value is certainly below *limit* (``<5`` is below 5; ``5`` is not)."""
    if observation.comparator in (Comparator.LT, Comparator.LE):
        return observation.value <= limit
    if observation.comparator in (Comparator.GT, Comparator.GE):
        return False
    return observation.value < limit


def _recaptured_on(
    observations: Iterable[Observation], re_escalated: date, as_of: date, rules: OutcomeRules
) -> date | None:
    """The day by which both calprotectin and CRP were back in range, within the window."""
    window_end = min(re_escalated + _months(rules.recapture_months), as_of)
    in_window = [o for o in observations if re_escalated < o.collected_at.date() <= window_end]
    limits = {
        Analyte.FAECAL_CALPROTECTIN: rules.recapture_calprotectin,
        Analyte.CRP: rules.recapture_crp,
    }
    first: dict[Analyte, date] = {}
    for observation in sorted(in_window, key=lambda o: o.collected_at):
        limit = limits.get(observation.analyte)
        if limit is not None and observation.analyte not in first and below(observation, limit):
            first[observation.analyte] = observation.collected_at.date()
    return max(first.values()) if len(first) == len(limits) else None


def _months(months: float) -> timedelta:
    return timedelta(days=round(months * DAYS_PER_MONTH))
