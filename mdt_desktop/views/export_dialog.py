"""Exporting the open meeting: minutes, outcome letters, letters to GPs or the decisions sheet.

The user chooses the patient identifiers of every export (full, initials and hospital number, or
pseudonyms): nothing is pre-selected, Export stays disabled until they have chosen, and the
status line says what was written with which identifiers. The export runs in a ProgressTask (off
the GUI thread) with a progress bar and a Cancel button; the service checks the permission again
and its messages are shown as they are. A cancelled or failed export leaves no file behind (the
builders write atomically).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QThreadPool, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.board import MeetingBoard
from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.identifiers import Identifiers, patient_label
from mdt_desktop.domain.wording import count
from mdt_desktop.reports.minutes import BuildOptions, Cancelled
from mdt_desktop.services.exports import ExportKind, ExportRequest, ExportResult, ExportService
from mdt_desktop.views.display import BAD, GOOD, MUTED, css
from mdt_desktop.workers import CancelCheck, ProgressCallback, ProgressTask

NOT_ALLOWED = "Only the MDT coordinator and the IBD consultants export meetings."
NOBODY = "Choose who you are (Acting as) first."
NO_TARGET = "Choose where to write the export."
NO_IDENTIFIERS = "Choose which patient identifiers the export carries."
NO_DECISION = "This case has no decision: there is nothing to write to the GP."
FULL_ONLY = "A letter about one patient names them in full (it goes to their record or their GP)."
DEMO_CONTACT = (
    "The contact details in GP letters are the DEMO placeholders: put your team's in site.toml "
    "in the user configuration folder."
)
OFFERED = tuple(k for k in ExportKind if k is not ExportKind.PSEUDONYMISED)  # = minutes + choice
CANCELLED = "Cancelled; nothing was written."
NOTICE_STYLE = "background:#fff3cd; color:#5c4400; padding:6px;"  # as the read-only notice
_DRAFT_OF = {
    ExportKind.MINUTES: "The minutes",
    ExportKind.PSEUDONYMISED: "The minutes",
    ExportKind.LETTER: "The letter",
    ExportKind.LETTERS: "The letters",
    ExportKind.GP_LETTER: "The letter",
    ExportKind.GP_LETTERS: "The letters",
}
_NAME_TAG = {Identifiers.FULL: "", Identifiers.INITIALS: "-initials"}


def default_name(
    kind: ExportKind,
    board: MeetingBoard,
    hospital_number: str = "",
    identifiers: Identifiers | None = None,
) -> str:
    """A file (or, for letters, folder) name saying what, which meeting and which identifiers."""
    day = f"{board.meeting.meeting_date:%Y-%m-%d}"
    tag = _NAME_TAG.get(identifiers or Identifiers.FULL, "-pseudonymised")
    patient = hospital_number or "patient"
    return {
        ExportKind.MINUTES: f"MDT-minutes-{day}{tag}.pdf",
        ExportKind.PSEUDONYMISED: f"MDT-minutes-{day}-pseudonymised.pdf",
        ExportKind.LETTER: f"MDT-outcome-{patient}-{day}.pdf",
        ExportKind.LETTERS: f"MDT-letters-{day}",
        ExportKind.GP_LETTER: f"MDT-GP-letter-{patient}-{day}.pdf",
        ExportKind.GP_LETTERS: f"MDT-GP-letters-{day}",
        ExportKind.SPREADSHEET: f"MDT-decisions-{day}{tag}.csv",
    }[kind]


def documents_folder() -> Path:
    """The user's Documents folder (their home folder if the system names none)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


def draft_warning(kind: ExportKind) -> str:
    """What an export of a meeting that is not signed off says about itself."""
    if kind is ExportKind.SPREADSHEET:
        return "The decisions may still change: the meeting is not signed off."
    return f"{_DRAFT_OF[kind]} will say DRAFT on every page: the meeting is not signed off."


