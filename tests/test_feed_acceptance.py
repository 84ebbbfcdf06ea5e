"""Issue 12's "done when": a cohort sent the way an EHR sends it gives the audit a biostatistician
computes by hand, and a positive antibody from any route makes the drug-level item "not met".

The bundle below is written from the FHIR R4 resource definitions (Patient, Condition,
MedicationStatement with status / statusReason / effectivePeriod / dosage.timing.repeat,
Observation with LOINC and a local code) in the shapes EHR exports use: induction sent as a
regimen or as single loading doses, a statement ending on its last dose weeks before the next
regimen starts, stops for an adverse event, pregnancy and loss of response, a stop with no
reason, a drug left "active" for a patient who stopped attending, an IV to SC switch. Nothing
here comes from the demo. The expected figures are worked out by hand in the comments.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from mdt_desktop import cli

AS_OF = "2026-12-01"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
LOCAL_LAB = "https://hospital.example.org/lab-codes"
DRUGS = {"IFX": ("L04AB02", "infliximab"), "ADA": ("L04AB04", "adalimumab")}
DAYS_PER_MONTH = 30.4375


class Bundle:
    """Builds a FHIR R4 collection Bundle one resource at a time."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, resource: dict[str, Any]) -> str:
        url = f"urn:uuid:00000000-0000-4000-8000-{len(self.entries) + 1:012d}"
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def patient(self, number: str, family: str, born: str, sex: str, ibd: str) -> str:
        ref = self.add(
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
                        "value": number,
                    }
                ],
                "name": [{"family": family, "given": ["Demo"]}],
                "gender": sex,
                "birthDate": born,
            }
        )
        code, display = (
            ("34000006", "Crohn's disease") if ibd == "CD" else ("64766004", "Ulcerative colitis")
        )
        self.add(
            {
                "resourceType": "Condition",
                "subject": {"reference": ref},
                "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
                "onsetDateTime": "2015-03-01",
                "stage": [{"summary": {"text": "A2 L3 B1" if ibd == "CD" else "E3"}}],
            }
        )
        return ref

    def statement(
        self,
        ref: str,
        drug: str,
        dose: float,
        unit: str,
        every: tuple[int, str] | None,
        start: str,
        end: str | None = None,
        status: str = "completed",
        reason: dict[str, Any] | None = None,
        count: int | None = None,
    ) -> None:
        atc, name = DRUGS.get(drug, (None, drug))
        concept: dict[str, Any] = (
            {"coding": [{"system": ATC, "code": atc, "display": name}], "text": name}
            if atc
            else {"text": name}
        )
        repeat: dict[str, Any] = {}
        if every is not None:
            repeat = {"frequency": 1, "period": every[0], "periodUnit": every[1]}
        if count is not None:
            repeat["count"] = count
        resource: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "status": status,
            "subject": {"reference": ref},
            "medicationCodeableConcept": concept,
            "effectivePeriod": {"start": start, **({"end": end} if end else {})},
            "dosage": [
                {
                    "timing": {"repeat": repeat},
                    "doseAndRate": [
                        {
                            "doseQuantity": {
                                "value": dose,
                                "unit": unit,
                                "system": UCUM,
                                "code": unit,
                            }
                        }
                    ],
                }
            ],
        }
        if reason is not None:
            resource["statusReason"] = [reason]
        self.add(resource)

    def result(
        self,
        ref: str,
        code: tuple[str, str, str],
        value: float | str,
        unit: str,
        when: str,
        interpretation: str | None = None,
    ) -> None:
        system, number, display = code
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": system, "code": number, "display": display}]},
            "subject": {"reference": ref},
            "effectiveDateTime": when,
        }
        if isinstance(value, str):
            comparator, number_text = value[0], value[1:]
            resource["valueQuantity"] = {
                "value": float(number_text),
                "comparator": comparator,
                "unit": unit,
                "system": UCUM,
                "code": unit,
            }
        else:
            resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
        if interpretation:
            resource["interpretation"] = [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                            "code": interpretation,
                        }
                    ]
                }
            ]
        self.add(resource)

    def write(self, path: Path) -> Path:
        path.write_text(
            json.dumps({"resourceType": "Bundle", "type": "collection", "entry": self.entries}),
            encoding="utf-8",
        )
        return path


CRP = (LOINC, "1988-5", "C reactive protein [Mass/volume] in Serum or Plasma")
FCP = (LOINC, "38445-3", "Calprotectin [Mass/mass] in Stool")
IFX_LEVEL = (LOINC, "39803-2", "inFLIXimab [Mass/volume] in Serum or Plasma")
ATI = (LOCAL_LAB, "ATI", "Antibodies to infliximab")
Q2W, Q6W, Q8W, Q1W = (2, "wk"), (6, "wk"), (8, "wk"), (1, "wk")
ADVERSE = {
    "coding": [{"system": SNOMED, "code": "281647001", "display": "Adverse reaction"}],
    "text": "Infusion reaction",
}


