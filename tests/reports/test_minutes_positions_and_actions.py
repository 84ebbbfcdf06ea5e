"""The minutes and ``meeting --json`` read back: attendees' positions, and the actions carried
over from earlier meetings (reproducible once the meeting is signed off)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from pypdf import PdfReader

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import AttendanceStatus, Outcome, Position, Role
from mdt_desktop.domain.positions import PositionInput
from mdt_desktop.domain.text import without_isolates
from mdt_desktop.reports.identity import PseudonymousIdentities
from mdt_desktop.reports.minutes import BuildOptions, build_minutes
from mdt_desktop.reports.pseudonym import Pseudonymiser
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.json_views import meeting_json
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.open_actions import OpenActionService
from mdt_desktop.services.positions import PositionService
from mdt_desktop.services.roster import RosterService

pytestmark = pytest.mark.slow  # renders full minutes

FIXED = BuildOptions(author="Test", generated=datetime(2026, 11, 24, 9, 0), invariant=True)


def text_of(path) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    return re.sub(r"\s+", " ", without_isolates(text))  # the bidi isolates print as nothing


@pytest.fixture
def november(demo_db, config):
    """November's meeting: attendance, the first case decided, positions with a disagreement."""
    people = {c.name.split(" (")[0]: c for c in RosterService(demo_db).clinicians()}
    coordinator, chair = people["Sam Patel"], people["Dr Helen Marsh"]
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id("2026-11")
    present = ("Dr Helen Marsh", "Kate Doyle", "Tom Okafor", "Sam Patel")
    MeetingAdminService(demo_db, config).set_attendance(
        meeting_id,
        {people[n].id: AttendanceStatus.PRESENT for n in present},
        Actor(coordinator.id, coordinator.name),
    )
    detail = meetings.board(meeting_id).cases[0]
    patient = detail.case.patient
    DecisionService(demo_db).record(
        detail.case.id,
        DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Calprotectin still raised"),
        Actor(chair.id, chair.name),
    )
    entries = [PositionInput(people[n].id, Position.AGREE) for n in present[:2]]
    entries += [
        PositionInput(
            people["Tom Okafor"].id,
            Position.DISAGREE,
            f"{patient.given_name} is ready: trough 9.4",
        ),
        PositionInput(people["Sam Patel"].id, Position.ABSTAIN, "Administrative role"),
    ]
    PositionService(demo_db).record(detail.case.id, entries, Actor(chair.id, chair.name))
    return meetings.board(meeting_id)


def test_the_minutes_show_each_attendees_position_under_the_decision(november, config, tmp_path):
    path = tmp_path / "minutes.pdf"
    build_minutes(november, config, path, FIXED)
    text = text_of(path)
    assert "Attendees' positions — 2 agree · 1 disagree · 1 abstain" in text
    for name, role, position in (
        ("Dr Helen Marsh (DEMO)", "IBD consultant", "Agree"),
        ("Tom Okafor (DEMO)", "Pharmacist", "Disagree"),
        ("Sam Patel (DEMO)", "MDT coordinator", "Abstain"),
    ):
        assert re.search(f"{re.escape(name)} {re.escape(role)} {position}", text), name
    patient = november.cases[0].case.patient
    assert f"{patient.given_name} is ready: trough 9.4" in text
    assert "Recorded by Dr Helen Marsh (DEMO)" in text
    assert text.count("No positions were recorded.") == 0  # only decided cases have the part
    decision = text.index("Decision Outcome")
    assert decision < text.index("Attendees' positions") < text.index("Actions", decision)


def test_pseudonymised_minutes_keep_the_staff_and_scrub_the_patient_from_comments(
    november, config, tmp_path
):
    path = tmp_path / "pseudo.pdf"
    build_minutes(november, config, path, FIXED, PseudonymousIdentities(Pseudonymiser(b"k" * 32)))
    text = text_of(path)
    patient = november.cases[0].case.patient
    assert "Tom Okafor (DEMO) Pharmacist Disagree" in text  # clinicians are staff, not patients
    assert "[patient] is ready: trough 9.4" in text
    assert f"{patient.given_name} is ready" not in text
    for action in november.open_actions:
        assert action.patient.hospital_number not in text


def test_the_minutes_list_the_open_actions_of_earlier_meetings_after_the_attendance(
    november, config, tmp_path
):
    path = tmp_path / "minutes.pdf"
    build_minutes(november, config, path, FIXED)
    text = text_of(path)
    start = text.index("Open actions from earlier meetings")
    assert text.index("Attendance") < start < text.index("Summary of decisions")
    section = text[start : text.index("Summary of decisions")]
    actions = november.open_actions
    assert actions
    for action in actions:
        assert action.patient.hospital_number in section
        assert action.owner in section
    overdue = sum(1 for a in actions if a.overdue(november.meeting.meeting_date))
    assert section.count("overdue") == overdue + 1  # each, and the count beneath
    assert f"{len(actions)} still open when these minutes were produced" in section


def test_signed_off_minutes_do_not_change_when_an_action_is_done_later(demo_db, config, tmp_path):
    meetings = MeetingService(demo_db, config)
    october = meetings.find_id("2026-10")
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    build_minutes(meetings.board(october, as_signed=True), config, first, FIXED)
    listed = OpenActionService(demo_db).for_meeting(october)
    assert "Open actions from earlier meetings" in text_of(first)
    owner = next(c for c in RosterService(demo_db).clinicians() if c.role is Role.COORDINATOR)
    DecisionService(demo_db).complete_action(listed[0].id, Actor(owner.id, owner.name))
    build_minutes(meetings.board(october, as_signed=True), config, second, FIXED)
    assert second.read_bytes() == first.read_bytes()


def test_a_signed_off_meetings_own_actions_print_as_they_stood_at_sign_off(
    demo_db, config, tmp_path
):
    """Completing (or un-completing) one of its actions later never changes the final minutes;
    the screen still shows the completion."""
    meetings = MeetingService(demo_db, config)
    october = meetings.find_id("2026-10")
    board = meetings.board(october, as_signed=True)
    case = next(c.case for c in board.cases if any(a.done_at is None for a in c.case.actions))
    action = next(a for a in case.actions if a.done_at is None)
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    build_minutes(board, config, first, FIXED)
    owner = next(c for c in RosterService(demo_db).clinicians() if c.role is Role.COORDINATOR)
    DecisionService(demo_db).complete_action(action.id, Actor(owner.id, owner.name))
    live = meetings.board(october)
    done_now = next(a for c in live.cases for a in c.case.actions if a.id == action.id)
    assert done_now.done_at is not None
    build_minutes(meetings.board(october, as_signed=True), config, second, FIXED)
    assert second.read_bytes() == first.read_bytes()


def test_meeting_json_has_the_positions_and_where_a_case_came_from(november):
    document = meeting_json(november.meeting)
    positions = document["cases"][0]["positions"]
    assert [(p["name"], p["role"], p["position"]) for p in positions] == [
        ("Dr Helen Marsh (DEMO)", "ibd_consultant", "agree"),
        ("Kate Doyle (DEMO)", "ibd_nurse", "agree"),
        ("Tom Okafor (DEMO)", "pharmacist", "disagree"),
        ("Sam Patel (DEMO)", "coordinator", "abstain"),
    ]
    assert positions[3]["comment"] == "Administrative role"
    assert not any(p["on_earlier_version"] for p in positions)
    assert document["cases"][1]["positions"] == []
    assert all(case["carried_over_from"] is None for case in document["cases"])
    # the contract's keys are all still there
    for key in ("position", "hospital_number", "status", "checklist", "decision", "actions"):
        assert key in document["cases"][0]
