"""Pieces the coordinator's preparation screens share: plain labels, offer tables and boxes."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    Qt,
)
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)


def plain_label(text: str = "") -> QLabel:
    """A label for text from users (names, typed numbers): never read as markup."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def offer_table(
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
    model.modelReset.connect(lambda: fit_columns(table, stretch))
    fit_columns(table, stretch)
    return table


def fit_columns(table: QTableView, stretch: int, air: int = 16) -> None:
    """Size every column but *stretch* to its contents, with some air."""
    for column in range(table.model().columnCount()):
        if column != stretch:
            table.resizeColumnToContents(column)
            table.setColumnWidth(column, table.columnWidth(column) + air)


def offer_box(title: str, status: QLabel, table: QTableView, add: QPushButton) -> QGroupBox:
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
