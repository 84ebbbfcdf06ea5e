"""The patient header above a case: who, what disease, which regimen since when."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from mdt_desktop.domain.describe import diagnosis_line, identity_line, treatment_line
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.services.meetings import CaseDetail


def header_lines(
    detail: CaseDetail, identifiers: Identifiers = Identifiers.FULL
) -> tuple[str, str, str]:
    """Return the three lines of the header as plain text (also used by presentation mode).

    With ``Identifiers.INITIALS`` (the room screen) the first line has initials, hospital
    number, age and sex: no name, no date of birth, no NHS number.
    """
    patient, summary = detail.case.patient, detail.summary
    return (
        identity_line(patient, summary, identifiers),
        diagnosis_line(patient, summary),
        treatment_line(patient, summary),
    )


class PatientHeader(QWidget):
    """Three lines: identity; diagnosis with Montreal and duration; treatment and context."""

    def __init__(
        self, parent: QWidget | None = None, identifiers: Identifiers = Identifiers.FULL
    ) -> None:
        super().__init__(parent)
        self._identifiers = identifiers
        self._detail: CaseDetail | None = None
        self.title = QLabel()
        self.title.setObjectName("patientTitle")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.diagnosis = QLabel()
        self.treatment = QLabel()
        self.treatment.setWordWrap(True)
        for label in (self.title, self.diagnosis, self.treatment):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(1)
        for label in (self.title, self.diagnosis, self.treatment):
            layout.addWidget(label)
        self.clear()

    def clear(self) -> None:
        self._detail = None
        self.title.setText("No case selected")
        self.diagnosis.setText("")
        self.treatment.setText("")

    def show_case(self, detail: CaseDetail) -> None:
        self._detail = detail
        first, second, third = header_lines(detail, self._identifiers)
        self.title.setText(first)
        self.diagnosis.setText(second)
        self.treatment.setText(third)

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Name the patient in full or by initials (the room screen), now and from now on."""
        self._identifiers = identifiers
        if self._detail is not None:
            self.show_case(self._detail)
