"""The patient's header lines as text, shared by the screen, presentation mode and the PDF."""

from __future__ import annotations

from collections.abc import Callable

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.identifiers import identity_line as shown_identity
from mdt_desktop.domain.records import Patient
from mdt_desktop.domain.regimens import Regimen, RegimenLevel, interval_label
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


def change_from(previous: Regimen, current: Regimen) -> str:
    """What the regimen was, as far as it differs: ``every 6 weeks``, ``10 mg/kg every 8 weeks``."""
    same_dose = (previous.drug, previous.dose_value, previous.dose_unit) == (
        current.drug,
        current.dose_value,
        current.dose_unit,
    )
    if same_dose:
        return interval_label(previous.interval_days)
    return previous.dose_label if previous.drug is current.drug else previous.label


def treatment_line(
    patient: Patient, summary: PatientSummary, wrap: Callable[[str], str] = str
) -> str:
    """Regimen and how it came about, immunomodulator, surgery, smoking, EIMs.

    An intensified regimen says since when and for how long; a reduced one since when and what
    it was reduced from ("Infliximab IV 5 mg/kg every 8 weeks since 02 Mar 2026, de-escalated
    from every 6 weeks"), so a re-review case never reads as an intensified candidate. *wrap*
    is applied to text from feeds (surgery descriptions, extra-intestinal manifestations): the
    documents isolate it for bidirectional text (domain/text.py).
    """
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
        elif summary.de_escalated and summary.previous_regimen is not None:
            since = summary.regimen_since or summary.anti_tnf.start
            before = change_from(summary.previous_regimen, summary.anti_tnf.regimen)
            regimen += f" since {since:%d %b %Y}, de-escalated from {before}"
        elif summary.level is not RegimenLevel.UNKNOWN:
            since = summary.regimen_since or summary.anti_tnf.start
            regimen += f" ({summary.level.value} regimen since {since:%d %b %Y})"
        parts.append(regimen)
    im = summary.immunomodulator
    parts.append(f"{DRUGS[im.drug].label} {im.regimen.dose_label}" if im else "no immunomodulator")
    surgeries = ", ".join(f"{wrap(e.description)} {e.occurred_on:%Y}" for e in summary.surgeries)
    parts.append(f"surgery: {surgeries}" if surgeries else "no IBD surgery")
    parts.append(f"smoking: {patient.smoking.value}")
    parts.append("EIMs: " + (", ".join(wrap(e) for e in patient.extraintestinal) or "none"))
    return " · ".join(parts)
