"""Decisions, the medication history they write, sign-off, the lock and amendments."""

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import ActionInput, DecisionInput, propose_target
from mdt_desktop.domain.enums import (
    AttendanceStatus,
    CaseStatus,
    ChecklistResult,
    MeetingStatus,
    Outcome,
    Role,
)
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.models import AuditEventRow, ChecklistAnswerRow
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.services.signoff import SignOffService
from tests.conftest import AS_OF


@pytest.fixture
def setup(demo_db, config):
    meetings = MeetingService(demo_db, config)
    board = meetings.board(meetings.find_id(AS_OF.strftime("%Y-%m")))
    roster = {c.role: c for c in reversed(RosterService(demo_db).clinicians())}
    chair = next(c for c in RosterService(demo_db).clinicians() if c.name == board.meeting.chair)
    return {
        "db": demo_db,
        "config": config,
        "meetings": meetings,
        "board": board,
        "chair": Actor(chair.id, chair.name),
        "coordinator": Actor(roster[Role.COORDINATOR].id, roster[Role.COORDINATOR].name),
        "nurse": Actor(roster[Role.IBD_NURSE].id, roster[Role.IBD_NURSE].name),
        "nurse_id": roster[Role.IBD_NURSE].id,
    }


def de_escalation(detail, config, days=14):
    current = detail.summary.anti_tnf.regimen
    target = propose_target(current, config.regimens)
    assert target is not None
    return DecisionInput(
        Outcome.DE_ESCALATE,
        "Sustained objective remission",
        target=target,
        effective_date=detail.meeting_date + timedelta(days=days),
        next_review=detail.meeting_date + timedelta(days=180),
    )


def first_intensified(setup):
    return next(
        d
        for d in setup["board"].cases
        if d.summary.intensified_since
        and propose_target(d.summary.anti_tnf.regimen, setup["config"].regimens)
    )


def test_a_de_escalation_writes_the_new_regimen_from_its_effective_date(setup):
    detail = first_intensified(setup)
    decision = de_escalation(detail, setup["config"])
    DecisionService(setup["db"]).record(detail.case.id, decision, setup["chair"])
    record = PatientService(setup["db"]).get_record(detail.case.patient.hospital_number)
    new = next(m for m in record.medications if m.start == decision.effective_date)
    assert new.regimen == decision.target
    old = next(m for m in record.medications if m.end == decision.effective_date)
    assert old.regimen == detail.summary.anti_tnf.regimen
    updated = setup["meetings"].case_detail(detail.case.id)
    assert updated.case.status is CaseStatus.DISCUSSED
    assert updated.case.decision.outcome is Outcome.DE_ESCALATE
    meeting = setup["meetings"].get(setup["board"].meeting.id)
    assert meeting.status is MeetingStatus.IN_PROGRESS


def test_changing_the_decision_undoes_the_regimen_change(setup):
    detail = first_intensified(setup)
    service = DecisionService(setup["db"])
    before = PatientService(setup["db"]).get_record(detail.case.patient.hospital_number)
    service.record(detail.case.id, de_escalation(detail, setup["config"]), setup["chair"])
    service.record(
        detail.case.id,
        DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Patient prefers to wait"),
        setup["chair"],
    )
    after = PatientService(setup["db"]).get_record(detail.case.patient.hospital_number)
    assert [(m.drug, m.start, m.end, m.regimen) for m in after.medications] == [
        (m.drug, m.start, m.end, m.regimen) for m in before.medications
    ]


def test_the_target_must_be_a_lower_intensity_of_the_same_drug(setup):
    detail = first_intensified(setup)
    current = detail.summary.anti_tnf.regimen
    service = DecisionService(setup["db"])
    bad = [
        (
            DecisionInput(
                Outcome.DE_ESCALATE, "x", target=current, effective_date=detail.meeting_date
            ),
            "is not a de-escalation",
        ),
        (
            DecisionInput(
                Outcome.DE_ESCALATE, "x", target=None, effective_date=detail.meeting_date
            ),
            "needs the regimen",
        ),
        (
            DecisionInput(
                Outcome.DE_ESCALATE, "x", target=propose_target(current, setup["config"].regimens)
            ),
            "effective date",
        ),
        (
            DecisionInput(
                Outcome.DE_ESCALATE,
                "x",
                target=propose_target(current, setup["config"].regimens),
                effective_date=detail.meeting_date - timedelta(days=1),
            ),
            "between the meeting and a year",
        ),
        (DecisionInput(Outcome.CONTINUE_INTENSIFIED, "  "), "rationale"),
        (
            DecisionInput(Outcome.CONTINUE_INTENSIFIED, "x", target=current),
            "only a de-escalation or a re-escalation changes the regimen",
        ),
    ]
    for decision, message in bad:
        with pytest.raises(ValidationError, match=message):
            service.record(detail.case.id, decision, setup["chair"])
    assert setup["meetings"].case_detail(detail.case.id).case.decision is None


