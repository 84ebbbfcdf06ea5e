"""The outcome audit on screen: the survival curve beside the figures a published cohort reports.

The audit is computed off the GUI thread (OutcomeService reads the whole database); the curve is
drawn with the same plotting code as the PDF report (plots/outcomes.py), which *Export PDF…*
writes in the background too. The *Censored* tab says why follow-up ended for the episodes that
did not fail (docs/clinical.md, "Outcome audit"); its tooltips name the hospital numbers to
chase (a stop without a reason, a patient lost to follow-up).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from matplotlib.backend_bases import Event
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QDate, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.outcome_audit import (
    AuditFigures,
    CensoringRow,
    OutcomeAudit,
    censoring_rows,
)
from mdt_desktop.domain.outcomes import CensorReason, Episode
from mdt_desktop.domain.wording import count
from mdt_desktop.plots.outcomes import (
    SurvivalAxes,
    draw_failure_reasons,
    draw_survival,
    layout_survival_axes,
    make_survival_axes,
)
from mdt_desktop.plots.style import SCREEN
from mdt_desktop.presenters.acting import choose_who_you_are
from mdt_desktop.reports.minutes import BuildOptions, Cancelled
from mdt_desktop.services.outcomes import OutcomeService
from mdt_desktop.views.audit.outcome_tables import (
    BaselineModel,
    PublishedModel,
    SplitModel,
    headline_html,
    split_rows,
    table_view,
)
from mdt_desktop.views.common.display import BAD, GOOD, MUTED, css
from mdt_desktop.views.common.row_model import Index, RowTableModel
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.workers import CancelCheck, ProgressCallback, ProgressTask, ProgressWork

SPLITS = ("All de-escalations", "By drug", "By diagnosis")
RESIZE_REDRAW_MS = 120
TO_CHASE = (CensorReason.STOP_REASON_NOT_RECORDED, CensorReason.LOST_TO_FOLLOW_UP)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class CensoringModel(RowTableModel[tuple[CensoringRow, str]]):
    """Why follow-up ended without failure: one row per reason, with the numbers to chase."""

    HEADERS: ClassVar[tuple[str, ...]] = ("Censored because", "Episodes", "What it means")

    def set_audit(self, audit: OutcomeAudit) -> None:
        """Show the censoring of *audit*'s episodes (the whole audit, not a split)."""
        self.set_rows(
            (row, _numbers(audit.episodes, row.reason)) for row in censoring_rows(audit.overall)
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, numbers = self.row_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.reason.label, str(row.count), row.detail)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.detail}\n{numbers}" if numbers else row.detail
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return RIGHT
        return None


def _numbers(episodes: tuple[Episode, ...], reason: CensorReason) -> str:
    """The hospital numbers to chase for *reason* ('' for the others)."""
    if reason not in TO_CHASE:
        return ""
    numbers = sorted({e.hospital_number for e in episodes if e.censor_reason is reason})
    return f"To chase: {', '.join(numbers)}" if numbers else ""


