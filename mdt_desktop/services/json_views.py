"""JSON shapes of the CLI contract: ``patient --json`` and ``meeting --json``.

See docs/architecture.md, "Command line".

Keys listed in the contract are never renamed or removed; new keys may be added.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from mdt_desktop.domain.board import CaseDetail, ReviewSummary
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.consensus import quorum
from mdt_desktop.domain.enums import AttendanceStatus
from mdt_desktop.domain.new_data import NewData
from mdt_desktop.domain.records import (
    Action,
    Administration,
    Annotation,
    AttendeePosition,
    CarriedFrom,
    CaseSummary,
    ChecklistAnswer,
    ClinicalEvent,
    Decision,
    MedicationPeriod,
    MeetingRecord,
    Observation,
    Patient,
    PatientRecord,
)
from mdt_desktop.services.mapping import evidence_to_json, monitoring_to_json


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def patient_identity(patient: Patient) -> dict[str, Any]:
    """Identifiers and disease description shared by both documents."""
    m = patient.montreal
    return {
        "hospital_number": patient.hospital_number,
        "nhs_number": patient.nhs_number,
        "family_name": patient.family_name,
        "given_name": patient.given_name,
        "date_of_birth": _iso(patient.date_of_birth),
        "sex": patient.sex.value,
        "diagnosis": patient.ibd_type.value,
        "diagnosis_label": patient.ibd_type.label,
        "diagnosed_on": _iso(patient.diagnosis_date),
        "montreal": {
            "code": m.code,
            "age": m.age,
            "location": m.location,
            "upper_gi": m.upper_gi,
            "behaviour": m.behaviour,
            "perianal": m.perianal,
            "extent": m.extent,
        },
        "is_demo": patient.is_demo,
    }


def _medication(period: MedicationPeriod) -> dict[str, Any]:
    intensity = period.intensity
    return {
        "drug": period.drug.value,
        "drug_label": DRUGS[period.drug].label,
        "dose": period.dose_value,
        "dose_unit": period.dose_unit.value,
        "interval_days": period.interval_days,
        "start": _iso(period.start),
        "end": _iso(period.end),
        "phase": period.phase.value,
        "intensity": round(intensity.value, 4),
        "intensity_unit": intensity.unit,
        "reason": period.reason,
        "end_reason": period.end_reason.value if period.end_reason else None,
        "end_reason_detail": period.end_reason_detail,
    }


def _original_number(obs: Observation) -> float | None:
    text = obs.original_value.lstrip("<>=")
    try:
        return float(text)
    except ValueError:
        return None


def _observation(obs: Observation) -> dict[str, Any]:
    return {
        "analyte": obs.analyte.value,
        "value": obs.value,
        "unit": obs.unit,
        "comparator": obs.comparator.value if obs.comparator else None,
        "original_value": _original_number(obs),
        "original_text": obs.original_value,
        "original_unit": obs.original_unit,
        "collected_at": _iso(obs.collected_at),
        "source": obs.source,
        "assay": obs.assay,
        "target_drug": obs.target_drug,
        "abnormal_flag": obs.abnormal_flag,
        "reference_range": obs.reference_range,
    }


def _event(event: ClinicalEvent) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "date": _iso(event.occurred_on),
        "description": event.description,
        "is_resection": event.is_resection,
        "mucosal_healing": event.mucosal_healing,
    }


def _administration(given: Administration) -> dict[str, Any]:
    return {
        "drug": given.drug.value,
        "given_on": _iso(given.given_on),
        "dose": given.dose_value,
        "dose_unit": given.dose_unit.value if given.dose_unit else None,
    }


def patient_json(record: PatientRecord, reviews: list[ReviewSummary]) -> dict[str, Any]:
    """The ``patient HOSPNO --json`` document."""
    p = record.patient
    return {
        **patient_identity(p),
        "smoking": p.smoking.value,
        "extraintestinal": list(p.extraintestinal),
        "prior_immunomodulator_failure": p.prior_immunomodulator_failure,
        "medications": [_medication(m) for m in record.medications],
        "observations": [_observation(o) for o in record.observations],
        "events": [_event(e) for e in record.events],
        "administrations": [_administration(a) for a in record.administrations],
        "reviews": [
            {
                "meeting_date": _iso(r.meeting_date),
                "meeting_status": r.meeting_status.value,
                "case_status": r.case_status.value,
                "outcome": r.outcome.value if r.outcome else None,
            }
            for r in reviews
        ],
    }


def _checklist(answer: ChecklistAnswer) -> dict[str, Any]:
    return {
        "item": answer.item_key,
        "label": answer.label,
        "automatic": answer.automatic.value,
        "confirmed": answer.confirmed.value if answer.confirmed else None,
        "effective": answer.effective.value,
        "evidence": evidence_to_json(answer.evidence),
        "note": answer.note,
        "override_reason": answer.override_reason,
        "answered_by": answer.answered_by,
        "answered_at": _iso(answer.answered_at),
    }


def _decision(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    target = decision.target_regimen
    return {
        "outcome": decision.outcome.value,
        "outcome_label": decision.outcome.label,
        "rationale": decision.rationale,
        "dissent": decision.dissent,
        "target_regimen": None
        if target is None
        else {
            "drug": target.drug.value,
            "dose": target.dose_value,
            "dose_unit": target.dose_unit.value,
            "interval_days": target.interval_days,
            "label": target.label,
        },
        "effective_date": _iso(decision.effective_date),
        "monitoring": monitoring_to_json(decision.monitoring),
        "next_review": _iso(decision.next_review),
        "decided_by": decision.decided_by,
        "decided_at": _iso(decision.decided_at),
        "amendment_reason": decision.amendment_reason or None,
    }


def _action(action: Action) -> dict[str, Any]:
    return {
        "description": action.description,
        "owner": action.owner,
        "due": _iso(action.due),
        "done": action.done_at is not None,
        "done_at": _iso(action.done_at),
    }


def _annotation(note: Annotation) -> dict[str, Any]:
    return {
        "analyte": note.analyte.value,
        "value": note.observation_value,
        "unit": note.observation_unit,
        "collected_at": _iso(note.collected_at),
        "interpretation": note.interpretation.value,
        "comment": note.comment,
        "recommendation": note.recommendation,
        "pharmacist": note.pharmacist,
        "created_at": _iso(note.created_at),
    }


def _position(position: AttendeePosition, decision: Decision | None) -> dict[str, Any]:
    return {
        "name": position.name,
        "role": position.role.value,
        "role_label": position.role.label,
        "position": position.position.value,
        "comment": position.comment,
        "recorded_by": position.recorded_by,
        "recorded_at": _iso(position.recorded_at),
        # taken on the version before an amendment, or before the decision was last changed
        "on_earlier_version": decision is not None
        and (position.decision_id != decision.id or position.recorded_at < decision.decided_at),
    }


def _carried(carried: CarriedFrom | None) -> dict[str, Any] | None:
    if carried is None:
        return None
    return {"meeting_date": _iso(carried.meeting_date), "reason": carried.reason}


def _case(case: CaseSummary) -> dict[str, Any]:
    return {
        "position": case.position,
        "hospital_number": case.patient.hospital_number,
        "patient": f"{case.patient.family_name}, {case.patient.given_name}",
        "diagnosis": case.patient.ibd_type.value,
        "status": case.status.value,
        "checklist": [_checklist(a) for a in case.checklist],
        "decision": _decision(case.decision),
        "actions": [_action(a) for a in case.actions],
        "annotations": [_annotation(n) for n in case.annotations],
        "notes": [
            {"author": n.author, "text": n.text, "created_at": _iso(n.created_at)}
            for n in case.notes
        ],
        "earlier_decisions": [_decision(d) for d in case.earlier_decisions],
        "positions": [_position(p, case.decision) for p in case.positions],
        "carried_over_from": _carried(case.carried_from),
        "added_reason": case.added_reason or None,
        "deferral_reason": case.deferral_reason or None,
    }


def frozen_evidence_json(detail: CaseDetail) -> dict[str, Any]:
    """Per case: the snapshot it was built from (or null) and the new data since the decision."""
    stamp = detail.snapshot
    return {
        "snapshot": (
            {
                "taken_at": _iso(stamp.taken_at),
                "digest": stamp.digest,
                "format_version": stamp.format_version,
            }
            if stamp
            else None
        ),
        "new_data_since_decision": [_new_data(n) for n in detail.new_data],
    }


def rereview_json(detail: CaseDetail) -> dict[str, Any]:
    """Per case: the re-review after an earlier de-escalation that is due (or null).

    ``checklist_kind`` says which checklist the case is read against: ``rereview`` or
    ``remission`` (docs/clinical.md, "Checklist").
    """
    review = detail.rereview
    if review is None:
        return {"rereview": None, "checklist_kind": "remission"}
    return {
        "checklist_kind": "rereview",
        "rereview": {
            "tag": review.tag.value,
            "tag_label": review.tag.label,
            "reason": review.reason,
            "summary": review.summary,
            "lines": list(review.lines()),
            "target_regimen": review.decision.target.label if review.decision.target else None,
            "decided_on": _iso(review.decision.decided_on),
            "effective": _iso(review.decision.effective),
            "checks": [
                {
                    "label": c.check.label,
                    "due": _iso(c.check.due),
                    "state": c.state.value,
                    "results": list(c.found),
                    "missing": list(c.missing),
                }
                for c in review.checks
            ],
        },
    }


def _new_data(item: NewData) -> dict[str, Any]:
    return {
        "kind": item.kind.value,
        "change": item.change.value,
        "analyte": item.analyte,
        "item": item.item,
        "label": item.label,
        "value": item.value,
        "unit": item.unit or None,
        "date": _iso(item.on),
        "previous": item.previous or None,
        "text": item.as_text(),
    }


def meeting_json(meeting: MeetingRecord, details: Sequence[CaseDetail] = ()) -> dict[str, Any]:
    """The ``meeting YYYY-MM --json`` document.

    With the board's *details*, each case also has ``snapshot``, ``new_data_since_decision``
    and ``rereview`` (the re-review after an earlier de-escalation, or null).
    """
    evidence = {d.case.id: frozen_evidence_json(d) | rereview_json(d) for d in details}
    return {
        "date": _iso(meeting.meeting_date),
        "status": meeting.status.value,
        "chair": meeting.chair,
        "location": meeting.location or None,
        "attendance": [
            {
                "name": a.name,
                "role": a.role.value,
                "role_label": a.role.label,
                "present": a.status is AttendanceStatus.PRESENT,
            }
            for a in meeting.attendance
        ],
        "quorum_warnings": list(quorum(meeting.attendance).warnings) if meeting.attendance else [],
        "cases": [_case(c) | evidence.get(c.id, {}) for c in meeting.cases],
        "signed_off_by": meeting.signed_off_by,
        "signed_off_at": _iso(meeting.signed_off_at),
    }
