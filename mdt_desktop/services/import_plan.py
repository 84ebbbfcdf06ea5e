"""Checking parsed files against each other and the database: what an import would write.

The plan says, for every record, whether it is new, already stored (a re-import adds nothing)
or in conflict (a different value for the same patient, test and sample time; a patient whose
identity differs from the stored one; results for a hospital number nobody knows; anything
dated before the patient's birth). Conflicts are problems: the import is refused as a whole.
A stored medication period may be completed by a later export: an end, an end reason or the
reason's text that was not known, or the phase of a period the importer stored as maintenance
(docs/clinical.md, "Medication episodes").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.enums import Phase
from mdt_desktop.domain.montreal import Montreal
from mdt_desktop.importers.model import (
    AdministrationIn,
    DiagnosisIn,
    EventIn,
    IdentityIn,
    LabResult,
    MedicationIn,
    ParsedFile,
    PatientIn,
    Problem,
    Where,
)
from mdt_desktop.models import (
    AdministrationRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.models.text_guard import CONTROL

CHUNK = 500  # parameters per IN (...) query, well under every driver's limit
LIMITS = {
    "original_value": 64,
    "original_unit": 32,
    "unit": 32,
    "assay": 128,
    "reference_range": 32,
}
# The element holding a record's date, by format, for a problem found against the stored patient
DATE_FIELDS = {
    ("FHIR R4", "result"): "effective[x]",
    ("FHIR R4", "medication"): "effective[x]",
    ("FHIR R4", "administration"): "effective[x]",
    ("FHIR R4", "event"): "performed[x]",
    ("HL7 v2", "result"): "OBX-14",
    ("CSV", "result"): "collected_at",
}
Dated = LabResult | MedicationIn | EventIn | AdministrationIn


@dataclass(frozen=True, slots=True)
class PeriodUpdate:
    """A stored medication period completed from the file: its row, the file's record, before."""

    row_id: int
    medication: MedicationIn
    before: dict[str, Any]

    @property
    def ends(self) -> bool:
        """Whether the update gives the period its end."""
        return "end" in self.before


