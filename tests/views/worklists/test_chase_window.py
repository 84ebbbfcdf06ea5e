"""The chase list window, and the main window's notice and menu that open it."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from mdt_desktop.domain.enums import Role
from mdt_desktop.services.chase import ChaseService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.views.worklists.chase_window import NOBODY, NOT_ALLOWED, ChaseWindow
from mdt_desktop.workers import ImmediateRunner
from tests.conftest import AS_OF
from tests.services.test_chase import NEXT_MEETING, list_new_patient, member

pytestmark = pytest.mark.slow  # builds and saves the chase list over the demo


@pytest.fixture
def chase(demo_db, config):
    list_new_patient(demo_db, config)  # a candidate with no results at all
    return ChaseService(demo_db, config)


@pytest.fixture
def meeting_id(demo_db, config):
    return MeetingService(demo_db, config).find_id("2026-11")


def open_list(qtbot, chase, meeting_id, actor, can_save=True):
    window = ChaseWindow(chase, meeting_id, actor, can_save, ImmediateRunner())
    qtbot.addWidget(window)
    window.show()
    return window


def shown(window, column):
    return [window.proxy.index(row, column).data() for row in range(window.proxy.rowCount())]


def test_the_window_lists_what_the_service_finds(qtbot, chase, meeting_id, demo_db):
    window = open_list(qtbot, chase, meeting_id, member(demo_db, Role.COORDINATOR))
    expected = chase.chase_list(meeting_id)
    assert window.model.rowCount() == len(expected.rows) > 1
    assert shown(window, 2) == [r.hospital_number for r in expected.rows]
    assert "25 November 2026" in window.heading.text()
    assert f"{len(expected.rows)} results to chase" in window.heading.text()
    missing = [row for row in range(window.proxy.rowCount()) if "Never" in shown(window, 4)[row]]
    assert missing
    assert window.proxy.index(missing[0], 5).data() == "Never measured"
    assert window.proxy.index(missing[0], 7).data() == "—"
    tooltip = window.proxy.index(0, 3).data(Qt.ItemDataRole.ToolTipRole)
    assert "valid for" in tooltip
    assert window.csv_button.isEnabled()
    assert window.pdf_button.isEnabled()


def test_the_filter_narrows_the_list(qtbot, chase, meeting_id, demo_db):
    window = open_list(qtbot, chase, meeting_id, member(demo_db, Role.COORDINATOR))
    qtbot.keyClicks(window.filter, "new0001")
    assert window.proxy.rowCount() == len(chase.chase_list(meeting_id).specs)
    assert set(shown(window, 2)) == {"NEW0001"}
    assert f"{window.proxy.rowCount()} of {window.model.rowCount()} shown" in window.status.text()
    window.filter.clear()
    assert window.proxy.rowCount() == window.model.rowCount()


def test_sorting_by_overdue_puts_never_measured_first(qtbot, chase, meeting_id, demo_db):
    window = open_list(qtbot, chase, meeting_id, member(demo_db, Role.COORDINATOR))
    window.table.sortByColumn(7, Qt.SortOrder.DescendingOrder)
    overdue = shown(window, 7)
    assert overdue[0] == "—"
    days = [int(text.split()[0]) for text in overdue if text != "—"]
    assert days == sorted(days, reverse=True)


def test_save_csv_writes_the_list(qtbot, chase, meeting_id, demo_db, tmp_path, monkeypatch):
    window = open_list(qtbot, chase, meeting_id, member(demo_db, Role.COORDINATOR))
    target = tmp_path / "chase"  # the suffix is added
    monkeypatch.setattr(ChaseWindow, "choose_target", staticmethod(lambda *a: target))
    with qtbot.waitSignal(window.saved, timeout=10_000) as saved:
        qtbot.mouseClick(window.csv_button, Qt.MouseButton.LeftButton)
    assert saved.args[0] == target.with_name("chase.csv")
    target = saved.args[0]
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == window.model.rowCount()
    assert "Wrote chase" in window.status.text()


def test_save_pdf_writes_the_printable_list(
    qtbot, chase, meeting_id, demo_db, tmp_path, monkeypatch
):
    from pypdf import PdfReader

    window = open_list(qtbot, chase, meeting_id, member(demo_db, Role.IBD_CONSULTANT))
    target = tmp_path / "chase.pdf"
    monkeypatch.setattr(ChaseWindow, "choose_target", staticmethod(lambda *a: target))
    with qtbot.waitSignal(window.saved, timeout=10_000):
        qtbot.mouseClick(window.pdf_button, Qt.MouseButton.LeftButton)
    text = " ".join(PdfReader(target).pages[0].extract_text().split())
    assert "NEWMAN, Pat" in text


@pytest.mark.parametrize(("who", "reason"), [(None, NOBODY), (Role.IBD_NURSE, NOT_ALLOWED)])
def test_who_may_not_export_sees_the_list_but_cannot_save_it(
    qtbot, chase, meeting_id, demo_db, who, reason
):
    actor = member(demo_db, who) if who else None
    window = open_list(qtbot, chase, meeting_id, actor, can_save=False)
    assert window.model.rowCount() > 0
    assert not window.csv_button.isEnabled()
    assert not window.pdf_button.isEnabled()
    assert window.pdf_button.toolTip() == reason == window.why_not


# --- the main window -------------------------------------------------------------------------


@pytest.fixture
def main_window(qtbot, demo_db, config, tmp_path):
    from tests.views.meeting.test_consensus_flows import open_window

    list_new_patient(demo_db, config)
    return open_window(qtbot, demo_db, config, tmp_path)


def test_the_notice_appears_a_week_before_and_opens_the_list(qtbot, main_window, demo_db, config):
    notice = main_window.chase_notice
    notice.today = lambda: AS_OF
    notice.refresh()
    expected = ChaseService(demo_db, config).find("2026-11")
    assert notice.isVisibleTo(main_window)
    assert notice.text() == (
        f"⚑ Chase list: {len(expected.rows)} items for the meeting on Wed 25 Nov 2026"
    )
    assert "is in 1 day:" in notice.toolTip()
    qtbot.mouseClick(notice, Qt.MouseButton.LeftButton)
    window = main_window.chase_window
    assert window is not None
    assert window.chase.meeting_date == NEXT_MEETING
    assert window.model.rowCount() == len(expected.rows)


def test_no_notice_before_the_lead_time(main_window):
    notice = main_window.chase_notice
    notice.today = lambda: NEXT_MEETING - timedelta(days=8)
    notice.refresh()
    assert not notice.isVisibleTo(main_window)
    assert notice.notice is None


def test_meeting_chase_list_opens_it_for_the_open_meeting(main_window):
    main_window.chase_action.trigger()
    window = main_window.chase_window
    assert window is not None
    assert window.chase.meeting_id == main_window.presenter.board.meeting.id
    assert not window.csv_button.isEnabled()  # nobody is acting yet
