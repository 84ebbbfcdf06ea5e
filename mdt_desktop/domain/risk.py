"""Relapse risk factors that apply to a patient (context, not a score; CLINICAL.md §4).

Each rule says whether its factor applies on a date and why, with the value, date and cut-off
behind it. Factor labels and sources come from resources/risk_factors.toml.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.catalogue import ANALYTES
from mdt_desktop.domain.enums import Analyte, EventKind, IbdType, SmokingStatus
from mdt_desktop.domain.history import on_immunomodulator
from mdt_desktop.domain.readings import latest, meets
from mdt_desktop.domain.records import PatientRecord
from mdt_desktop.domain.thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class RiskFactorSpec:
    """One factor of resources/risk_factors.toml."""

    key: str
    label: str
    sources: tuple[str, ...]
    evidence: str
    note: str = ""
    conflict: str = ""  # where sources disagree about this factor, said so (shown with it)


@dataclass(frozen=True, slots=True)
class RiskFinding:
    """A factor that applies to this patient, with the facts behind it."""

    key: str
    label: str
    detail: str
    sources: tuple[str, ...]
    evidence: str
    note: str = ""
    conflict: str = ""


Rule = Callable[[PatientRecord, date, Thresholds], str | None]


def _no_immunomodulator(record: PatientRecord, on: date, _t: Thresholds) -> str | None:
    return None if on_immunomodulator(record.medications, on) else "None recorded on this date"


def _complicated_phenotype(record: PatientRecord, _on: date, _t: Thresholds) -> str | None:
    behaviour = record.patient.montreal.behaviour
    if behaviour == "B2":
        return "Montreal B2 (stricturing)"
    if behaviour == "B3":
        return "Montreal B3 (penetrating)"
    return None


def _perianal(record: PatientRecord, _on: date, _t: Thresholds) -> str | None:
    return "Montreal perianal modifier (p)" if record.patient.montreal.perianal else None


def _previous_resection(record: PatientRecord, on: date, t: Thresholds) -> str | None:
    resections = [
        e for e in record.events_of(EventKind.SURGERY) if e.is_resection and e.occurred_on <= on
    ]
    if not resections:
        return None
    listed = "; ".join(f"{e.description} ({e.occurred_on:%b %Y})" for e in resections)
    caution = t["risk_resections_short_bowel"]
    if len(resections) >= caution.value:
        return f"{listed} — {len(resections)} resections: short-bowel caution"
    return listed


def _extraintestinal(record: PatientRecord, _on: date, _t: Thresholds) -> str | None:
    return ", ".join(record.patient.extraintestinal) or None


def _active_smoking(record: PatientRecord, _on: date, _t: Thresholds) -> str | None:
    return "Current smoker" if record.patient.smoking is SmokingStatus.CURRENT else None


def _young_at_diagnosis(record: PatientRecord, _on: date, t: Thresholds) -> str | None:
    threshold = t["risk_age_at_diagnosis"]
    age = record.patient.age_at_diagnosis
    if threshold.met_by(age):
        return f"Diagnosed at {age} ({threshold.describe()})"
    return None


def _extensive_disease(record: PatientRecord, _on: date, _t: Thresholds) -> str | None:
    m = record.patient.montreal
    if record.patient.ibd_type is not IbdType.CROHNS and m.extent == "E3":
        return "Extensive colitis (E3)"
    if record.patient.ibd_type is IbdType.CROHNS and m.location == "L3":
        return "Ileocolonic disease (L3)"
    return None


def _prior_immunomodulator_failure(record: PatientRecord, _on: date, _t: Thresholds) -> str | None:
    return "Recorded" if record.patient.prior_immunomodulator_failure else None


def _no_mucosal_healing(record: PatientRecord, on: date, _t: Thresholds) -> str | None:
    scoped = [
        e
        for e in record.events_of(EventKind.ENDOSCOPY)
        if e.occurred_on <= on and e.mucosal_healing is not None
    ]
    if not scoped:
        return None
    last = max(scoped, key=lambda e: e.occurred_on)
    if last.mucosal_healing:
        return None
    return f"{last.description} on {last.occurred_on:%d %b %Y}: no mucosal healing"


def _lab_rule(analyte: Analyte, key: str) -> Rule:
    def rule(record: PatientRecord, on: date, t: Thresholds) -> str | None:
        threshold = t[key]
        found = latest(record.observations, analyte, on, None)
        if found is None or not meets(found.observation, threshold):
            return None
        obs = found.observation
        return (
            f"{ANALYTES[analyte].short} {obs.display_value} {obs.unit} on "
            f"{obs.collected_at:%d %b %Y} ({threshold.describe()})"
        )

    return rule


def _ulcerative_colitis(record: PatientRecord, _on: date, _t: Thresholds) -> str | None:
    return record.patient.ibd_type.label if record.patient.ibd_type is IbdType.UC else None


RULES: dict[str, Rule] = {
    "no_immunomodulator": _no_immunomodulator,
    "complicated_phenotype": _complicated_phenotype,
    "perianal": _perianal,
    "previous_resection": _previous_resection,
    "extraintestinal": _extraintestinal,
    "active_smoking": _active_smoking,
    "young_at_diagnosis": _young_at_diagnosis,
    "extensive_disease": _extensive_disease,
    "prior_immunomodulator_failure": _prior_immunomodulator_failure,
    "no_mucosal_healing": _no_mucosal_healing,
    "wbc_high": _lab_rule(Analyte.WBC, "risk_wbc"),
    "haemoglobin_low": _lab_rule(Analyte.HAEMOGLOBIN, "risk_haemoglobin"),
    "crp_raised": _lab_rule(Analyte.CRP, "risk_crp"),
    "calprotectin_raised": _lab_rule(Analyte.FAECAL_CALPROTECTIN, "risk_calprotectin"),
    "ulcerative_colitis": _ulcerative_colitis,
}


def applicable_risks(
    specs: Sequence[RiskFactorSpec], record: PatientRecord, on: date, thresholds: Thresholds
) -> tuple[RiskFinding, ...]:
    """Return the factors that apply to *record* on *on*, in the configured order."""
    findings = []
    for spec in specs:
        detail = RULES[spec.key](record, on, thresholds)
        if detail:
            findings.append(
                RiskFinding(spec.key, spec.label, detail, spec.sources, spec.evidence, spec.note)
            )
    return tuple(findings)