@dataclass
class Plan:
    """What would be written, what is already stored, and every problem."""

    problems: list[Problem] = field(default_factory=list)
    new_patients: list[PatientIn] = field(default_factory=list)
    diagnoses: dict[str, DiagnosisIn] = field(default_factory=dict)  # new or changed
    medications: list[MedicationIn] = field(default_factory=list)
    updated: list[PeriodUpdate] = field(default_factory=list)  # stored periods completed
    results: list[LabResult] = field(default_factory=list)
    events: list[EventIn] = field(default_factory=list)
    administrations: list[AdministrationIn] = field(default_factory=list)
    already: int = 0
    patient_ids: dict[str, int] = field(default_factory=dict)  # stored patients only

    @property
    def new_records(self) -> int:
        return (
            len(self.new_patients)
            + len(self.diagnoses)
            + len(self.medications)
            + len(self.updated)
            + len(self.results)
            + len(self.events)
            + len(self.administrations)
        )

    def per_patient(self) -> dict[str, dict[str, int]]:
        """New records by hospital number and kind (analyte names for lab results)."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for patient in self.new_patients:
            counts[patient.hospital_number]["new patient"] += 1
        for number in self.diagnoses:
            counts[number]["diagnosis"] += 1
        for medication in self.medications:
            counts[medication.hospital_number]["medication periods"] += 1
        for update in self.updated:
            kind = "medication periods ended" if update.ends else "medication periods updated"
            counts[update.medication.hospital_number][kind] += 1
        for result in self.results:
            counts[result.hospital_number][result.analyte.value] += 1
        for event in self.events:
            counts[event.hospital_number][event.kind.value] += 1
        for administration in self.administrations:
            counts[administration.hospital_number]["administrations"] += 1
        return {number: dict(kinds) for number, kinds in sorted(counts.items())}


def make_plan(session: Session, files: list[ParsedFile]) -> Plan:
    """Check *files* against each other and the database (reads only)."""
    plan = Plan()
    for parsed in files:
        plan.problems.extend(parsed.problems)
    numbers = {
        record.hospital_number
        for parsed in files
        for group in (
            parsed.patients,
            parsed.diagnoses,
            parsed.medications,
            parsed.results,
            parsed.events,
            parsed.identities,
            parsed.administrations,
        )
        for record in group
    }
    stored = _stored_patients(session, numbers)
    plan.patient_ids = {number: row.id for number, row in stored.items()}
    _patients(plan, files, stored)
    known = set(stored) | {p.hospital_number for p in plan.new_patients}
    _unknown_numbers(plan, files, known)
    _identities(plan, files, stored)
    _before_birth(plan, files, stored)
    _medications(session, plan, files, known)
    _results(session, plan, files, known)
    _events(session, plan, files, known)
    _administrations(session, plan, files, known)
    return plan


def _stored_patients(session: Session, numbers: set[str]) -> dict[str, PatientRow]:
    found: dict[str, PatientRow] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), CHUNK):
        rows = session.scalars(
            select(PatientRow).where(PatientRow.hospital_number.in_(ordered[start : start + CHUNK]))
        )
        found.update((row.hospital_number, row) for row in rows)
    return found


# --- patients and diagnoses ----------------------------------------------------------------------


def _patients(plan: Plan, files: list[ParsedFile], stored: dict[str, PatientRow]) -> None:
    diagnoses = _unique(
        plan, [d for f in files for d in f.diagnoses], _diagnosis_key, "the IBD diagnosis"
    )
    patients = _unique(plan, [p for f in files for p in f.patients], _identity_key, "the patient")
    refused = {number for f in files for number in f.refused_diagnoses}
    for number, patient in patients.items():
        row = stored.get(number)
        if row is None:
            if number in refused:
                continue  # its Condition's own problem already says why
            if number not in diagnoses:
                plan.problems.append(
                    Problem(
                        patient.where,
                        "Condition",
                        f"new patient {number} has no IBD diagnosis (Crohn's disease or "
                        "ulcerative colitis Condition) in this import",
                    )
                )
                continue
            plan.new_patients.append(patient)
        elif _identity_key(patient) != _stored_identity(row):
            plan.problems.append(
                Problem(
                    patient.where,
                    "Patient",
                    f"{number} is stored as {row.family_name}, {row.given_name}, born "
                    f"{row.date_of_birth:%d %b %Y}, {row.sex}: this file says "
                    f"{patient.family_name}, {patient.given_name}, born "
                    f"{patient.date_of_birth:%d %b %Y}, {patient.sex.value}. Wrong patient?",
                )
            )
        else:
            plan.already += 1
    for number, diagnosis in diagnoses.items():
        row = stored.get(number)
        if row is not None and _diagnosis_key(diagnosis) == _stored_diagnosis(row):
            plan.already += 1
        elif row is not None or number in {p.hospital_number for p in plan.new_patients}:
            plan.diagnoses[number] = diagnosis


def _identity_key(patient: PatientIn) -> tuple[Any, ...]:
    return (
        patient.family_name.casefold(),
        patient.given_name.casefold(),
        patient.date_of_birth,
        patient.sex.value,
    )


def _stored_identity(row: PatientRow) -> tuple[Any, ...]:
    return (row.family_name.casefold(), row.given_name.casefold(), row.date_of_birth, row.sex)


def _diagnosis_key(diagnosis: DiagnosisIn) -> tuple[Any, ...]:
    return (diagnosis.ibd_type.value, diagnosis.diagnosis_date, diagnosis.montreal)


def _stored_diagnosis(row: PatientRow) -> tuple[Any, ...]:
    montreal = Montreal(
        age=row.montreal_age,
        location=row.montreal_location,
        upper_gi=row.montreal_upper_gi,
        behaviour=row.montreal_behaviour,
        perianal=row.montreal_perianal,
        extent=row.montreal_extent,
    )
    return (row.ibd_type, row.diagnosis_date, montreal)


def _unique(plan: Plan, records: list[Any], key: Any, what: str) -> dict[str, Any]:
    """One record per hospital number; two that disagree are a problem."""
    chosen: dict[str, Any] = {}
    for record in records:
        earlier = chosen.get(record.hospital_number)
        if earlier is None:
            chosen[record.hospital_number] = record
        elif key(earlier) != key(record):
            plan.problems.append(
                Problem(
                    record.where,
                    "",
                    f"{what} of {record.hospital_number} differs from {earlier.where}",
                )
            )
    return chosen


def _identities(plan: Plan, files: list[ParsedFile], stored: dict[str, PatientRow]) -> None:
    """Lab messages name the patient too: a different date of birth or surname is refused."""
    for identity in (i for f in files for i in f.identities):
        row = stored.get(identity.hospital_number)
        if row is None:
            continue
        mismatch = _identity_mismatch(identity, row)
        if mismatch:
            plan.problems.append(
                Problem(identity.where, "PID", f"{identity.hospital_number}: {mismatch}")
            )


def _identity_mismatch(identity: IdentityIn, row: PatientRow) -> str:
    if identity.date_of_birth is not None and identity.date_of_birth != row.date_of_birth:
        return (
            f"date of birth {identity.date_of_birth:%d %b %Y} differs from the stored "
            f"{row.date_of_birth:%d %b %Y}: wrong patient?"
        )
    family = (identity.family_name or "").casefold()
    if family and family != row.family_name.casefold():
        return f"surname {identity.family_name!r} differs from the stored {row.family_name!r}"
    return ""


def _unknown_numbers(plan: Plan, files: list[ParsedFile], known: set[str]) -> None:
    """Results for hospital numbers that are neither stored nor imported: one list per file."""
    for parsed in files:
        missing: dict[str, list[Where]] = defaultdict(list)
        records: list[Dated | DiagnosisIn] = [
            *parsed.results,
            *parsed.medications,
            *parsed.events,
            *parsed.diagnoses,
            *parsed.administrations,
        ]
        for record in records:
            if record.hospital_number not in known:
                missing[record.hospital_number].append(record.where)
        if missing:
            listed = "; ".join(
                f"{number} ({_places(wheres)})" for number, wheres in sorted(missing.items())
            )
            plan.problems.append(
                Problem(
                    Where(parsed.name, ""),
                    "hospital_number",
                    f"{len(missing)} hospital number(s) not in the database: {listed}. "
                    "Import the patients first (FHIR Patient with their IBD Condition).",
                )
            )


def _before_birth(plan: Plan, files: list[ParsedFile], stored: dict[str, PatientRow]) -> None:
    """Records dated before the birth of the stored patient, or of a patient of another file.

    The readers check the date of birth a file holds itself (FHIR Patient, HL7 PID-7).
    """
    births = {number: row.date_of_birth for number, row in stored.items()}
    births.update((p.hospital_number, p.date_of_birth) for p in plan.new_patients)
    for parsed in files:
        groups: tuple[tuple[str, Sequence[Dated], Callable[[Any], date]], ...] = (
            ("result", parsed.results, lambda r: r.collected_at.date()),
            ("medication", parsed.medications, lambda m: m.start),
            ("event", parsed.events, lambda e: e.occurred_on),
            ("administration", parsed.administrations, lambda a: a.given_on),
        )
        for kind, records, dated in groups:
            field_name = DATE_FIELDS.get((parsed.format, kind), "date")
            for record in records:
                born = births.get(record.hospital_number)
                if born is None or (when := dated(record)) >= born:
                    continue
                plan.problems.append(
                    Problem(
                        record.where,
                        field_name,
                        f"{when.isoformat()} is before the birth of {record.hospital_number} "
                        f"({born.isoformat()})",
                    )
                )


def _places(wheres: list[Where]) -> str:
    shown = ", ".join(w.place for w in wheres[:3])
    return shown + (f" and {len(wheres) - 3} more" if len(wheres) > 3 else "")


# --- medications, results, events -----------------------------------------------------------------


def _medications(session: Session, plan: Plan, files: list[ParsedFile], known: set[str]) -> None:
    incoming = [m for f in files for m in f.medications if m.hospital_number in known]
    stored: dict[tuple[str, str, Any], MedicationPeriodRow] = {}
    ids = {
        plan.patient_ids[m.hospital_number]
        for m in incoming
        if m.hospital_number in plan.patient_ids
    }
    numbers = {v: k for k, v in plan.patient_ids.items()}
    for row in _rows_for(session, MedicationPeriodRow, MedicationPeriodRow.patient_id, ids):
        stored[(numbers[row.patient_id], row.drug, row.start_date)] = row
    seen: dict[tuple[str, str, Any], MedicationIn] = {}
    for medication in incoming:
        key = (medication.hospital_number, medication.drug.value, medication.start)
        if key in seen:
            if _statement(seen[key]) != _statement(medication):
                plan.problems.append(
                    Problem(
                        medication.where, "MedicationStatement", f"differs from {seen[key].where}"
                    )
                )
            continue
        seen[key] = medication
        row = stored.get(key)
        if row is None:
            plan.medications.append(medication)
        elif _regimen(medication) != (row.dose_value, row.dose_unit, row.interval_days):
            plan.problems.append(
                Problem(
                    medication.where,
                    "dosage",
                    f"{medication.drug.value} from {medication.start:%d %b %Y} is stored as "
                    f"{row.dose_value:g} {row.dose_unit} every {row.interval_days} days",
                )
            )
        else:
            _compare_period(plan, row, medication)


def _statement(medication: MedicationIn) -> tuple[Any, ...]:
    """What two statements of one period must agree on."""
    return (*_regimen(medication), medication.end, medication.end_reason, medication.phase)


def _compare_period(plan: Plan, row: MedicationPeriodRow, medication: MedicationIn) -> None:
    """A stored period and the file's: the same, completed by the file, or in conflict."""
    before: dict[str, Any] = {}
    said = f"{medication.drug.value} from {medication.start:%d %b %Y} is stored as"
    if row.end_date != medication.end:
        if row.end_date is not None:
            plan.problems.append(
                Problem(
                    medication.where,
                    "effectivePeriod.end",
                    f"{said} ending {row.end_date}; this file says {medication.end or 'never'}",
                )
            )
            return
        before["end"] = None
    reason = medication.end_reason.value if medication.end_reason else None
    if reason is not None and row.end_reason not in (None, reason):
        plan.problems.append(
            Problem(
                medication.where,
                "statusReason",
                f"{said} stopped for {row.end_reason}; this file says {reason}",
            )
        )
        return
    if reason is not None and row.end_reason is None:
        before["end_reason"] = None
    if medication.end_reason_detail and not row.end_reason_detail:
        before["end_reason_detail"] = ""
    if row.phase != medication.phase.value:
        if row.phase != Phase.MAINTENANCE.value or row.decision_id is not None:
            plan.problems.append(
                Problem(
                    medication.where,
                    "dosage",
                    f"{said} {row.phase}; this file says {medication.phase.value}",
                )
            )
            return
        before["phase"] = row.phase
    if before:
        plan.updated.append(PeriodUpdate(row.id, medication, before))
    else:
        plan.already += 1


