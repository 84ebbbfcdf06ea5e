"""The Meeting and Tools menus of the main window: who may use them and what they lead to."""

from __future__ import annotations

from datetime import date

import pytest

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.views.audit.audit_log_dialog import AuditLogDialog
from mdt_desktop.views.meeting import main_window, window_tools
from mdt_desktop.views.preparation.prepare_meeting_dialog import PrepareMeetingDialog
from mdt_desktop.views.preparation.roster_dialog import RosterDialog
from tests.views.meeting.test_consensus_flows import COORDINATOR, NURSE, act_as, open_window

pytestmark = pytest.mark.slow  # opens the main window on the demo for every test


def quiet(window):
    """Errors to the status bar only, so a refusal does not open a message box in a test."""
    window._options = main_window.ScreenOptions("t", window._options.database_label, quiet=True)


def test_the_coordinator_plans_a_meeting_and_goes_straight_on_to_preparing_it(
    qtbot, demo_db, config, tmp_path, monkeypatch
):
    window = open_window(qtbot, demo_db, config, tmp_path)
    act_as(window, COORDINATOR)
    chair = next(c for c in window.roster if c.role is Role.IBD_CONSULTANT)
    monkeypatch.setattr(
        window_tools.NewMeetingDialog,
        "ask",
        staticmethod(lambda roster, parent=None: (date(2026, 12, 30), chair.id, "Room 4")),
    )
    prepared = []

    def fake_exec(dialog):
        prepared.append(dialog.meeting)
        return 0

    monkeypatch.setattr(PrepareMeetingDialog, "exec", fake_exec)

    window.new_meeting_action.trigger()

    assert prepared[0].meeting_date == date(2026, 12, 30)
    assert prepared[0].chair_id == chair.id
    qtbot.waitUntil(lambda: "30 Dec 2026" in window.meeting_picker.itemText(0), timeout=5_000)


def test_someone_else_cannot_plan_a_meeting(qtbot, demo_db, config, tmp_path, monkeypatch):
    window = open_window(qtbot, demo_db, config, tmp_path)
    quiet(window)
    act_as(window, NURSE)
    monkeypatch.setattr(
        window_tools.NewMeetingDialog, "ask", staticmethod(lambda *a, **k: pytest_fail())
    )
    window.new_meeting_action.trigger()
    assert "coordinator" in window.statusBar().currentMessage()


def pytest_fail():
    raise AssertionError("the dialog must not open")


def test_preparing_opens_on_the_current_meeting_and_reloads_after_changes(
    qtbot, demo_db, config, tmp_path, monkeypatch
):
    window = open_window(qtbot, demo_db, config, tmp_path)
    coordinator = act_as(window, COORDINATOR)
    meeting_id = window.presenter.board.meeting.id
    cases_before = len(window.presenter.board.cases)
    first = window.presenter.board.cases[0].case.id

    def remove_one(dialog):
        assert dialog.meeting is not None, dialog.problem.text()
        assert dialog.meeting.id == meeting_id
        dialog._admin.remove_candidate(first, Actor(coordinator.id, coordinator.name))
        dialog.changed.emit()
        return 0

    monkeypatch.setattr(PrepareMeetingDialog, "exec", remove_one)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.prepare_action.trigger()
    assert len(window.presenter.board.cases) == cases_before - 1
    assert f"{cases_before - 1} cases" in window.meeting_summary.text()


def test_a_roster_change_reaches_the_acting_as_picker_and_action_owners(
    qtbot, demo_db, config, tmp_path, monkeypatch
):
    window = open_window(qtbot, demo_db, config, tmp_path)
    coordinator = act_as(window, COORDINATOR)

    def add_member(dialog):
        dialog._admin.add(
            "Alex New (DEMO)", Role.IBD_NURSE, Actor(coordinator.id, coordinator.name)
        )
        dialog.changed.emit()
        return 0

    monkeypatch.setattr(RosterDialog, "exec", add_member)
    window.roster_action.trigger()

    labels = [window.user_picker.itemText(i) for i in range(window.user_picker.count())]
    assert any("Alex New (DEMO)" in label for label in labels)
    assert window.user_picker.currentData() == coordinator.id, "still acting as the coordinator"
    assert any(c.name == "Alex New (DEMO)" for c in window.tabs.decision._roster)


def test_the_roster_is_read_only_for_a_nurse(qtbot, demo_db, config, tmp_path, monkeypatch):
    window = open_window(qtbot, demo_db, config, tmp_path)
    act_as(window, NURSE)
    seen = []
    monkeypatch.setattr(RosterDialog, "exec", lambda dialog: seen.append(dialog) or 0)
    window.roster_action.trigger()
    assert not seen[0].add_button.isEnabled()
    assert "coordinator" in seen[0].add_button.toolTip()


def test_the_audit_log_opens_filtered_on_the_open_meeting(qtbot, demo_db, config, tmp_path):
    window = open_window(qtbot, demo_db, config, tmp_path)
    window.audit_action.trigger()
    dialog = window.audit_dialog
    assert isinstance(dialog, AuditLogDialog)
    qtbot.addWidget(dialog)
    assert dialog.filters().meeting_id == window.presenter.board.meeting.id
    dialog.close()
