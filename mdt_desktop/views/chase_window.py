"""The chase list on screen (Meeting → Chase list…) and the main window's notice a week before.

The window lists, for one meeting, every candidate's results that are never measured or out of
date on the meeting date, with a filter; the coordinator saves it as CSV or as a printable PDF.
The list is read and saved through the runner (off the GUI thread); saving is an export (the
service checks the permission again and writes the audit row), so only roles that may export
get the buttons. ``ChaseNoticeButton`` sits in the main window's status bar and says how much is
outstanding when the next planned meeting is within the configured lead time; it opens the list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.chase import ChaseList, ChaseNotice, ChaseRow, headline, latest_text
from mdt_desktop.domain.chase import overdue_text as overdue_cell
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.freshness import Freshness
from mdt_desktop.domain.wording import count
from mdt_desktop.services.chase import ChaseService
from mdt_desktop.views.candidate_table_model import SORT_ROLE
from mdt_desktop.views.display import BAD, MUTED
from mdt_desktop.views.row_model import Index, RowTableModel
from mdt_desktop.views.save_actions import SaveHooks, SavingDialog, ask_target
from mdt_desktop.views.tables import list_table
from mdt_desktop.workers import Runner

NOBODY = "Choose who you are (Acting as) to save the list."
NOT_ALLOWED = (
    "Only the coordinator and the IBD consultants save the chase list (it names patients)."
)
READING = "Reading the chase list…"
STATUS_TEXT = {Freshness.MISSING: "✗ Never measured", Freshness.STALE: "◷ Out of date"}
SAMPLES = {  # column widths: what a typical cell holds, plus some air
    0: "##",
    1: "MARSHALL (DEMO), Mohammed",
    2: "DEMO10000",
    3: "Anti-drug antibodies (infliximab)",
    4: "✗ Never measured",
    5: "23 Oct 2024 · BWT 2.4 mm",
    6: "23 Oct 2025",
    7: "398 days",
}


class ChaseTableModel(RowTableModel[ChaseRow]):
    """One result to chase per row; sorts by the real value (dates, days), not the text."""

    HEADERS = (
        "#",
        "Patient",
        "Hospital no.",
        "What",
        "Status",
        "Latest result",
        "Needed by",
        "Overdue",
    )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return display_unit(_text(row, column))
        if role == SORT_ROLE:
            return _sort_key(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return BAD if row.missing else None
        if role == Qt.ItemDataRole.ToolTipRole:
            item = row.item
            return (
                f"{item.label}: valid for {item.window_days} days before the meeting "
                f"[{', '.join(item.sources)}; {item.evidence.value}]"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 7):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


def _text(row: ChaseRow, column: int) -> str:
    item = row.item
    needed = f"{item.needed_by:%d %b %Y}" if item.needed_by else "—"
    cells = (
        str(row.position),
        row.patient,
        row.hospital_number,
        item.label,
        STATUS_TEXT.get(item.status, item.status.label),
        latest_text(row),
        needed,
        overdue_cell(row),
    )
    return cells[column]


def _sort_key(row: ChaseRow, column: int) -> Any:
    item = row.item
    if column == 0:
        return row.position
    if column == 4:
        return 0 if row.missing else 1
    if column == 5:
        return item.latest.isoformat() if item.latest else ""
    if column == 6:
        return item.needed_by.isoformat() if item.needed_by else ""
    if column == 7:
        return 1_000_000 if item.days_overdue is None else item.days_overdue  # never: most urgent
    return _text(row, column).casefold()


class ChaseWindow(SavingDialog):
    """The chase list of one meeting, with a filter, "Save CSV…" and "Save PDF…".

    Args:
        chase: reads and saves chase lists.
        meeting_id: the meeting whose candidates are listed.
        actor: who is using the program (None: nobody chosen).
        can_save: whether *actor*'s role may export (the list names patients).
        runner: where the list is read and saved.
        parent: the owning window.
    """

    loaded = Signal()  # the list is on screen (or reading it failed)

    def __init__(
        self,
        chase: ChaseService,
        meeting_id: int,
        actor: Actor | None,
        can_save: bool,
        runner: Runner,
        parent: QWidget | None = None,
    ) -> None:
        why_not = NOBODY if actor is None else "" if can_save else NOT_ALLOWED
        hooks = SaveHooks(self._save_name, self._idle_widgets, self.save)
        super().__init__(actor, why_not, runner, hooks, parent)
        self._chase = chase
        self._meeting_id = meeting_id
        self.chase: ChaseList | None = None
        self.setWindowTitle("Chase list")
        self.model = ChaseTableModel(self)
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self.reload()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.heading = QLabel()
        self.heading.setObjectName("chaseHeading")
        self.heading.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: name, hospital number, result…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter the chase list")
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)  # every column
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = self._create_table()
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the list again (F5)")
        self._create_save_widgets("chaseStatus")

    def _create_table(self) -> QTableView:
        table = list_table(self.proxy, self)
        table.setSortingEnabled(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, sample in SAMPLES.items():
            table.setColumnWidth(column, self.fontMetrics().horizontalAdvance(sample) + 24)
        return table

    def _arrange_widgets(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._save_footer())
        width = sum(self.table.columnWidth(c) for c in SAMPLES) + 60
        room = self.screen().availableGeometry()
        self.resize(min(max(width, 960), room.width()), min(560, room.height()))

    def _connect_signals(self) -> None:
        self.filter.textChanged.connect(self._on_filter)
        self.refresh_button.clicked.connect(self.reload)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        self._connect_save_signals()

    # --- public -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the list again, off the GUI thread."""
        if self._busy:
            return
        chase, meeting_id = self._chase, self._meeting_id
        self._set_busy(True)
        self._show_status(READING, MUTED)
        self._runner.submit(
            lambda: chase.chase_list(meeting_id), self._on_loaded, self._on_load_failed
        )

    def save(self, target: Path) -> None:
        """Write the list to *target* (.csv or .pdf), off the GUI thread."""
        chase, actor, service = self.chase, self._actor, self._chase
        if chase is not None and actor is not None:
            self._submit_save(target, lambda: service.save(chase, target, actor).path)

    @staticmethod
    def choose_target(parent: QWidget, suggested: Path, suffix: str) -> Path | None:
        """Ask where to write the list (tests replace this)."""
        return ask_target(parent, "Save the chase list", suggested, suffix)

    # --- slots ------------------------------------------------------------------------------------

    def _on_loaded(self, chase: ChaseList) -> None:
        self.chase = chase
        self.model.set_rows(chase.rows)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the service's order
        status = chase.meeting_status.value.replace("_", " ")
        self.setWindowTitle(f"Chase list — MDT of {chase.meeting_date:%d %b %Y}")
        self.heading.setText(
            f"<b>MDT of {chase.meeting_date:%A %d %B %Y}</b> ({status}) · {headline(chase)}"
        )
        self._set_busy(False)
        self._show_status(
            "Needed by: the last day the latest result counted; overdue: days from then to the "
            "meeting. Hover a row for the window and its source.",
            MUTED,
        )
        self.loaded.emit()

    def _on_load_failed(self, error: Exception) -> None:
        self.model.set_rows([])
        self._set_busy(False)
        self._show_status(f"Could not read the chase list: {user_message(error)}", BAD)
        self.loaded.emit()

    def _on_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if self.chase is not None and text:
            self._show_status(f"{self.proxy.rowCount()} of {self.model.rowCount()} shown.", MUTED)

    # --- helpers ----------------------------------------------------------------------------------

    def _save_name(self) -> str | None:
        chase = self.chase
        return None if chase is None else f"MDT-{chase.meeting_date:%Y-%m-%d}-chase-list"

    def _idle_widgets(self) -> Sequence[QWidget]:
        return (self.refresh_button,)


