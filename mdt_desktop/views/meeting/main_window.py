"""The meeting screen: meeting picker, candidate list, the selected case and its checklist."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QWidget,
)

from mdt_desktop.domain.board import CaseDetail, MeetingBoard, MeetingListItem
from mdt_desktop.domain.carry_over import CarryOverResult
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.records import Clinician, current_annotations
from mdt_desktop.domain.wording import count
from mdt_desktop.drafts import DraftStore
from mdt_desktop.plots.case_data import planned_regimen
from mdt_desktop.plots.case_plots import CasePlotData, TimeWindow
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.presenters.meeting.results import DECISION_WRITES, Done, DoneKind
from mdt_desktop.services.bundle import AdminServices
from mdt_desktop.views.common.focus import show_focus_rings
from mdt_desktop.views.common.plain_text import isolate
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.views.meeting.prepared_canvas import CasePrefetch
from mdt_desktop.views.meeting.presentation_window import PresentationWindow
from mdt_desktop.views.meeting.window_base import HIDDEN_CASE, HIDDEN_CASE_DETAIL, ScreenOptions
from mdt_desktop.views.meeting.window_layout import WindowLayout
from mdt_desktop.views.meeting.window_menus import WindowMenus
from mdt_desktop.views.meeting.window_placement import WindowPlacement
from mdt_desktop.views.meeting.window_tools import WindowTools
from mdt_desktop.workers import Runner


class MainWindow(WindowMenus, WindowLayout, WindowTools, WindowPlacement):
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
        super().__init__(
            presenter,
            config,
            roster,
            settings,
            options,
            parent,
            admin=admin,
            runner=runner,
            drafts=drafts,
        )
        self.setWindowTitle(options.title)
        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self._restore_user()
        self._order_tab_stops()
        show_focus_rings()

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
        p.carry_over.carried.connect(self._on_carried)
        p.carry_over.status_reported.connect(lambda text: self.statusBar().showMessage(text, 4000))
        p.carry_over.error_reported.connect(self._on_error)
        p.notice_reported.connect(lambda text: self.statusBar().showMessage(text, 10_000))
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
            self._presenter.open_meeting(
                self._meetings[row].id, self._pending_case, self._pending_notice
            )
            self._pending_case = self._pending_notice = None

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

    def sign_off(self) -> None:
        """Sign off the open meeting (its chair); the presenter asks through the prompts."""
        self._presenter.sign_off(self.prompts)

    def carry_over(self) -> None:
        """Offer the open (signed-off) meeting's undecided cases for the next meeting."""
        board = self._presenter.board
        if board is not None:
            self._presenter.carry_over.offer(
                board.meeting.id, self._presenter.actor, self.prompts.choose_carry_over
            )

    def _on_carried(self, result: CarryOverResult) -> None:
        self._stay_here(notice=result.message)
        self._presenter.refresh_meetings()  # a meeting may have been planned

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

    def _on_action_done(self, done: Done) -> None:
        """A write succeeded: the draft it used is spent."""
        self._decision_pending = False
        if done.kind in DECISION_WRITES:
            self.tabs.decision.keeper.discard()
        elif done.kind is DoneKind.NOTE_ADDED:
            self.tabs.notes.clear_note()
        elif done.kind is DoneKind.ANNOTATION_SAVED:
            self.tabs.levels.discard_draft()

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

    def _redraw(self) -> None:
        detail = self.shown_case
        if detail is not None:
            self.plots.show_case(self.plot_data(detail))

    def _on_presentation_closed(self) -> None:
        self.presentation = None
        self.activateWindow()
        self.table.setFocus()


def meeting_choice(day: date, status: MeetingStatus, cases: int) -> str:
    """A meeting as the picker lists it: date, status and number of cases."""
    return f"{day:%d %b %Y} — {status.value.replace('_', ' ')} ({count(cases, 'case')})"
