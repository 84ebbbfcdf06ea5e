"""The case plots on screen, with the next and previous cases drawn before they are asked for.

``PreparedCaseCanvas`` shows a ``RenderedCase`` (mdt_desktop/plots/rendering.py) as an image,
with hover details and clicks on drug levels. ``show_case`` swaps in a render prepared in the
background when it shows exactly the same plot data in the same style at the widget's size, and
draws on the GUI thread otherwise. ``prepare`` draws cases on a thread of its own, one at a
time; ``forget_prepared`` drops every prepared render, and results still being drawn are
discarded when they arrive, so a picture from before a write or a reload is never swapped in.

``CasePrefetch`` ties a canvas to the meeting presenter: once a case is painted it prepares
the cases either side; on the presenter's ``invalidated`` (any write or reload) it forgets.
See docs/architecture.md, "Performance budgets".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import shiboken6
from matplotlib.figure import Figure
from PySide6.QtCore import QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.plots.case_data import CasePlotData, HoverPoint
from mdt_desktop.plots.case_plots import CaseAxes
from mdt_desktop.plots.rendering import FigurePool, PixelSize, RenderedCase
from mdt_desktop.plots.style import PlotStyle
from mdt_desktop.presenters.meeting import MeetingPresenter
from mdt_desktop.views.plain_text import tooltip
from mdt_desktop.workers import Runner, serial_runner

HOVER_RADIUS_PX = 12
RESIZE_REDRAW_MS = 120  # redraw once a resize has settled, not on every intermediate size
PREPARE_DELAY_MS = 200  # after a case is painted: clicking or holding a key through the list
# prepares nothing until the user stops on a case
WAIT_FOR_DRAWING_S = 10.0  # the longest the screen waits for the case it needs to finish
READY_LIMIT = 3  # prepared renders kept at most: next, previous and the case just left


class _Orders:
    """What the canvas wants prepared; read by the drawing thread, replaced by the GUI thread."""

    def __init__(self) -> None:
        self.generation = 0
        self.wanted: tuple[CasePlotData, ...] = ()

    def wants(self, data: CasePlotData, generation: int) -> bool:
        return generation == self.generation and any(data == w for w in self.wanted)


class _Job:
    """One case to draw in the background, as the drawing thread and the GUI thread see it."""

    def __init__(self, data: CasePlotData, size: PixelSize, generation: int) -> None:
        self.data, self.size, self.generation = data, size, generation
        self.started = threading.Event()  # the drawing thread has taken it up
        self.finished = threading.Event()  # ... and is done with it (result set, or None)
        self.result: RenderedCase | None = None
        self.taken = False  # shown straight away by the GUI thread, which waited for it

    def draws(self, data: CasePlotData, size: PixelSize) -> bool:
        return self.size == size and self.data == data


class PreparedCaseCanvas(QWidget):
    """Biomarkers, drug levels and the dose strip of one case, ready before the case is shown.

    Signals:
        painted(): the current case's pixels are on screen.
        point_clicked(observation_id): a drug-level or antibody result was clicked.
        prepared(): a case drawn in the background is ready to be swapped in.
    """

    painted = Signal()
    point_clicked = Signal(int)
    prepared = Signal()

    def __init__(
        self,
        style: PlotStyle,
        parent: QWidget | None = None,
        *,
        runner: Runner | None = None,
        pool: FigurePool | None = None,
    ) -> None:
        super().__init__(parent)
        self._style = style
        self._pool = pool or FigurePool()
        self._runner = runner or serial_runner(self)
        self._orders = _Orders()
        self._shown: RenderedCase | None = None
        self._shown_generation = 0  # the order generation the shown render belongs to
        self._image = QImage()
        self._ready: list[RenderedCase] = []
        self._drawing: list[_Job] = []  # submitted, not back yet
        self.setAccessibleName("Trend plots")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._fitted_once = False  # a picture has been painted at the widget's own size
        self._redraw_timer.timeout.connect(self._redraw_after_resize)

    # --- what is shown ----------------------------------------------------------------------------

    @property
    def shown(self) -> RenderedCase | None:
        """The render on screen (None before the first case)."""
        return self._shown

    @property
    def axes(self) -> CaseAxes:
        """The axes the shown case was drawn from."""
        if self._shown is None:
            raise LookupError("no case is shown yet")
        return self._shown.axes

    @property
    def figure(self) -> Figure:
        """The figure the shown case was drawn from (its bbox is the picture, in pixels)."""
        return self.axes.figure

    @property
    def canvas(self) -> QWidget:
        """The widget the picture is painted on and that takes the pointer: this one."""
        return self

    @property
    def hover_points(self) -> list[HoverPoint]:
        return list(self._shown.hover) if self._shown else []

    def show_case(self, data: CasePlotData) -> None:
        """Show *data*: the prepared picture when there is one, else drawn now; then ``painted``."""
        size = self._pixel_size()
        shown = self._shown
        if shown is not None and shown.shows(data, self._style, size):
            rendered = shown
        else:
            rendered = self._take_ready(data, size) or self._draw_now(data, size)
        self._display(rendered)
        self.repaint()
        self.painted.emit()

    def _draw_now(self, data: CasePlotData, size: PixelSize) -> RenderedCase:
        """Not prepared: the user moved on before it was ready, or jumped. Draw it now.

        What was prepared around the old case is let go first, and what is queued will not be
        drawn, so its figures are free and no background drawing competes with this one. A
        drawing of this very case already under way is waited for rather than done twice.
        """
        self._orders.wanted = ()
        for rendered in self._ready:
            self._pool.release(rendered)
        self._ready = []
        return self._waited_for(data, size) or self._pool.render(data, self._style, size)

    def _waited_for(self, data: CasePlotData, size: PixelSize) -> RenderedCase | None:
        """The drawing of *data* at *size* the drawing thread is busy with, once it is done."""
        generation = self._orders.generation
        running = next(
            (
                j
                for j in self._drawing
                if j.generation == generation and j.started.is_set() and j.draws(data, size)
            ),
            None,
        )
        if running is None or not running.finished.wait(WAIT_FOR_DRAWING_S):
            return None
        if running.result is None:
            return None
        running.taken = True
        return running.result

    def hover_text_at(self, axes_index: int, x: float, y: float) -> str | None:
        """Return the hover text nearest (in pixels) to data point (x, y) of a panel."""
        if self._shown is None:
            return None
        point = self._shown.nearest_to_data(axes_index, x, y)
        return point.text if point else None

    def _display(self, rendered: RenderedCase) -> None:
        previous, self._shown = self._shown, rendered
        if previous is not None and previous is not rendered:
            self._keep_or_release(previous)
        self._shown_generation = self._orders.generation
        image = QImage(
            rendered.pixels,
            rendered.width,
            rendered.height,
            rendered.width * 4,
            QImage.Format.Format_RGBA8888,
        )
        self._image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        self._image.setDevicePixelRatio(rendered.size.ratio)

    def _keep_or_release(self, previous: RenderedCase) -> None:
        """Keep the case just left ready (it is often the new case's neighbour) until ``prepare``.

        Not when a write or reload came between (it may be stale), nor at another size; at most
        ``READY_LIMIT`` renders wait, the oldest released first.
        """
        fresh = self._shown_generation == self._orders.generation
        if not fresh or previous.size != self._pixel_size():
            self._pool.release(previous)
            return
        self._ready.append(previous)
        while len(self._ready) > READY_LIMIT:
            self._pool.release(self._ready.pop(0))

    def _pixel_size(self) -> PixelSize:
        return PixelSize(self.width(), self.height(), self.devicePixelRatioF())

    # --- prepared in the background ---------------------------------------------------------------

    def prepare(self, cases: Sequence[CasePlotData]) -> None:
        """Draw *cases* in the background at the current size (dropping any other prepared one)."""
        size = self._pixel_size()
        self._orders.wanted = tuple(cases)
        generation = self._orders.generation
        keep = [r for r in self._ready if r.size == size and self._orders.wants(r.data, generation)]
        for rendered in self._ready:
            if all(rendered is not k for k in keep):
                self._pool.release(rendered)
        self._ready = keep
        for data in cases:
            if not self._covered(data, size):
                self._submit(data, size)

    def forget_prepared(self) -> None:
        """Drop every prepared case; cases still being drawn are dropped when they arrive.

        Called on any write or reload: nothing drawn from the data before it is shown after it.
        """
        self._orders.generation += 1
        self._orders.wanted = ()
        for rendered in self._ready:
            self._pool.release(rendered)
        self._ready = []

    def prepared_for(self, data: CasePlotData) -> RenderedCase | None:
        """The render ready to be swapped in for *data* at the current size, if any."""
        size = self._pixel_size()
        return next((r for r in self._ready if r.shows(data, self._style, size)), None)

    @property
    def preparing(self) -> bool:
        """True while the drawing thread has work of this canvas (wanted or not any more)."""
        return bool(self._drawing)

    def _covered(self, data: CasePlotData, size: PixelSize) -> bool:
        """True when *data* at *size* is shown, ready or being drawn already."""
        if self._shown is not None and self._shown.shows(data, self._style, size):
            return True
        if any(r.shows(data, self._style, size) for r in self._ready):
            return True
        generation = self._orders.generation
        return any(job.generation == generation and job.draws(data, size) for job in self._drawing)

    def _take_ready(self, data: CasePlotData, size: PixelSize) -> RenderedCase | None:
        for index, rendered in enumerate(self._ready):
            if rendered.shows(data, self._style, size):
                return self._ready.pop(index)
        return None

    def _submit(self, data: CasePlotData, size: PixelSize) -> None:
        orders, pool, style = self._orders, self._pool, self._style
        job = _Job(data, size, orders.generation)
        self._drawing.append(job)

        def draw() -> RenderedCase | None:  # on the drawing thread
            job.started.set()
            try:
                if orders.wants(data, job.generation):  # else: not wanted by its turn
                    job.result = pool.render(data, style, size)
            finally:
                job.finished.set()
            return job.result

        def done(_result: object) -> None:  # back on the GUI thread (also after a failure)
            if not shiboken6.isValid(self):  # the canvas was deleted while it was drawn
                if job.result is not None:
                    pool.release(job.result)
                return
            self._landed(job)

        # A failed background draw is dropped: the case is then drawn on the GUI thread when it
        # is shown, where the same failure is reported like any other.
        self._runner.submit(draw, done, done)

    def _landed(self, job: _Job) -> None:
        self._drawing = [j for j in self._drawing if j is not job]
        rendered = job.result
        if rendered is None or job.taken:
            return
        if (
            not self._orders.wants(rendered.data, job.generation)
            or rendered.size != self._pixel_size()
            or self._covered(rendered.data, rendered.size)
        ):
            self._pool.release(rendered)
            return
        self._ready.append(rendered)
        self.prepared.emit()

    # --- Qt events --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            if self._image.isNull():
                painter.fillRect(self.rect(), Qt.GlobalColor.white)
            elif self._shown is not None and self._shown.size == self._pixel_size():
                painter.drawImage(0, 0, self._image)
                self._fitted_once = True
            else:  # resized: the old picture stretched until the redraw at the new size
                painter.fillRect(self.rect(), Qt.GlobalColor.white)
                painter.drawImage(self.rect(), self._image)
        finally:
            painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._shown is None or self._shown.size == self._pixel_size():
            return
        if self._fitted_once:  # the user is resizing: redraw once the size has settled
            self._redraw_timer.start(RESIZE_REDRAW_MS)
        else:  # laid out for the first time: draw at the real size straight away
            self._redraw_timer.start(0)

    def _redraw_after_resize(self) -> None:
        if self._shown is not None:
            self.show_case(self._shown.data)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = self._point_at(event.position())
        if point is None:
            QToolTip.hideText()
            return
        QToolTip.showText(event.globalPosition().toPoint(), tooltip(point.text), self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            point = self._point_at(event.position())
            if point is not None and point.observation_id is not None:
                self.point_clicked.emit(point.observation_id)
                return
        super().mousePressEvent(event)

    def leaveEvent(self, event: Any) -> None:
        QToolTip.hideText()
        super().leaveEvent(event)

    def _point_at(self, position: QPointF) -> HoverPoint | None:
        """The hover point under the pointer (logical pixels from the top-left corner)."""
        shown = self._shown
        if shown is None or shown.size != self._pixel_size():
            return None
        ratio = shown.size.ratio
        x, y = position.x() * ratio, shown.height - position.y() * ratio
        return shown.nearest(x, y, HOVER_RADIUS_PX * ratio)


class CasePrefetch(QObject):
    """Prepares the cases either side of the current one on a canvas; forgets on any change.

    Args:
        presenter: The meeting presenter (its ``invalidated`` signal and ``neighbours``).
        canvas: The canvas that shows the current case.
        plot_data: The plot input of a case, with the screen's current options.
        neighbours: The cases to prepare (default: the presenter's next and previous).
    """

    def __init__(
        self,
        presenter: MeetingPresenter,
        canvas: PreparedCaseCanvas,
        plot_data: Callable[[CaseDetail], CasePlotData],
        neighbours: Callable[[], Sequence[CaseDetail]] | None = None,
    ) -> None:
        super().__init__(canvas)
        self._presenter = presenter
        self._canvas = canvas
        self._plot_data = plot_data
        self._neighbours = neighbours or presenter.neighbours
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREPARE_DELAY_MS)  # restarted by every paint
        self._timer.timeout.connect(self._prepare)
        presenter.invalidated.connect(self._forget)
        canvas.painted.connect(self._timer.start)

    @property
    def busy(self) -> bool:
        """True until the neighbours are prepared (waiting for the delay, or being drawn)."""
        return self._timer.isActive() or self._canvas.preparing

    def detach(self) -> None:
        """Stop following the presenter (the canvas is going away)."""
        self._timer.stop()
        self._presenter.invalidated.disconnect(self._forget)

    def _forget(self) -> None:
        self._timer.stop()
        self._canvas.forget_prepared()

    def _prepare(self) -> None:
        self._canvas.prepare([self._plot_data(detail) for detail in self._neighbours()])
