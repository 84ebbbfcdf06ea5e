"""Carrying cases over at sign-off: defer the undiscussed ones, then list them next time.

``DeferUndiscussedPrompt`` offers, when only undiscussed cases stop the sign-off, to defer them
all in one step. ``CarryOverDialog`` follows a sign-off: the deferred and undiscussed cases,
ticked, to list at the next meeting (the planned one, or a new one on a date that can be
changed); cases decided "defer for investigation" are listed unticked, and cases that cannot go
(already carried over, or already listed there) are shown greyed with the reason.
``CarryOverFlow`` runs these steps for the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from PySide6.QtCore import QObject, Qt, Signal
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
from mdt_desktop.domain.enums import CaseStatus
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.identifiers import Identifiers, patient_label
from mdt_desktop.presenters.meeting import MeetingPresenter
from mdt_desktop.views.decision_tables import date_edit, from_qdate, to_qdate
from mdt_desktop.workers import Runner

CASE_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class CarryOverChoice:
    """The cases ticked, and the date of the meeting to plan (None: the planned one)."""

    case_ids: tuple[int, ...]
    new_meeting_on: date | None = None


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


class CarryOverFlow(QObject):
    """The carry-over steps of the sign-off flow, for the main window.

    Before sign-off: when only undiscussed cases stop it, offer to defer them. After sign-off
    (or from the menu): offer the meeting's cases for the next meeting and carry the chosen ones
    over in the background.
    """

    carried = Signal(object)  # CarryOverResult

    def __init__(
        self,
        presenter: MeetingPresenter,
        runner: Runner,
        parent: QWidget,
        identifiers: Callable[[], Identifiers],
        report_error: Callable[[str], None],
    ) -> None:
        super().__init__(parent)
        self._presenter = presenter
        self._runner = runner
        self._parent = parent
        self._identifiers = identifiers
        self._error = report_error

    def offer_deferral(self, board: MeetingBoard, readiness: Readiness) -> bool:
        """True when the chair chose to defer the undiscussed cases (the presenter does it).

        Offered only when those cases are all that stops the sign-off.
        """
        pending = [
            d.case
            for d in board.cases
            if d.case.status is CaseStatus.PENDING and d.case.decision is None
        ]
        if not pending or len(readiness.problems) != len(pending):
            return False
        names = self._identifiers()
        lines = [f"{c.position}. {patient_label(c.patient, names)}" for c in pending]
        if not DeferUndiscussedPrompt.ask(self._parent, lines):
            return False
        self._presenter.defer_undiscussed()
        return True

    def offer(self, meeting_id: int, *, automatic: bool = False) -> None:
        """Offer the cases of a signed-off meeting for the next one.

        *automatic* (right after sign-off): only when there are deferred or undiscussed cases.
        """
        services = self._presenter.services

        def planned(plan: CarryOverPlan) -> None:
            if automatic and not plan.proposed:
                return
            if not plan.candidates:
                self._presenter.status_reported.emit(
                    "No case of this meeting is left to carry over."
                )
                return
            choice = CarryOverDialog.ask(plan, self._parent, self._identifiers())
            if choice is not None:
                self._carry(meeting_id, choice)

        self._runner.submit(
            lambda: services.carry_over.plan(meeting_id),
            planned,
            lambda error: self._error(user_message(error)),
        )

    def _carry(self, meeting_id: int, choice: CarryOverChoice) -> None:
        actor = self._presenter.actor
        if actor is None:
            self._error("Choose who you are (Acting as) first.")
            return
        service = self._presenter.services.carry_over
        self._runner.submit(
            lambda: service.carry_over(
                meeting_id, choice.case_ids, actor, new_meeting_on=choice.new_meeting_on
            ),
            self.carried.emit,
            lambda error: self._error(user_message(error)),
        )
