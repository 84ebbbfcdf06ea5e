"""The import dialog on the demo database: check, import, problems, refusals, cancel, the menu.

Checks and imports run on the real thread pool (a ProgressTask), so each test waits for the
task's signals; nothing sleeps.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Analyte, Role
from mdt_desktop.importers.codes import CodeTable, load_code_table
from mdt_desktop.paths import resource_path
from mdt_desktop.services.imports import ImportService
from mdt_desktop.services.roster import RosterAdmin, RosterService
from mdt_desktop.views.exchange.import_dialog import (
    CANCELLED,
    CHECK_FIRST,
    IMPORT_NOT_ALLOWED,
    NOBODY_CHOSEN,
    ImportDialog,
)
from tests.views.meeting.test_consensus_flows import COORDINATOR, PHARMACIST, act_as, open_window

pytestmark = pytest.mark.slow  # imports in the background into the main window

WAIT = 30_000
HEADER = "hospital_number,collected_at,test,value,unit"
GOOD = [
    "DEMO10001,2026-11-20T08:40:00,38445-3,55,ug/g",
    "DEMO10001,2026-11-20T08:40:00,1988-5,0.4,mg/dL",
    "DEMO10002,2026-11-21,haemoglobin,128,g/L",
]
BAD = [
    "DEMO10001,2026-11-20T08:40:00,haemoglobin,135,g/dL",
    "DEMO99999,2026-11-20T08:40:00,crp,3,mg/L",
]


@pytest.fixture(scope="module")
def codes() -> CodeTable:
    return load_code_table(resource_path("lab_codes.toml"))


def csv_file(folder, name, rows):
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def observations(db_path) -> int:
    with sqlite3.connect(db_path) as connection:
        return int(connection.execute("SELECT count(*) FROM observations").fetchone()[0])


def actor_named(db, name) -> Actor:
    member = next(c for c in RosterService(db).clinicians() if name in c.name)
    return Actor(member.id, member.name)


def make_dialog(qtbot, service, actor, why_not="", folder=None):
    dialog = ImportDialog(service, actor, why_not, folder=folder)
    qtbot.addWidget(dialog)
    return dialog


def finish(qtbot, dialog, button):
    """Press *button* and wait until its check or import has ended (succeeded or failed)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT)


@pytest.fixture
def dialog(qtbot, demo_db, codes, tmp_path):
    return make_dialog(
        qtbot, ImportService(demo_db, codes), actor_named(demo_db, COORDINATOR), folder=tmp_path
    )


def test_check_shows_counts_per_patient_then_import_writes_them(
    qtbot, dialog, demo_db, demo_path, tmp_path
):
    before = observations(demo_path)
    dialog.add_paths([csv_file(tmp_path, "labs.csv", GOOD)])
    assert not dialog.import_button.isEnabled()
    assert dialog.status.text() == CHECK_FIRST

    finish(qtbot, dialog, dialog.check_button)

    model = dialog.found_model
    rows = {
        (model.row_at(r).hospital_number, model.row_at(r).what, model.row_at(r).count)
        for r in range(model.rowCount())
    }
    assert rows == {
        ("DEMO10001", "crp", 1),
        ("DEMO10001", "faecal calprotectin", 1),
        ("DEMO10002", "haemoglobin", 1),
    }
    assert dialog.tabs.tabText(0) == "Found (3)"
    assert "would add 3 records for 2 patients" in dialog.status.text()
    assert observations(demo_path) == before  # a check writes nothing
    assert dialog.import_button.isEnabled()

    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT)

    assert imported.args[0].new_records == 3
    assert observations(demo_path) == before + 3
    assert dialog.status.text().startswith("Added 3 records for 2 patients")
    assert not dialog.import_button.isEnabled()  # done: a second import would add nothing

    finish(qtbot, dialog, dialog.check_button)
    assert dialog.status.text().startswith("Everything is already stored (3 records)")
    assert not dialog.import_button.isEnabled()


def test_problems_are_listed_with_file_place_and_reason_and_nothing_is_offered(
    qtbot, dialog, demo_path, tmp_path
):
    before = observations(demo_path)
    dialog.add_paths([csv_file(tmp_path, "bad.csv", BAD), csv_file(tmp_path, "ok.csv", GOOD)])
    finish(qtbot, dialog, dialog.check_button)

    problems = [dialog.problem_model.row_at(r) for r in range(dialog.problem_model.rowCount())]
    assert {p.where.file for p in problems} == {"bad.csv"}
    assert any("implausible" in p.reason for p in problems)
    assert any("DEMO99999" in p.reason for p in problems)
    assert dialog.tabs.currentWidget() is dialog.problems
    assert dialog.tabs.tabText(1) == f"Problems ({len(problems)})"
    assert "Fix them and check again" in dialog.status.text()
    assert not dialog.import_button.isEnabled()
    assert observations(demo_path) == before

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == "File\tWhere\tField\tReason"
    assert len(copied) == len(problems) + 1
    assert copied[1].startswith("bad.csv\tline ")


