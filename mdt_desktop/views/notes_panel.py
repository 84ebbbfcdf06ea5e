"""Notes on the case and its actions (who does what by when, and whether it is done)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.drafts import DraftStore
from mdt_desktop.views.display import BAD, MUTED
from mdt_desktop.views.draft_keeper import DraftKeeper
from mdt_desktop.views.focus import tab_leaves
from mdt_desktop.views.plain_text import breakable, isolate, tooltip


class NotesPanel(QWidget):
    """Notes (newest last) with a box to add one; actions with Done / Not done."""

    note_added = Signal(str)
    action_toggled = Signal(int, bool)  # action id, done

    def __init__(self, drafts: DraftStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notes = QListWidget()
        self.notes.setAccessibleName("Notes on the case")
        self.notes.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("New note")
        self.text.setPlaceholderText("Add a note to this case")
        self.text.setFixedHeight(60)
        tab_leaves(self.text)
        self.add_button = QPushButton("Add note")
        self.add_button.setAccessibleName("Add the note")
        self.actions_list = QListWidget()
        self.actions_list.setAccessibleName("Actions of the case")
        self.actions_list.setWordWrap(True)
        self.done_button = QPushButton("Mark done")
        self.done_button.setAccessibleName("Mark the action done")
        self.undo_button = QPushButton("Not done")
        self.undo_button.setAccessibleName("Mark the action not done")
        self.keeper = DraftKeeper(drafts, {"note": self.text}, self)
        self._today = date.today()
        self._arrange()
        self.add_button.clicked.connect(self._on_add)
        self.done_button.clicked.connect(lambda: self._toggle(True))
        self.undo_button.clicked.connect(lambda: self._toggle(False))
        self.set_access(False, "", False, "")

    def _arrange(self) -> None:
        note_row = QHBoxLayout()
        note_row.addWidget(self.text, 1)
        note_row.addWidget(self.add_button)
        action_row = QHBoxLayout()
        action_row.addWidget(self.done_button)
        action_row.addWidget(self.undo_button)
        action_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Notes</b>"))
        layout.addWidget(self.notes, 2)
        layout.addLayout(note_row)
        layout.addWidget(QLabel("<b>Actions</b>"))
        layout.addWidget(self.actions_list, 2)
        layout.addLayout(action_row)

    def focus_order(self) -> list[QWidget]:
        """Notes, the new note and Add, then the actions and their buttons."""
        return [
            self.notes,
            self.text,
            self.add_button,
            self.actions_list,
            self.done_button,
            self.undo_button,
        ]

    def clear_case(self) -> None:
        """No case: no notes or actions; nothing can be added."""
        self.notes.clear()
        self.actions_list.clear()
        self.keeper.track(lambda: None)
        self.set_access(False, "No case selected.", False, "No case selected.")

    def show_case(self, detail: CaseDetail, today: date) -> None:
        self._today = today
        self.notes.clear()
        for note in detail.case.notes:
            shown = (
                f"{note.created_at:%d %b %Y %H:%M} · {isolate(note.author)}: "
                f"{isolate(breakable(note.text))}"
            )
            self.notes.addItem(shown)
            self.notes.item(self.notes.count() - 1).setToolTip(tooltip(note.text))
        if not detail.case.notes:
            self.notes.addItem("No notes.")
        self.actions_list.clear()
        for action in detail.case.actions:
            due = f" · due {action.due:%d %b %Y}" if action.due else ""
            state = f"✓ done {action.done_at:%d %b}" if action.done_at else "open"
            item = QListWidgetItem(
                f"{isolate(breakable(action.description))} — {isolate(action.owner)}{due} · {state}"
            )
            item.setData(Qt.ItemDataRole.UserRole, action.id)
            if action.done_at:
                item.setForeground(MUTED)
            elif action.due and action.due < today:
                item.setForeground(BAD)
                item.setToolTip("Overdue")
            self.actions_list.addItem(item)
        if not detail.case.actions:
            self.actions_list.addItem("No actions.")

    def set_access(self, can_note: bool, note_why: str, can_act: bool, act_why: str) -> None:
        self.text.setEnabled(can_note)
        self.add_button.setEnabled(can_note)
        self.add_button.setToolTip("" if can_note else note_why)
        for button in (self.done_button, self.undo_button):
            button.setEnabled(can_act)
            button.setToolTip("" if can_act else act_why)

    def _on_add(self) -> None:
        text = self.text.toPlainText().strip()
        if text:
            self.note_added.emit(text)

    def clear_note(self) -> None:
        """Empty the note box (after the note was saved) and forget its draft."""
        self.keeper.discard()
        self.keeper.set_quietly({"note": ""})

    def _toggle(self, done: bool) -> None:
        item = self.actions_list.currentItem()
        action_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if isinstance(action_id, int):
            self.action_toggled.emit(action_id, done)
