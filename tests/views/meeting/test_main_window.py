"""The meeting screen with a real database, real services and pytest-qt interactions."""

from datetime import timedelta

import matplotlib.dates as mdates
import pytest
from PySide6.QtCore import Qt

from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.plots.case_plots import TimeWindow
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.services.bundle import meeting_services
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.common.display import BAD
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.views.meeting.candidate_table_model import CandidateTableModel
from mdt_desktop.views.meeting.checklist_view import AnswerChoice, AnswerDialog, ChecklistTableModel
from mdt_desktop.views.meeting.main_window import MainWindow, ScreenOptions
from mdt_desktop.workers import ImmediateRunner
from tests.conftest import AS_OF

pytestmark = pytest.mark.slow  # opens the main window on the demo for every test


def make_window(qtbot, db, config, tmp_path, *, read_only=False):
    presenter = MeetingPresenter(meeting_services(db, config), ImmediateRunner())
    window = MainWindow(
        presenter,
        config,
        RosterService(db).clinicians(),
        ViewSettings(tmp_path / "settings.ini"),
        ScreenOptions("MDT Desktop — test", str(db.path), read_only),
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


@pytest.fixture
def window(qtbot, demo_db, config, tmp_path):
    win = make_window(qtbot, demo_db, config, tmp_path)
    with qtbot.waitSignal(win.case_painted, timeout=10_000):
        win.load()
    return win


def case_rows(win):
    return win.proxy.rowCount()


def click_row(qtbot, win, row):
    index = win.proxy.index(row, 1)
    win.table.scrollTo(index)
    with qtbot.waitSignal(win.case_painted, timeout=5_000):
        qtbot.mouseClick(
            win.table.viewport(),
            Qt.MouseButton.LeftButton,
            pos=win.table.visualRect(index).center(),
        )


def test_opens_on_the_newest_meeting_and_its_first_case(window):
    assert window.meeting_picker.count() == 4
    assert "planned" in window.meeting_picker.currentText()
    first = window.model.detail(0)
    assert case_rows(window) == len(window._presenter.board.cases) >= 8
    assert first.case.patient.hospital_number in window.header.title.text()
    assert window.checklist.model.rowCount() == 9
    assert window.plots.hover_points  # the plots have something to show
    assert "planned" in window.meeting_summary.text()


def test_clicking_a_case_changes_header_checklist_and_plots(qtbot, window):
    before = window.plots.hover_points
    click_row(qtbot, window, 3)
    detail = window._presenter.current
    assert detail is window.model.detail(
        window.proxy.mapToSource(window.table.currentIndex()).row()
    )
    assert detail.case.patient.hospital_number in window.header.title.text()
    assert window.checklist.model.answer(0).item_key == "time_on_intensified"
    assert window.plots.hover_points != before


def test_keyboard_moves_through_the_list(qtbot, window):
    window.table.setFocus()
    with qtbot.waitSignal(window.case_painted):
        qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window._presenter.index == 1


def test_filter_narrows_the_list_and_enter_opens_the_match(qtbot, window):
    wanted = window.model.detail(4).case.patient.hospital_number
    qtbot.keyClicks(window.filter, wanted)
    assert case_rows(window) == 1
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    assert window.table.hasFocus() or window.table.currentIndex().row() == 0
    assert window._presenter.current.case.patient.hospital_number == wanted
    window.filter.clear()
    assert case_rows(window) == window.model.rowCount()


def test_time_window_changes_the_plot_range(qtbot, window):
    action = next(
        a for a in window.window_actions.actions() if a.data() == TimeWindow.ONE_YEAR.value
    )
    with qtbot.waitSignal(window.case_painted):
        action.trigger()
    left, right = window.plots.axes.strip.get_xlim()
    span = mdates.num2date(right) - mdates.num2date(left)
    assert timedelta(days=360) <= span <= timedelta(days=400)
    assert window._settings.window() is TimeWindow.ONE_YEAR


def test_blood_counts_on_demand(qtbot, window):
    panels = len(window.plots.axes.panels())
    with qtbot.waitSignal(window.case_painted):
        window.blood_action.setChecked(True)
    assert len(window.plots.axes.panels()) == panels + 3


def acting_as(window, role):
    clinician = next(c for c in window._roster if c.role.value == role)
    window.set_user(clinician.id)
    return clinician


def test_an_override_with_a_reason_persists(qtbot, window, demo_db, config, monkeypatch):
    consultant = acting_as(window, "ibd_consultant")
    assert window.checklist.answer_button.isEnabled()
    row = next(
        r
        for r in range(window.checklist.model.rowCount())
        if window.checklist.model.answer(r).automatic is ChecklistResult.MET
    )
    item = window.checklist.model.answer(row).item_key
    window.checklist.table.selectRow(row)
    monkeypatch.setattr(
        AnswerDialog,
        "ask",
        classmethod(
            lambda cls, answer, parent=None: AnswerChoice(
                ChecklistResult.NOT_MET, "Symptomatic at clinic last week"
            )
        ),
    )
    with qtbot.waitSignal(window.case_painted):
        qtbot.mouseClick(window.checklist.answer_button, Qt.MouseButton.LeftButton)
    shown = window.checklist.model.answer(row)
    assert (shown.confirmed, shown.answered_by) == (ChecklistResult.NOT_MET, consultant.name)
    assert "overridden" in window.checklist.model.index(row, 0).data()
    stored = MeetingService(demo_db, config).case_detail(window._presenter.current.case.id)
    answer = next(a for a in stored.case.checklist if a.item_key == item)
    assert answer.override_reason == "Symptomatic at clinic last week"
    assert answer.answered_by == consultant.name


def test_confirm_button_confirms_the_automatic_result(qtbot, window):
    acting_as(window, "ibd_nurse")
    window.checklist.table.selectRow(0)
    automatic = window.checklist.model.answer(0).automatic
    with qtbot.waitSignal(window.case_painted):
        qtbot.mouseClick(window.checklist.confirm_button, Qt.MouseButton.LeftButton)
    assert window.checklist.model.answer(0).confirmed is automatic


def test_nobody_acting_means_read_only(window):
    window.set_user(None)
    assert not window.checklist.answer_button.isEnabled()
    assert "Acting as" in window.checklist.answer_button.toolTip()


def test_a_signed_off_meeting_cannot_be_answered(qtbot, window):
    acting_as(window, "ibd_consultant")
    with qtbot.waitSignal(window.case_painted):
        window.meeting_picker.setCurrentIndex(1)
    assert "signed off" in window.meeting_summary.text()
    assert not window.checklist.confirm_button.isEnabled()
    assert "signed off" in window.checklist.confirm_button.toolTip()
    decisions = {window.proxy.index(r, 10).data() for r in range(case_rows(window))}
    assert "De-escalate" in decisions


def test_coordinators_do_not_answer_checklists(window):
    acting_as(window, "coordinator")
    assert not window.checklist.answer_button.isEnabled()


def test_restrained_colour_cues_on_out_of_range_values(qtbot, window):
    model = window.model
    flagged = [
        r
        for r in range(model.rowCount())
        if model.index(r, 9).data(Qt.ItemDataRole.ForegroundRole) == BAD
        or model.index(r, 6).data(Qt.ItemDataRole.ForegroundRole) == BAD
    ]
    for row in flagged:
        tooltip = model.index(row, 6).data(Qt.ItemDataRole.ToolTipRole)
        assert tooltip
        assert "threshold" in tooltip
    assert model.index(0, 6).data(Qt.ItemDataRole.ToolTipRole)


def test_presentation_mode_keys(qtbot, window):
    presentation = window.start_presentation(full_screen=False, size=(1366, 768))
    qtbot.addWidget(presentation)
    total = case_rows(window)
    assert presentation.counter.text() == f"Case 1 of {total}"
    for key, expected in (
        (Qt.Key.Key_Right, 2),
        (Qt.Key.Key_PageDown, 3),
        (Qt.Key.Key_Left, 2),
        (Qt.Key.Key_PageUp, 1),
        (Qt.Key.Key_End, total),
        (Qt.Key.Key_Home, 1),
    ):
        qtbot.keyClick(presentation, key)
        assert presentation.counter.text() == f"Case {expected} of {total}"
    assert presentation.timer.text() == ""
    qtbot.keyClick(presentation, Qt.Key.Key_T)
    assert "00:0" in presentation.timer.text() or "0:0" in presentation.timer.text()
    with qtbot.waitSignal(presentation.closed):
        qtbot.keyClick(presentation, Qt.Key.Key_Escape)
    assert window.presentation is None


def test_f5_starts_presentation(qtbot, window, monkeypatch):
    started = []
    monkeypatch.setattr(window, "start_presentation", lambda **kw: started.append(kw))
    window.present_action.trigger()
    assert started


def test_models_honour_the_qt_contract(qtmodeltester, demo_db, config):
    service = MeetingService(demo_db, config)
    board = service.board(service.find_id(AS_OF.strftime("%Y-%m")))
    candidates = CandidateTableModel(config.thresholds)
    candidates.set_cases(list(board.cases))
    qtmodeltester.check(candidates)
    checklist = ChecklistTableModel()
    checklist.set_answers(board.cases[0].case.checklist)
    qtmodeltester.check(checklist)


def test_read_only_database_shows_the_notice(qtbot, demo_db, config, tmp_path):
    win = make_window(qtbot, demo_db, config, tmp_path, read_only=True)
    win._options = ScreenOptions("t", "x", True, "Opened read-only.")
    assert not win.checklist.answer_button.isEnabled()


def test_hover_shows_value_unit_date_and_source(window):
    detail = window.presenter.current
    panel = window.plots.axes.panels().index(window.plots.axes.calprotectin)
    point = next(p for p in window.plots.hover_points if p.axes_index == panel)
    text = window.plots.hover_text_at(panel, point.x, point.y)
    assert "µg/g" in text or "ug/g" in text
    assert "Source: demo generator" in text
    assert any(
        f"{o.collected_at:%d %b %Y}" in text
        for o in detail.record.series(
            detail.record.observations[0].analyte.__class__.FAECAL_CALPROTECTIN
        )
    )


def test_annotations_from_earlier_meetings_reach_the_plot(qtbot, window):
    with qtbot.waitSignal(window.case_painted):
        window.meeting_picker.setCurrentIndex(3)  # the oldest signed-off meeting
    detail = window.presenter.current
    assert detail.annotations
    texts = [p.text for p in window.plots.hover_points]
    assert any(detail.annotations[0].comment[:30] in t for t in texts)


def test_risk_factors_where_sources_disagree_say_so_on_screen(qtbot, window):
    """Every Crohn's patient has one of the two resection factors, each with its disagreement."""
    rows = [
        row
        for row in range(window.model.rowCount())
        if any(r.conflict for r in window.model.detail(row).risks)
    ]
    assert rows, "the demo list has Crohn's patients"
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window._presenter.select_case(rows[0])
    text = window.risks.list.text()
    assert "⚠ Sources disagree:</b>" in text
    assert "STORI (S23)" in text


def test_the_risk_list_marks_each_conflicting_factor(qtbot):
    from mdt_desktop.domain.risk import RiskFinding
    from mdt_desktop.views.meeting.risk_view import RiskPanel

    panel = RiskPanel("Context, not a score.")
    qtbot.addWidget(panel)
    agreed = RiskFinding("perianal", "Perianal disease", "Montreal p", ("S78",), "verified")
    disputed = RiskFinding(
        "no_previous_resection",
        "No previous intestinal resection (STORI)",
        "No intestinal resection on record",
        ("S23",),
        "verified",
        conflict="Sources disagree: STORI (S23) found its absence a risk factor; S80 disagrees.",
    )
    panel.show_risks((agreed, disputed))
    text = panel.list.text()
    assert text.count("Sources disagree:") == 1
    assert "<b>⚠ Sources disagree:</b> STORI (S23) found its absence a risk factor" in text
    item = text.split("<li>")[2]
    assert item.startswith("<b>No previous intestinal resection (STORI)</b>")
    assert "Sources disagree" in item  # under the factor it is about, not elsewhere
