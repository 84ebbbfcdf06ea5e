"""Who is using the program: chosen from the roster at start, remembered per database."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from mdt_desktop.domain.records import Clinician
from mdt_desktop.views.common.plain_text import isolate


def roster_label(clinician: Clinician) -> str:
    """Return ``Name — Role`` for pickers (the name bidi-isolated: it is typed by people)."""
    return f"{isolate(clinician.name)} — {clinician.role.label}"


class UserPickerDialog(QDialog):
    """Asks the user to pick themselves from the roster."""

    def __init__(self, roster: list[Clinician], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is using MDT Desktop?")
        self.combo = QComboBox()
        self.combo.setAccessibleName("Who is using MDT Desktop")
        for clinician in roster:
            self.combo.addItem(roster_label(clinician), clinician.id)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Choose yourself from the MDT roster. What you record is signed with your name.")
        )
        layout.addWidget(self.combo)
        layout.addWidget(buttons)
        self._roster = roster

    @classmethod
    def offer(
        cls, roster: list[Clinician], parent: QWidget, chosen: Callable[[Clinician], None]
    ) -> UserPickerDialog | None:
        """Open the dialog without blocking (the meeting loads behind it); call *chosen*."""
        if not roster:
            return None
        dialog = cls(roster, parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: chosen(roster[dialog.combo.currentIndex()]))
        dialog.open()
        return dialog

    @classmethod
    def ask(cls, roster: list[Clinician], parent: QWidget | None = None) -> Clinician | None:
        """Return the chosen clinician, or None (read-only) if cancelled."""
        if not roster:
            return None
        dialog = cls(roster, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return roster[dialog.combo.currentIndex()]
