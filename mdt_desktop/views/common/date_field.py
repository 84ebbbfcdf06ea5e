"""A date typed as a whole ("24 Feb 2027") is read as typed, or refused visibly.

Qt's date edit reads typing section by section: "24 Feb 2027" typed over "07 Dec 2026" became
"07 Feb 2027", and "31 Feb 2027" became "28 Feb 2027", without a word. ``DateField`` reads the
whole text instead: day, month and year in the ward's order (``24 Feb 2027``, ``24 February
2027``, ``24/02/2027``, ``24.02.2027``) or ISO (``2027-02-24``). Anything else is not a date:
the field turns red and says why, and ``date()`` gives None so a form refuses to save it. A
calendar opens with the ▾ button or Alt+↓ / F4.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.views.common.display import BAD, css

SHOWN_FORMAT = "%d %b %Y"  # how a date is written back: 24 Feb 2027
EXAMPLE = "24 Feb 2027"
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_abbr[number], calendar.month_name[number])
} | {"sept": 9}
_WORDS = re.compile(r"^(\d{1,2})[\s./-]*([A-Za-z]+)\.?[\s./-]*(\d{4})$")
_NUMBERS = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
Day = date  # inside DateField, ``date`` is its method
INVALID_STYLE = f"QLineEdit {{ border: 2px solid {css(BAD)}; }}"


def parse_typed_date(text: str) -> date:
    """Read a whole typed date: day month year (words or numbers) or ISO year-month-day.

    Raises:
        ValidationError: The text is not one date, with the reason (e.g. "February 2027 has 28
            days").
    """
    typed = text.strip()
    if not typed:
        raise ValidationError(f"no date: type one, e.g. {EXAMPLE}")
    day, month, year = _parts(typed)
    if not 1 <= month <= 12:
        raise ValidationError(f"'{typed}' is not a date: there is no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = f"{calendar.month_name[month]} {year}"
        raise ValidationError(f"'{typed}' is not a date: {name} has {last} days")
    found = date(year, month, day)
    if not EARLIEST <= found <= LATEST:
        raise ValidationError(f"'{typed}' is not a date this program records ({year})")
    return found


def _parts(typed: str) -> tuple[int, int, int]:
    """Day, month and year as typed (not yet checked against the calendar)."""
    if match := _WORDS.match(typed):
        month = _MONTHS.get(match.group(2).lower())
        if month is None:
            raise ValidationError(
                f"'{typed}' is not a date: '{match.group(2)}' is not a month (e.g. {EXAMPLE})"
            )
        return int(match.group(1)), month, int(match.group(3))
    if match := _NUMBERS.match(typed):
        return int(match.group(1)), int(match.group(2)), int(match.group(3))
    if match := _ISO.match(typed):
        return int(match.group(3)), int(match.group(2)), int(match.group(1))
    raise ValidationError(
        f"'{typed}' is not a date: type the day, month and year, e.g. {EXAMPLE} or 24/02/2027"
    )


def date_text(day: date) -> str:
    """Return *day* as the field shows it, e.g. ``24 Feb 2027``."""
    return day.strftime(SHOWN_FORMAT)


class DateField(QWidget):
    """A typed date with a calendar; ``date()`` is None while the text is not a date.

    ``dateChanged`` is emitted with the new date when a valid date is entered (Enter, leaving
    the field, or the calendar) or set, never for half-typed text.
    """

    dateChanged = Signal(object)  # the date

    def __init__(
        self, day: Day | None = None, name: str = "Date", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._committed = day
        self.edit = QLineEdit()
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText(f"e.g. {EXAMPLE}")
        self.edit.setToolTip(f"Type the date, e.g. {EXAMPLE} (Alt+↓ opens the calendar)")
        width = self.edit.fontMetrics().horizontalAdvance(f"{EXAMPLE}MMM")
        self.edit.setMinimumWidth(width)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setAccessibleName(f"{name}: calendar")
        self.button.setToolTip("Choose the date on a calendar (Alt+↓)")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Alt+↓ from the field opens it
        self._popup: CalendarPopup | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)
        self.edit.editingFinished.connect(self._on_finished)
        self.edit.textEdited.connect(self._on_typed)
        self.edit.installEventFilter(self)
        self.button.clicked.connect(self.open_calendar)
        if day is not None:
            self.edit.setText(date_text(day))

    # --- public ------------------------------------------------------------------------------

    def date(self) -> Day | None:
        """The date as typed now, or None when the text is not a date."""
        try:
            return parse_typed_date(self.edit.text())
        except ValidationError:
            return None

    def problem(self) -> str:
        """Why the text is not a date ('' when it is one)."""
        try:
            parse_typed_date(self.edit.text())
        except ValidationError as error:
            return str(error)
        return ""

    def checked_date(self) -> Day:
        """The date as typed.

        Raises:
            ValidationError: Not a date; the message names the field.
        """
        try:
            return parse_typed_date(self.edit.text())
        except ValidationError as error:
            raise ValidationError(f"{self._name.lower()}: {error}") from error

    def setDate(self, day: Day) -> None:
        """Show *day*; emits ``dateChanged`` when it differs from the date shown before."""
        self.edit.setText(date_text(day))
        self._mark(valid=True)
        self._commit(day)

    # --- reacting ------------------------------------------------------------------------------

    def _on_typed(self, _text: str) -> None:
        if self.date() is not None:
            self._mark(valid=True)  # corrected: the red goes at once, the date waits for Enter

    def _on_finished(self) -> None:
        day = self.date()
        if day is None:
            self._mark(valid=False)
            return
        self.edit.setText(date_text(day))  # the date read, written back in full
        self._mark(valid=True)
        self._commit(day)

    def _commit(self, day: Day) -> None:
        if day != self._committed:
            self._committed = day
            self.dateChanged.emit(day)

    def _mark(self, *, valid: bool) -> None:
        self.edit.setStyleSheet("" if valid else INVALID_STYLE)
        self.edit.setToolTip(
            f"Type the date, e.g. {EXAMPLE} (Alt+↓ opens the calendar)" if valid else self.problem()
        )
        self.edit.setAccessibleDescription("" if valid else self.problem())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            key = event if isinstance(event, QKeyEvent) else None
            alt_down = (
                key is not None
                and key.key() == Qt.Key.Key_Down
                and key.modifiers() & Qt.KeyboardModifier.AltModifier
            )
            if key is not None and (alt_down or key.key() == Qt.Key.Key_F4):
                self.open_calendar()
                return True
        return super().eventFilter(watched, event)

    def open_calendar(self) -> None:
        """Show the calendar under the field, on the date typed (or today)."""
        if not self.isEnabled():
            return
        self._popup = CalendarPopup(self.date() or self._committed or Day.today(), self)
        self._popup.chosen.connect(self._on_chosen)
        self._popup.move(self.mapToGlobal(self.rect().bottomLeft()))
        self._popup.show()
        self._popup.calendar.setFocus()

    def _on_chosen(self, day: Day) -> None:
        self.setDate(day)
        self.edit.setFocus()


class CalendarPopup(QFrame):
    """A month calendar in a popup: Enter or a click chooses the day, Esc closes it."""

    chosen = Signal(object)  # date

    def __init__(self, day: date, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.calendar = QCalendarWidget()
        self.calendar.setAccessibleName("Calendar")
        self.calendar.setGridVisible(True)
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        self.calendar.activated.connect(self._on_chosen)
        self.calendar.clicked.connect(self._on_chosen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.calendar)

    def _on_chosen(self, day: QDate) -> None:
        self.chosen.emit(date(day.year(), day.month(), day.day()))
        self.close()
