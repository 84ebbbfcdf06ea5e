"""Preparing a meeting: planning it, its candidate list, its chair and who attends.

The coordinator's screens. ``NewMeetingDialog`` plans a meeting; ``PrepareMeetingDialog`` keeps
one meeting's candidate list (with the de-escalated patients due for re-review, tagged stable,
relapsing or data missing and selected ready to add, and suggestions of patients who meet the
criteria), its chair and its attendance, with the quorum shown live. Every write runs through the
runner and the meeting is read again afterwards; the services enforce permissions and refuse
changes to signed-off meetings, and their messages are shown as they are.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.candidates import RereviewSuggestion, Suggestion
from mdt_desktop.domain.consensus import quorum
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus, Role
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.identifiers import Identifiers, patient_name
from mdt_desktop.domain.records import AttendanceEntry, CaseSummary, Clinician, MeetingRecord
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.views.display import BAD, GOOD, HIGH, MUTED, carried_text, css
from mdt_desktop.views.rereview_tag import TAG_COLOUR, TAG_TINT, bold, tag_text
from mdt_desktop.views.row_model import Index, RowTableModel
from mdt_desktop.workers import Runner

NOT_ALLOWED = "Only the MDT coordinator prepares meetings."
NOBODY = "Choose who you are (Acting as) first."


def plain_label(text: str = "") -> QLabel:
    """A label for text from users (names, typed numbers): never read as markup."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def last_wednesday_of_next_month(today: date) -> date:
    """Return the last Wednesday of the month after *today*'s (the usual MDT day)."""
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - calendar.WEDNESDAY) % 7)


def consultants_of(roster: Sequence[Clinician]) -> list[Clinician]:
    """Return the active IBD consultants: the people who may chair."""
    return [c for c in roster if c.active and c.role is Role.IBD_CONSULTANT and c.id is not None]


def _table(
    parent: QWidget, model: QAbstractTableModel, *, stretch: int, multi: bool = False
) -> QTableView:
    """A read-only table over *model*; column *stretch* takes the spare width."""
    table = QTableView(parent)
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(
        QTableView.SelectionMode.ExtendedSelection
        if multi
        else QTableView.SelectionMode.SingleSelection
    )
    table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(parent.fontMetrics().height() + 8)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    model.modelReset.connect(lambda: _fit_columns(table, stretch))
    _fit_columns(table, stretch)
    return table


def _fit_columns(table: QTableView, stretch: int, air: int = 16) -> None:
    """Size every column but *stretch* to its contents, with some air."""
    for column in range(table.model().columnCount()):
        if column != stretch:
            table.resizeColumnToContents(column)
            table.setColumnWidth(column, table.columnWidth(column) + air)


# --- planning a meeting ---------------------------------------------------------------------------


