"""Meetings as they are read: the picker list, the board of one meeting and its readiness.

Services build these from the database (services/meetings.py, services/signoff.py,
services/patients.py); the screens, the presenters, the reports and the command line read them.
They live in the domain so that reports and screens never import a service to name what a
service returns (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.carry_over import OpenAction
from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.consensus import Quorum
from mdt_desktop.domain.enums import CaseStatus, MeetingStatus, Outcome
from mdt_desktop.domain.new_data import NewData
from mdt_desktop.domain.records import (
    Annotation,
    CaseSummary,
    MeetingRecord,
    PatientRecord,
)
from mdt_desktop.domain.rereview import Rereview
from mdt_desktop.domain.risk import RiskFinding
from mdt_desktop.domain.snapshot import SnapshotStamp
from mdt_desktop.domain.summary import PatientSummary


@dataclass(frozen=True, slots=True)
class MeetingListItem:
    """One line of the meeting picker."""

    id: int
    meeting_date: date
    status: MeetingStatus
    cases: int


@dataclass(frozen=True, slots=True)
class MeetingRef:
    """A meeting by id and date."""

    id: int
    meeting_date: date


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """Everything the meeting screen shows for one case."""

    case: CaseSummary
    record: PatientRecord
    summary: PatientSummary
    overall: Overall
    risks: tuple[RiskFinding, ...]
    meeting_date: date
    meeting_status: MeetingStatus
    annotations: tuple[Annotation, ...] = ()  # every version of every annotation of the patient
    snapshot: SnapshotStamp | None = None  # the evidence frozen at sign-off this was built from
    new_data: tuple[NewData, ...] = ()  # in the live record but not in what the decision saw
    # due back after an earlier de-escalation: for a signed-off case, as frozen at sign-off
    rereview: Rereview | None = None

    @property
    def frozen(self) -> bool:
        """True when record, checklist, risks and annotations are the ones frozen at sign-off."""
        return self.snapshot is not None


@dataclass(frozen=True, slots=True)
class MeetingBoard:
    """A meeting with the full detail of every case, in list order."""

    meeting: MeetingRecord
    cases: tuple[CaseDetail, ...]
    open_actions: tuple[OpenAction, ...] = ()  # from earlier meetings (services/open_actions.py)

    def index_of(self, hospital_number: str) -> int | None:
        """Return the position in the list of the case of *hospital_number*, if listed.

        Hospital numbers are matched in any case ("rx001" finds "RX001"); an exact match wins
        when two listed numbers differ only in case.
        """
        wanted = hospital_number.strip()
        numbers = [detail.case.patient.hospital_number for detail in self.cases]
        if wanted in numbers:
            return numbers.index(wanted)
        folded = [index for index, n in enumerate(numbers) if n.casefold() == wanted.casefold()]
        return folded[0] if len(folded) == 1 else None


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the meeting can be signed off, and the quorum at the table."""

    problems: tuple[str, ...]
    quorum: Quorum

    @property
    def ready(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """One MDT review of a patient: when, in which state, and what was decided."""

    meeting_date: date
    meeting_status: MeetingStatus
    case_status: CaseStatus
    outcome: Outcome | None
