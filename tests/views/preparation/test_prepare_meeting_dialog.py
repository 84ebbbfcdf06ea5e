"""Preparing a meeting on the demo database: candidates, suggestions, chair, attendance, quorum."""

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from sqlalchemy import select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus, Role
from mdt_desktop.domain.rereview import RereviewTag
from mdt_desktop.models import CaseReviewRow, MeetingRow, PatientRow
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.common.display import BAD, GOOD, HIGH, css
from mdt_desktop.views.meeting.candidate_table_model import CandidateTableModel
from mdt_desktop.views.meeting.rereview_tag import TAG_COLOUR, TAG_TINT
from mdt_desktop.views.preparation.candidate_models import (
    CandidateListModel,
    SuggestionTableModel,
)
from mdt_desktop.views.preparation.new_meeting_dialog import (
    HospitalNumberDialog,
    NewMeetingDialog,
    last_wednesday_of_next_month,
)
from mdt_desktop.views.preparation.prepare_meeting_dialog import NOT_ALLOWED, PrepareMeetingDialog
from mdt_desktop.workers import ImmediateRunner

pytestmark = pytest.mark.slow  # the preparation dialog over the demo meeting


def member_of(db, role):
    return next(c for c in RosterService(db).clinicians() if c.role is role)


def make_dialog(qtbot, db, config, month, clinician, *, can_edit=True):
    meetings = MeetingService(db, config)
    actor = Actor(clinician.id, clinician.name) if clinician else None
    dialog = PrepareMeetingDialog(
        MeetingAdminService(db, config),
        meetings,
        RosterService(db).clinicians(),
        meetings.find_id(month),
        actor,
        can_edit,
        ImmediateRunner(),
    )
    qtbot.addWidget(dialog)
    return dialog


@pytest.fixture
def coordinator(demo_db):
    return member_of(demo_db, Role.COORDINATOR)


@pytest.fixture
def dialog(qtbot, demo_db, config, coordinator):
    return make_dialog(qtbot, demo_db, config, "2026-11", coordinator)


def listed(dialog):
    model = dialog.candidate_model
    return [model.case(r).patient.hospital_number for r in range(model.rowCount())]


def unlisted_number(dialog):
    on_list = set(listed(dialog))
    return next(f"DEMO{n}" for n in range(10001, 10121) if f"DEMO{n}" not in on_list)


def type_number(monkeypatch, number):
    monkeypatch.setattr(HospitalNumberDialog, "ask", classmethod(lambda cls, parent=None: number))


def stored(db, config, month):
    meetings = MeetingService(db, config)
    return meetings.get(meetings.find_id(month))


def test_shows_the_planned_meeting(dialog, demo_db, config):
    meeting = stored(demo_db, config, "2026-11")
    assert listed(dialog) == [c.patient.hospital_number for c in meeting.cases]
    assert "25 November 2026" in dialog.summary.text()
    assert "planned" in dialog.summary.text()
    assert dialog.current_chair.text() == meeting.chair
    assert dialog.chair_combo.currentText() == meeting.chair
    assert not dialog.notice.isVisible()
    assert dialog.candidate_model.index(0, 3).data() == "Pending"


