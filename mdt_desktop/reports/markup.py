"""Text in the PDFs: the program's words, and text from users and feeds, as reportlab reads it.

reportlab's Paragraph reads a small markup language (``<b>``, ``<font>``, ``&amp;``). Every
string put into one is escaped here, so "<b>" typed into a reason prints as "<b>" and never
turns bold (or breaks the document). Text from users and feeds (names, reasons, notes, assays,
hospital numbers) is also isolated for bidirectional text (domain/text.py): the fonts draw the
isolate controls as nothing (reports/fonts.py), and a reader that copies the text keeps the
line in order. A 400-character word is split by the paragraph (``splitLongWords``, on in every
style), so it wraps inside its cell instead of running off the page.
"""

from __future__ import annotations

from html import escape

from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.text import isolate


def text(value: str) -> str:
    """The program's own text made safe for a Paragraph (markup escaped, line breaks kept)."""
    return escape(display_unit(value)).replace("\n", "<br/>")


def user_text(value: str) -> str:
    """Text from a user or a feed: each line isolated, escaped, line breaks kept."""
    return text("\n".join(isolate(line) for line in value.split("\n")))
