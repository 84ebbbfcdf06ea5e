"""The TrueType fonts every PDF uses, shipped in resources/fonts (DejaVu, see LICENSE_DEJAVU).

reportlab embeds (subsets of) registered TrueType fonts, so no document relies on the reader's
base-14 fonts; DejaVu also has the ✓ ✗ µ ≥ ≤ × glyphs the minutes print. DejaVu has no glyph for
the bidirectional isolate controls (U+2066–U+2069) that wrap text from users and feeds
(reports/markup.py): they are drawn with the font's own empty, zero-width glyph of U+200E LEFT-TO-
RIGHT MARK, so they print as nothing and stay in the text a reader copies.
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


ZERO_WIDTH = 0x200E  # LEFT-TO-RIGHT MARK: an empty glyph of no width in DejaVu
ISOLATES = (0x2066, 0x2067, 0x2068, 0x2069)  # LRI, RLI, FSI, PDI


def _draw_isolates_as_nothing(font: TTFont) -> None:
    """Map the isolate controls to the font's empty zero-width glyph (reportlab has no API)."""
    face = font.face
    glyph = face.charToGlyph.get(ZERO_WIDTH)
    if glyph is None:
        return
    for code in ISOLATES:
        face.charToGlyph.setdefault(code, glyph)
        face.charWidths.setdefault(code, 0)


def register_fonts() -> None:
    """Register the document fonts once per process (idempotent)."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", filename))))
    for name in _FILES:
        _draw_isolates_as_nothing(pdfmetrics.getFont(name))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD)
