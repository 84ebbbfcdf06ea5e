"""Drug levels and antibodies of the case's patient, with the pharmacist's annotations.

Each result shows the assay that measured it (antibody units belong to one assay) and when it was
taken relative to the doses around it: a trough, or a peak/intermediate level that is not read
against the trough target (domain/sampling.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.antibodies import AntibodyAssay, AntibodyState, interpret
from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.catalogue import ANALYTES, DRUG_LEVEL_ANALYTES, display_unit
from mdt_desktop.domain.enums import Analyte, Interpretation
from mdt_desktop.domain.records import (
    Annotation,
    MedicationPeriod,
    Observation,
    current_annotations,
)
from mdt_desktop.domain.sampling import (
    SampleTiming,
    Sampling,
    SamplingRules,
    result_name,
    sample_timing,
)
from mdt_desktop.domain.thresholds import Thresholds
from mdt_desktop.drafts import DraftStore
from mdt_desktop.views.display import MUTED
from mdt_desktop.views.draft_keeper import DraftKeeper
from mdt_desktop.views.focus import tab_leaves
from mdt_desktop.views.plain_text import breakable, isolate, set_plain, tooltip
from mdt_desktop.views.row_model import Index, RowTableModel

SHOWN = (*DRUG_LEVEL_ANALYTES, Analyte.ANTI_DRUG_ANTIBODIES)
NO_ASSAY = "—"
ASSAY_EMS = 9  # width of the assay column, in M widths
NO_ASSAY_TIP = "The laboratory did not report the assay."


def suggested_interpretation(
    obs: Observation, thresholds: Thresholds, assays: tuple[AntibodyAssay, ...] = ()
) -> Interpretation:
    """What the result looks like against its band (the pharmacist decides).

    Antibodies are read against the configured assay cut-offs and the laboratory's flag
    (docs/clinical.md, "Antibodies"): only a detected result suggests "Antibodies detected".
    """
    if obs.analyte is Analyte.ANTI_DRUG_ANTIBODIES:
        return (
            Interpretation.ANTIBODIES
            if interpret(obs, assays).state is AntibodyState.DETECTED
            else Interpretation.WITHIN_TARGET
        )
    if obs.below_limit:
        return Interpretation.UNDETECTABLE
    band = thresholds.target_band(obs.analyte)
    position = band.position(obs.value) if band else 0
    return {
        -1: Interpretation.BELOW_TARGET,
        0: Interpretation.WITHIN_TARGET,
        1: Interpretation.ABOVE_TARGET,
    }[position]


def sample_timings(
    results: list[Observation], periods: tuple[MedicationPeriod, ...], rules: SamplingRules
) -> list[Sampling | None]:
    """When each result was taken relative to the doses of its drug (cheap: arithmetic only)."""
    return [sample_timing(o, periods, rules) for o in results]


class LevelTableModel(RowTableModel[tuple[Observation, Annotation | None]]):
    """Drug-level and antibody results, newest first: assay, timing and current annotation."""

    HEADERS = ("Date", "Result", "Value", "Timing", "Interpretation", "Assay", "Pharmacist")
    TIMING, ASSAY = 3, 5

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timings: list[Sampling | None] = []

    def set_results(
        self,
        observations: list[Observation],
        annotations: tuple[Annotation, ...],
        timings: list[Sampling | None] | None = None,
    ) -> None:
        """Replace every row; *timings* (one per observation) says when each was taken."""
        current = {a.observation_id: a for a in current_annotations(annotations)}
        self._timings = list(timings) if timings is not None else [None] * len(observations)
        self.set_rows((o, current.get(o.id or -1)) for o in observations)

    def timing(self, index: int) -> Sampling | None:
        """When the result on row *index* was taken relative to the doses (None: not known)."""
        return self._timings[index]

    def row(self, index: int) -> tuple[Observation, Annotation | None]:
        return self.row_at(index)

    def row_of(self, observation_id: int) -> int | None:
        return self.row_where(lambda r: r[0].id == observation_id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        obs, note = self.row_at(index.row())
        column, timing = index.column(), self._timings[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(obs, note, timing, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            muted = (column == self.ASSAY and not obs.assay) or (
                column == self.TIMING and (timing is None or not timing.is_trough)
            )
            return MUTED if muted else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        values = (
            f"{obs.collected_at:%d %b %Y}",
            result_name(obs.analyte),
            display_unit(f"{obs.display_value} {obs.unit}"),
            timing.short if timing else SampleTiming.UNKNOWN.label,
            note.interpretation.label if note else "—",
            obs.assay or NO_ASSAY,
            note.pharmacist if note else "",
        )
        return values[column]

    def _tooltip(
        self, obs: Observation, note: Annotation | None, timing: Sampling | None, column: int
    ) -> str | None:
        if column == self.ASSAY:
            return tooltip(obs.assay or NO_ASSAY_TIP)
        if column == self.TIMING:
            return tooltip(timing.text) if timing else None
        if note is None:
            return None
        return tooltip(f"{note.comment}\n{note.recommendation}".strip()) or None


@dataclass(frozen=True, slots=True)
class AnnotationChoice:
    """What the pharmacist entered."""

    interpretation: Interpretation
    comment: str
    recommendation: str


class AnnotationDialog(QDialog):
    """Interpretation, comment and recommendation for one result."""

    def __init__(
        self,
        obs: Observation,
        suggested: Interpretation,
        previous: Annotation | None,
        parent: QWidget | None = None,
        *,
        drafts: DraftStore | None = None,
        draft_key: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Annotate drug level" if previous is None else "Revise annotation")
        self.interpretation = QComboBox()
        for item in Interpretation:
            self.interpretation.addItem(item.label, item.value)
        start = previous.interpretation if previous else suggested
        self.interpretation.setCurrentIndex(self.interpretation.findData(start.value))
        self.interpretation.setAccessibleName("Interpretation")
        self.comment = QPlainTextEdit(previous.comment if previous else "")
        self.comment.setAccessibleName("Comment")
        self.recommendation = QPlainTextEdit(previous.recommendation if previous else "")
        self.recommendation.setAccessibleName("Recommendation")
        for box in (self.comment, self.recommendation):
            box.setFixedHeight(70)
        tab_leaves(self.comment, self.recommendation)
        self.keeper = DraftKeeper(
            drafts, {"comment": self.comment, "recommendation": self.recommendation}, self
        )
        self.keeper.track(lambda: draft_key)
        self.restored = QLabel()
        self.restored.setStyleSheet("color:#5c4400")
        self._restore(drafts, draft_key)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(
            "Result",
            set_plain(
                QLabel(),
                display_unit(
                    f"{ANALYTES[obs.analyte].label} {obs.display_value} {obs.unit} on "
                    f"{obs.collected_at:%d %b %Y}"
                ),
            ),
        )
        form.addRow("Interpretation", self.interpretation)
        form.addRow("Comment", self.comment)
        form.addRow("Recommendation", self.recommendation)
        form.addRow(self.restored)
        form.addRow(buttons)
        self.restored.setVisible(bool(self.restored.text()))
        self.rejected.connect(self.keeper.discard)  # cancelling is a choice, not a crash

    def _restore(self, drafts: DraftStore | None, key: str | None) -> None:
        """Put back text typed here before the program stopped, and say so."""
        draft = drafts.load(key) if drafts is not None and key is not None else None
        if draft is not None:
            self.keeper.restore_into_fields(draft.fields)
            self.restored.setText(
                f"Restored text typed at {draft.saved_at:%d %b %H:%M} that was not saved."
            )

    def choice(self) -> AnnotationChoice:
        return AnnotationChoice(
            Interpretation(self.interpretation.currentData()),
            self.comment.toPlainText(),
            self.recommendation.toPlainText(),
        )

    @classmethod
    def ask(
        cls,
        obs: Observation,
        suggested: Interpretation,
        previous: Annotation | None,
        parent: QWidget | None = None,
        *,
        drafts: DraftStore | None = None,
        draft_key: str | None = None,
    ) -> AnnotationChoice | None:
        """Show the dialog; the choice, or None if cancelled (tests replace this)."""
        dialog = cls(obs, suggested, previous, parent, drafts=drafts, draft_key=draft_key)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


class DrugLevelPanel(QWidget):
    """The results table, the selected result's annotation history, and Annotate."""

    annotate_requested = Signal(int, object, str, str, object)  # obs id, interp, c, r, supersedes

    def __init__(
        self,
        thresholds: Thresholds,
        drafts: DraftStore | None = None,
        parent: QWidget | None = None,
        *,
        assays: tuple[AntibodyAssay, ...] = (),
    ) -> None:
        super().__init__(parent)
        self._thresholds = thresholds
        self._assays = assays  # antibody positivity cut-offs (antibody_assays.toml)
        self._sampling = SamplingRules.from_thresholds(thresholds)
        self._drafts = drafts
        self._draft_key: Callable[[int], str | None] = lambda _obs: None
        self._pending_key: str | None = None
        self._annotations: tuple[Annotation, ...] = ()
        self.model = LevelTableModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Drug levels and antibodies")
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self._fit_columns()
        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.PlainText)
        self.history.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.annotate_button = QPushButton("Annotate…")
        self.annotate_button.setAccessibleName("Annotate the result")
        buttons = QHBoxLayout()
        buttons.addWidget(self.annotate_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            QLabel("<b>Drug levels and antibodies</b> (click a level on the plot to select it)")
        )
        layout.addWidget(self.table, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.history, 1)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.table.doubleClicked.connect(lambda _i: self._on_annotate())
        self.annotate_button.clicked.connect(self._on_annotate)
        self.set_editable(False, "")

    def _fit_columns(self) -> None:
        """Every column in the tab's width, none cut off unseen.

        Date and value keep their width; the result's name takes what is left; timing,
        interpretation, assay and pharmacist have fixed widths and are elided ("…"), whole in
        their tooltips and in the lines under the table.
        """
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(self.fontMetrics().horizontalAdvance("M" * 3))
        fitted = {
            0: QHeaderView.ResizeMode.ResizeToContents,
            2: QHeaderView.ResizeMode.ResizeToContents,
        }
        for column in range(len(LevelTableModel.HEADERS)):
            mode = fitted.get(column, QHeaderView.ResizeMode.Interactive)
            header.setSectionResizeMode(column, mode)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        em = self.fontMetrics().horizontalAdvance("M")
        for column, ems in ((3, 8), (4, 9), (LevelTableModel.ASSAY, ASSAY_EMS - 3), (6, 8)):
            header.resizeSection(column, ems * em)

    def focus_order(self) -> list[QWidget]:
        """The results, then Annotate…."""
        return [self.table, self.annotate_button]

    def clear(self) -> None:
        """No case: no results, nothing to annotate."""
        self._annotations = ()
        self.model.set_results([], ())
        self.history.setText("")
        self.set_editable(False, "No case selected.")

    def show_case(self, detail: CaseDetail) -> None:
        """List the case's results; stay on the selected one if it is still listed."""
        selected = self._selected_id()
        results = [o for o in reversed(detail.record.observations) if o.analyte in SHOWN]
        self._annotations = detail.annotations
        timings = sample_timings(results, detail.record.medications, self._sampling)
        self.model.set_results(results, detail.annotations, timings)
        self.history.setText("")
        if results and (selected is None or not self.select_observation(selected)):
            self.table.selectRow(0)

    def _selected_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.row(index.row())[0].id if index.isValid() else None

    def track(self, draft_key: Callable[[int], str | None]) -> None:
        """Keep unsaved annotation text under the key this returns for a result's id."""
        self._draft_key = draft_key

    def discard_draft(self) -> None:
        """The annotation was saved: forget the text kept while it was typed."""
        if self._drafts is not None and self._pending_key is not None:
            self._drafts.discard(self._pending_key)
        self._pending_key = None

    def set_editable(self, editable: bool, why: str) -> None:
        self.annotate_button.setEnabled(editable)
        self.annotate_button.setToolTip("" if editable else why)

    def select_observation(self, observation_id: int) -> bool:
        """Select a result (e.g. clicked on the plot); True when it is listed."""
        row = self.model.row_of(observation_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        obs, _current = self.model.row(current.row())
        timing = self.model.timing(current.row())
        lines = [
            f"{result_name(obs.analyte)} {display_unit(obs.display_value + ' ' + obs.unit)}, "
            f"sampled {obs.collected_at:%d %b %Y %H:%M}",
            f"Assay: {isolate(obs.assay) if obs.assay else 'not reported by the laboratory'}",
            timing.text if timing else "Sample timing unknown.",
        ]
        if obs.analyte is Analyte.ANTI_DRUG_ANTIBODIES:
            reading = interpret(obs, self._assays)
            lines.append(display_unit(f"{reading.state.label}: {reading.reason}"))
        versions = [a for a in self._annotations if a.observation_id == obs.id]
        if not versions:
            self.history.setText("\n".join([*lines, "Not annotated."]))
            return
        current_ids = {a.id for a in current_annotations(self._annotations)}
        for version in versions:
            state = "" if version.id in current_ids else " (superseded)"
            lines.append(
                f"{version.created_at:%d %b %Y %H:%M} {isolate(version.pharmacist)}{state}: "
                f"{version.interpretation.label}. {isolate(version.comment)} "
                f"{isolate(version.recommendation)}".strip()
            )
        self.history.setText(breakable("\n".join(lines)))

    def _on_annotate(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.annotate_button.isEnabled():
            return
        obs, previous = self.model.row(index.row())
        if obs.id is None:
            return
        key = self._draft_key(obs.id)
        choice = AnnotationDialog.ask(
            obs,
            suggested_interpretation(obs, self._thresholds, self._assays),
            previous,
            self,
            drafts=self._drafts,
            draft_key=key,
        )
        self._pending_key = key
        if choice is not None:
            self.annotate_requested.emit(
                obs.id,
                choice.interpretation,
                choice.comment,
                choice.recommendation,
                previous.id if previous else None,
            )
