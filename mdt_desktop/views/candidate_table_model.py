"""The meeting's candidate list as a Qt table model over CaseDetail records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.describe import OVERALL_TEXT
from mdt_desktop.domain.enums import CaseStatus, ChecklistResult
from mdt_desktop.domain.identifiers import Identifiers, patient_name, search_text
from mdt_desktop.domain.readings import below_band, meets
from mdt_desktop.domain.records import Observation
from mdt_desktop.domain.sampling import SampleTiming, SamplingRules, sample_timing
from mdt_desktop.domain.thresholds import Thresholds
from mdt_desktop.views.case_notice import deferral_reason
from mdt_desktop.views.display import (
    BAD,
    HIGH,
    MUTED,
    OVERALL_COLOUR,
    carried_text,
)
from mdt_desktop.views.plain_text import tooltip, unformatted
from mdt_desktop.views.rereview_tag import TAG_COLOUR, TAG_TINT, tag_text
from mdt_desktop.views.row_model import Index, RowTableModel

DEFERRED = "Deferred"
SORT_ROLE = Qt.ItemDataRole.UserRole
FILTER_ROLE = Qt.ItemDataRole.UserRole + 1  # what the filter box matches (may be more than shown)


@dataclass(frozen=True, slots=True)
class Cell:
    """What one cell shows: text, a sortable value, an optional colour, tooltip and emphasis.

    *search* is what the filter matches besides the text: the full name behind initials.
    """

    text: str
    sort: Any = None
    colour: QColor | None = None
    tooltip: str = ""
    italic: bool = False
    search: str = ""
    background: QColor | None = None
    bold: bool = False


class CandidateTableModel(RowTableModel[tuple[CaseDetail, tuple[Cell, ...]]]):
    """Order, patient, diagnosis, regimen, months intensified, latest markers, status, re-review.

    The re-review column tags a patient due back after a de-escalation (stable, relapsing, data
    missing: symbol, word and colour); it is blank for everyone else.

    Each row keeps its case with the cells made from it, so that painting does not recompute them.
    """

    HEADERS = (
        "#",
        "Patient",
        "Hospital no.",
        "Diagnosis",
        "Drug and regimen",
        "Months int.",
        "Calpro",
        "CRP",
        "Trough",
        "Remission",
        "Decision",
        "Re-review",
    )

    def __init__(
        self,
        thresholds: Thresholds,
        parent: QObject | None = None,
        identifiers: Identifiers = Identifiers.FULL,
    ) -> None:
        super().__init__(parent)
        self._thresholds = thresholds
        self._sampling = SamplingRules.from_thresholds(thresholds)
        self._identifiers = identifiers

    def set_cases(self, cases: list[CaseDetail]) -> None:
        self.set_rows((detail, self._make_cells(detail)) for detail in cases)

    @property
    def identifiers(self) -> Identifiers:
        return self._identifiers

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Name patients in full or by initials (the room screen); every row's cells are remade."""
        if identifiers is self._identifiers:
            return
        self._identifiers = identifiers
        self._rows = [(detail, self._make_cells(detail)) for detail, _cells in self._rows]
        if self._rows:  # in place: the selection and the sort order stay
            last = self.index(len(self._rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def update_case(self, row: int, detail: CaseDetail) -> None:
        """Replace one row after its case changed (a checklist answer was saved)."""
        self._rows[row] = (detail, self._make_cells(detail))
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def detail(self, row: int) -> CaseDetail:
        return self.row_at(row)[0]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.row_at(index.row())[1][index.column()]
        handlers: dict[int, Callable[[], Any]] = {
            Qt.ItemDataRole.DisplayRole: lambda: cell.text,
            SORT_ROLE: lambda: cell.sort if cell.sort is not None else cell.text,
            FILTER_ROLE: lambda: f"{cell.text} {cell.search}" if cell.search else cell.text,
            Qt.ItemDataRole.ForegroundRole: lambda: cell.colour,
            Qt.ItemDataRole.ToolTipRole: lambda: tooltip(display_unit(cell.tooltip)) or None,
            Qt.ItemDataRole.FontRole: lambda: _font(cell),
            Qt.ItemDataRole.BackgroundRole: lambda: cell.background,
            Qt.ItemDataRole.TextAlignmentRole: lambda: _alignment(index.column()),
        }
        handler = handlers.get(role)
        return handler() if handler else None

    # --- cells -----------------------------------------------------------------------------------

    def _make_cells(self, detail: CaseDetail) -> tuple[Cell, ...]:
        case, summary, patient = detail.case, detail.summary, detail.case.patient
        regimen = summary.anti_tnf
        months = summary.months_intensified
        return (
            Cell(
                str(case.position) + (" ↻" if case.carried_from else ""),
                case.position,
                tooltip=carried_text(case.carried_from) if case.carried_from else "",
            ),
            Cell(
                patient_name(patient, self._identifiers),
                patient_name(patient, self._identifiers).casefold(),
                search=search_text(patient),
            ),
            Cell(patient.hospital_number),
            Cell(
                f"{patient.ibd_type.short} {patient.montreal.code}".strip(),
                tooltip=patient.montreal.description,
            ),
            Cell(
                regimen.regimen.short_label if regimen else "no anti-TNF",
                tooltip=regimen.regimen.label if regimen else "",
                search=regimen.regimen.label if regimen else "",
            ),
            Cell(
                f"{months:.0f}" if months is not None else "—",
                months if months else -1.0,
                tooltip="Months on the intensified regimen",
            ),
            self._marker(
                summary.latest_calprotectin,
                "calprotectin_remission",
                "calprotectin_max_age",
                detail.meeting_date,
            ),
            self._marker(summary.latest_crp, "crp_remission", "crp_max_age", detail.meeting_date),
            self._trough(summary.latest_trough, detail),
            self._remission(detail),
            _decision(detail),
            _rereview(detail),
        )

    @staticmethod
    def _remission(detail: CaseDetail) -> Cell:
        """Objective remission, plus how many checklist items (of any kind) are not met."""
        failed = [a.label for a in detail.case.checklist if a.effective is ChecklistResult.NOT_MET]
        text = OVERALL_TEXT[detail.overall] + (f" · {len(failed)} ✗" if failed else "")
        tooltip = detail.overall.label + "".join(f"\n✗ {label}" for label in failed)
        return Cell(text, detail.overall.value, OVERALL_COLOUR[detail.overall], tooltip)

    def _marker(self, obs: Observation | None, key: str, age_key: str, on: date) -> Cell:
        if obs is None:
            return Cell("—", -1.0, MUTED, "No result on record")
        threshold = self._thresholds[key]
        age = (on - obs.collected_at.date()).days
        when = f"{obs.display_value} {obs.unit} on {obs.collected_at:%d %b %Y}"
        if age > self._thresholds[age_key].days:
            return Cell(
                obs.display_value,
                obs.value,
                MUTED,
                f"{when}: older than {self._thresholds[age_key].describe()}",
                True,
            )
        verdict = meets(obs, threshold)
        note = {True: "within", False: "outside", None: "cannot be compared with"}[verdict]
        return Cell(
            obs.display_value,
            obs.value,
            {True: None, False: BAD, None: MUTED}[verdict],
            f"{when}: {note} the remission threshold ({threshold.describe()}) "
            f"[{', '.join(threshold.sources)}]",
        )

    def _trough(self, obs: Observation | None, detail: CaseDetail) -> Cell:
        if obs is None:
            return Cell("—", -1.0, MUTED, "No trough level on record")
        on = detail.meeting_date
        band = self._thresholds.target_band(obs.analyte)
        when = f"{obs.display_value} {obs.unit} on {obs.collected_at:%d %b %Y}"
        if (on - obs.collected_at.date()).days > self._thresholds["drug_level_max_age"].days:
            return Cell(obs.display_value, obs.value, MUTED, f"{when}: older than 6 months", True)
        sampling = sample_timing(obs, detail.record.medications, self._sampling)
        if sampling.timing is SampleTiming.NOT_TROUGH and band and below_band(obs, band):
            return Cell(  # the trough can only be lower (docs/clinical.md, "Drug levels")
                f"{obs.display_value} ◦",
                obs.value,
                BAD,
                f"{when}: {sampling.text}. Below the {band.describe()} target although not a "
                f"trough: the trough can only be lower [{', '.join(band.sources)}].",
            )
        if sampling.timing is SampleTiming.NOT_TROUGH:  # "◦" as the hollow marker on the plot
            target = f" {band.describe()}" if band else ""
            return Cell(
                f"{obs.display_value} ◦",
                obs.value,
                MUTED,
                f"{when}: {sampling.text}. Not read against the{target} trough target.",
                True,
            )
        if band is None:
            return Cell(obs.display_value, obs.value, tooltip=when)
        position = -1 if obs.below_limit else band.position(obs.value)
        colour = {-1: BAD, 0: None, 1: HIGH}[position]
        words = {-1: "below", 0: "within", 1: "above"}[position]
        return Cell(
            obs.display_value,
            obs.value,
            colour,
            f"{when}: {words} the {band.describe()} target [{', '.join(band.sources)}]",
        )


def _font(cell: Cell) -> QFont | None:
    if not (cell.italic or cell.bold):
        return None
    font = QFont()
    font.setItalic(cell.italic)
    font.setBold(cell.bold)
    return font


def _decision(detail: CaseDetail) -> Cell:
    """The decision's outcome; "Deferred" (with the reason) for a case put off without one."""
    case = detail.case
    if case.decision is not None:
        return Cell(case.decision.outcome.label, tooltip=case.decision.rationale)
    if case.status is CaseStatus.DEFERRED:
        reason = deferral_reason(detail)
        return Cell(
            DEFERRED,
            colour=MUTED,
            tooltip=f"Deferred: {reason}" if reason else "Deferred without a decision",
        )
    return Cell("—", tooltip="No decision yet")


def _rereview(detail: CaseDetail) -> Cell:
    """The re-review tag of a patient due back after a de-escalation (blank otherwise)."""
    review = detail.rereview
    if review is None:
        return Cell("", -1)
    tag = review.tag
    return Cell(
        tag_text(tag),
        tag.rank,
        TAG_COLOUR[tag],
        "\n".join(review.lines()),
        background=TAG_TINT[tag],
        bold=True,
    )


def _alignment(column: int) -> Qt.AlignmentFlag:
    if column in (0, 5, 6, 7, 8):
        return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class CandidateFilterModel(QSortFilterProxyModel):
    """Filters the candidate list by words, in any order and case; sorts on raw values.

    Every word typed must occur in the row: a name as the list shows it ("fletcher, jack") or
    in any order ("jack fletcher"), a hospital number in any case, the drug as abbreviated or
    named ("IFX", "infliximab"), or any other cell. The filter matches the full name even when
    the room screen shows initials, so the chair can still find a patient by surname without
    the name appearing in the list.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._words: tuple[str, ...] = ()

    def set_words(self, text: str) -> None:
        """Show only the rows that contain every word of *text* (empty: every row)."""
        words = filter_words(text)
        if words != self._words:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def words(self) -> tuple[str, ...]:
        return self._words

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words:
            return True
        model = self.sourceModel()
        text = " ".join(
            str(model.index(source_row, column, source_parent).data(FILTER_ROLE) or "")
            for column in range(model.columnCount(source_parent))
        ).casefold()
        return all(word in text for word in self._words)


def filter_words(text: str) -> tuple[str, ...]:
    """The words of a filter text, case-folded; commas and invisible marks do not count."""
    return tuple(unformatted(text).replace(",", " ").casefold().split())
