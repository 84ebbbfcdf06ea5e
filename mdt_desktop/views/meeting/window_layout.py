"""The meeting window's widgets and how they share the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.plots.style import SCREEN
from mdt_desktop.views.common.focus import chain, one_tab_stop
from mdt_desktop.views.common.plain_text import ElidedLabel, plain_label
from mdt_desktop.views.common.screen_fit import (
    PLOT_MIN_HEIGHT,
)
from mdt_desktop.views.meeting.candidate_table_model import (
    CandidateFilterModel,
    CandidateTableModel,
)
from mdt_desktop.views.meeting.case_list import CaseListView, CaseSelection, ListingTabs
from mdt_desktop.views.meeting.case_notice import CaseNotice
from mdt_desktop.views.meeting.case_tabs import CaseTabs
from mdt_desktop.views.meeting.new_data_banner import NewDataBanner
from mdt_desktop.views.meeting.open_actions_panel import OpenActionsPanel
from mdt_desktop.views.meeting.patient_header import PatientHeader
from mdt_desktop.views.meeting.prepared_canvas import PreparedCaseCanvas
from mdt_desktop.views.meeting.window_base import (
    HIDDEN_CASE_DETAIL,
    ROOM_SCREEN_ON,
    ROOM_SCREEN_STYLE,
    WindowBase,
)
from mdt_desktop.views.preparation.carry_over_dialog import ChairPrompts
from mdt_desktop.views.worklists.chase_window import ChaseNoticeButton


class WindowLayout(WindowBase):
    """The case list, the case pane and the plots; the order of the Tab stops."""

    def _create_widgets(self) -> None:
        self.notice = plain_label(self._options.notice or "", wrap=True)
        self.notice.setObjectName("readOnlyNotice")
        self.notice.setStyleSheet("background:#fff3cd; color:#5c4400; padding:6px;")
        self.notice.setVisible(bool(self._options.notice))
        self.meeting_summary = ElidedLabel()
        self.meeting_summary.setObjectName("meetingSummary")
        self.meeting_summary.setAccessibleName("Meeting summary")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter (Ctrl+F): name, hospital no., drug…")
        self.filter.setAccessibleName("Filter the case list")
        self.filter.setToolTip(
            "Shows the cases containing every word typed, in any order and case: a name as "
            "listed (“fletcher, jack”) or not (“jack fletcher”), a hospital number, a drug. "
            "Esc clears it; Enter goes to the list."
        )
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(self.filter.fontMetrics().horizontalAdvance("M" * 22))
        self.filter.installEventFilter(self)
        self.model = CandidateTableModel(self._config.thresholds, self, self._identifiers)
        self.proxy = CandidateFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = CaseListView()
        self.table.setAccessibleName("Cases")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.selection = CaseSelection(self._presenter, self.model, self.proxy, self.table, self)
        self.header = PatientHeader(identifiers=self._identifiers)
        self.case_notice = CaseNotice()
        self.new_data = NewDataBanner()
        self.progress = QProgressBar()  # long writes (sign-off draws every case's plots)
        self.progress.setObjectName("workProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.statusBar().addPermanentWidget(self.progress)
        self.room_indicator = QLabel(ROOM_SCREEN_ON)
        self.room_indicator.setObjectName("roomScreenIndicator")
        self.room_indicator.setStyleSheet(ROOM_SCREEN_STYLE)
        self.room_indicator.setToolTip(self.room_action.toolTip())
        self.statusBar().addPermanentWidget(self.room_indicator)
        if self._admin is not None:  # a week before a meeting: what to chase
            self.chase_notice = ChaseNoticeButton(self._admin.chase, self._runner)
            self.chase_notice.setAccessibleName("Chase list notice")
            self.statusBar().addPermanentWidget(self.chase_notice)
        self._show_identifiers()
        self.open_actions = OpenActionsPanel(identifiers=self._identifiers)
        corner = QWidget()  # beside the Cases / Open actions tabs: the meeting and the filter
        beside = QHBoxLayout(corner)
        beside.setContentsMargins(12, 0, 2, 0)
        beside.addWidget(self.meeting_summary, 1)
        beside.addWidget(self.filter)
        self.listing_tabs = ListingTabs(corner)  # the cases; earlier meetings' open actions
        self.listing_tabs.addTab(self.table, "Cases")
        self.listing_tabs.addTab(self.open_actions, "Open actions")
        self.listing_tabs.tabBar().setAccessibleName("Cases or open actions")
        self.prompts = ChairPrompts(self, lambda: self._identifiers)
        self.plots = PreparedCaseCanvas(SCREEN)
        self.plots.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.tabs = CaseTabs(self._config, self._roster, self._options.database_label, self._drafts)
        self.checklist = self.tabs.checklist
        self.risks = self.tabs.risks
        self.hidden_case = plain_label(HIDDEN_CASE_DETAIL, wrap=True)
        self.hidden_case.setObjectName("hiddenCase")
        self.hidden_case.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hidden_case.setStyleSheet("color:#444444; font-size:12pt; padding:24px;")

    def _arrange_widgets(self) -> None:
        listing = QWidget()
        top = QVBoxLayout(listing)
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.listing_tabs)
        work = QSplitter(Qt.Orientation.Horizontal)
        work.addWidget(self.plots)
        work.addWidget(self.tabs)
        work.setStretchFactor(0, 3)
        work.setStretchFactor(1, 2)
        self.case_stack = QStackedWidget()  # the case, or why no case is shown
        self.case_stack.addWidget(work)
        self.case_stack.addWidget(self.hidden_case)
        case = QWidget()
        case_layout = QVBoxLayout(case)
        case_layout.setContentsMargins(0, 0, 0, 0)
        case_layout.setSpacing(0)
        case_layout.addWidget(self.header)
        case_layout.addWidget(self.case_notice)
        case_layout.addWidget(self.new_data)
        case_layout.addWidget(self.case_stack, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(listing)
        self.splitter.addWidget(case)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        for splitter in (self.splitter, work):
            splitter.setChildrenCollapsible(False)
        self.work_splitter = work
        self.table.setMinimumHeight(self._list_space().list_height(2) - self._tab_bar_height())
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self._splitters_restored = False
        for name, splitter in (("main", self.splitter), ("work", work)):
            state = self._settings.state(name)
            if state is not None and splitter.restoreState(state):
                self._splitters_restored = True

    def _order_tab_stops(self) -> None:
        """Tab goes filter → case list → the case's tabs and their content → the meeting.

        Each table is one stop (arrows move within it); rows built later (attendees) keep
        their place in the order.
        """
        one_tab_stop(self.table, self.open_actions.table)
        chain(
            [
                self.filter,
                self.table,
                self.listing_tabs.tabBar(),
                *self.open_actions.focus_order(),
                self.tabs,  # a tab widget is a stop of its own: its tab bar takes the focus
                self.tabs.tabBar(),
                *self.tabs.focus_order(),
                self.meeting_picker,
                self.user_picker,
            ]
        )
