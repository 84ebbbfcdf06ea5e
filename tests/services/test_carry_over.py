"""Carry-over: deferring the undiscussed cases, listing them at the next meeting, open actions."""

import sqlite3
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.carry_over import next_meeting_date, still_open
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus, MeetingStatus, Outcome, Role
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.models import AuditEventRow
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.carry_over import NOT_REACHED, CarryOverService
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.open_actions import OpenActionService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.services.signoff import SignOffService
from tests.conftest import AS_OF

pytestmark = pytest.mark.slow  # signs meetings off (a plot image per case), then carries cases over

SIGNED = datetime(2026, 11, 25, 16, 30)


class Setting:
    """The demo's November meeting: attendance recorded, three cases decided, one deferred."""

    def __init__(self, db, config):
        self.db, self.config = db, config
        roster = RosterService(db).clinicians()
        self.people = {c.name.split(" (")[0]: Actor(c.id, c.name) for c in roster}
        self.coordinator = self.people["Sam Patel"]
        self.chair = self.people["Dr Helen Marsh"]
        self.meetings = MeetingService(db, config)
        self.board = self.meetings.board(self.meetings.find_id(AS_OF.strftime("%Y-%m")))
        self.meeting_id = self.board.meeting.id
        MeetingAdminService(db, config).set_attendance(
            self.meeting_id, {c.id: AttendanceStatus.PRESENT for c in roster}, self.coordinator
        )
        self.cases = [d.case for d in self.board.cases]
        decisions = DecisionService(db)
        for case in self.cases[:2]:
            decisions.record(
                case.id, DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Not yet"), self.chair
            )
        decisions.record(
            self.cases[2].id, DecisionInput(Outcome.DEFER, "Ultrasound first"), self.chair
        )
        decisions.defer(self.cases[3].id, "Awaiting ultrasound", self.chair)
        self.service = CarryOverService(db, config)

    def sign_off(self):
        self.service.defer_undiscussed(self.meeting_id, self.chair)
        SignOffService(self.db, self.config).sign_off(self.meeting_id, self.chair, at=SIGNED)

    def audit(self, entity):
        with self.db.read() as session:
            return session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.entity == entity)
                .order_by(AuditEventRow.id)
            ).all()


@pytest.fixture
def setting(demo_db, config):
    return Setting(demo_db, config)


def test_the_next_meeting_keeps_the_weekday():
    assert next_meeting_date(date(2026, 11, 25), 28) == date(2026, 12, 23)
    assert next_meeting_date(date(2026, 11, 25), 30) == date(2026, 12, 23)
    assert next_meeting_date(date(2026, 11, 25), 35) == date(2026, 12, 30)


def test_the_chair_defers_every_undiscussed_case_in_one_step(setting):
    signoff = SignOffService(setting.db, setting.config)
    assert not signoff.readiness(setting.meeting_id).ready
    with pytest.raises(RefusedError, match="may not record decisions"):
        setting.service.defer_undiscussed(setting.meeting_id, setting.coordinator)
    deferred = setting.service.defer_undiscussed(setting.meeting_id, setting.chair)
    assert deferred == tuple(c.patient.hospital_number for c in setting.cases[4:])
    assert signoff.readiness(setting.meeting_id).ready
    statuses = [c.status for c in setting.meetings.get(setting.meeting_id).cases]
    assert statuses[:4] == [CaseStatus.DISCUSSED] * 3 + [CaseStatus.DEFERRED]
    assert set(statuses[4:]) == {CaseStatus.DEFERRED}
    rows = [a for a in setting.audit("case_review") if a.reason == NOT_REACHED]
    assert len(rows) == len(deferred)
    assert setting.service.defer_undiscussed(setting.meeting_id, setting.chair) == ()


