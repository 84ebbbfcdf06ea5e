"""The patient header above a case: who, what disease, which regimen since when."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.nhs import format_nhs_number
from mdt_desktop.domain.regimens import RegimenLevel
from mdt_desktop.services.meetings import CaseDetail


def header_lines(detail: CaseDetail) -> tuple[str, str, str]:
    """Return the three lines of the header as plain text (also used by presentation mode)."""
    p, s = detail.case.patient, detail.summary
    nhs = f" · NHS {format_nhs_number(p.nhs_number)}" if p.nhs_number else ""
    first = f"{p.display_name} · {p.hospital_number}{nhs} · {s.age} y · {p.sex.value}"
    montreal = f" {p.montreal.code}" if p.montreal.code else ""
    described = f" ({p.montreal.description})" if p.montreal.description else ""
    second = (
        f"{p.ibd_type.label}{montreal}{described} · diagnosed "
        f"{p.diagnosis_date:%b %Y} ({s.disease_years:.0f} y)"
    )
    return first, second, treatment_line(detail)


def treatment_line(detail: CaseDetail) -> str:
    """Regimen with intensification date and duration, immunomodulator, surgery, smoking, EIMs."""
    p, s = detail.case.patient, detail.summary
    parts = []
    if s.anti_tnf is None:
        parts.append("No anti-TNF maintenance regimen on the meeting date")
    else:
        regimen = s.anti_tnf.regimen.label
        if s.intensified_since and s.months_intensified is not None:
            regimen += (
                f", intensified since {s.intensified_since:%d %b %Y} "
                f"({s.months_intensified:.0f} months)"
            )
        elif s.level is not RegimenLevel.UNKNOWN:
            regimen += f" ({s.level.value} regimen since {s.anti_tnf.start:%d %b %Y})"
        parts.append(regimen)
    im = s.immunomodulator
    parts.append(f"{DRUGS[im.drug].label} {im.regimen.dose_label}" if im else "no immunomodulator")
    surgeries = ", ".join(f"{e.description} {e.occurred_on:%Y}" for e in s.surgeries)
    parts.append(f"surgery: {surgeries}" if surgeries else "no IBD surgery")
    parts.append(f"smoking: {p.smoking.value}")
    parts.append("EIMs: " + (", ".join(p.extraintestinal) or "none"))
    return " · ".join(parts)


class PatientHeader(QWidget):
    """Three lines: identity; diagnosis with Montreal and duration; treatment and context."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.title.setText("No case selected")
        self.diagnosis.setText("")
        self.treatment.setText("")

    def show_case(self, detail: CaseDetail) -> None:
        first, second, third = header_lines(detail)
        self.title.setText(first)
        self.diagnosis.setText(second)
        self.treatment.setText(third)