def test_coordinator_adds_moves_and_removes_a_candidate(
    qtbot, dialog, demo_db, config, monkeypatch
):
    before = listed(dialog)
    number = unlisted_number(dialog)
    type_number(monkeypatch, number)
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert listed(dialog) == [*before, number]
    assert dialog.selected_case().patient.hospital_number == number
    assert f"Added {number}" in dialog.problem.text()

    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.up_button, Qt.MouseButton.LeftButton)
    assert listed(dialog) == [*before[:-1], number, before[-1]]
    assert dialog.selected_case().position == len(before)

    with qtbot.waitSignal(dialog.changed):
        qtbot.keyClick(dialog.candidates, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert listed(dialog) == [*before, number]
    with qtbot.waitSignal(dialog.changed):
        qtbot.keyClick(dialog.candidates, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert listed(dialog)[-2] == number

    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert listed(dialog) == before
    assert [c.patient.hospital_number for c in stored(demo_db, config, "2026-11").cases] == before


def test_move_buttons_follow_the_ends_of_the_list(dialog):
    dialog.candidates.selectRow(0)
    assert not dialog.up_button.isEnabled()
    assert dialog.down_button.isEnabled()
    dialog.candidates.selectRow(dialog.candidate_model.rowCount() - 1)
    assert dialog.up_button.isEnabled()
    assert not dialog.down_button.isEnabled()


def test_an_unknown_hospital_number_is_reported(qtbot, dialog, monkeypatch):
    type_number(monkeypatch, "NOPE-1")
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.text() == "No patient with hospital number 'NOPE-1'."
    assert css(BAD) in dialog.problem.styleSheet()


def test_typed_text_is_shown_as_text_never_as_markup(qtbot, dialog, monkeypatch):
    type_number(monkeypatch, "<b>NOPE</b>")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.textFormat() is Qt.TextFormat.PlainText
    assert dialog.problem.text() == "No patient with hospital number '<b>NOPE</b>'."
    assert dialog.current_chair.textFormat() is Qt.TextFormat.PlainText


def test_a_number_typed_in_lower_case_is_found_and_a_second_listing_is_warned(
    qtbot, demo_db, config, coordinator, monkeypatch
):
    # DEMO10076 is put on the 25 Nov list, then typed "demo10076" on a new 30 Dec meeting:
    # added (not refused), with an amber warning naming the other meeting.
    actor = Actor(coordinator.id, coordinator.name)
    admin = MeetingAdminService(demo_db, config)
    admin.add_candidate(MeetingService(demo_db, config).find_id("2026-11"), "DEMO10076", actor)
    chair = member_of(demo_db, Role.IBD_CONSULTANT)
    admin.create_meeting(date(2026, 12, 30), chair.id, actor)
    december = make_dialog(qtbot, demo_db, config, "2026-12", coordinator)
    type_number(monkeypatch, "demo10076")
    with qtbot.waitSignal(december.changed):
        qtbot.mouseClick(december.add_button, Qt.MouseButton.LeftButton)
    assert listed(december)[-1] == "DEMO10076"
    assert december.problem.text() == (
        "Added demo10076 to the end of the list. demo10076 is also on the list of the MDT of "
        "25 Nov 2026: check that both listings are meant."
    )
    assert css(HIGH) in december.problem.styleSheet()


def test_suggestions_are_found_and_added(qtbot, dialog, demo_db, config):
    assert dialog.suggestion_model.rowCount() > 0
    assert "meet the criteria" in dialog.suggestion_status.text()
    assert not dialog.add_suggested_button.isEnabled()  # nothing selected yet
    first = dialog.suggestion_model.suggestion(0)
    dialog.suggested.selectRow(0)
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.add_suggested_button, Qt.MouseButton.LeftButton)
    number = first.patient.hospital_number
    assert listed(dialog)[-1] == number
    shown = {
        dialog.suggestion_model.suggestion(r).patient.hospital_number
        for r in range(dialog.suggestion_model.rowCount())
    }
    assert number not in shown
    case = stored(demo_db, config, "2026-11").cases[-1]
    assert case.patient.hospital_number == number


def test_suggestions_show_a_busy_indicator_while_they_load(qtbot, demo_db, config, coordinator):
    class Deferred:
        def __init__(self):
            self.pending = []

        def submit(self, work, on_done, on_error):
            self.pending.append((work, on_done, on_error))

        def run_all(self):
            while self.pending:
                work, on_done, _on_error = self.pending.pop(0)
                on_done(work())

    runner = Deferred()
    meetings = MeetingService(demo_db, config)
    dialog = PrepareMeetingDialog(
        MeetingAdminService(demo_db, config),
        meetings,
        RosterService(demo_db).clinicians(),
        meetings.find_id("2026-11"),
        Actor(coordinator.id, coordinator.name),
        True,
        runner,
    )
    qtbot.addWidget(dialog)
    assert dialog.suggestion_status.text() == "Finding suggestions…"
    assert dialog.summary.text() == "Loading the meeting…"
    with qtbot.waitSignal(dialog.suggestions_loaded):
        runner.run_all()
    assert dialog.suggestion_model.rowCount() > 0


def test_coordinator_sets_the_chair(qtbot, dialog, demo_db, config):
    current = dialog.current_chair.text()
    other = next(
        c
        for c in RosterService(demo_db).clinicians()
        if c.name != current and c.role is Role.IBD_CONSULTANT
    )
    dialog.tabs.setCurrentIndex(1)
    dialog.chair_combo.setCurrentIndex(dialog.chair_combo.findData(other.id))
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.set_chair_button, Qt.MouseButton.LeftButton)
    assert dialog.current_chair.text() == other.name
    assert stored(demo_db, config, "2026-11").chair == other.name


