"""The candidate list and the one current case: what the list selects is what the pane shows.

The presenter holds the current case (its index in the meeting's list). ``CaseSelection`` keeps
the list's selection and the case pane in step with it whatever changes the list: typing in the
filter, sorting, a reload of the meeting (an import, a carry-over, another meeting), a write
that changes the case's row, or the keyboard. When the filter hides the current case, the list
selects nothing and the pane shows no case (``case_hidden``): nothing can be recorded until a
visible case is chosen. Typing never changes the patient; only the user's choice in the list
does (a click, or ↑ ↓ PgUp PgDn Home End): docs/architecture.md, "The meeting screen".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QStackedWidget,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.presenters.meeting import MeetingPresenter
from mdt_desktop.views.candidate_table_model import CandidateFilterModel, CandidateTableModel

ROWS = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows


class CaseListView(QTableView):
    """The candidate table: one Tab stop, whole rows, and no case chosen by focus alone.

    Qt makes the first row "current" when a table without one gets the focus; here the focus
    arrives without choosing anything, and ↓ (or Home) then selects the first row.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """Home and End go to the first and last case (Qt's table goes along the row)."""
        if action in (
            QAbstractItemView.CursorAction.MoveHome,
            QAbstractItemView.CursorAction.MoveEnd,
        ):
            modifiers = modifiers | Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(action, modifiers)

    def focusInEvent(self, event: Any) -> None:
        model = self.selectionModel()
        chosen = model is not None and model.hasSelection()
        super().focusInEvent(event)
        if model is not None and not chosen and model.currentIndex().isValid():
            model.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)


class CaseSelection(QObject):
    """Keeps the list's selection and the case pane on the presenter's current case.

    Signals:
        case_shown(CaseDetail): show this case in the pane (it is the selected row).
        case_hidden(): the current case is not in the filtered list: the pane shows no case.
    """

    case_shown = Signal(object)
    case_hidden = Signal()

    def __init__(
        self,
        presenter: MeetingPresenter,
        model: CandidateTableModel,
        proxy: CandidateFilterModel,
        view: QTableView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._presenter = presenter
        self._model = model
        self._proxy = proxy
        self._view = view
        self._quiet = 0  # > 0 while the list is changed here: selection signals are ours
        self._shown: CaseDetail | None = None
        self._hidden = False
        view.selectionModel().selectionChanged.connect(self._on_selection)
        proxy.layoutChanged.connect(lambda *_args: self.reconcile())
        presenter.case_changed.connect(self._on_case)
        presenter.board_loaded.connect(lambda _board: self._forget())

    # --- public -----------------------------------------------------------------------------------

    @property
    def shown(self) -> CaseDetail | None:
        """The case the pane shows (None: none, e.g. the filter hides the current case)."""
        return self._shown

    @property
    def hidden(self) -> bool:
        """True when the filter hides the current case, so the pane shows none."""
        return self._hidden

    def set_filter(self, text: str) -> None:
        """Filter the list by the words of *text*; the current case stays shown only if listed."""
        with self._ours():
            self._proxy.set_words(text)
        self.reconcile()

    def reconcile(self) -> None:
        """Select the current case's row, or show no case if the list does not show it."""
        detail, index = self._presenter.current, self._presenter.index
        if detail is None:
            return
        row = self._proxy.mapFromSource(self._model.index(index, 0))
        if not row.isValid():
            self._hide()
            return
        self._select(row)
        if self._hidden or self._shown is None or self._shown.case.id != detail.case.id:
            self._show(detail)

    # --- reacting ---------------------------------------------------------------------------------

    def _on_case(self, index: int, detail: CaseDetail) -> None:
        """The presenter's current case is *detail* (chosen, reloaded or changed by a write)."""
        with self._ours():
            self._model.update_case(index, detail)
        row = self._proxy.mapFromSource(self._model.index(index, 0))
        if not row.isValid():
            self._hide()
            return
        self._select(row)
        self._show(detail)

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        """The user chose a row (click or keys), or cleared the selection (Ctrl+click)."""
        if self._quiet:
            return
        rows = self._view.selectionModel().selectedRows()
        if len(rows) != 1:
            self.reconcile()  # nothing chosen: the current case stays, if listed
            return
        source = self._proxy.mapToSource(rows[0]).row()
        if source != self._presenter.index:
            self._presenter.select_case(source)
        elif self._hidden:
            self.reconcile()

    # --- helpers ----------------------------------------------------------------------------------

    def _forget(self) -> None:
        """A meeting was (re)loaded: nothing is selected until the presenter chooses a case."""
        self._shown = None

    def _select(self, row: QModelIndex) -> None:
        selection = self._view.selectionModel()
        selected = selection.selectedRows()
        if selection.currentIndex().row() == row.row() and [r.row() for r in selected] == [
            row.row()
        ]:
            return
        with self._ours():
            selection.setCurrentIndex(row, ROWS)
        self._view.scrollTo(row)

    def _show(self, detail: CaseDetail) -> None:
        self._hidden = False
        self._shown = detail
        self.case_shown.emit(detail)

    def _hide(self) -> None:
        with self._ours():
            self._view.selectionModel().clearSelection()
            self._view.selectionModel().setCurrentIndex(
                QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        if not self._hidden:
            self._hidden = True
            self._shown = None
            self.case_hidden.emit()

    @contextmanager
    def _ours(self) -> Iterator[None]:
        """While in this block, selection changes come from the program, not the user."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1


class ListingTabs(QWidget):
    """Cases and open actions as tabs, with the meeting line and the filter on the tabs' row.

    One row instead of three keeps the case list and the plots tall on a small screen. It
    answers the QTabWidget calls the window uses (``indexOf``, ``setTabText``, …).
    """

    def __init__(self, beside: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bar = QTabBar()
        self._bar.setDocumentMode(True)
        self._bar.setDrawBase(False)
        self._bar.setExpanding(False)
        self._pages = QStackedWidget()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._bar)
        row.addWidget(beside, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self._pages, 1)
        self._bar.currentChanged.connect(self._pages.setCurrentIndex)

    def addTab(self, page: QWidget, text: str) -> int:
        self._pages.addWidget(page)
        return self._bar.addTab(text)

    def tabBar(self) -> QTabBar:
        return self._bar

    def indexOf(self, page: QWidget) -> int:
        return self._pages.indexOf(page)

    def tabText(self, index: int) -> str:
        return self._bar.tabText(index)

    def setTabText(self, index: int, text: str) -> None:
        self._bar.setTabText(index, text)

    def setTabToolTip(self, index: int, text: str) -> None:
        self._bar.setTabToolTip(index, text)

    def isTabVisible(self, index: int) -> bool:
        return self._bar.isTabVisible(index)

    def setTabVisible(self, index: int, visible: bool) -> None:
        self._bar.setTabVisible(index, visible)

    def currentWidget(self) -> QWidget | None:
        return self._pages.currentWidget()

    def setCurrentWidget(self, page: QWidget) -> None:
        self._bar.setCurrentIndex(self._pages.indexOf(page))
