"""The snapshot codec: lossless, deterministic, versioned; and new data since a decision."""

from __future__ import annotations

import json
import types
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.enums import (
    Analyte,
    ChecklistResult,
    Comparator,
    DoseUnit,
    Drug,
    EventKind,
    IbdType,
    Interpretation,
    Sex,
)
from mdt_desktop.domain.montreal import Montreal
from mdt_desktop.domain.new_data import Change, DataKind, changes_since
from mdt_desktop.domain.records import (
    Annotation,
    ChecklistAnswer,
    ClinicalEvent,
    EvidenceItem,
    MedicationPeriod,
    Observation,
    Patient,
    PatientRecord,
)
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.risk import RiskFinding
from mdt_desktop.domain.snapshot import (
    FORMAT_VERSION,
    CaseSnapshot,
    SnapshotError,
    canonical_json,
    digest,
    from_payload,
    to_payload,
)

SIGNED = datetime(2026, 10, 28, 16, 30)
PATIENT = Patient(
    id=7,
    hospital_number="DEMO10001",
    family_name="Ó'Brien",
    given_name="Zoë",
    date_of_birth=date(1990, 3, 4),
    sex=Sex.FEMALE,
    ibd_type=IbdType.CROHNS,
    diagnosis_date=date(2012, 5, 6),
    montreal=Montreal(age="A2", location="L3", behaviour="B2", perianal=True),
    extraintestinal=("arthropathy",),
    is_demo=True,
)
TROUGH = Observation(
    id=11,
    analyte=Analyte.INFLIXIMAB_LEVEL,
    value=2.5,
    unit="ug/mL",
    collected_at=datetime(2026, 10, 1, 8, 40),
    comparator=Comparator.LT,
    original_value="<2500",
    original_unit="ng/mL",
    source="labs.csv line 4",
    assay="Theradiag LISA-TRACKER",
    target_drug="infliximab",
)
CRP = Observation(12, Analyte.CRP, 3.0, "mg/L", datetime(2026, 10, 1, 8, 40), None, "0.3", "mg/dL")
PERIOD = MedicationPeriod(21, Drug.INFLIXIMAB_IV, 10.0, DoseUnit.MG_PER_KG, 56, date(2025, 1, 1))
SCOPE = ClinicalEvent(31, EventKind.ENDOSCOPY, date(2026, 6, 1), "Ileocolonoscopy", None, True)
RECORD = PatientRecord(PATIENT, (PERIOD,), (TROUGH, CRP), (SCOPE,))


def snapshot(record: PatientRecord = RECORD) -> CaseSnapshot:
    return CaseSnapshot(
        taken_at=SIGNED,
        meeting_date=SIGNED.date(),
        record=record,
        checklist=(
            ChecklistAnswer(
                "crp",
                "CRP < 5 mg/L within 3 months",
                ChecklistResult.MET,
                (EvidenceItem("CRP", "3", "mg/L", date(2026, 10, 1), "< 5 mg/L", ("S12",)),),
                confirmed=ChecklistResult.MET,
                answered_by="Dr Helen Marsh",
                answered_at=datetime(2026, 10, 28, 13, 9),
            ),
        ),
        overall=Overall.INCOMPLETE,
        risks=(RiskFinding("perianal", "Perianal disease", "Montreal p", ("S3",), "verified"),),
        annotations=(
            Annotation(
                41,
                11,
                Analyte.INFLIXIMAB_LEVEL,
                "<2.5",
                "ug/mL",
                TROUGH.collected_at,
                Interpretation.BELOW_TARGET,
                "Below target",
                "Check adherence",
                "Tom Okafor",
                datetime(2026, 10, 20, 10, 0),
                case_review_id=3,
            ),
        ),
        decision_periods=(21, 22),
    )


def test_a_snapshot_survives_json_storage_unchanged():
    original = snapshot()
    stored = json.loads(json.dumps(to_payload(original)))  # what a JSON column gives back
    assert from_payload(stored) == original


def test_the_payload_keeps_units_originals_comparator_and_assay_in_plain_json():
    payload = to_payload(snapshot())
    trough = payload["record"]["observations"][0]
    expected = {
        "id": 11,
        "analyte": "infliximab_level",
        "value": 2.5,
        "unit": "ug/mL",
        "collected_at": "2026-10-01T08:40:00",
        "comparator": "<",
        "original_value": "<2500",
        "original_unit": "ng/mL",
        "source": "labs.csv line 4",
        "assay": "Theradiag LISA-TRACKER",
        "target_drug": "infliximab",
        "abnormal_flag": None,
    }
    assert {key: trough[key] for key in expected} == expected
    assert payload["format_version"] == FORMAT_VERSION
    assert payload["taken_at"] == "2026-10-28T16:30:00"
    assert payload["checklist"][0]["evidence"][0]["on"] == "2026-10-01"
    assert payload["record"]["patient"]["montreal"]["perianal"] is True


def test_the_canonical_form_and_digest_do_not_depend_on_key_order():
    payload = to_payload(snapshot())
    shuffled = json.loads(json.dumps(payload, sort_keys=False))
    reordered = dict(reversed(list(shuffled.items())))
    assert canonical_json(reordered) == canonical_json(payload)
    assert digest(reordered) == digest(payload)
    assert len(digest(payload)) == 64
    changed = to_payload(snapshot(replace(RECORD, observations=(replace(TROUGH, value=2.6), CRP))))
    assert digest(changed) != digest(payload)


