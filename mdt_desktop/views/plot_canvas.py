"""The trend plots on screen: mdt_desktop.plots drawn into a Qt canvas, with hover details."""

from __future__ import annotations

import numpy as np
from matplotlib.backend_bases import Event, MouseEvent
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QSizePolicy, QToolTip, QVBoxLayout, QWidget

from mdt_desktop.plots.case_plots import (
    CaseAxes,
    CasePlotData,
    HoverPoint,
    draw_case,
    layout_case_axes,
    make_case_axes,
)
from mdt_desktop.plots.style import PlotStyle

HOVER_RADIUS_PX = 12
RESIZE_REDRAW_MS = 120  # redraw once a resize has settled, not on every intermediate size


class CasePlotCanvas(QWidget):
    """Biomarkers, drug levels and the dose strip of one case, redrawn on every case switch.

    The figure and its axes persist between cases (building them is the slow part); each draw
    replaces only the data. Drawing is synchronous, then ``painted`` is emitted.
    """

    painted = Signal()
    point_clicked = Signal(int)  # the observation id of the result clicked (drug levels)

    def __init__(self, style: PlotStyle, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._style = style
        self.figure = Figure(dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMouseTracking(True)
        self._blood = False
        self._axes: CaseAxes = make_case_axes(self.figure, blood_counts=False, style=style)
        self._data: CasePlotData | None = None
        self._hover: list[HoverPoint] = []
        self._hover_xy: dict[int, np.ndarray] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(RESIZE_REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw_after_resize)
        self.canvas.mpl_connect("motion_notify_event", self._on_move)
        self.canvas.mpl_connect("button_press_event", self._on_click)
        self.canvas.mpl_connect("resize_event", self._on_resize)

    @property
    def axes(self) -> CaseAxes:
        return self._axes

    @property
    def hover_points(self) -> list[HoverPoint]:
        return list(self._hover)

    def show_case(self, data: CasePlotData) -> None:
        """Draw *data* now and repaint; emits ``painted`` when the pixels are on screen."""
        if data.blood_counts != self._blood:
            self.figure.clear()
            self._axes = make_case_axes(
                self.figure, blood_counts=data.blood_counts, style=self._style
            )
            self._blood = data.blood_counts
        self._data = data
        layout_case_axes(self._axes, self._style)
        self._hover = draw_case(self._axes, data, self._style)
        self._index_hover()
        self.canvas.draw()
        self.canvas.repaint()
        self.painted.emit()

    def _on_resize(self, _event: Event) -> None:
        layout_case_axes(self._axes, self._style)
        self._hover_xy = {}
        if self._data is not None:
            self._redraw_timer.start()  # bar labels and the antibody row depend on the size

    def _redraw_after_resize(self) -> None:
        if self._data is not None:
            self.show_case(self._data)

    def _index_hover(self) -> None:
        self._hover_xy = {}

    def _points_of(self, axes_index: int) -> np.ndarray:
        """Display coordinates of the hover points of one panel (cached until the next draw)."""
        cached = self._hover_xy.get(axes_index)
        if cached is not None:
            return cached
        panel = self._axes.panels()[axes_index]
        data = np.array(
            [(p.x, p.y) for p in self._hover if p.axes_index == axes_index], dtype=float
        ).reshape(-1, 2)
        points = panel.transData.transform(data) if len(data) else data
        self._hover_xy[axes_index] = points
        return points

    def _on_move(self, event: Event) -> None:
        point = self._nearest(event) if isinstance(event, MouseEvent) and event.inaxes else None
        if point is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), point.text, self.canvas)

    def _nearest(self, event: MouseEvent) -> HoverPoint | None:
        """The hover point nearest the pointer, within the hover radius."""
        panels = self._axes.panels()
        if event.inaxes not in panels:
            return None
        index = panels.index(event.inaxes)
        points = self._points_of(index)
        if not len(points):
            return None
        distances = np.hypot(points[:, 0] - event.x, points[:, 1] - event.y)
        nearest = int(np.argmin(distances))
        if distances[nearest] > HOVER_RADIUS_PX * self.canvas.devicePixelRatioF():
            return None
        return [p for p in self._hover if p.axes_index == index][nearest]

    def _on_click(self, event: Event) -> None:
        if isinstance(event, MouseEvent) and event.inaxes is not None:
            point = self._nearest(event)
            if point is not None and point.observation_id is not None:
                self.point_clicked.emit(point.observation_id)

    def hover_text_at(self, axes_index: int, x: float, y: float) -> str | None:
        """Return the hover text nearest (in pixels) to data point (x, y) of a panel."""
        points = self._points_of(axes_index)
        if not len(points):
            return None
        px, py = self._axes.panels()[axes_index].transData.transform((x, y))
        nearest = int(np.argmin(np.hypot(points[:, 0] - px, points[:, 1] - py)))
        return [p.text for p in self._hover if p.axes_index == axes_index][nearest]
