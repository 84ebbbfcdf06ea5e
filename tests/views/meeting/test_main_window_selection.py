"""The case pane shows exactly the selected row's patient, or no patient, after every change.

Each way the list's selection can change is driven in the real window on a copy of the demo:
the filter typed and cleared, a sort, a reload, an import finishing, a carry-over, the keyboard
(↑ ↓ PgUp PgDn Home End), another meeting, and a random mix of all of them. After each the
header's hospital number is compared with the selected row's; with no row selected the pane
shows no case and nothing can be recorded.
"""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt

from mdt_desktop.domain.carry_over import CarryOverResult
from mdt_desktop.domain.enums import Position
from mdt_desktop.views.common.plain_text import unformatted
from mdt_desktop.views.exchange.import_dialog import ImportDialog
from mdt_desktop.views.meeting import main_window
from mdt_desktop.views.meeting.main_window import HIDDEN_CASE
from tests.snapshot_helpers import import_late_crp
from tests.views.meeting.test_consensus_flows import CHAIR, act_as, open_window

pytestmark = pytest.mark.slow  # opens the main window on the demo for every test

NUMBER = 2  # the hospital-number column


@pytest.fixture
def window(qtbot, demo_db, config, tmp_path):
    win = open_window(qtbot, demo_db, config, tmp_path)
    act_as(win, CHAIR)  # everything recordable, so "disabled" means "no case"
    win._options = main_window.ScreenOptions("t", win._options.database_label, quiet=True)
    return win


def selected_number(window) -> str | None:
    rows = window.table.selectionModel().selectedRows()
    assert len(rows) <= 1
    return window.proxy.index(rows[0].row(), NUMBER).data() if rows else None


def nothing_recordable(window) -> bool:
    tabs = window.tabs
    return not any(
        (
            tabs.decision.record_button.isEnabled(),
            tabs.decision.defer_button.isEnabled(),
            tabs.decision.outcome.isEnabled(),
            tabs.decision.positions.save_button.isEnabled(),
            any(b.isEnabled() for r in tabs.decision.positions.rows() for b in r.buttons.values()),
            tabs.checklist.confirm_button.isEnabled(),
            tabs.checklist.answer_button.isEnabled(),
            tabs.levels.annotate_button.isEnabled(),
            tabs.notes.add_button.isEnabled(),
            tabs.notes.text.isEnabled(),
            window.present_action.isEnabled(),
            window.gp_letter_action.isEnabled(),
        )
    )


def assert_agree(window) -> None:
    """The pane shows the selected row's patient, or (nothing selected) no patient at all."""
    number = selected_number(window)
    shown = window.shown_case
    if number is None:
        assert shown is None
        assert window.header.detail is None
        assert window.tabs.detail is None
        assert nothing_recordable(window)
        return
    assert shown is not None
    assert shown.case.patient.hospital_number == number
    assert window.header.detail.case.patient.hospital_number == number
    assert number in unformatted(window.header.title.text())
    assert window.tabs.detail.case.id == shown.case.id
    assert window.presenter.current.case.patient.hospital_number == number


def details(window):
    return [window.model.detail(r) for r in range(window.model.rowCount())]


def type_filter(qtbot, window, text):
    window.filter.clear()
    qtbot.keyClicks(window.filter, text)


# --- the filter ----------------------------------------------------------------------------------


def test_typing_another_patients_name_shows_no_case_and_nothing_can_be_recorded(qtbot, window):
    first, other = details(window)[0], details(window)[3]
    assert selected_number(window) == first.case.patient.hospital_number
    assert window.tabs.decision.record_button.isEnabled()

    type_filter(qtbot, window, other.case.patient.display_name.lower())  # "fletcher, jack"

    assert window.proxy.rowCount() == 1
    assert window.proxy.index(0, NUMBER).data() == other.case.patient.hospital_number
    assert selected_number(window) is None, "typing never chooses a patient"
    assert window.presenter.current.case.id == first.case.id, "the current case did not change"
    assert unformatted(window.header.title.text()) == HIDDEN_CASE
    assert "filter hides" in window.hidden_case.text()
    assert window.case_stack.currentWidget() is window.hidden_case
    assert_agree(window)

    window.filter.clear()  # the case that was open comes back, selected

    assert selected_number(window) == first.case.patient.hospital_number
    assert window.case_stack.currentIndex() == 0
    assert_agree(window)
    assert window.tabs.decision.record_button.isEnabled()


def test_a_filter_that_still_lists_the_case_keeps_it(qtbot, window):
    first = details(window)[0].case.patient
    type_filter(qtbot, window, first.hospital_number.lower())
    assert selected_number(window) == first.hospital_number
    assert_agree(window)


