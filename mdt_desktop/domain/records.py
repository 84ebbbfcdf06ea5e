"""Frozen records that leave the services: patients, medication, observations, events, meetings.

Plain Python only: no Qt, no SQLAlchemy. ``id`` is None until a record is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS
from mdt_desktop.domain.enums import (
    Analyte,
    AttendanceStatus,
    CaseStatus,
    ChecklistResult,
    Comparator,
    DoseUnit,
    Drug,
    DrugClass,
    EndReason,
    EventKind,
    IbdType,
    Interpretation,
    MeetingStatus,
    Outcome,
    Phase,
    Position,
    Role,
    Sex,
    SmokingStatus,
)
from mdt_desktop.domain.montreal import Montreal
from mdt_desktop.domain.regimens import Intensity, Regimen

UNITLESS = frozenset({"score", "grade", "count"})  # units a reading prints without


def whole_years(start: date, end: date) -> int:
    """Return completed years from *start* to *end* (an age)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


@dataclass(frozen=True, slots=True)
class Patient:
    """Demographics and disease characteristics of one patient."""

    id: int | None
    hospital_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: Sex
    ibd_type: IbdType
    diagnosis_date: date
    montreal: Montreal = field(default_factory=Montreal)
    smoking: SmokingStatus = SmokingStatus.UNKNOWN
    extraintestinal: tuple[str, ...] = ()
    prior_immunomodulator_failure: bool = False
    nhs_number: str | None = None
    is_demo: bool = False

    @property
    def display_name(self) -> str:
        """Return ``FAMILY, Given`` as printed on clinical documents."""
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()

    def age_on(self, day: date) -> int:
        """Return the patient's age in completed years on *day*."""
        return whole_years(self.date_of_birth, day)

    @property
    def age_at_diagnosis(self) -> int:
        return whole_years(self.date_of_birth, self.diagnosis_date)


@dataclass(frozen=True, slots=True)
class MedicationPeriod:
    """One drug at one regimen from *start* until *end* (None = ongoing)."""

    id: int | None
    drug: Drug
    dose_value: float
    dose_unit: DoseUnit
    interval_days: int
    start: date
    end: date | None = None
    phase: Phase = Phase.MAINTENANCE
    reason: str = ""
    end_reason: EndReason | None = None
    end_reason_detail: str = ""  # as the source said it (FHIR statusReason text or code)

    @property
    def regimen(self) -> Regimen:
        return Regimen(self.drug, self.dose_value, self.dose_unit, self.interval_days)

    @property
    def intensity(self) -> Intensity:
        """Derived dose intensity (mg/kg/week or mg/week); never typed in."""
        return self.regimen.intensity

    @property
    def drug_class(self) -> DrugClass:
        return DRUGS[self.drug].drug_class

    def active_on(self, day: date) -> bool:
        """True if the period covers *day* (the end date is exclusive)."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Observation:
    """One measured value in its canonical unit, with what was received kept alongside."""

    id: int | None
    analyte: Analyte
    value: float
    unit: str
    collected_at: datetime
    comparator: Comparator | None = None
    original_value: str = ""
    original_unit: str = ""
    source: str = ""
    assay: str | None = None
    target_drug: str | None = None
    abnormal_flag: str | None = None
    reference_range: str | None = None  # as the laboratory sent it, e.g. "<3.0" or "0-3"

    @property
    def label(self) -> str:
        return ANALYTES[self.analyte].label

    @property
    def display_value(self) -> str:
        """Return the value with its comparator, e.g. ``<2.5`` or ``6.2``."""
        text = f"{self.value:g}"
        return f"{self.comparator}{text}" if self.comparator else text

    @property
    def below_limit(self) -> bool:
        """True for results reported below the assay's limit (``<x``)."""
        return self.comparator in (Comparator.LT, Comparator.LE)


@dataclass(frozen=True, slots=True)
class ClinicalEvent:
    """A procedure or event on the timeline."""

    id: int | None
    kind: EventKind
    occurred_on: date
    description: str = ""
    is_resection: bool | None = None
    mucosal_healing: bool | None = None


@dataclass(frozen=True, slots=True)
class Administration:
    """One dose recorded as given (an infusion or injection): contact with the patient."""

    id: int | None
    drug: Drug
    given_on: date
    dose_value: float | None = None
    dose_unit: DoseUnit | None = None


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """A patient with their full history, oldest first."""

    patient: Patient
    medications: tuple[MedicationPeriod, ...] = ()
    observations: tuple[Observation, ...] = ()
    events: tuple[ClinicalEvent, ...] = ()
    administrations: tuple[Administration, ...] = ()

    def series(self, analyte: Analyte) -> tuple[Observation, ...]:
        """Return the observations of one analyte, oldest first."""
        return tuple(o for o in self.observations if o.analyte is analyte)

    def medications_of_class(self, drug_class: DrugClass) -> tuple[MedicationPeriod, ...]:
        return tuple(m for m in self.medications if m.drug_class is drug_class)

    def events_of(self, kind: EventKind) -> tuple[ClinicalEvent, ...]:
        return tuple(e for e in self.events if e.kind is kind)

    @property
    def resections(self) -> int:
        return sum(1 for e in self.events_of(EventKind.SURGERY) if e.is_resection)


