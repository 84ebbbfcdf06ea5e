"""Attendees' positions on a decision: who gives one, the dissent, changes, the sign-off lock."""

import sqlite3
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import AttendanceStatus, Outcome, Position, Role
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.domain.positions import PositionInput, position_notes, tally
from mdt_desktop.models import AuditEventRow
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.carry_over import CarryOverService
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.positions import PositionService
from mdt_desktop.services.roster import RosterAdmin, RosterService
from mdt_desktop.services.signoff import SignOffService
from tests.conftest import AS_OF

pytestmark = pytest.mark.slow  # signs meetings off, a plot image per case

MEETING_DAY = datetime(2026, 11, 25, 14, 0)


class Team:
    """The demo's November meeting with its attendance recorded and the first case decided."""

    def __init__(self, db, config):
        self.db, self.config = db, config
        roster = RosterService(db).clinicians()
        self.coordinator = self._actor(roster, Role.COORDINATOR)
        RosterAdmin(db).add("Olive Observer (DEMO)", Role.OBSERVER, self.coordinator)
        self.roster = {c.name.split(" (")[0]: c for c in RosterService(db).clinicians()}
        self.meetings = MeetingService(db, config)
        self.board = self.meetings.board(self.meetings.find_id(AS_OF.strftime("%Y-%m")))
        self.meeting_id = self.board.meeting.id
        present = ("Dr Helen Marsh", "Kate Doyle", "Tom Okafor", "Sam Patel", "Olive Observer")
        statuses = {c.id: AttendanceStatus.PRESENT for n, c in self.roster.items() if n in present}
        statuses[self.roster["Mr James Whitfield"].id] = AttendanceStatus.APOLOGIES
        MeetingAdminService(db, config).set_attendance(self.meeting_id, statuses, self.coordinator)
        self.chair = self.actor("Dr Helen Marsh")
        self.case_id = self.board.cases[0].case.id
        DecisionService(db).record(
            self.case_id,
            DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Calprotectin still raised"),
            self.chair,
            at=MEETING_DAY,
        )
        self.service = PositionService(db)

    @staticmethod
    def _actor(roster, role):
        member = next(c for c in roster if c.role is role)
        return Actor(member.id, member.name)

    def actor(self, name):
        member = self.roster[name]
        return Actor(member.id, member.name)

    def id(self, name):
        return self.roster[name].id

    def all_agree(self, **changes):
        names = ("Dr Helen Marsh", "Kate Doyle", "Tom Okafor", "Sam Patel")
        entries = {n: PositionInput(self.id(n), Position.AGREE) for n in names}
        entries.update(changes)
        return tuple(entries.values())

    def case(self):
        return self.meetings.case_detail(self.case_id).case

    def audit(self, entity):
        """This meeting's audit rows about *entity* (the demo's earlier meetings have their own)."""
        with self.db.read() as session:
            return session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.entity == entity, AuditEventRow.meeting_id == self.meeting_id)
                .order_by(AuditEventRow.id)
            ).all()


@pytest.fixture
def team(demo_db, config):
    return Team(demo_db, config)


def test_the_chair_records_the_present_attendees_positions_with_their_roles(team):
    entries = team.all_agree(
        **{"Tom Okafor": PositionInput(team.id("Tom Okafor"), Position.DISAGREE, "Trough low")}
    )
    stored = team.service.record(team.case_id, entries, team.chair, at=MEETING_DAY)
    assert [(p.name, p.role, p.position) for p in stored] == [
        ("Dr Helen Marsh (DEMO)", Role.IBD_CONSULTANT, Position.AGREE),
        ("Kate Doyle (DEMO)", Role.IBD_NURSE, Position.AGREE),
        ("Tom Okafor (DEMO)", Role.PHARMACIST, Position.DISAGREE),
        ("Sam Patel (DEMO)", Role.COORDINATOR, Position.AGREE),
    ]
    case = team.case()
    assert case.positions == stored
    assert all(p.recorded_by == "Dr Helen Marsh (DEMO)" for p in case.positions)
    assert tally(case.positions).text == "3 agree · 1 disagree · 0 abstain"
    # the dissent on the decision says what the position says
    assert case.decision.dissent == "Tom Okafor (DEMO) (Pharmacist): Trough low"
    audit = team.audit("decision_position")
    assert [(a.action, a.after["position"]) for a in audit] == [
        ("create", "agree"),
        ("create", "agree"),
        ("create", "disagree"),
        ("create", "agree"),
    ]
    assert team.audit("decision")[-1].reason == "Dissent taken from the attendees' positions"
    with team.db.read() as session:
        assert verify_chain(session).intact