def test_attendance_and_the_live_quorum_line(qtbot, dialog, demo_db, config):
    consultant = member_of(demo_db, Role.IBD_CONSULTANT)
    pharmacist = member_of(demo_db, Role.PHARMACIST)
    nurse = member_of(demo_db, Role.IBD_NURSE)
    line = dialog.quorum_line
    assert "⚠ No IBD consultant is present." in line.text()
    assert "⚠ No pharmacist is present." in line.text()
    assert css(BAD) in line.styleSheet()

    dialog.attendance.choose(consultant.id, AttendanceStatus.PRESENT)
    assert "consultant" not in line.text()
    assert "⚠ No pharmacist is present." in line.text()
    assert dialog.unsaved.text() == "Not saved yet"
    qtbot.mouseClick(
        dialog.attendance.button(pharmacist.id, AttendanceStatus.PRESENT), Qt.MouseButton.LeftButton
    )
    dialog.attendance.choose(nurse.id, AttendanceStatus.APOLOGIES)
    assert line.text() == "✓ Quorate: an IBD consultant and a pharmacist are present."
    assert css(GOOD) in line.styleSheet()

    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.save_attendance_button, Qt.MouseButton.LeftButton)
    assert dialog.unsaved.text() == ""
    attendance = {a.clinician_id: a.status for a in stored(demo_db, config, "2026-11").attendance}
    assert attendance == {
        consultant.id: AttendanceStatus.PRESENT,
        pharmacist.id: AttendanceStatus.PRESENT,
        nurse.id: AttendanceStatus.APOLOGIES,
    }
    assert "2 present" in dialog.summary.text()

    dialog.attendance.choose(nurse.id, None)  # clearing an entry removes it
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.save_attendance_button, Qt.MouseButton.LeftButton)
    assert nurse.id not in {a.clinician_id for a in stored(demo_db, config, "2026-11").attendance}


def test_a_signed_off_meeting_shows_its_data_but_refuses_changes(
    qtbot, demo_db, config, coordinator, monkeypatch
):
    dialog = make_dialog(qtbot, demo_db, config, "2026-10", coordinator)
    meeting = stored(demo_db, config, "2026-10")
    assert meeting.status is MeetingStatus.SIGNED_OFF
    assert listed(dialog) == [c.patient.hospital_number for c in meeting.cases]
    assert "signed off" in dialog.summary.text()
    assert "signed off" in dialog.notice.text()
    assert dialog.attendance.statuses()[meeting.attendance[0].clinician_id] is (
        meeting.attendance[0].status
    )
    dialog.candidates.selectRow(0)
    type_number(monkeypatch, unlisted_number(dialog))
    with qtbot.assertNotEmitted(dialog.changed):
        for button in (
            dialog.add_button,
            dialog.remove_button,
            dialog.down_button,
            dialog.set_chair_button,
            dialog.save_attendance_button,
        ):
            dialog.problem.clear()
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            assert "signed off" in dialog.problem.text(), button.text()
    assert listed(dialog) == [c.patient.hospital_number for c in meeting.cases]


def test_a_nurse_sees_everything_read_only(qtbot, demo_db, config):
    nurse = member_of(demo_db, Role.IBD_NURSE)
    dialog = make_dialog(qtbot, demo_db, config, "2026-11", nurse, can_edit=False)
    dialog.candidates.selectRow(1)
    dialog.suggested.selectRow(0)
    assert dialog.candidate_model.rowCount() > 0
    for button in (
        dialog.add_button,
        dialog.remove_button,
        dialog.up_button,
        dialog.down_button,
        dialog.add_suggested_button,
        dialog.set_chair_button,
        dialog.save_attendance_button,
    ):
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == NOT_ALLOWED
    assert not dialog.chair_combo.isEnabled()
    radio = dialog.attendance.button(nurse.id, AttendanceStatus.PRESENT)
    assert not radio.isEnabled()
    assert radio.toolTip() == NOT_ALLOWED
    assert dialog.notice.text() == NOT_ALLOWED


def test_models_honour_the_qt_contract(qtmodeltester, demo_db, config):
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id("2026-11")
    cases = CandidateListModel()
    cases.set_cases(meetings.get(meeting_id).cases)
    qtmodeltester.check(cases)
    suggestions = SuggestionTableModel()
    suggestions.set_suggestions(MeetingAdminService(demo_db, config).suggestions(meeting_id))
    qtmodeltester.check(suggestions)


# --- planning a meeting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 24), date(2026, 12, 30)),
        (date(2026, 12, 1), date(2027, 1, 27)),
        (date(2026, 8, 31), date(2026, 9, 30)),
    ],
)
def test_default_date_is_the_last_wednesday_of_next_month(today, expected):
    assert last_wednesday_of_next_month(today) == expected
    assert expected.weekday() == 2