@dataclass(frozen=True, slots=True)
class Clinician:
    """A member of the MDT roster."""

    id: int | None
    name: str
    role: Role
    active: bool = True
    is_demo: bool = False


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One fact behind a checklist result: value, unit, date, threshold and source."""

    label: str
    value: str
    unit: str = ""
    on: date | None = None
    threshold: str = ""
    sources: tuple[str, ...] = ()
    stale: bool = False

    def as_text(self) -> str:
        """Return a one-line reading, e.g. ``FCP 42 ug/g on 2026-10-02 (< 250 ug/g) [S43]``.

        A score is printed without its unit ("Partial Mayo score 1", not "1 score").
        """
        unit = "" if self.unit in UNITLESS else self.unit
        parts = [self.label, f"{self.value} {unit}".strip()]
        if self.on:
            parts.append(f"on {self.on.isoformat()}")
        if self.threshold:
            parts.append(f"({self.threshold})")
        if self.stale:
            parts.append("— too old")
        if self.sources:
            parts.append("[" + ", ".join(self.sources) + "]")
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class ChecklistAnswer:
    """One checklist item for one case: automatic result, and the team's confirmation."""

    item_key: str
    label: str
    automatic: ChecklistResult
    evidence: tuple[EvidenceItem, ...] = ()
    note: str = ""
    confirmed: ChecklistResult | None = None
    override_reason: str = ""
    answered_by: str | None = None
    answered_at: datetime | None = None

    @property
    def effective(self) -> ChecklistResult:
        """The confirmed value where the team gave one, else the automatic one."""
        return self.confirmed if self.confirmed is not None else self.automatic


@dataclass(frozen=True, slots=True)
class PlannedCheck:
    """One item of a monitoring plan: what to check and when."""

    label: str
    due: date
    analytes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """The consensus decision for one case."""

    id: int | None
    outcome: Outcome
    rationale: str
    decided_by: str
    decided_at: datetime
    target_regimen: Regimen | None = None
    effective_date: date | None = None
    dissent: str = ""
    monitoring: tuple[PlannedCheck, ...] = ()
    next_review: date | None = None
    amends_id: int | None = None
    amendment_reason: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """A follow-up task agreed at the meeting."""

    id: int | None
    description: str
    owner: str
    due: date | None
    done_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Annotation:
    """A pharmacist's annotation on one drug-level or antibody observation."""

    id: int | None
    observation_id: int
    analyte: Analyte
    observation_value: str
    observation_unit: str
    collected_at: datetime
    interpretation: Interpretation
    comment: str
    recommendation: str
    pharmacist: str
    created_at: datetime
    supersedes_id: int | None = None
    case_review_id: int | None = None


def current_annotations(annotations: tuple[Annotation, ...]) -> tuple[Annotation, ...]:
    """The versions that have not been superseded by a later edit."""
    superseded = {a.supersedes_id for a in annotations if a.supersedes_id}
    return tuple(a for a in annotations if a.id not in superseded)


@dataclass(frozen=True, slots=True)
class CaseNote:
    """A clinician's or nurse's note on a case."""

    id: int
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttendanceEntry:
    """One roster member's attendance at one meeting."""

    clinician_id: int
    name: str
    role: Role
    status: AttendanceStatus


@dataclass(frozen=True, slots=True)
class AttendeePosition:
    """One present attendee's position on a decision, with the role they attended in."""

    clinician_id: int
    name: str
    role: Role
    position: Position
    recorded_at: datetime
    decision_id: int
    comment: str = ""
    recorded_by: str = ""


@dataclass(frozen=True, slots=True)
class CarriedFrom:
    """Where a case carried over to a later meeting came from, and why."""

    case_id: int
    meeting_date: date
    reason: str


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One case of a meeting, with everything the meeting recorded about it."""

    id: int
    position: int
    patient: Patient
    status: CaseStatus
    checklist: tuple[ChecklistAnswer, ...] = ()
    decision: Decision | None = None
    actions: tuple[Action, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    notes: tuple[CaseNote, ...] = ()
    earlier_decisions: tuple[Decision, ...] = ()  # versions the decision corrected, oldest first
    # attendees' positions on the decision (on the latest earlier version when an amendment has
    # none of its own: see AttendeePosition.decision_id)
    positions: tuple[AttendeePosition, ...] = ()
    carried_from: CarriedFrom | None = None  # listed again from an earlier meeting
    deferral_reason: str = ""  # why the chair deferred the case ('' when it was not deferred)
    added_reason: str = ""  # why the case was listed (e.g. "Re-review after de-escalation …")


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """A meeting with its attendance and cases in order."""

    id: int
    meeting_date: date
    status: MeetingStatus
    chair: str
    attendance: tuple[AttendanceEntry, ...] = ()
    cases: tuple[CaseSummary, ...] = ()
    signed_off_by: str | None = None
    signed_off_at: datetime | None = None
    chair_id: int | None = None
    location: str = ""  # where the meeting is held, as the coordinator typed it
