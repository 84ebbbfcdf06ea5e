"""The meeting by keyboard alone: Tab between panes, arrows within them, a visible focus ring.

Tab is pressed for real (pytest-qt key clicks) from the filter round to the filter again, on
each of the case's tabs: every stop is visible, named for assistive technology and ringed. Then
a whole case is run by keyboard: choose it, confirm an item, answer one, record a decision,
the attendees' positions, and on to the next case; the database shows each step.
"""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QTableView, QWidget

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import AttendanceStatus, ChecklistResult, Outcome, Position
from mdt_desktop.views.common.focus import FocusRing, tab_stops
from mdt_desktop.views.common.plain_text import unformatted
from mdt_desktop.views.meeting import main_window
from mdt_desktop.views.meeting.checklist_view import AnswerChoice, AnswerDialog
from tests.views.meeting.test_consensus_flows import (
    CHAIR,
    COORDINATOR,
    NURSE,
    PHARMACIST,
    open_window,
)

pytestmark = pytest.mark.slow  # opens the main window on the demo for every test

PRESENT = (CHAIR, NURSE, PHARMACIST, COORDINATOR)


@pytest.fixture
def window(qtbot, demo_db, config, tmp_path):
    win = open_window(qtbot, demo_db, config, tmp_path)
    win.resize(1920, 1080)
    win._options = main_window.ScreenOptions("t", win._options.database_label, quiet=True)
    chair = next(c for c in win.roster if CHAIR in c.name)
    win.set_user(chair.id)
    coordinator = next(c for c in win.roster if COORDINATOR in c.name)
    statuses = {
        c.id: AttendanceStatus.PRESENT for c in win.roster if any(n in c.name for n in PRESENT)
    }
    win._admin.meeting_admin.set_attendance(
        win.presenter.board.meeting.id, statuses, Actor(coordinator.id, coordinator.name)
    )
    with qtbot.waitSignal(win.case_painted, timeout=10_000):
        win.presenter.reload()
    return win


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> QWidget:
    qtbot.keyClick(focused(), key, modifier)
    return focused()


def tab_to(qtbot, found, backwards=False) -> QWidget:
    """Press Tab (Shift+Tab) until *found* (a test on the focused widget) holds."""
    key = Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab
    modifier = Qt.KeyboardModifier.ShiftModifier if backwards else Qt.KeyboardModifier.NoModifier
    for _ in range(60):
        if found(focused()):
            return focused()
        press(qtbot, key, modifier)
    pytest.fail(f"Tab never reached it; the focus is on {focused().accessibleName()!r}")


def walk(qtbot, window, key=Qt.Key.Key_Tab, modifier=Qt.KeyboardModifier.NoModifier):
    """Press *key* from the filter until the focus is back on it; the stops on the way."""
    window.activateWindow()
    window.filter.setFocus()
    stops = []
    for _ in range(80):
        widget = press(qtbot, key, modifier)
        if widget is window.filter:
            return stops
        stops.append(widget)
    pytest.fail(f"Tab never came back to the filter: {[w.accessibleName() for w in stops]}")


@pytest.mark.parametrize("tab", [0, 1, 2, 3])
def test_tab_goes_round_the_panes_and_every_stop_is_visible_named_and_ringed(qtbot, window, tab):
    window.tabs.setCurrentIndex(tab)
    stops = walk(qtbot, window)

    names = [w.accessibleName() for w in stops]
    assert len(stops) >= 6, names
    assert stops[0] is window.table, "from the filter to the case list"
    assert window.tabs.tabBar() in stops
    assert stops[-1] is window.user_picker
    for widget in stops:
        assert widget.isVisible(), widget
        assert widget.accessibleName().strip(), f"{type(widget).__name__} has no name"
    tables = [w for w in stops if isinstance(w, QTableView)]
    assert len(tables) == len(set(tables)), "a table is one stop: Tab never walks its cells"
    assert len(stops) == len(set(stops))
    assert stops == list(tab_stops(window.filter)), "the stops are the ones Qt's chain visits"
    assert window.presenter.current.case.id == window.shown_case.case.id, "no case changed"


