"""Positions, carry-over at sign-off and the open actions, driven in the real window.

Each test runs the meeting screen with pytest-qt on a copy of the demo database, as the roster
member the flow belongs to, and checks what reached the SQLite file.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from PySide6.QtCore import Qt

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.carry_over import CarryOverCandidate, CarryOverPlan, CarryOverTarget
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import (
    AttendanceStatus,
    CaseStatus,
    MeetingStatus,
    Outcome,
    Position,
)
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.presenters.preparation.carry_over import CarryOverChoice
from mdt_desktop.services.bundle import admin_services, meeting_services
from mdt_desktop.services.carry_over import CarryOverService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.services.signoff import SignOffService
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.views.meeting.main_window import MainWindow, ScreenOptions
from mdt_desktop.views.preparation import carry_over_dialog, signoff_dialog
from mdt_desktop.views.preparation.candidate_models import CandidateListModel
from mdt_desktop.views.preparation.carry_over_dialog import CarryOverDialog
from mdt_desktop.workers import ImmediateRunner

pytestmark = pytest.mark.slow  # whole sign-off and carry-over flows in the main window

CHAIR, NURSE, PHARMACIST, COORDINATOR, SURGEON = (
    "Helen Marsh",
    "Kate Doyle",
    "Tom Okafor",
    "Sam Patel",
    "James Whitfield",
)
PRESENT = (CHAIR, NURSE, PHARMACIST, COORDINATOR)


@pytest.fixture
def window(qtbot, demo_db, config, tmp_path):
    presenter = MeetingPresenter(meeting_services(demo_db, config), ImmediateRunner())
    window = MainWindow(
        presenter,
        config,
        RosterService(demo_db).clinicians(),
        ViewSettings(tmp_path / "settings.ini"),
        ScreenOptions("MDT Desktop — test", str(demo_db.path)),
        admin=admin_services(demo_db, config, tmp_path),
        runner=ImmediateRunner(),
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.load()
    return window


def member(window, name):
    return next(c for c in window.roster if name in c.name)


def act_as(window, name):
    chosen = member(window, name)
    window.set_user(chosen.id)
    return Actor(chosen.id, chosen.name)


def rows(path, sql, *args):
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, args).fetchall()


def reload(qtbot, window):
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.presenter.reload()


def prepare(qtbot, window):
    """Attendance recorded (the surgeon sent apologies) and the first case decided."""
    coordinator = member(window, COORDINATOR)
    statuses = {member(window, n).id: AttendanceStatus.PRESENT for n in PRESENT}
    statuses[member(window, SURGEON).id] = AttendanceStatus.APOLOGIES
    window._admin.meeting_admin.set_attendance(
        window.presenter.board.meeting.id, statuses, Actor(coordinator.id, coordinator.name)
    )
    chair = act_as(window, CHAIR)
    window.presenter.services.decisions.record(
        window.presenter.current.case.id,
        DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Calprotectin still raised"),
        chair,
    )
    reload(qtbot, window)
    window.tabs.setCurrentWidget(window.tabs.decision)
    panel = window.tabs.decision.positions
    qtbot.waitUntil(lambda: panel.rows()[0].buttons[Position.AGREE].height() > 0)  # laid out
    return panel


def stored_positions(path, case_id):
    return rows(
        path,
        "SELECT c.name, p.role, p.position, p.comment FROM decision_positions p "
        "JOIN clinicians c ON c.id = p.clinician_id JOIN decisions d ON d.id = p.decision_id "
        "WHERE d.case_review_id = ? ORDER BY c.name",
        case_id,
    )


# --- positions -----------------------------------------------------------------------------------


def test_all_agree_then_one_click_saves_every_present_attendees_position(qtbot, window, demo_path):
    panel = prepare(qtbot, window)
    names = [row.entry.name for row in panel.rows()]
    assert len(names) == len(PRESENT)
    assert not any(SURGEON in name for name in names), "apologies: no position"
    assert panel.save_button.isEnabled()
    qtbot.mouseClick(panel.all_agree, Qt.MouseButton.LeftButton)
    assert panel.summary.text().startswith("<b>4 agree · 0 disagree · 0 abstain</b>")
    assert "not saved" in panel.summary.text()

    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)

    case_id = window.presenter.current.case.id
    saved = stored_positions(demo_path, case_id)
    assert [(role, position) for _name, role, position, _comment in saved] == [
        ("ibd_consultant", "agree"),
        ("ibd_nurse", "agree"),
        ("coordinator", "agree"),
        ("pharmacist", "agree"),
    ]
    panel = window.tabs.decision.positions
    assert panel.summary.text() == "<b>4 agree · 0 disagree · 0 abstain</b>"
    assert "Positions: 4 agree · 0 disagree · 0 abstain." in window.tabs.decision.status.text()


def test_a_disagreement_is_typed_with_its_view_and_becomes_the_dissent(qtbot, window, demo_path):
    panel = prepare(qtbot, window)
    pharmacist = panel.row(member(window, PHARMACIST).id)
    pharmacist.buttons[Position.AGREE].setFocus()
    qtbot.keyClick(pharmacist.buttons[Position.AGREE], Qt.Key.Key_D)
    assert pharmacist.position() is Position.DISAGREE
    assert pharmacist.comment.hasFocus(), "the view is typed straight away"
    assert "become the decision's Dissent" in panel.dissent_note.text()
    qtbot.mouseClick(panel.all_agree, Qt.MouseButton.LeftButton)  # the others
    assert panel.all_agree.text() == "All agree"
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "disagrees" in panel.problem.text(), "no view yet: not saved"
    assert stored_positions(demo_path, window.presenter.current.case.id) == []

    qtbot.keyClicks(pharmacist.comment, "Trough 9.4: would de-escalate now")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)

    case_id = window.presenter.current.case.id
    saved = {
        name: (position, comment)
        for name, _r, position, comment in stored_positions(demo_path, case_id)
    }
    assert saved["Tom Okafor (DEMO)"] == ("disagree", "Trough 9.4: would de-escalate now")
    assert sum(1 for position, _c in saved.values() if position == "agree") == 3
    (dissent,) = rows(demo_path, "SELECT dissent FROM decisions WHERE case_review_id = ?", case_id)[
        0
    ]
    assert dissent == "Tom Okafor (DEMO) (Pharmacist): Trough 9.4: would de-escalate now"
    decision = window.tabs.decision
    assert decision.dissent.toPlainText() == dissent
    assert decision.positions.summary.text() == "<b>3 agree · 1 disagree · 0 abstain</b>"
    assert "Dissent recorded on the decision" in decision.positions.dissent_note.text()


def test_keys_move_down_the_rows_and_clear_a_position(qtbot, window):
    panel = prepare(qtbot, window)
    first, second = panel.rows()[:2]
    first.buttons[Position.AGREE].setFocus()
    qtbot.keyClick(first.buttons[Position.AGREE], Qt.Key.Key_A)
    assert first.position() is Position.AGREE
    assert second.buttons[Position.AGREE].hasFocus()
    qtbot.keyClick(second.buttons[Position.AGREE], Qt.Key.Key_S)
    assert second.position() is Position.ABSTAIN
    qtbot.keyClick(panel.rows()[2].buttons[Position.AGREE], Qt.Key.Key_Up)
    qtbot.keyClick(second.buttons[Position.ABSTAIN], Qt.Key.Key_Delete)
    assert second.position() is None
    qtbot.mouseClick(first.buttons[Position.AGREE], Qt.MouseButton.LeftButton)
    assert first.position() is None, "clicking the chosen position again clears it"
    assert panel.all_agree.text() == "All agree"


def test_only_the_chair_enters_positions(qtbot, window):
    panel = prepare(qtbot, window)
    act_as(window, NURSE)
    assert not panel.save_button.isEnabled()
    assert "may not record decisions" in panel.save_button.toolTip()
    assert not panel.rows()[0].buttons[Position.AGREE].isEnabled()
    act_as(window, "Rahul Mehta")  # a consultant, not this meeting's chair
    assert not panel.save_button.isEnabled()
    assert "Only the chair of this meeting" in panel.save_button.toolTip()
    act_as(window, CHAIR)
    assert panel.save_button.isEnabled()


def test_positions_are_read_only_once_the_meeting_is_signed_off(qtbot, window, demo_path):
    panel = prepare(qtbot, window)
    qtbot.mouseClick(panel.all_agree, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    chair = act_as(window, CHAIR)
    services = window.presenter.services
    meeting_id = window.presenter.board.meeting.id
    services.carry_over.defer_undiscussed(meeting_id, chair)
    services.signoff.sign_off(meeting_id, chair)
    reload(qtbot, window)
    window.tabs.setCurrentWidget(window.tabs.decision)
    panel = window.tabs.decision.positions
    assert [row.position() for row in panel.rows()] == [Position.AGREE] * 4
    assert not panel.save_button.isEnabled()
    assert not panel.all_agree.isEnabled()
    assert "signed off" in panel.save_button.toolTip()
    assert all(not b.isEnabled() for row in panel.rows() for b in row.buttons.values())
    assert all(row.comment.isReadOnly() for row in panel.rows())
    assert panel.summary.text() == "<b>4 agree · 0 disagree · 0 abstain</b>"


def test_an_amendment_after_sign_off_takes_positions_once(qtbot, window, demo_path):
    panel = prepare(qtbot, window)
    qtbot.mouseClick(panel.all_agree, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    chair = act_as(window, CHAIR)
    services = window.presenter.services
    meeting_id = window.presenter.board.meeting.id
    services.carry_over.defer_undiscussed(meeting_id, chair)
    services.signoff.sign_off(meeting_id, chair)
    services.decisions.amend(
        window.presenter.current.case.decision.id,
        DecisionInput(Outcome.DEFER, "Ultrasound after the meeting showed activity"),
        "Ultrasound reported after the meeting",
        chair,
    )
    reload(qtbot, window)
    window.tabs.setCurrentWidget(window.tabs.decision)
    panel = window.tabs.decision.positions
    assert "before its amendment" in panel.notes.text()
    assert panel.save_button.isEnabled(), "the amendment has no positions of its own yet"
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)  # the same four agree
    case_id = window.presenter.current.case.id
    on_amendment = rows(
        demo_path,
        "SELECT COUNT(*) FROM decision_positions p JOIN decisions d ON d.id = p.decision_id "
        "WHERE d.case_review_id = ? AND d.amends_id IS NOT NULL",
        case_id,
    )
    assert on_amendment == [(4,)]
    panel = window.tabs.decision.positions
    assert not panel.save_button.isEnabled()
    assert panel.notes.text() == ""


# --- carry-over at sign-off ----------------------------------------------------------------------


def test_sign_off_defers_the_undiscussed_cases_then_carries_them_to_a_new_meeting(
    qtbot, window, demo_path, monkeypatch
):
    prepare(qtbot, window)
    board = window.presenter.board
    undiscussed = len(board.cases) - 1
    asked, offered = [], []

    def defer(parent, cases):
        asked.append(cases)
        return True

    def carry(plan, parent=None, identifiers=None):
        offered.append(plan)
        return CarryOverChoice(tuple(c.case_id for c in plan.proposed), date(2026, 12, 16))

    monkeypatch.setattr(carry_over_dialog.DeferUndiscussedPrompt, "ask", staticmethod(defer))
    monkeypatch.setattr(signoff_dialog.SignOffDialog, "ask", staticmethod(lambda *a, **k: True))
    monkeypatch.setattr(
        carry_over_dialog.CarryOverDialog,
        "ask",
        classmethod(
            lambda cls, plan, parent=None, identifiers=None: carry(plan, parent, identifiers)
        ),
    )
    meeting_id = board.meeting.id
    with qtbot.waitSignal(window.case_painted, timeout=60_000):
        window.sign_off_action.trigger()

    assert len(asked[0]) == undiscussed
    assert asked[0][0].startswith("2. ")
    assert rows(demo_path, "SELECT status FROM meetings WHERE id = ?", meeting_id) == [
        ("signed_off",)
    ]
    (plan,) = offered
    assert plan.target.new
    assert len(plan.proposed) == undiscussed
    new = rows(demo_path, "SELECT id, chair_id FROM meetings WHERE meeting_date = '2026-12-16'")
    assert len(new) == 1
    carried = rows(
        demo_path,
        "SELECT c.added_reason FROM case_reviews c JOIN case_carry_overs o ON o.to_case_id = c.id "
        "WHERE c.meeting_id = ?",
        new[0][0],
    )
    assert len(carried) == undiscussed
    assert carried[0][0] == ("Carried over from 25 Nov 2026 (deferred: Not reached at the meeting)")
    assert "carried over to the new MDT of 16 Dec 2026" in window.statusBar().currentMessage()
    # the new meeting's list marks the carried-over cases
    index = window.meeting_picker.findData(new[0][0])
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.meeting_picker.setCurrentIndex(index)
    first = window.model.index(0, 0)
    assert window.model.data(first).endswith("↻")
    tip = window.model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert "↻ Carried over from the MDT of 25 Nov 2026" in tip  # as plain text in a tooltip


def test_the_carry_over_dialog_ticks_the_proposed_cases_and_greys_the_blocked(
    qtbot, demo_db, config
):
    meetings = MeetingService(demo_db, config)
    patients = [d.case.patient for d in meetings.board(meetings.find_id("2026-11")).cases[:3]]
    plan = CarryOverPlan(
        4,
        date(2026, 11, 25),
        (
            CarryOverCandidate(1, 1, patients[0], CaseStatus.DEFERRED, "deferred", True),
            CarryOverCandidate(2, 2, patients[1], CaseStatus.DISCUSSED, "decision: x", False),
            CarryOverCandidate(
                3, 3, patients[2], CaseStatus.DEFERRED, "deferred", True, "already listed"
            ),
        ),
        CarryOverTarget(None, date(2026, 12, 23), "Dr Helen Marsh (DEMO)"),
    )
    dialog = CarryOverDialog(plan)
    qtbot.addWidget(dialog)
    assert "a new MDT on Wed 23 Dec 2026" in dialog.intro.text()
    assert dialog.chosen() == CarryOverChoice((1,), date(2026, 12, 23))
    assert dialog.carry_button.text() == "Carry over 1 case"
    assert not dialog.cases.item(2).flags() & Qt.ItemFlag.ItemIsEnabled
    dialog.cases.item(1).setCheckState(Qt.CheckState.Checked)
    assert dialog.carry_button.text() == "Carry over 2 cases"
    dialog.cases.item(0).setCheckState(Qt.CheckState.Unchecked)
    dialog.cases.item(1).setCheckState(Qt.CheckState.Unchecked)
    assert not dialog.carry_button.isEnabled()


# --- open actions --------------------------------------------------------------------------------


def test_open_actions_of_earlier_meetings_are_listed_and_marked_done(qtbot, window, demo_path):
    tabs, panel = window.listing_tabs, window.open_actions
    index = tabs.indexOf(panel)
    assert tabs.isTabVisible(index)
    count = panel.still_open()
    assert count == len(window.presenter.board.open_actions)
    assert tabs.tabText(index).startswith(f"Open actions ({count} · ")
    assert "overdue" in tabs.tabText(index)
    tabs.setCurrentWidget(panel)
    act_as(window, NURSE)
    nurse = member(window, NURSE)
    mine = next(a for a in panel.listed if a.owner_id == nurse.id)
    others = next(a for a in panel.listed if a.owner_id != nurse.id)
    panel.select(others.id)
    assert not panel.done_button.isEnabled()
    assert "the owner" in panel.done_button.toolTip()
    panel.select(mine.id)
    assert panel.done_button.text() == "Mark done"
    qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)

    assert rows(demo_path, "SELECT done_at IS NOT NULL FROM actions WHERE id = ?", mine.id) == [
        (1,)
    ]
    assert panel.still_open() == count - 1
    assert tabs.tabText(index).startswith(f"Open actions ({count - 1}")
    listed = {a.id: a for a in panel.listed}  # done before the meeting's day: off the list
    assert mine.id not in listed or listed[mine.id].done_now is not None


def test_a_meeting_with_no_earlier_open_actions_hides_the_tab(qtbot, window):
    first = window.meeting_picker.count() - 1  # the oldest meeting: nothing came before it
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.meeting_picker.setCurrentIndex(first)
    assert window.presenter.board.meeting.status is MeetingStatus.SIGNED_OFF
    assert not window.listing_tabs.isTabVisible(window.listing_tabs.indexOf(window.open_actions))


def test_the_preparation_list_marks_carried_over_cases(demo_db, config):
    people = {c.name.split(" (")[0]: c for c in RosterService(demo_db).clinicians()}
    chair = Actor(people["Dr Helen Marsh"].id, people["Dr Helen Marsh"].name)
    coordinator = Actor(people["Sam Patel"].id, people["Sam Patel"].name)
    meetings = MeetingService(demo_db, config)
    november = meetings.find_id("2026-11")
    MeetingAdminService(demo_db, config).set_attendance(
        november, {chair.id: AttendanceStatus.PRESENT}, coordinator
    )
    service = CarryOverService(demo_db, config)
    service.defer_undiscussed(november, chair)
    SignOffService(demo_db, config).sign_off(november, chair)
    plan = service.plan(november)
    result = service.carry_over(november, [c.case_id for c in plan.proposed][:2], chair)
    model = CandidateListModel()
    model.set_cases(meetings.get(result.meeting_id).cases)
    assert model.data(model.index(0, 0)) == "1 ↻"
    assert model.data(model.index(0, 3)) == "Pending · carried over from 25 Nov 2026"
    tip = model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole)
    assert (
        tip == "↻ Carried over from the MDT of 25 Nov 2026 (deferred: Not reached at the meeting)"
    )
