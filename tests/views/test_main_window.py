"""The main window with a real database and real services, driven with pytest-qt."""

import pytest

from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.views.case_table_model import CaseTableModel
from mdt_desktop.views.main_window import MainWindow


@pytest.fixture
def window(qtbot, demo_db, config):
    win = MainWindow(MeetingService(demo_db, config), title="MDT Desktop — test")
    qtbot.addWidget(win)
    return win


def test_newest_meeting_is_shown_first(window):
    assert window.picker.count() == 4
    assert "planned" in window.picker.currentText()
    assert window.model.rowCount() >= 8


def test_choosing_a_meeting_shows_its_cases_and_decisions(window, qtbot):
    window.picker.setCurrentIndex(1)
    rows = window.model.rowCount()
    assert rows >= 5
    decisions = {window.model.index(r, 5).data() for r in range(rows)}
    assert any(d.startswith("De-escalate: ") for d in decisions)
    assert f"{rows} cases" in window.summary.text()


def test_read_only_notice_is_shown(qtbot, demo_db, config):
    win = MainWindow(MeetingService(demo_db, config), title="t", notice="Opened read-only.")
    qtbot.addWidget(win)
    win.show()
    assert win.notice.isVisible()
    assert win.notice.text() == "Opened read-only."


def test_case_model_honours_the_qt_contract(qtmodeltester, demo_db, config):
    model = CaseTableModel()
    model.set_cases(list(MeetingService(demo_db, config).find("2026-09").cases))
    qtmodeltester.check(model)
