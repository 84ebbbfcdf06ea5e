"""Relapse risk factors that apply to a patient: context, not a score.

See docs/clinical.md, "Risk factors". Each rule says whether its factor applies on a date and
why, with the value, date and cut-off behind it. Factor labels and sources come from
resources/risk_factors.toml; where sources disagree about a factor, its ``conflict`` text says
so and is shown with it.

- Laboratory factors read only results within ``risk_lab_max_age`` of the meeting: an older
  result is no factor.
- "No mucosal healing" reads the last endoscopy of the current anti-TNF course (from its first
  period, across gaps of at most the longer interval plus ``dose_gap_tolerance``), never the
  diagnostic one before the drug began.
- A previous resection (S80) and the absence of one (STORI, S23) are both listed: the sources
  disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS
from mdt_desktop.domain.enums import Analyte, DrugClass, EventKind, IbdType, SmokingStatus
from mdt_desktop.domain.history import current_anti_tnf, joins, on_immunomodulator
from mdt_desktop.domain.readings import latest, meets
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod, PatientRecord
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


def _resections(record: PatientRecord, on: date) -> list[ClinicalEvent]:
    return [
        e for e in record.events_of(EventKind.SURGERY) if e.is_resection and e.occurred_on <= on
    ]


def _previous_resection(record: PatientRecord, on: date, t: Thresholds) -> str | None:
    """A previous resection (S80), with the short-bowel caution after two or more."""
    resections = _resections(record, on)
    if not resections:
        return None
    listed = "; ".join(f"{e.description} ({e.occurred_on:%b %Y})" for e in resections)
    caution = t["risk_resections_short_bowel"]
    if len(resections) >= caution.value:
        return f"{listed} — {len(resections)} resections: short-bowel caution"
    return listed


def _no_previous_resection(record: PatientRecord, on: date, _t: Thresholds) -> str | None:
    """No resection on record in Crohn's disease: STORI's factor after infliximab withdrawal (S23).

    STORI studied Crohn's disease only, so the factor is not applied to colitis.
    """
    if record.patient.ibd_type is not IbdType.CROHNS or _resections(record, on):
        return None
    return "No intestinal resection on record"


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


def _no_mucosal_healing(record: PatientRecord, on: date, t: Thresholds) -> str | None:
    """The last endoscopy since the current anti-TNF course began showed no healing.

    An endoscopy before the course (the diagnostic one, years before) says nothing about the
    drug; without a current course, or without an endoscopy in it, the factor is not listed.
    """
    began = course_start(record.medications, on, t["dose_gap_tolerance"].days)
    if began is None:
        return None
    scoped = [
        e
        for e in record.events_of(EventKind.ENDOSCOPY)
        if began <= e.occurred_on <= on and e.mucosal_healing is not None
    ]
    if not scoped:
        return None
    last = max(scoped, key=lambda e: e.occurred_on)
    if last.mucosal_healing:
        return None
    return (
        f"{last.description} on {last.occurred_on:%d %b %Y}: no mucosal healing "
        f"(course since {began:%d %b %Y})"
    )


def course_start(periods: Sequence[MedicationPeriod], on: date, gap_days: float) -> date | None:
    """The first day of the current anti-TNF course on *on* (None: no anti-TNF that day).

    The course is the run of periods of the current molecule (any route, induction and single
    doses included) that reaches back from the current regimen, each joined to the next as
    history.joins says: within the longer of the two intervals plus *gap_days* (docs/clinical.md,
    "Medication episodes").
    """
    current = current_anti_tnf(periods, on)
    if current is None:
        return None
    molecule = DRUGS[current.drug].molecule
    earlier = sorted(
        (
            p
            for p in periods
            if DRUGS[p.drug].drug_class is DrugClass.ANTI_TNF
            and DRUGS[p.drug].molecule == molecule
            and p.start < current.start
        ),
        key=lambda p: p.start,
        reverse=True,
    )
    start, following = current.start, current
    for period in earlier:
        if not joins(period, following, gap_days):
            break
        start, following = min(start, period.start), period
    return start


def _lab_rule(analyte: Analyte, key: str) -> Rule:
    """A STORI laboratory factor, from a result within ``risk_lab_max_age`` of the meeting."""

    def rule(record: PatientRecord, on: date, t: Thresholds) -> str | None:
        threshold = t[key]
        max_age = t["risk_lab_max_age"]
        found = latest(record.observations, analyte, on, max_age.days)
        if found is None or found.stale or not meets(found.observation, threshold):
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
    "no_previous_resection": _no_previous_resection,
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
                RiskFinding(
                    spec.key,
                    spec.label,
                    detail,
                    spec.sources,
                    spec.evidence,
                    spec.note,
                    spec.conflict,
                )
            )
    return tuple(findings)
