"""The monthly summary's tables as text, shared by the window and the PDF.

Each function gives one table's rows (without headers, except the shared ``SAVINGS_HEADERS``);
the screen and the printed page differ only where noted by a parameter (the PDF's narrower
columns shorten a date or add a unit).
"""

from __future__ import annotations

from mdt_desktop.domain.monthly_summary import (
    MeetingFigures,
    MonthlySummary,
    OverdueAction,
    PlannedReduction,
)

SAVINGS_HEADERS = (
    "Drug",
    "Decisions",
    "A year before",
    "A year after",
    "Avoided",
    "Drug avoided a year",
)


def meeting_cells(m: MeetingFigures) -> tuple[str, ...]:
    """Date, status and case counts of one meeting (the outstanding results follow)."""
    return (
        f"{m.meeting_date:%a %d %b %Y}",
        m.status.value.replace("_", " "),
        str(m.listed),
        str(m.discussed),
        str(m.deferred),
        str(m.pending),
    )


def savings_rows(summary: MonthlySummary) -> list[tuple[str, ...]]:
    """Administrations avoided a year per drug, then "All drugs" (when any de-escalation)."""
    rows: list[tuple[str, ...]] = [
        (
            s.label,
            str(s.decisions),
            f"{s.administrations_before:.1f}",
            f"{s.administrations_after:.1f}",
            f"{s.administrations_avoided:.1f}",
            f"{s.dose_avoided:,.0f} {s.dose_unit}",
        )
        for s in summary.savings
    ]
    if summary.reductions:
        total = f"{summary.administrations_avoided:.1f}"
        rows.append(("All drugs", str(len(summary.reductions)), "", "", total, ""))
    return rows


def reduction_row(r: PlannedReduction, meeting_format: str = "%d %b %Y") -> tuple[str, ...]:
    """One de-escalation: meeting, hospital number, regimens, start, on record, avoided."""
    return (
        f"{r.meeting_date:{meeting_format}}",
        r.hospital_number,
        r.before.short_label if r.before else "not on record",
        r.after.short_label,
        f"{r.effective:%d %b %Y}" if r.effective else "",
        "yes" if r.started else "not yet",
        f"{r.administrations_avoided:.1f}",
    )


def overdue_row(a: OverdueAction, days_unit: str = "") -> tuple[str, ...]:
    """One overdue action: due, days overdue (with *days_unit*), meeting, number, what, who."""
    return (
        f"{a.due:%d %b %Y}",
        f"{a.days_overdue}{days_unit}",
        f"{a.meeting_date:%d %b %Y}",
        a.hospital_number,
        a.description,
        a.owner,
    )
