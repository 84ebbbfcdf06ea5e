"""Follow-up after de-escalation: the worklist of patients in their first year on a lower regimen.

Flags (flare, persistent flare, early warning, unknown), patients gone quiet (no contact for
longer than the configured window, docs/clinical.md, "Loss to follow-up") and overdue checks
come first; the last column says when and how each patient was last seen. The detail pane shows
the evidence behind the flag and every planned check of the selected patient. The
coordinator may list the patient for the next planned meeting. The worklist is read and the
patient listed through the runner (off the GUI thread); the service checks the permission again
and its messages are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.board import MeetingRef
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.flare import FlareStatus
from mdt_desktop.domain.followup import FollowUpRow
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.thresholds import Thresholds
from mdt_desktop.domain.wording import count
from mdt_desktop.services.followup import FollowUpService
from mdt_desktop.views.candidate_table_model import SORT_ROLE
from mdt_desktop.views.display import BAD, GOOD, MUTED, css
from mdt_desktop.views.followup_model import FollowUpTableModel, detail_html
from mdt_desktop.views.tables import list_table
from mdt_desktop.workers import Runner

NOT_ALLOWED = "Only the MDT coordinator lists patients for a meeting."
NOBODY = "Choose who you are (Acting as) first."
NO_MEETING = "There is no planned meeting to add to: plan one first (Meeting → New meeting…)."
SAMPLES = {  # column widths: what a typical cell holds, plus some air
    0: "MARSHALL (DEMO), Mohammed",
    1: "DEMO10000",
    2: "IFX 10 mg/kg q8w → 5 mg/kg q8w",
    3: "28 Oct 2026",
    4: "Months",
    5: "Calpro",
    6: "CRP",
    7: "Level",
    8: "↑ Re-escalated · recapture pending",
    9: "○ 18 Jan · pMayo, FCP, CRP",
    10: "Overdue",
    11: "25 Nov",
    12: "⊘ Quiet 15 Dec 2025",
}
FLARE, LISTED, LAST_CONTACT = 8, 11, 12
READING = "Reading the worklist…"


@dataclass(frozen=True, slots=True)
class Worklist:
    """What one load brings back: the rows and the meeting a patient would be added to."""

    rows: list[FollowUpRow]
    next_meeting: MeetingRef | None


class FollowUpWindow(QDialog):
    """The follow-up worklist with a detail pane and "Add to next meeting".

    Args:
        followup: reads the worklist and lists patients.
        thresholds: the configured thresholds (drug-level target bands for the Level column).
        actor: who is using the program (None: nobody chosen).
        can_add: whether *actor*'s role may list patients for a meeting.
        runner: where the worklist is read and patients are listed.
        parent: the owning window.
        why_not: why nothing may be added whatever the role (e.g. the file is read-only).
        today: the day the worklist is read for (default: today).
    """

    loaded = Signal()  # the worklist is on screen (or the load failed)
    listed = Signal(object)  # MeetingRef: a patient was added to that meeting's list

    def __init__(
        self,
        followup: FollowUpService,
        thresholds: Thresholds,
        actor: Actor | None,
        can_add: bool,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        why_not: str | None = None,
        today: date | None = None,
        identifiers: Identifiers = Identifiers.FULL,
    ) -> None:
        super().__init__(parent)
        self._followup = followup
        self._actor = actor
        self._runner = runner
        self._today = today
        self._why_not = why_not or (NOBODY if actor is None else "" if can_add else NOT_ALLOWED)
        self._next: MeetingRef | None = None
        self._generation = 0
        self._busy = False
        self.setWindowTitle("Follow-up after de-escalation")
        self.model = FollowUpTableModel(thresholds, self, identifiers)
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self.reload()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.heading = QLabel()
        self.heading.setObjectName("followUpHeading")
        self.heading.setWordWrap(True)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the worklist again (F5)")
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = self._create_table()
        self.details = QTextBrowser()
        self.details.setAccessibleName("Selected patient")
        self.details.setPlaceholderText("Select a patient to see the evidence and the checks.")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # messages name hospital numbers
        self.status.setObjectName("followUpStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = self.buttons.addButton(
            "&Add to next meeting", QDialogButtonBox.ButtonRole.ActionRole
        )

    def _create_table(self) -> QTableView:
        table = list_table(self.proxy, self)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.setSortingEnabled(True)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Every column keeps the width of what it typically holds; the last one takes what is
        # left, and a narrow screen scrolls rather than crushing a column.
        for column, sample in SAMPLES.items():
            table.setColumnWidth(column, self.fontMetrics().horizontalAdvance(sample) + 20)
        # "Gone quiet" is a flag like a flare: shown beside it, before the planned checks (the
        # model keeps its column last, so the column numbers scripts and tests use stay put).
        header.moveSection(header.visualIndex(LAST_CONTACT), header.visualIndex(FLARE) + 1)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(LISTED, QHeaderView.ResizeMode.Stretch)
        return table

    def _arrange_widgets(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(footer)
        width = sum(self.table.columnWidth(c) for c in SAMPLES) + 40
        room = self.screen().availableGeometry()
        self.resize(min(max(width, 1100), room.width()), min(760, room.height()))
        self.splitter.setSizes([420, 300])

    def _connect_signals(self) -> None:
        self.refresh_button.clicked.connect(lambda: self.reload())
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.add_button.clicked.connect(self.add_selected)
        self.buttons.rejected.connect(self.reject)

    # --- public -----------------------------------------------------------------------------------

    @property
    def why_not(self) -> str:
        """Why "Add to next meeting" is disabled for this user ('' when they may add)."""
        return self._why_not

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Name patients in full or by initials (the room screen), in the list and the details."""
        self.model.set_identifiers(identifiers)
        row = self.selected()
        if row is not None:
            self.details.setHtml(detail_html(row, identifiers))

    def selected(self) -> FollowUpRow | None:
        """The patient whose details are shown, if any."""
        current = self.table.currentIndex()
        if not current.isValid():
            return None
        return self.model.follow_up(self.proxy.mapToSource(current).row())

    def select(self, hospital_number: str) -> bool:
        """Select the row of *hospital_number*; False when it is not on the worklist."""
        row = self.model.row_where(lambda r: r[0].hospital_number == hospital_number)
        if row is None:
            return False
        self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        return True

    def reload(self, *, keep_message: bool = False) -> None:
        """Read the worklist (and the next planned meeting) again, off the GUI thread."""
        self._generation += 1
        generation = self._generation
        followup, today = self._followup, self._today
        self._busy = True
        self._update_controls()
        if not keep_message:
            self._show_status(READING, MUTED)
        self._runner.submit(
            lambda: Worklist(followup.worklist(today), followup.next_meeting(today)),
            lambda worklist: self._on_loaded(generation, worklist),
            lambda error: self._on_load_failed(generation, error),
        )

    def add_selected(self) -> None:
        """List the selected patient for the next planned meeting."""
        row, actor = self.selected(), self._actor
        if row is None or actor is None or self._why_not or self._busy:
            return
        followup, today, number = self._followup, self._today, row.hospital_number
        self._busy = True
        self._update_controls()
        self._runner.submit(
            lambda: followup.add_to_next_meeting(number, actor, today),
            lambda meeting: self._on_added(number, meeting),
            self._on_add_failed,
        )

    # --- slots ------------------------------------------------------------------------------------

    def _on_loaded(self, generation: int, worklist: Worklist) -> None:
        if generation != self._generation:
            return  # a newer load is on its way
        wanted = self.selected()
        self._busy = False
        self._next = worklist.next_meeting
        self.model.set_worklist(worklist.rows)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the service's order: flags first
        self.heading.setText(self._heading(worklist.rows))
        if self.status.text() == READING:
            self.status.clear()
        if not (wanted and self.select(wanted.hospital_number)) and worklist.rows:
            self.table.selectRow(0)
        self._update_controls()
        self.loaded.emit()

    def _on_load_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._busy = False
        self.model.set_worklist([])
        self.details.clear()
        self._show_status(f"Could not read the worklist: {user_message(error)}", BAD)
        self._update_controls()
        self.loaded.emit()

    def _on_added(self, number: str, meeting: MeetingRef) -> None:
        self._busy = False
        self._show_status(f"Added {number} to the MDT of {meeting.meeting_date:%d %b %Y}.", GOOD)
        self.listed.emit(meeting)
        self.reload(keep_message=True)

    def _on_add_failed(self, error: Exception) -> None:
        self._busy = False
        self._show_status(user_message(error), BAD)
        self._update_controls()

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.selected() if current.isValid() else None
        if row is None:
            self.details.clear()
        else:
            self.details.setHtml(detail_html(row, self.model.identifiers))
        self._update_controls()

    # --- helpers ----------------------------------------------------------------------------------

    def _heading(self, rows: list[FollowUpRow]) -> str:
        watched = [r for r in rows if r.re_escalated_on is not None]
        flagged = sum(
            1
            for r in rows
            if r.status.rank >= FlareStatus.EARLY_WARNING.rank and r.re_escalated_on is None
        )
        overdue = sum(1 for r in rows if r.overdue)
        quiet = sum(1 for r in rows if r.quiet)
        when = f"{self._today:%d %b %Y}" if self._today else f"today, {date.today():%d %b %Y}"
        patients = count(len(rows), "patient")
        return (
            f"<b>{patients}</b> de-escalated within the last year, as of {when} · "
            f"{flagged} flagged · {len(watched)} re-escalated, watched for recapture · "
            f"{quiet} gone quiet · {overdue} with overdue checks"
        )

    def _show_status(self, text: str, colour: QColor) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color:{css(colour)}")

    def _add_reason(self) -> str:
        """Why "Add to next meeting" is disabled now ('' when it is enabled)."""
        row = self.selected()
        if self._why_not:
            return self._why_not
        if self._next is None:
            return NO_MEETING
        if row is None:
            return "Select a patient first."
        if row.listed_on is not None:
            return f"{row.hospital_number} is already listed for {row.listed_on:%d %b %Y}."
        return ""

    def _update_controls(self) -> None:
        reason = self._add_reason()
        self.add_button.setEnabled(not self._busy and not reason)
        meeting = f"the MDT of {self._next.meeting_date:%d %b %Y}" if self._next else "a meeting"
        self.add_button.setToolTip(reason or f"Add the selected patient to {meeting}")
        when = f" ({self._next.meeting_date:%d %b})" if self._next else ""
        self.add_button.setText(f"&Add to next meeting{when}")
        self.refresh_button.setEnabled(not self._busy)
        if reason and reason == self._why_not and not self.status.text():
            self.status.setText(reason)
            self.status.setStyleSheet(f"color:{css(MUTED)}")
