"""Importing files from the hospital's systems: choose, check (a dry run), then import.

Checking and importing both run in a ProgressTask (off the GUI thread) with a progress bar and
Cancel. Import is offered once the files chosen have been checked without a problem; the import
itself checks everything again and writes all of it in one transaction or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.wording import count
from mdt_desktop.services.imports import (
    ImportCancelled,
    ImportRejected,
    ImportReport,
    ImportService,
)
from mdt_desktop.views.display import BAD, GOOD, MUTED, css
from mdt_desktop.views.import_tables import FoundModel, ProblemModel, found_rows, problems_text
from mdt_desktop.workers import CancelCheck, ProgressCallback, ProgressTask, ProgressWork

IMPORT_NOT_ALLOWED = "Only clinicians, the pharmacist and the MDT coordinator import data."
NOBODY_CHOSEN = "Choose who you are (Acting as) first: imports are recorded under your name."
CANCELLED = "Cancelled; nothing was written."
NO_FILES = "Add the files to import: FHIR R4 JSON, HL7 v2 ORU or CSV lab results."
CHECK_FIRST = "Check the files first: Import is offered once they check out."
WRAPPED_PROBLEMS = 500  # more problems than this are shown one line each (tooltips hold the rest)
FILE_FILTER = "Lab and patient data (*.json *.hl7 *.txt *.csv);;All files (*)"
INTRO = (
    "Lab results, patients and treatment from FHIR R4 JSON, HL7 v2 ORU or CSV files. "
    "Check shows what would be added and every problem; nothing is written until every "
    "file checks out, and results already stored are not added twice."
)


class ImportDialog(QDialog):
    """Choose files, check them (a dry run), then import them in the background.

    Args:
        imports: the import service.
        actor: who is using the program (None: nobody chosen).
        why_not: why this user may not import ('' when they may); they may still check.
        parent: the owning window.
        folder: where the file chooser starts (else the home folder).
        pool: where checking and importing run (else Qt's global thread pool).
    """

    imported = Signal(object)  # ImportReport: records were written

    def __init__(
        self,
        imports: ImportService,
        actor: Actor | None,
        why_not: str,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(parent)
        self._imports = imports
        self._actor = actor
        self._why_not = why_not
        self._folder = folder or Path.home()
        self._checked: tuple[Path, ...] | None = None  # files of the last clean check
        self._importing = False
        self.report: ImportReport | None = None  # the last check's or import's report
        self.task = ProgressTask(pool, self)
        self.setWindowTitle("Import data")
        self.setAcceptDrops(True)
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self._update_controls()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.intro = QLabel(INTRO)
        self.intro.setWordWrap(True)
        self.files = QListWidget()
        self.files.setAccessibleName("Files to import")
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files.setMaximumHeight(6 * self.fontMetrics().lineSpacing())
        self.add_button = QPushButton("&Add files…")
        self.remove_button = QPushButton("&Remove")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        keep_place = self.progress.sizePolicy()
        keep_place.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(keep_place)
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.found_model = FoundModel(self)
        self.found = _table(self.found_model, "What would be added, per patient")
        self.problem_model = ProblemModel(self)
        self.problems = _table(self.problem_model, "Problems")
        self.problems.setWordWrap(True)  # the reason is what lab IT needs: show all of it
        _fit_columns(self.found, stretch=1)
        _fit_columns(self.problems, stretch=3)
        self.notes = QListWidget()
        self.notes.setAccessibleName("Notes on the files")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.found, "Found")
        self.tabs.addTab(self.problems, "Problems")
        self.tabs.addTab(self.notes, "Notes")
        self.buttons = QDialogButtonBox()
        self.copy_button = self.buttons.addButton(
            "Co&py problems", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.setToolTip("Copy every problem as a table, to send to lab IT")
        self.check_button = self.buttons.addButton("C&heck", QDialogButtonBox.ButtonRole.ActionRole)
        self.check_button.setToolTip("Read the files and show what would be added (writes nothing)")
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)

    def _arrange_widgets(self) -> None:
        chooser = QHBoxLayout()
        chooser.addWidget(self.files, 1)
        side = QVBoxLayout()
        side.addWidget(self.add_button)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        chooser.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(chooser)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        width = self.fontMetrics().horizontalAdvance("M") * 72
        self.resize(max(self.sizeHint().width(), width), 30 * self.fontMetrics().lineSpacing())

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.files.itemSelectionChanged.connect(self._update_controls)
        self.check_button.clicked.connect(self.start_check)
        self.import_button.clicked.connect(self.start_import)
        self.copy_button.clicked.connect(self.copy_problems)
        self.close_button.clicked.connect(self.reject)
        self.task.progress.connect(self._on_progress)
        self.task.succeeded.connect(self._on_succeeded)
        self.task.failed.connect(self._on_failed)

    # --- public -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a check or an import runs."""
        return self.task.running

    @property
    def folder(self) -> Path:
        """The folder the last files came from: where the chooser opens next time."""
        return self._folder

    def paths(self) -> tuple[Path, ...]:
        """The files chosen, in the order they were added."""
        return tuple(Path(self.files.item(row).text()) for row in range(self.files.count()))

    def add_paths(self, paths: Sequence[Path]) -> None:
        """Add *paths* (files only, each once); the next step is a new check."""
        known = set(self.paths())
        for path in paths:
            if path.is_file() and path not in known:
                self.files.addItem(str(path))
                known.add(path)
                self._folder = path.parent
        self._files_changed()

    def remove_selected(self) -> None:
        """Take the selected files off the list."""
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))
        self._files_changed()

    def start_check(self) -> None:
        """Read and check the files without writing: the dry run."""
        paths = self.paths()
        if self.running:
            return
        if not paths:
            self._show_status(NO_FILES, BAD)
            return
        imports = self._imports

        def work(progress: ProgressCallback, cancelled: CancelCheck) -> ImportReport:
            return imports.preview(paths, progress=progress, cancelled=cancelled)

        self._start(work, "Checking…", importing=False)

    def start_import(self) -> None:
        """Import the checked files: all or nothing, in one transaction."""
        paths = self.paths()
        if self.running or self._why_not or self._checked != paths:
            return
        imports, actor = self._imports, self._actor

        def work(progress: ProgressCallback, cancelled: CancelCheck) -> ImportReport:
            return imports.run(paths, actor, progress=progress, cancelled=cancelled)

        self._start(work, "Importing…", importing=True)

    def cancel(self) -> None:
        """Ask the running check or import to stop; nothing is written after a cancel."""
        if self.running:
            self.task.cancel()
            self._show_status("Cancelling…", MUTED)
            self._update_controls()

    def copy_problems(self) -> None:
        """Put every problem on the clipboard as tab-separated lines."""
        if self.report is not None and self.report.problems:
            QGuiApplication.clipboard().setText(problems_text(self.report.problems))
            self._show_status(f"Copied {len(self.report.problems)} problem(s).", MUTED)

    def reject(self) -> None:
        """Close (Esc, the window's close button): cancels a running job first."""
        if self.running:
            self.cancel()
            return
        super().reject()

    @staticmethod
    def choose_files(parent: QWidget, folder: Path) -> list[Path]:
        """Ask which files to import (tests replace this)."""
        chosen, _filter = QFileDialog.getOpenFileNames(
            parent, "Files to import", str(folder), FILE_FILTER
        )
        return [Path(name) for name in chosen]

    # --- drag and drop ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and not self.running:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        self.add_paths([Path(url.toLocalFile()) for url in urls if url.isLocalFile()])
        event.acceptProposedAction()

    # --- slots ------------------------------------------------------------------------------------

    def _on_add(self) -> None:
        self.add_paths(type(self).choose_files(self, self._folder))

    def _start(self, work: ProgressWork, what: str, *, importing: bool) -> None:
        self._importing = importing
        self._show_status(what, MUTED)
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress.show()
        self.task.start(work)
        self._update_controls()

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        if not self.task.cancel_requested():
            self._show_status(what, MUTED)

    def _on_succeeded(self, report: ImportReport) -> None:
        self.progress.hide()
        self._show_report(report, dry_run=not self._importing)
        if self._importing:
            self._checked = None  # imported: a second Import would add nothing
            if report.written:
                self.imported.emit(report)
        else:
            self._checked = self.paths() if report.ok and report.new_records else None
        self._update_controls()

    def _on_failed(self, error: Exception) -> None:
        self.progress.hide()
        self._checked = None
        if isinstance(error, ImportRejected):
            self._show_report(error.report, dry_run=not self._importing)
        elif isinstance(error, ImportCancelled):
            self._show_status(CANCELLED, MUTED)
        else:
            self._show_status(user_message(error), BAD)
        self._update_controls()

    # --- helpers ----------------------------------------------------------------------------------

    def _files_changed(self) -> None:
        self._checked = None
        self.report = None
        self.found_model.set_rows([])
        self.problem_model.set_rows([])
        self.notes.clear()
        self._retitle_tabs()
        self._show_status(CHECK_FIRST if self.files.count() else NO_FILES, MUTED)
        self._update_controls()

    def _show_report(self, report: ImportReport, *, dry_run: bool) -> None:
        self.report = report
        self.found_model.set_rows(found_rows(report))
        self.problem_model.set_rows(report.problems)
        self.notes.clear()
        for file in report.files:
            self.notes.addItem(f"{file.name}: {file.format}, {count(file.records, 'record')}")
            self.notes.addItems([f"    {note}" for note in file.notes])
        self._retitle_tabs()
        # Wrapped reasons need rows sized to them: affordable for the first screenfuls only.
        rows = self.problems.verticalHeader()
        wrap = len(report.problems) <= WRAPPED_PROBLEMS
        rows.setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents if wrap else QHeaderView.ResizeMode.Fixed
        )
        self.tabs.setCurrentWidget(self.problems if report.problems else self.found)
        headline = report.headline(dry_run=dry_run)
        if report.problems:
            self._show_status(f"{headline} Fix them and check again.", BAD)
        elif dry_run and report.new_records and self._why_not:
            self._show_status(f"{headline} {self._why_not}", MUTED)
        elif dry_run and report.new_records:
            self._show_status(f"{headline} Press Import to add them.", MUTED)
        else:
            self._show_status(headline, GOOD if report.written else MUTED)

    def _retitle_tabs(self) -> None:
        found = self.found_model.rowCount()
        problems = self.problem_model.rowCount()
        self.tabs.setTabText(0, f"Found ({found})" if found else "Found")
        self.tabs.setTabText(1, f"Problems ({problems})" if problems else "Problems")

    def _show_status(self, text: str, colour: QColor) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color:{css(colour)}")

    def _update_controls(self) -> None:
        busy = self.running
        has_files = self.files.count() > 0
        self.add_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and bool(self.files.selectedItems()))
        self.files.setEnabled(not busy)
        self.check_button.setEnabled(not busy and has_files)
        ready = self._checked is not None and self._checked == self.paths()
        self.import_button.setEnabled(not busy and ready and not self._why_not)
        self.import_button.setToolTip(
            self._why_not or ("Write everything checked, in one go" if ready else CHECK_FIRST)
        )
        problems = self.report is not None and bool(self.report.problems)
        self.copy_button.setEnabled(not busy and problems)
        self.close_button.setText("Cancel" if busy else "Close")
        self.close_button.setEnabled(not (busy and self.task.cancel_requested()))


def _table(model: FoundModel | ProblemModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    return view


def _fit_columns(view: QTableView, *, stretch: int) -> None:
    """Columns as wide as their contents, except *stretch*, which takes the rest (and wraps)."""
    header = view.horizontalHeader()
    for column in range(header.count()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