def cohort(bundle: Bundle) -> None:
    """Eleven patients; ten de-escalations. Dates are the ones worked through below."""
    # A: induction sent as a q2w regimen; q8w; q6w ending ON ITS LAST DOSE (2025-01-06 =
    # 2023-10-02 + 11 x 42 d); q8w from the next dose 8 weeks later (gap 56 d <= max(42, 56) + 7).
    # De-escalation 2025-03-03, in contact (CRP 2026-10-05): followed to the audit date,
    # 638 d = 20.96 months.
    a = bundle.patient("FEEDA01", "Alder", "1980-05-01", "female", "CD")
    bundle.statement(a, "IFX", 5, "mg/kg", Q2W, "2023-01-02", "2023-02-13")
    bundle.statement(a, "IFX", 5, "mg/kg", Q8W, "2023-02-13", "2023-10-02")
    bundle.statement(a, "IFX", 5, "mg/kg", Q6W, "2023-10-02", "2025-01-06")
    bundle.statement(a, "IFX", 5, "mg/kg", Q8W, "2025-03-03", status="active")
    bundle.result(a, CRP, 2.0, "mg/L", "2026-10-05T09:10:00Z")
    # B: q6w -> q8w on 2025-02-03; stopped 2025-07-21 for an infusion reaction (adverse event):
    # censored at 168 d = 5.52 months, not a failure.
    b = bundle.patient("FEEDB02", "Birch", "1975-02-11", "male", "CD")
    bundle.statement(b, "IFX", 5, "mg/kg", Q6W, "2023-06-05", "2025-02-03")
    bundle.statement(b, "IFX", 5, "mg/kg", Q8W, "2025-02-03", "2025-07-21", "stopped", ADVERSE)
    bundle.result(b, CRP, 3.0, "mg/L", "2025-07-14T08:00:00+01:00")
    # C (UC, adalimumab): label loading doses sent as single doses (count 1); 40 mg q2w; weekly
    # from 2024-01-01 to 2025-04-07 (its last dose: 66 weeks on); q2w from 2025-04-21; weekly again
    # on 2025-09-15: failure by re-escalation at 147 d = 4.83 months. Calprotectin 80 and CRP <3
    # on 2025-11-10 (within 6 months of re-escalation): recaptured.
    c = bundle.patient("FEEDC03", "Cedar", "1990-09-09", "female", "UC")
    bundle.statement(c, "ADA", 160, "mg", None, "2023-03-06", "2023-03-06", count=1)
    bundle.statement(c, "ADA", 80, "mg", None, "2023-03-20", "2023-03-20", count=1)
    bundle.statement(c, "ADA", 40, "mg", Q2W, "2023-04-03", "2024-01-01")
    bundle.statement(c, "ADA", 40, "mg", Q1W, "2024-01-01", "2025-04-07")
    bundle.statement(c, "ADA", 40, "mg", Q2W, "2025-04-21", "2025-09-15")
    bundle.statement(c, "ADA", 40, "mg", Q1W, "2025-09-15", status="active")
    bundle.result(c, FCP, 80, "ug/g", "2025-11-10T10:00:00Z")
    bundle.result(c, CRP, "<3", "mg/L", "2025-11-10T10:00:00Z")
    bundle.result(c, CRP, 1.0, "mg/L", "2026-11-02T10:00:00Z")
    # D: 10 mg/kg q8w -> 5 mg/kg q8w on 2024-11-04, statement still "active"; last contact a CRP on
    # 2025-01-20, nothing since (680 d before the audit date > 9 months): lost to follow-up,
    # censored at the last contact, 77 d = 2.53 months.
    d = bundle.patient("FEEDD04", "Dogwood", "1969-12-24", "male", "CD")
    bundle.statement(d, "IFX", 10, "mg/kg", Q8W, "2023-05-01", "2024-11-04")
    bundle.statement(d, "IFX", 5, "mg/kg", Q8W, "2024-11-04", status="active")
    bundle.result(d, CRP, 4.0, "mg/L", "2025-01-20T11:00:00Z")
    # E (adalimumab): weekly -> q2w on 2024-06-03; stopped 2025-02-10 for secondary loss of
    # response: failure "stopped" at 252 d = 8.28 months.
    e = bundle.patient("FEEDE05", "Elm", "1985-07-30", "female", "CD")
    bundle.statement(e, "ADA", 40, "mg", Q1W, "2023-02-06", "2024-06-03")
    bundle.statement(
        e,
        "ADA",
        40,
        "mg",
        Q2W,
        "2024-06-03",
        "2025-02-10",
        "stopped",
        {"text": "Secondary loss of response"},
    )
    bundle.result(e, CRP, 12.0, "mg/L", "2025-02-03T09:00:00Z")
    # F (UC): q6w -> q8w on 2024-09-02; stopped 2025-03-17, "Pregnancy": censored, 196 d = 6.44.
    f = bundle.patient("FEEDF06", "Fir", "1993-01-15", "female", "UC")
    bundle.statement(f, "IFX", 5, "mg/kg", Q6W, "2023-03-06", "2024-09-02")
    bundle.statement(
        f, "IFX", 5, "mg/kg", Q8W, "2024-09-02", "2025-03-17", "stopped", {"text": "Pregnancy"}
    )
    bundle.result(f, CRP, 1.0, "mg/L", "2025-03-10T09:00:00Z")
    # G: q6w -> q8w on 2024-05-06; prednisolone from 2024-12-02: failure "steroids" at 210 d =
    # 6.90 months.
    g = bundle.patient("FEEDG07", "Gum", "1978-03-03", "male", "CD")
    bundle.statement(g, "IFX", 5, "mg/kg", Q6W, "2023-01-09", "2024-05-06")
    bundle.statement(g, "IFX", 5, "mg/kg", Q8W, "2024-05-06", status="active")
    bundle.statement(g, "prednisolone", 40, "mg", (1, "d"), "2024-12-02", "2025-01-13")
    bundle.result(g, CRP, 2.0, "mg/L", "2026-09-01T09:00:00Z")
    # H (adalimumab): 80 mg q2w -> 40 mg q2w on 2023-10-02, in contact: followed to the audit
    # date, 1156 d = 37.98 months.
    h = bundle.patient("FEEDH08", "Hazel", "1988-08-08", "male", "CD")
    bundle.statement(h, "ADA", 80, "mg", Q2W, "2022-03-07", "2023-10-02")
    bundle.statement(h, "ADA", 40, "mg", Q2W, "2023-10-02", status="active")
    bundle.result(h, CRP, 1.0, "mg/L", "2026-11-02T09:00:00Z")
    # I: q6w -> q8w on 2025-01-06; "completed" on 2025-06-02 with no reason: censored (reason not
    # recorded), 147 d = 4.83 months.
    i = bundle.patient("FEEDI09", "Ivy", "1982-04-04", "female", "CD")
    bundle.statement(i, "IFX", 5, "mg/kg", Q6W, "2023-07-03", "2025-01-06")
    bundle.statement(i, "IFX", 5, "mg/kg", Q8W, "2025-01-06", "2025-06-02")
    bundle.result(i, CRP, 2.0, "mg/L", "2025-05-26T09:00:00Z")
    # J: q6w -> q8w IV on 2024-03-04; switched to subcutaneous infliximab 120 mg q2w on
    # 2024-09-02: the route changed, intensities cannot be compared: censored, 182 d = 5.98.
    j = bundle.patient("FEEDJ10", "Juniper", "1979-10-10", "male", "CD")
    bundle.statement(j, "IFX", 5, "mg/kg", Q6W, "2022-09-05", "2024-03-04")
    bundle.statement(j, "IFX", 5, "mg/kg", Q8W, "2024-03-04", "2024-09-02")
    bundle.statement(j, "IFX", 120, "mg", Q2W, "2024-09-02", status="active")
    bundle.result(j, CRP, 2.0, "mg/L", "2026-10-01T09:00:00Z")
    # K: induction q2w (6 weeks) then standard q8w: never intensified, never de-escalated.
    k = bundle.patient("FEEDK11", "Kauri", "1995-06-06", "female", "CD")
    bundle.statement(k, "IFX", 5, "mg/kg", Q2W, "2024-01-08", "2024-02-19")
    bundle.statement(k, "IFX", 5, "mg/kg", Q8W, "2024-02-19", status="active")
    bundle.result(k, CRP, 2.0, "mg/L", "2026-10-01T09:00:00Z")


