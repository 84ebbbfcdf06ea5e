"""The MDT roster: everyone who can be a user, chair, owner or attendee, kept by the coordinator.

Members are never deleted, only deactivated (their names stay on what they recorded), so the
table lists inactive members too, greyed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.records import Clinician
from mdt_desktop.services.roster import MAX_NAME, RosterAdmin, RosterService
from mdt_desktop.views.display import BAD, GOOD, MUTED, css
from mdt_desktop.views.row_model import Index, RowTableModel
from mdt_desktop.workers import Runner

NOT_ALLOWED = "Only the MDT coordinator manages the roster."
NOBODY = "Choose who you are (Acting as) first."


class RosterTableModel(RowTableModel[Clinician]):
    """Roster members: name, role and whether they are active (inactive rows greyed)."""

    HEADERS = ("Name", "Role", "Status")

    def set_members(self, members: list[Clinician]) -> None:
        """Replace every row."""
        self.set_rows(members)

    def member(self, row: int) -> Clinician:
        return self.row_at(row)

    def row_of(self, clinician_id: int | None) -> int | None:
        """Return the row of the member with *clinician_id*, if listed."""
        return self.row_where(lambda c: c.id == clinician_id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        member = self.row_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return (member.name, member.role.label, "Active" if member.active else "Inactive")[
                index.column()
            ]
        if role == Qt.ItemDataRole.ForegroundRole and not member.active:
            return MUTED
        if role == Qt.ItemDataRole.FontRole and not member.active:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and not member.active:
            return "Inactive: kept on what they recorded, no longer offered as a user or attendee."
        return None


class MemberDialog(QDialog):
    """Asks for a roster member's name and role."""

    def __init__(
        self, title: str, name: str = "", role: Role | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.name = QLineEdit(name)
        self.name.setMaxLength(MAX_NAME)
        self.name.setPlaceholderText("e.g. Dr Ana Silva")
        self.name.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 24))
        self.role = QComboBox()
        for member_role in Role:
            self.role.addItem(member_role.label, member_role.value)
        if role is not None:
            self.role.setCurrentIndex(self.role.findData(role.value))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Role:", self.role)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._on_name)
        self._on_name(name)

    def values(self) -> tuple[str, Role]:
        """The name and role as entered."""
        return self.name.text().strip(), Role(self.role.currentData())

    def _on_name(self, text: str) -> None:
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(text.strip()))

    @classmethod
    def ask(
        cls,
        title: str,
        name: str = "",
        role: Role | None = None,
        parent: QWidget | None = None,
    ) -> tuple[str, Role] | None:
        """Show the dialog; return the name and role, or None if cancelled (tests replace this)."""
        dialog = cls(title, name, role, parent)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None


