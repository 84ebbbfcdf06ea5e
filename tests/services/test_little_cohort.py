"""The issue's "done when": a cohort shaped like Little et al.'s, built by hand as a FHIR R4
collection, imported into a new database; the audit reports what was built into it.

25 DEMO patients (20 Crohn's disease, 5 ulcerative colitis) were de-escalated more than a year
before the audit's day: 16 stayed on the reduced regimen, 9 failed (median 183 days, 6.01
months) — 6 re-escalated, all recaptured (calprotectin < 250 ug/g and CRP < 5 mg/L within 6
months), 3 enrolled in a trial. Everyone has a CRP every 6 months after de-escalation, so nobody
is lost to follow-up (docs/clinical.md, "Loss to follow-up").
"""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from mdt_desktop.importers.codes import load_code_table
from mdt_desktop.models.db import open_database
from mdt_desktop.paths import resource_path
from mdt_desktop.services.imports import ImportService
from mdt_desktop.services.outcomes import OutcomeService

AS_OF = date(2026, 11, 24)
FIRST_DE_ESCALATION = date(2024, 3, 4)
INTENSIFIED_FROM = date(2023, 1, 9)
# Days from de-escalation to failure; the 5th of 9 (the median) is 183 days = 6.01 months.
FAILURE_DAYS = (61, 92, 120, 150, 183, 212, 245, 273, 301)
TRIAL_AT = frozenset({92, 183, 273})  # the other six re-escalated
PATIENTS = 25
UC_PATIENTS = frozenset({3, 9, 14, 19, 24})
FAILING = dict(zip((1, 4, 6, 9, 12, 15, 18, 21, 24), FAILURE_DAYS, strict=True))
MONTREAL_CD = ("A2 L3 B1", "A2 L1 B2", "A3 L2 B1p", "A1 L3 B3p")
REGIMENS = {
    "infliximab": ("L04AB02", "mg/kg", 5, (4, 8)),  # 5 mg/kg every 4 weeks, then every 8
    "adalimumab": ("L04AB04", "mg", 40, (1, 2)),  # 40 mg weekly, then every 2 weeks
}
CALPROTECTIN = ("38445-3", "ug/g", "Calprotectin [Mass/mass] in Stool")
CRP = ("1988-5", "mg/L", "C reactive protein [Mass/volume] in Serum or Plasma")
FOLLOW_UP_EVERY = timedelta(days=182)  # 6-monthly results after de-escalation


