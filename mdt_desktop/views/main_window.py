"""The meeting screen: meeting picker, candidate list, the selected case and its checklist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QMargins, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor, Permission, allowed
from mdt_desktop.domain.board import CaseDetail, MeetingBoard, MeetingListItem, Readiness
from mdt_desktop.domain.carry_over import CarryOverResult
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import MeetingStatus, Role
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.records import Clinician, current_annotations
from mdt_desktop.domain.wording import count
from mdt_desktop.drafts import DraftStore
from mdt_desktop.plots.case_data import planned_regimen
from mdt_desktop.plots.case_plots import CasePlotData, TimeWindow
from mdt_desktop.plots.style import SCREEN
from mdt_desktop.presenters.meeting import UNDISCUSSED_DEFERRED, MeetingPresenter
from mdt_desktop.services.bundle import AdminServices
from mdt_desktop.services.exports import ExportKind
from mdt_desktop.views.audit_log_dialog import AuditLogDialog
from mdt_desktop.views.candidate_table_model import CandidateFilterModel, CandidateTableModel
from mdt_desktop.views.carry_over_dialog import CarryOverFlow
from mdt_desktop.views.case_list import CaseListView, CaseSelection, ListingTabs
from mdt_desktop.views.case_notice import CaseNotice
from mdt_desktop.views.case_tabs import CaseTabs, Viewer
from mdt_desktop.views.chase_window import ChaseNoticeButton, ChaseWindow
from mdt_desktop.views.export_dialog import ExportDialog
from mdt_desktop.views.focus import chain, one_tab_stop, show_focus_rings
from mdt_desktop.views.followup_window import FollowUpWindow
from mdt_desktop.views.import_dialog import IMPORT_NOT_ALLOWED, NOBODY_CHOSEN, ImportDialog
from mdt_desktop.views.monthly_summary_window import MonthlySummaryWindow
from mdt_desktop.views.new_data_banner import NewDataBanner
from mdt_desktop.views.open_actions_panel import ActionViewer, OpenActionsPanel
from mdt_desktop.views.outcome_audit_window import OutcomeAuditWindow
from mdt_desktop.views.patient_header import PatientHeader
from mdt_desktop.views.plain_text import ElidedLabel, isolate, plain_label
from mdt_desktop.views.prepare_meeting_dialog import NewMeetingDialog, PrepareMeetingDialog
from mdt_desktop.views.prepared_canvas import CasePrefetch, PreparedCaseCanvas
from mdt_desktop.views.presentation_window import PresentationWindow
from mdt_desktop.views.roster_dialog import RosterDialog
from mdt_desktop.views.screen_fit import (
    COMPACT_BELOW,
    DEFAULT_SIZE,
    PLOT_BLOOD_EXTRA,
    PLOT_MIN_HEIGHT,
    PLOT_USEFUL_HEIGHT,
    TABS_SHARE,
    ListSpace,
    centred,
    fit_within,
    keep_plots_readable,
    share,
)
from mdt_desktop.views.settings import ViewSettings
from mdt_desktop.views.signoff_dialog import SignOffDialog
from mdt_desktop.views.user_picker import roster_label
from mdt_desktop.workers import ImmediateRunner, Runner

ROOM_SCREEN_ON = "ROOM SCREEN · initials and hospital numbers only"
HIDDEN_CASE = "No visible case selected"
HIDDEN_CASE_DETAIL = (
    "The filter hides the case that was open, so nothing can be recorded. Choose a case in "
    "the list (↓ or a click), or clear the filter (Esc)."
)
ROOM_SCREEN_STYLE = "background:#1d4e89; color:white; padding:2px 8px; font-weight:bold;"


@dataclass(frozen=True, slots=True)
class ScreenOptions:
    """How the window starts: which database it shows, whether it may write."""

    title: str
    database_label: str
    read_only: bool = False
    notice: str | None = None
    quiet: bool = False  # no message boxes (screenshots, benchmarks): errors go to the status bar
    room_screen: bool | None = None  # initials only from the start (None: as last time)


class MainWindow(QMainWindow):
    """The chair's screen for one meeting."""

    case_painted = Signal()  # header, checklist and plots of the current case are on screen

    def __init__(
        self,
        presenter: MeetingPresenter,
        config: ClinicalConfig,
        roster: list[Clinician],
        settings: ViewSettings,
        options: ScreenOptions,
        parent: QWidget | None = None,
        *,
        admin: AdminServices | None = None,
        runner: Runner | None = None,
        drafts: DraftStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._admin = admin
        self._runner = runner or ImmediateRunner()
        self._drafts = drafts
        self.audit_dialog: AuditLogDialog | None = None
        self.followup_window: FollowUpWindow | None = None
        self.outcome_window: OutcomeAuditWindow | None = None
        self.chase_window: ChaseWindow | None = None
        self.summary_window: MonthlySummaryWindow | None = None
        self.chase_notice: ChaseNoticeButton | None = None
        self._presenter = presenter
        self._config = config
        self._roster = roster
        self._settings = settings
        self._options = options
        self._meetings: list[MeetingListItem] = []
        self._pending_meeting: int | None = None
        self._pending_case: str | None = None
        self.presentation: PresentationWindow | None = None
        self.preparation: PrepareMeetingDialog | None = None
        self.export_dialog: ExportDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self._export_folder: Path | None = settings.export_folder()  # where the last one went
        self._decision_pending = False  # a decision is being saved: a refusal goes on the form
        self._placed = False  # the list and the plots have shared the height
        self._refit_when_shown = False  # placed on the screen: fit again once the frame is known
        self.setWindowTitle(options.title)
        room = settings.room_screen() if options.room_screen is None else options.room_screen
        self._identifiers = Identifiers.INITIALS if room else Identifiers.FULL
        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self._restore_user()
        self._order_tab_stops()
        show_focus_rings()

    # --- construction ----------------------------------------------------------------------------

    def _create_actions(self) -> None:
        self.present_action = QAction("Present", self)
        self.present_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.present_action.setToolTip("Presentation mode: one case per screen (F5)")
        self.filter_action = QAction("Filter", self)
        self.filter_action.setShortcut(QKeySequence.StandardKey.Find)
        self.blood_action = QAction("Blood counts", self)
        self.blood_action.setCheckable(True)
        self.blood_action.setChecked(self._settings.blood_counts())
        self.blood_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.blood_action.setToolTip("Show white cells, haemoglobin and albumin (Ctrl+Shift+B)")
        self.room_action = QAction("Room screen: initials only", self)
        self.room_action.setIconText("Room screen")
        self.room_action.setCheckable(True)
        self.room_action.setChecked(self._identifiers is Identifiers.INITIALS)
        self.room_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.room_action.setToolTip(
            "Show initials and hospital numbers only (no names, dates of birth or NHS numbers) "
            "in the list, the header, presentation mode and the follow-up worklist (Ctrl+Shift+R)."
            " Free text is shown as typed."
        )
        self.window_actions = QActionGroup(self)
        keys = {
            TimeWindow.ONE_YEAR: "Ctrl+1",
            TimeWindow.TWO_YEARS: "Ctrl+2",
            TimeWindow.FIVE_YEARS: "Ctrl+5",
            TimeWindow.ALL: "Ctrl+0",
        }
        chosen = self._settings.window()
        for window in TimeWindow:
            action = QAction(window.label, self)
            action.setCheckable(True)
            action.setData(window.value)
            action.setShortcut(QKeySequence(keys[window]))
            action.setToolTip(f"Plot {window.label.lower()} up to the meeting ({keys[window]})")
            action.setChecked(window is chosen)
            self.window_actions.addAction(action)
        self.addAction(self.filter_action)

    def _create_menus(self) -> None:
        meeting = self.menuBar().addMenu("&Meeting")
        self.new_meeting_action = meeting.addAction("&New meeting…")
        self.prepare_action = _menu_action(meeting, "&Prepare meeting…", "Ctrl+P")
        meeting.addSeparator()
        self.sign_off_action = meeting.addAction("&Sign off…")
        self.carry_over_action = _menu_action(
            meeting,
            "Carry cases &over…",
            tip="List the deferred and undiscussed cases of a signed-off meeting at the next one",
        )
        self.export_action = _menu_action(meeting, "&Export…", "Ctrl+E")
        self.gp_letter_action = _menu_action(
            meeting,
            "Letter to &GP…",
            "Ctrl+Shift+G",
            "A letter to this patient's GP or referrer about the decision (Ctrl+Shift+G)",
        )
        self.chase_action = _menu_action(
            meeting,
            "&Chase list…",
            "Ctrl+Shift+C",
            "Results never measured or out of date for the meeting's candidates (Ctrl+Shift+C)",
        )
        meeting.addSeparator()
        meeting.addAction(self.present_action)
        meeting.addAction(self.room_action)
        view = self.menuBar().addMenu("&View")  # everything on the tool bar, by keyboard too
        view.addAction(self.filter_action)
        view.addSeparator()
        for action in self.window_actions.actions():
            view.addAction(action)
        view.addAction(self.blood_action)
        view.addSeparator()
        view.addAction(self.room_action)
        tools = self.menuBar().addMenu("&Tools")
        self.import_action = _menu_action(
            tools,
            "&Import data…",
            "Ctrl+I",
            "Lab results, patients and treatment: FHIR, HL7 v2, CSV",
        )
        self.roster_action = tools.addAction("&Roster…")
        self.audit_action = _menu_action(tools, "&Audit log…", "Ctrl+L")
        self.followup_action = _menu_action(
            tools,
            "&Follow-up…",
            "Ctrl+Shift+F",
            "De-escalated patients in their first year: flags and checks",
        )
        self.outcomes_action = _menu_action(
            tools,
            "&Outcome audit…",
            "Ctrl+Shift+A",
            "Kaplan–Meier of remaining de-escalated, beside the published cohorts",
        )
        self.summary_action = _menu_action(
            tools,
            "&Monthly summary…",
            tip="A month's candidates, decisions, outstanding data, overdue actions and "
            "administrations avoided",
        )
        for action in (
            self.new_meeting_action,
            self.prepare_action,
            self.export_action,
            self.gp_letter_action,
            self.import_action,
            self.roster_action,
            self.audit_action,
            self.followup_action,
            self.outcomes_action,
            self.chase_action,
            self.summary_action,
        ):
            action.setEnabled(self._admin is not None)

    def _create_toolbar(self) -> None:
        """The meeting and the plot options; who is acting sits at the menu bar's right end.

        There it is always visible: a tool bar too narrow for its items (200 % scaling on a
        laptop) hides the last ones behind a chevron.
        """
        bar = QToolBar("Meeting")
        bar.setObjectName("meetingToolBar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.meeting_picker = QComboBox()
        self.meeting_picker.setAccessibleName("Meeting")
        self.meeting_picker.setMinimumContentsLength(31)
        self.meeting_picker.setToolTip("The meeting shown (newest first)")
        picker_label = QLabel(" &Meeting: ")
        picker_label.setBuddy(self.meeting_picker)
        bar.addWidget(picker_label)
        bar.addWidget(self.meeting_picker)
        bar.addSeparator()
        bar.addWidget(QLabel(" Window: "))
        for action in self.window_actions.actions():
            bar.addAction(action)
        bar.addAction(self.blood_action)
        bar.addSeparator()
        bar.addAction(self.present_action)
        bar.addAction(self.room_action)
        for button in bar.findChildren(QToolButton):  # reached by their shortcuts and menus
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        acting = QWidget()
        row = QHBoxLayout(acting)
        row.setContentsMargins(6, 0, 6, 0)
        label = QLabel("&Acting as:")
        row.addWidget(label)
        self.user_picker = QComboBox()
        self.user_picker.setAccessibleName("Acting as")
        self.user_picker.setMinimumContentsLength(18)
        self.user_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        label.setBuddy(self.user_picker)
        row.addWidget(self.user_picker)
        self.acting_as = acting
        self.menuBar().setCornerWidget(acting, Qt.Corner.TopRightCorner)
        self._fill_user_picker()

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
        self.carry_flow = CarryOverFlow(
            self._presenter, self._runner, self, lambda: self._identifiers, self._on_error
        )
        self._after_reload: Callable[[], None] | None = None  # once the meeting is read again
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

    def _connect_signals(self) -> None:
        p = self._presenter
        p.meetings_listed.connect(self._on_meetings)
        p.board_loaded.connect(self._on_board)
        self.selection.case_shown.connect(self._show_case)
        self.selection.case_hidden.connect(self._show_hidden)
        p.busy_changed.connect(self._on_busy)
        p.progress_reported.connect(self._on_progress)
        p.status_reported.connect(lambda text: self.statusBar().showMessage(text, 4000))
        p.error_reported.connect(self._on_error)
        self.meeting_picker.currentIndexChanged.connect(self._on_meeting_chosen)
        self.filter.textChanged.connect(self.selection.set_filter)
        self.filter.returnPressed.connect(self._focus_first_match)
        self.filter_action.triggered.connect(self._focus_filter)
        self.window_actions.triggered.connect(self._on_window)
        self.blood_action.toggled.connect(self._on_blood)
        self.room_action.toggled.connect(self._on_room_screen)
        self.present_action.triggered.connect(self.start_presentation)
        self.user_picker.currentIndexChanged.connect(self._on_user)
        self.checklist.answer_requested.connect(p.answer)
        self.tabs.decision.record_requested.connect(self._record_decision)
        self.tabs.decision.defer_requested.connect(p.defer_case)
        self.tabs.decision.amend_requested.connect(self._amend_decision)
        self.tabs.decision.positions_requested.connect(p.record_positions)
        self.tabs.decision.positions.rebuilt.connect(self._order_tab_stops)
        self.open_actions.done_requested.connect(p.complete_open_action)
        p.open_actions_changed.connect(lambda _actions: self._show_open_actions())
        self.carry_flow.carried.connect(self._on_carried)
        self.tabs.levels.annotate_requested.connect(p.annotate)
        self.tabs.notes.note_added.connect(p.add_note)
        self.tabs.notes.action_toggled.connect(p.complete_action)
        self.plots.point_clicked.connect(self.tabs.show_level)
        p.action_done.connect(self._on_action_done)
        self.new_meeting_action.triggered.connect(self.new_meeting)
        self.prepare_action.triggered.connect(lambda: self.prepare_meeting())
        self.sign_off_action.triggered.connect(self.sign_off)
        self.carry_over_action.triggered.connect(self.carry_over)
        self.export_action.triggered.connect(lambda: self.export_meeting())
        self.gp_letter_action.triggered.connect(self.letter_to_gp)
        self.tabs.decision.gp_letter_requested.connect(self.letter_to_gp)
        self.import_action.triggered.connect(self.import_data)
        self.roster_action.triggered.connect(self.open_roster)
        self.audit_action.triggered.connect(self.open_audit_log)
        self.followup_action.triggered.connect(self.open_followup)
        self.outcomes_action.triggered.connect(self.open_outcome_audit)
        self.chase_action.triggered.connect(lambda: self.open_chase_list())
        self.summary_action.triggered.connect(self.open_monthly_summary)
        if self.chase_notice is not None:
            self.chase_notice.open_requested.connect(self.open_chase_list)
        self.plots.painted.connect(self.case_painted.emit)
        # The cases above and below in the list as shown (sorted, filtered) are drawn in the
        # background, so moving to them swaps in a ready picture (docs/architecture.md,
        # "Performance budgets").
        self.prefetch = CasePrefetch(
            self._presenter, self.plots, self.plot_data, neighbours=self._listed_neighbours
        )

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

    # --- public -----------------------------------------------------------------------------------

    @property
    def presenter(self) -> MeetingPresenter:
        return self._presenter

    @property
    def roster(self) -> list[Clinician]:
        return list(self._roster)

    def load(self, meeting_spec_id: int | None = None, case: str | None = None) -> None:
        """List the meetings and open *meeting_spec_id* (else the newest), showing *case*."""
        self._pending_meeting = meeting_spec_id
        self._pending_case = case
        self._presenter.refresh_meetings()

    def set_user(self, clinician_id: int | None) -> None:
        """Act as the roster member with *clinician_id* (None: read only)."""
        index = self.user_picker.findData(clinician_id)
        self.user_picker.setCurrentIndex(max(index, 0))

    def plot_data(self, detail: CaseDetail) -> CasePlotData:
        """The plot input for *detail* with the window's current options."""
        return CasePlotData(
            record=detail.record,
            thresholds=self._config.thresholds,
            regimens=self._config.regimens,
            end=detail.meeting_date,
            window=self.time_window(),
            blood_counts=self.blood_action.isChecked(),
            annotations=current_annotations(detail.annotations),
            plan=planned_regimen(detail.case.decision),
            antibody_assays=self._config.antibody_assays,
        )

    def time_window(self) -> TimeWindow:
        action = self.window_actions.checkedAction()
        return TimeWindow(action.data()) if action else TimeWindow.TWO_YEARS

    def start_presentation(
        self, *, full_screen: bool = True, size: tuple[int, int] | None = None, timer: bool = False
    ) -> PresentationWindow | None:
        """Open presentation mode on the case shown (F5); not while no case is shown."""
        if self.shown_case is None:
            return None
        height = size[1] if size else (self.screen().size().height() if self.screen() else 1080)
        window = PresentationWindow(
            self._presenter,
            self.plot_data,
            height=height,
            timer=timer,
            caveat=self._config.risk_caveat,
            identifiers=self._identifiers,
        )
        window.closed.connect(self._on_presentation_closed)
        self.presentation = window
        if size:
            window.resize(*size)
        if full_screen:
            window.showFullScreen()
        else:
            window.show()
        window.activateWindow()
        window.setFocus()
        return window

    # --- slots ------------------------------------------------------------------------------------

    def _restore_user(self) -> None:
        self.set_user(self._settings.user_id(self._options.database_label))

    def _on_meetings(self, meetings: list[MeetingListItem]) -> None:
        self._meetings = meetings
        self.meeting_picker.blockSignals(True)
        self.meeting_picker.clear()
        for item in meetings:
            self.meeting_picker.addItem(
                meeting_choice(item.meeting_date, item.status, item.cases), item.id
            )
        self.meeting_picker.blockSignals(False)
        if not meetings:
            self.meeting_summary.setText("No meetings yet.")
            return
        wanted = self.meeting_picker.findData(self._pending_meeting)
        self.meeting_picker.blockSignals(True)  # opened once, below, with the wanted case
        self.meeting_picker.setCurrentIndex(max(wanted, 0))
        self.meeting_picker.blockSignals(False)
        self._on_meeting_chosen(self.meeting_picker.currentIndex())

    def _on_meeting_chosen(self, row: int) -> None:
        if 0 <= row < len(self._meetings):
            self._presenter.open_meeting(self._meetings[row].id, self._pending_case)
            self._pending_case = None

    def _on_board(self, board: MeetingBoard) -> None:
        if self.chase_notice is not None:  # a meeting was opened, changed or data imported
            self.chase_notice.refresh()
        self.model.set_cases(list(board.cases))
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self._summarise(board)
        self._recount_choice(board)
        if not board.cases:
            self._show_no_case()
        self.listing_tabs.setTabText(0, f"Cases ({len(board.cases)})")
        self._show_open_actions()
        then, self._after_reload = self._after_reload, None
        if then is not None:
            then()

    def _recount_choice(self, board: MeetingBoard) -> None:
        """The meeting picker's line for this meeting, with its status and cases as now read."""
        meeting = board.meeting
        row = self.meeting_picker.findData(meeting.id)
        if row >= 0:
            text = meeting_choice(meeting.meeting_date, meeting.status, len(board.cases))
            self.meeting_picker.setItemText(row, text)

    def _summarise(self, board: MeetingBoard) -> None:
        """The meeting line beside the tabs: date, status, place, chair, cases; plain text."""
        meeting = board.meeting
        decided = sum(1 for c in board.cases if c.case.decision)
        deferred = sum(1 for c in board.cases if c.case.status.value == "deferred")
        present = sum(1 for a in meeting.attendance if a.status.value == "present")
        signed = (
            f" · signed off by {isolate(meeting.signed_off_by or '')} "
            f"{meeting.signed_off_at:%d %b %H:%M}"
            if meeting.signed_off_at
            else ""
        )
        place = f" · {isolate(meeting.location)}" if meeting.location.strip() else ""
        self.meeting_summary.setText(
            f"MDT {meeting.meeting_date:%a %d %b %Y}{place} · "
            f"{meeting.status.value.replace('_', ' ')} · chair {isolate(meeting.chair)} · "
            f"{len(board.cases)} cases, {decided} decided"
            + (f", {deferred} deferred" if deferred else "")
            + (f" · {present} present" if meeting.attendance else "")
            + signed
        )
        self.meeting_summary.setToolTip(self.meeting_summary.full_text())

    @property
    def shown_case(self) -> CaseDetail | None:
        """The case the pane shows: the selected row's (None when no case is shown)."""
        return self.selection.shown

    def _show_case(self, detail: CaseDetail) -> None:
        """Fill the case pane with *detail*, the case selected in the list."""
        self.case_stack.setCurrentIndex(0)
        self.header.show_case(detail)
        self.case_notice.show_case(detail)
        self.new_data.show_case(detail)
        self._enable_case_actions(detail)
        board = self._presenter.board
        if board is not None:
            self._summarise(board)
            self.tabs.show_case(detail, board.meeting, self._viewer(), date.today())
            if not self._options.quiet:
                self.tabs.offer_drafts()
        self.header.repaint()
        self.checklist.repaint()
        self.plots.show_case(self.plot_data(detail))

    def _show_hidden(self) -> None:
        """The filter hides the current case: the pane shows none and nothing can be recorded."""
        self._show_no_case(HIDDEN_CASE, HIDDEN_CASE_DETAIL)

    def _show_no_case(self, title: str = "No case selected", detail: str = "") -> None:
        self.header.clear(title)
        self.case_notice.clear()
        self.new_data.clear()
        self.tabs.clear_case()
        self.case_stack.setCurrentWidget(self.hidden_case)
        self.hidden_case.setText(detail)
        self._enable_case_actions(None)

    def _enable_case_actions(self, detail: CaseDetail | None) -> None:
        """Actions on the shown case: none without one."""
        self.present_action.setEnabled(detail is not None)
        self.gp_letter_action.setEnabled(
            self._admin is not None and detail is not None and detail.case.decision is not None
        )

    def _record_decision(self, decision: DecisionInput) -> None:
        """Record the chair's decision; a refusal is shown on the form as well."""
        self._decision_pending = True
        self._presenter.record_decision(decision)

    def _amend_decision(self, decision: DecisionInput, reason: str) -> None:
        self._decision_pending = True
        self._presenter.amend_decision(decision, reason)

    def _list_space(self) -> ListSpace:
        """The heights the list and the case pane share.

        See docs/architecture.md, "The meeting screen".
        """
        row = self.table.verticalHeader().defaultSectionSize()
        column_header = self.table.horizontalHeader().sizeHint().height()
        plots = PLOT_USEFUL_HEIGHT + (PLOT_BLOOD_EXTRA if self.blood_action.isChecked() else 0)
        case_chrome = (
            self.header.sizeHint().height()
            + self.case_notice.sizeHint().height() * self.case_notice.isVisible()
        )
        return ListSpace(
            row=row,
            list_chrome=self._tab_bar_height() + column_header + 8,
            case_chrome=case_chrome,
            plots_wanted=plots,
        )

    def _tab_bar_height(self) -> int:
        return max(self.listing_tabs.tabBar().sizeHint().height(), self.filter.sizeHint().height())

    # --- meeting administration -------------------------------------------------------------------

    def _listed_neighbours(self) -> tuple[CaseDetail, ...]:
        """The cases on the rows below and above the selected one, as the list shows them."""
        current = self.table.currentIndex()
        board = self._presenter.board
        if not current.isValid() or board is None:
            return ()
        found = []
        for step in (1, -1):
            row = current.row() + step
            if 0 <= row < self.proxy.rowCount():
                source = self.proxy.mapToSource(self.proxy.index(row, 0)).row()
                if 0 <= source < len(board.cases):
                    found.append(board.cases[source])
        return tuple(found)

    def _role(self) -> Role | None:
        return self._viewer().role

    def _may(self, permission: Permission) -> bool:
        role = self._role()
        return role is not None and not self._options.read_only and allowed(role, permission)

    def new_meeting(self) -> None:
        """Plan a new meeting (the coordinator)."""
        admin, actor = self._admin, self._presenter.actor
        if admin is None:
            return
        if actor is None or not self._may(Permission.PREPARE_MEETING):
            self._on_error("Only the MDT coordinator plans meetings.")
            return
        chosen = NewMeetingDialog.ask(self._roster, self)
        if chosen is None:
            return
        day, chair_id, location = chosen

        def created(meeting_id: int) -> None:
            self._pending_meeting = meeting_id
            self._presenter.refresh_meetings()
            self.prepare_meeting(meeting_id)  # straight on to candidates and attendance

        self._runner.submit(
            lambda: admin.meeting_admin.create_meeting(day, chair_id, actor, location),
            created,
            lambda error: self._on_error(str(error)),
        )

    def prepare_meeting(self, meeting_id: int | None = None) -> None:
        """Candidates, chair and attendance of *meeting_id* (else the open meeting)."""
        board = self._presenter.board
        if meeting_id is None and board is not None:
            meeting_id = board.meeting.id
        if self._admin is None or meeting_id is None:
            return
        self.preparation = PrepareMeetingDialog(
            self._admin.meeting_admin,
            self._presenter.services.meetings,
            self._roster,
            meeting_id,
            self._presenter.actor,
            self._may(Permission.PREPARE_MEETING),
            self._runner,
            self,
            why_not=self._read_only_reason(),
            identifiers=self._identifiers,
        )
        changed: list[bool] = []
        self.preparation.changed.connect(lambda: changed.append(True))
        self.preparation.exec()
        self.preparation = None
        if changed:
            self._pending_meeting = meeting_id
            self._pending_case = None
            self._presenter.refresh_meetings()

    def sign_off(self) -> None:
        """Sign off the open meeting (its chair)."""
        board = self._presenter.board
        if board is None:
            return
        title = f"the MDT of {board.meeting.meeting_date:%d %b %Y}"

        def ready(readiness: Readiness) -> None:
            if self.carry_flow.offer_deferral(board, readiness):
                return  # sign-off goes on once the deferred cases are read back
            if SignOffDialog.ask(title, readiness, self):
                self._presenter.sign_off()

        self._presenter.readiness(ready)

    def carry_over(self) -> None:
        """Offer the open (signed-off) meeting's undecided cases for the next meeting."""
        board = self._presenter.board
        if board is not None:
            self.carry_flow.offer(board.meeting.id)

    def _on_carried(self, result: CarryOverResult) -> None:
        self._after_reload = lambda: self.statusBar().showMessage(result.message, 10_000)
        self._stay_here()
        self._presenter.refresh_meetings()  # a meeting may have been planned

    def _stay_here(self) -> None:
        """Once the meetings are listed again, open the same meeting on the case shown."""
        board, shown = self._presenter.board, self.shown_case
        self._pending_meeting = board.meeting.id if board else None
        self._pending_case = shown.case.patient.hospital_number if shown else None

    def _action_viewer(self) -> ActionViewer:
        viewer = self._viewer()
        actor_id = viewer.actor.id if viewer.actor else None
        return ActionViewer(actor_id, viewer.role, viewer.read_only)

    def _show_open_actions(self) -> None:
        """The open actions of earlier meetings, in their tab (hidden when there are none)."""
        board = self._presenter.board
        if board is None:
            return
        meeting = board.meeting
        signed = meeting.status is MeetingStatus.SIGNED_OFF
        panel = self.open_actions
        panel.show_actions(board.open_actions, meeting.meeting_date, self._action_viewer(), signed)
        index = self.listing_tabs.indexOf(panel)
        overdue = panel.overdue()
        self.listing_tabs.setTabText(
            index,
            f"Open actions ({panel.still_open()}" + (f" · {overdue} overdue)" if overdue else ")"),
        )
        self.listing_tabs.setTabVisible(index, bool(board.open_actions))
        self.listing_tabs.setTabToolTip(index, panel.summary.text())

    def export_meeting(
        self, kind: ExportKind = ExportKind.MINUTES, hospital_number: str | None = None
    ) -> None:
        """Export the open meeting: minutes, letters, GP letters or the decisions spreadsheet."""
        board = self._presenter.board
        if self._admin is None or board is None:
            return
        role = self._role()  # exporting only reads, so a read-only file does not stop it
        self.export_dialog = ExportDialog(
            self._admin.exports,
            board,
            self._presenter.actor,
            role is not None and allowed(role, Permission.EXPORT),
            self,
            folder=self._export_folder,
            kind=kind,
            hospital_number=hospital_number,
            shown=self._identifiers,
        )
        self.export_dialog.exec()
        self._export_folder = self.export_dialog.folder
        self._settings.set_export_folder(self._export_folder)
        self.export_dialog = None

    def letter_to_gp(self) -> None:
        """The letter to the current patient's GP or referrer, in the export dialog.

        The dialog checks the permission as every export does, and says why Export is disabled.
        """
        current = self.shown_case
        if current is None:
            self._on_error("Choose a case in the list first.")
            return
        if current.case.decision is None:
            self._on_error("Record a decision first: the letter to the GP reports it.")
            return
        self.export_meeting(ExportKind.GP_LETTER, current.case.patient.hospital_number)

    def import_data(self) -> None:
        """Import lab results, patients and treatment; the open meeting reloads afterwards."""
        if self._admin is None:
            return
        actor = self._presenter.actor
        why_not = (
            self._read_only_reason()
            or (NOBODY_CHOSEN if actor is None else "")
            or ("" if self._may(Permission.IMPORT_DATA) else IMPORT_NOT_ALLOWED)
        )
        self.import_dialog = ImportDialog(
            self._admin.imports,
            actor,
            why_not,
            self,
            folder=self._settings.import_folder(),
        )
        self.import_dialog.imported.connect(lambda _report: self._presenter.reload())
        self.import_dialog.exec()
        self._settings.set_import_folder(self.import_dialog.folder)
        self.import_dialog = None

    def open_roster(self) -> None:
        """Show the roster; the coordinator may change it."""
        if self._admin is None:
            return
        dialog = RosterDialog(
            self._admin.roster,
            self._admin.roster_admin,
            self._presenter.actor,
            self._may(Permission.MANAGE_ROSTER),
            self._runner,
            self,
            why_not=self._read_only_reason(),
        )
        changed: list[bool] = []
        dialog.changed.connect(lambda: changed.append(True))
        dialog.exec()
        if changed:
            self.reload_roster()

    def reload_roster(self) -> None:
        """Read the roster again (after it was edited) and rebuild what is built from it."""
        if self._admin is None:
            return
        roster = self._admin.roster
        self._runner.submit(
            roster.clinicians,
            self.set_roster,
            lambda error: self._on_error(user_message(error)),
        )

    def set_roster(self, roster: list[Clinician]) -> None:
        """Use *roster*: the Acting-as picker (active members) and action owners."""
        current = self.user_picker.currentData()
        self._roster = roster
        self.user_picker.blockSignals(True)
        self._fill_user_picker()
        self.user_picker.blockSignals(False)
        self.tabs.set_roster(roster)
        self.set_user(current)
        self._on_user(self.user_picker.currentIndex())

    def _fill_user_picker(self) -> None:
        self.user_picker.clear()
        self.user_picker.addItem("— nobody (read only) —", None)
        for clinician in self._roster:
            if clinician.active:
                self.user_picker.addItem(roster_label(clinician), clinician.id)

    def _read_only_reason(self) -> str | None:
        return "The database is open read-only." if self._options.read_only else None

    def open_audit_log(self) -> None:
        """Show the audit log, filtered on the open meeting."""
        if self._admin is None:
            return
        board = self._presenter.board
        self.audit_dialog = AuditLogDialog(
            self._admin.audit_log,
            self._meetings,
            self._roster,
            self._runner,
            self,
            meeting_id=board.meeting.id if board else None,
        )
        self.audit_dialog.show()

    def open_followup(self) -> None:
        """The follow-up worklist; the coordinator may list a patient for the next meeting."""
        if self._admin is None:
            return
        if self.followup_window is not None:  # one at a time, for the current user
            self.followup_window.close()
            self.followup_window.deleteLater()
        self.followup_window = FollowUpWindow(
            self._admin.followup,
            self._config.thresholds,
            self._presenter.actor,
            self._may(Permission.PREPARE_MEETING),
            self._runner,
            self,
            why_not=self._read_only_reason(),
            identifiers=self._identifiers,
        )

        def listed(_meeting: object) -> None:  # stay on the open meeting and case
            self._stay_here()
            self._presenter.refresh_meetings()

        self.followup_window.listed.connect(listed)
        self.followup_window.show()

    def open_outcome_audit(self) -> None:
        """The de-escalation outcome audit (read-only: anyone may look and export it)."""
        if self._admin is None:
            return
        if self.outcome_window is None:
            self.outcome_window = OutcomeAuditWindow(
                self._admin.outcomes, self._config, self, settings=self._settings
            )
        self.outcome_window.show()
        if self.outcome_window.audit is None:
            self.outcome_window.refresh()

    def open_chase_list(self, meeting_id: int | None = None) -> None:
        """The chase list of *meeting_id* (else the open meeting); saving it is an export."""
        board = self._presenter.board
        if meeting_id is None and board is not None:
            meeting_id = board.meeting.id
        if self._admin is None or meeting_id is None:
            return
        if self.chase_window is not None:  # one at a time, for the current user
            self.chase_window.close()
            self.chase_window.deleteLater()
        role = self._role()  # saving only reads, so a read-only file does not stop it
        self.chase_window = ChaseWindow(
            self._admin.chase,
            meeting_id,
            self._presenter.actor,
            role is not None and allowed(role, Permission.EXPORT),
            self._runner,
            self,
        )
        self.chase_window.show()

    def open_monthly_summary(self) -> None:
        """The administrators' monthly summary; saving it is an export."""
        if self._admin is None:
            return
        if self.summary_window is not None:
            self.summary_window.close()
            self.summary_window.deleteLater()
        role = self._role()
        self.summary_window = MonthlySummaryWindow(
            self._admin.monthly_summary,
            self._presenter.actor,
            role is not None and allowed(role, Permission.EXPORT),
            self._runner,
            self,
        )
        self.summary_window.show()

    def _viewer(self) -> Viewer:
        actor = self._presenter.actor
        role = next((c.role for c in self._roster if actor and c.id == actor.id), None)
        return Viewer(actor, role, self._options.read_only)

    def _on_action_done(self, what: str) -> None:
        self._decision_pending = False
        if what in ("Decision recorded.", "Amendment recorded.", "Case deferred."):
            self.tabs.decision.keeper.discard()
        elif what == "Note added.":
            self.tabs.notes.clear_note()
        elif what == "Annotation saved.":
            self.tabs.levels.discard_draft()
        elif what == UNDISCUSSED_DEFERRED:
            self._after_reload = self.sign_off
        elif what == "Meeting signed off." and self._presenter.board is not None:
            meeting_id = self._presenter.board.meeting.id
            self._after_reload = lambda: self.carry_flow.offer(meeting_id, automatic=True)

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self.statusBar().showMessage("Working…")
        else:
            self.statusBar().clearMessage()
            self.progress.setVisible(False)

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setVisible(True)
        self.statusBar().showMessage(f"{what}…")

    def _on_error(self, message: str) -> None:
        if self._decision_pending:  # the service refused the decision: say so on the form too
            self._decision_pending = False
            self.tabs.decision.show_problem(message)
        self.statusBar().showMessage(message, 10_000)
        if self.isVisible() and not self._options.quiet:
            QMessageBox.warning(self, "MDT Desktop", message)

    def _focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _focus_first_match(self) -> None:
        """Enter in the filter: to the list, on the first match unless the case shown is listed.

        Choosing a case is the user's act here (Enter), never a side effect of typing.
        """
        if not self.proxy.rowCount():
            return
        self.table.setFocus()
        if self.shown_case is None:
            self.table.selectRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Esc in the filter box clears it (the case shown before comes back, if listed)."""
        if (
            watched is self.filter
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.filter.text()
        ):
            self.filter.clear()
            return True
        return super().eventFilter(watched, event)

    def _on_window(self, action: QAction) -> None:
        self._settings.set_window(TimeWindow(action.data()))
        self._redraw()

    def _on_blood(self, shown: bool) -> None:
        self._settings.set_blood_counts(shown)
        self._redraw()

    @property
    def identifiers(self) -> Identifiers:
        """How the screen names patients: in full, or initials and number (the room screen)."""
        return self._identifiers

    def _on_room_screen(self, on: bool) -> None:
        """Switch every view that shows a patient; remembered for the next session."""
        self._settings.set_room_screen(on)
        self._identifiers = Identifiers.INITIALS if on else Identifiers.FULL
        self.model.set_identifiers(self._identifiers)
        self.open_actions.model.set_identifiers(self._identifiers)
        self.header.set_identifiers(self._identifiers)
        if self.presentation is not None:
            self.presentation.set_identifiers(self._identifiers)
        if self.followup_window is not None:
            self.followup_window.set_identifiers(self._identifiers)
        self._show_identifiers()

    def _show_identifiers(self) -> None:
        room = self._identifiers is Identifiers.INITIALS
        self.room_indicator.setVisible(room)
        title = self._options.title
        self.setWindowTitle(f"{title} — room screen (initials only)" if room else title)

    def _redraw(self) -> None:
        detail = self.shown_case
        if detail is not None:
            self.plots.show_case(self.plot_data(detail))

    def _on_user(self, row: int) -> None:
        clinician_id = self.user_picker.itemData(row)
        chosen = next((c for c in self._roster if c.id == clinician_id), None)
        self._presenter.actor = Actor(chosen.id, chosen.name) if chosen else None
        self._settings.set_user_id(self._options.database_label, chosen.id if chosen else None)
        board = self._presenter.board
        if board is not None:
            self.tabs.refresh_access(board.meeting, self._viewer())
        self.open_actions.set_viewer(self._action_viewer())

    def _on_presentation_closed(self) -> None:
        self.presentation = None
        self.activateWindow()
        self.table.setFocus()

    # --- the screen --------------------------------------------------------------------------

    def place_on_screen(self, size: tuple[int, int] | None = None) -> None:
        """Open at *size* if asked, else where the user left it (else filling the screen).

        The window never opens bigger than the screen's available area nor with its bottom off
        it, whatever was remembered or asked for (docs/architecture.md, "The meeting screen").
        """
        saved = None if size else self._settings.state("geometry")
        if saved is None or not self.restoreGeometry(saved):
            wanted = QSize(*size) if size else self._available().size()
            self.setGeometry(centred(wanted, self._frame(), self._available()))
        state = self._settings.state("window")
        if state is not None:
            self.restoreState(state)
        self._fit_to_screen()
        self._refit_when_shown = True

    def _available(self) -> QRect:
        screen = self.screen()
        return (
            screen.availableGeometry()
            if screen is not None
            else QRect(0, 0, DEFAULT_SIZE.width(), DEFAULT_SIZE.height())
        )

    def _frame(self) -> QMargins:
        """The window frame (title bar, borders) around the client area; none before shown."""
        outer, inner = self.frameGeometry(), self.geometry()
        return QMargins(
            inner.left() - outer.left(),
            inner.top() - outer.top(),
            outer.right() - inner.right(),
            outer.bottom() - inner.bottom(),
        )

    def _fit_to_screen(self) -> None:
        if self.isMaximized() or self.isFullScreen():
            return
        fitted = fit_within(self.geometry(), self._frame(), self._available())
        if fitted != self.geometry():
            self.setGeometry(fitted)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            if not self._splitters_restored:  # first run: the list and the plots share
                self._share_space()
            else:
                self._keep_plots_readable()
            QTimer.singleShot(0, self._after_first_show)

    def _after_first_show(self) -> None:
        """The frame is known once shown: fit again, so the title bar is on the screen too."""
        if self._refit_when_shown:
            self._fit_to_screen()
        self._keep_plots_readable()
        if self.table.currentIndex().isValid():  # the list's height changed: keep it in view
            self.table.scrollTo(self.table.currentIndex())

    def _share_space(self) -> None:
        """Sizes for a first run: the plots readable, then up to ten rows of cases."""
        total = self.splitter.height() - self.splitter.handleWidth()
        self.splitter.setSizes(list(share(total, self._list_space())))
        width = self.work_splitter.width()
        tabs = round(width * TABS_SHARE)
        self.work_splitter.setSizes([width - tabs, tabs])

    def _keep_plots_readable(self) -> None:
        """Remembered sizes from a bigger screen: the list gives way to keep the plots readable."""
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and all(sizes):
            wanted = keep_plots_readable((sizes[0], sizes[1]), self._list_space())
            if list(wanted) != sizes:
                self.splitter.setSizes(list(wanted))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.header.set_compact(self.height() < COMPACT_BELOW)

    def closeEvent(self, event: Any) -> None:
        self._settings.set_state("geometry", self.saveGeometry())
        self._settings.set_state("window", self.saveState())
        self._settings.set_state("main", self.splitter.saveState())
        self._settings.set_state("work", self.work_splitter.saveState())
        self._settings.sync()
        if self.presentation is not None:
            self.presentation.close()
        super().closeEvent(event)


def _menu_action(menu: QMenu, text: str, shortcut: str = "", tip: str = "") -> QAction:
    """Add an action to *menu*, with its shortcut and tooltip when given."""
    action = menu.addAction(text)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
    return action


def meeting_choice(day: date, status: MeetingStatus, cases: int) -> str:
    """A meeting as the picker lists it: date, status and number of cases."""
    return f"{day:%d %b %Y} — {status.value.replace('_', ' ')} ({count(cases, 'case')})"