class ChaseNoticeButton(QPushButton):
    """The status-bar notice: "Chase list: N items for the meeting on …"; click to open it.

    Hidden unless a planned meeting falls within the lead time (thresholds.toml
    ``chase_lead_time``). *today* pins the day (tests); otherwise it is the real date.
    """

    open_requested = Signal(int)  # the meeting id

    def __init__(
        self,
        chase: ChaseService,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self._chase = chase
        self._runner = runner
        self.today = today
        self.notice: ChaseNotice | None = None
        self._generation = 0
        self.setObjectName("chaseNotice")
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            "QPushButton#chaseNotice { color:#5c4400; background:#fff3cd; padding:2px 8px; }"
        )
        self.setVisible(False)
        self.clicked.connect(self._on_clicked)

    def refresh(self) -> None:
        """Read the next meeting's outstanding items again (off the GUI thread)."""
        chase, day = self._chase, self.today()
        self._generation += 1
        generation = self._generation
        self._runner.submit(
            lambda: chase.notice(day),
            lambda notice: self._show(generation, notice),
            lambda _error: self._show(generation, None),  # no notice rather than a wrong one
        )

    def _show(self, generation: int, notice: ChaseNotice | None) -> None:
        if generation != self._generation:
            return  # a newer reading is on its way
        self.notice = notice
        self.setVisible(notice is not None)
        if notice is None:
            return
        self.setText(f"⚑ {notice.text}")
        when = "today" if notice.days_to_go == 0 else f"in {count(notice.days_to_go, 'day')}"
        self.setToolTip(
            f"The MDT of {notice.meeting_date:%d %b %Y} is {when}: "
            f"{count(notice.items, 'result')} to chase for {count(notice.patients, 'patient')}. "
            "Click to open the chase list."
        )

    def _on_clicked(self) -> None:
        if self.notice is not None:
            self.open_requested.emit(self.notice.meeting_id)