@pytest.mark.parametrize(
    "typed",
    [
        lambda p: p.display_name,  # as the list shows it: "FLETCHER (DEMO), Jack"
        lambda p: p.display_name.lower(),  # "fletcher (demo), jack"
        lambda p: f"{p.given_name} {p.family_name}".upper(),  # any order and case
        lambda p: f"{p.given_name.lower()}, {p.family_name.split()[0].lower()}",
        lambda p: p.hospital_number.lower(),
    ],
)
def test_the_filter_finds_a_name_as_displayed_in_any_order_and_case(qtbot, window, typed):
    wanted = details(window)[5].case.patient
    type_filter(qtbot, window, typed(wanted))
    listed = [window.proxy.index(r, NUMBER).data() for r in range(window.proxy.rowCount())]
    assert wanted.hospital_number in listed
    assert len(listed) < window.model.rowCount()


def test_the_filter_finds_the_drug_by_name_or_abbreviation(qtbot, window):
    infliximab = {
        d.case.patient.hospital_number
        for d in details(window)
        if d.summary.anti_tnf and d.summary.anti_tnf.drug.value.startswith("infliximab")
    }
    assert infliximab, "the demo meeting has infliximab patients"
    for typed in ("Infliximab", "ifx"):
        type_filter(qtbot, window, typed)
        listed = {window.proxy.index(r, NUMBER).data() for r in range(window.proxy.rowCount())}
        assert listed == infliximab, typed


def test_enter_in_the_filter_goes_to_the_list_and_opens_the_first_match(qtbot, window):
    other = details(window)[4].case.patient
    type_filter(qtbot, window, other.hospital_number)
    assert window.shown_case is None
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    assert window.table.hasFocus()
    assert selected_number(window) == other.hospital_number
    assert_agree(window)


def test_esc_in_the_filter_clears_it(qtbot, window):
    type_filter(qtbot, window, "no such patient")
    assert window.proxy.rowCount() == 0
    assert_agree(window)
    qtbot.keyClick(window.filter, Qt.Key.Key_Escape)
    assert window.filter.text() == ""
    assert window.proxy.rowCount() == window.model.rowCount()
    assert_agree(window)
    assert window.shown_case is not None


# --- sort, reload, import, carry-over, meeting change -------------------------------------------