class NewMeetingDialog(QDialog):
    """Asks for a new meeting's date, chair and location.

    Args:
        consultants: who may chair (active IBD consultants; anyone else is left out).
        parent: the owning window.
        today: the day the default date is counted from (the last Wednesday of next month).
    """

    def __init__(
        self,
        consultants: list[Clinician],
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plan a meeting")
        self._consultants = consultants_of(consultants)
        self._create_widgets(last_wednesday_of_next_month(today or date.today()))
        self._arrange_widgets()
        self._connect_signals()
        self._on_date()

    def _create_widgets(self, default: date) -> None:
        self.date = QDateEdit(QDate(default.year, default.month, default.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
        self.date.setAccessibleName("Meeting date")
        self.weekday = QLabel()
        self.weekday.setStyleSheet(f"color:{css(MUTED)}")
        self.chair = QComboBox()
        self.chair.setAccessibleName("Chair")
        for consultant in self._consultants:
            self.chair.addItem(consultant.name, consultant.id)
        self.location = QLineEdit()
        self.location.setPlaceholderText("e.g. Endoscopy seminar room / Teams")
        self.location.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 24))
        self.problem = plain_label()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color:{css(BAD)}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Plan meeting")
        if not self._consultants:
            ok.setEnabled(False)
            self.problem.setText("There is no active IBD consultant on the roster to chair it.")

    def _arrange_widgets(self) -> None:
        when = QHBoxLayout()
        when.addWidget(self.date)
        when.addWidget(self.weekday, 1)
        date_label = QLabel("&Date:")
        date_label.setBuddy(self.date)
        form = QFormLayout()
        form.addRow(date_label, when)
        form.addRow("&Chair:", self.chair)
        form.addRow("&Location:", self.location)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.date.dateChanged.connect(lambda _day: self._on_date())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def chosen_date(self) -> date:
        day = self.date.date()
        return date(day.year(), day.month(), day.day())

    def values(self) -> tuple[date, int, str] | None:
        """The date, chair id and location as entered (None without a chair)."""
        chair = self.chair.currentData()
        if chair is None:
            return None
        return self.chosen_date(), int(chair), self.location.text().strip()

    def _on_date(self) -> None:
        day = self.chosen_date()
        note = "" if day.weekday() == calendar.WEDNESDAY else " — not the usual Wednesday"
        self.weekday.setText(f"{day:%A}{note}")

    @classmethod
    def ask(
        cls, consultants: list[Clinician], parent: QWidget | None = None
    ) -> tuple[date, int, str] | None:
        """Show the dialog; return (date, chair id, location), or None if cancelled."""
        dialog = cls(consultants, parent)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None


class HospitalNumberDialog(QDialog):
    """Asks for the hospital number of a patient to add to the list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a candidate")
        self.number = QLineEdit()
        self.number.setPlaceholderText("Hospital number")
        self.number.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 16))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add to the list")
        form = QFormLayout()
        form.addRow("&Hospital number:", self.number)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.number.textChanged.connect(self._on_text)
        self._on_text("")

    def _on_text(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text.strip()))

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> str | None:
        """Show the dialog; return the hospital number, or None if cancelled."""
        dialog = cls(parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.number.text().strip() or None if accepted else None


# --- table models ---------------------------------------------------------------------------------


class CandidateListModel(RowTableModel[CaseSummary]):
    """The meeting's candidates in list order: position, hospital number, patient, status."""

    identifiers = Identifiers.FULL  # the room screen shows initials (set by the dialog)

    HEADERS = ("#", "Hospital no.", "Patient", "Status")

    def set_cases(self, cases: Sequence[CaseSummary]) -> None:
        """Replace every row."""
        self.set_rows(cases)

    def case(self, row: int) -> CaseSummary:
        return self.row_at(row)

    def row_of(self, case_id: int | None) -> int | None:
        """Return the row of the case with *case_id*, if listed."""
        return self.row_where(lambda c: c.id == case_id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        case, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(case, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and case.carried_from is not None:
            return carried_text(case.carried_from)
        return None

    def _text(self, case: CaseSummary, column: int) -> str:
        if column == 0:
            return str(case.position) + (" ↻" if case.carried_from else "")
        if column == 1:
            return case.patient.hospital_number
        if column == 2:
            return patient_name(case.patient, self.identifiers)
        status = case.status.value.replace("_", " ").capitalize()
        if case.carried_from is not None:
            status += f" · carried over from {case.carried_from.meeting_date:%d %b %Y}"
        return f"{status} — {case.decision.outcome.label}" if case.decision else status


class SuggestionTableModel(RowTableModel[Suggestion]):
    """Patients who meet the criteria and are not listed: patient, months intensified, review."""

    identifiers = Identifiers.FULL  # the room screen shows initials (set by the dialog)

    HEADERS = ("Hospital no.", "Patient", "Months int.", "Last review")
    TIPS = (
        "",
        "",
        "Months on the intensified regimen by the meeting date",
        "The last meeting that reviewed the patient",
    )

    def set_suggestions(self, suggestions: Sequence[Suggestion]) -> None:
        """Replace every row."""
        self.set_rows(suggestions)

    def suggestion(self, row: int) -> Suggestion:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                item.patient.hospital_number,
                patient_name(item.patient, self.identifiers),
                f"{item.months_intensified:.0f}",
                f"{item.last_review:%d %b %Y}" if item.last_review else "never",
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and not item.last_review:
            return MUTED
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS[section] or None
        return super().headerData(section, orientation, role)


class RereviewTableModel(RowTableModel[RereviewSuggestion]):
    """De-escalated patients due for re-review: tag, patient, the decision, what makes the tag.

    Every row is ticked when the rows are set (the coordinator adds them all in one click, or
    unticks those to leave out); the tick sits in the tag cell, whose tint stays visible.
    """

    identifiers = Identifiers.FULL  # the room screen shows initials (set by the dialog)

    HEADERS = ("Re-review", "Hospital no.", "Patient", "Decided", "Why")
    TIPS = (
        "Relapsing, data missing or stable, read on the meeting date; ticked to be added",
        "",
        "",
        "The meeting that decided to de-escalate",
        "What makes the tag (point at a row for the re-checks and the flare rule)",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unticked: set[int] = set()  # rows the coordinator unticked

    def set_rereviews(self, rereviews: Sequence[RereviewSuggestion]) -> None:
        """Replace every row, all ticked."""
        self._unticked = set()
        self.set_rows(rereviews)

    def rereview(self, row: int) -> RereviewSuggestion:
        return self.row_at(row)

    def ticked(self) -> list[RereviewSuggestion]:
        """The ticked rows, top first."""
        return [self.row_at(r) for r in range(self.rowCount()) if r not in self._unticked]

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        ticked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)
        (self._unticked.discard if ticked else self._unticked.add)(index.row())
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item, column = self.row_at(index.row()), index.column()
        review = item.rereview
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(review.lines())
        if column != 0:
            return None
        if role == Qt.ItemDataRole.CheckStateRole:
            unticked = index.row() in self._unticked
            return Qt.CheckState.Unchecked if unticked else Qt.CheckState.Checked
        if role == Qt.ItemDataRole.ForegroundRole:
            return TAG_COLOUR[review.tag]
        if role == Qt.ItemDataRole.BackgroundRole:
            return TAG_TINT[review.tag]
        if role == Qt.ItemDataRole.FontRole:
            return bold()
        return None

    def _text(self, item: RereviewSuggestion, column: int) -> str:
        review = item.rereview
        if column == 0:
            return tag_text(review.tag)
        if column == 1:
            return item.patient.hospital_number
        if column == 2:
            return patient_name(item.patient, self.identifiers)
        if column == 3:
            return f"{review.decision.decided_on:%d %b %Y}"
        return review.summary

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS[section] or None
        return super().headerData(section, orientation, role)


# --- attendance -----------------------------------------------------------------------------------


class AttendanceEditor(QWidget):
    """One row per person: name, role and Present / Apologies / Not recorded."""

    edited = Signal()  # the user changed someone's choice
    CHOICES: tuple[tuple[AttendanceStatus | None, str], ...] = (
        (AttendanceStatus.PRESENT, "Present"),
        (AttendanceStatus.APOLOGIES, "Apologies"),
        (None, "Not recorded"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setHorizontalSpacing(24)
        self._grid.setColumnStretch(len(self.CHOICES) + 2, 1)  # air to the right of the choices
        self._people: list[Clinician] = []
        self._groups: dict[int, QButtonGroup] = {}
        self._widgets: list[QWidget] = []
        self._stretch_row = 0
        self._editable = True
        self._why = ""

    def people(self) -> list[Clinician]:
        return list(self._people)

    def set_people(self, people: Sequence[Clinician]) -> None:
        """Show one row per person (with an id), in the order given, nothing recorded yet."""
        for widget in self._widgets:
            widget.hide()
            widget.deleteLater()
        for group in self._groups.values():
            group.deleteLater()
        self._widgets, self._groups = [], {}
        self._people = [p for p in people if p.id is not None]
        for column, title in enumerate(("Name", "Role", *(text for _, text in self.CHOICES))):
            label = QLabel(f"<b>{title}</b>")
            label.setToolTip(
                "Neither present nor apologies recorded" if title == "Not recorded" else ""
            )
            self._add(label, 0, column, None if column < 2 else Qt.AlignmentFlag.AlignHCenter)
        for row, person in enumerate(self._people, start=1):
            self._add_row(row, person)
        self._grid.setRowStretch(self._stretch_row, 0)
        self._stretch_row = len(self._people) + 1  # the rows stay at the top
        self._grid.setRowStretch(self._stretch_row, 1)
        self.set_editable(self._editable, self._why)

    def _add_row(self, row: int, person: Clinician) -> None:
        assert person.id is not None
        name = person.name if person.active else f"{person.name} (inactive)"
        self._add(plain_label(name), row, 0)
        self._add(QLabel(person.role.label), row, 1)
        group = QButtonGroup(self)
        for column, (_status, text) in enumerate(self.CHOICES):
            button = QRadioButton()
            button.setAccessibleName(f"{person.name}: {text}")
            group.addButton(button, column)
            self._add(button, row, column + 2, Qt.AlignmentFlag.AlignHCenter)
        group.button(self._column(None)).setChecked(True)
        group.idClicked.connect(lambda _id: self.edited.emit())
        self._groups[person.id] = group

    def _add(
        self, widget: QWidget, row: int, column: int, align: Qt.AlignmentFlag | None = None
    ) -> None:
        if align is None:
            self._grid.addWidget(widget, row, column)
        else:
            self._grid.addWidget(widget, row, column, align)
        self._widgets.append(widget)

    def set_statuses(self, statuses: Mapping[int, AttendanceStatus | None]) -> None:
        """Show the recorded statuses (anyone not in *statuses* shows —)."""
        for clinician_id, group in self._groups.items():
            group.button(self._column(statuses.get(clinician_id))).setChecked(True)

    def choose(self, clinician_id: int, status: AttendanceStatus | None) -> None:
        """Choose *status* for one person, as a click would."""
        self.button(clinician_id, status).click()

    def button(self, clinician_id: int, status: AttendanceStatus | None) -> QAbstractButton:
        """The radio button of one person's choice (for keyboard focus and tests)."""
        return self._groups[clinician_id].button(self._column(status))

    def _column(self, status: AttendanceStatus | None) -> int:
        return next(i for i, (choice, _) in enumerate(self.CHOICES) if choice is status)

    def statuses(self) -> dict[int, AttendanceStatus | None]:
        """Everyone's current choice (None: not recorded)."""
        return {cid: self.CHOICES[group.checkedId()][0] for cid, group in self._groups.items()}

    def entries(self) -> list[AttendanceEntry]:
        """The current choices as attendance entries (people with a choice only)."""
        chosen = self.statuses()
        return [
            AttendanceEntry(p.id, p.name, p.role, status)
            for p in self._people
            if p.id is not None and (status := chosen[p.id]) is not None
        ]

    def set_editable(self, editable: bool, why: str) -> None:
        """Allow choosing, or show the choices read-only with *why* as the tooltip."""
        self._editable, self._why = editable, why
        for group in self._groups.values():
            for button in group.buttons():
                button.setEnabled(editable)
                button.setToolTip("" if editable else why)


# --- the dialog ----------------------------------------------------------------------------------


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
        self.candidates = _table(self, self.candidate_model, stretch=3)
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
        self.suggested = _table(self, self.suggestion_model, stretch=1, multi=True)
        self.suggested.setAccessibleName("Suggested candidates")
        self.suggestion_status = QLabel()
        self.suggestion_status.setWordWrap(True)
        self.add_suggested_button = QPushButton("Add &selected")
        self.add_suggested_button.setToolTip("Add the selected patients to the end of the list")
        self.rereview_model = RereviewTableModel(self)
        self.rereview_model.identifiers = self._identifiers
        self.rereviews = _table(self, self.rereview_model, stretch=4)
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
        suggested = _offer_box(
            "Suggested", self.suggestion_status, self.suggested, self.add_suggested_button
        )
        rereview = _offer_box(
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


def _offer_box(title: str, status: QLabel, table: QTableView, add: QPushButton) -> QGroupBox:
    """A group of patients offered for the list: a status line, the table, its add button."""
    box = QGroupBox(title)
    buttons = QHBoxLayout()
    buttons.addWidget(add)
    buttons.addStretch(1)
    layout = QVBoxLayout(box)
    layout.addWidget(status)
    layout.addWidget(table, 1)
    layout.addLayout(buttons)
    return box
