"""The audit log viewer on the demo database: filters, sorting, details and errors."""

import pytest
from PySide6.QtCore import QPoint, Qt

from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import RefusedError
from mdt_desktop.services.audit_log import AuditLogService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.audit.audit_log_dialog import AuditLogDialog, AuditTableModel
from mdt_desktop.views.common.display import MUTED
from mdt_desktop.workers import ImmediateRunner, ThreadPoolRunner

WHO, PATIENT, MEETING = 1, 4, 5


def make_dialog(qtbot, db, config, **presets):
    dialog = AuditLogDialog(
        AuditLogService(db),
        MeetingService(db, config).list_meetings(),
        RosterService(db).clinicians(),
        ImmediateRunner(),
        **presets,
    )
    qtbot.addWidget(dialog)
    return dialog


@pytest.fixture
def dialog(qtbot, demo_db, config):
    return make_dialog(qtbot, demo_db, config)


def column(dialog, col):
    return [dialog.proxy.index(row, col).data() for row in range(dialog.proxy.rowCount())]


def test_opens_on_every_entry_newest_first(dialog, demo_db):
    everything = AuditLogService(demo_db).entries()
    assert dialog.model.rowCount() == len(everything) > 100
    assert dialog.count.text() == f"{len(everything):,} entries, newest first"
    first = dialog.model.entry(dialog.proxy.mapToSource(dialog.proxy.index(0, 0)).row())
    assert first.id == max(e.id for e in everything)
    assert dialog.meeting.itemText(0) == "All meetings"
    assert dialog.user.itemText(0) == "Everyone"


def test_filter_by_patient(qtbot, dialog, demo_db):
    total = dialog.model.rowCount()
    wanted = AuditLogService(demo_db).entries()[0].patient
    with qtbot.waitSignal(dialog.loaded):
        qtbot.keyClicks(dialog.patient, wanted)
        qtbot.keyClick(dialog.patient, Qt.Key.Key_Return)
    assert 0 < dialog.model.rowCount() < total
    assert set(column(dialog, PATIENT)) == {wanted}


def test_typing_a_hospital_number_reloads_after_a_pause(qtbot, dialog, demo_db):
    wanted = AuditLogService(demo_db).entries()[0].patient
    with qtbot.waitSignal(dialog.loaded, timeout=3_000):
        qtbot.keyClicks(dialog.patient, wanted)
    assert set(column(dialog, PATIENT)) == {wanted}


def test_filter_by_meeting(qtbot, dialog, demo_db, config):
    october = MeetingService(demo_db, config).find("2026-10")
    with qtbot.waitSignal(dialog.loaded):
        dialog.meeting.setCurrentIndex(dialog.meeting.findData(october.id))
    assert dialog.model.rowCount() > 0
    assert set(column(dialog, MEETING)) == {f"{october.meeting_date:%d %b %Y}"}


def test_filter_by_user(qtbot, dialog, demo_db):
    coordinator = next(c for c in RosterService(demo_db).clinicians() if c.role is Role.COORDINATOR)
    with qtbot.waitSignal(dialog.loaded):
        dialog.user.setCurrentIndex(dialog.user.findData(coordinator.id))
    assert dialog.model.rowCount() > 0
    assert set(column(dialog, WHO)) == {coordinator.name}


def test_filters_combine_and_can_be_preset(qtbot, demo_db, config):
    october = MeetingService(demo_db, config).find("2026-10")
    number = october.cases[0].patient.hospital_number
    dialog = make_dialog(qtbot, demo_db, config, hospital_number=number, meeting_id=october.id)
    assert dialog.patient.text() == number
    assert dialog.meeting.currentData() == october.id
    assert dialog.model.rowCount() > 0
    assert set(column(dialog, PATIENT)) == {number}
    assert set(column(dialog, MEETING)) == {f"{october.meeting_date:%d %b %Y}"}


