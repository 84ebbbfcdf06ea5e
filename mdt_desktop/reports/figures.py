"""The case's trend plots for a document: the screen's figure (mdt_desktop.plots), as an image.

The screen and the PDF draw with the same functions (``make_case_axes``, ``layout_case_axes``,
``draw_case``); only the style (print sizes) and the output differ. Like the screen, one figure
is reused for every case of a document (building the axes is the slow part), and the pixels go
to reportlab directly, without a PNG round trip. 200 dpi keeps text and lines crisp in print.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PilImage
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable

from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.records import current_annotations
from mdt_desktop.plots.case_data import planned_regimen
from mdt_desktop.plots.case_plots import (
    CasePlotData,
    TimeWindow,
    draw_case,
    layout_case_axes,
    make_case_axes,
)
from mdt_desktop.plots.style import PRINT

DPI = 200
SIZE_IN = (7.2, 4.3)  # the A4 text width (178 mm), with room for the key


def plot_data(detail: CaseDetail, config: ClinicalConfig) -> CasePlotData:
    """The plot input of *detail* as the screen draws it by default (two years to the meeting)."""
    return CasePlotData(
        record=detail.record,
        thresholds=config.thresholds,
        regimens=config.regimens,
        end=detail.meeting_date,
        window=TimeWindow.TWO_YEARS,
        blood_counts=False,
        annotations=current_annotations(detail.annotations),
        plan=planned_regimen(detail.case.decision),
        antibody_assays=config.antibody_assays,
    )


class PlotRenderer:
    """Draws case after case into one print-styled figure and returns each as an RGB image."""

    def __init__(self) -> None:
        self._figure = Figure(figsize=SIZE_IN, dpi=DPI, facecolor="white")
        self._canvas = FigureCanvasAgg(self._figure)
        self._axes = make_case_axes(self._figure, blood_counts=False, style=PRINT)

    def render(self, data: CasePlotData) -> PilImage.Image:
        """Draw *data* and return the pixels (the same input gives the same pixels)."""
        layout_case_axes(self._axes, PRINT)
        draw_case(self._axes, data, PRINT)
        self._canvas.draw()  # type: ignore[no-untyped-call]
        rgba = np.asarray(self._canvas.buffer_rgba())  # type: ignore[no-untyped-call]
        return PilImage.fromarray(np.ascontiguousarray(rgba[..., :3]), mode="RGB")


def picture_from_png(data: bytes) -> PilImage.Image:
    """A stored plot image (the PNG frozen at sign-off) as the pixels ``render`` returns."""
    with PilImage.open(io.BytesIO(data)) as stored:
        return stored.convert("RGB")


class Picture(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """Pixels drawn at *width* points wide, keeping their aspect ratio."""

    def __init__(self, picture: PilImage.Image, width: float) -> None:
        super().__init__()
        self._reader = ImageReader(picture)
        self._width = width
        self._height = width * picture.height / picture.width

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self._width, self._height

    def draw(self) -> None:
        self.canv.drawImage(self._reader, 0, 0, self._width, self._height)


def image_flowable(picture: PilImage.Image, width: float) -> Picture:
    """The plots of a case as a flowable *width* points wide."""
    return Picture(picture, width)
