"""The meeting presenter with real services and an inline runner (QtCore only)."""

import pytest

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.presenters.meeting import MeetingPresenter
from mdt_desktop.services.bundle import meeting_services
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.workers import ImmediateRunner
from tests.conftest import AS_OF


@pytest.fixture
def presenter(qtbot, demo_db, config):
    return MeetingPresenter(meeting_services(demo_db, config), ImmediateRunner())


def meeting_id(demo_db, config, month):
    return MeetingService(demo_db, config).find_id(month)


def test_opening_a_meeting_shows_its_first_case(qtbot, presenter, demo_db, config):
    with qtbot.waitSignals([presenter.board_loaded, presenter.case_changed], order="strict"):
        presenter.open_meeting(meeting_id(demo_db, config, AS_OF.strftime("%Y-%m")))
    assert presenter.index == 0
    assert presenter.current is presenter.board.cases[0]


def test_opening_on_a_given_case(qtbot, presenter, demo_db, config):
    board = MeetingService(demo_db, config).board(meeting_id(demo_db, config, "2026-10"))
    wanted = board.cases[3].case.patient.hospital_number
    with qtbot.waitSignal(presenter.case_changed) as changed:
        presenter.open_meeting(board.meeting.id, wanted)
    assert changed.args[0] == 3


def test_stepping_stays_within_the_list(qtbot, presenter, demo_db, config):
    presenter.open_meeting(meeting_id(demo_db, config, "2026-10"))
    presenter.step(-1)
    assert presenter.index == 0
    for _ in range(50):
        presenter.step(1)
    assert presenter.index == len(presenter.board.cases) - 1


def test_an_unknown_case_is_reported(qtbot, presenter, demo_db, config):
    with qtbot.waitSignal(presenter.error_reported) as reported:
        presenter.open_meeting(meeting_id(demo_db, config, "2026-10"), "NOPE99")
    assert reported.args == ["NOPE99 is not on this meeting's list."]


def test_answer_without_a_user_is_refused_politely(qtbot, presenter, demo_db, config):
    presenter.open_meeting(meeting_id(demo_db, config, AS_OF.strftime("%Y-%m")))
    with qtbot.waitSignal(presenter.error_reported) as reported:
        presenter.answer("patient_agrees", ChecklistResult.MET, "")
    assert "Acting as" in reported.args[0]


def test_answer_saves_and_refreshes_the_case(qtbot, presenter, demo_db, config):
    nurse = next(c for c in RosterService(demo_db).clinicians() if c.role.value == "ibd_nurse")
    presenter.actor = Actor(nurse.id, nurse.name)
    presenter.open_meeting(meeting_id(demo_db, config, AS_OF.strftime("%Y-%m")))
    with qtbot.waitSignal(presenter.case_changed) as changed:
        presenter.answer("life_events", ChecklistResult.MET, "No plans")
    detail = changed.args[1]
    answer = next(a for a in detail.case.checklist if a.item_key == "life_events")
    assert (answer.confirmed, answer.answered_by) == (ChecklistResult.MET, nurse.name)
    assert presenter.board.cases[0] is detail


def test_errors_from_services_reach_the_view(qtbot, presenter, demo_db, config):
    consultant = next(
        c for c in RosterService(demo_db).clinicians() if c.role.value == "ibd_consultant"
    )
    presenter.actor = Actor(consultant.id, consultant.name)
    presenter.open_meeting(meeting_id(demo_db, config, "2026-10"))
    with qtbot.waitSignal(presenter.error_reported) as reported:
        presenter.answer("crp", ChecklistResult.MET, "")
    assert "signed off" in reported.args[0]


# --- what views prepare in advance ----------------------------------------------------------


def test_neighbours_are_the_next_then_the_previous_case(qtbot, presenter, demo_db, config):
    assert presenter.neighbours() == ()  # no meeting open
    presenter.open_meeting(meeting_id(demo_db, config, "2026-10"))
    cases = presenter.board.cases
    assert len(cases) == 6
    assert presenter.neighbours() == (cases[1],)  # the first case has no previous one
    presenter.select_case(2)
    assert presenter.neighbours() == (cases[3], cases[1])
    presenter.select_case(5)
    assert presenter.neighbours() == (cases[4],)


def test_every_write_and_reload_invalidates_what_was_prepared(qtbot, presenter, demo_db, config):
    seen = []
    presenter.invalidated.connect(lambda: seen.append(presenter.current))
    presenter.open_meeting(meeting_id(demo_db, config, AS_OF.strftime("%Y-%m")))
    assert len(seen) == 2  # the load began (nothing shown yet) and the new board arrived
    assert seen == [None, None]  # both before the first case was shown
    before = presenter.current
    nurse = next(c for c in RosterService(demo_db).clinicians() if c.role.value == "ibd_nurse")
    presenter.actor = Actor(nurse.id, nurse.name)
    presenter.answer("life_events", ChecklistResult.MET, "No plans")
    assert len(seen) == 4
    assert seen[2] is before  # the write began
    assert seen[3] is presenter.current  # the case was re-read, and is about to be shown
    assert seen[3] is not before
    presenter.reload()
    assert len(seen) == 6


def test_a_refused_write_invalidates_nothing(qtbot, presenter, demo_db, config):
    presenter.open_meeting(meeting_id(demo_db, config, AS_OF.strftime("%Y-%m")))
    seen = []
    presenter.invalidated.connect(lambda: seen.append(True))
    presenter.answer("life_events", ChecklistResult.MET, "")  # nobody is Acting as
    assert seen == []
