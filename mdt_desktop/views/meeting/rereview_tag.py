"""How a re-review tag looks on screen: a symbol, the word and a colour (never colour alone).

Bold dark text on a pale tint of the same hue, so the tag reads on a washed-out projector and
in grey scale (the symbol and the word carry it without the colour).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

from mdt_desktop.domain.rereview import RereviewTag

TAG_SYMBOL = {
    RereviewTag.RELAPSING: "⚠",
    RereviewTag.DATA_MISSING: "?",
    RereviewTag.STABLE: "✓",
}
TAG_COLOUR = {
    RereviewTag.RELAPSING: QColor("#a4161a"),
    RereviewTag.DATA_MISSING: QColor("#7a4d00"),
    RereviewTag.STABLE: QColor("#1b6e3a"),
}
TAG_TINT = {
    RereviewTag.RELAPSING: QColor("#fbe3e3"),
    RereviewTag.DATA_MISSING: QColor("#fdf0d5"),
    RereviewTag.STABLE: QColor("#e2f3e7"),
}


def tag_text(tag: RereviewTag) -> str:
    """Return e.g. ``⚠ Relapsing``."""
    return f"{TAG_SYMBOL[tag]} {tag.label}"


def bold() -> QFont:
    """The tag's font: the default, bold."""
    font = QFont()
    font.setBold(True)
    return font
