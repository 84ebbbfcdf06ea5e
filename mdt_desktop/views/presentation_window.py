"""Presentation mode: one case per screen in large type, for the shared screen in the room."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from time import monotonic
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.catalogue import display_unit
from mdt_desktop.domain.describe import RESULT_TEXT
from mdt_desktop.domain.identifiers import Identifiers
from mdt_desktop.domain.rereview import Rereview
from mdt_desktop.plots.case_plots import CasePlotData
from mdt_desktop.plots.style import PlotStyle
from mdt_desktop.presenters.meeting import MeetingPresenter
from mdt_desktop.views.display import OVERALL_COLOUR, RESULT_COLOUR, css
from mdt_desktop.views.new_data_banner import NewDataBanner
from mdt_desktop.views.patient_header import isolated_header_lines
from mdt_desktop.views.plain_text import ElidedLabel, breakable, markup
from mdt_desktop.views.prepared_canvas import CasePrefetch, PreparedCaseCanvas
from mdt_desktop.views.rereview_tag import TAG_COLOUR, TAG_SYMBOL, TAG_TINT
from mdt_desktop.workers import Runner

REFERENCE_HEIGHT = 1080  # type sizes are designed for 1920x1080 and scale with the height
HINTS = "{left} {right} or PgUp PgDn: previous / next case   ·   T: timer   ·   Esc: leave"
ROOM_SCREEN_HINT = "   ·   Room screen: initials and hospital numbers only"
SIDE_SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6)  # the side column's type, tried in turn


def _height_for(widget: QWidget, width: int) -> int:
    """The height *widget* needs at *width* (word-wrapped labels grow downwards)."""
    if widget.hasHeightForWidth():
        return int(widget.heightForWidth(width))
    return int(widget.sizeHint().height())


def symbol(glyph: str, font: QFont, instead: str = "") -> str:
    """*glyph* when *font* has it, else *instead* (never a box for a missing glyph)."""
    metrics = QFontMetrics(font)
    return glyph if all(metrics.inFontUcs4(ord(c)) for c in glyph) else instead


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
        runner: Runner | None = None,
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
        self._create_widgets(runner)
        self._arrange_widgets()
        # the next and previous cases are drawn in the background while this one is discussed
        self.prefetch = CasePrefetch(presenter, self.plots, plot_data)
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

    def _create_widgets(self, runner: Runner | None) -> None:
        self._create_header()
        self.new_data = NewDataBanner(points=15 * self._scale)
        self.plots = PreparedCaseCanvas(PlotStyle(scale=1.55 * self._scale), runner=runner)
        self._create_side_labels()
        self.timer = QLabel()
        self.timer.setFont(self._font(20, True))
        self.timer.setTextFormat(Qt.TextFormat.PlainText)
        self.hints = QLabel()
        self.hints.setFont(self._font(12))
        self.hints.setTextFormat(Qt.TextFormat.PlainText)
        self.hints.setStyleSheet("color:#555;")
        self._show_hints()

    def _create_header(self) -> None:
        """Counter, re-review tag, patient and the diagnosis and treatment lines.

        Names and feed text as typed, never markup; one line each, elided if need be, so the
        plots keep one size from case to case (and their next case can be drawn in advance).
        """
        self.counter = QLabel()
        self.counter.setFont(self._font(20, True))
        self.rereview_tag = QLabel()  # "⚠ Re-review: relapsing" beside the counter
        self.rereview_tag.setObjectName("rereviewTag")
        self.rereview_tag.setFont(self._font(18, True))
        self.rereview_tag.setTextFormat(Qt.TextFormat.PlainText)
        self.rereview_tag.setVisible(False)
        self.title = ElidedLabel()
        self.title.setFont(self._font(24, True))
        self.diagnosis = ElidedLabel()
        self.treatment = ElidedLabel()
        for line in (self.diagnosis, self.treatment):
            line.setFont(self._font(17))

    def _create_side_labels(self) -> None:
        """The right-hand column's labels, with their designed type sizes (``_fit_side``)."""
        self.rereview = QLabel()  # why the case is back: the reason and its evidence
        self.rereview.setObjectName("rereviewReason")
        self.rereview.setVisible(False)
        self.checklist = QLabel()
        self.checklist.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.risks = QLabel()
        self.overall = QLabel()
        self._side_index = 0  # the SIDE_SCALES entry the column was last fitted with
        # points at 1080 lines and weight of each, before the column is fitted
        self._side_points: dict[QLabel, tuple[float, bool]] = {
            self.rereview: (15.0, False),
            self.checklist: (17.0, False),
            self.risks: (13.0, False),
            self.overall: (21.0, True),
        }
        for label in self._side_points:
            label.setTextFormat(Qt.TextFormat.RichText)  # own markup; user text escaped in it
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def _arrange_widgets(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.counter)
        top.addSpacing(int(16 * self._scale))
        top.addWidget(self.rereview_tag)
        top.addSpacing(int(16 * self._scale))
        top.addWidget(self.title, 1)
        top.addWidget(self.timer)
        middle = QHBoxLayout()
        middle.addWidget(self.plots, 68)
        middle.addWidget(self._side_panel(), 32)
        layout = QVBoxLayout(self)
        margin = int(24 * self._scale)
        layout.setContentsMargins(margin, margin // 2, margin, margin // 2)
        layout.addLayout(top)
        layout.addWidget(self.diagnosis)
        layout.addWidget(self.treatment)
        layout.addLayout(middle, 1)
        layout.addWidget(self.hints)

    def _side_panel(self) -> QWidget:
        """Re-review reason, new data, checklist, risk factors and the overall line, at the right.

        Whatever the case says here, the column keeps its share of the width and never sets the
        window's height: the plots beside it stay one size.
        """
        panel = self.side = QWidget()
        panel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        side = self._side_layout = QVBoxLayout(panel)
        side.setSizeConstraint(QVBoxLayout.SizeConstraint.SetNoConstraint)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.rereview)
        side.addWidget(self.new_data)
        side.addWidget(self.checklist, 1)
        side.addWidget(self.risks)
        side.addWidget(self.overall)
        self._fit_side()
        return panel

    def _fit_side(self) -> None:
        """Set the side column's type as large as lets everything in it show, never clipped.

        The largest of ``SIDE_SCALES`` that fits (a long re-review, many risk factors, a short
        screen), searched from the last case's, which usually fits the next one too; the plots
        beside keep their size either way.
        """
        index = self._side_index
        if self._side_fits(SIDE_SCALES[index]):
            while index > 0 and self._side_fits(SIDE_SCALES[index - 1]):
                index -= 1
        else:
            while index < len(SIDE_SCALES) - 1 and not self._side_fits(SIDE_SCALES[index + 1]):
                index += 1
            index = min(index + 1, len(SIDE_SCALES) - 1)
        self._side_index = index
        self._set_side_type(SIDE_SCALES[index])

    def _side_fits(self, factor: float) -> bool:
        """Set the side labels' type to *factor* of its design; True when the column holds it."""
        self._set_side_type(factor)
        visible = [w for w in self._side_widgets() if not w.isHidden()]
        width = self.side.width()
        needed = sum(_height_for(w, width) for w in visible)
        needed += self._side_layout.spacing() * max(len(visible) - 1, 0)
        return needed <= self.side.height()

    def _set_side_type(self, factor: float) -> None:
        for label, (points, bold) in self._side_points.items():
            font = self._font(points * factor, bold)
            if label.font() != font:
                label.setFont(font)

    def _side_widgets(self) -> list[QWidget]:
        layout = self._side_layout
        items = (layout.itemAt(i) for i in range(layout.count()))
        return [w for item in items if item is not None and (w := item.widget()) is not None]

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_side()

    def _on_case(self, index: int, detail: Any) -> None:
        board = self._presenter.board
        total = len(board.cases) if board else 0
        self.counter.setText(f"Case {index + 1} of {total}")
        first, second, third = isolated_header_lines(detail, self._identifiers)
        self.title.setText(first)
        self.diagnosis.setText(second)
        self.treatment.setText(third)
        self._show_rereview(detail.rereview)
        self.new_data.show_case(detail)
        self.checklist.setText(self._checklist_html(detail))
        self.risks.setText(self._risks_html(detail, self._caveat))
        colour = css(OVERALL_COLOUR[detail.overall])
        label = detail.overall.label_for(detail.rereview is not None)
        self.overall.setText(f"<span style='color:{colour}'>{escape(label)}</span>")
        self._started = monotonic()
        self._update_timer()
        self._fit_side()
        self.plots.show_case(self._plot_data(detail))

    def _show_rereview(self, rereview: Rereview | None) -> None:
        """Name a re-review as one: its tag beside the counter, its reason and evidence aside."""
        self.rereview_tag.setVisible(rereview is not None)
        self.rereview.setVisible(rereview is not None)
        if rereview is None:
            self.rereview_tag.setText("")
            self.rereview.setText("")
            return
        tag = rereview.tag
        mark = symbol(TAG_SYMBOL[tag], self.rereview_tag.font())
        self.rereview_tag.setText(f"{mark} Re-review: {tag.label.lower()}".strip())
        colour, tint = css(TAG_COLOUR[tag]), css(TAG_TINT[tag])
        style = f"color:{colour}; background:{tint}; padding:2px 10px; border-radius:4px;"
        self.rereview_tag.setStyleSheet(style)
        self.rereview.setStyleSheet(f"background:{tint}; padding:6px 10px;")
        self.rereview.setText(self._rereview_html(rereview, colour))

    @staticmethod
    def _rereview_html(rereview: Rereview, colour: str) -> str:
        """The reason in bold in the tag's colour, then each line of evidence."""
        lines = "".join(f"<li>{markup(line)}</li>" for line in rereview.lines() if line.strip())
        return (
            f"<b style='color:{colour}'>{markup(rereview.reason)}</b>"
            f"<ul style='margin-left:0; -qt-list-indent:1; font-size:small'>{lines}</ul>"
        )

    def _checklist_html(self, detail: CaseDetail) -> str:
        rows = []
        font = self.checklist.font()
        for answer in detail.case.checklist:
            colour = css(RESULT_COLOUR[answer.effective])
            mark, word = RESULT_TEXT[answer.effective].split(" ", 1)
            shown = symbol(mark, font, word)
            fact = ""
            if answer.evidence:
                first = answer.evidence[0]
                when = f", {first.on:%d %b %Y}" if first.on else ""
                value = display_unit(f"{first.value} {first.unit}".strip())
                fact = (
                    "<br><span style='color:#555; font-size:small'>"
                    f"{markup(value)}{escape(when)}</span>"
                )
            rows.append(
                f"<tr><td style='color:{colour}; padding-right:10px'><b>{escape(shown)}</b></td>"
                f"<td>{escape(breakable(answer.label))}{fact}</td></tr>"
            )
        return f"<table cellspacing='3'>{''.join(rows)}</table>"

    @staticmethod
    def _risks_html(detail: CaseDetail, caveat: str) -> str:
        if not detail.risks:
            return ""
        items = "; ".join(
            escape(breakable(r.label)) + (" <i>(sources disagree)</i>" if r.conflict else "")
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
            self.title.setText(isolated_header_lines(current, identifiers)[0])

    def _show_hints(self) -> None:
        room = self._identifiers is Identifiers.INITIALS
        font = self.hints.font()
        arrows = {"left": symbol("←", font, "Left"), "right": symbol("→", font, "Right")}
        self.hints.setText(HINTS.format(**arrows) + (ROOM_SCREEN_HINT if room else ""))

    def _update_timer(self) -> None:
        """``Timer 03:12`` in words and digits: no symbol a projector's font may lack."""
        if not self._timer_on:
            self.timer.setText("")
            return
        seconds = int(monotonic() - self._started)
        self.timer.setText(f"Timer {seconds // 60:02d}:{seconds % 60:02d}")

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
        self.prefetch.detach()
        self.plots.forget_prepared()
        self.closed.emit()
        super().closeEvent(event)