def months(days: int) -> float:
    return days / DAYS_PER_MONTH


# (days followed, failed) per episode, from the comments above.
EPISODES = {
    "FEEDA01": (638, False),
    "FEEDB02": (168, False),
    "FEEDC03": (147, True),
    "FEEDD04": (77, False),
    "FEEDE05": (252, True),
    "FEEDF06": (196, False),
    "FEEDG07": (210, True),
    "FEEDH08": (1156, False),
    "FEEDI09": (147, False),
    "FEEDJ10": (182, False),
}


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    bundle = Bundle()
    cohort(bundle)
    source = bundle.write(tmp_path / "ehr_export.json")
    db = tmp_path / "site.sqlite3"
    code, out, err = run(capsys, "--db", db, "import", source, "--json")
    assert code == 0, out + err
    return db


def test_audit_of_an_ehr_shaped_cohort_matches_the_hand_count(imported, capsys):
    code, out, _ = run(capsys, "--db", imported, "audit", "--json", "--as-of", AS_OF)
    assert code == 0
    audit = json.loads(out)
    # Ten de-escalations in ten patients; K's induction is none.
    assert audit["de_escalations"] == 10
    assert audit["patients"] == 10
    # Evaluable at 12 months: C, E, G failed within 12 months; A and H followed 12 months or more.
    assert audit["evaluable_12m"] == 5
    assert audit["maintained_12m"] == 2
    assert audit["failed_12m"] == 3
    assert audit["maintained_12m_pct"] == 40.0
    # Median of 147, 210 and 252 days: 210 d = 6.90 months.
    assert audit["median_months_to_failure"] == round(months(210), 2)
    assert audit["failure_reasons"] == {
        "re_escalation": 1,
        "trial_enrolment": 0,
        "steroids": 1,
        "surgery": 0,
        "stopped": 1,
    }
    assert audit["re_escalated"] == 1
    assert audit["recaptured"] == 1
    assert audit["lost_to_follow_up"] == 1
    censored = audit["censored"]
    assert sum(censored.values()) == 7
    assert censored["lost_to_follow_up"] == 1
    assert censored["stop_reason_not_recorded"] == 1
    assert censored["route_changed"] == 1
    assert censored["stopped_other_reason"] == 2
    assert censored["followed_to_audit_date"] == 2
    # Kaplan–Meier by hand (events before censorings at a tie):
    # 10 at risk; D censored at 77 d; at 147 d C fails with 9 at risk: S = 8/9; I censored at
    # 147 d, B at 168, J at 182, F at 196: 4 at risk; at 210 d G fails: S = 8/9 x 3/4 = 2/3; at
    # 252 d E fails with 3 at risk: S = 2/3 x 2/3 = 4/9; A and H censored later.
    curve = {p["month"]: p for p in audit["km"]}
    assert curve[3]["survival"] == 1.0
    assert curve[6]["survival"] == pytest.approx(8 / 9, abs=1e-4)
    assert curve[9]["survival"] == pytest.approx(4 / 9, abs=1e-4)
    assert curve[12]["survival"] == pytest.approx(4 / 9, abs=1e-4)


