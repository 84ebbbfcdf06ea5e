"""Conversion between ORM rows and frozen domain records. ORM rows never leave services/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mdt_desktop.domain.checklist import shown_answer
from mdt_desktop.domain.enums import (
    Analyte,
    ChecklistResult,
    Comparator,
    DoseUnit,
    Drug,
    EndReason,
    EventKind,
    IbdType,
    Interpretation,
    Outcome,
    Phase,
    Sex,
    SmokingStatus,
)
from mdt_desktop.domain.montreal import Montreal
from mdt_desktop.domain.records import (
    Action,
    Administration,
    Annotation,
    ChecklistAnswer,
    ClinicalEvent,
    Decision,
    EvidenceItem,
    MedicationPeriod,
    Observation,
    Patient,
    PlannedCheck,
)
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.models import (
    ActionRow,
    AdministrationRow,
    AnnotationRow,
    ChecklistAnswerRow,
    ClinicalEventRow,
    DecisionRow,
    MedicationPeriodRow,
    ObservationRow,
    PatientRow,
)


def patient_from_row(row: PatientRow) -> Patient:
    """Return the domain patient of a ``patients`` row."""
    return Patient(
        id=row.id,
        hospital_number=row.hospital_number,
        family_name=row.family_name,
        given_name=row.given_name,
        date_of_birth=row.date_of_birth,
        sex=Sex(row.sex),
        ibd_type=IbdType(row.ibd_type),
        diagnosis_date=row.diagnosis_date,
        montreal=Montreal(
            age=row.montreal_age,
            location=row.montreal_location,
            upper_gi=row.montreal_upper_gi,
            behaviour=row.montreal_behaviour,
            perianal=row.montreal_perianal,
            extent=row.montreal_extent,
        ),
        smoking=SmokingStatus(row.smoking),
        extraintestinal=tuple(row.extraintestinal or ()),
        prior_immunomodulator_failure=row.prior_immunomodulator_failure,
        nhs_number=row.nhs_number,
        is_demo=row.is_demo,
    )


def patient_columns(patient: Patient, created_at: datetime) -> dict[str, Any]:
    """Return the ``patients`` column values for a domain patient."""
    m = patient.montreal
    return {
        "hospital_number": patient.hospital_number,
        "nhs_number": patient.nhs_number,
        "family_name": patient.family_name,
        "given_name": patient.given_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex.value,
        "ibd_type": patient.ibd_type.value,
        "diagnosis_date": patient.diagnosis_date,
        "montreal_age": m.age,
        "montreal_location": m.location,
        "montreal_upper_gi": m.upper_gi,
        "montreal_behaviour": m.behaviour,
        "montreal_perianal": m.perianal,
        "montreal_extent": m.extent,
        "smoking": patient.smoking.value,
        "extraintestinal": list(patient.extraintestinal),
        "prior_immunomodulator_failure": patient.prior_immunomodulator_failure,
        "is_demo": patient.is_demo,
        "created_at": created_at,
    }


def medication_from_row(row: MedicationPeriodRow) -> MedicationPeriod:
    """Return the domain medication period of a row."""
    return MedicationPeriod(
        id=row.id,
        drug=Drug(row.drug),
        dose_value=row.dose_value,
        dose_unit=DoseUnit(row.dose_unit),
        interval_days=row.interval_days,
        start=row.start_date,
        end=row.end_date,
        phase=Phase(row.phase),
        reason=row.reason,
        end_reason=EndReason(row.end_reason) if row.end_reason else None,
        end_reason_detail=row.end_reason_detail or "",
    )


def medication_columns(
    period: MedicationPeriod, patient_id: int, source: str, created_at: datetime
) -> dict[str, Any]:
    """Return the ``medication_periods`` column values for a period."""
    return {
        "patient_id": patient_id,
        "drug": period.drug.value,
        "dose_value": period.dose_value,
        "dose_unit": period.dose_unit.value,
        "interval_days": period.interval_days,
        "start_date": period.start,
        "end_date": period.end,
        "phase": period.phase.value,
        "reason": period.reason,
        "end_reason": period.end_reason.value if period.end_reason else None,
        "end_reason_detail": period.end_reason_detail,
        "source": source,
        "created_at": created_at,
    }


def observation_from_row(row: ObservationRow) -> Observation:
    """Return the domain observation of a row."""
    return Observation(
        id=row.id,
        analyte=Analyte(row.analyte),
        value=row.value,
        unit=row.unit,
        collected_at=row.collected_at,
        comparator=Comparator(row.comparator) if row.comparator else None,
        original_value=row.original_value,
        original_unit=row.original_unit,
        source=row.source,
        assay=row.assay,
        target_drug=row.target_drug,
        abnormal_flag=row.abnormal_flag,
        reference_range=row.reference_range,
    )


def observation_columns(obs: Observation, patient_id: int, created_at: datetime) -> dict[str, Any]:
    """Return the ``observations`` column values for an observation."""
    return {
        "patient_id": patient_id,
        "analyte": obs.analyte.value,
        "value": obs.value,
        "unit": obs.unit,
        "comparator": obs.comparator.value if obs.comparator else None,
        "original_value": obs.original_value,
        "original_unit": obs.original_unit,
        "collected_at": obs.collected_at,
        "source": obs.source,
        "assay": obs.assay,
        "target_drug": obs.target_drug,
        "abnormal_flag": obs.abnormal_flag,
        "reference_range": obs.reference_range,
        "created_at": created_at,
    }


def administration_from_row(row: AdministrationRow) -> Administration:
    """Return the domain record of a dose given (a ``medication_administrations`` row)."""
    return Administration(
        id=row.id,
        drug=Drug(row.drug),
        given_on=row.given_on,
        dose_value=row.dose_value,
        dose_unit=DoseUnit(row.dose_unit) if row.dose_unit else None,
    )


def event_from_row(row: ClinicalEventRow) -> ClinicalEvent:
    """Return the domain event of a ``clinical_events`` row."""
    return ClinicalEvent(
        id=row.id,
        kind=EventKind(row.kind),
        occurred_on=row.occurred_on,
        description=row.description,
        is_resection=row.is_resection,
        mucosal_healing=row.mucosal_healing,
    )


def event_columns(
    event: ClinicalEvent, patient_id: int, source: str, created_at: datetime
) -> dict[str, Any]:
    """Return the ``clinical_events`` column values for an event."""
    return {
        "patient_id": patient_id,
        "kind": event.kind.value,
        "occurred_on": event.occurred_on,
        "description": event.description,
        "is_resection": event.is_resection,
        "mucosal_healing": event.mucosal_healing,
        "source": source,
        "created_at": created_at,
    }


def evidence_to_json(items: tuple[EvidenceItem, ...]) -> list[dict[str, Any]]:
    """Return checklist evidence as JSON-ready dictionaries."""
    return [
        {
            "label": e.label,
            "value": e.value,
            "unit": e.unit,
            "date": e.on.isoformat() if e.on else None,
            "threshold": e.threshold,
            "sources": list(e.sources),
            "stale": e.stale,
        }
        for e in items
    ]


def evidence_from_json(items: list[dict[str, Any]]) -> tuple[EvidenceItem, ...]:
    """Return checklist evidence from its stored JSON form."""
    return tuple(
        EvidenceItem(
            label=e["label"],
            value=e["value"],
            unit=e.get("unit", ""),
            on=date.fromisoformat(e["date"]) if e.get("date") else None,
            threshold=e.get("threshold", ""),
            sources=tuple(e.get("sources", ())),
            stale=bool(e.get("stale", False)),
        )
        for e in items
    )


def checklist_from_row(row: ChecklistAnswerRow, label: str) -> ChecklistAnswer:
    """Return a stored checklist answer, labelled from the configuration."""
    answer = ChecklistAnswer(
        item_key=row.item_key,
        label=label,
        automatic=ChecklistResult(row.automatic),
        evidence=evidence_from_json(row.evidence or []),
        note=row.note,
        confirmed=ChecklistResult(row.confirmed) if row.confirmed else None,
        override_reason=row.override_reason,
        answered_by=row.answered_by.name if row.answered_by else None,
        answered_at=row.answered_at,
    )
    return shown_answer(answer)


def monitoring_to_json(plan: tuple[PlannedCheck, ...]) -> list[dict[str, Any]]:
    """Return a monitoring plan as JSON-ready dictionaries."""
    return [
        {"label": c.label, "due": c.due.isoformat(), "analytes": list(c.analytes)} for c in plan
    ]


def monitoring_from_json(items: list[dict[str, Any]]) -> tuple[PlannedCheck, ...]:
    """Return a monitoring plan from its stored JSON form."""
    return tuple(
        PlannedCheck(i["label"], date.fromisoformat(i["due"]), tuple(i.get("analytes", ())))
        for i in items
    )


def decision_from_row(row: DecisionRow) -> Decision:
    """Return the domain decision of a ``decisions`` row."""
    target = None
    if row.target_drug and row.target_dose and row.target_dose_unit and row.target_interval_days:
        target = Regimen(
            Drug(row.target_drug),
            row.target_dose,
            DoseUnit(row.target_dose_unit),
            row.target_interval_days,
        )
    return Decision(
        id=row.id,
        outcome=Outcome(row.outcome),
        rationale=row.rationale,
        decided_by=row.decided_by.name,
        decided_at=row.decided_at,
        target_regimen=target,
        effective_date=row.effective_date,
        dissent=row.dissent,
        monitoring=monitoring_from_json(row.monitoring or []),
        next_review=row.next_review,
        amends_id=row.amends_id,
        amendment_reason=row.amendment_reason,
    )


def action_from_row(row: ActionRow) -> Action:
    """Return the domain action of an ``actions`` row."""
    return Action(row.id, row.description, row.owner.name, row.due_date, row.done_at)


def annotation_from_row(row: AnnotationRow, observation: ObservationRow) -> Annotation:
    """Return a pharmacist annotation with the result it annotates."""
    return Annotation(
        id=row.id,
        observation_id=row.observation_id,
        analyte=Analyte(observation.analyte),
        observation_value=(observation.comparator or "") + f"{observation.value:g}",
        observation_unit=observation.unit,
        collected_at=observation.collected_at,
        interpretation=Interpretation(row.interpretation),
        comment=row.comment,
        recommendation=row.recommendation,
        pharmacist=row.pharmacist.name,
        created_at=row.created_at,
        supersedes_id=row.supersedes_id,
        case_review_id=row.case_review_id,
    )
