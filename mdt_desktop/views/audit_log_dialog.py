"""The audit log viewer: who changed what and when, filtered by patient, meeting or user.

The log is append-only, so the viewer only reads. Entries are loaded through the runner whenever a
filter changes; a reply that arrives after a newer request is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.board import MeetingListItem
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.records import Clinician
from mdt_desktop.services.audit_log import AuditEntry, AuditLogService
from mdt_desktop.views.display import BAD, MUTED, css
from mdt_desktop.views.row_model import Index, RowTableModel
from mdt_desktop.views.user_picker import roster_label
from mdt_desktop.workers import Runner

SORT_ROLE = Qt.ItemDataRole.UserRole
LIMIT = 2000
TYPING_PAUSE_MS = 400  # reload this long after the last key press in the hospital number field


def _when(entry: AuditEntry) -> str:
    return f"{entry.occurred_at:%d %b %Y %H:%M}"


def _what(entry: AuditEntry) -> str:
    name = entry.entity.replace("_", " ")
    return name if entry.entity_id is None else f"{name} #{entry.entity_id}"


def _meeting(entry: AuditEntry) -> str:
    return f"{entry.meeting:%d %b %Y}" if entry.meeting else ""


class AuditTableModel(RowTableModel[AuditEntry]):
    """Audit entries, one per row: when, who, action, what, patient, meeting, changes, reason."""

    HEADERS = ("When", "Who", "Action", "What", "Patient", "Meeting", "Changes", "Reason")
    _TEXT: tuple[Callable[[AuditEntry], str], ...] = (
        _when,
        lambda e: e.actor,
        lambda e: e.action,
        _what,
        lambda e: e.patient or "",
        _meeting,
        lambda e: e.changes,
        lambda e: e.reason,
    )
    _SORT: tuple[Callable[[AuditEntry], Any], ...] = (
        lambda e: f"{e.occurred_at.isoformat()} {e.id:012d}",  # ties broken by log order
        lambda e: e.actor.casefold(),
        lambda e: e.action,
        lambda e: f"{e.entity} {e.entity_id or 0:012d}",
        lambda e: e.patient or "",
        lambda e: e.meeting.isoformat() if e.meeting else "",
        lambda e: e.changes.casefold(),
        lambda e: e.reason.casefold(),
    )

    def set_entries(self, entries: list[AuditEntry]) -> None:
        """Replace every row."""
        self.set_rows(entries)

    def entry(self, row: int) -> AuditEntry:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._TEXT[column](entry)
        if role == SORT_ROLE:
            return self._SORT[column](entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry_text(entry)
        if role == Qt.ItemDataRole.ForegroundRole and entry.actor == "system":
            return MUTED
        return None


def entry_text(entry: AuditEntry) -> str:
    """Every field of one entry, one per line (the tooltip and the detail pane)."""
    lines = [
        f"{entry.occurred_at:%A %d %B %Y %H:%M:%S} — {entry.actor}",
        f"{entry.action} {_what(entry)}",
    ]
    if entry.patient:
        lines.append(f"Patient: {entry.patient}")
    if entry.meeting:
        lines.append(f"Meeting: {entry.meeting:%d %b %Y}")
    if entry.changes:
        lines.append("Changes: " + entry.changes.replace("; ", "\n  "))
    if entry.reason:
        lines.append(f"Reason: {entry.reason}")
    lines.append(f"Log entry {entry.id}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What the viewer asks the log for."""

    hospital_number: str | None = None
    meeting_id: int | None = None
    actor_id: int | None = None


