"""Case plots drawn into pixels off screen: sizes, hover positions, reuse, threads (Agg, no Qt)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime

import numpy as np
import pytest

from mdt_desktop.domain.enums import Analyte
from mdt_desktop.plots.case_data import date_number
from mdt_desktop.plots.rendering import CaseFigure, FigurePool, PixelSize
from mdt_desktop.plots.style import PRESENTATION, SCREEN
from tests.plots.test_case_plots import RECORD, plot_data

SIZE = PixelSize(640, 420)


def other_record():
    """RECORD without its calprotectin: another picture."""
    kept = [o for o in RECORD.observations if o.analyte is not Analyte.FAECAL_CALPROTECTIN]
    return dataclasses.replace(RECORD, observations=tuple(kept))


def test_the_pixels_have_the_size_asked_for_at_any_pixel_ratio(config):
    pool = FigurePool()
    one = pool.render(plot_data(config), SCREEN, SIZE)
    assert (one.width, one.height) == (640, 420)
    assert len(one.pixels) == 640 * 420 * 4
    two = pool.render(plot_data(config), SCREEN, PixelSize(640, 420, 2.0))
    assert (two.width, two.height) == (1280, 840)  # a 200 % display: twice the pixels
    assert two.size.dpi == 200.0  # and twice the dots per inch: text keeps its size


def test_a_hover_point_is_found_at_its_pixel(config):
    rendered = FigurePool().render(plot_data(config), SCREEN, SIZE)
    panel = rendered.axes.panels().index(rendered.axes.calprotectin)
    point = next(p for p in rendered.hover if p.axes_index == panel and p.y == 42)
    assert point.text.startswith("Faecal calprotectin: 42 µg/g")  # 1 Oct 2026
    assert point.x == pytest.approx(date_number(datetime(2026, 10, 1, 9)))
    x, y = rendered.axes.calprotectin.transData.transform((point.x, point.y))
    assert rendered.nearest(x, y, radius=12) == point
    assert rendered.nearest(x + 5, y - 5, radius=12) == point  # within 12 pixels
    assert rendered.nearest(x + 30, y, radius=12) != point
    assert rendered.nearest(0, 0, radius=12) is None  # the corner is in no panel
    assert rendered.nearest_to_data(panel, point.x, 40) == point


def test_the_picture_is_the_same_whatever_the_figure_drew_before(config):
    """A then B then A on one reused figure: the second A is pixel for pixel the first."""
    pool = FigurePool(keep=1)
    first = pool.render(plot_data(config), SCREEN, SIZE)
    figure = first.figure
    pool.release(first)
    other = pool.render(plot_data(config, record=other_record()), SCREEN, SIZE)
    assert other.figure is figure  # reused, not rebuilt
    assert other.pixels != first.pixels
    pool.release(other)
    again = pool.render(plot_data(config), SCREEN, SIZE)
    assert again.figure is figure
    assert again.pixels == first.pixels
    assert [p.text for p in again.hover] == [p.text for p in first.hover]


def test_a_render_shows_only_equal_data_in_its_style_and_size(config):
    rendered = FigurePool().render(plot_data(config), SCREEN, SIZE)
    assert rendered.shows(plot_data(config), SCREEN, SIZE)  # equal data, another object
    assert not rendered.shows(plot_data(config, record=other_record()), SCREEN, SIZE)
    assert not rendered.shows(plot_data(config), PRESENTATION, SIZE)
    assert not rendered.shows(plot_data(config), SCREEN, PixelSize(641, 420))


def test_the_pool_keeps_a_bounded_number_of_spare_figures(config):
    pool = FigurePool(keep=2)
    renders = [pool.render(plot_data(config), SCREEN, SIZE) for _ in range(4)]
    assert len({id(r.figure) for r in renders}) == 4  # each held render has its own figure
    for rendered in renders:
        pool.release(rendered)
    assert pool.spare() == 2
    pool.release(renders[0])
    pool.release(renders[0])
    assert pool.spare() == 2


def test_a_figure_refuses_a_case_with_other_panels(config):
    figure = CaseFigure(SCREEN, blood_counts=False)
    with pytest.raises(ValueError, match="other panels"):
        figure.render(plot_data(config, blood_counts=True), SIZE)


def test_drawing_on_two_threads_at_once_gives_the_same_pictures(config):
    """The screen draws the current case while a worker prepares the next one."""
    pool = FigurePool()
    cases = [plot_data(config), plot_data(config, record=other_record())]
    expected = [pool.render(data, SCREEN, SIZE).pixels for data in cases]
    results: dict[int, list[bytes]] = {0: [], 1: []}
    errors: list[BaseException] = []

    def draw(which: int) -> None:
        try:
            for _ in range(3):
                rendered = pool.render(cases[which], SCREEN, SIZE)
                results[which].append(rendered.pixels)
                pool.release(rendered)
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)

    worker = threading.Thread(target=draw, args=(1,))
    worker.start()
    draw(0)
    worker.join(60)
    assert not errors
    assert results[0] == [expected[0]] * 3
    assert results[1] == [expected[1]] * 3


def test_pixels_are_rgba_rows_from_the_top(config):
    rendered = FigurePool().render(plot_data(config), SCREEN, SIZE)
    image = np.frombuffer(rendered.pixels, dtype=np.uint8).reshape(420, 640, 4)
    assert (image[0, 0] == [255, 255, 255, 255]).all()  # the white margin, opaque
    assert (image[..., 3] == 255).all()
