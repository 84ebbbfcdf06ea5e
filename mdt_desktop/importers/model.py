"""What the readers produce: records ready to store, and problems that name where and why.

Each reader turns one file into a ``ParsedFile``: patients, diagnoses, medication periods, doses
given, lab results and timeline events, every one with its place in the file, plus every
problem found.
Nothing is written until every file of an import is free of problems (services/imports.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    DoseUnit,
    Drug,
    EndReason,
    EventKind,
    IbdType,
    Phase,
    Sex,
)
from mdt_desktop.domain.montreal import Montreal


@dataclass(frozen=True, slots=True)
class Where:
    """A place in an input file: the file's name and e.g. "line 12" or "entry 5 (Patient)"."""

    file: str
    place: str

    def __str__(self) -> str:
        return f"{self.file}, {self.place}" if self.place else self.file


@dataclass(frozen=True, slots=True)
class Problem:
    """Why something cannot be imported: where, which field, and the reason."""

    where: Where
    field: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.field}: {self.reason}"
            if self.field
            else (f"{self.where}: {self.reason}")
        )


@dataclass(frozen=True, slots=True)
class PatientIn:
    """A patient's identity (FHIR Patient)."""

    hospital_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: Sex
    where: Where
    nhs_number: str | None = None


@dataclass(frozen=True, slots=True)
class IdentityIn:
    """Identity details a lab message carries (HL7 PID), checked against the stored patient."""

    hospital_number: str
    where: Where
    family_name: str | None = None
    given_name: str | None = None
    date_of_birth: date | None = None


@dataclass(frozen=True, slots=True)
class DiagnosisIn:
    """The IBD diagnosis (FHIR Condition): type, date and Montreal classification."""

    hospital_number: str
    ibd_type: IbdType
    diagnosis_date: date
    montreal: Montreal
    where: Where


@dataclass(frozen=True, slots=True)
class MedicationIn:
    """A period on one regimen (FHIR MedicationStatement).

    A single dose (``repeat.count`` 1, or one date) is a period of one day with an interval of
    one day and phase induction or single dose. ``end_reason`` is None when the source gave no
    reason; ``end_reason_detail`` keeps what it said (statusReason text or code).
    """

    hospital_number: str
    drug: Drug
    dose_value: float
    dose_unit: DoseUnit
    interval_days: int
    start: date
    end: date | None
    where: Where
    phase: Phase = Phase.MAINTENANCE
    end_reason: EndReason | None = None
    end_reason_detail: str = ""


@dataclass(frozen=True, slots=True)
class LabResult:
    """A result in its analyte's canonical unit, with what was received kept beside it."""

    hospital_number: str
    analyte: Analyte
    value: float
    unit: str
    comparator: Comparator | None
    original_value: str
    original_unit: str
    collected_at: datetime
    where: Where
    assay: str | None = None
    target_drug: str | None = None  # antibodies: the molecule ("infliximab"), whatever the route
    abnormal_flag: str | None = None
    reference_range: str | None = None  # the laboratory's, as sent (OBX-7, referenceRange)


@dataclass(frozen=True, slots=True)
class AdministrationIn:
    """One dose recorded as given (FHIR MedicationAdministration): contact with the patient."""

    hospital_number: str
    drug: Drug
    given_on: date
    where: Where
    dose_value: float | None = None
    dose_unit: DoseUnit | None = None


@dataclass(frozen=True, slots=True)
class EventIn:
    """A procedure or trial enrolment on the patient's timeline."""

    hospital_number: str
    kind: EventKind
    occurred_on: date
    description: str
    where: Where
    is_resection: bool | None = None


@dataclass
class ParsedFile:
    """Everything one file holds, or why it cannot be imported."""

    name: str
    format: str  # "FHIR R4", "HL7 v2", "CSV"
    patients: list[PatientIn] = field(default_factory=list)
    diagnoses: list[DiagnosisIn] = field(default_factory=list)
    medications: list[MedicationIn] = field(default_factory=list)
    results: list[LabResult] = field(default_factory=list)
    events: list[EventIn] = field(default_factory=list)
    identities: list[IdentityIn] = field(default_factory=list)
    administrations: list[AdministrationIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. resource types skipped, not fatal
    # Hospital numbers whose IBD diagnosis was refused with a problem of its own: no second
    # message that the (new) patient "has no IBD diagnosis".
    refused_diagnoses: set[str] = field(default_factory=set)

    def problem(self, place: str, field_name: str, reason: str) -> None:
        """Record a problem at *place* in this file."""
        self.problems.append(Problem(Where(self.name, place), field_name, reason))

    @property
    def records(self) -> int:
        return (
            len(self.patients)
            + len(self.diagnoses)
            + len(self.medications)
            + len(self.results)
            + len(self.events)
            + len(self.administrations)
        )