def test_changing_the_files_after_a_check_asks_for_a_new_check(qtbot, dialog, tmp_path):
    dialog.add_paths([csv_file(tmp_path, "labs.csv", GOOD)])
    finish(qtbot, dialog, dialog.check_button)
    assert dialog.import_button.isEnabled()

    dialog.add_paths([csv_file(tmp_path, "more.csv", BAD)])
    assert not dialog.import_button.isEnabled()
    assert dialog.found_model.rowCount() == 0

    dialog.files.item(1).setSelected(True)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert [p.name for p in dialog.paths()] == ["labs.csv"]
    assert not dialog.import_button.isEnabled()  # still needs its own check
    dialog.add_paths([tmp_path / "labs.csv", tmp_path / "missing.csv"])  # known and absent
    assert [p.name for p in dialog.paths()] == ["labs.csv"]


def test_files_dropped_on_the_dialog_are_added(qtbot, dialog, tmp_path):
    path = csv_file(tmp_path, "dropped.csv", GOOD)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.dropEvent(event)
    assert dialog.paths() == (path,)


@pytest.mark.parametrize(
    ("why_not", "actor_name"), [(NOBODY_CHOSEN, None), (IMPORT_NOT_ALLOWED, COORDINATOR)]
)
def test_who_may_not_import_may_still_check(qtbot, demo_db, codes, tmp_path, why_not, actor_name):
    actor = actor_named(demo_db, actor_name) if actor_name else None
    dialog = make_dialog(qtbot, ImportService(demo_db, codes), actor, why_not)
    dialog.add_paths([csv_file(tmp_path, "labs.csv", GOOD)])
    finish(qtbot, dialog, dialog.check_button)
    assert dialog.found_model.rowCount() == 3
    assert why_not in dialog.status.text()
    assert not dialog.import_button.isEnabled()
    assert dialog.import_button.toolTip() == why_not


def test_the_service_refuses_an_observer_even_if_the_dialog_were_bypassed(
    qtbot, demo_db, codes, demo_path, tmp_path
):
    coordinator = actor_named(demo_db, COORDINATOR)
    RosterAdmin(demo_db).add("Olive Observer (DEMO)", Role.OBSERVER, coordinator)
    observer = actor_named(demo_db, "Olive Observer")
    before = observations(demo_path)
    dialog = make_dialog(qtbot, ImportService(demo_db, codes), observer)
    dialog.add_paths([csv_file(tmp_path, "labs.csv", GOOD)])
    finish(qtbot, dialog, dialog.check_button)
    with qtbot.waitSignal(dialog.task.failed, timeout=WAIT):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "may not import lab results" in dialog.status.text()
    assert observations(demo_path) == before


class SlowCodes(ImportService):
    """Holds the first read until the test has pressed Cancel."""

    def __init__(self, db, codes, gate: threading.Event) -> None:
        super().__init__(db, codes)
        self._gate = gate

    @property
    def codes(self) -> CodeTable:
        self._gate.wait(10)
        return super().codes


def test_cancel_stops_a_check_and_says_nothing_was_written(qtbot, demo_db, codes, tmp_path):
    gate = threading.Event()
    dialog = make_dialog(qtbot, SlowCodes(demo_db, codes, gate), actor_named(demo_db, COORDINATOR))
    dialog.add_paths([csv_file(tmp_path, "a.csv", GOOD), csv_file(tmp_path, "b.csv", GOOD)])
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.running
    assert dialog.close_button.text() == "Cancel"
    assert not dialog.add_button.isEnabled()
    with qtbot.waitSignal(dialog.task.failed, timeout=WAIT):
        dialog.reject()  # Esc while it runs cancels instead of closing
        gate.set()
    assert dialog.status.text() == CANCELLED
    assert dialog.close_button.text() == "Close"


def test_tools_import_reloads_the_open_meeting_with_the_new_results(
    qtbot, demo_db, config, tmp_path, monkeypatch
):
    window = open_window(qtbot, demo_db, config, tmp_path)
    act_as(window, PHARMACIST)
    current = window.presenter.current
    number = current.case.patient.hospital_number
    crp_before = [o for o in current.record.observations if o.analyte is Analyte.CRP]
    labs = csv_file(tmp_path, "labs.csv", [f"{number},2026-11-23T09:00:00,crp,7.5,mg/L"])

    def run(dialog):
        assert dialog.import_button.toolTip() == CHECK_FIRST
        dialog.add_paths([labs])
        finish(qtbot, dialog, dialog.check_button)
        with qtbot.waitSignal(dialog.imported, timeout=WAIT):
            qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT)
        return 0

    monkeypatch.setattr(ImportDialog, "exec", run)
    window.import_action.trigger()

    qtbot.waitUntil(
        lambda: (
            len(
                [
                    o
                    for o in window.presenter.current.record.observations
                    if o.analyte is Analyte.CRP
                ]
            )
            == len(crp_before) + 1
        ),
        timeout=WAIT,
    )
    assert window.presenter.current.case.patient.hospital_number == number
    assert window.import_dialog is None


def test_tools_import_tells_a_read_only_user_why(qtbot, demo_db, config, tmp_path, monkeypatch):
    window = open_window(qtbot, demo_db, config, tmp_path)
    act_as(window, COORDINATOR)
    window._options = type(window._options)("t", "x", read_only=True, quiet=True)
    seen = []
    monkeypatch.setattr(ImportDialog, "exec", lambda d: seen.append(d.import_button.toolTip()))
    window.import_action.trigger()
    assert seen == ["The database is open read-only."]
