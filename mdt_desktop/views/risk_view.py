"""Relapse risk factors that apply to the case, with the caveat that no score is validated."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from mdt_desktop.domain.risk import RiskFinding


def risk_html(risks: tuple[RiskFinding, ...]) -> str:
    """Return the list as rich text: label, the facts, and the source tags."""
    if not risks:
        return "<i>None of the configured risk factors applies.</i>"
    items = "".join(
        f"<li><b>{escape(r.label)}</b> — {escape(r.detail)} "
        f"<span style='color:#6b6b6b'>[{escape(', '.join(r.sources))}]"
        f"{' unverified' if r.evidence == 'unverified' else ''}</span></li>"
        for r in risks
    )
    return f"<ul style='margin-left:-24px'>{items}</ul>"


class RiskPanel(QWidget):
    """The factors that apply, then the caveat."""

    def __init__(self, caveat: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<b>Relapse risk factors</b> (context, not a score)")
        self.list = QLabel()
        self.list.setWordWrap(True)
        self.caveat = QLabel(f"<span style='color:#6b6b6b'>{escape(caveat)}</span>")
        self.caveat.setWordWrap(True)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 6, 0)
        for widget in (title, self.list, self.caveat):
            inner.addWidget(widget)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def show_risks(self, risks: tuple[RiskFinding, ...]) -> None:
        self.list.setText(risk_html(risks))