class AuditLogDialog(QDialog):
    """Read-only view of the audit log, newest first.

    Args:
        log: reads the log.
        meetings: the meetings offered in the meeting filter.
        roster: the people offered in the user filter.
        runner: where the log is read (off the GUI thread in the application).
        parent: the owning window.
        hospital_number: start filtered to this patient.
        meeting_id: start filtered to this meeting.
    """

    loaded = Signal()  # entries for the current filters are on screen (or the load failed)

    def __init__(
        self,
        log: AuditLogService,
        meetings: list[MeetingListItem],
        roster: list[Clinician],
        runner: Runner,
        parent: QWidget | None = None,
        *,
        hospital_number: str | None = None,
        meeting_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._log = log
        self._runner = runner
        self._generation = 0
        self._shown: AuditFilters | None = None
        self.setWindowTitle("Audit log")
        self.resize(1100, 700)
        self._create_widgets(meetings, roster)
        self._arrange_widgets()
        self._connect_signals()
        self._preset(hospital_number, meeting_id)
        self.reload()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self, meetings: list[MeetingListItem], roster: list[Clinician]) -> None:
        self.patient = QLineEdit()
        self.patient.setPlaceholderText("Hospital number")
        self.patient.setClearButtonEnabled(True)
        self.patient.setAccessibleName("Patient (hospital number)")
        self.meeting = QComboBox()
        self.meeting.setAccessibleName("Meeting")
        self.meeting.addItem("All meetings", None)
        for item in meetings:
            status = item.status.value.replace("_", " ")
            self.meeting.addItem(f"{item.meeting_date:%d %b %Y} — {status}", item.id)
        self.user = QComboBox()
        self.user.setAccessibleName("User")
        self.user.addItem("Everyone", None)
        for clinician in roster:
            self.user.addItem(roster_label(clinician), clinician.id)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the log again (F5)")
        self.count = QLabel()
        self.count.setObjectName("auditCount")
        self.model = AuditTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = self._create_table()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Select an entry to see it in full.")
        self.details.setAccessibleName("Selected entry")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)

    def _create_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        samples = {
            0: "24 Nov 2026 10:30",
            1: "Dr Rahul Mehta (DEMO)",
            2: "confirm",
            3: "drug level annotation #99",
            4: "DEMO10000",
            5: "28 Oct 2026",
            7: "Discussed at clinic…",
        }
        for column, sample in samples.items():
            table.setColumnWidth(column, self.fontMetrics().horizontalAdvance(sample) + 16)
        return table

    def _arrange_widgets(self) -> None:
        filters = QHBoxLayout()
        for text, widget, stretch in (
            ("&Patient:", self.patient, 1),
            ("&Meeting:", self.meeting, 1),
            ("&User:", self.user, 1),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget, stretch)
            filters.addSpacing(8)
        filters.addWidget(self.refresh_button)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([500, 110])  # the detail pane: about six lines
        self.splitter.setChildrenCollapsible(False)
        footer = QHBoxLayout()
        footer.addWidget(self.count, 1)
        footer.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(footer)

    def _connect_signals(self) -> None:
        self.patient.textEdited.connect(lambda _text: self._typing.start())
        self.patient.returnPressed.connect(self.reload)
        self.patient.editingFinished.connect(self.reload)
        self._typing.timeout.connect(self.reload)
        self.meeting.currentIndexChanged.connect(lambda _row: self.reload())
        self.user.currentIndexChanged.connect(lambda _row: self.reload())
        self.refresh_button.clicked.connect(lambda: self.reload(force=True))
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, lambda: self.reload(force=True))
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.buttons.rejected.connect(self.reject)

    def _preset(self, hospital_number: str | None, meeting_id: int | None) -> None:
        for widget in (self.patient, self.meeting, self.user):
            widget.blockSignals(True)
        self.patient.setText(hospital_number or "")
        self.meeting.setCurrentIndex(max(self.meeting.findData(meeting_id), 0))
        for widget in (self.patient, self.meeting, self.user):
            widget.blockSignals(False)

    # --- public -----------------------------------------------------------------------------------

    def filters(self) -> AuditFilters:
        """The filters as the user has set them."""
        number = self.patient.text().strip()
        return AuditFilters(number or None, self.meeting.currentData(), self.user.currentData())

    def reload(self, *, force: bool = False) -> None:
        """Read the log for the current filters (unless those entries are already shown)."""
        self._typing.stop()
        wanted = self.filters()
        if wanted == self._shown and not force:
            return
        self._shown = wanted
        self._generation += 1
        generation = self._generation
        self.count.setText("Loading…")
        self.count.setStyleSheet("")
        self._runner.submit(
            lambda: self._log.entries(
                hospital_number=wanted.hospital_number,
                meeting_id=wanted.meeting_id,
                actor_id=wanted.actor_id,
                limit=LIMIT,
            ),
            lambda entries: self._on_entries(generation, entries),
            lambda error: self._on_error(generation, error),
        )

    # --- slots ------------------------------------------------------------------------------------

    def _on_entries(self, generation: int, entries: list[AuditEntry]) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.model.set_entries(entries)
        self.details.clear()
        self.count.setText(self._count_text(len(entries)))
        self.loaded.emit()

    def _count_text(self, count: int) -> str:
        if count == 0:
            return "No entries match these filters."
        if count >= LIMIT:
            return f"The newest {count:,} entries; narrow the filters to see older ones."
        return f"{count:,} {'entry' if count == 1 else 'entries'}, newest first"

    def _on_error(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._shown = None  # let the next change (or Refresh) try again
        self.model.set_entries([])
        self.count.setText(f"Could not read the log: {user_message(error)}")
        self.count.setStyleSheet(f"color:{css(BAD)}")
        self.loaded.emit()

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.details.clear()
            return
        entry = self.model.entry(self.proxy.mapToSource(current).row())
        self.details.setPlainText(entry_text(entry))
