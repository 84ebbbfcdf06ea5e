"""Exporting the open meeting: minutes, pseudonymised minutes, letters or the decisions sheet.

The export runs in a ProgressTask (off the GUI thread) with a progress bar and a Cancel button;
the service checks the permission again and its messages are shown as they are. A cancelled or
failed export leaves no file behind (the builders write atomically).
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

from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.errors import user_message
from mdt_desktop.reports.minutes import BuildOptions, Cancelled
from mdt_desktop.services.audit import Actor
from mdt_desktop.services.exports import ExportKind, ExportRequest, ExportResult, ExportService
from mdt_desktop.services.meetings import MeetingBoard
from mdt_desktop.views.display import BAD, GOOD, MUTED, css
from mdt_desktop.workers import CancelCheck, ProgressCallback, ProgressTask

NOT_ALLOWED = "Only the MDT coordinator and the IBD consultants export meetings."
NOBODY = "Choose who you are (Acting as) first."
NO_TARGET = "Choose where to write the export."
CANCELLED = "Cancelled; nothing was written."
NOTICE_STYLE = "background:#fff3cd; color:#5c4400; padding:6px;"  # as the read-only notice
_DRAFT_OF = {
    ExportKind.MINUTES: "The minutes",
    ExportKind.PSEUDONYMISED: "The minutes",
    ExportKind.LETTER: "The letter",
    ExportKind.LETTERS: "The letters",
}


def default_name(kind: ExportKind, board: MeetingBoard, hospital_number: str = "") -> str:
    """A file (or, for letters, folder) name saying what and which meeting."""
    day = f"{board.meeting.meeting_date:%Y-%m-%d}"
    return {
        ExportKind.MINUTES: f"MDT-minutes-{day}.pdf",
        ExportKind.PSEUDONYMISED: f"MDT-minutes-{day}-pseudonymised.pdf",
        ExportKind.LETTER: f"MDT-outcome-{hospital_number or 'patient'}-{day}.pdf",
        ExportKind.LETTERS: f"MDT-letters-{day}",
        ExportKind.SPREADSHEET: f"MDT-decisions-{day}.csv",
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


def describe(result: ExportResult, kind: ExportKind, target: Path) -> str:
    """What was written, for the status line (the folder is in the path box above)."""
    seconds = f"{result.seconds:.1f} s"
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    if kind is ExportKind.LETTERS:
        count = len(result.files)
        letters = f"{count} letter{'s' if count != 1 else ''}"
        return f"Wrote {letters} ({pages}) into the folder {target.name} in {seconds}."
    if kind is ExportKind.SPREADSHEET:
        return f"Wrote {target.name} in {seconds}."
    return f"Wrote {target.name} ({pages}) in {seconds}."


class ExportDialog(QDialog):
    """Export the open meeting: what, where, then progress, and Open when written.

    Args:
        exports: the export service.
        board: the open meeting (its date, status and cases).
        actor: who is using the program (None: nobody chosen).
        can_export: whether *actor*'s role may export.
        parent: the owning window.
        folder: where to suggest writing (else the user's Documents folder).
        pool: where the export runs (else Qt's global thread pool).
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
    ) -> None:
        super().__init__(parent)
        self._exports = exports
        self._board = board
        self._actor = actor
        self._why_not = NOBODY if actor is None else "" if can_export else NOT_ALLOWED
        self._folder = folder or documents_folder()
        self._auto_name = ""  # the suggested name in the path box, while the user keeps it
        self._kind = ExportKind.MINUTES
        self._written: Path | None = None  # what Open opens
        self._confirmed: Path | None = None  # chosen in the file dialog, which asked already
        self._request: ExportRequest | None = None  # the running (or last) export
        self.last_result: ExportResult | None = None
        self.task = ProgressTask(pool, self)
        self.setWindowTitle("Export the meeting")
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self._suggest_target()
        self._update_controls()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        meeting = self._board.meeting
        status = meeting.status.value.replace("_", " ")
        self.heading = QLabel(
            f"<b>MDT of {meeting.meeting_date:%A %d %B %Y}</b> · {status} · "
            f"{len(self._board.cases)} cases"
        )
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[ExportKind, QRadioButton] = {}
        for number, kind in enumerate(ExportKind):
            button = QRadioButton(kind.label)
            self.kinds.addButton(button, number)
            self.kind_buttons[kind] = button
        self.kind_buttons[ExportKind.MINUTES].setChecked(True)
        self.kind_buttons[ExportKind.LETTER].setEnabled(bool(self._board.cases))
        self.patient = QComboBox()
        self.patient.setAccessibleName("Patient")
        for detail in self._board.cases:
            patient = detail.case.patient
            self.patient.addItem(
                f"{detail.case.position}. {patient.display_name} ({patient.hospital_number})",
                patient.hospital_number,
            )
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
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(2 * self.fontMetrics().lineSpacing())
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.problem = QLabel()
        self.problem.setObjectName("exportProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color:{css(BAD)}")
        self.problem.hide()  # shown with a message only: an empty line would push the status down
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
        row = 0
        for kind, button in self.kind_buttons.items():
            grid.addWidget(button, row, 0, 1, 2)
            row += 1
            if kind is ExportKind.LETTER:
                grid.addWidget(self.patient, row, 1)
                row += 1
        grid.setColumnMinimumWidth(0, self.fontMetrics().horizontalAdvance("M" * 2))
        grid.setColumnStretch(1, 1)
        where = QGroupBox("Where")
        line = QHBoxLayout(where)
        line.addWidget(self.path, 1)
        line.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(what)
        layout.addWidget(where)
        layout.addWidget(self.draft_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.problem)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        hint = self.sizeHint()  # room for a two-line error without squeezing the rest
        self.resize(max(hint.width(), 560), hint.height() + 2 * self.fontMetrics().lineSpacing())

    def _connect_signals(self) -> None:
        self.kinds.idToggled.connect(self._on_kind_toggled)
        self.patient.currentIndexChanged.connect(lambda _row: self._suggest_target())
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
        """Why Export is disabled ('' when the user may export)."""
        return self._why_not

    def kind(self) -> ExportKind:
        """What is chosen."""
        return self._kind

    def set_kind(self, kind: ExportKind) -> None:
        """Choose *kind* (as clicking its radio button does)."""
        self.kind_buttons[kind].setChecked(True)

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
        if self.running or self._why_not:
            return
        target = self.target()
        if target is None:
            self.show_error(NO_TARGET)
            return
        kind = self._kind
        if (
            kind is not ExportKind.LETTERS
            and target.is_file()
            and target != self._confirmed
            and not self.confirm_overwrite(self, target)
        ):
            return
        request = ExportRequest(
            self._board.meeting.id,
            kind,
            target,
            self.hospital_number() if kind is ExportKind.LETTER else None,
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
        if kind is ExportKind.LETTERS:
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
            self._kind = list(ExportKind)[button_id]
            self._suggest_target()
            self._update_controls()

    def _suggest_target(self) -> None:
        """Put the default name for the chosen kind in the box, or fix the suffix of the user's."""
        name = default_name(self._kind, self._board, self.hospital_number())
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
        self._written = target if request.kind is ExportKind.LETTERS else result.files[0]
        self._folder = target.parent
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self._show_status(describe(result, request.kind, target), GOOD)
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

    def _update_controls(self) -> None:
        busy = self.running
        signed = self._board.meeting.status is MeetingStatus.SIGNED_OFF
        self.draft_note.setText("" if signed else draft_warning(self._kind))
        self.draft_note.setVisible(not signed)
        for kind, button in self.kind_buttons.items():
            button.setEnabled(
                not busy and (kind is not ExportKind.LETTER or bool(self._board.cases))
            )
        self.patient.setEnabled(not busy and self._kind is ExportKind.LETTER)
        self.path.setEnabled(not busy)
        self.browse_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and not self._why_not)
        self.export_button.setToolTip(self._why_not or "Write what is chosen to the path above")
        self.open_button.setEnabled(not busy and self._written is not None)
        self.cancel_button.setEnabled(not (busy and self.task.cancel_requested()))
        self.cancel_button.setText("Close" if not busy and self._written else "Cancel")
        if self._why_not and not self.status.text():
            self._show_status(self._why_not, MUTED)