def test_shift_tab_goes_round_the_other_way(qtbot, window):
    forward = walk(qtbot, window)
    backward = walk(qtbot, window, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert backward == list(reversed(forward))


def test_the_focus_ring_surrounds_the_focused_widget(qtbot, window):
    ring = FocusRing.of(window)
    for widget in (window.filter, window.table, window.tabs.tabBar(), window.user_picker):
        widget.setFocus()
        assert ring.target is widget
        frame = ring.geometry()
        top_left = widget.mapTo(window, widget.rect().topLeft())
        if widget is not window.tabs.tabBar():
            assert frame.contains(top_left)
            assert frame.width() > widget.width()
        assert ring.isVisible()
        image = window.grab(frame).toImage()  # the two bands: amber outside, dark inside
        colours = {image.pixelColor(1, frame.height() // 2).name(), image.pixelColor(3, 2).name()}
        assert "#ffb000" in colours
        assert "#101010" in colours


def test_space_confirms_and_enter_answers_a_checklist_item(qtbot, window, monkeypatch):
    checklist = window.checklist
    window.tabs.setCurrentWidget(window.tabs.widget(0))
    checklist.table.setFocus()
    checklist.table.selectRow(0)
    automatic = checklist.model.answer(0).automatic
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.keyClick(checklist.table, Qt.Key.Key_Space)
    assert checklist.model.answer(0).confirmed is automatic
    monkeypatch.setattr(
        AnswerDialog,
        "ask",
        classmethod(lambda cls, answer, parent=None: AnswerChoice(ChecklistResult.MET, "Asked")),
    )
    row = next(
        r
        for r in range(checklist.model.rowCount())
        if checklist.model.answer(r).automatic is ChecklistResult.UNKNOWN
    )
    checklist.table.selectRow(row)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.keyClick(checklist.table, Qt.Key.Key_Return)
    assert checklist.model.answer(row).confirmed is ChecklistResult.MET
    assert checklist.model.answer(row).override_reason == "Asked"


def test_tab_leaves_a_text_box_and_ctrl_tab_types_a_tab(qtbot, window):
    window.tabs.setCurrentWidget(window.tabs.decision)
    rationale = window.tabs.decision.rationale
    rationale.setFocus()
    qtbot.keyClicks(rationale, "Deep remission")
    assert press(qtbot, Qt.Key.Key_Tab) is window.tabs.decision.dissent
    assert rationale.toPlainText() == "Deep remission", "no tab character typed"
    rationale.setFocus()
    qtbot.keyClick(rationale, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert rationale.toPlainText().endswith("\t")
    assert focused() is rationale
    for box in (window.tabs.notes.text, window.tabs.decision.dissent):
        assert isinstance(box, QPlainTextEdit)
        assert box.tabChangesFocus()


def decide(qtbot, window, panel) -> None:
    """Record "continue intensified" through the form (for the positions grid to appear)."""
    panel.outcome.setCurrentIndex(panel.outcome.findData(Outcome.CONTINUE_INTENSIFIED.value))
    panel.rationale.setPlainText("Still active.")
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    grid = panel.positions
    qtbot.waitUntil(lambda: bool(grid.rows()) and grid.rows()[-1].comment.isVisible())


def test_up_and_down_in_the_positions_grid_move_one_row_and_tab_leaves_it(qtbot, window):
    window.tabs.setCurrentWidget(window.tabs.decision)
    panel = window.tabs.decision
    decide(qtbot, window, panel)
    grid = panel.positions
    rows = grid.rows()
    assert len(rows) == len(PRESENT)
    rows[0].buttons[Position.AGREE].setFocus()
    for index in range(1, len(rows)):
        assert press(qtbot, Qt.Key.Key_Down) is rows[index].buttons[Position.AGREE]
    assert press(qtbot, Qt.Key.Key_Up) is rows[-2].buttons[Position.AGREE]
    assert press(qtbot, Qt.Key.Key_Right) is rows[-2].buttons[Position.DISAGREE]
    assert press(qtbot, Qt.Key.Key_Tab) is grid.all_agree, "Tab leaves the grid"
    assert (
        press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        is (rows[-2].buttons[Position.DISAGREE])
    ), "and comes back to the cell it left"


def test_a_whole_case_by_keyboard(qtbot, window, demo_path, monkeypatch):
    """Choose a case, confirm an item, answer one, decide, positions, then the next case."""
    monkeypatch.setattr(
        AnswerDialog,
        "ask",
        classmethod(
            lambda cls, answer, parent=None: AnswerChoice(ChecklistResult.MET, "Told us today")
        ),
    )
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is window.filter
    assert press(qtbot, Qt.Key.Key_Tab) is window.table
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        press(qtbot, Qt.Key.Key_Down)  # the second case
    case = window.shown_case
    assert case is window.model.detail(window.presenter.index)
    assert case.case.position == 2

    assert press(qtbot, Qt.Key.Key_Tab) is window.listing_tabs.tabBar()
    assert press(qtbot, Qt.Key.Key_Tab) is window.tabs.tabBar()
    assert window.tabs.currentIndex() == 0
    assert press(qtbot, Qt.Key.Key_Tab) is window.checklist.table
    window.checklist.table.selectRow(0)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        press(qtbot, Qt.Key.Key_Space)  # confirm the automatic result
    manual = next(
        r
        for r in range(window.checklist.model.rowCount())
        if window.checklist.model.answer(r).automatic is ChecklistResult.UNKNOWN
    )
    for _ in range(manual):
        press(qtbot, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        press(qtbot, Qt.Key.Key_Return)  # answer it

    shift = Qt.KeyboardModifier.ShiftModifier
    assert press(qtbot, Qt.Key.Key_Backtab, shift) is window.tabs.tabBar()
    press(qtbot, Qt.Key.Key_Right)
    assert window.tabs.currentWidget() is window.tabs.decision
    panel = window.tabs.decision
    assert press(qtbot, Qt.Key.Key_Tab) is panel.outcome
    continue_at = panel.outcome.findData(Outcome.CONTINUE_INTENSIFIED.value)
    for _ in range(continue_at):
        press(qtbot, Qt.Key.Key_Down)
    assert Outcome(panel.outcome.currentData()) is Outcome.CONTINUE_INTENSIFIED
    tab_to(qtbot, lambda w: w is panel.rationale)
    qtbot.keyClicks(panel.rationale, "Calprotectin still raised.")
    tab_to(qtbot, lambda w: w is panel.record_button)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        press(qtbot, Qt.Key.Key_Space)
    assert "Continue intensified" in unformatted(panel.status.text())

    grid = panel.positions
    qtbot.waitUntil(lambda: bool(grid.rows()) and grid.rows()[-1].comment.isVisible())
    tab_to(qtbot, lambda w: w in grid.rows()[0].cells(), backwards=True)
    for _ in grid.rows():
        press(qtbot, Qt.Key.Key_A)  # agree, and down to the next row
    assert focused() is grid.save_button
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        press(qtbot, Qt.Key.Key_Space)

    with sqlite3.connect(demo_path) as connection:
        answers = connection.execute(
            "SELECT count(*) FROM checklist_answers WHERE case_review_id = ? "
            "AND confirmed IS NOT NULL",
            (case.case.id,),
        ).fetchone()[0]
        decision = connection.execute(
            "SELECT outcome FROM decisions WHERE case_review_id = ?", (case.case.id,)
        ).fetchall()
        positions = connection.execute(
            "SELECT p.position FROM decision_positions p JOIN decisions d "
            "ON d.id = p.decision_id WHERE d.case_review_id = ?",
            (case.case.id,),
        ).fetchall()
    assert answers == 2
    assert decision == [("continue_intensified",)]
    assert positions == [("agree",)] * len(PRESENT)

    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert press(qtbot, Qt.Key.Key_Tab) is window.table
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        press(qtbot, Qt.Key.Key_Down)  # the next case
    assert window.shown_case.case.position == 3