def test_after_sign_off_the_deferred_cases_are_offered_for_a_new_meeting(setting):
    with pytest.raises(RefusedError, match="not signed off yet"):
        setting.service.carry_over(setting.meeting_id, [setting.cases[3].id], setting.chair)
    setting.sign_off()
    plan = setting.service.plan(setting.meeting_id, today=AS_OF)
    assert plan.target.new
    assert plan.target.meeting_date == date(2026, 12, 23)  # a Wednesday, four weeks on
    assert plan.target.chair == "Dr Helen Marsh (DEMO)"
    offered = {c.case_id: c for c in plan.candidates}
    assert setting.cases[0].id not in offered  # decided: not offered
    assert offered[setting.cases[2].id].why == "decision: defer for investigation"
    assert not offered[setting.cases[2].id].proposed
    assert offered[setting.cases[3].id].why == "deferred: Awaiting ultrasound"
    assert offered[setting.cases[3].id].proposed
    assert offered[setting.cases[4].id].why == f"deferred: {NOT_REACHED}"
    assert [c.case_id for c in plan.proposed] == [c.id for c in setting.cases[3:]]


def test_carrying_over_plans_the_meeting_lists_the_cases_and_links_them(setting):
    setting.sign_off()
    chosen = [setting.cases[3].id, setting.cases[4].id]
    result = setting.service.carry_over(
        setting.meeting_id, chosen, setting.chair, today=AS_OF, at=SIGNED
    )
    assert result.created
    assert result.meeting_date == date(2026, 12, 23)
    assert result.carried == tuple(setting.cases[i].patient.hospital_number for i in (3, 4))
    assert result.message.startswith("2 cases carried over to the new MDT of 23 Dec 2026.")
    december = setting.meetings.get(result.meeting_id)
    assert december.status is MeetingStatus.PLANNED
    assert december.chair == "Dr Helen Marsh (DEMO)"
    first = december.cases[0]
    assert first.carried_from is not None
    assert first.carried_from.case_id == setting.cases[3].id
    assert first.carried_from.meeting_date == date(2026, 11, 25)
    assert first.carried_from.reason == "deferred: Awaiting ultrasound"
    with sqlite3.connect(setting.db.path) as connection:
        reasons = connection.execute(
            "SELECT added_reason FROM case_reviews WHERE meeting_id = ? ORDER BY position",
            (result.meeting_id,),
        ).fetchall()
    assert reasons[0] == ("Carried over from 25 Nov 2026 (deferred: Awaiting ultrasound)",)
    assert [a.action for a in setting.audit("case_carry_over")] == ["create", "create"]
    assert setting.audit("meeting")[-1].reason.startswith("Planned for the cases carried over")
    with setting.db.read() as session:
        assert verify_chain(session).intact
    again = setting.service.carry_over(setting.meeting_id, chosen, setting.chair, today=AS_OF)
    assert again.carried == ()
    assert all("already carried over to 23 Dec 2026" in s for s in again.skipped)
    plan = setting.service.plan(setting.meeting_id, today=AS_OF)
    assert plan.target.meeting_id == result.meeting_id  # the planned meeting is the target now
    blocked = {c.case_id: c.blocked for c in plan.candidates}
    assert blocked[setting.cases[3].id] == "already carried over to 23 Dec 2026"


def test_patients_already_listed_at_the_next_meeting_are_skipped(setting):
    setting.sign_off()
    december = MeetingAdminService(setting.db, setting.config).create_meeting(
        date(2026, 12, 16), setting.chair.id, setting.coordinator
    )
    listed = setting.cases[4].patient.hospital_number
    MeetingAdminService(setting.db, setting.config).add_candidate(
        december, listed, setting.coordinator
    )
    plan = setting.service.plan(setting.meeting_id)
    assert plan.target.meeting_id == december
    blocked = {c.case_id: c.blocked for c in plan.candidates}
    assert blocked[setting.cases[4].id] == "already on the list of 16 Dec 2026"
    result = setting.service.carry_over(
        setting.meeting_id, [c.case_id for c in plan.candidates], setting.coordinator
    )
    assert not result.created
    assert listed not in result.carried
    assert any(s.startswith(f"{listed}: already on the list") for s in result.skipped)
    assert len(setting.meetings.get(december).cases) == 1 + len(result.carried)


