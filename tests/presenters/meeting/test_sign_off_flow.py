"""Sign-off → defer the undiscussed → carry-over, through the presenter's one method.

The questions the screen would ask with dialogs are answered by a recording stand-in; the
services are real, on a copy of the demo database, with an inline runner.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date

import pytest

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.board import MeetingBoard, Readiness
from mdt_desktop.domain.carry_over import CarryOverPlan, CarryOverResult
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus, Outcome
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.presenters.meeting.results import Done, DoneKind
from mdt_desktop.presenters.preparation.carry_over import CarryOverChoice
from mdt_desktop.services.bundle import meeting_services
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.workers import ImmediateRunner
from tests.conftest import AS_OF

CHAIR, COORDINATOR = "Helen Marsh", "Sam Patel"


@dataclass
class Answers:
    """Answers the sign-off's questions and records what was asked, in order."""

    defer: bool = True
    sign: bool = True
    carry_on: date | None = date(2026, 12, 16)
    asked: list[str] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    plans: list[CarryOverPlan] = field(default_factory=list)

    def defer_undiscussed(self, cases):
        self.asked.append("defer")
        self.deferred = [c.position for c in cases]
        return self.defer

    def confirm_sign_off(self, board: MeetingBoard, readiness: Readiness) -> bool:
        self.asked.append("confirm")
        return self.sign and readiness.ready

    def choose_carry_over(self, plan: CarryOverPlan) -> CarryOverChoice | None:
        self.asked.append("carry")
        self.plans.append(plan)
        if self.carry_on is None:
            return None
        return CarryOverChoice(tuple(c.case_id for c in plan.proposed), self.carry_on)


def member(demo_db, name):
    return next(c for c in RosterService(demo_db).clinicians() if name in c.name)


@pytest.fixture
def presenter(qtbot, demo_db, config):
    """The presenter on this month's meeting: attendance taken, the first case decided."""
    presenter = MeetingPresenter(meeting_services(demo_db, config), ImmediateRunner())
    presenter.open_meeting(presenter.services.meetings.find_id(AS_OF.strftime("%Y-%m")))
    board = presenter.board
    coordinator, chair = member(demo_db, COORDINATOR), member(demo_db, CHAIR)
    statuses = {c.id: AttendanceStatus.PRESENT for c in RosterService(demo_db).clinicians()}
    MeetingAdminService(demo_db, config).set_attendance(
        board.meeting.id, statuses, Actor(coordinator.id, coordinator.name)
    )
    presenter.actor = Actor(chair.id, chair.name)
    presenter.services.decisions.record(
        board.cases[0].case.id,
        DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Calprotectin still raised"),
        presenter.actor,
    )
    presenter.reload()
    return presenter


def status(path, meeting_id):
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT status FROM meetings WHERE id = ?", (meeting_id,)
        ).fetchone()[0]


def test_sign_off_defers_then_signs_then_carries_over_in_order(qtbot, presenter, demo_path):
    answers = Answers()
    done: list[Done] = []
    carried: list[CarryOverResult] = []
    presenter.action_done.connect(done.append)
    presenter.carry_over.carried.connect(carried.append)
    undiscussed = len(presenter.board.cases) - 1
    meeting_id = presenter.board.meeting.id

    presenter.sign_off(answers)

    assert answers.asked == ["defer", "confirm", "carry"]
    assert answers.deferred == list(range(2, undiscussed + 2))
    assert [d.kind for d in done] == [DoneKind.UNDISCUSSED_DEFERRED, DoneKind.MEETING_SIGNED_OFF]
    assert [d.message for d in done] == ["Undiscussed cases deferred.", "Meeting signed off."]
    assert status(demo_path, meeting_id) == "signed_off"
    assert presenter.board.meeting.status is MeetingStatus.SIGNED_OFF
    (plan,) = answers.plans
    assert len(plan.proposed) == undiscussed
    (result,) = carried
    assert "carried over to the new MDT of 16 Dec 2026" in result.message


def test_declining_the_deferral_still_shows_what_stops_sign_off(qtbot, presenter, demo_path):
    answers = Answers(defer=False)
    done: list[Done] = []
    presenter.action_done.connect(done.append)

    presenter.sign_off(answers)

    assert answers.asked == ["defer", "confirm"]  # not ready: nothing signed, nothing offered
    assert done == []
    assert status(demo_path, presenter.board.meeting.id) != "signed_off"


def test_not_now_at_the_carry_over_leaves_the_meeting_signed_off(qtbot, presenter, demo_path):
    answers = Answers(carry_on=None)
    carried: list[CarryOverResult] = []
    presenter.carry_over.carried.connect(carried.append)

    presenter.sign_off(answers)

    assert answers.asked == ["defer", "confirm", "carry"]
    assert status(demo_path, presenter.board.meeting.id) == "signed_off"
    assert carried == []


def test_sign_off_without_a_user_is_refused_before_any_question(qtbot, presenter):
    presenter.actor = None
    answers = Answers()
    with qtbot.waitSignal(presenter.error_reported) as reported:
        presenter.sign_off(answers)
    assert answers.asked == []
    assert reported.args == ["Choose who you are (Acting as) first."]