def test_sorting_by_a_column_keeps_the_case_selected(qtbot, window):
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.presenter.select_case(6)
    number = selected_number(window)
    header = window.table.horizontalHeader()
    for column in (NUMBER, 9, 1):
        qtbot.mouseClick(
            header.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(header.sectionViewportPosition(column) + 5, header.height() // 2),
        )
        assert header.sortIndicatorSection() == column
        assert selected_number(window) == number
        assert_agree(window)


def test_a_reload_keeps_the_case_or_keeps_showing_none(qtbot, window):
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.presenter.select_case(2)
    number = selected_number(window)
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.presenter.reload()
    assert selected_number(window) == number
    assert_agree(window)

    type_filter(qtbot, window, "no such patient")
    window.presenter.reload()  # the reloaded case is hidden by the filter: still no case
    assert_agree(window)
    assert window.shown_case is None
    window.filter.clear()
    assert selected_number(window) == number
    assert_agree(window)


def test_an_import_finishing_reloads_on_the_same_case(
    qtbot, window, demo_db, tmp_path, monkeypatch
):
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.presenter.select_case(3)
    number = selected_number(window)

    def import_and_close(dialog):
        dialog.imported.emit(import_late_crp(demo_db, tmp_path, number))
        return 0

    monkeypatch.setattr(ImportDialog, "exec", import_and_close)
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.import_action.trigger()
    assert selected_number(window) == number
    assert_agree(window)
    assert any(
        o.value == 48.0 for o in window.shown_case.record.observations if o.analyte.value == "crp"
    ), "the pane shows the case as reloaded, with the imported result"


def test_a_carry_over_reloads_on_the_same_meeting_and_case(qtbot, window):
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.presenter.select_case(5)
    number = selected_number(window)
    board = window.presenter.board
    result = CarryOverResult(board.meeting.id, board.meeting.meeting_date, False, (), ())
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.presenter.carry_over.carried.emit(result)
    assert window.presenter.board.meeting.id == board.meeting.id
    assert selected_number(window) == number
    assert_agree(window)


def test_another_meeting_shows_its_first_listed_case_or_none(qtbot, window):
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.meeting_picker.setCurrentIndex(1)
    assert_agree(window)
    assert selected_number(window) == window.model.detail(0).case.patient.hospital_number
    type_filter(qtbot, window, window.model.detail(2).case.patient.hospital_number)
    window.meeting_picker.setCurrentIndex(2)  # its first case is not what the filter lists
    assert_agree(window)


# --- the keyboard ------------------------------------------------------------------------------


def selected_row(window) -> int:
    return window.table.selectionModel().selectedRows()[0].row()


def test_the_keys_in_the_list_move_the_case(qtbot, window):
    """↓ ↑ one row, End and Home to the last and first, PgDn and PgUp by a page."""
    window.table.setFocus()
    last = window.proxy.rowCount() - 1
    for key, where in (
        (Qt.Key.Key_Down, lambda row: row == 1),
        (Qt.Key.Key_End, lambda row: row == last),
        (Qt.Key.Key_Up, lambda row: row == last - 1),
        (Qt.Key.Key_Home, lambda row: row == 0),
        (Qt.Key.Key_PageDown, lambda row: row > 1),
        (Qt.Key.Key_PageUp, lambda row: row == 0),
    ):
        with qtbot.waitSignal(window.case_painted, timeout=5_000):
            qtbot.keyClick(window.table, key)
        assert where(selected_row(window)), key
        assert_agree(window)


def test_tab_into_the_list_does_not_choose_a_case(qtbot, window):
    type_filter(qtbot, window, details(window)[4].case.patient.hospital_number)
    assert window.shown_case is None
    window.activateWindow()
    window.filter.setFocus()
    qtbot.waitUntil(window.filter.hasFocus)
    qtbot.keyClick(window.filter, Qt.Key.Key_Tab)
    assert window.table.hasFocus()
    assert window.shown_case is None, "the focus alone chooses nothing"
    assert_agree(window)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.keyClick(window.table, Qt.Key.Key_Down)  # the first (only) match
    assert selected_number(window) == details(window)[4].case.patient.hospital_number
    assert_agree(window)


def test_ctrl_click_on_the_selected_row_keeps_it_selected(qtbot, window):
    number = selected_number(window)
    index = window.table.selectionModel().selectedRows()[0]
    window.table.selectionModel().select(index, QItemSelectionModel.SelectionFlag.Deselect)
    assert selected_number(window) == number
    assert_agree(window)


def test_the_presentation_moves_the_list_with_it(qtbot, window):
    presentation = window.start_presentation(full_screen=False, size=(1280, 720))
    qtbot.addWidget(presentation)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.keyClick(presentation, Qt.Key.Key_Right)
    assert selected_number(window) == window.model.detail(1).case.patient.hospital_number
    assert_agree(window)
    presentation.close()


# --- anything in any order ------------------------------------------------------------------------


def test_no_sequence_of_changes_leaves_the_pane_on_another_patient(qtbot, window):
    """Forty random filters, sorts, reloads, keys and clicks: the invariant holds after each."""
    rng = random.Random(13)
    numbers = [d.case.patient.hospital_number for d in details(window)]
    names = [d.case.patient.display_name for d in details(window)]
    header = window.table.horizontalHeader()

    def step() -> None:
        action = rng.choice(["filter", "clear", "sort", "reload", "key", "click", "select"])
        if action == "filter":
            window.filter.setText(rng.choice([*numbers, *names, "ifx", "ada", "zzz"]).lower())
        elif action == "clear":
            window.filter.clear()
        elif action == "sort":
            header.setSortIndicator(rng.randrange(header.count()), rng.choice(list(Qt.SortOrder)))
        elif action == "reload":
            window.presenter.reload()
        elif action == "key":
            window.table.setFocus()
            qtbot.keyClick(window.table, rng.choice([Qt.Key.Key_Down, Qt.Key.Key_Up]))
        elif action == "click" and window.proxy.rowCount():
            index = window.proxy.index(rng.randrange(window.proxy.rowCount()), 1)
            qtbot.mouseClick(
                window.table.viewport(),
                Qt.MouseButton.LeftButton,
                pos=window.table.visualRect(index).center(),
            )
        elif action == "select":
            window.presenter.select_case(rng.randrange(len(numbers)))

    for _ in range(40):
        step()
        assert_agree(window)


def test_the_positions_of_a_hidden_case_cannot_be_saved(qtbot, window):
    """Positions are a recording control too: disabled with no case shown."""
    type_filter(qtbot, window, "zzz")
    panel = window.tabs.decision.positions
    assert not panel.save_button.isEnabled()
    assert all(
        not b.isEnabled() for r in panel.rows() for p, b in r.buttons.items() if p in Position
    )
