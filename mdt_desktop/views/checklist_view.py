"""The remission checklist: each item's automatic result and evidence, and the team's answer."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.checklist import LEGACY_MANUAL_NOTES, MANUAL_NOTE, Overall, needs_reason
from mdt_desktop.domain.describe import RESULT_TEXT
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.records import ChecklistAnswer
from mdt_desktop.views.display import (
    OVERALL_COLOUR,
    RESULT_COLOUR,
    css,
)
from mdt_desktop.views.focus import one_tab_stop, tab_leaves
from mdt_desktop.views.plain_text import breakable, isolate, markup, tooltip
from mdt_desktop.views.row_model import Index, RowTableModel

ANSWER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ChecklistTableModel(RowTableModel[ChecklistAnswer]):
    """Rows of checklist answers: result (confirmed or automatic), item, evidence, who."""

    HEADERS = ("Result", "Item")

    def set_answers(self, answers: tuple[ChecklistAnswer, ...]) -> None:
        self.set_rows(answers)

    def answer(self, row: int) -> ChecklistAnswer:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        answer = self.row_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(answer, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return RESULT_COLOUR[answer.effective]
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(evidence_text(answer))
        return None

    @staticmethod
    def _text(answer: ChecklistAnswer, column: int) -> str:
        if column == 0:
            mark = "" if answer.confirmed is None else " (confirmed)"
            if answer.confirmed is not None and answer.confirmed is not answer.automatic:
                mark = (
                    " (overridden)"
                    if answer.automatic is not ChecklistResult.UNKNOWN
                    else " (confirmed)"
                )
            return RESULT_TEXT[answer.effective] + mark
        if column == 1:
            return answer.label
        if column == 2:
            if answer.evidence:
                first = answer.evidence[0]
                stale = " (too old)" if first.stale else ""
                return (
                    f"{first.value} {first.unit}".strip()
                    + (f", {first.on:%d %b %Y}" if first.on else "")
                    + stale
                )
            return shown_note(answer)
        if answer.answered_by and answer.answered_at:
            return f"{answer.answered_by} {answer.answered_at:%d %b %H:%M}"
        return ""


def shown_note(answer: ChecklistAnswer) -> str:
    """The item's note as it stands: "to be answered" only while nobody has answered it."""
    awaiting = answer.note == MANUAL_NOTE or answer.note in LEGACY_MANUAL_NOTES
    if awaiting:
        return MANUAL_NOTE if answer.confirmed is None else ""
    return answer.note


def evidence_text(answer: ChecklistAnswer) -> str:
    """All the facts behind one answer, one per line (names and reasons bidi-isolated)."""
    lines = [f"Automatic: {RESULT_TEXT[answer.automatic]}"]
    lines += [e.as_text() for e in answer.evidence]
    lines.append(shown_note(answer))
    if answer.confirmed is not None:
        lines.append(
            f"Team: {RESULT_TEXT[answer.confirmed]} — {isolate(answer.answered_by or '')} "
            f"{answer.answered_at:%d %b %Y %H:%M}"
            if answer.answered_at
            else ""
        )
    if answer.override_reason:
        lines.append(f"Reason / note: {isolate(answer.override_reason)}")
    return display_unit("\n".join(line for line in lines if line))


@dataclass(frozen=True, slots=True)
class AnswerChoice:
    """What the user chose in the answer dialog."""

    result: ChecklistResult | None
    reason: str


