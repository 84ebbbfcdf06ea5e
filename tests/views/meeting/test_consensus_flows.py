"""Recording the consensus in the real window: decisions, annotations, notes and sign-off.

Each test drives the meeting screen with pytest-qt on a copy of the demo database, as the
roster member the flow belongs to, and checks what reached the SQLite file.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import (
    AttendanceStatus,
    DoseUnit,
    Interpretation,
    MeetingStatus,
    Outcome,
)
from mdt_desktop.drafts import DraftStore
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.services.bundle import admin_services, meeting_services
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.common.plain_text import unformatted
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.views.meeting import drug_level_panel
from mdt_desktop.views.meeting.decision_panel import DraftPrompt
from mdt_desktop.views.meeting.drug_level_panel import AnnotationChoice, AnnotationDialog
from mdt_desktop.views.meeting.main_window import MainWindow, ScreenOptions
from mdt_desktop.views.preparation import signoff_dialog
from mdt_desktop.workers import ImmediateRunner

pytestmark = pytest.mark.slow  # whole consensus flows in the main window

CHAIR, NURSE, PHARMACIST, COORDINATOR = "Helen Marsh", "Kate Doyle", "Tom Okafor", "Sam Patel"


def open_window(qtbot, db, config, tmp_path, drafts=None):
    presenter = MeetingPresenter(meeting_services(db, config), ImmediateRunner())
    window = MainWindow(
        presenter,
        config,
        RosterService(db).clinicians(),
        ViewSettings(tmp_path / "settings.ini"),
        ScreenOptions("MDT Desktop — test", str(db.path)),
        admin=admin_services(db, config, tmp_path),
        runner=ImmediateRunner(),
        drafts=drafts,
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    with qtbot.waitSignal(window.case_painted, timeout=10_000):
        window.load()
    return window


def act_as(window, name):
    member = next(c for c in window.roster if name in c.name)
    window.set_user(member.id)
    return member


def go_to(qtbot, window, hospital_number):
    board = window.presenter.board
    index = board.index_of(hospital_number)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.presenter.select_case(index)
    return window.presenter.current


@pytest.fixture
def window(qtbot, demo_db, config, tmp_path):
    return open_window(qtbot, demo_db, config, tmp_path, DraftStore(tmp_path / "drafts"))


def rows(path, sql, *args):
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, args).fetchall()


# --- decision entry --------------------------------------------------------------------------


def test_the_chair_records_a_de_escalation_that_starts_a_new_medication_period(
    qtbot, window, demo_path
):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10023")  # adalimumab 40 mg weekly, in remission
    panel = window.tabs.decision
    window.tabs.setCurrentWidget(panel)
    assert panel.record_button.isEnabled()
    assert detail.overall.value == "met"  # objective remission met, and still nothing chosen
    assert panel.outcome.currentData() is None, "the chair chooses: no outcome is pre-selected"
    assert not panel.monitoring_table.plan()
    assert not panel.actions_table.entered()
    panel.outcome.setFocus()
    qtbot.keyClick(panel.outcome, Qt.Key.Key_Down)  # the first outcome below the prompt
    assert Outcome(panel.outcome.currentData()) is Outcome.DE_ESCALATE
    assert panel.target.currentText().startswith("40 mg every 2 weeks")  # the standard regimen
    assert panel.monitoring_table.plan(), "choosing De-escalate fills the plan from the template"
    assert panel.actions_table.entered(), "actions are proposed with owners from the roster"
    qtbot.keyClicks(panel.rationale, "Deep remission for 12 months; trough above band.")
    qtbot.keyClicks(panel.dissent, "None.")

    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)

    effective = detail.meeting_date + timedelta(days=14)
    decision = rows(
        demo_path,
        "SELECT outcome, rationale, dissent, effective_date FROM decisions d "
        "JOIN case_reviews c ON c.id = d.case_review_id WHERE c.id = ?",
        detail.case.id,
    )
    assert decision == [
        (
            "de_escalate",
            "Deep remission for 12 months; trough above band.",
            "None.",
            effective.isoformat(),
        )
    ]
    period = rows(
        demo_path,
        "SELECT dose_value, interval_days, start_date, decision_id FROM medication_periods "
        "WHERE patient_id = ? AND start_date = ?",
        detail.case.patient.id,
        effective.isoformat(),
    )
    assert len(period) == 1
    assert period[0][:3] == (40.0, 14, effective.isoformat())
    audited = rows(
        demo_path,
        "SELECT action, actor FROM audit_events WHERE entity = 'decision' AND entity_id = ?",
        period[0][3],
    )
    assert audited == [("create", "Dr Helen Marsh (DEMO)")]
    shown = window.presenter.current
    assert shown.case.decision.outcome is Outcome.DE_ESCALATE
    assert "Decision by Dr Helen Marsh" in unformatted(panel.status.text())
    assert panel.record_button.text() == "Change decision"
    assert window.model.detail(window.presenter.index).case.status.value == "discussed"
    assert "1 decided" in window.meeting_summary.text()


def test_saving_without_an_outcome_is_refused_and_nothing_is_written(qtbot, window, demo_path):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10023")
    panel = window.tabs.decision
    assert panel.outcome.currentData() is None
    qtbot.keyClicks(panel.rationale, "Deep remission.")

    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)

    assert panel.problem.text().startswith("outcome: choose one")
    assert panel.outcome.hasFocus(), "the keyboard is taken to the outcome"
    assert not rows(demo_path, "SELECT id FROM decisions WHERE case_review_id = ?", detail.case.id)


def test_an_invalid_decision_is_explained_and_nothing_is_written(qtbot, window, demo_path):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10118")
    panel = window.tabs.decision
    panel.outcome.setCurrentIndex(panel.outcome.findData(Outcome.CONTINUE_INTENSIFIED.value))

    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)  # no rationale

    assert "rationale" in panel.problem.text().lower()
    assert not rows(demo_path, "SELECT id FROM decisions WHERE case_review_id = ?", detail.case.id)


@pytest.mark.parametrize("who", [NURSE, PHARMACIST, COORDINATOR, "Fiona Gallagher"])
def test_only_the_meetings_chair_may_record_and_the_form_says_why(qtbot, window, who):
    act_as(window, who)
    panel = window.tabs.decision
    assert not panel.record_button.isEnabled()
    assert not panel.rationale.isEnabled()
    reason = panel.record_button.toolTip()
    assert "chair" in reason.lower() or "may not" in reason


def test_the_services_refuse_a_decision_that_slips_past_the_form(qtbot, window, demo_path):
    act_as(window, NURSE)  # the button is disabled; call the presenter directly
    detail = window.presenter.current
    errors = []
    window.presenter.error_reported.connect(errors.append)
    window._options = ScreenOptions("t", "t", quiet=True)
    window.presenter.record_decision(
        DecisionInput(outcome=Outcome.CONTINUE_INTENSIFIED, rationale="Nurse tries")
    )
    assert len(errors) == 1
    assert "may not" in errors[0]
    assert not rows(demo_path, "SELECT id FROM decisions WHERE case_review_id = ?", detail.case.id)


def test_a_custom_target_regimen_is_taken_from_dose_and_interval(qtbot, window, demo_path):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10084")  # infliximab 10 mg/kg every 8 weeks
    panel = window.tabs.decision
    panel.outcome.setCurrentIndex(panel.outcome.findData(Outcome.DE_ESCALATE.value))
    panel.target.setCurrentIndex(panel.target.count() - 1)  # other…
    assert panel.dose.isEnabled()
    assert panel.interval.isEnabled()
    panel.dose.setValue(7.5)
    panel.interval.setValue(8)
    qtbot.keyClicks(panel.rationale, "Step down gradually.")
    collected = panel.collect()
    assert collected.target is not None
    assert (collected.target.dose_value, collected.target.dose_unit) == (7.5, DoseUnit.MG_PER_KG)
    assert collected.target.interval_days == 56

    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)

    assert rows(
        demo_path,
        "SELECT dose_value, interval_days FROM medication_periods WHERE decision_id = "
        "(SELECT id FROM decisions WHERE case_review_id = ?)",
        detail.case.id,
    ) == [(7.5, 56)]


def test_deferring_a_case_asks_why_and_marks_it_deferred(qtbot, window, demo_path, monkeypatch):
    act_as(window, CHAIR)
    detail = go_to(qtbot, window, "DEMO10082")
    monkeypatch.setattr(
        "mdt_desktop.views.meeting.decision_panel.QInputDialog.getText",
        lambda *_a, **_k: ("Awaiting ultrasound", True),
    )
    qtbot.mouseClick(window.tabs.decision.defer_button, Qt.MouseButton.LeftButton)
    assert rows(demo_path, "SELECT status FROM case_reviews WHERE id = ?", detail.case.id) == [
        ("deferred",)
    ]
    assert "deferred" in window.tabs.decision.status.text()


# --- annotation --------------------------------------------------------------------------------


def trough_point(window):
    canvas = window.plots
    return next(p for p in canvas.hover_points if p.observation_id is not None)


def click_plot_point(qtbot, window, point):
    canvas = window.plots
    panel = canvas.axes.panels()[point.axes_index]
    x, y = panel.transData.transform((point.x, point.y))
    ratio = canvas.canvas.devicePixelRatioF()
    height = canvas.figure.bbox.height
    where = QPoint(round(x / ratio), round((height - y) / ratio))
    qtbot.mouseClick(canvas.canvas, Qt.MouseButton.LeftButton, pos=where)


def test_the_pharmacist_annotates_a_trough_picked_on_the_plot_and_edits_keep_history(
    qtbot, window, demo_path, monkeypatch
):
    act_as(window, PHARMACIST)
    point = trough_point(window)
    levels = window.tabs.levels
    assert levels.annotate_button.isEnabled()

    click_plot_point(qtbot, window, point)

    assert window.tabs.currentWidget() is levels
    obs, _previous = levels.model.row(levels.table.currentIndex().row())
    assert obs.id == point.observation_id
    asked = []

    def answer(obs, suggested, previous, parent=None, **_drafts):
        asked.append((obs.id, suggested, previous))
        n = len(asked)
        return AnnotationChoice(Interpretation.ABOVE_TARGET, f"Comment {n}", f"Advice {n}")

    monkeypatch.setattr(AnnotationDialog, "ask", staticmethod(answer))
    qtbot.mouseClick(levels.annotate_button, Qt.MouseButton.LeftButton)
    first_id = rows(
        demo_path,
        "SELECT id FROM drug_level_annotations WHERE observation_id = ? AND comment = 'Comment 1'",
        obs.id,
    )[0][0]
    assert levels.model.row(levels.table.currentIndex().row())[1].comment == "Comment 1"
    assert "Comment 1" in levels.model.data(
        levels.model.index(levels.table.currentIndex().row(), 0), Qt.ItemDataRole.ToolTipRole
    )

    levels.select_observation(obs.id)
    qtbot.mouseClick(levels.annotate_button, Qt.MouseButton.LeftButton)  # a revision

    assert asked[1][2].id == first_id  # the dialog starts from the previous version
    versions = rows(
        demo_path,
        "SELECT comment, supersedes_id FROM drug_level_annotations "
        "WHERE observation_id = ? ORDER BY id",
        obs.id,
    )
    assert versions[-2:] == [("Comment 1", None), ("Comment 2", first_id)]
    levels.select_observation(obs.id)
    assert "(superseded)" in levels.history.text()
    assert "Comment 2" in levels.history.text()
    marked = [p for p in window.plots.hover_points if "Comment 2" in p.text]
    assert marked, "the plot shows the current annotation in the trough's tooltip"


def test_only_the_pharmacist_may_annotate(qtbot, window, monkeypatch):
    act_as(window, CHAIR)
    levels = window.tabs.levels
    assert not levels.annotate_button.isEnabled()
    assert "may not" in levels.annotate_button.toolTip()
    monkeypatch.setattr(
        AnnotationDialog, "ask", staticmethod(lambda *a, **k: pytest.fail("dialog opened"))
    )
    levels.table.doubleClicked.emit(levels.model.index(0, 0))


# --- notes and actions ---------------------------------------------------------------------------


def test_a_nurse_adds_a_note_and_the_box_is_cleared(qtbot, window, demo_path):
    act_as(window, NURSE)
    notes = window.tabs.notes
    detail = window.presenter.current
    qtbot.keyClicks(notes.text, "Patient prefers Friday infusions.")
    qtbot.mouseClick(notes.add_button, Qt.MouseButton.LeftButton)
    assert rows(demo_path, "SELECT text FROM case_notes WHERE case_review_id = ?", detail.case.id)[
        -1
    ] == ("Patient prefers Friday infusions.",)
    assert notes.text.toPlainText() == ""
    assert "Patient prefers Friday infusions." in notes.notes.item(notes.notes.count() - 1).text()


# --- sign-off ----------------------------------------------------------------------------------


def decide_all_but_one(window, chair_id):
    services = window.presenter.services
    actor = Actor(chair_id, "Dr Helen Marsh (DEMO)")
    for detail in window.presenter.board.cases[1:]:
        services.decisions.record(
            detail.case.id,
            DecisionInput(outcome=Outcome.CONTINUE_INTENSIFIED, rationale="Not yet."),
            actor,
        )


def record_attendance(window):
    """The coordinator marks the chair and a nurse present, the pharmacist sent apologies."""
    coordinator = next(c for c in window.roster if COORDINATOR in c.name)
    statuses = {
        c.id: AttendanceStatus.APOLOGIES if PHARMACIST in c.name else AttendanceStatus.PRESENT
        for c in window.roster
        if any(name in c.name for name in (CHAIR, NURSE, PHARMACIST))
    }
    window._admin.meeting_admin.set_attendance(
        window.presenter.board.meeting.id, statuses, Actor(coordinator.id, coordinator.name)
    )


def test_the_chair_signs_off_only_when_every_case_is_decided_then_all_is_locked(
    qtbot, window, demo_path, monkeypatch
):
    chair = act_as(window, CHAIR)
    decide_all_but_one(window, chair.id)
    shown = []

    def confirm(title, readiness, parent=None):
        shown.append(readiness)
        return readiness.ready

    monkeypatch.setattr(signoff_dialog.SignOffDialog, "ask", staticmethod(confirm))
    window.sign_off_action.trigger()
    assert not shown[0].ready
    assert any("pharmacist" in w.lower() for w in shown[0].quorum.warnings)
    meeting_id = window.presenter.board.meeting.id
    assert rows(demo_path, "SELECT status FROM meetings WHERE id = ?", meeting_id) != [
        ("signed_off",)
    ]

    assert "Attendance has not been recorded." in shown[0].problems
    record_attendance(window)
    panel = window.tabs.decision
    go_to(qtbot, window, window.presenter.board.cases[0].case.patient.hospital_number)
    panel.outcome.setCurrentIndex(panel.outcome.findData(Outcome.CONTINUE_INTENSIFIED.value))
    qtbot.keyClicks(panel.rationale, "Remission on every measure.")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.sign_off_action.trigger()

    assert shown[1].ready
    assert shown[1].quorum.warnings == ("No pharmacist is present.",)
    assert rows(demo_path, "SELECT status FROM meetings WHERE id = ?", meeting_id) == [
        ("signed_off",)
    ]
    assert window.presenter.board.meeting.status is MeetingStatus.SIGNED_OFF
    assert "signed off by Dr Helen Marsh" in unformatted(window.meeting_summary.text())
    assert not panel.record_button.isVisible() or not panel.record_button.isEnabled()
    assert panel.amend_button.isEnabled()
    act_as(window, PHARMACIST)
    assert not window.tabs.levels.annotate_button.isEnabled()
    assert "signed off" in window.tabs.levels.annotate_button.toolTip()
    act_as(window, NURSE)
    assert not window.tabs.notes.add_button.isEnabled()
    assert not window.checklist.answer_button.isEnabled()
    with pytest.raises(sqlite3.DatabaseError, match="signed-off MDT meeting"):
        rows(
            demo_path,
            "UPDATE decisions SET rationale = 'edited' WHERE id IN "
            "(SELECT d.id FROM decisions d JOIN case_reviews c ON c.id = d.case_review_id "
            "WHERE c.meeting_id = ?)",
            meeting_id,
        )


def test_after_sign_off_the_chair_amends_with_a_reason(qtbot, window, demo_path, monkeypatch):
    chair = act_as(window, CHAIR)
    window.presenter.services.decisions.record(
        window.presenter.current.case.id,
        DecisionInput(outcome=Outcome.CONTINUE_INTENSIFIED, rationale="First view."),
        Actor(chair.id, chair.name),
    )
    decide_all_but_one(window, chair.id)
    record_attendance(window)
    window.presenter.services.signoff.sign_off(
        window.presenter.board.meeting.id, Actor(chair.id, chair.name)
    )
    with qtbot.waitSignal(window.case_painted, timeout=5_000):
        window.presenter.reload()
    panel = window.tabs.decision
    assert panel.amend_button.isEnabled()
    assert not panel.rationale.isEnabled(), "read-only until the chair chooses Amend…"
    qtbot.mouseClick(panel.amend_button, Qt.MouseButton.LeftButton)
    assert panel.rationale.isEnabled()
    assert panel.amend_button.text() == "Save amendment…"
    qtbot.mouseClick(panel.cancel_amend_button, Qt.MouseButton.LeftButton)
    assert not panel.rationale.isEnabled()
    assert panel.rationale.toPlainText() == "First view."
    qtbot.mouseClick(panel.amend_button, Qt.MouseButton.LeftButton)
    monkeypatch.setattr(
        "mdt_desktop.views.meeting.decision_panel.AmendmentPrompt.ask",
        staticmethod(lambda parent: "Trough result arrived after the meeting"),
    )
    panel.rationale.setPlainText("Trough 9.1: de-escalation is safe after all.")
    panel.outcome.setCurrentIndex(panel.outcome.findData(Outcome.DE_ESCALATE.value))
    panel.target.setCurrentIndex(0)

    qtbot.mouseClick(panel.amend_button, Qt.MouseButton.LeftButton)

    case_id = window.presenter.current.case.id
    versions = rows(
        demo_path,
        "SELECT outcome, amends_id IS NOT NULL, amendment_reason FROM decisions "
        "WHERE case_review_id = ? ORDER BY id",
        case_id,
    )
    assert versions == [
        ("continue_intensified", 0, ""),
        ("de_escalate", 1, "Trough result arrived after the meeting"),
    ]
    assert "Amended: Trough result arrived" in unformatted(panel.status.text())
    assert rows(
        demo_path,
        "SELECT count(*) FROM medication_periods WHERE decision_id = "
        "(SELECT max(id) FROM decisions WHERE case_review_id = ?)",
        case_id,
    ) == [(1,)], "the amended de-escalation starts its medication period"


# --- drafts ------------------------------------------------------------------------------------


def test_typed_rationale_is_kept_as_a_draft_within_two_seconds_and_offered_back(
    qtbot, demo_db, demo_path, config, tmp_path, monkeypatch
):
    store = DraftStore(tmp_path / "drafts")
    first = open_window(qtbot, demo_db, config, tmp_path, store)
    act_as(first, CHAIR)
    key = first.tabs.draft_key("decision")
    qtbot.keyClicks(first.tabs.decision.rationale, "Half-typed thought")
    qtbot.waitUntil(lambda: store.load(key) is not None, timeout=2_000)
    assert store.load(key).fields["rationale"] == "Half-typed thought"
    first.close()  # as if the program had stopped: nothing was saved to the database

    offered = []
    monkeypatch.setattr(
        DraftPrompt, "ask", staticmethod(lambda parent, when: offered.append(when) or True)
    )
    second = open_window(qtbot, demo_db, config, tmp_path, store)
    second.set_user(None)
    act_as(second, CHAIR)
    with qtbot.waitSignal(second.case_painted, timeout=5_000):
        second.presenter.select_case(0)
    assert offered
    assert second.tabs.decision.rationale.toPlainText() == "Half-typed thought"
    outcome = second.tabs.decision.outcome
    outcome.setCurrentIndex(outcome.findData(Outcome.CONTINUE_INTENSIFIED.value))

    qtbot.mouseClick(second.tabs.decision.record_button, Qt.MouseButton.LeftButton)
    assert store.load(key) is None, "a saved decision forgets its draft"


def test_a_declined_draft_is_discarded(qtbot, window, monkeypatch):
    act_as(window, CHAIR)
    store = window._drafts
    key = window.tabs.draft_key("decision")
    store.save(key, {"rationale": "old", "dissent": ""})
    monkeypatch.setattr(DraftPrompt, "ask", staticmethod(lambda parent, when: False))
    window.tabs.offer_drafts()
    assert store.load(key) is None
    assert window.tabs.decision.rationale.toPlainText() == ""


def test_the_annotation_dialog_starts_from_the_suggested_interpretation(qtbot, window):
    levels = window.tabs.levels
    obs, _previous = levels.model.row(0)
    suggested = drug_level_panel.suggested_interpretation(obs, window._config.thresholds)
    dialog = AnnotationDialog(obs, suggested, None)
    qtbot.addWidget(dialog)
    assert Interpretation(dialog.interpretation.currentData()) is suggested


def test_annotation_text_is_kept_as_a_draft_and_restored_when_the_dialog_reopens(
    qtbot, window, tmp_path
):
    store = DraftStore(tmp_path / "annotation-drafts")
    obs, previous = window.tabs.levels.model.row(0)
    first = AnnotationDialog(
        obs, Interpretation.WITHIN_TARGET, previous, draft_key="k", drafts=store
    )
    qtbot.addWidget(first)
    qtbot.keyClicks(first.comment, "Trough stable")
    qtbot.waitUntil(lambda: store.load("k") is not None, timeout=2_000)

    again = AnnotationDialog(
        obs, Interpretation.WITHIN_TARGET, previous, draft_key="k", drafts=store
    )
    qtbot.addWidget(again)
    assert again.comment.toPlainText() == first.comment.toPlainText()
    assert "Trough stable" in again.comment.toPlainText()
    assert "not saved" in again.restored.text()
    again.reject()
    assert store.load("k") is None, "cancelling forgets the draft"
