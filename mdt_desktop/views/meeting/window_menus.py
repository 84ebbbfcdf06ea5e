"""The meeting window's actions, menus and tool bar (who is acting sits at the menu bar's end)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolBar,
    QToolButton,
    QWidget,
)

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.records import Clinician
from mdt_desktop.plots.case_plots import TimeWindow
from mdt_desktop.views.common.user_picker import roster_label
from mdt_desktop.views.meeting.window_base import WindowBase
from mdt_desktop.views.preparation.roster_dialog import RosterDialog


class WindowMenus(WindowBase):
    """The actions of the meeting window, its menus and its tool bar."""

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

    def _fill_user_picker(self) -> None:
        self.user_picker.clear()
        self.user_picker.addItem("— nobody (read only) —", None)
        for clinician in self._roster:
            if clinician.active:
                self.user_picker.addItem(roster_label(clinician), clinician.id)

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

    def set_user(self, clinician_id: int | None) -> None:
        """Act as the roster member with *clinician_id* (None: read only)."""
        index = self.user_picker.findData(clinician_id)
        self.user_picker.setCurrentIndex(max(index, 0))

    def _on_user(self, row: int) -> None:
        clinician_id = self.user_picker.itemData(row)
        chosen = next((c for c in self._roster if c.id == clinician_id), None)
        self._presenter.actor = Actor(chosen.id, chosen.name) if chosen else None
        self._settings.set_user_id(self._options.database_label, chosen.id if chosen else None)
        board = self._presenter.board
        if board is not None:
            self.tabs.refresh_access(board.meeting, self._viewer())
        self.open_actions.set_viewer(self._action_viewer())


def _menu_action(menu: QMenu, text: str, shortcut: str = "", tip: str = "") -> QAction:
    """Add an action to *menu*, with its shortcut and tooltip when given."""
    action: QAction = menu.addAction(text)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
    return action
