"""Writing a checked import plan in the caller's transaction, with its audit rows.

Lab results go in with batched INSERTs; the results of each patient get one audit row listing
the ids it created (100,000 results of 2,000 patients: 2,000 rows, not 100,000), and so do the
doses given (medication administrations). Every other created or changed record gets its own
audit row, and the import itself one more that names the files (and their SHA-256) it came
from. A medication period keeps its phase, end reason and the reason as sent
(docs/clinical.md, "Medication episodes").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor
from mdt_desktop.importers.model import (
    AdministrationIn,
    DiagnosisIn,
    LabResult,
    MedicationIn,
    PatientIn,
)
from mdt_desktop.models import (
    AdministrationRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.services.audit import AuditBatch
from mdt_desktop.services.import_plan import PeriodUpdate, Plan

BATCH = 5000  # rows per INSERT statement


def write_plan(
    session: Session, plan: Plan, actor: Actor, now: datetime, summary: dict[str, Any]
) -> None:
    """Write everything *plan* holds; audit rows in the same transaction."""
    audit = AuditBatch(session)
    reason = "Imported from " + ", ".join(f["name"] for f in summary["files"])
    ids = dict(plan.patient_ids)
    for patient in plan.new_patients:
        ids[patient.hospital_number] = _new_patient(
            session, patient, plan.diagnoses[patient.hospital_number], now, audit, actor, reason
        )
    for number, diagnosis in plan.diagnoses.items():
        if number in plan.patient_ids:
            _update_diagnosis(session, plan.patient_ids[number], diagnosis, audit, actor, reason)
    for medication in plan.medications:
        _new_medication(session, ids[medication.hospital_number], medication, now, audit, actor)
    for update in plan.updated:
        _update_medication(session, update, now, audit, actor, reason)
    _results(session, ids, plan.results, now, audit, actor)
    _administrations(session, ids, plan.administrations, now, audit, actor)
    for event in plan.events:
        event_row = ClinicalEventRow(
            patient_id=ids[event.hospital_number],
            kind=event.kind.value,
            occurred_on=event.occurred_on,
            description=event.description,
            is_resection=event.is_resection,
            source=_source(event.where.file, event.where.place),
            created_at=now,
        )
        session.add(event_row)
        session.flush()
        audit.add(
            actor,
            "create",
            "clinical_event",
            event_row.id,
            patient_id=event_row.patient_id,
            after={"kind": event_row.kind, "on": event_row.occurred_on, "source": event_row.source},
            at=now,
        )
    audit.add(actor, "import", "import", None, after=summary, reason=reason, at=now)
    audit.flush()


def _new_patient(
    session: Session,
    patient: PatientIn,
    diagnosis: DiagnosisIn,
    now: datetime,
    audit: AuditBatch,
    actor: Actor,
    reason: str,
) -> int:
    montreal = diagnosis.montreal
    row = PatientRow(
        hospital_number=patient.hospital_number,
        nhs_number=patient.nhs_number,
        family_name=patient.family_name,
        given_name=patient.given_name,
        date_of_birth=patient.date_of_birth,
        sex=patient.sex.value,
        ibd_type=diagnosis.ibd_type.value,
        diagnosis_date=diagnosis.diagnosis_date,
        montreal_age=montreal.age,
        montreal_location=montreal.location,
        montreal_upper_gi=montreal.upper_gi,
        montreal_behaviour=montreal.behaviour,
        montreal_perianal=montreal.perianal,
        montreal_extent=montreal.extent,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.add(
        actor,
        "create",
        "patient",
        row.id,
        patient_id=row.id,
        after={
            "hospital_number": row.hospital_number,
            "diagnosis": row.ibd_type,
            "montreal": montreal.code,
        },
        reason=reason,
        at=now,
    )
    return row.id


def _update_diagnosis(
    session: Session,
    patient_id: int,
    diagnosis: DiagnosisIn,
    audit: AuditBatch,
    actor: Actor,
    reason: str,
) -> None:
    row = session.get_one(PatientRow, patient_id)
    before = {"diagnosis": row.ibd_type, "diagnosed": row.diagnosis_date}
    montreal = diagnosis.montreal
    row.ibd_type = diagnosis.ibd_type.value
    row.diagnosis_date = diagnosis.diagnosis_date
    row.montreal_age, row.montreal_location = montreal.age, montreal.location
    row.montreal_upper_gi, row.montreal_behaviour = montreal.upper_gi, montreal.behaviour
    row.montreal_perianal, row.montreal_extent = montreal.perianal, montreal.extent
    audit.add(
        actor,
        "update",
        "patient",
        patient_id,
        patient_id=patient_id,
        before=before,
        after={
            "diagnosis": row.ibd_type,
            "diagnosed": row.diagnosis_date,
            "montreal": montreal.code,
        },
        reason=reason,
    )


def _new_medication(
    session: Session,
    patient_id: int,
    medication: MedicationIn,
    now: datetime,
    audit: AuditBatch,
    actor: Actor,
) -> None:
    row = MedicationPeriodRow(
        patient_id=patient_id,
        drug=medication.drug.value,
        dose_value=medication.dose_value,
        dose_unit=medication.dose_unit.value,
        interval_days=medication.interval_days,
        start_date=medication.start,
        end_date=medication.end,
        phase=medication.phase.value,
        end_reason=medication.end_reason.value if medication.end_reason else None,
        end_reason_detail=medication.end_reason_detail,
        reason="Imported",
        source=_source(medication.where.file, medication.where.place),
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.add(
        actor,
        "create",
        "medication_period",
        row.id,
        patient_id=patient_id,
        after={
            "drug": row.drug,
            "dose": f"{row.dose_value:g} {row.dose_unit}",
            "interval_days": row.interval_days,
            "start": row.start_date,
            "end": row.end_date,
            "phase": row.phase,
            "end_reason": row.end_reason,
        },
        at=now,
    )


def _update_medication(
    session: Session,
    update: PeriodUpdate,
    now: datetime,
    audit: AuditBatch,
    actor: Actor,
    reason: str,
) -> None:
    """Complete a stored period with what the file adds: end, end reason, its text, phase."""
    row = session.get_one(MedicationPeriodRow, update.row_id)
    medication = update.medication
    after: dict[str, Any] = {}
    if "end" in update.before:
        row.end_date = after["end"] = medication.end
    if "end_reason" in update.before and medication.end_reason is not None:
        row.end_reason = after["end_reason"] = medication.end_reason.value
    if "end_reason_detail" in update.before:
        row.end_reason_detail = after["end_reason_detail"] = medication.end_reason_detail
    if "phase" in update.before:
        row.phase = after["phase"] = medication.phase.value
    audit.add(
        actor,
        "update",
        "medication_period",
        row.id,
        patient_id=row.patient_id,
        before=update.before,
        after=after,
        reason=reason,
        at=now,
    )


def _administrations(
    session: Session,
    ids: dict[str, int],
    given: list[AdministrationIn],
    now: datetime,
    audit: AuditBatch,
    actor: Actor,
) -> None:
    """Insert the doses given; one audit row per patient lists every id it created."""
    rows = [
        AdministrationRow(
            patient_id=ids[dose.hospital_number],
            drug=dose.drug.value,
            given_on=dose.given_on,
            dose_value=dose.dose_value,
            dose_unit=dose.dose_unit.value if dose.dose_unit else None,
            source=_source(dose.where.file, dose.where.place),
            created_at=now,
        )
        for dose in given
    ]
    if not rows:
        return
    session.add_all(rows)
    session.flush()
    created: dict[int, list[int]] = defaultdict(list)
    drugs: dict[int, Counter[str]] = defaultdict(Counter)
    for row in rows:
        created[row.patient_id].append(row.id)
        drugs[row.patient_id][row.drug] += 1
    for patient_id, administration_ids in created.items():
        audit.add(
            actor,
            "create",
            "medication_administration",
            administration_ids[0] if len(administration_ids) == 1 else None,
            patient_id=patient_id,
            after={"doses": dict(sorted(drugs[patient_id].items())), "ids": administration_ids},
            at=now,
        )


def _results(
    session: Session,
    ids: dict[str, int],
    results: list[LabResult],
    now: datetime,
    audit: AuditBatch,
    actor: Actor,
) -> None:
    """Insert the results in batches; one audit row per patient lists every id it created."""
    created: dict[int, list[int]] = defaultdict(list)
    kinds: dict[int, Counter[str]] = defaultdict(Counter)
    for start in range(0, len(results), BATCH):
        rows = [
            _observation(ids[r.hospital_number], r, now) for r in results[start : start + BATCH]
        ]
        for observation_id, row in zip(_insert(session, rows), rows, strict=True):
            created[row["patient_id"]].append(observation_id)
            kinds[row["patient_id"]][row["analyte"]] += 1
    for patient_id, observation_ids in created.items():
        audit.add(
            actor,
            "create",
            "observation",
            observation_ids[0] if len(observation_ids) == 1 else None,
            patient_id=patient_id,
            after={"results": dict(sorted(kinds[patient_id].items())), "ids": observation_ids},
            at=now,
        )


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert *rows* into observations and return their ids, in order.

    On SQLite, which this process holds the single writer lock of, ids are given explicitly
    (max + 1, ...): a plain executemany is several times faster than INSERT ... RETURNING.
    Elsewhere the database assigns them and returns them.
    """
    table = cast(Table, ObservationRow.__table__)
    if session.get_bind().dialect.name == "sqlite":
        first = (session.scalar(select(func.max(ObservationRow.id))) or 0) + 1
        for offset, row in enumerate(rows):
            row["id"] = first + offset
        session.execute(insert(table), rows)
        return [row["id"] for row in rows]
    return list(
        session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    )


def _observation(patient_id: int, result: LabResult, now: datetime) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "analyte": result.analyte.value,
        "value": result.value,
        "unit": result.unit,
        "comparator": result.comparator.value if result.comparator else None,
        "original_value": result.original_value,
        "original_unit": result.original_unit,
        "collected_at": result.collected_at,
        "source": _source(result.where.file, result.where.place),
        "assay": result.assay,
        "target_drug": result.target_drug,
        "abnormal_flag": result.abnormal_flag,
        "reference_range": result.reference_range,
        "created_at": now,
    }


def _source(file: str, place: str) -> str:
    return f"{file} {place}".strip()[:255]
