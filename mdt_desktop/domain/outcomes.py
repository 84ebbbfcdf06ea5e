"""What happened after each de-escalation: failure (and why), time to it, and recapture.

An *episode* starts on the first day of an anti-TNF maintenance period whose regimen is of lower
intensity than the period before it, of the same drug (ARCHITECTURE §3) — whether the change was
decided in the MDT or imported. It fails on the first of (Little et al.'s definition, [S38]):

- re-escalation: a later period of the same drug at a higher intensity than the reduced one;
- clinical-trial enrolment;
- a systemic steroid course starting;
- IBD surgery;
- stopping or switching the drug for lack of effect (a course that ends without a following
  period of the same drug, unless its end reason says it was stopped for another reason).

Follow-up runs to the failure, else to *as_of*. A further reduction while still de-escalated
(q8w, then q10w) continues the episode; a de-escalation after a failure (re-escalated, then
reduced again) is a new one. Recapture after a re-escalation is faecal calprotectin and CRP both
back in range within the configured window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    Drug,
    DrugClass,
    EndReason,
    EventKind,
    IbdType,
)
from mdt_desktop.domain.history import anti_tnf_maintenance, months_between
from mdt_desktop.domain.records import MedicationPeriod, Observation, PatientRecord
from mdt_desktop.domain.regimens import Regimen, RegimenChange, classify_change
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH, Thresholds

# A course that ends for one of these reasons was not stopped for lack of effect.
NOT_A_FAILURE_END = frozenset(
    {EndReason.ADVERSE_EVENT, EndReason.PATIENT_CHOICE, EndReason.ELECTIVE_STOP}
)


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
            FailureReason.STOPPED: "Stopped or switched",
        }[self]


@dataclass(frozen=True, slots=True)
class OutcomeRules:
    """The configurable parts of the outcome definitions (thresholds.toml)."""

    failure_months: float = 12.0
    recapture_months: float = 6.0
    recapture_calprotectin: float = 250.0  # ug/g, below
    recapture_crp: float = 5.0  # mg/L, below

    @classmethod
    def from_thresholds(cls, thresholds: Thresholds) -> OutcomeRules:
        return cls(
            failure_months=thresholds["failure_window"].value,
            recapture_months=thresholds["recapture_window"].value,
            recapture_calprotectin=thresholds["recapture_calprotectin"].value,
            recapture_crp=thresholds["recapture_crp"].value,
        )


@dataclass(frozen=True, slots=True)
class Episode:
    """One de-escalation and what followed it.

    ``months`` is the time to failure, or to the end of follow-up when there was none (censored).
    ``recaptured`` is None unless the episode failed by re-escalation; then False until markers
    are back in range, and None while the window is still open without them.
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

    @property
    def months(self) -> float:
        """Months to failure, or of follow-up without failure."""
        return months_between(self.start, self.failed_on or self.follow_up_end)

    @property
    def failed(self) -> bool:
        return self.failed_on is not None

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
    """Every de-escalation episode of *record*, oldest first, followed up to *as_of*."""
    course = [p for p in anti_tnf_maintenance(record.medications) if p.start <= as_of]
    starts = [
        index
        for index in range(1, len(course))
        if _contiguous(course[index - 1], course[index])
        and classify_change(course[index - 1].regimen, course[index].regimen)
        is RegimenChange.DE_ESCALATION
    ]
    found: list[Episode] = []
    for index in starts:
        last = found[-1] if found else None
        if last is not None and (last.failed_on is None or course[index].start <= last.failed_on):
            continue  # a further reduction while still de-escalated: the same episode goes on
        found.append(_episode(record, course, index, as_of, rules))
    return found


def _contiguous(previous: MedicationPeriod, current: MedicationPeriod) -> bool:
    """The same drug with no more than a dosing interval between the two periods."""
    if previous.drug is not current.drug:
        return False
    if previous.end is None:
        return True
    gap = (current.start - previous.end).days
    return gap <= max(previous.interval_days, 1)


def _episode(
    record: PatientRecord,
    course: Sequence[MedicationPeriod],
    index: int,
    as_of: date,
    rules: OutcomeRules,
) -> Episode:
    reduced = course[index]
    start = reduced.start
    end = as_of
    candidates = [
        *_re_escalation_or_stop(course, index, end),
        *_events_after(record, start, end),
        *_steroids_after(record.medications, start, end),
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
        end,
        failure[0] if failure else None,
        failure[1] if failure else None,
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


Candidate = tuple[date, FailureReason]


def _re_escalation_or_stop(
    course: Sequence[MedicationPeriod], index: int, end: date
) -> list[Candidate]:
    """The first later period of the drug above the reduced intensity, or the course's end."""
    reduced = course[index]
    previous = reduced
    for period in course[index + 1 :]:
        if period.start > end or not _contiguous(previous, period):
            break
        if classify_change(reduced.regimen, period.regimen) is RegimenChange.ESCALATION:
            return [(period.start, FailureReason.RE_ESCALATION)]
        previous = period
    stopped = previous.end
    if stopped is None or stopped > end:
        return []
    if (
        previous.end_reason in NOT_A_FAILURE_END
        or previous.end_reason is EndReason.COURSE_COMPLETED
    ):
        return []
    return [(stopped, FailureReason.STOPPED)]


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