def test_actions_need_an_active_owner_and_are_recorded(setup):
    detail = first_intensified(setup)
    decision = replace(
        de_escalation(detail, setup["config"]),
        actions=(
            ActionInput(
                "Book infusions at the new interval",
                setup["nurse_id"],
                detail.meeting_date + timedelta(days=14),
            ),
        ),
    )
    DecisionService(setup["db"]).record(detail.case.id, decision, setup["chair"])
    actions = setup["meetings"].case_detail(detail.case.id).case.actions
    assert [a.description for a in actions] == ["Book infusions at the new interval"]
    with pytest.raises(ValidationError, match="owner is not an active member"):
        DecisionService(setup["db"]).record(
            detail.case.id, replace(decision, actions=(ActionInput("x", 99999),)), setup["chair"]
        )


def prepare_for_sign_off(setup):
    """Attendance recorded, every case decided or deferred."""
    board = setup["board"]
    roster = RosterService(setup["db"]).clinicians()
    MeetingAdminService(setup["db"], setup["config"]).set_attendance(
        board.meeting.id, {c.id: AttendanceStatus.PRESENT for c in roster}, setup["coordinator"]
    )
    service = DecisionService(setup["db"])
    for index, detail in enumerate(board.cases):
        if index % 3 == 2:
            service.defer(detail.case.id, "Awaiting ultrasound", setup["chair"])
        else:
            service.record(
                detail.case.id,
                DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Continue for now"),
                setup["chair"],
            )


def test_sign_off_waits_for_every_case_and_the_attendance(setup):
    signoff = SignOffService(setup["db"], setup["config"])
    readiness = signoff.readiness(setup["board"].meeting.id)
    assert "Attendance has not been recorded." in readiness.problems
    assert any("has not been discussed or deferred" in p for p in readiness.problems)
    with pytest.raises(RefusedError, match="cannot be signed off yet"):
        signoff.sign_off(setup["board"].meeting.id, setup["chair"])
    prepare_for_sign_off(setup)
    assert signoff.readiness(setup["board"].meeting.id).ready


def test_sign_off_freezes_the_checklist_and_locks_the_services(setup):
    prepare_for_sign_off(setup)
    meeting_id = setup["board"].meeting.id
    ChecklistService(setup["db"], setup["config"]).answer(
        setup["board"].cases[0].case.id,
        "life_events",
        ChecklistResult.MET,
        "No plans",
        setup["nurse"],
    )
    SignOffService(setup["db"], setup["config"]).sign_off(meeting_id, setup["chair"])
    record = setup["meetings"].get(meeting_id)
    assert record.status is MeetingStatus.SIGNED_OFF
    assert record.signed_off_by == setup["chair"].name
    with setup["db"].read() as session:
        stored = session.scalar(
            select(func.count(ChecklistAnswerRow.id)).where(
                ChecklistAnswerRow.case_review_id.in_([c.id for c in record.cases])
            )
        )
        assert stored == len(record.cases) * len(setup["config"].checklist)
        assert (
            session.scalars(select(AuditEventRow.action).order_by(AuditEventRow.id.desc())).first()
            == "sign_off"
        )
        assert verify_chain(session).intact
    case = record.cases[0]
    assert (
        next(a for a in case.checklist if a.item_key == "life_events").confirmed
        is ChecklistResult.MET
    )
    refused = [
        lambda: DecisionService(setup["db"]).record(
            case.id, DecisionInput(Outcome.OTHER, "Changed my mind"), setup["chair"]
        ),
        lambda: ChecklistService(setup["db"], setup["config"]).answer(
            case.id, "crp", ChecklistResult.NOT_MET, "x", setup["nurse"]
        ),
        lambda: MeetingAdminService(setup["db"], setup["config"]).remove_candidate(
            case.id, setup["coordinator"]
        ),
        lambda: SignOffService(setup["db"], setup["config"]).sign_off(meeting_id, setup["chair"]),
    ]
    for attempt in refused:
        with pytest.raises(RefusedError, match="signed off"):
            attempt()


RAW_SQL = [
    "UPDATE meetings SET location = 'elsewhere' WHERE id = {meeting}",
    "DELETE FROM meetings WHERE id = {meeting}",
    "UPDATE decisions SET outcome = 'other' WHERE case_review_id = {case}",
    "DELETE FROM decisions WHERE case_review_id = {case}",
    "INSERT INTO decisions (case_review_id, outcome, rationale, dissent, monitoring, "
    "decided_by_id, decided_at, amendment_reason) VALUES ({case}, 'other', 'x', '', '[]', 1, "
    "'2026-11-25 12:00:00', '')",
    "UPDATE checklist_answers SET confirmed = 'not_met', override_reason = 'x' "
    "WHERE case_review_id = {case}",
    "DELETE FROM checklist_answers WHERE case_review_id = {case}",
    "INSERT INTO checklist_answers (case_review_id, item_key, automatic, evidence, note, "
    "override_reason) VALUES ({case}, 'extra', 'met', '[]', '', '')",
    "UPDATE case_reviews SET status = 'pending' WHERE id = {case}",
    "DELETE FROM case_reviews WHERE id = {case}",
    "UPDATE attendance SET status = 'apologies' WHERE meeting_id = {meeting}",
    "INSERT INTO case_notes (case_review_id, author_id, text, created_at) "
    "VALUES ({case}, 1, 'late note', '2026-11-26 09:00:00')",
    "UPDATE actions SET description = 'something else' WHERE case_review_id = {case}",
    "DELETE FROM actions WHERE case_review_id = {case}",
    "UPDATE drug_level_annotations SET comment = 'edited' WHERE case_review_id = {case}",
]