class AnswerDialog(QDialog):
    """Asks for the team's answer to one item: met, not met, or clear, with a reason."""

    def __init__(self, answer: ChecklistAnswer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._answer = answer
        self.setWindowTitle(f"Checklist: {answer.label}")
        facts = QLabel("<br>".join(markup(line) for line in evidence_text(answer).split("\n")))
        facts.setTextFormat(Qt.TextFormat.RichText)
        facts.setWordWrap(True)
        self.met = QRadioButton("&Met")
        self.not_met = QRadioButton("&Not met")
        self.clear = QRadioButton("&Clear the team's answer (back to automatic)")
        group = QButtonGroup(self)
        for button in (self.met, self.not_met, self.clear):
            group.addButton(button)
        current = answer.confirmed or answer.automatic
        {ChecklistResult.MET: self.met, ChecklistResult.NOT_MET: self.not_met}.get(
            current, self.met
        ).setChecked(True)
        self.reason = QPlainTextEdit(answer.override_reason)
        self.reason.setPlaceholderText(
            "Reason or note (required to contradict the automatic result)"
        )
        self.reason.setFixedHeight(70)
        self.reason.setAccessibleName("Reason or note")
        tab_leaves(self.reason)
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setStyleSheet("color:#a4161a")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (
            facts,
            self.met,
            self.not_met,
            self.clear,
            self.reason,
            self.problem,
            self.buttons,
        ):
            layout.addWidget(widget)

    def choice(self) -> AnswerChoice:
        result = (
            ChecklistResult.MET
            if self.met.isChecked()
            else ChecklistResult.NOT_MET
            if self.not_met.isChecked()
            else None
        )
        return AnswerChoice(result, self.reason.toPlainText().strip())

    def _on_save(self) -> None:
        choice = self.choice()
        if needs_reason(self._answer.automatic, choice.result) and not choice.reason:
            self.problem.setText("Give the reason: this contradicts the automatic result.")
            return
        self.accept()

    @classmethod
    def ask(cls, answer: ChecklistAnswer, parent: QWidget | None = None) -> AnswerChoice | None:
        """Show the dialog; return the choice, or None if cancelled (tests replace this)."""
        dialog = cls(answer, parent)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ChecklistPanel(QWidget):
    """The checklist table, the selected item's evidence, answer buttons and the overall line."""

    answer_requested = Signal(str, object, str)  # item key, ChecklistResult | None, reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ChecklistTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setAccessibleName("Remission checklist")
        self.table.setToolTip("Space confirms the automatic result; Enter answers with a reason")
        one_tab_stop(self.table)
        self.table.installEventFilter(self)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirm_button = QPushButton("Confirm")
        self.confirm_button.setAccessibleName("Confirm the automatic result")
        self.confirm_button.setToolTip("Confirm the automatic result (Space)")
        self.answer_button = QPushButton("Answer…")
        self.answer_button.setAccessibleName("Answer the checklist item")
        self.answer_button.setToolTip("Answer or override with a reason (Enter)")
        self.title = QLabel()
        self.title.setObjectName("checklistTitle")
        self._set_title(rereview=False)
        self.overall = QLabel()
        self.overall.setObjectName("overallLine")
        self._arrange()
        self._connect()
        self.set_editable(False, "")

    def _arrange(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.answer_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        layout.addWidget(self.overall)

    def _connect(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.table.doubleClicked.connect(lambda _index: self._on_answer())
        self.confirm_button.clicked.connect(self._on_confirm)
        self.answer_button.clicked.connect(self._on_answer)

    def focus_order(self) -> list[QWidget]:
        """The table, then Confirm and Answer…."""
        return [self.table, self.confirm_button, self.answer_button]

    def clear(self) -> None:
        """No case: no items, nothing to answer."""
        self.model.set_answers(())
        self.details.setText("")
        self.overall.setText("")
        self.set_editable(False, "No case selected.")

    def _set_title(self, rereview: bool) -> None:
        title = "Re-review checklist" if rereview else "Remission checklist"
        self.title.setText(f"<b>{title}</b>")
        self.table.setAccessibleName(title)

    def show_checklist(
        self, answers: tuple[ChecklistAnswer, ...], overall: Overall, rereview: bool = False
    ) -> None:
        """The items of a candidate's remission checklist, or of a re-review's own checklist."""
        self._set_title(rereview)
        row = max(self.table.currentIndex().row(), 0)
        self.model.set_answers(answers)
        if answers:
            self.table.selectRow(min(row, len(answers) - 1))
        colour = css(OVERALL_COLOUR[overall])
        self.overall.setText(
            f"<span style='color:{colour}; font-size:12pt'>"
            f"<b>{escape(overall.label_for(rereview))}</b></span>"
        )

    def set_editable(self, editable: bool, why: str) -> None:
        """Enable answering, or explain why not (signed off, read-only, no user chosen)."""
        tips = {
            self.confirm_button: "Confirm the automatic result (Space)",
            self.answer_button: "Answer or override with a reason (Enter)",
        }
        for button, tip in tips.items():
            button.setEnabled(editable)
            button.setToolTip(tip if editable else why)

    def selected(self) -> ChecklistAnswer | None:
        row = self.table.currentIndex().row()
        return self.model.answer(row) if 0 <= row < self.model.rowCount() else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Space confirms and Enter answers the selected item (the table would take them)."""
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._on_key(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: Any) -> None:
        if not (isinstance(event, QKeyEvent) and self._on_key(event)):
            super().keyPressEvent(event)

    def _on_key(self, event: QKeyEvent) -> bool:
        """Space: confirm; Enter: answer; True when the key was used."""
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if not plain:
            return False
        if event.key() in ANSWER_KEYS and self.answer_button.isEnabled():
            self._on_answer()
            return True
        if event.key() == Qt.Key.Key_Space and self.confirm_button.isEnabled():
            self._on_confirm()
            return True
        return False

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.details.setText("")
            return
        answer = self.model.answer(current.row())
        self.details.setText(breakable(evidence_text(answer)))

    def _on_confirm(self) -> None:
        answer = self.selected()
        if answer is None:
            return
        if answer.automatic is ChecklistResult.UNKNOWN:
            self._on_answer()  # nothing to confirm automatically: ask
            return
        self.answer_requested.emit(answer.item_key, answer.automatic, "")

    def _on_answer(self) -> None:
        answer = self.selected()
        if answer is None or not self.answer_button.isEnabled():
            return
        choice = AnswerDialog.ask(answer, self)
        if choice is not None:
            self.answer_requested.emit(answer.item_key, choice.result, choice.reason)
