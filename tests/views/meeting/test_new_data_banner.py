"""The case view names new data since the decision, and where its evidence comes from."""

from __future__ import annotations

import sqlite3

import pytest

from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.views.preparation import signoff_dialog
from tests.services.test_snapshots import drop_snapshots
from tests.snapshot_helpers import import_late_crp, prepare
from tests.views.meeting.test_main_window import make_window

pytestmark = pytest.mark.slow  # signs off and imports in the main window

LATE_CRP = "CRP 48 mg/L on 23 Nov 2026"


def show(qtbot, window, meeting_id, hospital_number=None):
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.load(meeting_id, hospital_number)
    return window.presenter.current


def test_a_lab_imported_after_sign_off_is_named_in_the_banner_not_in_the_evidence(
    qtbot, signed, config, tmp_path
):
    demo_db, prepared = signed
    number = prepared.cases[0].case.patient.hospital_number
    import_late_crp(demo_db, tmp_path, number)
    window = make_window(qtbot, demo_db, config, tmp_path)
    detail = show(qtbot, window, prepared.meeting_id, number)

    banner = window.new_data.banner
    assert banner.isVisible()
    assert banner.text() == f"New data since the decision: 1 — {LATE_CRP}"
    assert "frozen at sign-off on 25 Nov 2026 17:00" in banner.toolTip()
    assert LATE_CRP in banner.toolTip()
    assert window.new_data.note.text() == "Evidence as frozen at sign-off, 25 Nov 2026 17:00."
    frozen = MeetingService(demo_db, config).board(prepared.meeting_id).cases[0]
    assert detail.case.checklist == frozen.case.checklist
    assert detail.record == frozen.record
    model = window.checklist.model
    assert [model.answer(r).item_key for r in range(model.rowCount())] == [
        a.item_key for a in frozen.case.checklist
    ]

    presentation = window.start_presentation(full_screen=False, size=(1280, 720))
    assert presentation.new_data.banner.text() == banner.text()
    assert presentation.new_data.banner.isVisible()
    presentation.close()

    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.presenter.select_case(1)
    assert not window.new_data.banner.isVisible()
    assert window.new_data.note.isVisible()


def test_an_open_meeting_names_a_result_imported_after_the_decision(
    qtbot, demo_db, config, tmp_path
):
    prepared = prepare(demo_db, config)
    number = prepared.cases[0].case.patient.hospital_number
    import_late_crp(demo_db, tmp_path, number)
    window = make_window(qtbot, demo_db, config, tmp_path)
    show(qtbot, window, prepared.meeting_id, number)
    assert window.new_data.banner.text() == f"New data since the decision: 1 — {LATE_CRP}"
    assert "Stored after the decision was recorded on 25 Nov 2026 13:30" in (
        window.new_data.banner.toolTip()
    )
    assert not window.new_data.note.isVisible()


def test_a_meeting_signed_off_before_snapshots_opens_and_says_so_quietly(
    qtbot, demo_db, config, tmp_path
):
    meeting_id = MeetingService(demo_db, config).find_id("2026-10")
    drop_snapshots(demo_db.path, meeting_id)
    window = make_window(qtbot, demo_db, config, tmp_path)
    detail = show(qtbot, window, meeting_id)
    assert not detail.frozen
    assert window.new_data.note.isVisible()
    assert window.new_data.note.text().startswith("Signed off before this version froze evidence")
    assert not window.new_data.banner.isVisible()
    assert window.plots.hover_points


def test_the_chair_signs_off_from_the_menu_with_progress_and_the_cases_freeze(
    qtbot, demo_db, config, tmp_path, monkeypatch
):
    prepared = prepare(demo_db, config)
    window = make_window(qtbot, demo_db, config, tmp_path)
    show(qtbot, window, prepared.meeting_id)
    window.set_user(prepared.chair.id)
    monkeypatch.setattr(
        signoff_dialog.SignOffDialog, "ask", staticmethod(lambda title, readiness, parent: True)
    )
    heard = []
    window.presenter.progress_reported.connect(lambda *a: heard.append(a))
    with qtbot.waitSignal(window.case_painted, timeout=20_000):
        window.sign_off_action.trigger()
    assert [h[0] for h in heard] == list(range(len(prepared.cases) + 1))
    assert heard[-1][2] == "Locking the meeting"
    assert not window.progress.isVisible()
    assert all(d.frozen for d in window.presenter.board.cases)
    assert window.new_data.note.text().startswith("Evidence as frozen at sign-off")
    with sqlite3.connect(demo_db.path) as raw:
        stored = raw.execute(
            "SELECT count(*) FROM case_snapshots WHERE meeting_id = ?", (prepared.meeting_id,)
        ).fetchone()[0]
    assert stored == len(prepared.cases)
    assert window.table.model().rowCount() == len(prepared.cases)
