"""The administrators' monthly summary as a PDF and as CSV (``mdt-desktop summary``).

Headline figures, the month's meetings, decisions by type, results outstanding on the meeting
dates, the administrations a year the de-escalation decisions avoid once carried out (per drug,
with each decision), and the actions overdue across all meetings. Hospital numbers appear only
where an administrator needs to find a case (overdue actions, de-escalations); no names. Same
fonts, styles and page marks as the minutes; written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table

from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.monthly_summary import MonthlySummary, summary_headline
from mdt_desktop.domain.summary_tables import (
    SAVINGS_HEADERS,
    meeting_cells,
    overdue_row,
    reduction_row,
    savings_rows,
)
from mdt_desktop.domain.wording import count
from mdt_desktop.reports.markup import text, user_text
from mdt_desktop.reports.minutes import BuildOptions
from mdt_desktop.reports.page import MARGIN_X, PAGE, DocumentInfo, PageMarks, write_pdf
from mdt_desktop.reports.spreadsheet import neutralise
from mdt_desktop.reports.styles import Styles, grid_style, make_styles

TITLE = "Monthly summary"
SUBJECT = "IBD anti-TNF de-escalation MDT: monthly summary for administrators"
CONFIDENTIALITY = "Confidential — service summary; hospital numbers only, no names"
CSV_HEADER = ("month", "section", "item", "value", "unit", "detail")
CARRIED_OUT = (
    "If carried out: each reduced regimen replaces the one before it for a whole year "
    "(administrations a year = 365.25 days / interval). A lower dose at the same interval saves "
    "drug, not administrations."
)


def build_monthly_summary(
    summary: MonthlySummary, target: Path, options: BuildOptions | None = None
) -> int:
    """Write the monthly summary to *target* and return its number of pages."""
    options = options or BuildOptions()
    styles = make_styles()
    width = PAGE[0] - 2 * MARGIN_X
    generated = options.generated or datetime.now().replace(microsecond=0)
    story: list[Flowable] = [
        Paragraph(f"{TITLE} — {summary.title}", styles.title),
        Paragraph(
            f"IBD anti-TNF de-escalation MDT · actions overdue as of {summary.as_of:%d %B %Y} · "
            f"produced {generated:%d %b %Y %H:%M} by MDT Desktop",
            styles.small,
        ),
        Spacer(0, 6),
        _table(summary_headline(summary), (0.45, 0.55), styles, width, header=False),
    ]
    story += _meetings(summary, styles, width)
    story += _decisions(summary, styles, width)
    story += _savings(summary, styles, width)
    story += _actions(summary, styles, width)
    marks = PageMarks(running_title=f"{TITLE} · {summary.title}", confidentiality=CONFIDENTIALITY)
    info = DocumentInfo(
        f"{TITLE}, {summary.title}", SUBJECT, options.author, invariant=options.invariant
    )
    return write_pdf(story, target, marks, info)


def _meetings(summary: MonthlySummary, styles: Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("Meetings", styles.h2)]
    if not summary.meetings:
        return [*story, Paragraph(f"No meeting in {summary.title}.", styles.body)]
    rows: list[Sequence[str]] = [
        ("Meeting", "Status", "Listed", "Discussed", "Deferred", "Not discussed", "Outstanding")
    ]
    for m in summary.meetings:
        rows.append(
            (*meeting_cells(m), outstanding_text(m.outstanding_items, m.outstanding_patients))
        )
    shares = (0.2, 0.14, 0.1, 0.12, 0.11, 0.15, 0.18)
    story.append(_table(rows, shares, styles, width, numeric_from=2))
    story.append(
        Paragraph(
            "Deferred: moved to a later meeting without discussion. Outstanding: results missing "
            "or out of date on the meeting date (the chase list).",
            styles.note,
        )
    )
    if summary.outstanding_by_item:
        rows = [("Outstanding result", "Number")]
        rows += [(label, str(n)) for label, n in summary.outstanding_by_item.items()]
        story += [Spacer(0, 4), _table(rows, (0.5, 0.15), styles, width, numeric_from=1)]
    return story


def outstanding_text(items: int, patients: int) -> str:
    """E.g. ``3 results, 2 patients`` or ``none``."""
    if not items:
        return "none"
    return f"{count(items, 'result')}, {count(patients, 'patient')}"


def _decisions(summary: MonthlySummary, styles: Styles, width: float) -> list[Flowable]:
    rows: list[Sequence[str]] = [("Decision", "Number")]
    rows += [(outcome.label, str(n)) for outcome, n in summary.decisions.items()]
    rows.append(("Total", str(sum(summary.decisions.values()))))
    table = _table(rows, (0.5, 0.15), styles, width, numeric_from=1, total=True)
    return [Paragraph("Decisions by type", styles.h2), table]


def _savings(summary: MonthlySummary, styles: Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        CondPageBreak(120),
        Paragraph("Administrations avoided a year if the decisions are carried out", styles.h2),
    ]
    if not summary.reductions:
        return [*story, Paragraph("No de-escalation was decided this month.", styles.body)]
    rows: list[Sequence[str]] = [SAVINGS_HEADERS, *savings_rows(summary)]
    shares: tuple[float, ...] = (0.22, 0.11, 0.14, 0.14, 0.12, 0.27)
    story += [
        _table(rows, shares, styles, width, numeric_from=1, total=True),
        Paragraph(CARRIED_OUT, styles.note),
        Spacer(0, 4),
    ]
    rows = [("Meeting", "Hospital no.", "From", "To", "Starts", "On record", "Avoided")]
    rows += [reduction_row(r, meeting_format="%d %b") for r in summary.reductions]
    shares = (0.1, 0.14, 0.21, 0.21, 0.13, 0.11, 0.1)
    story.append(_table(rows, shares, styles, width, numeric_from=6))
    return story


def _actions(summary: MonthlySummary, styles: Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        CondPageBreak(100),
        Paragraph(f"Actions overdue on {summary.as_of:%d %B %Y} (all meetings)", styles.h2),
    ]
    if not summary.actions_overdue:
        return [*story, Paragraph("No action is overdue.", styles.body)]
    rows: list[Sequence[str]] = [("Due", "Overdue", "Meeting", "Hospital no.", "Action", "Owner")]
    rows += [overdue_row(a, days_unit=" d") for a in summary.actions_overdue]
    shares = (0.12, 0.09, 0.12, 0.13, 0.36, 0.18)
    story.append(_table(rows, shares, styles, width))
    return story


def _table(
    rows: Sequence[Sequence[str]],
    shares: Sequence[float],
    styles: Styles,
    width: float,
    *,
    header: bool = True,
    numeric_from: int | None = None,
    total: bool = False,
) -> Table:
    """A grid of text cells; columns from *numeric_from* on are right-aligned."""
    first_numeric = len(shares) if numeric_from is None else numeric_from
    cells = []
    for index, row in enumerate(rows):
        bold = (header and index == 0) or (total and index == len(rows) - 1)
        style = styles.cell_bold if bold else styles.cell
        right = ParagraphStyle(f"{style.name}-right", parent=style, alignment=TA_RIGHT)
        markup = text if index == 0 and header else user_text  # cells may hold typed text
        line = [
            Paragraph(markup(cell), right if column >= first_numeric else style)
            for column, cell in enumerate(row)
        ]
        if not header:  # a list of label and value: the labels in bold
            line[0] = Paragraph(text(row[0]), styles.cell_bold)
        cells.append(line)
    table = Table(
        cells,
        colWidths=[share * width for share in shares],
        repeatRows=1 if header else 0,
        hAlign="LEFT",
    )
    table.setStyle(grid_style(header=header, zebra=1 if header else 0))
    return table


def summary_csv_rows(summary: MonthlySummary) -> list[list[str]]:
    """The summary as one figure per row (section, item, value, unit, detail), spreadsheet-safe."""
    month = f"{summary.month:%Y-%m}"
    rows: list[list[str]] = [list(CSV_HEADER)]

    def add(section: str, item: str, value: object, unit: str = "", detail: str = "") -> None:
        rows.append([month, section, item, str(value), unit, detail])

    add("totals", "meetings", len(summary.meetings))
    for name in ("listed", "discussed", "deferred", "pending"):
        add("totals", f"candidates {name}", getattr(summary, name), "cases")
    add("totals", "results outstanding", summary.outstanding_items, "results")
    add(
        "totals",
        "actions overdue",
        len(summary.actions_overdue),
        "actions",
        f"as of {summary.as_of}",
    )
    add("totals", "administrations avoided", f"{summary.administrations_avoided:.1f}", "per year")
    for m in summary.meetings:
        section = f"meeting {m.meeting_date.isoformat()}"
        for name in ("listed", "discussed", "deferred", "pending"):
            add(section, f"candidates {name}", getattr(m, name), "cases", m.status.value)
        add(
            section,
            "results outstanding",
            m.outstanding_items,
            "results",
            f"{m.outstanding_patients} patients",
        )
    for label, n in summary.outstanding_by_item.items():
        add("results outstanding", label, n, "results")
    for outcome, n in summary.decisions.items():
        add("decisions", outcome.label, n, "decisions")
    for s in summary.savings:
        add(
            "administrations avoided",
            s.label,
            f"{s.administrations_avoided:.1f}",
            "per year",
            f"{s.decisions} decisions; {s.administrations_before:.1f} -> "
            f"{s.administrations_after:.1f} a year",
        )
        add("drug avoided", s.label, f"{s.dose_avoided:.1f}", display_unit(s.dose_unit))
    for r in summary.reductions:
        before = r.before.label if r.before else "not on record"
        add(
            "de-escalation",
            r.hospital_number,
            f"{r.administrations_avoided:.1f}",
            "per year",
            f"MDT {r.meeting_date}: {before} -> {r.after.label}; starts {r.effective or ''}; "
            f"{'on record' if r.started else 'not yet on record'}",
        )
    for a in summary.actions_overdue:
        add(
            "action overdue",
            a.hospital_number,
            a.days_overdue,
            "days",
            f"{a.description} (owner {a.owner}; due {a.due}; MDT {a.meeting_date})",
        )
    return [[neutralise(cell) for cell in row] for row in rows]
