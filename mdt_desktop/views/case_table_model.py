"""Qt table model over a meeting's cases (frozen domain records, never ORM rows)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from mdt_desktop.domain.records import CaseSummary

_ROOT = QModelIndex()
Index = QModelIndex | QPersistentModelIndex


class CaseTableModel(QAbstractTableModel):
    """Read-only rows: position, patient, hospital number, diagnosis, status, decision."""

    HEADERS = ("#", "Patient", "Hospital no.", "Diagnosis", "Status", "Decision")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cases: list[CaseSummary] = []

    def set_cases(self, cases: list[CaseSummary]) -> None:
        self.beginResetModel()
        self._cases = list(cases)
        self.endResetModel()

    def case_at(self, row: int) -> CaseSummary:
        return self._cases[row]

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._cases)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        case = self._cases[index.row()]
        patient = case.patient
        values = (
            case.position,
            patient.display_name,
            patient.hospital_number,
            f"{patient.ibd_type.short} {patient.montreal.code}".strip(),
            case.status.value.replace("_", " "),
            decision_text(case),
        )
        return values[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


def decision_text(case: CaseSummary) -> str:
    """Return e.g. ``De-escalate: Infliximab IV 5 mg/kg every 8 weeks`` or ``—``."""
    decision = case.decision
    if decision is None:
        return "—"
    if decision.target_regimen is not None:
        return f"{decision.outcome.label}: {decision.target_regimen.label}"
    return decision.outcome.label