def test_no_match_says_so(qtbot, dialog):
    with qtbot.waitSignal(dialog.loaded):
        dialog.patient.setText("NOBODY-999")
        dialog.reload()
    assert dialog.model.rowCount() == 0
    assert dialog.count.text() == "No entries match these filters."


def test_clicking_a_header_sorts_by_that_column(qtbot, dialog):
    dialog.resize(1100, 700)
    dialog.show()
    qtbot.waitExposed(dialog)
    header = dialog.table.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(WHO) + 5, header.height() // 2),
    )
    assert header.sortIndicatorSection() == WHO
    names = column(dialog, WHO)
    assert names == sorted(names, key=str.casefold) or names == sorted(
        names, key=str.casefold, reverse=True
    )


def test_selecting_an_entry_shows_it_in_full(dialog):
    row = next(r for r in range(dialog.model.rowCount()) if len(dialog.model.entry(r).changes) > 60)
    entry = dialog.model.entry(row)
    dialog.table.selectRow(dialog.proxy.mapFromSource(dialog.model.index(row, 0)).row())
    text = dialog.details.toPlainText()
    assert entry.actor in text
    assert entry.changes.split("; ")[0] in text
    assert f"Log entry {entry.id}" in text


def test_system_entries_are_muted(dialog):
    row = next(r for r in range(dialog.model.rowCount()) if dialog.model.entry(r).actor == "system")
    assert dialog.model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) == MUTED


def test_a_failed_read_shows_the_message(qtbot, demo_db, config):
    class Broken:
        def entries(self, **_filters):
            raise RefusedError("The database is busy; try again.")

    dialog = AuditLogDialog(Broken(), [], [], ImmediateRunner())
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 0
    assert "The database is busy; try again." in dialog.count.text()
    assert "Traceback" not in dialog.count.text()


def test_read_only(dialog):
    assert not dialog.table.editTriggers() & dialog.table.EditTrigger.AllEditTriggers
    flags = dialog.model.flags(dialog.model.index(0, 0))
    assert not flags & Qt.ItemFlag.ItemIsEditable


def test_model_honours_the_qt_contract(qtmodeltester, demo_db):
    model = AuditTableModel()
    model.set_entries(AuditLogService(demo_db).entries(limit=200))
    qtmodeltester.check(model)


class Deferred:
    """A runner that holds work until the test delivers it, in any order."""

    def __init__(self):
        self.pending = []

    def submit(self, work, on_done, on_error):
        self.pending.append((work, on_done, on_error))

    def deliver(self, index):
        work, on_done, _on_error = self.pending.pop(index)
        on_done(work())


def test_a_late_reply_for_old_filters_is_dropped(qtbot, demo_db, config):
    runner = Deferred()
    roster = RosterService(demo_db).clinicians()
    dialog = AuditLogDialog(AuditLogService(demo_db), [], roster, runner)
    qtbot.addWidget(dialog)
    assert dialog.count.text() == "Loading…"
    coordinator = next(c for c in roster if c.role is Role.COORDINATOR)
    dialog.user.setCurrentIndex(dialog.user.findData(coordinator.id))
    assert len(runner.pending) == 2
    with qtbot.waitSignal(dialog.loaded):
        runner.deliver(1)  # the newer request answers first
    shown = dialog.model.rowCount()
    with qtbot.assertNotEmitted(dialog.loaded):
        runner.deliver(0)  # everyone's entries, asked for earlier: ignored
    assert dialog.model.rowCount() == shown
    assert set(column(dialog, WHO)) == {coordinator.name}


def test_loads_off_the_gui_thread(qtbot, demo_db, config):
    runner = ThreadPoolRunner()
    dialog = AuditLogDialog(
        AuditLogService(demo_db), MeetingService(demo_db, config).list_meetings(), [], runner
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=10_000)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.meeting.setCurrentIndex(1)
    assert set(column(dialog, MEETING)) == {dialog.meeting.currentText()[:11]}
    assert runner.wait()
