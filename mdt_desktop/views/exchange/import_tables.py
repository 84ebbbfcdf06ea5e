"""The two tables of the import dialog: what would be added per patient, and every problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import Qt

from mdt_desktop.importers.model import Problem
from mdt_desktop.services.imports import ImportReport
from mdt_desktop.views.common.row_model import Index, RowTableModel


@dataclass(frozen=True, slots=True)
class FoundRow:
    """New records of one kind (an analyte, medication periods, …) for one patient."""

    hospital_number: str
    what: str
    count: int


def found_rows(report: ImportReport) -> list[FoundRow]:
    """One row per patient and kind, in hospital-number order, then by kind."""
    return [
        FoundRow(number, what.replace("_", " "), count)
        for number, kinds in report.per_patient.items()
        for what, count in sorted(kinds.items())
    ]


class FoundModel(RowTableModel[FoundRow]):
    """Counts per patient and analyte (or record kind) that the import adds."""

    HEADERS: ClassVar[tuple[str, ...]] = ("Patient", "New records", "Count")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.hospital_number, row.what, str(row.count))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ProblemModel(RowTableModel[Problem]):
    """Every problem: file, where in it, which field and why (what lab IT needs to fix it)."""

    HEADERS: ClassVar[tuple[str, ...]] = ("File", "Where", "Field", "Reason")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        problem = self.row_at(index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            cells = (problem.where.file, problem.where.place, problem.field, problem.reason)
            return cells[index.column()]
        return None


def problems_text(problems: tuple[Problem, ...]) -> str:
    """The problems as tab-separated lines with a header, for the clipboard (pastes as a table)."""
    lines = ["\t".join(ProblemModel.HEADERS)]
    lines += [
        "\t".join((p.where.file, p.where.place, p.field, p.reason.replace("\n", " ")))
        for p in problems
    ]
    return "\n".join(lines)
