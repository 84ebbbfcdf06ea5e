"""Carrying cases over at sign-off: defer the undiscussed ones, then list them next time.

``DeferUndiscussedPrompt`` offers, when only undiscussed cases stop the sign-off, to defer them
all in one step. ``CarryOverDialog`` follows a sign-off: the deferred and undiscussed cases,
ticked, to list at the next meeting (the planned one, or a new one on a date that can be
changed); cases decided "defer for investigation" are listed unticked, and cases that cannot go
(already carried over, or already listed there) are shown greyed with the reason.
``ChairPrompts`` puts the sign-off's questions to the chair with these dialogs and the sign-off
dialog; the steps themselves are the presenter's (presenters/meeting/sign_off.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.board import MeetingBoard, Readiness
from mdt_desktop.domain.carry_over import CarryOverCandidate, CarryOverPlan
from mdt_desktop.domain.identifiers import Identifiers, patient_label
from mdt_desktop.domain.records import CaseSummary
from mdt_desktop.presenters.preparation.carry_over import CarryOverChoice
from mdt_desktop.views.meeting.decision_tables import date_edit, from_qdate, to_qdate
from mdt_desktop.views.preparation.signoff_dialog import SignOffDialog

CASE_ROLE = Qt.ItemDataRole.UserRole


def candidate_text(
    candidate: CarryOverCandidate, identifiers: Identifiers = Identifiers.FULL
) -> str:
    """One line of the checklist (patients named as the screen names them)."""
    patient = candidate.patient
    line = f"{candidate.position}. {patient_label(patient, identifiers)}: {candidate.why}"
    return f"{line} ({candidate.blocked})" if candidate.blocked else line


class CarryOverDialog(QDialog):
    """Which cases of a signed-off meeting to list at the next meeting."""

    def __init__(
        self,
        plan: CarryOverPlan,
        parent: QWidget | None = None,
        identifiers: Identifiers = Identifiers.FULL,
    ) -> None:
        super().__init__(parent)
        self._plan = plan
        self._identifiers = identifiers
        self.setWindowTitle(f"Carry cases over from the MDT of {plan.meeting_date:%d %b %Y}")
        self._create_widgets()
        self._arrange_widgets()
        self.cases.itemChanged.connect(lambda _item: self._update_button())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._update_button()
        self.resize(760, self.sizeHint().height())

    def _create_widgets(self) -> None:
        plan, target = self._plan, self._plan.target
        self.intro = QLabel(
            "<p>These cases were not decided at the meeting. Ticked cases are listed at "
            f"<b>{escape(target.label)}</b>, each marked as carried over.</p>"
            + (
                "<p>No later meeting is planned: one will be planned with the same chair. "
                "Its date can be changed below.</p>"
                if target.new
                else ""
            )
        )
        self.intro.setWordWrap(True)
        self.cases = QListWidget()
        self.cases.setAccessibleName("Cases to carry over")
        for candidate in plan.candidates:
            item = QListWidgetItem(candidate_text(candidate, self._identifiers))
            item.setData(CASE_ROLE, candidate.case_id)
            flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
            if not candidate.blocked:
                flags |= Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            ticked = candidate.proposed and not candidate.blocked
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            item.setToolTip(
                f"Cannot be carried over: {candidate.blocked}" if candidate.blocked else item.text()
            )
            self.cases.addItem(item)
        self.date: QDateEdit = date_edit(target.meeting_date)
        self.date.setMinimumDate(to_qdate(plan.meeting_date + timedelta(days=1)))
        self.date.setAccessibleName("Date of the new meeting")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Not now")
        self.carry_button = self.buttons.addButton(
            "Carry over", QDialogButtonBox.ButtonRole.AcceptRole
        )

    def _arrange_widgets(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.cases, 1)
        if self._plan.target.new:
            form = QFormLayout()
            form.addRow("New meeting on", self.date)
            layout.addLayout(form)
        layout.addWidget(self.buttons)

    def chosen(self) -> CarryOverChoice:
        """The ticked cases and, when a meeting is to be planned, its date."""
        ids = tuple(
            int(self.cases.item(row).data(CASE_ROLE))
            for row in range(self.cases.count())
            if self.cases.item(row).checkState() == Qt.CheckState.Checked
        )
        day = from_qdate(self.date.date()) if self._plan.target.new else None
        return CarryOverChoice(ids, day)

    def _update_button(self) -> None:
        count = len(self.chosen().case_ids)
        self.carry_button.setText(f"Carry over {count} case{'s' if count != 1 else ''}")
        self.carry_button.setEnabled(count > 0)

    @classmethod
    def ask(
        cls,
        plan: CarryOverPlan,
        parent: QWidget | None = None,
        identifiers: Identifiers = Identifiers.FULL,
    ) -> CarryOverChoice | None:
        """The chair's choice, or None for "Not now" (tests replace this)."""
        dialog = cls(plan, parent, identifiers)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen()


class DeferUndiscussedPrompt:
    """Asks whether to defer the undiscussed cases so that the meeting can be signed off."""

    @staticmethod
    def ask(parent: QWidget, cases: list[str]) -> bool:
        """*cases*: one line per undiscussed case (tests replace this)."""
        count = len(cases)
        listed = "".join(f"<li>{escape(line)}</li>" for line in cases[:12])
        more = f"<li>… and {count - 12} more</li>" if count > 12 else ""
        box = QMessageBox(parent)
        box.setWindowTitle("Undiscussed cases")
        box.setIcon(QMessageBox.Icon.Question)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            f"<p>{count} case{'s were' if count != 1 else ' was'} not discussed:</p>"
            f"<ul>{listed}{more}</ul><p>Defer {'them' if count != 1 else 'it'} so that the "
            "meeting can be signed off? After sign-off the deferred cases are offered for the "
            "next meeting.</p>"
        )
        defer = box.addButton(
            f"Defer the {count} undiscussed case{'s' if count != 1 else ''}",
            QMessageBox.ButtonRole.AcceptRole,
        )
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(defer)
        box.exec()
        return box.clickedButton() is defer


class ChairPrompts:
    """The sign-off's questions to the chair, as dialogs over *parent* (``SignOffQuestions``)."""

    def __init__(self, parent: QWidget, identifiers: Callable[[], Identifiers]) -> None:
        self._parent = parent
        self._identifiers = identifiers

    def defer_undiscussed(self, cases: Sequence[CaseSummary]) -> bool:
        names = self._identifiers()
        lines = [f"{c.position}. {patient_label(c.patient, names)}" for c in cases]
        return DeferUndiscussedPrompt.ask(self._parent, lines)

    def confirm_sign_off(self, board: MeetingBoard, readiness: Readiness) -> bool:
        title = f"the MDT of {board.meeting.meeting_date:%d %b %Y}"
        return SignOffDialog.ask(title, readiness, self._parent)

    def choose_carry_over(self, plan: CarryOverPlan) -> CarryOverChoice | None:
        return CarryOverDialog.ask(plan, self._parent, self._identifiers())
