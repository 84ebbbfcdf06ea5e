"""Actions from earlier meetings still open at this one: the list at the start of the meeting.

Beside the candidate list. Shows patient, action, owner, due date, the meeting that agreed it and
its state (overdue in red); the action's owner or the coordinator marks it done, also after the
meeting that agreed it was signed off. For a signed-off meeting the list is the one its minutes
hold (as it stood at sign-off), with what has happened since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.carry_over import OpenAction
from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.identifiers import Identifiers, patient_name
from mdt_desktop.presenters.acting import choose_who_you_are
from mdt_desktop.views.common.display import BAD, GOOD, MUTED
from mdt_desktop.views.common.plain_text import tooltip
from mdt_desktop.views.common.row_model import Index, RowTableModel

SORT_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class ActionViewer:
    """Who looks at the list: they may complete their own actions (the coordinator: any)."""

    clinician_id: int | None
    role: Role | None
    read_only: bool

    def may_complete(self, action: OpenAction) -> bool:
        if self.read_only or self.role is None or self.role is Role.OBSERVER:
            return False
        return self.role is Role.COORDINATOR or self.clinician_id == action.owner_id

    def why_not(self, action: OpenAction | None) -> str:
        if action is None:
            return "Choose an action in the list."
        if self.read_only:
            return "The database is open read-only."
        if self.role is None:
            return choose_who_you_are()
        if not self.may_complete(action):
            return f"Only {action.owner} (the owner) or the coordinator marks this action done."
        return ""


def state_text(action: OpenAction, on: date) -> str:
    """The action's state as the list stands, and what changed since (signed-off meetings)."""
    listed = action.status(on)
    if action.done_at is None and action.done_now is not None:
        return f"{listed} · done {action.done_now:%d %b %Y} since"
    if action.done_at is not None and action.done_now is None:
        return f"{listed} · reopened since"
    return listed


class OpenActionsTableModel(RowTableModel[OpenAction]):
    """Patient, hospital number, action, owner, due, from meeting, state."""

    HEADERS = ("Patient", "Hospital no.", "Action", "Owner", "Due", "From meeting", "State")

    def __init__(
        self, parent: QObject | None = None, identifiers: Identifiers = Identifiers.FULL
    ) -> None:
        super().__init__(parent)
        self._on = date.today()
        self._identifiers = identifiers

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Name patients in full or by initials (the room screen)."""
        self._identifiers = identifiers
        if self._rows:
            last = self.index(len(self._rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def set_actions(self, actions: Sequence[OpenAction], on: date) -> None:
        """Show *actions*; overdue means due before *on* (the meeting date)."""
        self._on = on
        self.set_rows(actions)

    def action(self, row: int) -> OpenAction:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        action, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(action, column)
        if role == SORT_ROLE:
            return self._sort(action, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return tooltip(action.description)
        if role == Qt.ItemDataRole.ForegroundRole and column in (4, 6):
            if action.done_now is not None:
                return GOOD if column == 6 else MUTED
            return BAD if action.overdue(self._on) else None
        return None

    def _text(self, action: OpenAction, column: int) -> str:
        due = f"{action.due:%d %b %Y}" if action.due else "—"
        cells = (
            patient_name(action.patient, self._identifiers),
            action.patient.hospital_number,
            action.description,
            action.owner,
            due,
            f"{action.from_meeting_date:%d %b %Y}",
            state_text(action, self._on),
        )
        return cells[column]

    def _sort(self, action: OpenAction, column: int) -> Any:
        if column == 4:
            return action.due.isoformat() if action.due else "9999"
        if column == 5:
            return action.from_meeting_date.isoformat()
        return self._text(action, column)


class OpenActionsPanel(QWidget):
    """The list, a summary line and Mark done / Mark not done."""

    done_requested = Signal(int, bool)  # action id, done

    def __init__(
        self, parent: QWidget | None = None, identifiers: Identifiers = Identifiers.FULL
    ) -> None:
        super().__init__(parent)
        self._viewer = ActionViewer(None, None, True)
        self._actions: tuple[OpenAction, ...] = ()
        self._on = date.today()
        self.model = OpenActionsTableModel(self, identifiers)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setAccessibleName("Open actions of earlier meetings")
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # by due date: overdue first
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.done_button = QPushButton("Mark done")
        self.done_button.setAccessibleName("Mark the open action done")
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_button())
        self.table.doubleClicked.connect(lambda _index: self._on_done())
        self.done_button.clicked.connect(self._on_done)
        self._update_button()

    def focus_order(self) -> list[QWidget]:
        """The list, then Mark done."""
        return [self.table, self.done_button]

    def show_actions(
        self, actions: tuple[OpenAction, ...], on: date, viewer: ActionViewer, signed_off: bool
    ) -> None:
        """Show the list of a meeting on *on* (the state at sign-off when *signed_off*)."""
        chosen = self.selected()
        self._actions, self._on, self._viewer = actions, on, viewer
        self.model.set_actions(actions, on)
        open_now = sum(1 for a in actions if a.done_now is None)
        overdue = sum(1 for a in actions if a.overdue(on))
        when = "at sign-off" if signed_off else "at the start of the meeting"
        self.summary.setText(
            f"{len(actions)} action{'s' if len(actions) != 1 else ''} open {when} "
            f"({overdue} overdue on the meeting's date, {on:%d %b %Y}); {open_now} still open now."
            if actions
            else "No action from an earlier meeting is open."
        )
        if chosen is not None:
            self.select(chosen.id)
        self._update_button()

    def set_viewer(self, viewer: ActionViewer) -> None:
        """The user changed: who may mark actions done."""
        self._viewer = viewer
        self._update_button()

    @property
    def listed(self) -> tuple[OpenAction, ...]:
        return self._actions

    def still_open(self) -> int:
        return sum(1 for a in self._actions if a.done_now is None)

    def overdue(self) -> int:
        return sum(1 for a in self._actions if a.done_now is None and a.overdue(self._on))

    def selected(self) -> OpenAction | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.action(self.proxy.mapToSource(index).row())

    def select(self, action_id: int) -> bool:
        """Make the action with *action_id* the current row."""
        row = self.model.row_where(lambda a: a.id == action_id)
        if row is None:
            return False
        self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))
        return True

    def _update_button(self) -> None:
        action = self.selected()
        done = action is not None and action.done_now is not None
        self.done_button.setText("Mark not done" if done else "Mark done")
        why = self._viewer.why_not(action)
        self.done_button.setEnabled(not why)
        self.done_button.setToolTip(why)

    def _on_done(self) -> None:
        action = self.selected()
        if action is not None and self._viewer.may_complete(action):
            self.done_requested.emit(action.id, action.done_now is None)
