"""Text from users and feeds shown as text: never markup, isolated for bidi, long words broken.

Names on the roster, patients' names, reasons, notes and assay names arrive from people and from
other systems. On screen they are:

- **plain text**: labels that show them use ``Qt.TextFormat.PlainText``; a label that mixes
  them with its own markup escapes them (``markup``), and so do tooltips (``tooltip``), which Qt
  would otherwise read as rich text when they look like it;
- **bidi-isolated**: each string is wrapped in U+2068 FIRST STRONG ISOLATE … U+2069 POP
  DIRECTIONAL ISOLATE (``isolate``), so a right-to-left character or a stray direction mark
  inside a name cannot reorder the text around it (Unicode Standard Annex #9, isolates);
- **breakable**: a run of more than ``LONG_RUN`` characters without a space gets zero-width
  spaces, so a 400-character word wraps instead of widening its label and pushing the plots
  aside (``breakable``); single lines elide instead (``ElidedLabel``).

The string rules are plain Python in domain/text.py, shared with the documents
(docs/architecture.md, "The meeting screen").
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from mdt_desktop.domain.text import (
    FSI,
    LONG_RUN,
    PDI,
    ZWSP,
    breakable,
    isolate,
    isolate_within,
    unformatted,
)

__all__ = [
    "FSI",
    "LONG_RUN",
    "PDI",
    "ZWSP",
    "ElidedLabel",
    "breakable",
    "isolate",
    "isolate_within",
    "markup",
    "plain_label",
    "set_plain",
    "shown",
    "tooltip",
    "unformatted",
]


def shown(text: str) -> str:
    """User or feed text for a plain-text widget: isolated and breakable."""
    return isolate(breakable(text))


def markup(text: str) -> str:
    """User or feed text inside a label's own markup: escaped, isolated and breakable."""
    return escape(shown(text))


def tooltip(text: str) -> str:
    """A tooltip that shows *text* exactly as written, line breaks kept ('' stays '').

    Qt reads a tooltip as rich text when it looks like markup; this one is markup that says so.
    """
    if not text:
        return ""
    body = escape(breakable(text)).replace("\n", "<br>")
    return f"<p style='white-space:pre-wrap'>{body}</p>"


def set_plain(label: QLabel, text: str = "") -> QLabel:
    """Make *label* show plain text only, and set *text* (user text: ``shown`` it first)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def plain_label(text: str = "", *, wrap: bool = False, parent: QWidget | None = None) -> QLabel:
    """A label that never reads its text as markup; with *wrap*, word-wrapped.

    A wrapped label breaks lines at spaces only: give it ``breakable`` (or ``shown``) text, so
    that one long word wraps too instead of widening the column.
    """
    label = set_plain(QLabel(parent), text)
    label.setWordWrap(wrap)
    return label


class ElidedLabel(QLabel):
    """One line of plain text, elided with "…" when it is wider than the label.

    The label never asks for more width than a few characters, so a long name or a 400-character
    word cannot widen the window or push the plots; the full text is in the tooltip when elided.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        """Show *text* (elided when it does not fit)."""
        self._full = text
        super().setText(text)
        self._update_tooltip()

    def full_text(self) -> str:
        """The whole text, as set."""
        return self._full

    def elided(self) -> bool:
        """True when the text does not fit and is shown shortened."""
        return self.fontMetrics().horizontalAdvance(self._full) > self.contentsRect().width()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("M" * 4), hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(
            min(hint.width(), self.fontMetrics().horizontalAdvance("M" * 40)), hint.height()
        )

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._update_tooltip()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)
        painter.end()

    def _update_tooltip(self) -> None:
        self.setToolTip(tooltip(self._full) if self.elided() else "")
