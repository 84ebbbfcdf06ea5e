"""Every page of a document: running header, DRAFT mark, confidentiality footer, page X of Y.

"Page X of Y" needs the page count before any page is written, so the canvas keeps each page's
state until the document is complete and then stamps them all (the usual reportlab recipe).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from mdt_desktop.reports.fonts import BOLD, REGULAR
from mdt_desktop.reports.styles import DRAFT, MUTED

PAGE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 18 * mm
CONFIDENTIAL = "Confidential — contains patient-identifiable information"


@dataclass(frozen=True, slots=True)
class PageMarks:
    """What every page of one document carries."""

    running_title: str  # e.g. "IBD de-escalation MDT · 28 Oct 2026"
    confidentiality: str = CONFIDENTIAL
    draft: bool = False


def canvas_maker(marks: PageMarks) -> Callable[..., Canvas]:
    """A canvas class that stamps *marks* and "page X of Y" on every page."""

    class MarkedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = kwargs.get("initialFontName") or REGULAR  # not Helvetica
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _stamp(self, marks, number, total)
                super().showPage()
            super().save()

    return MarkedCanvas


def _stamp(canvas: Canvas, marks: PageMarks, number: int, total: int) -> None:
    width, height = PAGE
    canvas.saveState()
    if marks.draft:
        canvas.setFillColor(DRAFT)
        canvas.setFont(BOLD, 110)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(50)
        canvas.drawCentredString(0, -35, "DRAFT")
        canvas.rotate(-50)
        canvas.translate(-width / 2, -height / 2)
    canvas.setFillColor(MUTED)
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.4)
    top = height - MARGIN_TOP + 6 * mm
    canvas.setFont(REGULAR, 8)
    canvas.drawString(MARGIN_X, top, marks.running_title)
    if marks.draft:
        canvas.setFont(BOLD, 8)
        canvas.drawRightString(width - MARGIN_X, top, "DRAFT — not signed off")
    canvas.line(MARGIN_X, top - 2 * mm, width - MARGIN_X, top - 2 * mm)
    bottom = MARGIN_BOTTOM - 9 * mm
    canvas.line(MARGIN_X, bottom + 4 * mm, width - MARGIN_X, bottom + 4 * mm)
    canvas.setFont(REGULAR, 7.5)
    canvas.drawString(MARGIN_X, bottom, marks.confidentiality)
    canvas.drawRightString(width - MARGIN_X, bottom, f"Page {number} of {total}")
    canvas.restoreState()
