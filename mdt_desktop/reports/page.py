"""Every page of a document: running header, DRAFT mark, confidentiality footer, page X of Y.

"Page X of Y" needs the page count before any page is written, so the canvas keeps each page's
state until the document is complete and then stamps them all (the usual reportlab recipe).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from mdt_desktop.reports.fonts import BOLD, REGULAR
from mdt_desktop.reports.styles import DRAFT, MUTED

PAGE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 18 * mm
CONFIDENTIAL = "Confidential — contains patient-identifiable information"


DRAFT_MARK = "DRAFT — not signed off"
ELLIPSIS = "…"


def fit(line: str, font: str, size: float, room: float) -> str:
    """*line* cut at the end (with "…") so it is no wider than *room* points in *font*.

    A running title holds names typed by users: a long one must not run off the page.
    """
    if stringWidth(line, font, size) <= room:
        return line
    low, high = 0, len(line)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if stringWidth(line[:middle] + ELLIPSIS, font, size) <= room:
            low = middle
        else:
            high = middle - 1
    return line[:low].rstrip() + ELLIPSIS


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
    room = width - 2 * MARGIN_X
    if marks.draft:
        canvas.setFont(BOLD, 8)
        canvas.drawRightString(width - MARGIN_X, top, DRAFT_MARK)
        room -= stringWidth(DRAFT_MARK, BOLD, 8) + 4 * mm
    canvas.setFont(REGULAR, 8)
    canvas.drawString(MARGIN_X, top, fit(marks.running_title, REGULAR, 8, room))
    canvas.line(MARGIN_X, top - 2 * mm, width - MARGIN_X, top - 2 * mm)
    bottom = MARGIN_BOTTOM - 9 * mm
    canvas.line(MARGIN_X, bottom + 4 * mm, width - MARGIN_X, bottom + 4 * mm)
    canvas.setFont(REGULAR, 7.5)
    canvas.drawString(MARGIN_X, bottom, marks.confidentiality)
    canvas.drawRightString(width - MARGIN_X, bottom, f"Page {number} of {total}")
    canvas.restoreState()


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """The PDF's metadata and how to build it."""

    title: str
    subject: str
    author: str = "MDT Desktop"
    invariant: bool = False  # reproducible bytes (reportlab's invariant mode), for tests


def write_pdf(story: list[Flowable], path: Path, marks: PageMarks, info: DocumentInfo) -> int:
    """Lay *story* out on A4 pages stamped with *marks* into *path*; return the page count.

    Written to a temporary file beside *path* and moved into place, so a failed or cancelled
    build leaves no file (and never half a file) behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".mdt-", suffix=".pdf", dir=path.parent)
    os.close(handle)
    try:
        template = BaseDocTemplate(
            temporary,
            pagesize=PAGE,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=info.title,
            author=info.author,
            subject=info.subject,
            creator="MDT Desktop",
            invariant=1 if info.invariant else 0,
            initialFontName=REGULAR,
        )
        frame = Frame(
            template.leftMargin,
            template.bottomMargin,
            template.width,
            template.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        template.build(story, canvasmaker=canvas_maker(marks))
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return int(template.page)