def _regimen(medication: MedicationIn) -> tuple[Any, ...]:
    return (medication.dose_value, medication.dose_unit.value, medication.interval_days)


def _results(session: Session, plan: Plan, files: list[ParsedFile], known: set[str]) -> None:
    incoming = [r for f in files for r in f.results if r.hospital_number in known]
    if not incoming:
        return
    stored = _stored_results(session, plan, incoming)
    seen: dict[tuple[str, str, datetime], LabResult] = {}
    for result in incoming:
        problem = _text_problem(result)
        if problem is not None:
            plan.problems.append(problem)
            continue
        key = (result.hospital_number, result.analyte.value, result.collected_at)
        earlier = seen.get(key)
        if earlier is not None:
            if _value(earlier) != _value(result):
                plan.problems.append(
                    Problem(
                        result.where,
                        "value",
                        f"a different value for the same test and time is at {earlier.where}",
                    )
                )
            continue
        seen[key] = result
        existing = stored.get(key)
        if existing is None:
            plan.results.append(result)
        elif existing[:2] == _value(result):
            plan.already += 1
        else:
            plan.problems.append(
                Problem(
                    result.where,
                    "value",
                    f"{result.analyte.value} of {result.hospital_number} at "
                    f"{result.collected_at:%d %b %Y %H:%M} is stored as "
                    f"{existing[1] or ''}{existing[0]:g} (from {existing[2]}); this file says "
                    f"{result.comparator or ''}{result.value:g}. A corrected result? Correct "
                    "it at the source or remove the stored one first.",
                )
            )