def test_who_may_carry_cases_over(setting):
    setting.sign_off()
    case = [setting.cases[3].id]
    with pytest.raises(RefusedError, match="may not carry cases over"):
        setting.service.carry_over(setting.meeting_id, case, setting.people["Kate Doyle"])
    with pytest.raises(RefusedError, match="Only the chair of this meeting"):
        setting.service.carry_over(setting.meeting_id, case, setting.people["Dr Rahul Mehta"])
    with pytest.raises(ValidationError, match="not on the list"):
        setting.service.carry_over(setting.meeting_id, [999_999], setting.coordinator)
    with pytest.raises(ValidationError, match="choose the cases"):
        setting.service.carry_over(setting.meeting_id, [], setting.coordinator)
    result = setting.service.carry_over(setting.meeting_id, case, setting.coordinator, today=AS_OF)
    assert result.carried == (setting.cases[3].patient.hospital_number,)


# --- open actions ----------------------------------------------------------------------------


def test_the_next_meeting_lists_the_actions_still_open_from_earlier_meetings(demo_db, config):
    meetings = MeetingService(demo_db, config)
    november = meetings.find_id("2026-11")
    listed = OpenActionService(demo_db).for_meeting(november)
    assert listed, "the demo leaves actions open"
    assert all(a.done_now is None and a.done_at is None for a in listed)
    assert {a.from_meeting_date for a in listed} == {
        date(2026, 8, 26),
        date(2026, 9, 30),
        date(2026, 10, 28),
    }
    overdue = [a for a in listed if a.overdue(date(2026, 11, 25))]
    assert overdue
    assert all(a.due < date(2026, 11, 25) for a in overdue)
    assert overdue[0].status(date(2026, 11, 25)) == "overdue"
    own = {a.id for c in meetings.get(november).cases for a in c.actions}
    assert not own & {a.id for a in listed}
    board = meetings.board(november)
    assert board.open_actions == listed
    # marking one done takes it off what is still open
    coordinator = next(c for c in RosterService(demo_db).clinicians() if c.role is Role.COORDINATOR)
    action = next(a for a in listed if a.owner_id == coordinator.id)
    DecisionService(demo_db).complete_action(action.id, Actor(coordinator.id, coordinator.name))
    after = still_open(OpenActionService(demo_db).for_meeting(november))
    assert action.id not in {a.id for a in after}
    assert len(after) == len(listed) - 1


def test_a_signed_off_meeting_keeps_the_list_as_it_stood_at_sign_off(demo_db, config):
    meetings = MeetingService(demo_db, config)
    october = meetings.find_id("2026-10")
    service = OpenActionService(demo_db)
    before = service.for_meeting(october)
    assert {a.from_meeting_date for a in before} == {date(2026, 8, 26), date(2026, 9, 30)}
    roster = {c.id: c for c in RosterService(demo_db).clinicians()}
    coordinator = next(c for c in roster.values() if c.role is Role.COORDINATOR)
    actor = Actor(coordinator.id, coordinator.name)
    decisions = DecisionService(demo_db)
    decisions.complete_action(before[0].id, actor)  # done today, after the sign-off
    with sqlite3.connect(demo_db.path) as connection:  # one that was done before the meeting
        done_early = connection.execute(
            "SELECT a.id FROM actions a JOIN case_reviews c ON c.id = a.case_review_id "
            "WHERE c.meeting_id = (SELECT id FROM meetings WHERE meeting_date = '2026-09-30') "
            "AND a.done_at < '2026-10-28' LIMIT 1"
        ).fetchone()[0]
    decisions.complete_action(done_early, actor, done=False)  # reopened today
    after = service.for_meeting(october)
    assert [replace(a, done_now=None) for a in after] == [
        replace(a, done_now=None) for a in before
    ], "the list and each action's state at sign-off do not change"
    assert next(a for a in after if a.id == before[0].id).done_now is not None
    assert done_early not in {a.id for a in after}
