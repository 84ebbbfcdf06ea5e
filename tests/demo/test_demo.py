"""The demo database: deterministic for a seed, synthetic, and clinically coherent."""

import itertools
import sqlite3
import statistics
from collections import Counter
from datetime import date, timedelta

import pytest

from mdt_desktop.demo import build_demo
from mdt_desktop.demo.cohort import meeting_calendar
from mdt_desktop.domain.checklist import (
    Overall,
    RuleContext,
    evaluate_checklist,
    objective_remission,
)
from mdt_desktop.domain.enums import (
    Analyte,
    AttendanceStatus,
    ChecklistResult,
    EventKind,
    IbdType,
    MeetingStatus,
    Outcome,
    Phase,
    Role,
)
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.domain.history import regimen_steps
from mdt_desktop.domain.nhs import nhs_check_digit
from mdt_desktop.domain.regimens import RegimenChange
from mdt_desktop.models.db import open_database
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.patients import PatientService
from tests.conftest import AS_OF, SEED

TABLES = (
    "patients",
    "medication_periods",
    "observations",
    "clinical_events",
    "clinicians",
    "meetings",
    "attendance",
    "case_reviews",
    "checklist_answers",
    "decisions",
    "actions",
    "drug_level_annotations",
    "audit_events",
    "mdt_meta",
)