def _value(result: LabResult) -> tuple[float, str | None]:
    return (round(result.value, 9), result.comparator.value if result.comparator else None)


def _stored_results(
    session: Session, plan: Plan, incoming: list[LabResult]
) -> dict[tuple[str, str, datetime], tuple[float, str | None, str]]:
    """Stored results of the same patients within the time span of the import."""
    ids = {
        plan.patient_ids[r.hospital_number]
        for r in incoming
        if r.hospital_number in plan.patient_ids
    }
    if not ids:
        return {}
    numbers = {v: k for k, v in plan.patient_ids.items()}
    first = min(r.collected_at for r in incoming)
    last = max(r.collected_at for r in incoming)
    found: dict[tuple[str, str, datetime], tuple[float, str | None, str]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        rows = session.execute(
            select(
                ObservationRow.patient_id,
                ObservationRow.analyte,
                ObservationRow.collected_at,
                ObservationRow.value,
                ObservationRow.comparator,
                ObservationRow.source,
            ).where(
                ObservationRow.patient_id.in_(ordered[start : start + CHUNK]),
                ObservationRow.collected_at.between(first, last),
            )
        )
        for patient_id, analyte, collected, value, comparator, source in rows:
            found[(numbers[patient_id], analyte, collected)] = (round(value, 9), comparator, source)
    return found


def _text_problem(result: LabResult) -> Problem | None:
    for name, limit in LIMITS.items():
        value = getattr(result, name)
        if not value:
            continue
        if len(value) > limit:
            return Problem(result.where, name, f"{len(value)} characters; at most {limit}")
        if CONTROL.search(value):
            return Problem(result.where, name, "contains a control character")
    return None


def _events(session: Session, plan: Plan, files: list[ParsedFile], known: set[str]) -> None:
    incoming = [e for f in files for e in f.events if e.hospital_number in known]
    ids = {
        plan.patient_ids[e.hospital_number]
        for e in incoming
        if e.hospital_number in plan.patient_ids
    }
    numbers = {v: k for k, v in plan.patient_ids.items()}
    stored = {
        (numbers[row.patient_id], row.kind, row.occurred_on)
        for row in _rows_for(session, ClinicalEventRow, ClinicalEventRow.patient_id, ids)
    }
    seen: set[tuple[str, str, Any]] = set()
    for event in incoming:
        key = (event.hospital_number, event.kind.value, event.occurred_on)
        if key in seen:
            continue
        seen.add(key)
        if key in stored:
            plan.already += 1
        else:
            plan.events.append(event)


def _administrations(
    session: Session, plan: Plan, files: list[ParsedFile], known: set[str]
) -> None:
    """Doses given: one per patient, drug and day; a different dose on that day conflicts."""
    incoming = [a for f in files for a in f.administrations if a.hospital_number in known]
    ids = {
        plan.patient_ids[a.hospital_number]
        for a in incoming
        if a.hospital_number in plan.patient_ids
    }
    numbers = {v: k for k, v in plan.patient_ids.items()}
    stored = {
        (numbers[row.patient_id], row.drug, row.given_on): (row.dose_value, row.dose_unit)
        for row in _rows_for(session, AdministrationRow, AdministrationRow.patient_id, ids)
    }
    seen: dict[tuple[str, str, date], AdministrationIn] = {}
    for given in incoming:
        key = (given.hospital_number, given.drug.value, given.given_on)
        dose = _dose(given)
        earlier = seen.get(key)
        if earlier is not None:
            if _dose(earlier) != dose:
                plan.problems.append(
                    Problem(given.where, "dosage.dose", f"a different dose is at {earlier.where}")
                )
            continue
        seen[key] = given
        if key not in stored:
            plan.administrations.append(given)
        elif stored[key] == dose:
            plan.already += 1
        else:
            value, unit = stored[key]
            plan.problems.append(
                Problem(
                    given.where,
                    "dosage.dose",
                    f"{given.drug.value} given on {given.given_on:%d %b %Y} is stored as "
                    f"{_shown_dose(value, unit)}; this file says "
                    f"{_shown_dose(given.dose_value, given.dose_unit)}",
                )
            )


def _dose(given: AdministrationIn) -> tuple[float | None, str | None]:
    return given.dose_value, given.dose_unit.value if given.dose_unit else None


def _shown_dose(value: float | None, unit: Any) -> str:
    if value is None:
        return "no dose"
    return f"{value:g} {getattr(unit, 'value', unit) or ''}".strip()


def _rows_for(session: Session, model: Any, column: Any, ids: set[int]) -> list[Any]:
    ordered = sorted(ids)
    rows: list[Any] = []
    for start in range(0, len(ordered), CHUNK):
        rows.extend(
            session.scalars(select(model).where(column.in_(ordered[start : start + CHUNK])))
        )
    return rows