def test_new_meeting_dialog_defaults(qtbot, demo_db):
    roster = RosterService(demo_db).clinicians()
    dialog = NewMeetingDialog(roster, today=date(2026, 11, 24))
    qtbot.addWidget(dialog)
    assert dialog.chosen_date() == date(2026, 12, 30)
    assert dialog.weekday.text() == "Wednesday"
    consultants = [c.name for c in roster if c.role is Role.IBD_CONSULTANT]
    assert [dialog.chair.itemText(i) for i in range(dialog.chair.count())] == consultants
    dialog.date.setDate(QDate(2026, 12, 29))
    assert "not the usual Wednesday" in dialog.weekday.text()


def test_new_meeting_ask_returns_the_choices_and_they_plan_a_meeting(
    qtbot, demo_db, config, monkeypatch, coordinator
):
    roster = RosterService(demo_db).clinicians()
    chair = [c for c in roster if c.role is Role.IBD_CONSULTANT][-1]

    def fill_in(dialog):
        qtbot.addWidget(dialog)
        dialog.date.setDate(QDate(2027, 1, 27))
        dialog.chair.setCurrentIndex(dialog.chair.findData(chair.id))
        qtbot.keyClicks(dialog.location, " Seminar room 2 ")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        return dialog.result()

    monkeypatch.setattr(NewMeetingDialog, "exec", fill_in)
    choice = NewMeetingDialog.ask(roster)
    assert choice == (date(2027, 1, 27), chair.id, "Seminar room 2")
    admin = MeetingAdminService(demo_db, config)
    admin.create_meeting(*choice[:2], Actor(coordinator.id, coordinator.name), location=choice[2])
    planned = MeetingService(demo_db, config).find("2027-01")
    assert (planned.chair, planned.status) == (chair.name, MeetingStatus.PLANNED)


def test_new_meeting_ask_cancelled(qtbot, demo_db, monkeypatch):
    def cancel(dialog):
        qtbot.addWidget(dialog)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        return dialog.result()

    monkeypatch.setattr(NewMeetingDialog, "exec", cancel)
    assert NewMeetingDialog.ask(RosterService(demo_db).clinicians()) is None


def test_new_meeting_needs_a_consultant(qtbot, demo_db):
    nurses = [c for c in RosterService(demo_db).clinicians() if c.role is Role.IBD_NURSE]
    dialog = NewMeetingDialog(nurses)
    qtbot.addWidget(dialog)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert "no active IBD consultant" in dialog.problem.text()
    assert dialog.values() is None
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_unsaved_attendance_survives_other_changes(qtbot, dialog, demo_db):
    pharmacist = member_of(demo_db, Role.PHARMACIST)
    dialog.attendance.choose(pharmacist.id, AttendanceStatus.PRESENT)
    dialog.candidates.selectRow(0)
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.down_button, Qt.MouseButton.LeftButton)
    assert dialog.attendance.statuses()[pharmacist.id] is AttendanceStatus.PRESENT
    assert dialog.unsaved.text() == "Not saved yet"
    assert "No pharmacist" not in dialog.quorum_line.text()


def test_removing_a_case_with_answers_asks_first(qtbot, dialog, monkeypatch):
    row = next(
        r
        for r in range(dialog.candidate_model.rowCount())
        if any(a.confirmed is not None for a in dialog.candidate_model.case(r).checklist)
    )
    number = dialog.candidate_model.case(row).patient.hospital_number
    questions = []
    monkeypatch.setattr(dialog, "confirm", lambda text: questions.append(text) or False)
    dialog.candidates.selectRow(row)
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert number in listed(dialog)
    assert "checklist answer" in questions[0]
    monkeypatch.setattr(dialog, "confirm", lambda text: True)
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert number not in listed(dialog)


# --- re-review after de-escalation ---------------------------------------------------------------


@pytest.fixture
def december_dialog(qtbot, demo_db, config, coordinator):
    """The dialog of a meeting planned on 30 Dec 2026 (seed 7: three patients due back)."""
    chair = member_of(demo_db, Role.IBD_CONSULTANT)
    MeetingAdminService(demo_db, config).create_meeting(
        date(2026, 12, 30), chair.id, Actor(coordinator.id, coordinator.name)
    )
    return make_dialog(qtbot, demo_db, config, "2026-12", coordinator)


def rereview_rows(dialog):
    model = dialog.rereview_model
    return [
        tuple(model.index(row, column).data() for column in (0, 1))
        for row in range(model.rowCount())
    ]


