"""The read-only list tables the worklists and summaries share."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QTableView, QWidget


def list_table(model: QAbstractItemModel, sized_by: QWidget | None = None) -> QTableView:
    """A read-only table of *model*: whole rows selected, shaded alternately, one line a row.

    Rows are a text line of *sized_by*'s font (default: the table's own) high, plus some air.
    """
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    metrics = (sized_by or table).fontMetrics()
    table.verticalHeader().setDefaultSectionSize(metrics.height() + 8)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    return table
