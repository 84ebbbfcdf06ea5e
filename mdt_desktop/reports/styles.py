"""Paragraph and table styles of the documents: one family, sizes legible when printed."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from mdt_desktop.reports.fonts import BOLD, ITALIC, REGULAR, register_fonts

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
HEADER_FILL = colors.HexColor("#e8edf3")
ZEBRA = colors.HexColor("#f6f7f9")
BAD = colors.HexColor("#a4161a")
GOOD = colors.HexColor("#1b6e3a")
DRAFT = colors.Color(0.75, 0.1, 0.1, alpha=0.13)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of one document."""

    title: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    note: ParagraphStyle


def make_styles() -> Styles:
    """Build the styles (registering the fonts first)."""
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK, alignment=TA_LEFT
    )
    return Styles(
        title=ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=16, leading=20),
        h1=ParagraphStyle(
            "h1",
            parent=body,
            fontName=BOLD,
            fontSize=13,
            leading=16,
            spaceBefore=4,
            spaceAfter=4,
            keepWithNext=1,
        ),
        h2=ParagraphStyle(
            "h2",
            parent=body,
            fontName=BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=8,
            spaceAfter=3,
        ),
        h3=ParagraphStyle("h3", parent=body, fontName=BOLD, fontSize=9.5, leading=12),
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=MUTED),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.2, leading=10.2),
        cell_bold=ParagraphStyle(
            "cell_bold", parent=body, fontName=BOLD, fontSize=8.2, leading=10.2
        ),
        note=ParagraphStyle(
            "note", parent=body, fontName=ITALIC, fontSize=8, leading=10, textColor=MUTED
        ),
    )


def grid_style(*, header: bool = True, zebra: int = 0) -> TableStyle:
    """A light grid with a tinted header row; *zebra* rows alternate from that row on."""
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # tables default to base-14 Helvetica
        ("FONTSIZE", (0, 0), (-1, -1), 8.2),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
    if zebra:
        commands.append(("ROWBACKGROUNDS", (0, zebra), (-1, -1), [colors.white, ZEBRA]))
    return TableStyle(commands)
