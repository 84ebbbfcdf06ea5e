"""Planning a meeting (date, chair, place) and asking for a hospital number."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

from PySide6.QtCore import (
    QDate,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.records import Clinician
from mdt_desktop.views.common.display import BAD, MUTED, css
from mdt_desktop.views.preparation.widgets import plain_label


def last_wednesday_of_next_month(today: date) -> date:
    """Return the last Wednesday of the month after *today*'s (the usual MDT day)."""
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - calendar.WEDNESDAY) % 7)


def consultants_of(roster: Sequence[Clinician]) -> list[Clinician]:
    """Return the active IBD consultants: the people who may chair."""
    return [c for c in roster if c.active and c.role is Role.IBD_CONSULTANT and c.id is not None]


# --- planning a meeting ---------------------------------------------------------------------------


class NewMeetingDialog(QDialog):
    """Asks for a new meeting's date, chair and location.

    Args:
        consultants: who may chair (active IBD consultants; anyone else is left out).
        parent: the owning window.
        today: the day the default date is counted from (the last Wednesday of next month).
    """

    def __init__(
        self,
        consultants: list[Clinician],
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plan a meeting")
        self._consultants = consultants_of(consultants)
        self._create_widgets(last_wednesday_of_next_month(today or date.today()))
        self._arrange_widgets()
        self._connect_signals()
        self._on_date()

    def _create_widgets(self, default: date) -> None:
        self.date = QDateEdit(QDate(default.year, default.month, default.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
        self.date.setAccessibleName("Meeting date")
        self.weekday = QLabel()
        self.weekday.setStyleSheet(f"color:{css(MUTED)}")
        self.chair = QComboBox()
        self.chair.setAccessibleName("Chair")
        for consultant in self._consultants:
            self.chair.addItem(consultant.name, consultant.id)
        self.location = QLineEdit()
        self.location.setPlaceholderText("e.g. Endoscopy seminar room / Teams")
        self.location.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 24))
        self.problem = plain_label()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color:{css(BAD)}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Plan meeting")
        if not self._consultants:
            ok.setEnabled(False)
            self.problem.setText("There is no active IBD consultant on the roster to chair it.")

    def _arrange_widgets(self) -> None:
        when = QHBoxLayout()
        when.addWidget(self.date)
        when.addWidget(self.weekday, 1)
        date_label = QLabel("&Date:")
        date_label.setBuddy(self.date)
        form = QFormLayout()
        form.addRow(date_label, when)
        form.addRow("&Chair:", self.chair)
        form.addRow("&Location:", self.location)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.date.dateChanged.connect(lambda _day: self._on_date())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def chosen_date(self) -> date:
        day = self.date.date()
        return date(day.year(), day.month(), day.day())

    def values(self) -> tuple[date, int, str] | None:
        """The date, chair id and location as entered (None without a chair)."""
        chair = self.chair.currentData()
        if chair is None:
            return None
        return self.chosen_date(), int(chair), self.location.text().strip()

    def _on_date(self) -> None:
        day = self.chosen_date()
        note = "" if day.weekday() == calendar.WEDNESDAY else " — not the usual Wednesday"
        self.weekday.setText(f"{day:%A}{note}")

    @classmethod
    def ask(
        cls, consultants: list[Clinician], parent: QWidget | None = None
    ) -> tuple[date, int, str] | None:
        """Show the dialog; return (date, chair id, location), or None if cancelled."""
        dialog = cls(consultants, parent)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None


class HospitalNumberDialog(QDialog):
    """Asks for the hospital number of a patient to add to the list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a candidate")
        self.number = QLineEdit()
        self.number.setPlaceholderText("Hospital number")
        self.number.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 16))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add to the list")
        form = QFormLayout()
        form.addRow("&Hospital number:", self.number)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.number.textChanged.connect(self._on_text)
        self._on_text("")

    def _on_text(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text.strip()))

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> str | None:
        """Show the dialog; return the hospital number, or None if cancelled."""
        dialog = cls(parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.number.text().strip() or None if accepted else None


# --- table models ---------------------------------------------------------------------------------
