"""The editable monitoring-plan and actions tables of the decision panel.

Each table is one Tab stop: the arrows move between cells, typing or F2 edits one, Tab leaves the
table. A due date is typed as a whole ("24 Feb 2027") and read as typed, or shown in red with
the reason and refused when the decision is saved (views/common/date_field.py). The owner of an
action is chosen from the roster in a list that opens in the cell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QAbstractItemModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.consensus import ActionInput
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.records import Clinician, PlannedCheck
from mdt_desktop.views.common.date_field import date_text, parse_typed_date
from mdt_desktop.views.common.display import BAD
from mdt_desktop.views.common.user_picker import roster_label

DATE_ROLE = Qt.ItemDataRole.UserRole + 1  # the date a due cell holds (None: not a date)
VISIBLE_ROWS = 6  # a longer plan scrolls inside its table


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
    """A table with Add and Remove buttons beneath it; its due column holds typed dates."""

    def __init__(
        self,
        headers: tuple[str, ...],
        add_label: str,
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._due_column = len(headers) - 1
        self._default_due = date.today()
        self.table = QTableWidget(0, len(headers))
        self.table.setAccessibleName(name)
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move in it
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        due_width = self.fontMetrics().horizontalAdvance("24 Feb 2027MMM")
        self.table.horizontalHeader().setSectionResizeMode(
            self._due_column, QHeaderView.ResizeMode.Fixed
        )
        self.table.setColumnWidth(self._due_column, due_width)
        self.table.itemChanged.connect(self._on_changed)
        self.add_button = QPushButton(add_label)
        self.add_button.setAccessibleName(f"{name}: {add_label.lower()}")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName(f"{name}: remove the selected row")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.remove_button.clicked.connect(self._remove)
        self._fit_height()

    def focus_order(self) -> list[QWidget]:
        """The table, then Add and Remove."""
        return [self.table, self.add_button, self.remove_button]

    def set_default_due(self, due: date) -> None:
        """When rows added from now on fall due (e.g. by the next meeting)."""
        self._default_due = due

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows or [self.table.rowCount() - 1]:
            if row >= 0:
                self.table.removeRow(row)
        self._fit_height()

    def set_editable(self, editable: bool) -> None:
        self.table.setEnabled(editable)
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable)

    def clear(self) -> None:
        self.table.setRowCount(0)
        self._fit_height()

    def row_count(self) -> int:
        """Rows in the table, filled in or not."""
        return self.table.rowCount()

    def _resize(self, rows: int, make_row: Callable[[int], None]) -> None:
        """Keep *rows* rows, making only the missing ones."""
        while self.table.rowCount() > rows:
            self.table.removeRow(self.table.rowCount() - 1)
        while self.table.rowCount() < rows:
            row = self.table.rowCount()
            self.table.insertRow(row)
            make_row(row)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its rows (at least two, at most ``VISIBLE_ROWS``): no empty space."""
        rows = min(max(self.table.rowCount(), 2), VISIBLE_ROWS)
        height = (
            self.table.horizontalHeader().sizeHint().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )
        self.table.setFixedHeight(height)

    # --- due dates -----------------------------------------------------------------------------

    def _due_item(self, due: date) -> QTableWidgetItem:
        item = QTableWidgetItem(date_text(due))
        item.setData(DATE_ROLE, due)
        return item

    def _on_changed(self, item: QTableWidgetItem) -> None:
        """A due date was typed: write it back in full, or mark it red with the reason."""
        if item.column() != self._due_column:
            return
        self.table.blockSignals(True)
        try:
            due = parse_typed_date(item.text())
        except ValidationError as error:
            item.setData(DATE_ROLE, None)
            item.setForeground(BAD)
            item.setToolTip(str(error))
        else:
            item.setData(DATE_ROLE, due)
            item.setText(date_text(due))
            item.setData(Qt.ItemDataRole.ForegroundRole, None)
            item.setToolTip("")
        self.table.blockSignals(False)

    def _due(self, row: int, what: str) -> date:
        """The due date of *row*.

        Raises:
            ValidationError: The cell does not hold a date (the message names the row).
        """
        item = self.table.item(row, self._due_column)
        text = item.text() if item is not None else ""
        try:
            return parse_typed_date(text)
        except ValidationError as error:
            raise ValidationError(f"{what} {row + 1}: due date {error}") from error