def test_a_payload_from_a_newer_version_is_refused_with_a_reason():
    payload = to_payload(snapshot()) | {"format_version": FORMAT_VERSION + 1}
    with pytest.raises(SnapshotError, match="newer MDT Desktop"):
        from_payload(payload)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.pop("record"),
        lambda p: p["record"]["observations"][0].update(value="high"),
        lambda p: p["record"]["observations"][0].update(analyte="gluten"),
        lambda p: p.update(taken_at=12),
    ],
)
def test_a_damaged_payload_is_reported_not_half_read(damage):
    payload = json.loads(json.dumps(to_payload(snapshot())))
    damage(payload)
    with pytest.raises(SnapshotError, match="damaged"):
        from_payload(payload)


def test_a_field_missing_from_an_older_payload_takes_its_default():
    payload = json.loads(json.dumps(to_payload(snapshot())))
    del payload["record"]["observations"][0]["abnormal_flag"]
    del payload["decision_periods"]
    restored = from_payload(payload)
    assert restored.record.observations[0].abnormal_flag is None
    assert restored.decision_periods == ()


# --- property: any snapshot the types allow round-trips -------------------------------------------

_TEXT = st.text(max_size=12)


def _strategy(kind: Any) -> st.SearchStrategy[Any]:
    """Values of *kind*, following the same type hints the codec follows."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        return st.one_of(*(_strategy(a) for a in get_args(kind)))
    if origin is tuple:
        return st.lists(_strategy(get_args(kind)[0]), max_size=3).map(tuple)
    if kind is type(None):
        return st.none()
    if kind is Regimen:  # a regimen validates itself: positive dose, the drug's own unit
        return st.sampled_from(list(DRUGS)).flatmap(
            lambda drug: st.builds(
                Regimen,
                st.just(drug),
                st.floats(0.5, 200),
                st.sampled_from(list(DRUGS[drug].dose_units)),
                st.integers(1, 120),
            )
        )
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        return st.builds(kind, **{f.name: _strategy(hints[f.name]) for f in fields(kind)})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return st.sampled_from(list(kind))
    return {
        str: _TEXT,
        int: st.integers(-(2**53), 2**53),
        float: st.floats(allow_nan=False, allow_infinity=False),
        bool: st.booleans(),
        datetime: st.datetimes(),
        date: st.dates(),
        time: st.times(),
        timedelta: st.integers(-(10**9), 10**9).map(lambda s: timedelta(seconds=s)),
    }[kind]


@pytest.mark.slow  # hypothesis
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_strategy(CaseSnapshot))
def test_any_snapshot_round_trips_and_digests_deterministically(original):
    payload = to_payload(original)
    stored = json.loads(json.dumps(payload))
    assert from_payload(stored) == original
    assert digest(stored) == digest(to_payload(from_payload(stored)))


# --- new data since the decision ------------------------------------------------------------------


def test_nothing_is_new_when_the_record_is_unchanged():
    assert changes_since(RECORD, RECORD) == ()


def test_new_corrected_and_removed_results_are_listed_newest_first():
    later = Observation(13, Analyte.FAECAL_CALPROTECTIN, 410.0, "ug/g", datetime(2026, 11, 3, 9))
    live = replace(RECORD, observations=(replace(TROUGH, value=4.1, comparator=None), later))
    found = changes_since(RECORD, live)
    assert [(n.kind, n.change, n.item) for n in found] == [
        (DataKind.RESULT, Change.NEW, "faecal_calprotectin"),
        (DataKind.RESULT, Change.REMOVED, "crp"),
        (DataKind.RESULT, Change.CHANGED, "infliximab_level"),
    ]
    assert found[0].as_text() == "FCP 410 µg/g on 03 Nov 2026"
    assert found[0].analyte == "faecal_calprotectin"
    assert found[1].as_text() == "CRP 3 mg/L on 01 Oct 2026 (removed)"
    assert found[2].as_text() == "IFX 4.1 µg/mL on 01 Oct 2026 (corrected; was <2.5 µg/mL)"


def test_medication_and_events_since_are_listed_but_the_decisions_own_periods_are_not():
    stopped = replace(PERIOD, end=date(2026, 11, 10))
    restarted = MedicationPeriod(
        23, Drug.INFLIXIMAB_IV, 10.0, DoseUnit.MG_PER_KG, 42, date(2026, 11, 10)
    )
    amended = MedicationPeriod(
        24, Drug.INFLIXIMAB_IV, 5.0, DoseUnit.MG_PER_KG, 56, date(2026, 12, 1)
    )
    flare = ClinicalEvent(32, EventKind.FLARE, date(2026, 11, 8), "Flare: 6 stools a day")
    live = replace(RECORD, medications=(stopped, restarted, amended), events=(SCOPE, flare))
    found = changes_since(RECORD, live, ignore_medications={24})
    texts = [n.as_text() for n in found]
    assert texts == [
        "Infliximab IV 10 mg/kg every 6 weeks from 10 Nov 2026",
        "Infliximab IV 10 mg/kg every 8 weeks stopped 10 Nov 2026",
        "Flare on 08 Nov 2026: Flare: 6 stools a day",
    ]
