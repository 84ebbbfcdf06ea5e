"""Presentation mode: one case per screen in large type, for the shared screen in the room."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from time import monotonic
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.describe import RESULT_TEXT
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.plots.case_plots import CasePlotData
from mdt_desktop.plots.style import PlotStyle
from mdt_desktop.presenters.meeting import MeetingPresenter
from mdt_desktop.services.meetings import CaseDetail
from mdt_desktop.views.display import OVERALL_COLOUR, RESULT_COLOUR, css
from mdt_desktop.views.new_data_banner import NewDataBanner
from mdt_desktop.views.patient_header import header_lines
from mdt_desktop.views.plot_canvas import CasePlotCanvas

REFERENCE_HEIGHT = 1080  # type sizes are designed for 1920x1080 and scale with the height
HINTS = "← → or PgUp PgDn: previous / next case   ·   T: timer   ·   Esc: leave"
ROOM_SCREEN_HINT = "   ·   Room screen: initials and hospital numbers only"


class PresentationWindow(QWidget):
    """Full screen: counter, patient, big plots, checklist summary, overall line, timer."""

    closed = Signal()

    def __init__(
        self,
        presenter: MeetingPresenter,
        plot_data: Callable[[CaseDetail], CasePlotData],
        *,
        height: int,
        timer: bool = False,
        caveat: str = "",
        identifiers: Identifiers = Identifiers.FULL,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._caveat = caveat
        self._identifiers = identifiers
        self.setWindowTitle("MDT Desktop — presentation")
        self._presenter = presenter
        self._plot_data = plot_data
        self._scale = max(0.7, min(1.4, height / REFERENCE_HEIGHT))
        self._started = monotonic()
        self._timer_on = timer
        self._create_widgets()
        self._arrange_widgets()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_timer)
        self._tick.start()
        presenter.case_changed.connect(self._on_case)
        self.setStyleSheet("background:white; color:#111;")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if presenter.current is not None:
            self._on_case(presenter.index, presenter.current)

    def _font(self, points: float, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(points * self._scale)
        font.setBold(bold)
        return font

    def _create_widgets(self) -> None:
        self.counter = QLabel()
        self.counter.setFont(self._font(20, True))
        self.title = QLabel()
        self.title.setFont(self._font(26, True))
        self.subtitle = QLabel()
        self.subtitle.setFont(self._font(17))
        self.subtitle.setWordWrap(True)
        self.new_data = NewDataBanner(points=17 * self._scale)
        style = PlotStyle(scale=1.55 * self._scale)
        self.plots = CasePlotCanvas(style)
        self.checklist = QLabel()
        self.checklist.setFont(self._font(17))
        self.checklist.setTextFormat(Qt.TextFormat.RichText)
        self.checklist.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.checklist.setWordWrap(True)
        self.risks = QLabel()
        self.risks.setFont(self._font(13))
        self.risks.setWordWrap(True)
        self.risks.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.overall = QLabel()
        self.overall.setFont(self._font(21, True))
        self.timer = QLabel()
        self.timer.setFont(self._font(20, True))
        self.hints = QLabel()
        self.hints.setFont(self._font(12))
        self.hints.setStyleSheet("color:#555;")
        self._show_hints()

    def _arrange_widgets(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.counter)
        top.addSpacing(int(30 * self._scale))
        top.addWidget(self.title, 1)
        top.addWidget(self.timer)
        side = QVBoxLayout()
        side.addWidget(self.checklist, 1)
        side.addWidget(self.risks)
        side.addWidget(self.overall)
        middle = QHBoxLayout()
        middle.addWidget(self.plots, 68)
        middle.addLayout(side, 32)
        self.checklist.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        margin = int(24 * self._scale)
        layout.setContentsMargins(margin, margin // 2, margin, margin // 2)
        layout.addLayout(top)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.new_data)
        layout.addLayout(middle, 1)
        layout.addWidget(self.hints)

    def _on_case(self, index: int, detail: Any) -> None:
        board = self._presenter.board
        total = len(board.cases) if board else 0
        self.counter.setText(f"Case {index + 1} of {total}")
        first, second, third = header_lines(detail, self._identifiers)
        self.title.setText(first)
        self.subtitle.setText(f"{second}\n{third}")
        self.new_data.show_case(detail)
        self.checklist.setText(self._checklist_html(detail))
        self.risks.setText(self._risks_html(detail, self._caveat))
        colour = css(OVERALL_COLOUR[detail.overall])
        self.overall.setText(f"<span style='color:{colour}'>{escape(detail.overall.label)}</span>")
        self._started = monotonic()
        self._update_timer()
        self.plots.show_case(self._plot_data(detail))

    @staticmethod
    def _checklist_html(detail: CaseDetail) -> str:
        rows = []
        for answer in detail.case.checklist:
            colour = css(RESULT_COLOUR[answer.effective])
            symbol = RESULT_TEXT[answer.effective].split(" ")[0]
            fact = ""
            if answer.evidence:
                first = answer.evidence[0]
                when = f", {first.on:%d %b %Y}" if first.on else ""
                value = display_unit(f"{first.value} {first.unit}".strip() + when)
                fact = f"<br><span style='color:#555; font-size:small'>{escape(value)}</span>"
            rows.append(
                f"<tr><td style='color:{colour}; padding-right:10px'><b>{symbol}</b></td>"
                f"<td>{escape(answer.label)}{fact}</td></tr>"
            )
        return f"<table cellspacing='3'>{''.join(rows)}</table>"

    @staticmethod
    def _risks_html(detail: CaseDetail, caveat: str) -> str:
        if not detail.risks:
            return ""
        items = "; ".join(
            escape(r.label) + (" <i>(sources disagree)</i>" if r.conflict else "")
            for r in detail.risks
        )
        return (
            f"<b>Risk factors</b> (context, not a score): {items}"
            f"<br><span style='color:#555; font-size:small'>{escape(caveat)}</span>"
        )

    def set_identifiers(self, identifiers: Identifiers) -> None:
        """Name the patient in full or by initials (the room screen), from the current case on."""
        self._identifiers = identifiers
        self._show_hints()
        current = self._presenter.current
        if current is not None:
            self.title.setText(header_lines(current, identifiers)[0])

    def _show_hints(self) -> None:
        room = self._identifiers is Identifiers.INITIALS
        self.hints.setText(HINTS + (ROOM_SCREEN_HINT if room else ""))

    def _update_timer(self) -> None:
        if not self._timer_on:
            self.timer.setText("")
            return
        seconds = int(monotonic() - self._started)
        self.timer.setText(f"⏱ {seconds // 60}:{seconds % 60:02d}")

    def toggle_timer(self) -> None:
        self._timer_on = not self._timer_on
        self._started = monotonic()
        self._update_timer()

    def keyPressEvent(self, event: Any) -> None:
        key = event.key()
        moves = {
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_PageDown: 1,
            Qt.Key.Key_Space: 1,
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_PageUp: -1,
            Qt.Key.Key_Backspace: -1,
        }
        if key in moves:
            self._presenter.step(moves[key])
        elif key == Qt.Key.Key_Home:
            self._presenter.select_case(0)
        elif key == Qt.Key.Key_End and self._presenter.board:
            self._presenter.select_case(len(self._presenter.board.cases) - 1)
        elif key == Qt.Key.Key_T:
            self.toggle_timer()
        elif key == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: Any) -> None:
        self._tick.stop()
        self._presenter.case_changed.disconnect(self._on_case)
        self.closed.emit()
        super().closeEvent(event)
