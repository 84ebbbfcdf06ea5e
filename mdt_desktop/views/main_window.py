"""The main window: a meeting picker and the chosen meeting's cases."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.records import MeetingRecord
from mdt_desktop.services.meetings import MeetingListItem, MeetingService
from mdt_desktop.views.case_table_model import CaseTableModel


class MainWindow(QMainWindow):
    """Meeting picker above the meeting's case list; a banner when the database is read-only."""

    def __init__(
        self,
        meetings: MeetingService,
        *,
        title: str,
        notice: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._meetings = meetings
        self._items: list[MeetingListItem] = []
        self.setWindowTitle(title)
        self._create_widgets(notice)
        self._arrange_widgets()
        self._connect_signals()
        self.reload()

    def _create_widgets(self, notice: str | None) -> None:
        self.notice = QLabel(notice or "")
        self.notice.setWordWrap(True)
        self.notice.setObjectName("readOnlyNotice")
        self.notice.setStyleSheet("background:#fff3cd; color:#5c4400; padding:6px;")
        self.notice.setVisible(bool(notice))
        self.picker = QComboBox()
        self.picker.setAccessibleName("Meeting")
        self.summary = QLabel()
        self.cases = QTableView()
        self.model = CaseTableModel(self)
        self.cases.setModel(self.model)
        self.cases.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.cases.setAlternatingRowColors(True)
        self.cases.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cases.horizontalHeader().setStretchLastSection(True)
        self.cases.verticalHeader().setVisible(False)

    def _arrange_widgets(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Meeting:"))
        top.addWidget(self.picker, 1)
        top.addWidget(self.summary, 2)
        layout = QVBoxLayout()
        layout.addWidget(self.notice)
        layout.addLayout(top)
        layout.addWidget(self.cases, 1)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

    def _connect_signals(self) -> None:
        self.picker.currentIndexChanged.connect(self._on_meeting_chosen)

    def reload(self) -> None:
        """Reload the meeting list and show the newest meeting."""
        self._items = self._meetings.list_meetings()
        self.picker.blockSignals(True)
        self.picker.clear()
        for item in self._items:
            self.picker.addItem(
                f"{item.meeting_date:%d %b %Y} — "
                f"{item.status.value.replace('_', ' ')} ({item.cases} cases)"
            )
        self.picker.blockSignals(False)
        if self._items:
            self._on_meeting_chosen(0)
        else:
            self.summary.setText("No meetings yet.")

    def show_meeting(self, spec: str) -> None:
        """Select the meeting given as YYYY-MM or YYYY-MM-DD."""
        meeting = self._meetings.find(spec)
        for row, item in enumerate(self._items):
            if item.id == meeting.id:
                self.picker.setCurrentIndex(row)

    def _on_meeting_chosen(self, row: int) -> None:
        if not 0 <= row < len(self._items):
            return
        meeting = self._meetings.get(self._items[row].id)
        self._show(meeting)

    def _show(self, meeting: MeetingRecord) -> None:
        self.model.set_cases(list(meeting.cases))
        decided = sum(1 for c in meeting.cases if c.decision)
        self.summary.setText(
            f"Chair {meeting.chair} · {len(meeting.cases)} cases · {decided} decided"
        )
        self.summary.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