def test_the_curve_agrees_with_an_independent_kaplan_meier(imported, capsys):
    lifelines = pytest.importorskip("lifelines")
    _code, out, _ = run(capsys, "--db", imported, "audit", "--json", "--as-of", AS_OF)
    curve = {p["month"]: p for p in json.loads(out)["km"]}
    fitter = lifelines.KaplanMeierFitter()
    durations = [months(days) for days, _ in EPISODES.values()]
    fitter.fit(durations, [failed for _, failed in EPISODES.values()])
    for month in (3, 6, 9, 12):
        expected = float(fitter.survival_function_at_times(month).iloc[0])
        assert curve[month]["survival"] == pytest.approx(expected, abs=1e-4)


def test_a_positive_antibody_to_subcutaneous_infliximab_makes_the_level_item_not_met(
    tmp_path, capsys, config
):
    from mdt_desktop.domain.checklist import RuleContext, evaluate_checklist
    from mdt_desktop.domain.enums import ChecklistResult
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.patients import PatientService

    bundle = Bundle()
    ref = bundle.patient("FEEDL12", "Larch", "1984-02-02", "male", "CD")
    bundle.statement(ref, "IFX", 5, "mg/kg", Q8W, "2023-01-02", "2024-01-01")
    bundle.statement(ref, "IFX", 240, "mg", Q2W, "2024-01-01", status="active")
    # A trough on a dosing day (2026-11-02 = 2024-01-01 + 74 x 14 d) in the band, and antibodies
    # to infliximab sent under the laboratory's local code, 8 U/mL, flagged positive.
    bundle.result(ref, IFX_LEVEL, 5.1, "ug/mL", "2026-11-02T08:00:00Z")
    bundle.result(ref, ATI, 8, "U/mL", "2026-11-02T08:00:00Z", "POS")
    source = bundle.write(tmp_path / "sc.json")
    db_path = tmp_path / "site.sqlite3"
    code, out, err = run(capsys, "--db", db_path, "import", source)
    assert code == 0, out + err
    database = open_database(db_path)
    try:
        record = PatientService(database).get_record("FEEDL12")
    finally:
        database.close()
    context = RuleContext(
        record, date(2026, 11, 20), config.thresholds, config.regimens, config.antibody_assays
    )
    answers = {a.item_key: a for a in evaluate_checklist(config.checklist, context)}
    level = answers["drug_level"]
    assert level.automatic is ChecklistResult.NOT_MET
    assert "antibodies" in (level.note + " ".join(e.label for e in level.evidence)).lower()
    assert datetime(2026, 11, 2, 8, 0) in {
        o.collected_at for o in record.observations
    }  # 08:00Z is 08:00 in London in November (GMT)
