"""The chase list as a printable PDF and as CSV, for the coordinator before a meeting.

One row per candidate per result missing or out of date, in the meeting's order; a tick box per
row for working through it by hand. The list is for the coordinator, so patients are named in
full; every page says it is confidential. Same fonts, styles and page marks as the minutes, and
written atomically (a failed build leaves no file behind).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table, TableStyle

from mdt_desktop.domain.chase import (
    ChaseList,
    ChaseRow,
    headline,
    latest_text,
    overdue_text,
    window_text,
)
from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.freshness import Freshness
from mdt_desktop.domain.thresholds import Source
from mdt_desktop.reports.audit_tables import source_list
from mdt_desktop.reports.markup import text, user_text
from mdt_desktop.reports.minutes import BuildOptions
from mdt_desktop.reports.page import MARGIN_X, PAGE, DocumentInfo, PageMarks, write_pdf
from mdt_desktop.reports.spreadsheet import neutralise
from mdt_desktop.reports.styles import BAD, MUTED, Styles, grid_style, make_styles

TITLE = "Chase list"
SUBJECT = "Results to obtain before the IBD anti-TNF de-escalation MDT"
TICK_BOX = "☐"
COLUMNS = (  # header, share of the text width
    ("#", 0.04),
    ("Patient", 0.18),
    ("Hospital no.", 0.12),
    ("What", 0.18),
    ("Latest result", 0.19),
    ("Needed by", 0.12),
    ("Overdue", 0.1),
    ("Done", 0.07),
)
CSV_HEADER = (
    "meeting_date",
    "position",
    "hospital_number",
    "patient",
    "item",
    "what",
    "status",
    "latest_date",
    "latest_value",
    "needed_by",
    "days_overdue",
    "valid_for_days",
    "sources",
    "evidence",
)
STATUS_TEXT = {
    MeetingStatus.PLANNED: "planned",
    MeetingStatus.IN_PROGRESS: "in progress",
    MeetingStatus.SIGNED_OFF: "signed off",
}


def build_chase_list(
    chase: ChaseList,
    target: Path,
    options: BuildOptions | None = None,
    sources: Mapping[str, Source] | None = None,
) -> int:
    """Write the printable chase list of *chase* to *target*; return the number of pages.

    Args:
        chase: From ``ChaseService.chase_list``.
        target: The PDF to write (replaced atomically; folders are created).
        options: Author, fixed time and invariant bytes (tests).
        sources: The configured sources, to print the citations of the windows.
    """
    options = options or BuildOptions()
    styles = make_styles()
    width = PAGE[0] - 2 * MARGIN_X
    generated = options.generated or datetime.now().replace(microsecond=0)
    story = _opening(chase, styles, width, generated)
    story += _items(chase, styles, width)
    story += _windows(chase, styles, width, sources or {})
    marks = PageMarks(running_title=f"{TITLE} · MDT {chase.meeting_date:%d %b %Y}")
    title = f"{TITLE} for the MDT of {chase.meeting_date:%d %b %Y}"
    info = DocumentInfo(title, SUBJECT, options.author, invariant=options.invariant)
    return write_pdf(story, target, marks, info)


def _opening(chase: ChaseList, styles: Styles, width: float, generated: datetime) -> list[Flowable]:
    facts = [
        ("Meeting", f"{chase.meeting_date:%A %d %B %Y} ({STATUS_TEXT[chase.meeting_status]})"),
        ("Outstanding", headline(chase)),
        (
            "How to read",
            "A result counts when it was collected no longer before the meeting than its window "
            "(below). <i>Needed by</i> is the last day the latest result counted; <i>overdue</i> "
            "counts the days from then to the meeting.",
        ),
        ("Produced", f"{generated:%d %b %Y %H:%M} by MDT Desktop"),
    ]
    table = Table(
        [[Paragraph(f"<b>{k}</b>", styles.cell), Paragraph(v, styles.cell)] for k, v in facts],
        colWidths=[0.18 * width, 0.82 * width],
    )
    table.setStyle(grid_style(header=False))
    heading = f"{TITLE} for the MDT of {chase.meeting_date:%d %B %Y}"
    return [Paragraph(heading, styles.title), Spacer(0, 6), table, Spacer(0, 8)]


def _items(chase: ChaseList, styles: Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("To chase", styles.h2)]
    if not chase.rows:
        story.append(Paragraph(text(headline(chase)), styles.body))
        return story
    header = [Paragraph(f"<b>{name}</b>", styles.cell) for name, _ in COLUMNS]
    rows: list[list[Flowable]] = [header]
    commands: list[tuple[object, ...]] = []
    previous = None
    for index, row in enumerate(chase.rows, start=1):
        first = row.hospital_number != previous
        previous = row.hospital_number
        if first and index > 1:
            commands.append(("LINEABOVE", (0, index), (-1, index), 1.1, MUTED))
        rows.append(_cells(row, styles, repeat=not first))
    table = Table(rows, colWidths=[share * width for _, share in COLUMNS], repeatRows=1)
    table.setStyle(grid_style(zebra=0))
    table.setStyle(TableStyle([*commands, ("ALIGN", (-1, 1), (-1, -1), "CENTER")]))
    story.append(table)
    return story


def _cells(row: ChaseRow, styles: Styles, *, repeat: bool) -> list[Flowable]:
    """One row; a patient's second and later rows print the patient in grey."""
    who = styles.note if repeat else styles.cell
    missing = row.item.status is Freshness.MISSING
    latest = text(latest_text(row))
    if missing:
        latest = f'<font color="#{BAD.hexval()[2:]}">{latest}</font>'
    return [
        Paragraph(str(row.position), who),
        Paragraph(user_text(row.patient), who),
        Paragraph(user_text(row.hospital_number), who),
        Paragraph(text(row.item.label), styles.cell_bold if missing else styles.cell),
        Paragraph(latest, styles.cell),
        Paragraph(f"{row.item.needed_by:%d %b %Y}" if row.item.needed_by else "—", styles.cell),
        Paragraph(overdue_text(row), styles.cell),
        Paragraph(TICK_BOX, styles.cell),
    ]


