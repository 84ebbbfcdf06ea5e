"""The preparation dialog's tables: the candidate list, suggested candidates, re-reviews."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QObject,
    Qt,
)

from mdt_desktop.domain.candidates import RereviewSuggestion, Suggestion
from mdt_desktop.domain.identifiers import Identifiers, patient_name
from mdt_desktop.domain.records import CaseSummary
from mdt_desktop.views.common.display import MUTED, carried_text
from mdt_desktop.views.common.row_model import Index, RowTableModel
from mdt_desktop.views.meeting.rereview_tag import TAG_COLOUR, TAG_TINT, bold, tag_text


class CandidateListModel(RowTableModel[CaseSummary]):
    """The meeting's candidates in list order: position, hospital number, patient, status."""

    identifiers = Identifiers.FULL  # the room screen shows initials (set by the dialog)

    HEADERS = ("#", "Hospital no.", "Patient", "Status")

    def set_cases(self, cases: Sequence[CaseSummary]) -> None:
        """Replace every row."""
        self.set_rows(cases)

    def case(self, row: int) -> CaseSummary:
        return self.row_at(row)

    def row_of(self, case_id: int | None) -> int | None:
        """Return the row of the case with *case_id*, if listed."""
        return self.row_where(lambda c: c.id == case_id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        case, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(case, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and case.carried_from is not None:
            return carried_text(case.carried_from)
        return None

    def _text(self, case: CaseSummary, column: int) -> str:
        if column == 0:
            return str(case.position) + (" ↻" if case.carried_from else "")
        if column == 1:
            return case.patient.hospital_number
        if column == 2:
            return patient_name(case.patient, self.identifiers)
        status = case.status.value.replace("_", " ").capitalize()
        if case.carried_from is not None:
            status += f" · carried over from {case.carried_from.meeting_date:%d %b %Y}"
        return f"{status} — {case.decision.outcome.label}" if case.decision else status


class SuggestionTableModel(RowTableModel[Suggestion]):
    """Patients who meet the criteria and are not listed: patient, months intensified, review."""

    identifiers = Identifiers.FULL  # the room screen shows initials (set by the dialog)

    HEADERS = ("Hospital no.", "Patient", "Months int.", "Last review")
    TIPS = (
        "",
        "",
        "Months on the intensified regimen by the meeting date",
        "The last meeting that reviewed the patient",
    )

    def set_suggestions(self, suggestions: Sequence[Suggestion]) -> None:
        """Replace every row."""
        self.set_rows(suggestions)

    def suggestion(self, row: int) -> Suggestion:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                item.patient.hospital_number,
                patient_name(item.patient, self.identifiers),
                f"{item.months_intensified:.0f}",
                f"{item.last_review:%d %b %Y}" if item.last_review else "never",
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and not item.last_review:
            return MUTED
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS[section] or None
        return super().headerData(section, orientation, role)


class RereviewTableModel(RowTableModel[RereviewSuggestion]):
    """De-escalated patients due for re-review: tag, patient, the decision, what makes the tag.

    Every row is ticked when the rows are set (the coordinator adds them all in one click, or
    unticks those to leave out); the tick sits in the tag cell, whose tint stays visible.
    """

    identifiers = Identifiers.FULL  # the room screen shows initials (set by the dialog)

    HEADERS = ("Re-review", "Hospital no.", "Patient", "Decided", "Why")
    TIPS = (
        "Relapsing, data missing or stable, read on the meeting date; ticked to be added",
        "",
        "",
        "The meeting that decided to de-escalate",
        "What makes the tag (point at a row for the re-checks and the flare rule)",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unticked: set[int] = set()  # rows the coordinator unticked

    def set_rereviews(self, rereviews: Sequence[RereviewSuggestion]) -> None:
        """Replace every row, all ticked."""
        self._unticked = set()
        self.set_rows(rereviews)

    def rereview(self, row: int) -> RereviewSuggestion:
        return self.row_at(row)

    def ticked(self) -> list[RereviewSuggestion]:
        """The ticked rows, top first."""
        return [self.row_at(r) for r in range(self.rowCount()) if r not in self._unticked]

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        ticked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)
        (self._unticked.discard if ticked else self._unticked.add)(index.row())
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item, column = self.row_at(index.row()), index.column()
        review = item.rereview
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(review.lines())
        if column != 0:
            return None
        if role == Qt.ItemDataRole.CheckStateRole:
            unticked = index.row() in self._unticked
            return Qt.CheckState.Unchecked if unticked else Qt.CheckState.Checked
        if role == Qt.ItemDataRole.ForegroundRole:
            return TAG_COLOUR[review.tag]
        if role == Qt.ItemDataRole.BackgroundRole:
            return TAG_TINT[review.tag]
        if role == Qt.ItemDataRole.FontRole:
            return bold()
        return None

    def _text(self, item: RereviewSuggestion, column: int) -> str:
        review = item.rereview
        if column == 0:
            return tag_text(review.tag)
        if column == 1:
            return item.patient.hospital_number
        if column == 2:
            return patient_name(item.patient, self.identifiers)
        if column == 3:
            return f"{review.decision.decided_on:%d %b %Y}"
        return review.summary

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS[section] or None
        return super().headerData(section, orientation, role)


# --- attendance -----------------------------------------------------------------------------------