class OutcomeAuditWindow(QDialog):
    """Kaplan–Meier of remaining de-escalated, headline figures, splits, baseline, published.

    Args:
        outcomes: the outcome service.
        config: thresholds, sources and the published results to mark.
        parent: the owning window.
        as_of: the audit date (default today).
        pool: where the audit and the PDF are computed (else Qt's global pool).
        settings: where the cost per administration is remembered.
        actor: who is acting now (the export is audited as theirs; none chosen: refused).
    """

    loaded = Signal(object)  # OutcomeAudit
    exported = Signal(object)  # Path of the PDF written

    def __init__(
        self,
        outcomes: OutcomeService,
        config: ClinicalConfig,
        parent: QWidget | None = None,
        *,
        as_of: date | None = None,
        pool: QThreadPool | None = None,
        settings: ViewSettings | None = None,
        actor: Callable[[], Actor | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self._outcomes = outcomes
        self._actor = actor
        self._config = config
        self._settings = settings
        self._folder = Path.home()
        self.audit: OutcomeAudit | None = None
        self.task = ProgressTask(pool, self)
        self._pdf: Path | None = None  # the export running, if any
        self.setWindowTitle("De-escalation outcome audit")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self._create_widgets(as_of or date.today())
        self._arrange_widgets()
        self._connect_signals()

    # --- construction ----------------------------------------------------------------------------

    def _create_widgets(self, as_of: date) -> None:
        self.as_of = QDateEdit(QDate(as_of.year, as_of.month, as_of.day))
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("d MMM yyyy")
        self.as_of.setAccessibleName("Followed up to")
        self.split = QComboBox()
        self.split.addItems(SPLITS)
        self.split.setAccessibleName("Curves")
        self.cost = QDoubleSpinBox()
        self.cost.setRange(0.0, 1_000_000.0)
        self.cost.setDecimals(2)
        self.cost.setSpecialValueText("not set")
        self.cost.setAccessibleName("Cost per administration")
        self.cost.setToolTip("Prices the infusions and injections avoided (0: not set)")
        saved = self._settings.cost_per_administration() if self._settings else None
        self.cost.setValue(saved or 0.0)
        self.refresh_button = QPushButton("&Refresh")
        self.export_button = QPushButton("&Export PDF…")
        self.status = QLabel()
        self.status.setObjectName("auditStatus")
        self.figure = Figure(dpi=100, facecolor="white")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(480, 360)
        self.axes: SurvivalAxes = make_survival_axes(self.figure, SCREEN)
        self.reasons_figure = Figure(dpi=100, facecolor="white")
        self.reasons_canvas = FigureCanvasQTAgg(self.reasons_figure)
        self.reasons_canvas.setFixedHeight(190)
        self.reasons_axes = self.reasons_figure.add_axes((0.3, 0.16, 0.62, 0.68))
        self.headline = QLabel()
        self.headline.setObjectName("auditHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.headline.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.split_model = SplitModel(self)
        self.baseline_model = BaselineModel(self)
        self.published_model = PublishedModel(self)
        self.censoring_model = CensoringModel(self)
        self.tables = (
            table_view(self.published_model, "Published results"),
            table_view(self.split_model, "Splits"),
            table_view(self.baseline_model, "Baseline"),
            table_view(self.censoring_model, "Censored", wrap=2),
        )
        self.tabs = QTabWidget()
        titles = ("Published", "By drug and diagnosis", "Baseline", "Censored")
        for view, title in zip(self.tables, titles, strict=True):
            self.tabs.addTab(view, title)
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(RESIZE_REDRAW_MS)

    def _arrange_widgets(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Followed up to"))
        bar.addWidget(self.as_of)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Curves"))
        bar.addWidget(self.split)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Cost per administration"))
        bar.addWidget(self.cost)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        left = QWidget()
        plots = QVBoxLayout(left)
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.canvas, 1)
        plots.addWidget(self.reasons_canvas)
        right = QWidget()
        figures = QVBoxLayout(right)
        figures.setContentsMargins(0, 0, 0, 0)
        figures.addWidget(self.headline)
        figures.addWidget(self.tabs, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)  # the tables need about as much room as the plots
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([680, 640])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self.resize(1280, 800)

    def _connect_signals(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self._on_export)
        self.split.currentIndexChanged.connect(lambda _i: self._draw())
        self.task.progress.connect(lambda _d, _t, what: self._show_status(what, MUTED))
        self.task.succeeded.connect(self._on_done)
        self.task.failed.connect(self._on_failed)
        self.canvas.mpl_connect("resize_event", self._on_resize)
        self._redraw_timer.timeout.connect(self._draw)

    # --- public -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.task.running

    def day(self) -> date:
        """The date the audit follows patients up to."""
        chosen = self.as_of.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def refresh(self) -> None:
        """Compute the audit again (off the GUI thread)."""
        if self.running:
            return
        outcomes, day = self._outcomes, self.day()
        cost = self.cost.value() or None
        if self._settings is not None:
            self._settings.set_cost_per_administration(cost)

        def work(progress: ProgressCallback, _cancelled: CancelCheck) -> OutcomeAudit:
            progress(0, 1, "Reading every de-escalation…")
            return outcomes.audit(day, cost)

        self._pdf = None
        self._start(work)

    def export_pdf(self, target: Path) -> None:
        """Write the audit report to *target* (off the GUI thread), as the acting user."""
        audit, actor = self.audit, self._actor()
        if self.running or audit is None:
            return
        if actor is None:
            self._show_status(choose_who_you_are("to export the audit"), BAD)
            return
        outcomes = self._outcomes

        def work(progress: ProgressCallback, cancelled: CancelCheck) -> Path:
            options = BuildOptions(progress=progress, cancelled=cancelled)
            outcomes.export_report(audit, target, actor, options=options)
            return target

        self._pdf = target
        self._start(work)

    def curves(self) -> list[tuple[str, AuditFigures]]:
        """The curves the chosen split shows: the overall one first."""
        audit = self.audit
        if audit is None:
            return []
        overall = [("All de-escalations", audit.overall)]
        if self.split.currentIndex() == 1:
            return overall + list(audit.by_drug.items())
        if self.split.currentIndex() == 2:
            return overall + list(audit.by_diagnosis.items())
        return overall

    @staticmethod
    def choose_target(parent: QWidget, suggested: Path) -> Path | None:
        """Ask where to write the PDF (tests replace this)."""
        chosen, _filter = QFileDialog.getSaveFileName(
            parent, "Export the outcome audit", str(suggested), "PDF files (*.pdf)"
        )
        return Path(chosen) if chosen else None

    def reject(self) -> None:
        if self.running:
            self.task.cancel()
            return
        super().reject()

    # --- slots ------------------------------------------------------------------------------------

    def _start(self, work: ProgressWork) -> None:
        self._show_status("Working…", MUTED)
        self.task.start(work)
        self._update_controls()

    def _on_done(self, result: object) -> None:
        if isinstance(result, OutcomeAudit):
            self._show(result)
        elif isinstance(result, Path):
            self._show_status(f"Wrote {result.name} in {result.parent}.", GOOD)
            self.exported.emit(result)
        self._update_controls()

    def _on_failed(self, error: Exception) -> None:
        if isinstance(error, Cancelled):
            self._show_status("Cancelled; nothing was written.", MUTED)
        else:
            self._show_status(user_message(error), BAD)
        self._update_controls()

    def _on_export(self) -> None:
        audit = self.audit
        if audit is None:
            return
        if self._actor() is None:
            self._show_status(choose_who_you_are("to export the audit"), BAD)
            return
        suggested = self._folder / f"MDT-outcome-audit-{audit.as_of:%Y-%m-%d}.pdf"
        target = type(self).choose_target(self, suggested)
        if target is not None:
            self._folder = target.parent
            self.export_pdf(target)

    def _on_resize(self, _event: Event) -> None:
        layout_survival_axes(self.axes, SCREEN)
        if self.audit is not None:
            self._redraw_timer.start()  # the marks' labels are placed for the current size

    # --- helpers ----------------------------------------------------------------------------------

    def _show(self, audit: OutcomeAudit) -> None:
        self.audit = audit
        self.headline.setText(headline_html(audit))
        self.split_model.set_rows(split_rows(audit))
        self.baseline_model.set_rows(audit.baseline)
        self.published_model.set_rows(self._config.published)
        self.censoring_model.set_audit(audit)
        self._draw()
        episodes = count(audit.overall.de_escalations, "de-escalation")
        patients = count(audit.overall.patients, "patient")
        lost = audit.overall.lost_to_follow_up
        self._show_status(
            f"{episodes} of {patients}, followed up to {audit.as_of:%d %b %Y}; "
            f"{lost} lost to follow-up (see Censored).",
            MUTED,
        )
        self.loaded.emit(audit)

    def _draw(self) -> None:
        audit = self.audit
        if audit is None:
            return
        window = audit.rules.failure_months
        draw_survival(self.axes, self.curves(), self._config.published, SCREEN, guide_months=window)
        draw_failure_reasons(self.reasons_axes, audit.overall, SCREEN, window_months=window)
        self.canvas.draw_idle()
        self.reasons_canvas.draw_idle()

    def _show_status(self, text: str, colour: QColor) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color:{css(colour)}")

    def _update_controls(self) -> None:
        busy = self.running
        self.refresh_button.setEnabled(not busy)
        self.as_of.setEnabled(not busy)
        self.cost.setEnabled(not busy)
        self.export_button.setEnabled(not busy and self.audit is not None)
