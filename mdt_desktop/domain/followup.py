"""The follow-up worklist: de-escalated patients in their first year, flags and planned checks.

A patient whose de-escalation failed by re-escalation stays on the list for the recapture watch:
until calprotectin and CRP are both back in range, or the recapture window has passed
(``recapture_window``; docs/clinical.md, "Outcome audit").

Plain Python. A row brings together the de-escalation episode (domain/outcomes.py), the flare
flags (domain/flare.py), the patient's last contact (domain/contacts.py) and the monitoring plan's
checks: each check is done when every analyte it names has a result within
``monitoring_check_tolerance`` of its due date, due while that window is open, overdue once it
has closed without one (an ultrasound scan counts for bowel wall thickness). A patient with no
contact for longer than ``lost_to_follow_up_after`` has *gone quiet* (docs/clinical.md, "Loss to
follow-up"): the one flag the worklist gives for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS
from mdt_desktop.domain.contacts import Contact, gone_quiet, seen_since
from mdt_desktop.domain.enums import Analyte, Drug, EventKind, IbdType
from mdt_desktop.domain.flare import (
    FlareAssessment,
    FlareRules,
    FlareStatus,
    assess_flare,
    day_text,
    reading_text,
)
from mdt_desktop.domain.history import months_between
from mdt_desktop.domain.outcomes import CensorReason, Episode, FailureReason
from mdt_desktop.domain.readings import latest
from mdt_desktop.domain.records import Observation, PatientRecord, PlannedCheck
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.thresholds import Threshold, Thresholds

IMAGING_EVENTS = {Analyte.IUS_BOWEL_WALL_MM: EventKind.ULTRASOUND}  # a scan counts as the check


@dataclass(frozen=True, slots=True)
class FollowUpRules:
    """The thresholds the worklist reads (resources/thresholds.toml)."""

    flare: FlareRules
    tolerance: Threshold  # monitoring_check_tolerance
    failure_window: Threshold
    lost_after: Threshold  # lost_to_follow_up_after: no contact for longer = gone quiet
    recapture: Threshold | None = None  # recapture_window: the watch after a re-escalation

    @classmethod
    def from_thresholds(cls, thresholds: Thresholds) -> FollowUpRules:
        return cls(
            FlareRules.from_thresholds(thresholds),
            thresholds["monitoring_check_tolerance"],
            thresholds["failure_window"],
            thresholds["lost_to_follow_up_after"],
            thresholds.values.get("recapture_window"),
        )

    def recapture_until(self, re_escalated: date) -> date | None:
        """The last day of the recapture watch after a re-escalation on *re_escalated*."""
        if self.recapture is None:
            return None
        return re_escalated + timedelta(days=round(self.recapture.days))


# --- monitoring checks ------------------------------------------------------------------------


class CheckState(StrEnum):
    """Where one planned check stands on a day."""

    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"
    MANUAL = "not tracked"  # the check names no test (typed in at the meeting): see the record


@dataclass(frozen=True, slots=True)
class CheckStatus:
    """One planned check: its window, the results that count for it and what is missing."""

    check: PlannedCheck
    state: CheckState
    opens: date
    closes: date
    found: tuple[str, ...] = ()  # e.g. "FCP 57 ug/g on 19 Sep 2026"
    missing: tuple[str, ...] = ()  # labels of analytes without a result in the window

    @property
    def text(self) -> str:
        window = f"{day_text(self.opens)} – {day_text(self.closes)}"
        parts = [
            f"{self.check.label}: due {day_text(self.check.due)} (window {window}) — {self.state}"
        ]
        if self.found:
            parts.append("results: " + "; ".join(self.found))
        if self.missing and self.state is not CheckState.UPCOMING:
            parts.append("no result for " + ", ".join(self.missing))
        return "; ".join(parts)


def check_statuses(
    plan: Iterable[PlannedCheck], record: PatientRecord, as_of: date, tolerance: Threshold
) -> tuple[CheckStatus, ...]:
    """Each check of *plan* on *as_of*, in due-date order."""
    slack = timedelta(days=round(tolerance.days))
    return tuple(
        _check_status(check, record, as_of, check.due - slack, check.due + slack)
        for check in sorted(plan, key=lambda c: (c.due, c.label))
    )


def _check_status(
    check: PlannedCheck, record: PatientRecord, as_of: date, opens: date, closes: date
) -> CheckStatus:
    last = min(closes, as_of)
    found: list[str] = []
    missing: list[str] = []
    for name in check.analytes:
        analyte = _analyte(name)
        result = _closest(record, analyte, check.due, opens, last) if analyte else None
        label = ANALYTES[analyte].label if analyte else name
        (found if result else missing).append(result or label)
    if not check.analytes:
        state = CheckState.MANUAL
    elif not missing:
        state = CheckState.DONE
    elif as_of < opens:
        state = CheckState.UPCOMING
    else:
        state = CheckState.DUE if as_of <= closes else CheckState.OVERDUE
    return CheckStatus(check, state, opens, closes, tuple(found), tuple(missing))


def _analyte(name: str) -> Analyte | None:
    try:
        return Analyte(name)
    except ValueError:  # a stored plan may name something this version does not know
        return None


def _closest(
    record: PatientRecord, analyte: Analyte, due: date, opens: date, last: date
) -> str | None:
    """The result (or, for ultrasound, the scan) nearest *due* between *opens* and *last*."""
    short = ANALYTES[analyte].short
    options: list[tuple[int, str]] = [
        (abs((o.collected_at.date() - due).days), f"{short} {reading_text(o)}")
        for o in record.series(analyte)
        if opens <= o.collected_at.date() <= last
    ]
    kind = IMAGING_EVENTS.get(analyte)
    if kind is not None:
        options += [
            (abs((e.occurred_on - due).days), f"ultrasound on {day_text(e.occurred_on)}")
            for e in record.events_of(kind)
            if opens <= e.occurred_on <= last
        ]
    return min(options)[1] if options else None


# --- the worklist row ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    """One de-escalated patient in their first year, as the follow-up worklist shows them."""

    hospital_number: str
    name: str
    diagnosis: IbdType
    drug: Drug
    before: Regimen
    after: Regimen
    since: date
    months: float
    calprotectin: Observation | None
    crp: Observation | None
    level: Observation | None
    flare: FlareAssessment
    checks: tuple[CheckStatus, ...]
    plan_source: str  # which monitoring plan the checks come from
    listed_on: date | None = None  # the planned meeting the patient is already listed for
    initials: str = ""  # what the room screen shows instead of the name
    last_contact: Contact | None = None  # the latest result, dose, procedure or MDT review
    seen: date | None = None  # the last contact, or the de-escalation when none came after it
    quiet: bool = False  # no contact for longer than lost_to_follow_up_after
    re_escalated_on: date | None = None  # the de-escalation failed by re-escalation that day
    recaptured: bool | None = None  # after a re-escalation: None while the watch is open
    recaptured_on: date | None = None
    recapture_until: date | None = None  # the last day of the recapture watch

    @property
    def watching_recapture(self) -> bool:
        """Re-escalated, and recapture not yet reached nor ruled out."""
        return self.re_escalated_on is not None and self.recaptured is None

    @property
    def recapture_text(self) -> str:
        """E.g. ``Re-escalated 02 Mar 2027: recapture pending until 31 Aug 2027`` ('' if not)."""
        if self.re_escalated_on is None:
            return ""
        head = f"Re-escalated {day_text(self.re_escalated_on)}"
        if self.recaptured and self.recaptured_on is not None:
            return f"{head}: recaptured on {day_text(self.recaptured_on)}"
        if self.recaptured is False:
            return f"{head}: not recaptured within the window"
        until = f" until {day_text(self.recapture_until)}" if self.recapture_until else ""
        return f"{head}: recapture pending{until}"

    @property
    def contact_text(self) -> str:
        """E.g. ``Result (CRP) on 03 Mar 2026``, or that nothing came after the de-escalation."""
        if self.last_contact is not None and self.seen == self.last_contact.on:
            return self.last_contact.text
        return f"No contact recorded since the de-escalation on {self.since:%d %b %Y}"

    @property
    def display_name(self) -> str:
        """The name as the record prints it (domain.identifiers names rows like patients)."""
        return self.name

    @property
    def status(self) -> FlareStatus:
        return self.flare.status

    @property
    def regimen_change(self) -> str:
        """E.g. ``IFX 5 mg/kg q6w → IFX 5 mg/kg q8w``."""
        return f"{self.before.short_label} → {self.after.short_label}"

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.checks if c.state is CheckState.OVERDUE)

    @property
    def next_check(self) -> CheckStatus | None:
        """The check to do next: one whose window is open, else the next to open."""
        for state in (CheckState.DUE, CheckState.UPCOMING):
            pending = [c for c in self.checks if c.state is state]
            if pending:
                return pending[0]
        return None

    @property
    def priority(self) -> tuple[int, int, int, int, int, date]:
        """Sort key: flags, recapture watch, gone quiet, overdue checks, unknowns; oldest first.

        A flare already answered by a re-escalation is not a flag to act on: the row is watched
        for recapture after the flags that still need the team.
        """
        rank = self.status.rank
        acted = self.re_escalated_on is not None
        flagged = rank if rank >= FlareStatus.EARLY_WARNING.rank and not acted else 0
        watched = int(self.watching_recapture)
        return (-flagged, -watched, -int(self.quiet), -self.overdue, -rank, self.since)


def in_recapture_watch(episode: Episode, as_of: date, rules: FollowUpRules) -> bool:
    """Failed by re-escalation within the failure window, and the recapture window open on *as_of*.

    docs/clinical.md, "Outcome audit": recapture is calprotectin and CRP back in range within
    ``recapture_window`` of a re-escalation that failed the de-escalation (within
    ``failure_window`` of its start, as the audit counts it).
    """
    failed_on = episode.failed_on
    if episode.reason is not FailureReason.RE_ESCALATION or failed_on is None:
        return False
    if months_between(episode.start, failed_on) > rules.failure_window.value:
        return False
    until = rules.recapture_until(failed_on)
    return failed_on <= as_of and until is not None and as_of <= until


def in_first_year(episode: Episode, as_of: date, rules: FollowUpRules) -> bool:
    """Still on the reduced regimen on *as_of*, and within the failure window of its start.

    Not failed, and not stopped or changed to another route (docs/clinical.md, "Outcome
    audit"): followed up to *as_of*.
    """
    return (
        not episode.failed
        and episode.follow_up_ended is CensorReason.FOLLOWED_TO_AUDIT_DATE
        and episode.start <= as_of
        and months_between(episode.start, as_of) <= rules.failure_window.value
    )


def follow_up_row(
    record: PatientRecord,
    episode: Episode,
    plan: Iterable[PlannedCheck],
    as_of: date,
    rules: FollowUpRules,
    *,
    plan_source: str,
    listed_on: date | None = None,
    contact: Contact | None = None,
) -> FollowUpRow:
    """The worklist row of one episode on *as_of*, with its checks read against *plan*.

    *contact* is the patient's last contact on or before *as_of* (domain/contacts.py).
    """
    level_analyte = DRUGS[episode.drug].level_analyte

    def last(analyte: Analyte | None) -> Observation | None:
        found = latest(record.observations, analyte, as_of, None) if analyte else None
        return found.observation if found else None

    patient = record.patient
    seen = min(seen_since(contact, episode.start), as_of)
    re_escalated = episode.failed_on if episode.reason is FailureReason.RE_ESCALATION else None
    return FollowUpRow(
        hospital_number=patient.hospital_number,
        name=patient.display_name,
        diagnosis=patient.ibd_type,
        drug=episode.drug,
        before=episode.before,
        after=episode.after,
        since=episode.start,
        months=months_between(episode.start, as_of),
        calprotectin=last(Analyte.FAECAL_CALPROTECTIN),
        crp=last(Analyte.CRP),
        level=last(level_analyte),
        flare=assess_flare(record, as_of, rules.flare, since=episode.start),
        checks=check_statuses(plan, record, as_of, rules.tolerance),
        plan_source=plan_source,
        listed_on=listed_on,
        initials=patient.initials,
        last_contact=contact,
        seen=seen,
        quiet=gone_quiet(seen, as_of, rules.lost_after),
        re_escalated_on=re_escalated,
        recaptured=episode.recaptured if re_escalated else None,
        recaptured_on=episode.recaptured_on if re_escalated else None,
        recapture_until=rules.recapture_until(re_escalated) if re_escalated else None,
    )


def worklist_order(rows: Iterable[FollowUpRow]) -> list[FollowUpRow]:
    """Flares and early warnings first, then overdue checks, then unknowns, then the rest."""
    return sorted(rows, key=lambda r: r.priority)