def dump(path):
    raw = sqlite3.connect(path)
    try:
        return {t: raw.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    finally:
        raw.close()


def test_same_seed_same_database(demo_master, tmp_path, config):
    again = tmp_path / "again.sqlite3"
    build_demo(again, config, seed=SEED, as_of=AS_OF)
    assert dump(again) == dump(demo_master)


def test_other_seed_other_patients(demo_master, tmp_path, config):
    other = tmp_path / "other.sqlite3"
    build_demo(other, config, seed=SEED + 1, as_of=AS_OF, patients=40)
    assert dump(other)["patients"] != dump(demo_master)["patients"]


@pytest.fixture(scope="module")
def records(demo_master):
    database = open_database(demo_master, read_only=True)
    service = PatientService(database)
    raw = sqlite3.connect(demo_master)
    numbers = [r[0] for r in raw.execute("SELECT hospital_number FROM patients ORDER BY id")]
    raw.close()
    loaded = [service.get_record(n) for n in numbers]
    database.close()
    return loaded


@pytest.fixture(scope="module")
def meetings(demo_master, config):
    database = open_database(demo_master, read_only=True)
    service = MeetingService(database, config)
    loaded = [service.get(m.id) for m in reversed(service.list_meetings())]
    database.close()
    return loaded


def test_everyone_is_synthetic_and_marked_demo(records, demo_master):
    assert len(records) == 120
    for record in records:
        p = record.patient
        assert p.hospital_number.startswith("DEMO")
        assert "(DEMO)" in p.family_name
        assert p.is_demo
        assert p.nhs_number
        assert p.nhs_number.startswith("999")
        assert nhs_check_digit(p.nhs_number[:9]) == int(p.nhs_number[9])
        assert p.age_on(AS_OF) >= 18
    raw = sqlite3.connect(demo_master)
    assert all("(DEMO)" in name for (name,) in raw.execute("SELECT name FROM clinicians"))
    raw.close()


def test_the_cohort_mix(records):
    n = len(records)
    types = Counter(r.patient.ibd_type for r in records)
    assert 0.6 <= types[IbdType.CROHNS] / n <= 0.8
    drugs = Counter(
        r.medications[-1].drug.value.split("_")[0]
        for r in records
        if any(m.drug.value.startswith(("inflix", "adalim")) for m in r.medications)
    )
    first = Counter(
        next(
            m.drug
            for m in r.medications
            if m.phase is Phase.INDUCTION and m.drug.value.startswith(("inflix", "adalim"))
        )
        for r in records
    )
    assert 0.5 <= first["infliximab_iv"] / n <= 0.7, drugs
    montreal = Counter(
        r.patient.montreal.behaviour for r in records if r.patient.ibd_type is IbdType.CROHNS
    )
    assert {"B1", "B2", "B3"} <= set(montreal)
    assert any(r.patient.smoking.value == "current" for r in records)
    assert any(r.resections for r in records)
    assert any(r.patient.extraintestinal for r in records)
    assert any(m.drug.value == "azathioprine" for r in records for m in r.medications)


def test_every_history_has_the_whole_arc(records, config):
    for record in records:
        steps = regimen_steps(record.medications, config.regimens)
        changes = [s.change for s in steps]
        assert RegimenChange.ESCALATION in changes, record.patient.hospital_number
        assert any(m.phase is Phase.INDUCTION for m in record.medications)
        first = min(o.collected_at.date() for o in record.observations)
        years = (AS_OF - first).days / 365.25
        assert 2 <= years <= 12, (record.patient.hospital_number, years)
        assert all(o.collected_at.date() < AS_OF for o in record.observations)


def test_labs_every_one_to_four_months_with_levels_and_imaging(records):
    gaps = []
    for record in records:
        days = sorted({o.collected_at.date() for o in record.series(Analyte.CRP)})
        gaps += [(b - a).days for a, b in itertools.pairwise(days)]
        assert record.series(Analyte.ANTI_DRUG_ANTIBODIES)
        assert record.series(Analyte.INFLIXIMAB_LEVEL) or record.series(Analyte.ADALIMUMAB_LEVEL)
        assert record.events_of(EventKind.ENDOSCOPY)
    assert 30 <= statistics.median(gaps) <= 100
    assert sum(g > 125 for g in gaps) / len(gaps) < 0.05
    assert sum(bool(r.series(Analyte.IUS_BOWEL_WALL_MM)) for r in records) > len(records) / 2


def test_units_are_canonical_and_originals_kept(records):
    ng = [
        o for r in records for o in r.series(Analyte.INFLIXIMAB_LEVEL) if o.original_unit == "ng/mL"
    ]
    assert ng
    for obs in ng:
        assert obs.unit == "ug/mL"
        assert float(obs.original_value) == pytest.approx(obs.value * 1000)


def test_roster(demo_master):
    raw = sqlite3.connect(demo_master)
    roles = Counter(r[0] for r in raw.execute("SELECT role FROM clinicians"))
    raw.close()
    assert roles == {
        Role.IBD_CONSULTANT: 3,
        Role.IBD_NURSE: 2,
        Role.PHARMACIST: 1,
        Role.RADIOLOGIST: 1,
        Role.SURGEON: 1,
        Role.COORDINATOR: 1,
    }


def test_this_months_meeting_is_planned_with_candidates(meetings, records, config):
    current = meetings[-1]
    assert current.status is MeetingStatus.PLANNED
    assert (current.meeting_date.year, current.meeting_date.month) == (AS_OF.year, AS_OF.month)
    assert 8 <= len(current.cases) <= 12
    by_number = {r.patient.hospital_number: r for r in records}
    overall = []
    for case in current.cases:
        record = by_number[case.patient.hospital_number]
        answers = evaluate_checklist(
            config.checklist,
            RuleContext(record, current.meeting_date, config.thresholds, config.regimens),
        )
        overall.append(objective_remission(config.checklist, answers))
        assert case.decision is None
    assert overall.count(Overall.MET) >= 6  # in objective remission
    assert overall.count(Overall.MET) < len(overall)  # plus a few borderline cases


def test_three_previous_meetings_are_signed_off_and_complete(meetings):
    previous = meetings[:-1]
    cal = meeting_calendar(AS_OF)
    assert [m.meeting_date for m in previous] == list(reversed(cal.meetings[1:]))
    outcomes: Counter[Outcome] = Counter()
    for meeting in previous:
        assert meeting.status is MeetingStatus.SIGNED_OFF
        assert meeting.signed_off_by == meeting.chair
        statuses = {a.status for a in meeting.attendance}
        assert statuses == {AttendanceStatus.PRESENT, AttendanceStatus.APOLOGIES}
        for case in meeting.cases:
            assert case.decision is not None
            assert case.decision.rationale
            assert case.checklist
            assert any(a.confirmed for a in case.checklist)
            assert case.actions
            outcomes[case.decision.outcome] += 1
        assert any(case.annotations for case in meeting.cases)
    assert outcomes[Outcome.DE_ESCALATE] > sum(outcomes.values()) / 2
    assert outcomes[Outcome.CONTINUE_INTENSIFIED]
    assert outcomes[Outcome.DEFER]


def test_the_previous_months_show_notes_and_an_amendment_after_sign_off(meetings, demo_master):
    cases = [case for meeting in meetings[:-1] for case in meeting.cases]
    assert any(case.notes for case in cases)
    amended = [case for case in cases if case.earlier_decisions]
    assert len(amended) == 1
    (case,) = amended
    assert case.decision is not None
    assert case.decision.amendment_reason
    assert case.decision.next_review < case.earlier_decisions[0].next_review
    raw = sqlite3.connect(demo_master)
    try:
        rows = raw.execute(
            "SELECT reason FROM audit_events WHERE action = 'amend' AND entity = 'decision'"
        ).fetchall()
    finally:
        raw.close()
    assert rows == [(case.decision.amendment_reason,)]


def test_de_escalations_became_medication_periods(meetings, records):
    by_number = {r.patient.hospital_number: r for r in records}
    for meeting in meetings[:-1]:
        for case in meeting.cases:
            decision = case.decision
            if decision is None or decision.outcome is not Outcome.DE_ESCALATE:
                continue
            starts = {
                (m.start, m.regimen) for m in by_number[case.patient.hospital_number].medications
            }
            assert (decision.effective_date, decision.target_regimen) in starts
            assert decision.monitoring
            assert decision.next_review


def test_de_escalated_patients_are_followed(records, config):
    re_escalated = trial = early = 0
    for record in records:
        changes = [s.change for s in regimen_steps(record.medications, config.regimens)]
        if RegimenChange.DE_ESCALATION in changes:
            after = changes[changes.index(RegimenChange.DE_ESCALATION) + 1 :]
            re_escalated += RegimenChange.ESCALATION in after
            if record.events_of(EventKind.TRIAL_ENROLMENT):
                trial += 1
            last = max(m.start for m in record.medications)
            early += last > AS_OF - timedelta(days=365)
    assert re_escalated >= 3
    assert trial == 1
    assert early >= 5


def test_signed_off_checklists_match_the_decisions(meetings):
    for meeting in meetings[:-1]:
        for case in meeting.cases:
            assert case.decision is not None
            results = {a.item_key: a.effective for a in case.checklist}
            if case.decision.outcome is Outcome.DE_ESCALATE:
                assert all(
                    results[k] is ChecklistResult.MET
                    for k in ("calprotectin", "crp", "clinical_remission", "imaging_or_endoscopy")
                )
            if case.decision.outcome is Outcome.DEFER:
                assert results["imaging_or_endoscopy"] is ChecklistResult.UNKNOWN


def test_existing_file_is_not_overwritten_without_force(demo_path, config):
    before = demo_path.read_bytes()
    with pytest.raises(RefusedError, match="add --force"):
        build_demo(demo_path, config, seed=SEED, as_of=AS_OF)
    assert demo_path.read_bytes() == before
    build_demo(demo_path, config, seed=SEED + 3, as_of=AS_OF, patients=30, force=True)
    assert len(dump(demo_path)["patients"]) == 30


def test_force_never_replaces_a_clinical_database(tmp_path, config):
    clinical = tmp_path / "mdt.sqlite3"
    open_database(clinical).close()
    before = clinical.read_bytes()
    with pytest.raises(RefusedError, match="only replaces demo databases"):
        build_demo(clinical, config, force=True, as_of=AS_OF)
    assert clinical.read_bytes() == before
    assert not list(tmp_path.glob("*.building*"))


def test_patient_count_is_validated(tmp_path, config):
    with pytest.raises(ValidationError, match="--patients: must be between 20"):
        build_demo(tmp_path / "x.sqlite3", config, patients=5)


def test_small_demo_still_has_every_scenario(tmp_path, config):
    path = tmp_path / "small.sqlite3"
    build_demo(path, config, patients=30, seed=2, as_of=date(2027, 3, 3))
    database = open_database(path, read_only=True)
    service = MeetingService(database, config)
    listed = service.list_meetings()
    database.close()
    assert len(listed) == 4
    assert all(m.cases >= 2 for m in listed)