def test_the_role_is_the_one_the_attendee_came_in(team, demo_path):
    with sqlite3.connect(demo_path) as connection:  # promoted on the roster since the meeting
        connection.execute(
            "UPDATE clinicians SET role = 'ibd_clinician' WHERE id = ?", (team.id("Kate Doyle"),)
        )
    stored = team.service.record(team.case_id, team.all_agree(), team.chair)
    assert next(p for p in stored if p.name.startswith("Kate")).role is Role.IBD_NURSE


def test_only_attendees_marked_present_and_not_observers_take_positions(team):
    for name in ("Mr James Whitfield", "Olive Observer", "Dr Rahul Mehta"):
        with pytest.raises(ValidationError, match="not marked present"):
            team.service.record(
                team.case_id, (PositionInput(team.id(name), Position.AGREE),), team.chair
            )
    with pytest.raises(ValidationError, match="listed twice"):
        team.service.record(team.case_id, team.all_agree() * 2, team.chair)
    assert team.case().positions == ()


def test_only_the_chair_records_positions_and_only_on_a_decision(team):
    with pytest.raises(RefusedError, match="may not record decisions"):
        team.service.record(team.case_id, team.all_agree(), team.actor("Kate Doyle"))
    with pytest.raises(RefusedError, match="Only the chair of this meeting"):
        team.service.record(team.case_id, team.all_agree(), team.actor("Dr Rahul Mehta"))
    undecided = team.board.cases[1].case.id
    with pytest.raises(RefusedError, match="no decision yet"):
        team.service.record(undecided, team.all_agree(), team.chair)


def test_a_disagreement_needs_the_view_unless_the_decision_records_dissent(team):
    silent = PositionInput(team.id("Kate Doyle"), Position.DISAGREE)
    with pytest.raises(ValidationError, match=r"Kate Doyle \(DEMO\) disagrees"):
        team.service.record(team.case_id, team.all_agree(**{"Kate Doyle": silent}), team.chair)
    DecisionService(team.db).record(
        team.case_id,
        DecisionInput(
            Outcome.CONTINUE_INTENSIFIED,
            "Calprotectin still raised",
            dissent="Kate Doyle would de-escalate now",
        ),
        team.chair,
        at=MEETING_DAY,
    )
    team.service.record(team.case_id, team.all_agree(**{"Kate Doyle": silent}), team.chair)
    assert team.case().decision.dissent == "Kate Doyle would de-escalate now"  # left as it was


def test_saving_again_changes_confirms_and_removes(team):
    team.service.record(team.case_id, team.all_agree(), team.chair, at=MEETING_DAY)
    later = MEETING_DAY + timedelta(minutes=5)
    entries = tuple(e for e in team.all_agree() if e.clinician_id != team.id("Sam Patel"))
    entries = tuple(
        PositionInput(e.clinician_id, Position.ABSTAIN, "Not my field")
        if e.clinician_id == team.id("Tom Okafor")
        else e
        for e in entries
    )
    stored = team.service.record(team.case_id, entries, team.chair, at=later)
    assert [(p.name.split(" (")[0], p.position, p.comment) for p in stored] == [
        ("Dr Helen Marsh", Position.AGREE, ""),
        ("Kate Doyle", Position.AGREE, ""),
        ("Tom Okafor", Position.ABSTAIN, "Not my field"),
    ]
    assert all(p.recorded_at == later for p in stored)
    actions = [a.action for a in team.audit("decision_position")][4:]
    assert sorted(actions) == ["confirm", "confirm", "delete", "update"]


