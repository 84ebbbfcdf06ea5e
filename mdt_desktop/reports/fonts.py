"""The TrueType fonts every PDF uses, shipped in resources/fonts (DejaVu, see LICENSE_DEJAVU).

reportlab embeds (subsets of) registered TrueType fonts, so no document relies on the reader's
base-14 fonts; DejaVu also has the ✓ ✗ µ ≥ ≤ × glyphs the minutes print.
"""

from __future__ import annotations

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from mdt_desktop.paths import resource_path

REGULAR = "MdtSans"
BOLD = "MdtSans-Bold"
ITALIC = "MdtSans-Oblique"
_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
}


def register_fonts() -> None:
    """Register the document fonts once per process (idempotent)."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", filename))))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD)