def _windows(
    chase: ChaseList, styles: Styles, width: float, sources: Mapping[str, Source]
) -> list[Flowable]:
    rows: list[list[Flowable]] = [
        [Paragraph(f"<b>{h}</b>", styles.cell) for h in ("Result", "Valid for", "Basis")]
    ]
    for spec in chase.specs:
        basis = f"{', '.join(spec.sources)} ({spec.evidence.value})"
        if spec.note:
            basis += f" — {spec.note}"
        rows.append(
            [
                Paragraph(text(spec.label), styles.cell),
                Paragraph(window_text(spec), styles.cell),
                Paragraph(text(basis), styles.cell),
            ]
        )
    table = Table(rows, colWidths=[0.3 * width, 0.2 * width, 0.5 * width], repeatRows=1)
    table.setStyle(grid_style(zebra=1))
    story: list[Flowable] = [
        CondPageBreak(80),
        Paragraph("What counts: the windows before the meeting date", styles.h2),
        table,
    ]
    cited = {tag for spec in chase.specs for tag in spec.sources}
    if sources and cited & set(sources):
        story += [
            Spacer(0, 6),
            Paragraph("Sources", styles.h3),
            source_list(cited, sources, styles, width),
        ]
    return story


def chase_csv_rows(chase: ChaseList) -> list[list[str]]:
    """The header and one row per result to chase, safe for spreadsheets."""
    rows = [list(CSV_HEADER)]
    for row in chase.rows:
        item = row.item
        rows.append(
            [
                chase.meeting_date.isoformat(),
                str(row.position),
                row.hospital_number,
                row.patient,
                item.key,
                item.label,
                item.status.value,
                item.latest.isoformat() if item.latest else "",
                item.latest_text,
                item.needed_by.isoformat() if item.needed_by else "",
                "" if item.days_overdue is None else str(item.days_overdue),
                str(item.window_days),
                " ".join(item.sources),
                item.evidence.value,
            ]
        )
    return [[neutralise(cell) for cell in row] for row in rows]
