"""How statuses and values look on screen: a symbol plus a restrained colour, never colour alone."""

from __future__ import annotations

from PySide6.QtGui import QColor

from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.records import CarriedFrom

# Dark, projector-safe tones (text on white), distinguishable with common colour-vision defects.
GOOD = QColor("#1b6e3a")
BAD = QColor("#a4161a")
HIGH = QColor("#0b5394")
MUTED = QColor("#6b6b6b")

RESULT_COLOUR = {
    ChecklistResult.MET: GOOD,
    ChecklistResult.NOT_MET: BAD,
    ChecklistResult.UNKNOWN: MUTED,
}
OVERALL_COLOUR = {Overall.MET: GOOD, Overall.NOT_MET: BAD, Overall.INCOMPLETE: MUTED}


def css(colour: QColor) -> str:
    """Return the colour as ``#rrggbb`` for rich text and style sheets."""
    return str(colour.name())


def carried_text(carried: CarriedFrom) -> str:
    """How lists explain a carried-over case (the ``↻`` beside its number)."""
    return f"↻ Carried over from the MDT of {carried.meeting_date:%d %b %Y} ({carried.reason})"