class Bundle:
    """A FHIR R4 collection Bundle under construction."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def add(self, resource: dict[str, Any]) -> str:
        url = f"urn:uuid:00000000-0000-4000-8000-{next(self._ids):012d}"
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def document(self) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "collection", "entry": self.entries}


def patient(bundle: Bundle, number: int) -> str:
    return bundle.add(
        {
            "resourceType": "Patient",
            "identifier": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                "code": "MR",
                            }
                        ]
                    },
                    "system": "https://hospital.example.org/mrn",
                    "value": f"DEMO70{number:02d}",
                }
            ],
            "name": [{"use": "official", "family": "Little (DEMO)", "given": [f"Case{number}"]}],
            "gender": "female" if number % 2 else "male",
            "birthDate": f"{1970 + number}-0{1 + number % 9}-15",
        }
    )


def condition(bundle: Bundle, subject: str, number: int) -> None:
    uc = number in UC_PATIENTS
    code, display = ("64766004", "Ulcerative colitis") if uc else ("34000006", "Crohn's disease")
    stage = "E2" if uc else MONTREAL_CD[number % len(MONTREAL_CD)]
    bundle.add(
        {
            "resourceType": "Condition",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "subject": {"reference": subject},
            "code": {
                "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
            },
            "onsetDateTime": "2012-06-01",
            "stage": [{"summary": {"text": stage}}],
        }
    )


def medication(
    bundle: Bundle, subject: str, drug: str, weeks: int, start: date, end: date | None
) -> None:
    atc, unit, dose, _ = REGIMENS[drug]
    period = {"start": start.isoformat()} | ({"end": end.isoformat()} if end else {})
    bundle.add(
        {
            "resourceType": "MedicationStatement",
            "status": "completed" if end else "active",
            "subject": {"reference": subject},
            "medicationCodeableConcept": {
                "coding": [{"system": "http://www.whocc.no/atc", "code": atc, "display": drug}],
                "text": drug,
            },
            "effectivePeriod": period,
            "dosage": [
                {
                    "timing": {"repeat": {"frequency": 1, "period": weeks, "periodUnit": "wk"}},
                    "doseAndRate": [
                        {
                            "doseQuantity": {
                                "value": dose,
                                "unit": unit,
                                "system": "http://unitsofmeasure.org",
                                "code": unit,
                            }
                        }
                    ],
                }
            ],
        }
    )


def result(
    bundle: Bundle, subject: str, test: tuple[str, str, str], on: date, value: float
) -> None:
    code, unit, display = test
    bundle.add(
        {
            "resourceType": "Observation",
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "laboratory",
                        }
                    ]
                }
            ],
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": display}]},
            "subject": {"reference": subject},
            "effectiveDateTime": on.isoformat(),
            "valueQuantity": {
                "value": value,
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        }
    )


def trial(bundle: Bundle, subject: str, on: date) -> None:
    bundle.add(
        {
            "resourceType": "ResearchSubject",
            "status": "on-study",
            "study": {"display": "DEMO maintenance trial"},
            "individual": {"reference": subject},
            "period": {"start": on.isoformat()},
        }
    )


def follow_up(bundle: Bundle, subject: str, de_escalated: date) -> None:
    """A CRP every 6 months after de-escalation up to the audit date, as Little et al.
    monitored: the patient is still seen, so nobody is lost to follow-up."""
    day = de_escalated + FOLLOW_UP_EVERY
    while day <= AS_OF:
        result(bundle, subject, CRP, day, 1.5)
        day += FOLLOW_UP_EVERY


def add_case(bundle: Bundle, number: int) -> None:
    """One patient: intensified, de-escalated, then maintained, re-escalated or enrolled."""
    subject = patient(bundle, number)
    condition(bundle, subject, number)
    drug = "infliximab" if number % 3 else "adalimumab"
    intensified, standard = REGIMENS[drug][3]
    de_escalated = FIRST_DE_ESCALATION + timedelta(days=9 * number)
    medication(bundle, subject, drug, intensified, INTENSIFIED_FROM, de_escalated)
    failing = FAILING.get(number)
    # At de-escalation: in remission; those who will fail a little higher, still in range.
    baseline = de_escalated - timedelta(days=14)
    result(bundle, subject, CALPROTECTIN, baseline, 180 + number if failing else 60 + number)
    result(bundle, subject, CRP, baseline, 3.5 if failing else 1.2)
    follow_up(bundle, subject, de_escalated)
    if failing is None:
        medication(bundle, subject, drug, standard, de_escalated, None)
        return
    failed_on = de_escalated + timedelta(days=failing)
    if failing in TRIAL_AT:
        medication(bundle, subject, drug, standard, de_escalated, None)
        trial(bundle, subject, failed_on)
        return
    medication(bundle, subject, drug, standard, de_escalated, failed_on)
    medication(bundle, subject, drug, intensified, failed_on, None)
    result(bundle, subject, CALPROTECTIN, failed_on - timedelta(days=7), 820)  # the flare
    result(bundle, subject, CRP, failed_on - timedelta(days=7), 24)
    result(bundle, subject, CALPROTECTIN, failed_on + timedelta(days=84), 95)  # recaptured
    result(bundle, subject, CRP, failed_on + timedelta(days=84), 2.1)


def little_cohort() -> dict[str, Any]:
    bundle = Bundle()
    for number in range(PATIENTS):
        add_case(bundle, number)
    return bundle.document()


@pytest.fixture
def audit(tmp_path: Path, config):
    source = tmp_path / "little_cohort.json"
    source.write_text(json.dumps(little_cohort(), indent=1), encoding="utf-8")
    database = open_database(tmp_path / "little.sqlite3", create=True)
    try:
        codes = load_code_table(resource_path("lab_codes.toml"))
        report = ImportService(database, codes).run([source], None)
        assert report.ok, report.problems
        assert report.patients == PATIENTS
        return OutcomeService(database, config).audit(as_of=AS_OF)
    finally:
        database.close()


def test_the_cohort_is_what_was_built(audit):
    figures = audit.as_json()
    assert figures["de_escalations"] == 25
    assert figures["patients"] == 25
    assert figures["evaluable_12m"] == 25
    assert figures["maintained_12m"] == 16
    assert figures["maintained_12m_pct"] == 64.0
    assert figures["failed_12m"] == 9
    assert abs(figures["median_months_to_failure"] - 6) < 0.1
    assert figures["failure_reasons"] == {
        "re_escalation": 6,
        "trial_enrolment": 3,
        "steroids": 0,
        "surgery": 0,
        "stopped": 0,
    }
    assert figures["re_escalated"] == 6
    assert figures["recaptured"] == 6
    assert figures["censored"]["followed_to_audit_date"] == 16  # the 16 maintained
    assert figures["lost_to_follow_up"] == 0


def test_splits_of_the_cohort(audit):
    assert {k: f.de_escalations for k, f in audit.by_diagnosis.items()} == {
        "Crohn's disease": 20,
        "Ulcerative colitis": 5,
    }
    assert sum(f.de_escalations for f in audit.by_drug.values()) == 25
    assert set(audit.by_drug) == {"Infliximab IV", "Adalimumab"}


def test_the_curve_and_the_baseline_of_the_cohort(audit):
    km = {p.month: p.survival for p in audit.overall.curve}
    assert km[0] == 1.0
    assert km[12] == pytest.approx(16 / 25)
    assert km[24] == pytest.approx(16 / 25)  # no failure after the first year
    rows = {row.label: row for row in audit.baseline}
    calprotectin = rows["Faecal calprotectin (ug/g)"]
    assert calprotectin.successes.endswith("n=16")
    assert calprotectin.failures.endswith("n=9")
    assert calprotectin.p_value is not None
    assert calprotectin.p_value < 0.001  # failures were built with higher values
    assert rows["Ulcerative colitis"].successes.startswith("3/16")  # UC cases 3, 14 and 19
    assert rows["Ulcerative colitis"].failures.startswith("2/9")  # UC cases 9 and 24
    assert audit.burden.administrations_avoided > 0
