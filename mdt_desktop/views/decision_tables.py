"""The editable monitoring-plan and actions tables of the decision panel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.consensus import ActionInput
from mdt_desktop.domain.records import Clinician, PlannedCheck
from mdt_desktop.views.user_picker import roster_label


def to_qdate(day: date) -> QDate:
    """Return *day* as a QDate."""
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> date:
    """Return a QDate as a date."""
    return date(day.year(), day.month(), day.day())


def date_edit(day: date) -> QDateEdit:
    """A date field with a calendar, in the day-month-year order used on the ward."""
    edit = QDateEdit(to_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd MMM yyyy")
    return edit


class _EditableTable(QWidget):
    """A table with Add and Remove buttons beneath it."""

    def __init__(
        self, headers: tuple[str, ...], add_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton(add_label)
        self.remove_button = QPushButton("Remove")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.remove_button.clicked.connect(self._remove)

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows or [self.table.rowCount() - 1]:
            if row >= 0:
                self.table.removeRow(row)

    def set_editable(self, editable: bool) -> None:
        self.table.setEnabled(editable)
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable)

    def clear(self) -> None:
        self.table.setRowCount(0)

    def _resize(self, rows: int, make_row: Callable[[int], None]) -> None:
        """Keep *rows* rows, making only the missing ones.

        Case after case reuses the row widgets (a date field per row) instead of building and
        discarding them each time.
        """
        while self.table.rowCount() > rows:
            self.table.removeRow(self.table.rowCount() - 1)
        while self.table.rowCount() < rows:
            row = self.table.rowCount()
            self.table.insertRow(row)
            make_row(row)


class MonitoringTable(_EditableTable):
    """What to check after the decision, and when."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("Check", "Due"), "Add check", parent)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(1, 130)
        self.add_button.clicked.connect(lambda: self.add(PlannedCheck("", date.today())))

    def add(self, check: PlannedCheck) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._make_row(row)
        self._fill(row, check)

    def _make_row(self, row: int) -> None:
        self.table.setItem(row, 0, QTableWidgetItem())
        self.table.setCellWidget(row, 1, date_edit(date.today()))

    def _fill(self, row: int, check: PlannedCheck) -> None:
        item = self.table.item(row, 0)
        due = self.table.cellWidget(row, 1)
        assert item is not None
        assert isinstance(due, QDateEdit)
        item.setText(check.label)
        item.setData(Qt.ItemDataRole.UserRole, list(check.analytes))
        due.setDate(to_qdate(check.due))

    def set_plan(self, plan: tuple[PlannedCheck, ...]) -> None:
        self._resize(len(plan), self._make_row)
        for row, check in enumerate(plan):
            self._fill(row, check)

    def plan(self) -> tuple[PlannedCheck, ...]:
        checks = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            widget = self.table.cellWidget(row, 1)
            if item is None or not item.text().strip() or not isinstance(widget, QDateEdit):
                continue
            analytes = tuple(item.data(Qt.ItemDataRole.UserRole) or ())
            checks.append(PlannedCheck(item.text().strip(), from_qdate(widget.date()), analytes))
        return tuple(sorted(checks, key=lambda c: (c.due, c.label)))


class ActionsTable(_EditableTable):
    """Who does what by when."""

    def __init__(self, roster: list[Clinician], parent: QWidget | None = None) -> None:
        super().__init__(("Action", "Owner", "Due"), "Add action", parent)
        self._roster = [c for c in roster if c.active]
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(2, 130)
        self.add_button.clicked.connect(self._add_blank)

    def set_roster(self, roster: list[Clinician]) -> None:
        """Offer these (active) members as owners of new rows."""
        self._roster = [c for c in roster if c.active]

    def _add_blank(self) -> None:
        first = self._roster[0].id if self._roster else None
        if first is not None:
            self.add(ActionInput("", first, date.today()))

    def add(self, action: ActionInput) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._make_row(row)
        self._fill(row, action)

    def _make_row(self, row: int) -> None:
        self.table.setItem(row, 0, QTableWidgetItem())
        owner = QComboBox()
        for clinician in self._roster:
            owner.addItem(roster_label(clinician), clinician.id)
        self.table.setCellWidget(row, 1, owner)
        self.table.setCellWidget(row, 2, date_edit(date.today()))

    def _fill(self, row: int, action: ActionInput) -> None:
        item = self.table.item(row, 0)
        owner = self.table.cellWidget(row, 1)
        due = self.table.cellWidget(row, 2)
        assert item is not None
        assert isinstance(owner, QComboBox)
        assert isinstance(due, QDateEdit)
        item.setText(action.description)
        owner.setCurrentIndex(max(owner.findData(action.owner_id), 0))
        due.setDate(to_qdate(action.due or date.today()))

    def set_actions(self, actions: tuple[ActionInput, ...]) -> None:
        self._resize(len(actions), self._make_row)
        for row, action in enumerate(actions):
            self._fill(row, action)

    def entered(self) -> tuple[ActionInput, ...]:
        found = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            owner = self.table.cellWidget(row, 1)
            due = self.table.cellWidget(row, 2)
            if item is None or not item.text().strip():
                continue
            if isinstance(owner, QComboBox) and isinstance(due, QDateEdit):
                found.append(
                    ActionInput(
                        item.text().strip(), int(owner.currentData()), from_qdate(due.date())
                    )
                )
        return tuple(found)
