"""The attendees' positions on a decision: one row per present attendee, entered by the chair.

Each row has Agree / Disagree / Abstain buttons (click a chosen one again to clear it) and a
comment. "All agree" marks everyone not yet marked as agreeing; "Save positions" saves the set in
one transaction. From the keyboard the grid is one Tab stop: ↑ and ↓ move one row, ← and → move
along it, A agree, D disagree (then type the view), S abstain, Delete clears, Tab leaves the grid.
A disagreement is tied to the decision's dissent: the panel says whether the views will become
the dissent or points at the dissent already recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.enums import Position
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.positions import (
    PositionInput,
    Tally,
    position_notes,
    validate_positions,
    voters,
)
from mdt_desktop.domain.records import AttendanceEntry, AttendeePosition, Decision
from mdt_desktop.views.common.display import BAD, GOOD, MUTED, css
from mdt_desktop.views.common.plain_text import (
    ElidedLabel,
    breakable,
    isolate,
    plain_label,
    tooltip,
)

KEYS = {
    Qt.Key.Key_A: Position.AGREE,
    Qt.Key.Key_D: Position.DISAGREE,
    Qt.Key.Key_S: Position.ABSTAIN,
}
STYLE = f"""
QToolButton {{ padding: 2px 5px; border: 1px solid #b9b9b9; background: #fafafa; }}
QToolButton:focus {{ border: 2px solid #0b5394; }}
QToolButton#agree:checked {{ background: #d7ecdd; color: {css(GOOD)}; font-weight: bold; }}
QToolButton#disagree:checked {{ background: #f6d5d6; color: {css(BAD)}; font-weight: bold; }}
QToolButton#abstain:checked {{ background: #e4e4e4; color: #333333; font-weight: bold; }}
"""
HINT = "Keys: A agree · D disagree · S abstain · Delete clears · ↑ ↓ rows · ← → along a row"


@dataclass(frozen=True, slots=True)
class PositionsState:
    """What the panel shows for one case."""

    decision: Decision | None
    positions: tuple[AttendeePosition, ...]
    attendance: tuple[AttendanceEntry, ...]
    dissent: str  # the decision's dissent as recorded
    editable: bool
    why: str = ""  # why it cannot be edited


class _NameCell(QWidget):
    """The attendee's name over their role, each one line (elided, whole in the tooltip)."""

    def __init__(self, entry: AttendanceEntry) -> None:
        super().__init__()
        self.name = ElidedLabel(entry.name)
        self.role = ElidedLabel(entry.role.label)
        self.role.setStyleSheet(f"color:{css(MUTED)}")
        small = QFont(self.role.font())
        small.setPointSizeF(small.pointSizeF() * 0.85)
        self.role.setFont(small)
        self.setToolTip(tooltip(f"{entry.name} — {entry.role.label}"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.name)
        layout.addWidget(self.role)
        metrics = self.name.fontMetrics()
        self.setMinimumWidth(metrics.horizontalAdvance("M" * 9))
        self.setMaximumWidth(metrics.horizontalAdvance("M" * 14))

    def text(self) -> str:
        """The name and role as shown (tests, assistive technology)."""
        return f"{self.name.full_text()} — {self.role.full_text()}"


class _Row(QObject):
    """One attendee: name, role, the three position buttons and a comment."""

    changed = Signal()

    def __init__(self, entry: AttendanceEntry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.name = _NameCell(entry)  # name over role keeps the row narrow enough for the tab
        self.buttons: dict[Position, QToolButton] = {}
        for position in Position:
            button = QToolButton()
            button.setText(position.label)
            button.setObjectName(position.value)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # the grid is one Tab stop
            button.setAccessibleName(f"{entry.name}: {position.label}")
            button.clicked.connect(lambda checked, p=position: self._on_clicked(p, checked))
            self.buttons[position] = button
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment")
        self.comment.setAccessibleName(f"{entry.name}: comment")
        self.comment.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.comment.setMaxLength(1000)
        self.comment.textEdited.connect(lambda _text: self.changed.emit())
        self.comment.textChanged.connect(self.comment.setToolTip)
        self.comment.setMinimumWidth(60)

    def widgets(self) -> list[QWidget]:
        return [self.name, *self.buttons.values(), self.comment]

    def cells(self) -> list[QWidget]:
        """The row's focusable cells, left to right."""
        return [*self.buttons.values(), self.comment]

    def position(self) -> Position | None:
        return next((p for p, b in self.buttons.items() if b.isChecked()), None)

    def set_position(self, position: Position | None, comment: str | None = None) -> None:
        for kind, button in self.buttons.items():
            button.setChecked(kind is position)
        if comment is not None:
            self.comment.setText(comment)
            self.comment.setCursorPosition(0)  # the start of a long comment, not its end
        self._placeholder()

    def entered(self) -> PositionInput | None:
        position = self.position()
        if position is None:
            return None
        return PositionInput(self.entry.clinician_id, position, self.comment.text().strip())

    def set_editable(self, editable: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(editable)
        self.comment.setReadOnly(not editable)

    def _on_clicked(self, position: Position, checked: bool) -> None:
        """The buttons are exclusive, and clicking the chosen one again clears it."""
        self.set_position(position if checked else None)
        if position is Position.DISAGREE and checked:
            self.comment.setFocus()
        self.changed.emit()

    def _placeholder(self) -> None:
        disagree = self.position() is Position.DISAGREE
        self.comment.setPlaceholderText("Their view (required)" if disagree else "Comment")


class PositionsPanel(QGroupBox):
    """Enter, save and show the attendees' positions on the case's decision."""

    save_requested = Signal(object)  # tuple[PositionInput, ...]
    rebuilt = Signal()  # the rows were made again (other attendees): the Tab order is renewed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Attendees' positions", parent)
        self._rows: list[_Row] = []
        self._built_for: tuple[tuple[int, str, str], ...] = ()
        self._state = PositionsState(None, (), (), "", False, "No case selected.")
        self._stop: QWidget | None = None  # the one cell of the grid that Tab stops at
        self._create_widgets()
        self._arrange_widgets()
        self._connect_signals()

    def _create_widgets(self) -> None:
        self.summary = QLabel()
        self.summary.setObjectName("positionsSummary")
        self.notes = plain_label(wrap=True)
        self.notes.setStyleSheet("color:#8a5a00")
        self.dissent_note = plain_label(wrap=True)
        self.problem = plain_label(wrap=True)
        self.problem.setStyleSheet(f"color:{css(BAD)}")
        self.empty = plain_label(wrap=True)
        self.empty.setStyleSheet(f"color:{css(MUTED)}")
        self.rows_host = QWidget()
        self.grid = QGridLayout(self.rows_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(4, 1)
        self.all_agree = QPushButton("All agree")
        self.all_agree.setAccessibleName("All agree")
        self.all_agree.setToolTip("Mark everyone not yet marked as agreeing")
        self.save_button = QPushButton("Save positions")
        self.save_button.setAccessibleName("Save positions")
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color:{css(MUTED)}; font-size:small")
        self.setStyleSheet(STYLE)

    def _arrange_widgets(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.all_agree)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addWidget(self.empty)
        layout.addWidget(self.rows_host)
        layout.addWidget(self.dissent_note)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def _connect_signals(self) -> None:
        self.all_agree.clicked.connect(self._on_all_agree)
        self.save_button.clicked.connect(self._on_save)

    # --- public ----------------------------------------------------------------------------------

    def show_state(self, state: PositionsState) -> None:
        """Show *state*: a row per present attendee, filled from the stored positions."""
        self._state = state
        people = voters(state.attendance) if state.decision is not None else ()
        self._build_rows(people)
        stored = {p.clinician_id: p for p in state.positions}
        for row in self._rows:
            found = stored.get(row.entry.clinician_id)
            row.set_position(found.position if found else None, found.comment if found else "")
            row.set_editable(state.editable)
        self.empty.setText(self._empty_text(people))
        self.empty.setVisible(bool(self.empty.text()))
        notes = position_notes(state.decision, state.positions, state.attendance)
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self.problem.setText("")
        for button in (self.all_agree, self.save_button):
            button.setVisible(bool(self._rows))
            button.setEnabled(state.editable and bool(self._rows))
            button.setToolTip("" if button.isEnabled() else state.why)
        self.hint.setVisible(state.editable and bool(self._rows))
        self._refresh()

    def focus_order(self) -> list[QWidget]:
        """Every cell of the grid (only one is a Tab stop), then All agree and Save."""
        return [*(cell for row in self._rows for cell in row.cells()), *self._buttons()]

    def _buttons(self) -> list[QWidget]:
        return [self.all_agree, self.save_button]

    def row(self, clinician_id: int) -> _Row:
        """The row of one attendee (tests and keyboard focus)."""
        return next(r for r in self._rows if r.entry.clinician_id == clinician_id)

    def rows(self) -> list[_Row]:
        return list(self._rows)

    def entered(self) -> tuple[PositionInput, ...]:
        """The positions as entered now (attendees without one are left out)."""
        return tuple(e for e in (row.entered() for row in self._rows) if e is not None)

    def tally(self) -> Tally:
        """The tally of what is entered now."""
        entered = self.entered()
        counts = {p: sum(1 for e in entered if e.position is p) for p in Position}
        return Tally(
            counts[Position.AGREE],
            counts[Position.DISAGREE],
            counts[Position.ABSTAIN],
            len(self._rows) - len(entered),
        )

    def dirty(self) -> bool:
        """True when what is entered differs from what is stored."""
        stored = {
            p.clinician_id: (p.position, p.comment)
            for p in self._state.positions
            if p.clinician_id in {r.entry.clinician_id for r in self._rows}
        }
        now = {e.clinician_id: (e.position, e.comment) for e in self.entered()}
        return stored != now

    # --- building ---------------------------------------------------------------------------------

    def _build_rows(self, people: Sequence[AttendanceEntry]) -> None:
        """Rebuild the rows only when the attendees changed (case switches reuse them)."""
        key = tuple((p.clinician_id, p.name, p.role.value) for p in people)
        if key == self._built_for:
            return
        for row in self._rows:
            for widget in row.widgets():
                widget.removeEventFilter(self)
                self.grid.removeWidget(widget)
                widget.deleteLater()
            row.deleteLater()
        self._rows = []
        for index, entry in enumerate(people):
            row = _Row(entry, self)
            row.changed.connect(self._refresh)
            for column, widget in enumerate(row.widgets()):
                self.grid.addWidget(widget, index, column)
            for widget in row.cells():
                widget.installEventFilter(self)
            self._rows.append(row)
        self._built_for = key
        self._stop = None
        self._make_stop(self._rows[0].buttons[Position.AGREE] if self._rows else None)
        self.rebuilt.emit()

    def _make_stop(self, cell: QWidget | None) -> None:
        """Tab stops at *cell* (the cell last used), not at every cell of the grid."""
        if cell is self._stop:
            return
        if self._stop is not None:
            self._stop.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._stop = cell
        if cell is not None:
            cell.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _empty_text(self, people: Sequence[AttendanceEntry]) -> str:
        if self._state.decision is None:
            return "Record the decision first; then the attendees' positions on it."
        if not people:
            return (
                "Nobody is marked present: the coordinator records the attendance "
                "(Meeting → Prepare meeting…)."
            )
        return ""

    # --- reacting ---------------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Summary, the dissent note and the All agree label follow what is entered."""
        has_rows = bool(self._rows)
        tally = self.tally()
        saved = "" if not self.dirty() else " — not saved"
        self.summary.setText(f"<b>{tally.text}</b>{saved}" if has_rows else "")
        self.summary.setVisible(has_rows)
        self.all_agree.setText(
            "Others agree" if 0 < tally.recorded < len(self._rows) else "All agree"
        )
        self.dissent_note.setText(self._dissent_text())
        self.dissent_note.setVisible(bool(self.dissent_note.text()))

    def _dissent_text(self) -> str:
        disagree = [r.entry.name for r in self._rows if r.position() is Position.DISAGREE]
        dissent = self._state.dissent.strip()
        if disagree and not dissent:
            return (
                f"{', '.join(isolate(name) for name in disagree)} "
                f"disagree{'s' if len(disagree) == 1 else ''}: their "
                "comments become the decision's Dissent when the positions are saved."
            )
        if dissent:
            shown = dissent if len(dissent) <= 160 else dissent[:157] + "…"
            extra = "" if disagree else " (nobody is marked as disagreeing)"
            return f"Dissent recorded on the decision{extra}: “{isolate(breakable(shown))}”"
        return ""

    def _on_all_agree(self) -> None:
        for row in self._rows:
            if row.position() is None:
                row.set_position(Position.AGREE)
        self._refresh()
        self.save_button.setFocus()

    def _on_save(self) -> None:
        entered = self.entered()
        names = {r.entry.clinician_id: r.entry.name for r in self._rows}
        try:
            validate_positions(entered, names, self._state.dissent)
        except ValidationError as error:
            self.problem.setText(str(error).removeprefix("positions: ").capitalize())
            return
        self.problem.setText("")
        self.save_requested.emit(entered)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        row = next((r for r in self._rows if watched in r.cells()), None)
        if row is None or not isinstance(watched, QWidget):
            return super().eventFilter(watched, event)
        if event.type() == QEvent.Type.FocusIn:
            self._make_stop(watched)
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._on_key(row, watched, event)
        ):
            return True
        return super().eventFilter(watched, event)

    def _on_key(self, row: _Row, cell: QWidget, event: QKeyEvent) -> bool:
        """Keyboard entry; True when the key was used."""
        key = Qt.Key(event.key())
        index = self._rows.index(row)
        in_comment = cell is row.comment
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._focus_row(index + (1 if key == Qt.Key.Key_Down else -1))
            return True
        if not in_comment and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            cells = row.cells()
            step = 1 if key == Qt.Key.Key_Right else -1
            cells[max(0, min(len(cells) - 1, cells.index(cell) + step))].setFocus()
            return True
        if in_comment:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._focus_row(index + 1)
                return True
            return False
        plain = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if not self._state.editable or event.modifiers() not in plain:
            return False
        if key in KEYS:
            position = KEYS[key]
            row.set_position(position)
            self._refresh()
            if position is Position.DISAGREE:
                row.comment.setFocus()
            else:
                self._focus_row(index + 1)
            return True
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            row.set_position(None)
            self._refresh()
            return True
        return False

    def _focus_row(self, index: int) -> None:
        if 0 <= index < len(self._rows):
            row = self._rows[index]
            chosen = row.position()
            row.buttons[chosen or Position.AGREE].setFocus()
        elif index >= len(self._rows) and self.save_button.isEnabled():
            self.save_button.setFocus()