def test_re_reviews_are_listed_with_their_tags_and_ticked(december_dialog):
    dialog = december_dialog
    assert rereview_rows(dialog) == [
        ("⚠ Relapsing", "DEMO10017"),
        ("⚠ Relapsing", "DEMO10076"),
        ("? Data missing", "DEMO10073"),
    ]
    assert "3 de-escalated patients are due for re-review" in dialog.rereview_status.text()
    model = dialog.rereview_model
    assert len(dialog.selected_rereviews()) == 3  # ready to add in one click
    assert model.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert dialog.add_rereviews_button.isEnabled()
    relapsing, missing = model.index(0, 0), model.index(2, 0)
    assert relapsing.data(Qt.ItemDataRole.ForegroundRole) == TAG_COLOUR[RereviewTag.RELAPSING]
    assert relapsing.data(Qt.ItemDataRole.BackgroundRole) == TAG_TINT[RereviewTag.RELAPSING]
    assert relapsing.data(Qt.ItemDataRole.FontRole).bold()
    assert missing.data(Qt.ItemDataRole.ForegroundRole) == TAG_COLOUR[RereviewTag.DATA_MISSING]
    assert model.index(0, 3).data() == "26 Aug 2026"
    assert model.index(0, 4).data() == "Re-escalated on 21 Nov 2026"
    tooltip = model.index(2, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert "De-escalation to Infliximab IV 5 mg/kg every 8 weeks decided 26 Aug 2026" in (
        model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)
    )
    assert "Clinical score at 3 months: due" in tooltip


def test_one_re_review_is_added_with_its_tag_as_the_reason(qtbot, december_dialog, demo_db):
    dialog = december_dialog
    model = dialog.rereview_model
    for row in range(3):
        model.setData(model.index(row, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert not dialog.add_rereviews_button.isEnabled()
    model.setData(model.index(2, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert dialog.add_rereviews_button.isEnabled()
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.add_rereviews_button, Qt.MouseButton.LeftButton)
    assert listed(dialog)[-1] == "DEMO10073"
    assert "Added DEMO10073 for re-review" in dialog.problem.text()
    assert [number for _, number in rereview_rows(dialog)] == ["DEMO10017", "DEMO10076"]
    with demo_db.read() as session:
        reason = session.scalar(
            select(CaseReviewRow.added_reason)
            .join(PatientRow, CaseReviewRow.patient_id == PatientRow.id)
            .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
            .where(
                PatientRow.hospital_number == "DEMO10073",
                MeetingRow.meeting_date == date(2026, 12, 30),
            )
        )
    assert reason == "Re-review after de-escalation (26 Aug 2026): data missing"


def test_all_re_reviews_are_added_in_one_click(qtbot, december_dialog):
    dialog = december_dialog
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.add_rereviews_button, Qt.MouseButton.LeftButton)
    assert listed(dialog)[-3:] == ["DEMO10017", "DEMO10076", "DEMO10073"]
    assert dialog.rereview_model.rowCount() == 0
    assert "No de-escalated patient is due" in dialog.rereview_status.text()


def test_a_signed_off_meeting_offers_no_re_reviews(qtbot, demo_db, config, coordinator):
    dialog = make_dialog(qtbot, demo_db, config, "2026-10", coordinator)
    assert dialog.rereview_model.rowCount() == 0
    assert dialog.rereview_status.text() == "The meeting is signed off: its list is final."
    assert not dialog.add_rereviews_button.isEnabled()


def test_re_review_model_honours_the_qt_contract(qtmodeltester, december_dialog):
    qtmodeltester.check(december_dialog.rereview_model)


def test_the_main_window_candidate_table_shows_the_tag(qtbot, december_dialog, demo_db, config):
    dialog = december_dialog
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.add_rereviews_button, Qt.MouseButton.LeftButton)
    meetings = MeetingService(demo_db, config)
    board = meetings.board(meetings.find_id("2026-12"))
    model = CandidateTableModel(config.thresholds)
    model.set_cases(list(board.cases))
    column = CandidateTableModel.HEADERS.index("Re-review")
    tags = {
        model.index(row, 2).data(): model.index(row, column).data()
        for row in range(model.rowCount())
    }
    assert tags["DEMO10017"] == "⚠ Relapsing"
    assert tags["DEMO10073"] == "? Data missing"
    first = model.index(0, column)
    assert first.data(Qt.ItemDataRole.FontRole).bold()
    assert "De-escalation to" in first.data(Qt.ItemDataRole.ToolTipRole)
