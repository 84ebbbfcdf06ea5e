"""Checking parsed files against each other and the database: what an import would write.

The plan says, for every record, whether it is new, already stored (a re-import adds nothing)
or in conflict (a different value for the same patient, test and sample time; a patient whose
identity differs from the stored one; results for a hospital number nobody knows). Conflicts
are problems: the import is refused as a whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.montreal import Montreal
from mdt_desktop.importers.model import (
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
from mdt_desktop.models import ClinicalEventRow, MedicationPeriodRow, ObservationRow, PatientRow
from mdt_desktop.models.text_guard import CONTROL

CHUNK = 500  # parameters per IN (...) query, well under every driver's limit
LIMITS = {"original_value": 64, "original_unit": 32, "unit": 32, "assay": 128}


@dataclass
class Plan:
    """What would be written, what is already stored, and every problem."""

    problems: list[Problem] = field(default_factory=list)
    new_patients: list[PatientIn] = field(default_factory=list)
    diagnoses: dict[str, DiagnosisIn] = field(default_factory=dict)  # new or changed
    medications: list[MedicationIn] = field(default_factory=list)
    ended: list[tuple[int, MedicationIn]] = field(default_factory=list)  # stored id, new end
    results: list[LabResult] = field(default_factory=list)
    events: list[EventIn] = field(default_factory=list)
    already: int = 0
    patient_ids: dict[str, int] = field(default_factory=dict)  # stored patients only

    @property
    def new_records(self) -> int:
        return (
            len(self.new_patients)
            + len(self.diagnoses)
            + len(self.medications)
            + len(self.ended)
            + len(self.results)
            + len(self.events)
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
        for _id, medication in self.ended:
            counts[medication.hospital_number]["medication periods ended"] += 1
        for result in self.results:
            counts[result.hospital_number][result.analyte.value] += 1
        for event in self.events:
            counts[event.hospital_number][event.kind.value] += 1
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
        )
        for record in group
    }
    stored = _stored_patients(session, numbers)
    plan.patient_ids = {number: row.id for number, row in stored.items()}
    _patients(plan, files, stored)
    known = set(stored) | {p.hospital_number for p in plan.new_patients}
    _unknown_numbers(plan, files, known)
    _identities(plan, files, stored)
    _medications(session, plan, files, known)
    _results(session, plan, files, known)
    _events(session, plan, files, known)
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
        records: list[LabResult | MedicationIn | EventIn | DiagnosisIn] = [
            *parsed.results,
            *parsed.medications,
            *parsed.events,
            *parsed.diagnoses,
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
            if _regimen(seen[key]) != _regimen(medication) or seen[key].end != medication.end:
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
        elif row.end_date is None and medication.end is not None:
            plan.ended.append((row.id, medication))
        elif row.end_date != medication.end:
            plan.problems.append(
                Problem(
                    medication.where,
                    "effectivePeriod.end",
                    f"{medication.drug.value} from {medication.start:%d %b %Y} is stored as "
                    f"ending {row.end_date or 'never'}; this file says {medication.end or 'never'}",
                )
            )
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
        value = getattr(result, name) or ""
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


def _rows_for(session: Session, model: Any, column: Any, ids: set[int]) -> list[Any]:
    ordered = sorted(ids)
    rows: list[Any] = []
    for start in range(0, len(ordered), CHUNK):
        rows.extend(
            session.scalars(select(model).where(column.in_(ordered[start : start + CHUNK])))
        )
    return rows