class RosterDialog(QDialog):
    """The roster table, with Add, Edit and Deactivate/Reactivate for the coordinator.

    Args:
        roster: reads the roster.
        admin: changes the roster.
        actor: who is using the program (None: nobody chosen, read only).
        can_edit: whether *actor* may manage the roster.
        runner: where reads and writes run (off the GUI thread in the application).
        parent: the owning window.
        why_not: why nothing may be changed, when it is not the role (e.g. a read-only file).
    """

    changed = Signal()  # a change was saved: pickers built from the roster are out of date
    loaded = Signal()  # the table shows the roster as it is now (or the load failed)

    def __init__(
        self,
        roster: RosterService,
        admin: RosterAdmin,
        actor: Actor | None,
        can_edit: bool,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        why_not: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._roster = roster
        self._admin = admin
        self._actor = actor
        self._why_not = why_not or (
            NOT_ALLOWED if not can_edit else NOBODY if actor is None else ""
        )
        self._runner = runner
        self._busy = False
        self._select_id: int | None = None
        self.setWindowTitle("MDT roster")
        self.resize(760, 480)
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()
        self._update_buttons()
        self.reload()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.model = RosterTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        widest_role = max(metrics.horizontalAdvance(role.label) for role in Role)
        self.table.setColumnWidth(1, widest_role + 24)
        self.table.setColumnWidth(2, metrics.horizontalAdvance("Inactive") + 32)
        self.add_button = QPushButton("&Add…")
        self.add_button.setToolTip("Add a member to the roster")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setToolTip("Change the selected member's name or role")
        self.active_button = QPushButton("&Deactivate")
        self.active_button.setToolTip(
            "Deactivated members stay on what they recorded but are no longer offered"
        )
        self.hint = QLabel(
            "Members are never deleted: deactivate those who leave. Their names stay on what "
            "they recorded; inactive members are no longer offered as user, chair or attendee."
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color:{css(MUTED)}")
        self.problem = QLabel()
        self.problem.setObjectName("rosterProblem")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

    def _arrange_widgets(self) -> None:
        side = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.active_button):
            side.addWidget(button)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        if self._why_not:
            note = QLabel(self._why_not)
            note.setStyleSheet(f"color:{css(MUTED)}")
            layout.addWidget(note)
        layout.addLayout(body, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add)
        self.edit_button.clicked.connect(self._on_edit)
        self.active_button.clicked.connect(self._on_toggle_active)
        self.table.doubleClicked.connect(lambda _index: self._on_edit())
        self.table.selectionModel().currentRowChanged.connect(
            lambda _current, _previous: self._update_buttons()
        )
        self.buttons.rejected.connect(self.reject)

    # --- public -----------------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        """Whether the current user may change the roster here."""
        return not self._why_not

    def selected(self) -> Clinician | None:
        """The member on the selected row, if any."""
        row = self.table.currentIndex().row()
        return self.model.member(row) if 0 <= row < self.model.rowCount() else None

    def reload(self) -> None:
        """Read the whole roster, inactive members included."""
        self._runner.submit(
            lambda: self._roster.clinicians(active_only=False), self._on_members, self._on_failed
        )

    def show_error(self, message: str) -> None:
        """Show why the last change failed (the service's message)."""
        self.problem.setText(message)
        self.problem.setStyleSheet(f"color:{css(BAD)}")

    def show_done(self, message: str) -> None:
        """Confirm that a change was saved."""
        self.problem.setText(message)
        self.problem.setStyleSheet(f"color:{css(GOOD)}")

    # --- slots ------------------------------------------------------------------------------------

    def _on_add(self) -> None:
        if self._actor is None or not self.editable:
            return
        answer = MemberDialog.ask("Add to the roster", parent=self)
        if answer is None:
            return
        name, role = answer
        actor = self._actor
        self._write(lambda: self._admin.add(name, role, actor), f"Added {name} ({role.label}).")

    def _on_edit(self) -> None:
        member = self.selected()
        if member is None or member.id is None or self._actor is None or not self.editable:
            return
        answer = MemberDialog.ask(f"Edit {member.name}", member.name, member.role, self)
        if answer is None or answer == (member.name, member.role):
            return
        name, role = answer
        member_id, actor = member.id, self._actor

        def save() -> int:
            self._admin.update(member_id, actor, name=name, role=role)
            return member_id

        self._write(save, f"Saved {name} ({role.label}).")

    def _on_toggle_active(self) -> None:
        member = self.selected()
        if member is None or member.id is None or self._actor is None or not self.editable:
            return
        member_id, actor, active = member.id, self._actor, not member.active
        done = f"{member.name} is {'active again' if active else 'now inactive'}."

        def save() -> int:
            self._admin.update(member_id, actor, active=active)
            return member_id

        self._write(save, done)

    def _write(self, work: Callable[[], int], done: str) -> None:
        """Run one change; on success select the member it returns, reload and emit changed."""
        self._set_busy(True)
        self.problem.clear()

        def succeeded(clinician_id: int) -> None:
            self._set_busy(False)
            self._select_id = clinician_id
            self.show_done(done)
            self.changed.emit()
            self.reload()

        def failed(error: Exception) -> None:
            self._set_busy(False)
            self.show_error(user_message(error))

        self._runner.submit(work, succeeded, failed)

    def _on_members(self, members: list[Clinician]) -> None:
        wanted = self._select_id if self._select_id is not None else self._selected_id()
        self._select_id = None
        self.model.set_members(members)
        row = self.model.row_of(wanted)
        if row is not None:
            self.table.selectRow(row)
        self._update_buttons()
        self.loaded.emit()

    def _on_failed(self, error: Exception) -> None:
        self.show_error(f"Could not read the roster: {user_message(error)}")
        self.loaded.emit()

    def _selected_id(self) -> int | None:
        member = self.selected()
        return member.id if member else None

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        member = self.selected()
        self.active_button.setText(
            "&Reactivate" if member is not None and not member.active else "&Deactivate"
        )
        usable = self.editable and not self._busy
        self.add_button.setEnabled(usable)
        self.edit_button.setEnabled(usable and member is not None)
        self.active_button.setEnabled(usable and member is not None)
        if not self.editable:
            for button in (self.add_button, self.edit_button, self.active_button):
                button.setToolTip(self._why_not)
