"""Who attends a meeting: one row per roster member, a status each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QGridLayout,
    QLabel,
    QRadioButton,
    QWidget,
)

from mdt_desktop.domain.enums import AttendanceStatus
from mdt_desktop.domain.records import AttendanceEntry, Clinician
from mdt_desktop.views.preparation.widgets import plain_label


class AttendanceEditor(QWidget):
    """One row per person: name, role and Present / Apologies / Not recorded."""

    edited = Signal()  # the user changed someone's choice
    CHOICES: tuple[tuple[AttendanceStatus | None, str], ...] = (
        (AttendanceStatus.PRESENT, "Present"),
        (AttendanceStatus.APOLOGIES, "Apologies"),
        (None, "Not recorded"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setHorizontalSpacing(24)
        self._grid.setColumnStretch(len(self.CHOICES) + 2, 1)  # air to the right of the choices
        self._people: list[Clinician] = []
        self._groups: dict[int, QButtonGroup] = {}
        self._widgets: list[QWidget] = []
        self._stretch_row = 0
        self._editable = True
        self._why = ""

    def people(self) -> list[Clinician]:
        return list(self._people)

    def set_people(self, people: Sequence[Clinician]) -> None:
        """Show one row per person (with an id), in the order given, nothing recorded yet."""
        for widget in self._widgets:
            widget.hide()
            widget.deleteLater()
        for group in self._groups.values():
            group.deleteLater()
        self._widgets, self._groups = [], {}
        self._people = [p for p in people if p.id is not None]
        for column, title in enumerate(("Name", "Role", *(text for _, text in self.CHOICES))):
            label = QLabel(f"<b>{title}</b>")
            label.setToolTip(
                "Neither present nor apologies recorded" if title == "Not recorded" else ""
            )
            self._add(label, 0, column, None if column < 2 else Qt.AlignmentFlag.AlignHCenter)
        for row, person in enumerate(self._people, start=1):
            self._add_row(row, person)
        self._grid.setRowStretch(self._stretch_row, 0)
        self._stretch_row = len(self._people) + 1  # the rows stay at the top
        self._grid.setRowStretch(self._stretch_row, 1)
        self.set_editable(self._editable, self._why)

    def _add_row(self, row: int, person: Clinician) -> None:
        assert person.id is not None
        name = person.name if person.active else f"{person.name} (inactive)"
        self._add(plain_label(name), row, 0)
        self._add(QLabel(person.role.label), row, 1)
        group = QButtonGroup(self)
        for column, (_status, text) in enumerate(self.CHOICES):
            button = QRadioButton()
            button.setAccessibleName(f"{person.name}: {text}")
            group.addButton(button, column)
            self._add(button, row, column + 2, Qt.AlignmentFlag.AlignHCenter)
        group.button(self._column(None)).setChecked(True)
        group.idClicked.connect(lambda _id: self.edited.emit())
        self._groups[person.id] = group

    def _add(
        self, widget: QWidget, row: int, column: int, align: Qt.AlignmentFlag | None = None
    ) -> None:
        if align is None:
            self._grid.addWidget(widget, row, column)
        else:
            self._grid.addWidget(widget, row, column, align)
        self._widgets.append(widget)

    def set_statuses(self, statuses: Mapping[int, AttendanceStatus | None]) -> None:
        """Show the recorded statuses (anyone not in *statuses* shows —)."""
        for clinician_id, group in self._groups.items():
            group.button(self._column(statuses.get(clinician_id))).setChecked(True)

    def choose(self, clinician_id: int, status: AttendanceStatus | None) -> None:
        """Choose *status* for one person, as a click would."""
        self.button(clinician_id, status).click()

    def button(self, clinician_id: int, status: AttendanceStatus | None) -> QAbstractButton:
        """The radio button of one person's choice (for keyboard focus and tests)."""
        return self._groups[clinician_id].button(self._column(status))

    def _column(self, status: AttendanceStatus | None) -> int:
        return next(i for i, (choice, _) in enumerate(self.CHOICES) if choice is status)

    def statuses(self) -> dict[int, AttendanceStatus | None]:
        """Everyone's current choice (None: not recorded)."""
        return {cid: self.CHOICES[group.checkedId()][0] for cid, group in self._groups.items()}

    def entries(self) -> list[AttendanceEntry]:
        """The current choices as attendance entries (people with a choice only)."""
        chosen = self.statuses()
        return [
            AttendanceEntry(p.id, p.name, p.role, status)
            for p in self._people
            if p.id is not None and (status := chosen[p.id]) is not None
        ]

    def set_editable(self, editable: bool, why: str) -> None:
        """Allow choosing, or show the choices read-only with *why* as the tooltip."""
        self._editable, self._why = editable, why
        for group in self._groups.values():
            for button in group.buttons():
                button.setEnabled(editable)
                button.setToolTip("" if editable else why)


# --- the dialog ----------------------------------------------------------------------------------
