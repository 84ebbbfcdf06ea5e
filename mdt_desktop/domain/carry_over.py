"""Carrying work over to the next meeting: cases not decided, and actions not yet done.

A signed-off meeting's deferred and undiscussed cases are offered for the next meeting (cases
decided "defer for investigation" are offered too, unticked: they usually wait for a result).
Actions stay open until done; the next meeting lists the ones still open when it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mdt_desktop.domain.enums import CaseStatus, MeetingStatus, Outcome
from mdt_desktop.domain.records import Patient

MAX_REASON = 120  # case_reviews.added_reason and case_carry_overs.reason


def next_meeting_date(after: date, interval_days: float) -> date:
    """The date a meeting *interval_days* after *after* falls on, kept on the same weekday."""
    weeks = max(1, round(interval_days / 7))
    return after + timedelta(weeks=weeks)


def why_offered(status: CaseStatus, outcome: Outcome | None, detail: str = "") -> str:
    """Why a case is offered again, e.g. ``deferred: awaiting ultrasound`` or ``not discussed``."""
    if status is CaseStatus.DEFERRED:
        return f"deferred: {detail.strip()}" if detail.strip() else "deferred"
    if status is CaseStatus.PENDING:
        return "not discussed"
    return f"decision: {outcome.label.lower()}" if outcome else "discussed"


def carry_reason(from_date: date, why: str) -> str:
    """The reason a carried-over case is listed, e.g. ``Carried over from 28 Oct 2026 (deferred)``.

    Shortened with an ellipsis to fit the database column.
    """
    text = f"Carried over from {from_date:%d %b %Y} ({why})"
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 2].rstrip() + "…)"


@dataclass(frozen=True, slots=True)
class CarryOverCandidate:
    """One case of a signed-off meeting that may be listed at the next meeting."""

    case_id: int
    position: int
    patient: Patient
    status: CaseStatus
    why: str  # see why_offered
    proposed: bool  # ticked when offered
    blocked: str = ""  # why it cannot be carried over ("" when it can)


@dataclass(frozen=True, slots=True)
class CarryOverTarget:
    """The meeting the cases go to: an existing planned one, or one to be planned."""

    meeting_id: int | None  # None: a new meeting will be planned on meeting_date
    meeting_date: date
    chair: str
    status: MeetingStatus = MeetingStatus.PLANNED

    @property
    def new(self) -> bool:
        return self.meeting_id is None

    @property
    def label(self) -> str:
        """E.g. ``the MDT of Wed 25 Nov 2026 (planned)`` or ``a new MDT on …``."""
        if self.new:
            return f"a new MDT on {self.meeting_date:%a %d %b %Y}, chaired by {self.chair}"
        status = self.status.value.replace("_", " ")
        return f"the MDT of {self.meeting_date:%a %d %b %Y} ({status})"


@dataclass(frozen=True, slots=True)
class CarryOverPlan:
    """What can be carried over from one signed-off meeting, and where to."""

    meeting_id: int
    meeting_date: date
    candidates: tuple[CarryOverCandidate, ...]
    target: CarryOverTarget

    @property
    def proposed(self) -> tuple[CarryOverCandidate, ...]:
        return tuple(c for c in self.candidates if c.proposed and not c.blocked)


@dataclass(frozen=True, slots=True)
class CarryOverResult:
    """What a carry-over did."""

    meeting_id: int
    meeting_date: date
    created: bool  # the target meeting was planned by this carry-over
    carried: tuple[str, ...]  # hospital numbers listed
    skipped: tuple[str, ...]  # "DEMO10004: already on the list…"

    @property
    def message(self) -> str:
        """One line for the status bar."""
        where = f"{'new ' if self.created else ''}MDT of {self.meeting_date:%d %b %Y}"
        count = len(self.carried)
        text = f"{count} case{'s' if count != 1 else ''} carried over to the {where}."
        if self.skipped:
            text += f" Not carried over: {'; '.join(self.skipped)}."
        return text


@dataclass(frozen=True, slots=True)
class OpenAction:
    """An action agreed at an earlier meeting, as the list of a later meeting shows it.

    ``done_at`` is the action's state when the list was drawn up (at sign-off for a signed-off
    meeting, else now); ``done_now`` is its state today.
    """

    id: int
    patient: Patient
    description: str
    owner: str
    owner_id: int
    due: date | None
    from_meeting_id: int
    from_meeting_date: date
    done_at: datetime | None = None
    done_now: datetime | None = None

    def overdue(self, on: date) -> bool:
        """True when it was due before *on* and was not done by then."""
        return self.due is not None and self.due < on and self.done_at is None

    def status(self, on: date) -> str:
        """``open``, ``overdue`` or ``done 12 Nov 2026`` (as the list stands)."""
        if self.done_at is not None:
            return f"done {self.done_at:%d %b %Y}"
        return "overdue" if self.overdue(on) else "open"


def still_open(actions: tuple[OpenAction, ...]) -> tuple[OpenAction, ...]:
    """The actions not done today."""
    return tuple(a for a in actions if a.done_now is None)