def describe(
    result: ExportResult,
    kind: ExportKind,
    target: Path,
    identifiers: Identifiers = Identifiers.FULL,
) -> str:
    """What was written and with which identifiers, for the status line."""
    seconds = f"{result.seconds:.1f} s"
    pages = count(result.pages, "page")
    carrying = f"Patient identifiers: {identifiers.short}."
    if kind.into_folder:
        letters = count(len(result.files), "letter")
        return f"Wrote {letters} ({pages}) into the folder {target.name} in {seconds}. {carrying}"
    if kind is ExportKind.SPREADSHEET:
        return f"Wrote {target.name} in {seconds}. {carrying}"
    return f"Wrote {target.name} ({pages}) in {seconds}. {carrying}"


class ExportDialog(QDialog):
    """Export the open meeting: what, with which identifiers, where; progress; Open when written.

    Args:
        exports: the export service.
        board: the open meeting (its date, status and cases).
        actor: who is using the program (None: nobody chosen).
        can_export: whether *actor*'s role may export.
        parent: the owning window.
        folder: where to suggest writing (else the user's Documents folder).
        pool: where the export runs (else Qt's global thread pool).
        kind: what to offer first (else the minutes).
        hospital_number: the patient to offer first for a one-patient letter.
        shown: how this dialog names patients (initials while the room screen is on).
    """

    exported = Signal(object)  # ExportResult: the files were written
    export_finished = Signal()  # an export ended: written, failed or cancelled

    def __init__(
        self,
        exports: ExportService,
        board: MeetingBoard,
        actor: Actor | None,
        can_export: bool,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
        pool: QThreadPool | None = None,
        kind: ExportKind = ExportKind.MINUTES,
        hospital_number: str | None = None,
        shown: Identifiers = Identifiers.FULL,
    ) -> None:
        super().__init__(parent)
        self._exports = exports
        self._board = board
        self._actor = actor
        self._shown = shown
        self._why_not = NOBODY if actor is None else "" if can_export else NOT_ALLOWED
        self._folder = folder or documents_folder()
        self._auto_name = ""  # the suggested name in the path box, while the user keeps it
        self._kind = kind if kind in OFFERED else ExportKind.MINUTES
        self._written: Path | None = None  # what Open opens
        self._confirmed: Path | None = None  # chosen in the file dialog, which asked already
        self._request: ExportRequest | None = None  # the running (or last) export
        self.last_result: ExportResult | None = None
        self.task = ProgressTask(pool, self)
        self.setWindowTitle("Export the meeting")
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        if hospital_number is not None:
            self.patient.setCurrentIndex(max(self.patient.findData(hospital_number), 0))
        self._suggest_target()
        self._update_controls()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        meeting = self._board.meeting
        status = meeting.status.value.replace("_", " ")
        self.heading = QLabel(
            f"<b>MDT of {meeting.meeting_date:%A %d %B %Y}</b> · {status} · "
            f"{count(len(self._board.cases), 'case')}"
        )
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[ExportKind, QRadioButton] = {}
        for number, kind in enumerate(OFFERED):
            button = QRadioButton(kind.label)
            self.kinds.addButton(button, number)
            self.kind_buttons[kind] = button
        self.kind_buttons[self._kind].setChecked(True)
        self.patient = QComboBox()
        self.patient.setAccessibleName("Patient")
        for detail in self._board.cases:
            patient = detail.case.patient
            self.patient.addItem(
                f"{detail.case.position}. {patient_label(patient, self._shown)}",
                patient.hospital_number,
            )
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName("To (GP or referrer)")
        self.recipient.setPlaceholderText(
            "e.g. Dr A Example, Example Surgery (else: Dear Colleague)"
        )
        self.recipient.setToolTip(
            "Whom the letter is addressed to; commas start new lines. Empty: 'Dear Colleague'."
        )
        self.identifier_group = QButtonGroup(self)  # nothing pre-selected: the user chooses
        self.identifier_buttons: dict[Identifiers, QRadioButton] = {}
        for number, identifiers in enumerate(Identifiers):
            button = QRadioButton(identifiers.label)
            self.identifier_group.addButton(button, number)
            self.identifier_buttons[identifiers] = button
        self.path = QLineEdit()
        self.path.setAccessibleName("Export to")
        self.path.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 36))
        self.browse_button = QPushButton("&Browse…")
        self.draft_note = QLabel()
        self.draft_note.setObjectName("draftWarning")
        self.draft_note.setWordWrap(True)
        self.draft_note.setStyleSheet(NOTICE_STYLE)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        keep_place = self.progress.sizePolicy()
        keep_place.setRetainSizeWhenHidden(True)  # the dialog does not jump when it shows
        self.progress.setSizePolicy(keep_place)
        self.progress.hide()  # idle, an empty bar looks like a text box
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # file names are the user's
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(2 * self.fontMetrics().lineSpacing())
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setObjectName("exportProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color:{css(BAD)}")
        self.problem.hide()  # shown with a message only: an empty line would push the status down
        # Why Export is greyed out, always beside it (the status line may hold the last result).
        self.blocked_note = QLabel()
        self.blocked_note.setObjectName("exportBlocked")
        self.blocked_note.setWordWrap(True)
        self.blocked_note.setStyleSheet(f"color:{css(MUTED)}")
        keep = self.blocked_note.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.blocked_note.setSizePolicy(keep)
        self.blocked_note.hide()
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "&Export", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setDefault(True)
        self.open_button = self.buttons.addButton("&Open", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setToolTip("Open what was written")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

    def _arrange_widgets(self) -> None:
        what = QGroupBox("What")
        grid = QGridLayout(what)
        for row, button in enumerate(self.kind_buttons.values()):
            grid.addWidget(button, row, 0, 1, 3)
        row = len(self.kind_buttons)
        grid.addWidget(QLabel("Patient:"), row, 1)
        grid.addWidget(self.patient, row, 2)
        grid.addWidget(QLabel("To:"), row + 1, 1)
        grid.addWidget(self.recipient, row + 1, 2)
        grid.setColumnMinimumWidth(0, self.fontMetrics().horizontalAdvance("M" * 2))
        grid.setColumnStretch(2, 1)
        which = QGroupBox("Patient identifiers")
        column = QVBoxLayout(which)
        for button in self.identifier_buttons.values():
            column.addWidget(button)
        where = QGroupBox("Where")
        line = QHBoxLayout(where)
        line.addWidget(self.path, 1)
        line.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(what)
        layout.addWidget(which)
        layout.addWidget(where)
        layout.addWidget(self.draft_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.problem)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.blocked_note)
        layout.addWidget(self.buttons)
        hint = self.sizeHint()  # room for a two-line error without squeezing the rest
        self.resize(max(hint.width(), 560), hint.height() + 2 * self.fontMetrics().lineSpacing())

    def _connect_signals(self) -> None:
        self.kinds.idToggled.connect(self._on_kind_toggled)
        self.identifier_group.idToggled.connect(self._on_identifiers_toggled)
        self.patient.currentIndexChanged.connect(self._on_patient_chosen)
        self.browse_button.clicked.connect(self._on_browse)
        self.export_button.clicked.connect(self.start_export)
        self.open_button.clicked.connect(self._on_open)
        self.cancel_button.clicked.connect(self.reject)
        self.task.progress.connect(self._on_progress)
        self.task.succeeded.connect(self._on_written)
        self.task.failed.connect(self._on_failed)

    # --- public -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while an export runs."""
        return self.task.running

    @property
    def folder(self) -> Path:
        """The folder the export went into (or would go into): the next suggestion."""
        return self._folder

    @property
    def why_not(self) -> str:
        """Why Export is disabled for this user ('' when they may export)."""
        return self._why_not

    def kind(self) -> ExportKind:
        """What is chosen."""
        return self._kind

    def set_kind(self, kind: ExportKind) -> None:
        """Choose *kind* (as clicking its radio button does)."""
        self.kind_buttons[kind].setChecked(True)

    def identifiers(self) -> Identifiers | None:
        """The identifiers the user chose (None until they have chosen)."""
        checked = self.identifier_group.checkedId()
        return list(Identifiers)[checked] if checked >= 0 else None

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Choose *identifiers* (as clicking its radio button does)."""
        self.identifier_buttons[identifiers].setChecked(True)

    def hospital_number(self) -> str:
        """The patient chosen for a single letter ('' when there are no cases)."""
        return str(self.patient.currentData() or "")

    def target(self) -> Path | None:
        """The file (or folder, for letters) in the path box; None when it is empty.

        A bare name goes into the suggested folder, not wherever the program was started.
        """
        text = self.path.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else self._folder / path

    def start_export(self) -> None:
        """Export what is chosen to the path in the box, off the GUI thread."""
        identifiers = self.identifiers()
        if self.running or self._why_not or self._blocked():
            return
        target = self.target()
        if target is None:
            self.show_error(NO_TARGET)
            return
        kind = self._kind
        if (
            not kind.into_folder
            and target.is_file()
            and target != self._confirmed
            and not self.confirm_overwrite(self, target)
        ):
            return
        request = ExportRequest(
            self._board.meeting.id,
            kind,
            target,
            self.hospital_number() if kind.one_patient else None,
            identifiers,
            self.recipient.text().strip() if kind is ExportKind.GP_LETTER else "",
        )
        exports, actor = self._exports, self._actor

        def work(progress: ProgressCallback, cancelled: CancelCheck) -> ExportResult:
            return exports.export(
                request, actor, BuildOptions(progress=progress, cancelled=cancelled)
            )

        self._written = None
        self.last_result = None
        self.show_error("")
        self._request = request
        self._show_status("Starting the export…", MUTED)
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress.show()
        self.task.start(work)
        self._update_controls()

    def cancel_export(self) -> None:
        """Ask the running export to stop; it says so when it has."""
        if self.running:
            self.task.cancel()
            self._show_status("Cancelling…", MUTED)
            self.cancel_button.setEnabled(False)

    def show_error(self, message: str) -> None:
        """Show why the export failed (the service's message); '' hides the line."""
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    def reject(self) -> None:
        """Cancel (Esc, the window's close button): stops a running export, else closes."""
        if self.running:
            self.cancel_export()
            return
        super().reject()

    @staticmethod
    def choose_target(parent: QWidget, kind: ExportKind, current: Path) -> Path | None:
        """Ask the user where to write (a folder for letters); None if they cancel."""
        if kind.into_folder:
            chosen = QFileDialog.getExistingDirectory(
                parent, "Write the letters into", str(current)
            )
        else:
            pattern = f"{kind.suffix[1:].upper()} files (*{kind.suffix})"
            chosen, _filter = QFileDialog.getSaveFileName(
                parent, f"Export {kind.label}", str(current), pattern
            )
        return Path(chosen) if chosen else None

    @staticmethod
    def confirm_overwrite(parent: QWidget, target: Path) -> bool:
        """Ask before replacing an existing file (tests replace this)."""
        answer = QMessageBox.question(
            parent,
            "Replace the file?",
            f"{target.name} already exists in {target.parent}. Replace it?",
        )
        return answer == QMessageBox.StandardButton.Yes

    @staticmethod
    def open_path(path: Path) -> None:
        """Open *path* (a file, or the letters' folder) with the system's viewer."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # --- slots ------------------------------------------------------------------------------------

    def _on_kind_toggled(self, button_id: int, checked: bool) -> None:
        if checked:
            self._kind = OFFERED[button_id]
            chosen = self.identifiers()
            if chosen is not None and chosen not in self._kind.identifiers:
                self._clear_identifiers()  # never carry a choice over to where it is not allowed
            self._suggest_target()
            self._update_controls()

    def _on_identifiers_toggled(self, _button_id: int, checked: bool) -> None:
        if checked:
            self._suggest_target()
            self._update_controls()

    def _on_patient_chosen(self, _row: int) -> None:
        self._suggest_target()
        self._update_controls()

    def _clear_identifiers(self) -> None:
        # An exclusive group keeps one button checked; lift that to clear the choice.
        self.identifier_group.setExclusive(False)
        for button in self.identifier_buttons.values():
            button.setChecked(False)
        self.identifier_group.setExclusive(True)

    def _suggest_target(self) -> None:
        """Put the default name for the chosen kind in the box, or fix the suffix of the user's."""
        name = default_name(self._kind, self._board, self.hospital_number(), self.identifiers())
        current = self.target()
        if current is None or current.name == self._auto_name:
            folder = current.parent if current is not None else self._folder
            self.path.setText(str(folder / name))
            self._auto_name = name
        elif current.name and current.suffix.lower() != self._kind.suffix:
            self.path.setText(str(current.with_suffix(self._kind.suffix)))

    def _on_browse(self) -> None:
        current = self.target() or self._folder / default_name(self._kind, self._board)
        chosen = type(self).choose_target(self, self._kind, current)
        if chosen is not None:
            self.path.setText(str(chosen))
            self._auto_name = ""
            self._confirmed = chosen

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        if not self.task.cancel_requested():
            self._show_status(what, MUTED)

    def _on_written(self, result: ExportResult) -> None:
        request = self._request
        if request is None:  # the task only runs after start_export
            return
        target = request.target
        self.last_result = result
        self._written = target if request.kind.into_folder else result.files[0]
        self._folder = target.parent
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        text = describe(result, request.kind, target, request.chosen_identifiers)
        self._show_status(text, GOOD)
        self._update_controls()
        self.exported.emit(result)
        self.export_finished.emit()

    def _on_failed(self, error: Exception) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.hide()
        if isinstance(error, Cancelled):
            self._show_status(CANCELLED, MUTED)
        else:
            self.status.clear()
            self.show_error(user_message(error))
        self._update_controls()
        self.export_finished.emit()

    def _on_open(self) -> None:
        if self._written is not None:
            type(self).open_path(self._written)

    # --- helpers ----------------------------------------------------------------------------------

    def _show_status(self, text: str, colour: QColor) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color:{css(colour)}")

    def _blocked(self) -> str:
        """Why this export cannot start yet ('' when it can): identifiers, a decision."""
        if self.identifiers() is None:
            return NO_IDENTIFIERS
        if self._kind is ExportKind.GP_LETTER:
            index = self._board.index_of(self.hospital_number())
            if index is None or self._board.cases[index].case.decision is None:
                return NO_DECISION
        return ""

    def _notes(self) -> str:
        notes = []
        if self._board.meeting.status is not MeetingStatus.SIGNED_OFF:
            notes.append(draft_warning(self._kind))
        if self._kind.to_gp and self._exports.site.is_demo:
            notes.append(DEMO_CONTACT)
        return "\n".join(notes)

    def _update_controls(self) -> None:
        busy = self.running
        notes = self._notes()
        self.draft_note.setText(notes)
        self.draft_note.setVisible(bool(notes))
        for kind, button in self.kind_buttons.items():
            button.setEnabled(not busy and (not kind.one_patient or bool(self._board.cases)))
        for identifiers, button in self.identifier_buttons.items():
            allowed = identifiers in self._kind.identifiers
            button.setEnabled(not busy and allowed)
            button.setToolTip("" if allowed else FULL_ONLY)
        self.patient.setEnabled(not busy and self._kind.one_patient)
        self.recipient.setEnabled(not busy and self._kind is ExportKind.GP_LETTER)
        self.path.setEnabled(not busy)
        self.browse_button.setEnabled(not busy)
        blocked = self._why_not or self._blocked()
        self.export_button.setEnabled(not busy and not blocked)
        self.export_button.setToolTip(blocked or "Write what is chosen to the path above")
        self.blocked_note.setText(f"Export is not available: {blocked}" if blocked else "")
        self.blocked_note.setVisible(bool(blocked) and not busy)
        self.open_button.setEnabled(not busy and self._written is not None)
        self.cancel_button.setEnabled(not (busy and self.task.cancel_requested()))
        self.cancel_button.setText("Close" if not busy and self._written else "Cancel")