@pytest.mark.parametrize("statement", RAW_SQL)
def test_the_sqlite3_shell_cannot_change_a_signed_off_meeting(demo_db, config, statement):
    meetings = MeetingService(demo_db, config)
    signed = meetings.get(meetings.find_id("2026-10"))
    case = next(c for c in signed.cases if c.actions and c.annotations)
    raw = sqlite3.connect(demo_db.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="signed-off MDT meeting"):
            raw.execute(statement.format(meeting=signed.id, case=case.id))
    finally:
        raw.close()


def test_the_sqlite3_shell_may_still_record_amendments_and_completed_actions(demo_db, config):
    meetings = MeetingService(demo_db, config)
    signed = meetings.get(meetings.find_id("2026-10"))
    case = next(c for c in signed.cases if c.actions and c.decision)
    raw = sqlite3.connect(demo_db.path)
    try:
        raw.execute(
            f"UPDATE actions SET done_at = '2026-11-01 10:00:00' WHERE case_review_id = {case.id}"
        )
        raw.execute(
            "INSERT INTO decisions (case_review_id, outcome, rationale, dissent, monitoring, "
            "decided_by_id, decided_at, amends_id, amendment_reason) SELECT case_review_id, "
            "outcome, rationale, dissent, monitoring, decided_by_id, decided_at, id, "
            f"'Typo in rationale' FROM decisions WHERE case_review_id = {case.id}"
        )
        raw.commit()
    finally:
        raw.close()


def test_an_amendment_after_sign_off_is_a_new_linked_decision(demo_db, config):
    meetings = MeetingService(demo_db, config)
    signed = meetings.get(meetings.find_id("2026-10"))
    case = next(c for c in signed.cases if c.decision.outcome is Outcome.DE_ESCALATE)
    chair = next(c for c in RosterService(demo_db).clinicians() if c.name == signed.chair)
    service = DecisionService(demo_db)
    with pytest.raises(ValidationError, match="reason"):
        service.amend(
            case.decision.id,
            DecisionInput(Outcome.CONTINUE_INTENSIFIED, "x"),
            " ",
            Actor(chair.id, chair.name),
        )
    record_before = PatientService(demo_db).get_record(case.patient.hospital_number)
    service.amend(
        case.decision.id,
        DecisionInput(
            Outcome.CONTINUE_INTENSIFIED, "Patient withdrew consent before the first reduced dose"
        ),
        "Decision reversed after the meeting at the patient's request",
        Actor(chair.id, chair.name),
    )
    amended = meetings.get(signed.id)
    now = next(c for c in amended.cases if c.id == case.id)
    assert now.decision.outcome is Outcome.CONTINUE_INTENSIFIED
    assert now.decision.amends_id == case.decision.id
    assert now.decision.amendment_reason.startswith("Decision reversed")
    assert [d.outcome for d in now.earlier_decisions] == [Outcome.DE_ESCALATE]
    record_after = PatientService(demo_db).get_record(case.patient.hospital_number)
    target = case.decision.target_regimen
    assert isinstance(target, Regimen)
    assert any(m.regimen == target for m in record_before.medications)
    assert not any(
        m.regimen == target and m.start == case.decision.effective_date
        for m in record_after.medications
    )


def test_amending_leaves_treatment_given_since_the_decision_untouched(demo_db, config):
    """A de-escalation that later history has ended (re-escalation) is not undone."""
    meetings = MeetingService(demo_db, config)
    patients = PatientService(demo_db)
    for spec in ("2026-08", "2026-09", "2026-10"):
        signed = meetings.get(meetings.find_id(spec))
        for case in signed.cases:
            if case.decision is None or case.decision.outcome is not Outcome.DE_ESCALATE:
                continue
            record = patients.get_record(case.patient.hospital_number)
            started = [m for m in record.medications if m.start == case.decision.effective_date]
            if any(m.end is not None for m in started):
                break
        else:
            continue
        break
    else:
        pytest.skip("the demo has no de-escalation that later history ended")
    chair = next(c for c in RosterService(demo_db).clinicians() if c.name == signed.chair)
    before = patients.get_record(case.patient.hospital_number).medications
    DecisionService(demo_db).amend(
        case.decision.id,
        DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Recorded against the wrong patient"),
        "Wrong outcome recorded",
        Actor(chair.id, chair.name),
    )
    assert patients.get_record(case.patient.hospital_number).medications == before
    with demo_db.read() as session:
        after = session.scalars(
            select(AuditEventRow.after).where(AuditEventRow.action == "amend")
        ).all()
    assert after[-1]["medication_history"].startswith("left as given")
