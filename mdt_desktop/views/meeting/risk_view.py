"""Relapse risk factors that apply to the case, with the caveat that no score is validated.

A factor about which the sources disagree (STORI found the absence of a resection to be a risk
factor, a review lists previous surgery) carries the disagreement in its own line, in bold
amber, right under it (docs/clinical.md, "Risk factors").
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from mdt_desktop.domain.risk import RiskFinding
from mdt_desktop.views.common.plain_text import breakable, markup

CONFLICT_COLOUR = "#8a4b00"  # dark amber: reads on white and on the room screen
CONFLICT_HEAD = "Sources disagree:"


def conflict_parts(conflict: str) -> tuple[str, str]:
    """Split a conflict text into its heading and the rest (the heading added when missing)."""
    text = conflict.strip()
    if text.startswith(CONFLICT_HEAD):
        return CONFLICT_HEAD, text.removeprefix(CONFLICT_HEAD).strip()
    return CONFLICT_HEAD, text


def conflict_html(conflict: str) -> str:
    """The disagreement as a line of its own under the factor (empty when there is none)."""
    if not conflict.strip():
        return ""
    head, rest = conflict_parts(conflict)
    rest = escape(breakable(rest))
    return f"<br><span style='color:{CONFLICT_COLOUR}'><b>⚠ {escape(head)}</b> {rest}</span>"


def risk_html(risks: tuple[RiskFinding, ...]) -> str:
    """Return the list as rich text: label, the facts, the source tags, any disagreement."""
    if not risks:
        return "<i>None of the configured risk factors applies.</i>"
    items = "".join(
        f"<li><b>{escape(r.label)}</b> — {markup(r.detail)} "
        f"<span style='color:#6b6b6b'>[{escape(', '.join(r.sources))}]"
        f"{' unverified' if r.evidence == 'unverified' else ''}</span>"
        f"{conflict_html(r.conflict)}</li>"
        for r in risks
    )
    return f"<ul style='margin-left:-24px'>{items}</ul>"


class RiskPanel(QWidget):
    """The factors that apply, then the caveat."""

    def __init__(self, caveat: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<b>Relapse risk factors</b> (context, not a score)")
        self.list = QLabel()
        self.list.setTextFormat(Qt.TextFormat.RichText)
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
        scroll.setAccessibleName("Relapse risk factors")
        scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # ↑ ↓ scroll a long list
        self.scroll_area = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def show_risks(self, risks: tuple[RiskFinding, ...]) -> None:
        self.list.setText(risk_html(risks))

    def focus_order(self) -> list[QWidget]:
        """The list of factors (one stop; the arrows scroll it)."""
        return [self.scroll_area]
