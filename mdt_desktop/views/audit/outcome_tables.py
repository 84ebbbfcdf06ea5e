"""The outcome audit's tables and headline: splits, baseline, published results."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from mdt_desktop.domain.outcome_audit import AuditFigures, BaselineRow, OutcomeAudit
from mdt_desktop.domain.published import PublishedResult
from mdt_desktop.domain.wording import plural
from mdt_desktop.views.common.row_model import Index, RowTableModel

DISPLAY = Qt.ItemDataRole.DisplayRole
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def pct(value: float | None) -> str:
    """``64%``, or a dash for no value."""
    return "—" if value is None else f"{value:.0f}%"


def months(value: float | None) -> str:
    """``6.0 mo``, or a dash for no value."""
    return "—" if value is None else f"{value:.1f} mo"


def maintained(figures: AuditFigures) -> str:
    """``16/25 (64%)``, or a dash when none are evaluable yet."""
    if not figures.evaluable_12m:
        return "—"
    return f"{figures.maintained_12m}/{figures.evaluable_12m} ({pct(figures.maintained_12m_pct)})"


def headline_html(audit: OutcomeAudit) -> str:
    """The figures a paper's abstract would give, as rich text for a QLabel."""
    f = audit.overall
    window = f"{audit.rules.failure_months:g}"
    reasons = ", ".join(
        f"{reason.label} {count}" for reason, count in f.failure_reasons.items() if count
    )
    burden = audit.burden
    lines = [
        f"<b>{f.de_escalations}</b> {plural('de-escalation', f.de_escalations)} in "
        f"<b>{f.patients}</b> {plural('patient', f.patients)}",
        f"Still de-escalated at {window} months: <b>{maintained(f)}</b> of those followed "
        f"{window} months or failed sooner",
        f"Failed within {window} months: <b>{f.failed_12m}</b>"
        + (f" ({escape(reasons)})" if reasons else ""),
        f"Median time to failure: <b>{months(f.median_months_to_failure)}</b>",
        f"Re-escalated: <b>{f.re_escalated}</b>, recaptured: <b>{f.recaptured}</b>, "
        f"recapture pending: <b>{f.recapture_pending}</b> "
        f"(calprotectin &lt; {audit.rules.recapture_calprotectin:g} ug/g and CRP &lt; "
        f"{audit.rules.recapture_crp:g} mg/L within {audit.rules.recapture_months:g} months)",
        f"Administrations avoided: <b>{burden.administrations_avoided:.0f}</b> "
        f"({burden.per_patient_year:.1f} per patient-year over {burden.patient_years:.1f} "
        "patient-years)"
        + (f", worth <b>{burden.cost_avoided:,.0f}</b>" if burden.cost_avoided is not None else ""),
    ]
    return "<br>".join(lines)


@dataclass(frozen=True, slots=True)
class SplitRow:
    """The figures of one group of episodes."""

    group: str
    figures: AuditFigures


def split_rows(audit: OutcomeAudit) -> list[SplitRow]:
    """The overall figures, then each drug, then each diagnosis."""
    rows = [SplitRow("All de-escalations", audit.overall)]
    rows += [SplitRow(label, figures) for label, figures in audit.by_drug.items()]
    rows += [SplitRow(label, figures) for label, figures in audit.by_diagnosis.items()]
    return rows


class SplitModel(RowTableModel[SplitRow]):
    """One row per group: the overall, each drug, each diagnosis."""

    HEADERS: ClassVar[tuple[str, ...]] = (
        "Group",
        "Episodes",
        "Maintained at 12 months",
        "Failed",
        "Median to failure",
    )

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        f = row.figures
        if role == DISPLAY:
            cells = (
                row.group,
                str(f.de_escalations),
                maintained(f),
                str(f.failed_12m),
                months(f.median_months_to_failure),
            )
            return cells[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return RIGHT
        return None


class BaselineModel(RowTableModel[BaselineRow]):
    """Successes against failures at de-escalation, with the test and its p value."""

    HEADERS: ClassVar[tuple[str, ...]] = ("At de-escalation", "Maintained", "Failed", "p", "Test")

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
            p = "—" if row.p_value is None else f"{row.p_value:.2f}"
            return (row.label, row.successes, row.failures, p, row.test)[index.column()]
        return None


class PublishedModel(RowTableModel[PublishedResult]):
    """The published results the curve is marked with, each with its source."""

    HEADERS: ClassVar[tuple[str, ...]] = ("Study", "n", "Still de-escalated", "When", "Source")

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if role == DISPLAY:
            n = "—" if row.n is None else str(row.n)
            cells = (row.short_label, n, pct(row.maintained_pct), row.when(), row.tags)
            return cells[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(part for part in (row.label, row.reported, row.note) if part)
        return None


def table_view(model: RowTableModel[Any], name: str, wrap: int = 0) -> QTableView:
    """A read-only table with whole-row selection that never clips its text.

    Every column but *wrap* is as wide as its header and cells; column *wrap* takes the room
    left and wraps its text, and each row is as tall as its wrapped text. A table wider than
    its pane scrolls rather than cutting cells off.
    """
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    for column in range(len(model.HEADERS)):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column == wrap
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
    header.setMinimumSectionSize(view.fontMetrics().horizontalAdvance("M" * 3))
    return view
