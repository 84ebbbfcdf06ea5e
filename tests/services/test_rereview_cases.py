"""A re-review case at the meeting: its own checklist, answered, frozen at sign-off; the sign-off
date; hospital numbers in any case; a patient listed on two meetings.

The demo (seed 7, as of 24 Nov 2026): DEMO10076, de-escalated at the MDT of 30 Sep 2026 to
adalimumab 40 mg every 2 weeks from 10 Oct 2026, is due back relapsing at the planned meeting of
25 Nov 2026 (see tests/test_cli_re_escalation.py for the numbers).
"""

from datetime import date, datetime

import pytest

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import AttendanceStatus, ChecklistResult, MeetingStatus, Outcome
from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.domain.rereview import RereviewTag
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.json_views import meeting_json
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.services.signoff import SignOffService
from tests.conftest import AS_OF

PATIENT = "DEMO10076"
MEETING = date(2026, 11, 25)
EARLY = "This meeting is dated 25 Nov 2026; it can be signed off from that day"


@pytest.fixture
def team(demo_db, config):
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id(AS_OF.strftime("%Y-%m"))
    roster = RosterService(demo_db).clinicians()
    chair_name = meetings.get(meeting_id).chair
    chair = next(c for c in roster if c.name == chair_name)
    coordinator = next(c for c in roster if c.role.value == "coordinator")
    nurse = next(c for c in roster if c.role.value == "ibd_nurse")
    return {
        "db": demo_db,
        "config": config,
        "meetings": meetings,
        "meeting_id": meeting_id,
        "chair": Actor(chair.id, chair.name),
        "coordinator": Actor(coordinator.id, coordinator.name),
        "nurse": Actor(nurse.id, nurse.name),
        "roster": roster,
    }


def list_patient(team, number=PATIENT):
    admin = MeetingAdminService(team["db"], team["config"])
    return admin.add_candidate(team["meeting_id"], number, team["coordinator"], "Re-review")


def test_a_re_review_case_is_answered_on_its_own_list_only(team):
    case_id = list_patient(team)
    checklist = ChecklistService(team["db"], team["config"])
    checklist.answer(case_id, "rereview_patient_agrees", ChecklistResult.MET, "", team["nurse"])
    with pytest.raises(ValidationError, match="not on the re-review checklist"):
        checklist.answer(case_id, "time_on_intensified", ChecklistResult.MET, "x", team["nurse"])
    detail = team["meetings"].case_detail(case_id)
    agrees = next(a for a in detail.case.checklist if a.item_key == "rereview_patient_agrees")
    assert agrees.confirmed is ChecklistResult.MET
    assert agrees.answered_by == team["nurse"].name
    # the flare item is not met (early warning): the objective line is not met
    assert detail.overall is Overall.NOT_MET


def test_sign_off_waits_for_the_meeting_date(team):
    signoff = SignOffService(team["db"], team["config"])
    early = signoff.readiness(team["meeting_id"], on=date(2026, 11, 24))
    assert early.problems[0] == f"{EARLY} (today is 24 Nov 2026)."
    on_the_day = signoff.readiness(team["meeting_id"], on=MEETING)
    assert not any(p.startswith(EARLY) for p in on_the_day.problems)
    with pytest.raises(RefusedError, match=EARLY):
        signoff.sign_off(team["meeting_id"], team["chair"], at=datetime(2026, 11, 24, 17, 0))
    assert team["meetings"].get(team["meeting_id"]).status is not MeetingStatus.SIGNED_OFF


def test_sign_off_freezes_the_re_review_checklist_and_reason(team):
    case_id = list_patient(team)
    db, config, chair = team["db"], team["config"], team["chair"]
    MeetingAdminService(db, config).set_attendance(
        team["meeting_id"],
        {c.id: AttendanceStatus.PRESENT for c in team["roster"]},
        team["coordinator"],
    )
    decisions = DecisionService(db, config.regimens)
    for case in team["meetings"].get(team["meeting_id"]).cases:
        if case.id == case_id:
            decisions.defer(case.id, "Repeat calprotectin in 4 weeks", chair)
        else:
            decisions.record(case.id, DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Wait"), chair)
    live = team["meetings"].case_detail(case_id)
    SignOffService(db, config).sign_off(team["meeting_id"], chair, at=datetime(2026, 11, 25, 17))
    frozen = team["meetings"].case_detail(case_id)
    assert frozen.frozen
    assert frozen.rereview is not None
    assert frozen.rereview.tag is RereviewTag.RELAPSING
    assert frozen.rereview.reason == live.rereview.reason
    assert [a.item_key for a in frozen.case.checklist] == [a.item_key for a in live.case.checklist]
    assert [a.automatic for a in frozen.case.checklist] == [
        a.automatic for a in live.case.checklist
    ]
    assert frozen.overall is Overall.NOT_MET
    assert frozen.case.deferral_reason == "Repeat calprotectin in 4 weeks"
    board = team["meetings"].board(team["meeting_id"])
    document = meeting_json(board.meeting, board.cases)
    case = next(c for c in document["cases"] if c["hospital_number"] == PATIENT)
    assert case["checklist_kind"] == "rereview"
    assert case["deferral_reason"] == "Repeat calprotectin in 4 weeks"
    assert case["rereview"]["tag"] == "relapsing"
    assert document["location"] == board.meeting.location


def test_hospital_numbers_are_found_in_any_case(team):
    case_id = list_patient(team, PATIENT.lower())
    board = team["meetings"].board(team["meeting_id"])
    assert board.cases[board.index_of("demo10076")].case.id == case_id
    assert board.index_of(" Demo10076 ") == board.index_of(PATIENT)
    assert PatientService(team["db"]).get_record("demo10076").patient.hospital_number == PATIENT
    with pytest.raises(NotFoundError, match="No patient with hospital number 'DEMO99999'"):
        list_patient(team, "DEMO99999")


def test_a_patient_on_another_open_meeting_is_reported_not_refused(team):
    admin = MeetingAdminService(team["db"], team["config"])
    coordinator = team["coordinator"]
    chair_id = team["chair"].id
    later = admin.create_meeting(date(2026, 12, 30), chair_id, coordinator, "Room 4")
    list_patient(team)
    assert admin.listed_elsewhere(later, PATIENT) == [MEETING]
    admin.add_candidate(later, PATIENT, coordinator)  # listed twice: allowed
    assert admin.listed_elsewhere(team["meeting_id"], "demo10076") == [date(2026, 12, 30)]
