"""Preparing a meeting: its candidate list, its chair and who attends.

The coordinator's screen (new_meeting_dialog.py beside it plans a meeting; the tables' models,
the attendance editor and the shared pieces are beside it too). ``PrepareMeetingDialog`` keeps
one meeting's candidate list (with the de-escalated patients due for re-review, tagged stable,
relapsing or data missing and selected ready to add, and suggestions of patients who meet the
criteria), its chair and its attendance, with the quorum shown live. Every write runs through the
runner and the meeting is read again afterwards; the services enforce permissions and refuse
changes to signed-off meetings, and their messages are shown as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.candidates import RereviewSuggestion, Suggestion
from mdt_desktop.domain.consensus import quorum
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.records import CaseSummary, Clinician, MeetingRecord
from mdt_desktop.presenters.acting import choose_who_you_are
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.views.common.display import BAD, GOOD, HIGH, MUTED, css
from mdt_desktop.views.preparation.attendance_editor import AttendanceEditor
from mdt_desktop.views.preparation.candidate_models import (
    CandidateListModel,
    RereviewTableModel,
    SuggestionTableModel,
)
from mdt_desktop.views.preparation.new_meeting_dialog import HospitalNumberDialog, consultants_of
from mdt_desktop.views.preparation.widgets import offer_box, offer_table, plain_label
from mdt_desktop.workers import Runner

NOT_ALLOWED = "Only the MDT coordinator prepares meetings."
NOBODY = choose_who_you_are()


class PrepareMeetingDialog(QDialog):
    """One meeting's candidate list, chair and attendance, for the coordinator.

    Args:
        admin: writes the meeting's set-up (and finds suggested candidates).
        meetings: reads the meeting.
        roster: the roster (the active members are offered as chair and attendees).
        meeting_id: the meeting to prepare.
        actor: who is using the program (None: nobody chosen, read only).
        can_edit: whether *actor* may prepare meetings.
        runner: where reads and writes run (off the GUI thread in the application).
        parent: the owning window.
        why_not: why nothing may be changed, when it is not the role (e.g. a read-only file).
    """

    changed = Signal()  # a change was saved: the meeting list and board are out of date
    loaded = Signal()  # the meeting as it is now is on screen (or reading it failed)
    suggestions_loaded = Signal()  # the suggested candidates are on screen (or finding them failed)
    rereviews_loaded = Signal()  # the patients due for re-review are on screen (or finding failed)

    def __init__(
        self,
        admin: MeetingAdminService,
        meetings: MeetingService,
        roster: list[Clinician],
        meeting_id: int,
        actor: Actor | None,
        can_edit: bool,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        why_not: str | None = None,
        identifiers: Identifiers = Identifiers.FULL,
    ) -> None:
        super().__init__(parent)
        self._identifiers = identifiers
        self._admin = admin
        self._meetings = meetings
        self._roster = [c for c in roster if c.active and c.id is not None]
        self._meeting_id = meeting_id
        self._actor = actor
        self._why_not = why_not or (
            NOT_ALLOWED if not can_edit else NOBODY if actor is None else ""
        )
        self._runner = runner
        self.meeting: MeetingRecord | None = None
        self._saved_attendance: dict[int, AttendanceStatus | None] | None = None  # not loaded
        self._busy = False
        self._select_case: int | None = None
        self._suggestion_generation = 0
        self._want_suggestions = False
        self._sized = False
        self.setWindowTitle("Prepare the meeting")
        self.resize(1100, 700)
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self._update_buttons()
        self.reload(suggestions=True)

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.summary = QLabel("Loading the meeting…")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.notice = QLabel(self._why_not)
        self.notice.setObjectName("prepareNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background:#fff3cd; color:#5c4400; padding:6px;")
        self.notice.setVisible(bool(self._why_not))
        self.tabs = QTabWidget()
        self.tabs.addTab(self._create_candidates_tab(), "&Candidates")
        self.tabs.addTab(self._create_chair_tab(), "C&hair")
        self.tabs.addTab(self._create_attendance_tab(), "&Attendance")
        self.problem = plain_label()  # messages hold typed hospital numbers and names
        self.problem.setObjectName("prepareProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

    def _create_candidates_tab(self) -> QWidget:
        tab = QWidget()
        self.candidate_model = CandidateListModel(self)
        self.candidate_model.identifiers = self._identifiers
        self.candidates = offer_table(self, self.candidate_model, stretch=3)
        self.candidates.setAccessibleName("Candidate list")
        self.candidates.installEventFilter(self)
        self.add_button = QPushButton("Add by hospital &number…")
        self.remove_button = QPushButton("&Remove")
        self.up_button = QPushButton("Move &up")
        self.up_button.setToolTip("Move the selected case up the list (Ctrl+Up)")
        self.down_button = QPushButton("Move &down")
        self.down_button.setToolTip("Move the selected case down the list (Ctrl+Down)")
        self.suggestion_model = SuggestionTableModel(self)
        self.suggestion_model.identifiers = self._identifiers
        self.suggested = offer_table(self, self.suggestion_model, stretch=1, multi=True)
        self.suggested.setAccessibleName("Suggested candidates")
        self.suggestion_status = QLabel()
        self.suggestion_status.setWordWrap(True)
        self.add_suggested_button = QPushButton("Add &selected")
        self.add_suggested_button.setToolTip("Add the selected patients to the end of the list")
        self.rereview_model = RereviewTableModel(self)
        self.rereview_model.identifiers = self._identifiers
        self.rereviews = offer_table(self, self.rereview_model, stretch=4)
        self.rereviews.setAccessibleName("Due for re-review after de-escalation")
        self.rereviews.setWordWrap(False)
        self.rereview_status = QLabel()
        self.rereview_status.setWordWrap(True)
        self.add_rereviews_button = QPushButton("Add ticked re-revie&ws")
        self.add_rereviews_button.setToolTip(
            "Add the ticked patients to the end of the list, with the re-review and its tag as "
            "the reason (all are ticked when they load)"
        )
        self._arrange_candidates_tab(tab)
        return tab

    def _arrange_candidates_tab(self, tab: QWidget) -> None:
        listed = QGroupBox("Candidate list")
        listed_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            listed_buttons.addWidget(button)
        listed_buttons.addStretch(1)
        listed_layout = QVBoxLayout(listed)
        listed_layout.addWidget(self.candidates, 1)
        listed_layout.addLayout(listed_buttons)
        suggested = offer_box(
            "Suggested", self.suggestion_status, self.suggested, self.add_suggested_button
        )
        rereview = offer_box(
            "Re-review after de-escalation",
            self.rereview_status,
            self.rereviews,
            self.add_rereviews_button,
        )
        offered = QSplitter(Qt.Orientation.Vertical)
        offered.addWidget(rereview)
        offered.addWidget(suggested)
        offered.setChildrenCollapsible(False)
        self.candidate_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.candidate_splitter.addWidget(listed)
        self.candidate_splitter.addWidget(offered)
        self.candidate_splitter.setChildrenCollapsible(False)
        self.candidate_splitter.setStretchFactor(0, 1)
        self.candidate_splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.candidate_splitter)

    def _create_chair_tab(self) -> QWidget:
        tab = QWidget()
        self.current_chair = plain_label()
        self.chair_combo = QComboBox()
        self.chair_combo.setAccessibleName("Chair")
        self.chair_combo.setMinimumContentsLength(28)
        for consultant in consultants_of(self._roster):
            self.chair_combo.addItem(consultant.name, consultant.id)
        self.set_chair_button = QPushButton("&Set chair")
        note = QLabel(
            "The chair is an IBD consultant: they record the team's decisions and sign the "
            "meeting off."
        )
        note.setWordWrap(True)
        note.setStyleSheet(f"color:{css(MUTED)}")
        choose = QHBoxLayout()
        choose.addWidget(self.chair_combo)
        choose.addWidget(self.set_chair_button)
        choose.addStretch(1)
        new_label = QLabel("New &chair:")
        new_label.setBuddy(self.chair_combo)
        form = QFormLayout()
        form.addRow("Current chair:", self.current_chair)
        form.addRow(new_label, choose)
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        return tab

    def _create_attendance_tab(self) -> QWidget:
        tab = QWidget()
        self.attendance = AttendanceEditor()
        self.attendance.set_people(self._roster)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.attendance)
        self.quorum_line = QLabel()
        self.quorum_line.setObjectName("quorumLine")
        self.quorum_line.setWordWrap(True)
        self.unsaved = QLabel()
        self.unsaved.setStyleSheet(f"color:{css(MUTED)}")
        self.save_attendance_button = QPushButton("Sa&ve attendance")
        bottom = QHBoxLayout()
        bottom.addWidget(self.quorum_line, 1)
        bottom.addWidget(self.unsaved)
        bottom.addWidget(self.save_attendance_button)
        layout = QVBoxLayout(tab)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        return tab

    def _arrange_widgets(self) -> None:
        footer = QHBoxLayout()
        footer.addWidget(self.problem, 1)
        footer.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(footer)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add)
        self.remove_button.clicked.connect(self._on_remove)
        self.up_button.clicked.connect(lambda: self._on_move(-1))
        self.down_button.clicked.connect(lambda: self._on_move(+1))
        self.add_suggested_button.clicked.connect(self._on_add_suggested)
        self.add_rereviews_button.clicked.connect(self._on_add_rereviews)
        self.rereview_model.dataChanged.connect(lambda *_args: self._update_buttons())
        self.candidates.selectionModel().currentRowChanged.connect(
            lambda _current, _previous: self._update_buttons()
        )
        self.suggested.selectionModel().selectionChanged.connect(
            lambda _selected, _deselected: self._update_buttons()
        )
        self.set_chair_button.clicked.connect(self._on_set_chair)
        self.save_attendance_button.clicked.connect(self._on_save_attendance)
        self.attendance.edited.connect(self._on_attendance_edited)
        self.buttons.rejected.connect(self.reject)

    # --- public -----------------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        """Whether the current user may prepare the meeting here."""
        return not self._why_not

    def selected_case(self) -> CaseSummary | None:
        """The case on the selected row of the candidate list, if any."""
        row = self.candidates.currentIndex().row()
        return (
            self.candidate_model.case(row) if 0 <= row < self.candidate_model.rowCount() else None
        )

    def selected_suggestions(self) -> list[Suggestion]:
        """The selected suggested candidates, top first."""
        rows = sorted({index.row() for index in self.suggested.selectionModel().selectedRows()})
        return [self.suggestion_model.suggestion(row) for row in rows]

    def selected_rereviews(self) -> list[RereviewSuggestion]:
        """The ticked patients due for re-review, top first."""
        return self.rereview_model.ticked()

    def reload(self, *, suggestions: bool = False) -> None:
        """Read the meeting again (and look for suggested candidates again)."""
        if suggestions:  # looked for once the meeting is known (none for a signed-off one)
            self._want_suggestions = True
            self._show_suggestion_status("Finding suggestions…", MUTED)
            self._show_rereview_status("Finding patients due for re-review…", MUTED)
        self._runner.submit(
            lambda: self._meetings.get(self._meeting_id), self._on_meeting, self._on_load_failed
        )

    def show_error(self, message: str) -> None:
        """Show why the last change failed (the service's message)."""
        self.problem.setText(message)
        self.problem.setStyleSheet(f"color:{css(BAD)}")

    def show_done(self, message: str) -> None:
        """Confirm that a change was saved."""
        self.problem.setText(message)
        self.problem.setStyleSheet(f"color:{css(GOOD)}")

    def show_warning(self, message: str) -> None:
        """Confirm a change that was saved but needs a second look (amber)."""
        self.problem.setText(message)
        self.problem.setStyleSheet(f"color:{css(HIGH)}")

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question before a change that loses work (tests replace this)."""
        answer = QMessageBox.question(self, "Prepare the meeting", question)
        return answer == QMessageBox.StandardButton.Yes

    # --- loading ----------------------------------------------------------------------------------

    def _on_meeting(self, meeting: MeetingRecord) -> None:
        wanted = self._select_case if self._select_case is not None else self._selected_case_id()
        row_before = self.candidates.currentIndex().row()
        self._select_case = None
        self.meeting = meeting
        self.summary.setText(self._summary_text(meeting))
        self._show_signed_off(meeting)
        self.candidate_model.set_cases(meeting.cases)
        self._restore_selection(wanted, row_before)
        self.current_chair.setText(meeting.chair)
        chair = self.chair_combo.findText(meeting.chair)
        if chair >= 0:
            self.chair_combo.setCurrentIndex(chair)
        self._show_attendance(meeting)
        self._update_buttons()
        self.loaded.emit()
        if self._want_suggestions:
            self._want_suggestions = False
            self._suggest_for(meeting)

    @staticmethod
    def _summary_text(meeting: MeetingRecord) -> str:
        present = sum(1 for a in meeting.attendance if a.status is AttendanceStatus.PRESENT)
        cases = len(meeting.cases)
        return (
            f"<b>MDT {meeting.meeting_date:%A %d %B %Y}</b> · "
            f"{meeting.status.value.replace('_', ' ')} · chair {escape(meeting.chair)} · "
            f"{cases} {'case' if cases == 1 else 'cases'} · {present} present"
        )

    def _show_signed_off(self, meeting: MeetingRecord) -> None:
        if meeting.status is not MeetingStatus.SIGNED_OFF or self._why_not:
            return
        by = f" by {meeting.signed_off_by}" if meeting.signed_off_by else ""
        on = f" on {meeting.signed_off_at:%d %b %Y}" if meeting.signed_off_at else ""
        self.notice.setText(
            f"This meeting was signed off{by}{on}: its list, chair and attendance can no longer "
            "be changed."
        )
        self.notice.setVisible(True)

    def _restore_selection(self, case_id: int | None, row_before: int) -> None:
        row = self.candidate_model.row_of(case_id)
        if row is None and row_before >= 0 and self.candidate_model.rowCount():
            row = min(row_before, self.candidate_model.rowCount() - 1)
        if row is not None:
            self.candidates.selectRow(row)
            self.candidates.scrollTo(self.candidate_model.index(row, 0))

    def _show_attendance(self, meeting: MeetingRecord) -> None:
        """Show the recorded attendance, keeping choices the user has not saved yet."""
        unsaved = self.attendance.statuses() if self._attendance_dirty() else None
        listed = {p.id for p in self.attendance.people()}
        missing = [
            Clinician(a.clinician_id, a.name, a.role, active=False)
            for a in meeting.attendance
            if a.clinician_id not in listed
        ]
        if missing:  # recorded for people since made inactive: keep them visible
            self.attendance.set_people([*self.attendance.people(), *missing])
        recorded = {a.clinician_id: a.status for a in meeting.attendance}
        self._saved_attendance = {cid: recorded.get(cid) for cid in self.attendance.statuses()}
        self.attendance.set_statuses(recorded if unsaved is None else unsaved)
        self._on_attendance_edited()

    def _attendance_dirty(self) -> bool:
        saved = self._saved_attendance
        return saved is not None and self.attendance.statuses() != saved

    def _on_load_failed(self, error: Exception) -> None:
        self.show_error(f"Could not read the meeting: {user_message(error)}")
        self.loaded.emit()

    def _selected_case_id(self) -> int | None:
        case = self.selected_case()
        return case.id if case else None

    def _show_suggestion_status(self, text: str, colour: QColor | None = None) -> None:
        self.suggestion_status.setText(text)
        self.suggestion_status.setStyleSheet(f"color:{css(colour)}" if colour else "")

    def _suggest_for(self, meeting: MeetingRecord) -> None:
        self._suggestion_generation += 1
        generation = self._suggestion_generation
        self.suggestion_model.set_suggestions([])
        self.rereview_model.set_rereviews([])
        self._update_buttons()
        if meeting.status is MeetingStatus.SIGNED_OFF:
            final = "The meeting is signed off: its list is final."
            self._show_suggestion_status(final, MUTED)
            self._show_rereview_status(final, MUTED)
            self.suggestions_loaded.emit()
            self.rereviews_loaded.emit()
            return
        self._show_rereview_status("Finding patients due for re-review…", MUTED)
        self._runner.submit(
            lambda: self._admin.rereviews(self._meeting_id),
            lambda found: self._on_rereviews(generation, found),
            lambda error: self._on_rereviews_failed(generation, error),
        )
        self._show_suggestion_status("Finding suggestions…", MUTED)
        self._runner.submit(
            lambda: self._admin.suggestions(self._meeting_id),
            lambda found: self._on_suggestions(generation, found),
            lambda error: self._on_suggestions_failed(generation, error),
        )

    def _on_suggestions(self, generation: int, found: list[Suggestion]) -> None:
        if generation != self._suggestion_generation:
            return
        self.suggestion_model.set_suggestions(found)
        self._show_suggestion_status(
            f"{len(found)} {'patient' if len(found) == 1 else 'patients'} not on the list "
            "meet the criteria: intensified long enough, in objective remission, not reviewed "
            "recently."
            if found
            else "No other patients meet the criteria for review."
        )
        self._update_buttons()
        self.suggestions_loaded.emit()

    def _show_rereview_status(self, text: str, colour: QColor | None = None) -> None:
        self.rereview_status.setText(text)
        self.rereview_status.setStyleSheet(f"color:{css(colour)}" if colour else "")

    def _on_rereviews(self, generation: int, found: list[RereviewSuggestion]) -> None:
        if generation != self._suggestion_generation:
            return
        self.rereview_model.set_rereviews(found)
        if found:
            count = (
                f"{len(found)} de-escalated {'patient is' if len(found) == 1 else 'patients are'}"
            )
            self._show_rereview_status(
                f"{count} due for re-review: a re-check fell due, or a relapse signal appeared, "
                "since the MDT last saw them. All are ticked; point at a row for the details."
            )
        else:
            self._show_rereview_status(
                "No de-escalated patient is due for re-review at this meeting.", MUTED
            )
        self._update_buttons()
        self.rereviews_loaded.emit()

    def _on_rereviews_failed(self, generation: int, error: Exception) -> None:
        if generation != self._suggestion_generation:
            return
        self._show_rereview_status(
            f"Could not find patients due for re-review: {user_message(error)}", BAD
        )
        self.rereviews_loaded.emit()

    def _on_suggestions_failed(self, generation: int, error: Exception) -> None:
        if generation != self._suggestion_generation:
            return
        self._show_suggestion_status(f"Could not find suggestions: {user_message(error)}", BAD)
        self.suggestions_loaded.emit()

    # --- writes -----------------------------------------------------------------------------------

    def _write(
        self,
        work: Callable[[], int | None],
        done: str,
        *,
        candidates: bool = False,
        warnings: Sequence[str] = (),
    ) -> None:
        """Run one change; on success reload (selecting the case it returns) and emit changed.

        *warnings* is filled by *work* (off the GUI thread) with anything to check: the message
        then shows in amber with them.
        """
        if self._actor is None or not self.editable or self._busy:
            return
        self._set_busy(True)
        self.problem.clear()

        def succeeded(case_id: int | None) -> None:
            self._set_busy(False)
            self._select_case = case_id
            if warnings:
                self.show_warning(" ".join((done, *warnings)))
            else:
                self.show_done(done)
            self.changed.emit()
            self.reload(suggestions=candidates)

        def failed(error: Exception) -> None:
            self._set_busy(False)
            self.show_error(user_message(error))
            if candidates:  # adding several may have stopped part-way: show the list as it is
                self.reload(suggestions=True)

        self._runner.submit(work, succeeded, failed)

    def _on_add(self) -> None:
        if self._actor is None or not self.editable:
            return
        number = HospitalNumberDialog.ask(self)
        if number is None:
            return
        actor = self._actor
        warnings: list[str] = []

        def add() -> int:
            case_id = self._admin.add_candidate(self._meeting_id, number, actor)
            warnings.extend(self._listed_elsewhere(number))
            return case_id

        self._write(
            add, f"Added {number} to the end of the list.", candidates=True, warnings=warnings
        )

    def _listed_elsewhere(self, number: str) -> list[str]:
        """A warning when the patient is also on another meeting not yet signed off."""
        dates = self._admin.listed_elsewhere(self._meeting_id, number)
        if not dates:
            return []
        days = ", ".join(f"{day:%d %b %Y}" for day in dates)
        return [
            f"{number} is also on the list of the MDT of {days}: check that both listings "
            "are meant."
        ]

    def _on_add_suggested(self) -> None:
        chosen = self.selected_suggestions()
        if self._actor is None or not chosen:
            return
        actor = self._actor
        warnings: list[str] = []

        def add_all() -> int | None:
            case_id = None
            for item in chosen:
                reason = (
                    f"Suggested: {item.months_intensified:.0f} months intensified, "
                    "in objective remission"
                )
                number = item.patient.hospital_number
                case_id = self._admin.add_candidate(self._meeting_id, number, actor, reason)
                warnings.extend(self._listed_elsewhere(number))
            return case_id

        numbers = ", ".join(item.patient.hospital_number for item in chosen)
        self._write(
            add_all,
            f"Added {numbers} to the end of the list.",
            candidates=True,
            warnings=warnings,
        )

    def _on_add_rereviews(self) -> None:
        chosen = self.selected_rereviews()
        if self._actor is None or not chosen:
            return
        actor = self._actor

        warnings: list[str] = []

        def add_all() -> int | None:
            case_id = None
            for item in chosen:
                number = item.patient.hospital_number
                reason = item.rereview.reason
                case_id = self._admin.add_candidate(self._meeting_id, number, actor, reason)
                warnings.extend(self._listed_elsewhere(number))
            return case_id

        numbers = ", ".join(item.patient.hospital_number for item in chosen)
        self._write(add_all, f"Added {numbers} for re-review.", candidates=True, warnings=warnings)

    def _on_remove(self) -> None:
        case = self.selected_case()
        if case is None or self._actor is None:
            return
        if not self._may_discard_answers(case):
            return
        actor, case_id = self._actor, case.id

        def remove() -> None:
            self._admin.remove_candidate(case_id, actor)

        self._write(
            remove, f"Removed {case.patient.hospital_number} from the list.", candidates=True
        )

    def _may_discard_answers(self, case: CaseSummary) -> bool:
        """Ask first when removing a case would discard the team's checklist answers."""
        answered = sum(1 for a in case.checklist if a.confirmed is not None)
        signed_off = self.meeting is not None and self.meeting.status is MeetingStatus.SIGNED_OFF
        if not answered or signed_off:  # nothing to lose, or the service refuses anyway
            return True
        return self.confirm(
            f"Remove {case.patient.hospital_number} from the list? The team's {answered} "
            f"checklist {'answer' if answered == 1 else 'answers'} for this case will be "
            "discarded."
        )

    def _on_move(self, step: int) -> None:
        case = self.selected_case()
        if case is None or self._actor is None:
            return
        position = case.position + step
        if not 1 <= position <= self.candidate_model.rowCount():
            return
        actor, case_id = self._actor, case.id

        def move() -> int:
            self._admin.move_candidate(case_id, position, actor)
            return case_id

        self._write(move, f"Moved {case.patient.hospital_number} to position {position}.")

    def _on_set_chair(self) -> None:
        chair_id = self.chair_combo.currentData()
        if chair_id is None or self._actor is None:
            return
        actor, name = self._actor, self.chair_combo.currentText()

        def set_chair() -> None:
            self._admin.set_chair(self._meeting_id, int(chair_id), actor)

        self._write(set_chair, f"{name} chairs this meeting.")

    def _on_save_attendance(self) -> None:
        if self._actor is None:
            return
        actor, statuses = self._actor, self.attendance.statuses()

        def save() -> None:
            self._admin.set_attendance(self._meeting_id, statuses, actor)

        self._write(save, "Attendance saved.")

    # --- state ------------------------------------------------------------------------------------

    def _on_attendance_edited(self) -> None:
        found = quorum(self.attendance.entries())
        if found.quorate:
            text = "✓ Quorate: an IBD consultant and a pharmacist are present."
            colour = GOOD
        else:
            text = "  ".join(f"⚠ {warning}" for warning in found.warnings)
            colour = BAD
        self.quorum_line.setText(text)
        self.quorum_line.setStyleSheet(f"color:{css(colour)}; font-weight:bold")
        self.unsaved.setText("Not saved yet" if self._attendance_dirty() else "")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        usable = self.editable and not self._busy
        case = self.selected_case()
        rows = self.candidate_model.rowCount()
        enabled = {
            self.add_button: usable,
            self.remove_button: usable and case is not None,
            self.up_button: usable and case is not None and case.position > 1,
            self.down_button: usable and case is not None and case.position < rows,
            self.add_suggested_button: usable and bool(self.selected_suggestions()),
            self.add_rereviews_button: usable and bool(self.selected_rereviews()),
            self.set_chair_button: usable and self.chair_combo.count() > 0,
            self.save_attendance_button: usable,
        }
        for button, on in enabled.items():
            button.setEnabled(on)
            if not self.editable:
                button.setToolTip(self._why_not)
        self.chair_combo.setEnabled(self.editable)
        self.chair_combo.setToolTip(self._why_not)
        self.attendance.set_editable(self.editable, self._why_not)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._sized:  # first time: the list 2/5, the re-reviews and suggestions 3/5
            self._sized = True
            width = self.candidate_splitter.width()
            self.candidate_splitter.setSizes([width * 2 // 5, width - width * 2 // 5])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+Up and Ctrl+Down on the candidate list move the selected case."""
        if watched is self.candidates and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            steps = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: +1}
            if control and event.key() in steps:
                button = self.up_button if event.key() == Qt.Key.Key_Up else self.down_button
                if button.isEnabled():
                    self._on_move(steps[Qt.Key(event.key())])
                return True
        return super().eventFilter(watched, event)
