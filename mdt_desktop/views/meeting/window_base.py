"""What the parts of the meeting window share: its state and the checks of who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QWidget,
)

from mdt_desktop.domain.access import Permission, allowed
from mdt_desktop.domain.board import CaseDetail, MeetingListItem
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.records import Clinician
from mdt_desktop.drafts import DraftStore
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.services.bundle import AdminServices
from mdt_desktop.views.audit.audit_log_dialog import AuditLogDialog
from mdt_desktop.views.audit.outcome_audit_window import OutcomeAuditWindow
from mdt_desktop.views.common.screen_fit import (
    PLOT_BLOOD_EXTRA,
    PLOT_USEFUL_HEIGHT,
    ListSpace,
)
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.views.exchange.export_dialog import ExportDialog
from mdt_desktop.views.exchange.import_dialog import ImportDialog
from mdt_desktop.views.meeting.case_list import CaseListView, CaseSelection, ListingTabs
from mdt_desktop.views.meeting.case_notice import CaseNotice
from mdt_desktop.views.meeting.case_tabs import CaseTabs, Viewer
from mdt_desktop.views.meeting.open_actions_panel import ActionViewer, OpenActionsPanel
from mdt_desktop.views.meeting.patient_header import PatientHeader
from mdt_desktop.views.meeting.presentation_window import PresentationWindow
from mdt_desktop.views.preparation.prepare_meeting_dialog import PrepareMeetingDialog
from mdt_desktop.views.worklists.chase_window import ChaseNoticeButton, ChaseWindow
from mdt_desktop.views.worklists.followup_window import FollowUpWindow
from mdt_desktop.views.worklists.monthly_summary_window import MonthlySummaryWindow
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


class WindowBase(QMainWindow):
    """The state every part of the meeting window reads, and the helpers they share.

    The parts (``WindowMenus``, ``WindowLayout``, ``WindowTools``, ``WindowPlacement``) each
    build or open one kind of thing; the widgets they build are named here, for all of them.
    """

    # built by WindowMenus
    user_picker: QComboBox
    meeting_picker: QComboBox
    room_action: QAction
    blood_action: QAction
    present_action: QAction
    gp_letter_action: QAction
    # built by WindowLayout
    table: CaseListView
    selection: CaseSelection
    listing_tabs: ListingTabs
    filter: QLineEdit
    header: PatientHeader
    case_notice: CaseNotice
    tabs: CaseTabs
    open_actions: OpenActionsPanel
    room_indicator: QLabel
    splitter: QSplitter
    work_splitter: QSplitter
    _splitters_restored: bool

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
        self._runner: Runner = runner or ImmediateRunner()
        self._drafts = drafts
        self._presenter = presenter
        self._config = config
        self._roster = roster
        self._settings = settings
        self._options = options
        self._meetings: list[MeetingListItem] = []
        self._pending_meeting: int | None = None
        self._pending_case: str | None = None
        self._pending_notice: str | None = None  # said once the meeting is shown again
        self.audit_dialog: AuditLogDialog | None = None
        self.followup_window: FollowUpWindow | None = None
        self.outcome_window: OutcomeAuditWindow | None = None
        self.chase_window: ChaseWindow | None = None
        self.summary_window: MonthlySummaryWindow | None = None
        self.chase_notice: ChaseNoticeButton | None = None
        self.presentation: PresentationWindow | None = None
        self.preparation: PrepareMeetingDialog | None = None
        self.export_dialog: ExportDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self._export_folder: Path | None = settings.export_folder()  # where the last one went
        self._decision_pending = False  # a decision is being saved: a refusal goes on the form
        self._placed = False  # the list and the plots have shared the height
        self._refit_when_shown = False  # placed on the screen: fit again once the frame is known
        room = settings.room_screen() if options.room_screen is None else options.room_screen
        self._identifiers = Identifiers.INITIALS if room else Identifiers.FULL

    def _role(self) -> Role | None:
        return self._viewer().role

    def _may(self, permission: Permission) -> bool:
        role = self._role()
        return role is not None and not self._options.read_only and allowed(role, permission)

    def _viewer(self) -> Viewer:
        actor = self._presenter.actor
        role = next((c.role for c in self._roster if actor and c.id == actor.id), None)
        return Viewer(actor, role, self._options.read_only)

    def _action_viewer(self) -> ActionViewer:
        viewer = self._viewer()
        actor_id = viewer.actor.id if viewer.actor else None
        return ActionViewer(actor_id, viewer.role, viewer.read_only)

    def _read_only_reason(self) -> str | None:
        return "The database is open read-only." if self._options.read_only else None

    def _on_error(self, message: str) -> None:
        if self._decision_pending:  # the service refused the decision: say so on the form too
            self._decision_pending = False
            self.tabs.decision.show_problem(message)
        self.statusBar().showMessage(message, 10_000)
        if self.isVisible() and not self._options.quiet:
            QMessageBox.warning(self, "MDT Desktop", message)

    def _stay_here(self, notice: str | None = None) -> None:
        """Once the meetings are listed again, open the same meeting on the case shown."""
        board, shown = self._presenter.board, self.shown_case
        self._pending_meeting = board.meeting.id if board else None
        self._pending_case = shown.case.patient.hospital_number if shown else None
        self._pending_notice = notice

    @property
    def shown_case(self) -> CaseDetail | None:
        """The case the pane shows: the selected row's (None when no case is shown)."""
        return self.selection.shown

    @property
    def identifiers(self) -> Identifiers:
        """How the screen names patients: in full, or initials and number (the room screen)."""
        return self._identifiers

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

    def _show_identifiers(self) -> None:
        room = self._identifiers is Identifiers.INITIALS
        self.room_indicator.setVisible(room)
        title = self._options.title
        self.setWindowTitle(f"{title} — room screen (initials only)" if room else title)