def test_a_changed_decision_asks_for_the_positions_again(team):
    team.service.record(team.case_id, team.all_agree(), team.chair, at=MEETING_DAY)
    meeting = team.meetings.get(team.meeting_id)
    case = team.case()
    assert position_notes(case.decision, case.positions, meeting.attendance) == ()
    changed = MEETING_DAY + timedelta(minutes=10)
    DecisionService(team.db).record(
        team.case_id,
        DecisionInput(Outcome.DEFER, "Repeat calprotectin first"),
        team.chair,
        at=changed,
    )
    case = team.case()
    assert len(case.positions) == 4, "positions stay with the decision row"
    (note,) = position_notes(case.decision, case.positions, meeting.attendance)
    assert "changed on 25 Nov 2026 at 14:10" in note
    assert "confirm them again" in note
    team.service.record(
        team.case_id, team.all_agree(), team.chair, at=changed + timedelta(minutes=1)
    )
    case = team.case()
    assert position_notes(case.decision, case.positions, meeting.attendance) == ()


def test_someone_no_longer_present_is_pointed_out_and_removed_on_saving(team):
    team.service.record(team.case_id, team.all_agree(), team.chair, at=MEETING_DAY)
    MeetingAdminService(team.db, team.config).set_attendance(
        team.meeting_id, {team.id("Sam Patel"): AttendanceStatus.APOLOGIES}, team.coordinator
    )
    meeting = team.meetings.get(team.meeting_id)
    case = team.case()
    assert position_notes(case.decision, case.positions, meeting.attendance) == (
        "Sam Patel (DEMO) is no longer marked present; saving the positions removes theirs.",
    )
    assert tally(case.positions, meeting.attendance).missing == 0
    entries = tuple(e for e in team.all_agree() if e.clinician_id != team.id("Sam Patel"))
    assert len(team.service.record(team.case_id, entries, team.chair)) == 3


def sign_off(team):
    CarryOverService(team.db, team.config).defer_undiscussed(team.meeting_id, team.chair)
    SignOffService(team.db, team.config).sign_off(team.meeting_id, team.chair)


def test_after_sign_off_positions_are_locked_in_the_service_and_the_database(team, demo_path):
    team.service.record(team.case_id, team.all_agree(), team.chair, at=MEETING_DAY)
    sign_off(team)
    with pytest.raises(RefusedError, match="signed off"):
        team.service.record(team.case_id, team.all_agree(), team.chair)
    with sqlite3.connect(demo_path) as connection:
        for sql in (
            "UPDATE decision_positions SET position = 'disagree'",
            "DELETE FROM decision_positions",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="signed-off MDT meeting"):
                connection.execute(sql)
    assert len(team.case().positions) == 4


def test_an_amendment_takes_positions_once_and_shows_the_earlier_ones_until_then(team):
    team.service.record(team.case_id, team.all_agree(), team.chair, at=MEETING_DAY)
    sign_off(team)
    decision_id = team.case().decision.id
    DecisionService(team.db).amend(
        decision_id,
        DecisionInput(Outcome.DEFER, "Ultrasound booked after the meeting"),
        "Ultrasound showed active disease",
        team.actor("Dr Rahul Mehta"),
    )
    case = team.case()
    assert {p.decision_id for p in case.positions} == {decision_id}
    meeting = team.meetings.get(team.meeting_id)
    assert "before its amendment" in position_notes(case.decision, case.positions, ())[0]
    team.service.record(team.case_id, team.all_agree(), team.actor("Dr Rahul Mehta"))
    case = team.case()
    assert {p.decision_id for p in case.positions} == {case.decision.id}
    assert position_notes(case.decision, case.positions, meeting.attendance) == ()
    with pytest.raises(RefusedError, match="cannot be changed"):
        team.service.record(team.case_id, team.all_agree(), team.chair)
