"""The patient's header lines as text, shared by the screen, presentation mode and the PDF."""

from __future__ import annotations

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.identifiers import identity_line as shown_identity
from mdt_desktop.domain.records import Patient
from mdt_desktop.domain.regimens import RegimenLevel
from mdt_desktop.domain.summary import PatientSummary

RESULT_TEXT = {
    ChecklistResult.MET: "✓ Met",
    ChecklistResult.NOT_MET: "✗ Not met",
    ChecklistResult.UNKNOWN: "? Unknown",
}
OVERALL_TEXT = {
    Overall.MET: "✓ Met",
    Overall.NOT_MET: "✗ Not met",
    Overall.INCOMPLETE: "? Incomplete",
}


def identity_line(
    patient: Patient, summary: PatientSummary, identifiers: Identifiers = Identifiers.FULL
) -> str:
    """Name, hospital number, NHS number, age and sex (initials and number on the room screen)."""
    return shown_identity(patient, summary.age, patient.sex.value, identifiers)


def diagnosis_line(patient: Patient, summary: PatientSummary) -> str:
    """Diagnosis with its Montreal code and description, when diagnosed and how long ago."""
    montreal = f" {patient.montreal.code}" if patient.montreal.code else ""
    described = f" ({patient.montreal.description})" if patient.montreal.description else ""
    return (
        f"{patient.ibd_type.label}{montreal}{described} · diagnosed "
        f"{patient.diagnosis_date:%b %Y} ({summary.disease_years:.0f} y)"
    )


def treatment_line(patient: Patient, summary: PatientSummary) -> str:
    """Regimen with intensification date and duration, immunomodulator, surgery, smoking, EIMs."""
    parts = []
    if summary.anti_tnf is None:
        parts.append("No anti-TNF maintenance regimen on the meeting date")
    else:
        regimen = summary.anti_tnf.regimen.label
        if summary.intensified_since and summary.months_intensified is not None:
            regimen += (
                f", intensified since {summary.intensified_since:%d %b %Y} "
                f"({summary.months_intensified:.0f} months)"
            )
        elif summary.level is not RegimenLevel.UNKNOWN:
            regimen += f" ({summary.level.value} regimen since {summary.anti_tnf.start:%d %b %Y})"
        parts.append(regimen)
    im = summary.immunomodulator
    parts.append(f"{DRUGS[im.drug].label} {im.regimen.dose_label}" if im else "no immunomodulator")
    surgeries = ", ".join(f"{e.description} {e.occurred_on:%Y}" for e in summary.surgeries)
    parts.append(f"surgery: {surgeries}" if surgeries else "no IBD surgery")
    parts.append(f"smoking: {patient.smoking.value}")
    parts.append("EIMs: " + (", ".join(patient.extraintestinal) or "none"))
    return " · ".join(parts)
