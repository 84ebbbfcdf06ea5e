"""The decision form's outcomes, dates and defaults, and a re-review case as one.

DEMO10076 (in the test demo) was de-escalated from adalimumab 80 mg every 2 weeks to 40 mg every
2 weeks at the meeting of 30 Sep 2026 and is relapsing: the coordinator lists it for re-review
at the planned meeting of 25 Nov 2026, as Prepare meeting offers.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import ChecklistResult, Outcome
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.views.common.date_field import DateField, parse_typed_date
from mdt_desktop.views.common.plain_text import unformatted
from mdt_desktop.views.meeting import main_window
from mdt_desktop.views.meeting.decision_panel import FURTHER, OTHER
from mdt_desktop.views.meeting.decision_tables import DATE_ROLE
from tests.views.meeting.test_consensus_flows import (
    CHAIR,
    COORDINATOR,
    NURSE,
    act_as,
    go_to,
    open_window,
)

pytestmark = pytest.mark.slow  # opens the main window on the demo for every test

RELAPSING = "DEMO10076"  # ADA 40 mg every 2 weeks since the de-escalation from 80 mg every 2 weeks


@pytest.fixture
def window(qtbot, demo_db, config, tmp_path):
    win = open_window(qtbot, demo_db, config, tmp_path)
    win._options = main_window.ScreenOptions("t", win._options.database_label, quiet=True)
    return win


def rows(path, sql, *args):
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, args).fetchall()


def list_for_rereview(qtbot, window):
    """The coordinator adds the relapsing patient as Prepare meeting suggests; the chair acts."""
    coordinator = act_as(window, COORDINATOR)
    admin = window._admin.meeting_admin
    meeting_id = window.presenter.board.meeting.id
    suggestion = next(
        s for s in admin.rereviews(meeting_id) if s.patient.hospital_number == RELAPSING
    )
    admin.add_candidate(
        meeting_id,
        RELAPSING,
        Actor(coordinator.id, coordinator.name),
        reason=suggestion.rereview.reason,
    )
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.presenter.reload()
    act_as(window, CHAIR)
    return go_to(qtbot, window, RELAPSING)


def choose(panel, outcome: Outcome) -> None:
    panel.outcome.setCurrentIndex(panel.outcome.findData(outcome.value))


def test_a_relapsing_re_review_is_presented_as_one_and_re_escalated_in_two_steps(
    qtbot, window, demo_path
):
    detail = list_for_rereview(qtbot, window)
    notice = window.case_notice.rereview
    assert notice.isVisible()
    text = unformatted(notice.text())
    assert text.startswith("↻ Re-review after de-escalation (30 Sep 2026): ⚠ Relapsing — ")
    assert "Relapsing" in unformatted(notice.toolTip())
    assert window.model.index(window.presenter.index, 11).data() == "⚠ Relapsing"
    cases = len(window.presenter.board.cases)
    assert window.meeting_picker.currentText().endswith(f"({cases} cases)")  # the added case
    checklist = window.tabs.checklist
    assert checklist.title.text() == "<b>Re-review checklist</b>"
    assert checklist.table.accessibleName() == "Re-review checklist"
    assert "reduced regimen" in checklist.overall.text() or "Re-review" in checklist.overall.text()
    panel = window.tabs.decision
    window.tabs.setCurrentWidget(panel)
    assert panel.outcome.itemText(panel.outcome.findData(Outcome.DE_ESCALATE.value)) == FURTHER

    choose(panel, Outcome.RE_ESCALATE)  # step 1: the outcome (target and date proposed)

    assert panel.target.isEnabled()
    assert panel.effective.isEnabled()
    assert (
        panel.target.currentText() == "80 mg every 2 weeks (intensified; before the de-escalation)"
    )
    assert panel.effective.date() == date(2026, 11, 25) + timedelta(days=14)
    assert panel.monitoring_table.plan(), "a regimen change plans its checks"
    assert panel.problem.text() == ""
    panel.rationale.setPlainText("Relapsing 8 weeks after the step down: back to 80 mg.")

    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)  # step 2: save

    assert rows(
        demo_path,
        "SELECT outcome, target_dose, target_interval_days, effective_date FROM decisions "
        "WHERE case_review_id = ?",
        detail.case.id,
    ) == [("re_escalate", 80.0, 14, "2026-12-09")]
    assert rows(
        demo_path,
        "SELECT dose_value, interval_days, start_date FROM medication_periods "
        "WHERE patient_id = ? AND start_date = '2026-12-09'",
        detail.case.patient.id,
    ) == [(80.0, 14, "2026-12-09")]
    assert "Re-escalate" in unformatted(panel.status.text())


def test_a_further_de_escalation_proposes_the_next_reduced_regimen(qtbot, window):
    list_for_rereview(qtbot, window)
    panel = window.tabs.decision
    choose(panel, Outcome.DE_ESCALATE)
    assert panel.target.isEnabled()
    assert panel.target.currentText() == "40 mg every 3 weeks (reduced)"
    options = [panel.target.itemText(i) for i in range(panel.target.count())]
    assert options == ["40 mg every 4 weeks (reduced)", "40 mg every 3 weeks (reduced)", OTHER]
    assert panel.collect().target.interval_days == 21


def test_other_is_a_custom_target_for_either_change(qtbot, window):
    list_for_rereview(qtbot, window)
    panel = window.tabs.decision
    choose(panel, Outcome.RE_ESCALATE)
    panel.target.setCurrentIndex(panel.target.count() - 1)
    assert panel.dose.isEnabled()
    assert panel.interval.isEnabled()
    panel.dose.setValue(40)
    panel.interval.setValue(1)
    panel.rationale.setPlainText("Weekly instead.")
    collected = panel.collect()
    assert (collected.target.dose_value, collected.target.interval_days) == (40.0, 7)


def test_re_escalating_a_patient_not_on_a_reduced_regimen_is_refused_with_the_reason(
    qtbot, window, demo_path
):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10023")  # adalimumab 40 mg weekly: intensified
    panel = window.tabs.decision
    assert panel.outcome.itemText(panel.outcome.findData(Outcome.DE_ESCALATE.value)) == (
        "De-escalate"
    )
    choose(panel, Outcome.RE_ESCALATE)
    assert "not a reduced regimen" in panel.problem.text()
    panel.rationale.setPlainText("Try.")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert "not a reduced regimen" in panel.problem.text()
    assert not rows(demo_path, "SELECT id FROM decisions WHERE case_review_id = ?", detail.case.id)


def test_a_refusal_by_the_service_is_shown_on_the_form(qtbot, window, demo_path):
    act_as(window, NURSE)
    panel = window.tabs.decision
    panel.record_requested.emit(DecisionInput(Outcome.CONTINUE_INTENSIFIED, "A nurse tries"))
    assert "may not" in panel.problem.text()
    assert "may not" in window.statusBar().currentMessage()


def test_a_deferred_case_says_deferred_and_why(qtbot, window, monkeypatch):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10082")
    monkeypatch.setattr(
        "mdt_desktop.views.meeting.decision_panel.QInputDialog.getText",
        lambda *_a, **_k: ("Awaiting the ultrasound of 2 Dec", True),
    )
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.mouseClick(window.tabs.decision.defer_button, Qt.MouseButton.LeftButton)
    row = window.presenter.board.index_of(detail.case.patient.hospital_number)
    decision = window.model.index(row, 10)
    assert decision.data() == "Deferred"
    assert "Awaiting the ultrasound of 2 Dec" in decision.data(Qt.ItemDataRole.ToolTipRole)
    shown = unformatted(window.case_notice.deferral.text())
    assert shown == "Deferred: Awaiting the ultrasound of 2 Dec"
    assert window.case_notice.deferral.isVisible()
    assert "deferred (Awaiting the ultrasound" in unformatted(window.tabs.decision.status.text())


def test_new_actions_and_checks_are_due_by_the_next_meeting(qtbot, window, config):
    act_as(window, CHAIR)
    panel = window.tabs.decision
    meeting = window.presenter.board.meeting.meeting_date  # 25 Nov 2026
    interval = config.thresholds["meeting_interval"].days  # 28 days
    assert (meeting, interval) == (date(2026, 11, 25), 28)
    qtbot.mouseClick(panel.actions_table.add_button, Qt.MouseButton.LeftButton)
    due = panel.actions_table.table.item(0, 2)
    assert due.data(DATE_ROLE) == date(2026, 12, 23)
    assert due.text() == "23 Dec 2026"
    qtbot.mouseClick(panel.monitoring_table.add_button, Qt.MouseButton.LeftButton)
    assert panel.monitoring_table.table.item(0, 1).text() == "23 Dec 2026"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("24 Feb 2027", date(2027, 2, 24)),
        ("24 february 2027", date(2027, 2, 24)),
        ("24/02/2027", date(2027, 2, 24)),
        ("24.2.2027", date(2027, 2, 24)),
        ("2027-02-24", date(2027, 2, 24)),
        ("3 Mar 2027", date(2027, 3, 3)),
        ("24-Feb-2027", date(2027, 2, 24)),
    ],
)
def test_a_whole_typed_date_is_read_as_typed(typed, expected):
    assert parse_typed_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("31 Feb 2027", "February 2027 has 28 days"),
        ("29 Feb 2028x", "type the day, month and year"),
        ("24 Fbr 2027", "'Fbr' is not a month"),
        ("24/13/2027", "there is no month 13"),
        ("24 Feb 27", "type the day, month and year"),
        ("", "no date"),
    ],
)
def test_anything_else_is_refused_with_the_reason(typed, why):
    with pytest.raises(ValidationError, match=why):
        parse_typed_date(typed)


def test_a_typed_date_in_the_form_is_kept_as_typed_or_refused_visibly(qtbot, window, demo_path):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10023")
    panel = window.tabs.decision
    choose(panel, Outcome.DE_ESCALATE)
    edit = panel.effective.edit
    edit.selectAll()
    qtbot.keyClicks(edit, "24 Feb 2027")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert panel.effective.date() == date(2027, 2, 24)
    assert edit.text() == "24 Feb 2027"
    # the review follows: 6 months of 30.4375 days = 183 days later
    assert panel.next_review.date() == date(2027, 8, 26)

    edit.selectAll()
    qtbot.keyClicks(edit, "31 Feb 2027")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert panel.effective.date() is None
    assert edit.text() == "31 Feb 2027", "never silently another date"
    assert "February 2027 has 28 days" in edit.toolTip()
    assert "border" in edit.styleSheet()
    panel.rationale.setPlainText("Deep remission.")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert panel.problem.text().startswith("effective from: '31 Feb 2027' is not a date")
    assert not rows(demo_path, "SELECT id FROM decisions WHERE case_review_id = ?", detail.case.id)


def test_a_typed_due_date_in_the_actions_is_checked_too(qtbot, window, demo_path):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10023")
    panel = window.tabs.decision
    choose(panel, Outcome.CONTINUE_INTENSIFIED)
    qtbot.mouseClick(panel.actions_table.add_button, Qt.MouseButton.LeftButton)
    table = panel.actions_table.table
    table.item(0, 0).setText("Repeat calprotectin")
    table.item(0, 2).setText("3 mar 2027")
    assert table.item(0, 2).text() == "03 Mar 2027"
    table.item(0, 2).setText("30 Feb 2027")
    assert table.item(0, 2).foreground().color().name() == "#a4161a"
    panel.rationale.setPlainText("Not yet.")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert panel.problem.text() == (
        "action 1: due date '30 Feb 2027' is not a date: February 2027 has 28 days"
    )
    assert not rows(demo_path, "SELECT id FROM decisions WHERE case_review_id = ?", detail.case.id)


@pytest.mark.qt_log_ignore("This plugin does not support")  # a popup on the offscreen platform
def test_the_date_field_calendar_and_keys(qtbot):
    field = DateField(date(2026, 12, 7), "Effective from")
    qtbot.addWidget(field)
    field.show()
    changed = []
    field.dateChanged.connect(changed.append)
    field.edit.setFocus()
    qtbot.keyClick(field.edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert field._popup is not None
    assert field._popup.isVisible()
    calendar = field._popup.calendar
    calendar.setFocus()
    qtbot.keyClick(QApplication.focusWidget() or calendar, Qt.Key.Key_Right)
    qtbot.keyClick(QApplication.focusWidget() or calendar, Qt.Key.Key_Right)
    qtbot.keyClick(QApplication.focusWidget() or calendar, Qt.Key.Key_Right)
    qtbot.keyClick(QApplication.focusWidget() or calendar, Qt.Key.Key_Return)
    assert field.date() == date(2026, 12, 10)
    assert changed == [date(2026, 12, 10)]


def test_an_unanswered_manual_item_is_not_said_to_be_answered(qtbot, window, monkeypatch):
    from mdt_desktop.views.meeting.checklist_view import AnswerChoice, AnswerDialog, evidence_text

    act_as(window, CHAIR)
    model = window.checklist.model
    row = next(
        r
        for r in range(model.rowCount())
        if model.answer(r).automatic is ChecklistResult.UNKNOWN
        and model.answer(r).confirmed is None
        and not model.answer(r).evidence
    )
    before = evidence_text(model.answer(row))
    assert "Answered by the team" not in before
    assert "To be answered by the team." in before
    monkeypatch.setattr(
        AnswerDialog,
        "ask",
        classmethod(lambda cls, answer, parent=None: AnswerChoice(ChecklistResult.MET, "Agreed")),
    )
    window.checklist.table.selectRow(row)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        qtbot.mouseClick(window.checklist.answer_button, Qt.MouseButton.LeftButton)
    after = unformatted(evidence_text(model.answer(row)))
    assert "To be answered" not in after
    assert "Team: ✓ Met — Dr Helen Marsh (DEMO)" in after


def test_the_meeting_line_names_the_place(window):
    assert "IBD unit seminar room" in unformatted(window.meeting_summary.text())