class MonitoringTable(_EditableTable):
    """What to check after the decision, and when."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("Check", "Due"), "Add check", "Monitoring plan", parent)
        self.add_button.clicked.connect(lambda: self.add(PlannedCheck("", self._default_due)))

    def add(self, check: PlannedCheck) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._make_row(row)
        self._fill(row, check)
        self._fit_height()
        self.table.setCurrentCell(row, 0)

    def _make_row(self, row: int) -> None:
        self.table.setItem(row, 0, QTableWidgetItem())
        self.table.setItem(row, 1, self._due_item(self._default_due))

    def _fill(self, row: int, check: PlannedCheck) -> None:
        item = self.table.item(row, 0)
        assert item is not None
        self.table.blockSignals(True)
        item.setText(check.label)
        item.setData(Qt.ItemDataRole.UserRole, list(check.analytes))
        self.table.setItem(row, 1, self._due_item(check.due))
        self.table.blockSignals(False)

    def set_plan(self, plan: tuple[PlannedCheck, ...]) -> None:
        self._resize(len(plan), self._make_row)
        for row, check in enumerate(plan):
            self._fill(row, check)

    def plan_rows(self) -> int:
        """Rows with a check named (whatever their dates)."""
        return sum(
            1
            for row in range(self.table.rowCount())
            if (item := self.table.item(row, 0)) is not None and item.text().strip()
        )

    def plan(self) -> tuple[PlannedCheck, ...]:
        """The checks entered, by due date.

        Raises:
            ValidationError: A named check's due date is not a date.
        """
        checks = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is None or not item.text().strip():
                continue
            analytes = tuple(item.data(Qt.ItemDataRole.UserRole) or ())
            due = self._due(row, "monitoring check")
            checks.append(PlannedCheck(item.text().strip(), due, analytes))
        return tuple(sorted(checks, key=lambda c: (c.due, c.label)))


class OwnerDelegate(QStyledItemDelegate):
    """The owner cell opens a list of the roster's active members."""

    def __init__(self, roster: Callable[[], list[Clinician]], parent: QWidget) -> None:
        super().__init__(parent)
        self._roster = roster

    def createEditor(
        self,
        parent: QWidget,
        _option: QStyleOptionViewItem,
        _index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        box = QComboBox(parent)
        box.setAccessibleName("Owner")
        for clinician in self._roster():
            box.addItem(roster_label(clinician), clinician.id)
        return box

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.UserRole)), 0))

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if isinstance(editor, QComboBox) and editor.currentIndex() >= 0:
            model.setData(index, editor.currentData(), Qt.ItemDataRole.UserRole)
            model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class ActionsTable(_EditableTable):
    """Who does what by when."""

    def __init__(self, roster: list[Clinician], parent: QWidget | None = None) -> None:
        super().__init__(("Action", "Owner", "Due"), "Add action", "Actions", parent)
        self._roster = [c for c in roster if c.active]
        header = self.table.horizontalHeader()  # the owner's name elided; whole in its tooltip
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(1, self.fontMetrics().horizontalAdvance("M" * 11))
        self.table.setItemDelegateForColumn(1, OwnerDelegate(lambda: self._roster, self.table))
        self.add_button.clicked.connect(self._add_blank)

    def set_roster(self, roster: list[Clinician]) -> None:
        """Offer these (active) members as owners of new rows."""
        self._roster = [c for c in roster if c.active]

    def _add_blank(self) -> None:
        first = self._roster[0].id if self._roster else None
        if first is not None:
            self.add(ActionInput("", first, self._default_due))
            self.table.setFocus()
            self.table.setCurrentCell(self.table.rowCount() - 1, 0)

    def add(self, action: ActionInput) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._make_row(row)
        self._fill(row, action)
        self._fit_height()

    def _make_row(self, row: int) -> None:
        self.table.setItem(row, 0, QTableWidgetItem())
        self.table.setItem(row, 1, QTableWidgetItem())
        self.table.setItem(row, 2, self._due_item(self._default_due))

    def _fill(self, row: int, action: ActionInput) -> None:
        item, owner = self.table.item(row, 0), self.table.item(row, 1)
        assert item is not None
        assert owner is not None
        chosen = next((c for c in self._roster if c.id == action.owner_id), None)
        chosen = chosen or (self._roster[0] if self._roster else None)
        self.table.blockSignals(True)
        item.setText(action.description)
        owner.setText(roster_label(chosen) if chosen else "")
        owner.setToolTip(roster_label(chosen) if chosen else "")
        owner.setData(Qt.ItemDataRole.UserRole, chosen.id if chosen else None)
        self.table.setItem(row, 2, self._due_item(action.due or self._default_due))
        self.table.blockSignals(False)

    def set_actions(self, actions: tuple[ActionInput, ...]) -> None:
        self._resize(len(actions), self._make_row)
        for row, action in enumerate(actions):
            self._fill(row, action)

    def entered(self) -> tuple[ActionInput, ...]:
        """The actions entered.

        Raises:
            ValidationError: A described action has no owner or its due date is not a date.
        """
        found = []
        for row in range(self.table.rowCount()):
            item, owner = self.table.item(row, 0), self.table.item(row, 1)
            if item is None or not item.text().strip():
                continue
            owner_id = owner.data(Qt.ItemDataRole.UserRole) if owner is not None else None
            if not isinstance(owner_id, int):
                raise ValidationError(f"action {row + 1}: choose who owns it")
            found.append(ActionInput(item.text().strip(), owner_id, self._due(row, "action")))
        return tuple(found)
