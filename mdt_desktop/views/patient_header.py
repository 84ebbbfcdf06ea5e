"""The patient header above a case: who, what disease, which regimen since when."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.describe import diagnosis_line, identity_line, treatment_line
from mdt_desktop.domain.identifiers import Identifiers, patient_name
from mdt_desktop.views.plain_text import ElidedLabel, isolate_within

NO_CASE = "No case selected"


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


def feed_parts(detail: CaseDetail, identifiers: Identifiers) -> tuple[str, ...]:
    """The strings of the header that come from people or other systems, not from the program."""
    patient = detail.case.patient
    return (
        patient_name(patient, identifiers),
        patient.hospital_number,
        *(event.description for event in detail.summary.surgeries),
        *patient.extraintestinal,
    )


def isolated_header_lines(
    detail: CaseDetail, identifiers: Identifiers = Identifiers.FULL
) -> tuple[str, str, str]:
    """The header lines with each name, number and free-text part bidi-isolated, for screens.

    A right-to-left mark in a name then cannot reorder the rest of the line.
    """
    parts = feed_parts(detail, identifiers)
    first, second, third = header_lines(detail, identifiers)
    return (
        isolate_within(first, parts),
        isolate_within(second, parts),
        isolate_within(third, parts),
    )


class PatientHeader(QWidget):
    """Three lines: identity; diagnosis with Montreal and duration; treatment and context.

    Each line is one line of plain text, elided (the whole line in its tooltip) when the window
    is narrow, so a long name or free text never widens the window. In compact mode (a short
    window) the diagnosis line is left out: the list shows the diagnosis too.
    """

    def __init__(
        self, parent: QWidget | None = None, identifiers: Identifiers = Identifiers.FULL
    ) -> None:
        super().__init__(parent)
        self._identifiers = identifiers
        self._detail: CaseDetail | None = None
        self._compact = False
        self.title = ElidedLabel()
        self.title.setObjectName("patientTitle")
        self.title.setAccessibleName("Patient")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.diagnosis = ElidedLabel()
        self.diagnosis.setAccessibleName("Diagnosis")
        self.treatment = ElidedLabel()
        self.treatment.setAccessibleName("Treatment")
        for label in (self.title, self.diagnosis, self.treatment):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(1)
        for label in (self.title, self.diagnosis, self.treatment):
            layout.addWidget(label)
        self.clear()

    def clear(self, message: str = NO_CASE, detail: str = "") -> None:
        """No case shown: *message* as the title, *detail* under it."""
        self._detail = None
        self.title.setText(message)
        self.diagnosis.setText(detail)
        self.treatment.setText("")
        self.diagnosis.setVisible(bool(detail))
        self.treatment.setVisible(False)

    @property
    def detail(self) -> CaseDetail | None:
        """The case shown (None: no case)."""
        return self._detail

    def show_case(self, detail: CaseDetail) -> None:
        self._detail = detail
        first, second, third = isolated_header_lines(detail, self._identifiers)
        self.title.setText(first)
        self.diagnosis.setText(second)
        self.treatment.setText(third)
        self.diagnosis.setVisible(not self._compact)
        self.treatment.setVisible(True)

    def set_compact(self, compact: bool) -> None:
        """Leave the diagnosis line out (a short window), or show it again."""
        self._compact = compact
        if self._detail is not None:
            self.diagnosis.setVisible(not compact)

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Name the patient in full or by initials (the room screen), now and from now on."""
        self._identifiers = identifiers
        if self._detail is not None:
            self.show_case(self._detail)
