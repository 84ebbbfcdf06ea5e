"""Building the PDFs: full minutes, pseudonymised minutes, one patient's outcome letter.

Each builder takes the meeting as the services return it (a MeetingBoard of frozen domain
objects), renders each case's plots with mdt_desktop.plots, lays the document out with platypus
and writes it atomically: a cancelled or failed build leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image as PilImage
from reportlab import rl_config
from reportlab.platypus import Flowable, PageBreak, Paragraph

from mdt_desktop.domain.board import CaseDetail, MeetingBoard
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.consensus import quorum
from mdt_desktop.domain.enums import AttendanceStatus, MeetingStatus
from mdt_desktop.domain.errors import MdtError, NotFoundError
from mdt_desktop.domain.records import AttendanceEntry, MeetingRecord
from mdt_desktop.domain.sampling import SamplingRules
from mdt_desktop.domain.text import isolate
from mdt_desktop.reports import meeting_section as meeting_parts
from mdt_desktop.reports.case_section import CaseSection
from mdt_desktop.reports.figures import PlotRenderer, picture_from_png, plot_data
from mdt_desktop.reports.identity import FullIdentities, Identities
from mdt_desktop.reports.markup import text, user_text
from mdt_desktop.reports.page import (
    MARGIN_X,
    PAGE,
    DocumentInfo,
    PageMarks,
    write_pdf,
)
from mdt_desktop.reports.styles import Styles, make_styles

rl_config.useA85 = 0  # binary streams: ASCII85 is pure Python here and only makes files larger
Progress = Callable[[int, int, str], None]  # done, total, what is happening
SUBJECT = "IBD anti-TNF de-escalation multidisciplinary team meeting"


class Cancelled(MdtError):
    """The user cancelled the export; nothing was written."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build: who produced it, when (fixed in tests), and progress/cancel hooks."""

    author: str = "MDT Desktop"
    generated: datetime | None = None
    invariant: bool = False  # reproducible bytes (reportlab's invariant mode), for tests
    progress: Progress | None = None
    cancelled: Callable[[], bool] | None = None
    # case id -> the plot image frozen at sign-off (PNG); such cases print it, not a new drawing
    frozen_plots: Mapping[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BuiltDocument:
    """What was written."""

    path: Path
    pages: int
    cases: int


def build_minutes(
    board: MeetingBoard,
    config: ClinicalConfig,
    path: Path,
    options: BuildOptions,
    identities: Identities | None = None,
) -> BuiltDocument:
    """Write the minutes of *board* to *path* (pseudonymised when *identities* say so)."""
    identities = identities or FullIdentities()
    meeting = board.meeting
    title = identities.minutes_title
    document = _Document(
        board,
        config,
        options,
        identities,
        f"{title} of the IBD MDT, {meeting.meeting_date:%d %b %Y}",
    )
    pngs = document.render_plots(board.cases)
    styles, width = document.styles, document.width
    story: list[Flowable] = meeting_parts.header(
        meeting, styles, width, document.generated, f"{title} · {_heading(meeting)}"
    )
    if identities.warning:
        story.append(Paragraph(text(identities.warning), styles.note))
    story += meeting_parts.attendance(
        meeting.attendance, styles, width, _warnings(board.meeting.attendance)
    )
    story += meeting_parts.open_actions(board, styles, width, identities)
    story += meeting_parts.summary(board, styles, width, identities)
    for detail, png in zip(board.cases, pngs, strict=True):
        story.append(PageBreak())
        story += document.case(detail, png)
    story += meeting_parts.sign_off(meeting, styles)
    return document.write(story, path)


def build_letter(
    board: MeetingBoard,
    hospital_number: str,
    config: ClinicalConfig,
    path: Path,
    options: BuildOptions,
) -> BuiltDocument:
    """Write one patient's outcome letter: their case and the attendees, nobody else's data."""
    index = board.index_of(hospital_number)
    if index is None:
        raise NotFoundError(f"{hospital_number} is not on the list of this meeting.")
    detail = board.cases[index]
    meeting = board.meeting
    only = MeetingBoard(meeting, (detail,))
    document = _Document(
        only, config, options, FullIdentities(), f"MDT outcome, {meeting.meeting_date:%d %b %Y}"
    )
    (png,) = document.render_plots(only.cases)
    styles, width = document.styles, document.width
    story: list[Flowable] = [
        Paragraph("Outcome of the IBD multidisciplinary team meeting", styles.title),
        Paragraph(
            f"The case below was discussed at the {_heading(meeting)}, chaired by "
            f"{user_text(meeting.chair)}. This letter is for filing in the patient's record.",
            styles.body,
        ),
    ]
    present = tuple(a for a in meeting.attendance if a.status is AttendanceStatus.PRESENT)
    story += meeting_parts.attendance(present, styles, width, ())
    story += document.case(detail, png)
    story += meeting_parts.sign_off(meeting, styles)
    return document.write(story, path)


def _heading(meeting: MeetingRecord) -> str:
    return meeting_parts.meeting_title(meeting)


def _warnings(attendance: tuple[AttendanceEntry, ...]) -> tuple[str, ...]:
    return quorum(attendance).warnings if attendance else ()


class _Document:
    """The shared machinery: styles, plot rendering with progress, page marks, writing."""

    def __init__(
        self,
        board: MeetingBoard,
        config: ClinicalConfig,
        options: BuildOptions,
        identities: Identities,
        pdf_title: str,
    ) -> None:
        self.board = board
        self.config = config
        self.options = options
        self.identities = identities
        self.pdf_title = pdf_title
        self.styles: Styles = make_styles()
        self.width = PAGE[0] - 2 * MARGIN_X
        self.generated = options.generated or datetime.now().replace(microsecond=0)

    def _step(self, done: int, total: int, what: str) -> None:
        if self.options.cancelled is not None and self.options.cancelled():
            raise Cancelled("Export cancelled; no file was written.")
        if self.options.progress is not None:
            self.options.progress(done, total, what)

    def render_plots(self, cases: Sequence[CaseDetail]) -> list[PilImage.Image]:
        total = len(cases) + 1
        renderer: PlotRenderer | None = None  # building its figure is slow: only when needed
        pngs = []
        for number, detail in enumerate(cases):
            self._step(number, total, f"Drawing the plots of case {detail.case.position}")
            frozen = self.options.frozen_plots.get(detail.case.id)
            if frozen is not None:
                pngs.append(picture_from_png(frozen))
                continue
            renderer = renderer or PlotRenderer()
            pngs.append(renderer.render(plot_data(detail, self.config)))
        self._step(len(cases), total, "Laying out the document")
        return pngs

    def case(self, detail: CaseDetail, png: PilImage.Image) -> list[Flowable]:
        section = CaseSection(
            detail,
            self.styles,
            self.identities,
            self.width,
            self.config.risk_caveat,
            SamplingRules.from_thresholds(self.config.thresholds),
            self.config.antibody_assays,
        )
        return section.flowables(png)

    def write(self, story: list[Flowable], path: Path) -> BuiltDocument:
        meeting = self.board.meeting
        marks = PageMarks(
            running_title=f"{self.pdf_title} · chair {isolate(meeting.chair)}",
            confidentiality=self.identities.confidentiality,
            draft=meeting.status is not MeetingStatus.SIGNED_OFF,
        )
        info = DocumentInfo(
            self.pdf_title, SUBJECT, self.options.author, invariant=self.options.invariant
        )
        pages = write_pdf(story, path, marks, info)
        if self.options.progress is not None:
            self.options.progress(1, 1, f"Written {path.name}")
        return BuiltDocument(path, pages, len(self.board.cases))
