"""Speed in the room: the next case in presentation mode and a case switch in the main window.

Each is measured end to end as the user waits: from the key press or click to the moment every
paint it caused is done (the presenter's case change, every view of both windows, the plots),
with the user's pause between cases in which the application prepares the next one. Beside
each, its floor in the same run: the same figures drawn with bare matplotlib (a plain Figure
rebuilt from the drawn one: the same lines, patches, texts, limits and tick labels; no
application logic) and repainted on a plain FigureCanvasQTAgg of the same size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

THINK_S = 10.0  # the longest pause waited for the next case to be prepared
JUMPS = 8  # case switches to a case not prepared (a click five rows away; Home / End)
FLOOR_REPEATS = 3  # timed bare draws of each case's figure


def room_times(db: Path, data_dir: Path, steps: int) -> dict[str, Any]:
    """Time *steps* switches in each window, a few jumps, and the floors of both canvases."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.models.db import open_database
    from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
    from mdt_desktop.services.bundle import meeting_services
    from mdt_desktop.services.roster import RosterService
    from mdt_desktop.views.common.settings import ViewSettings
    from mdt_desktop.views.meeting.main_window import MainWindow, ScreenOptions
    from mdt_desktop.workers import ThreadPoolRunner

    app = QApplication.instance() or QApplication([])
    config = clinical_config()
    database = open_database(db, read_only=True)
    runner = ThreadPoolRunner()
    presenter = MeetingPresenter(meeting_services(database, config), runner)
    window = MainWindow(
        presenter,
        config,
        RosterService(database).clinicians(),
        ViewSettings(data_dir / "bench-room-settings.ini"),
        ScreenOptions("bench", str(db), read_only=True, quiet=True),
    )
    window.resize(1920, 1080)
    window.show()
    loop = QEventLoop()
    window.case_painted.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    window.load()
    loop.exec()
    try:
        main = _main_window(app, window, steps)
        presentation = _presentation(app, window, steps)
    finally:
        if window.presentation is not None:
            window.presentation.close()
        window.close()
        runner.wait()
        database.close()
    return {**main, **presentation}


# --- the main window --------------------------------------------------------------------------


def _main_window(app: Any, window: Any, steps: int) -> dict[str, Any]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    rows = window.proxy.rowCount()

    def click(row: int) -> None:
        index = window.proxy.index(row, 1)
        window.table.scrollTo(index)
        rect = window.table.visualRect(index)
        QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    switches = _timed(app, window, [lambda r=r: click(r) for r in _walk(rows, steps)])
    jumps = _timed(app, window, [lambda r=r: click(r) for r in _jumps(rows)])
    canvas = window.plots
    floor = _floors(window.plot_data, window.presenter.board.cases, canvas)
    return {
        "main_switch_ms": switches,
        "main_jump_ms": jumps,
        "main_floor_ms": floor,
        "main_canvas": [canvas.width(), canvas.height()],
        "cases": rows,
    }


# --- presentation mode ------------------------------------------------------------------------


def _presentation(app: Any, window: Any, steps: int) -> dict[str, Any]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    shown = window.start_presentation(full_screen=False, size=(1920, 1080))
    _settle(app, window)
    rows = len(window.presenter.board.cases)
    keys = [Qt.Key.Key_Right] * (rows - 1) + [Qt.Key.Key_Left] * (rows - 1)
    walk = [keys[i % len(keys)] for i in range(steps)]
    switches = _timed(app, window, [lambda k=k: QTest.keyClick(shown, k) for k in walk])
    ends = [Qt.Key.Key_End, Qt.Key.Key_Home] * (JUMPS // 2)
    jumps = _timed(app, window, [lambda k=k: QTest.keyClick(shown, k) for k in ends])
    canvas = shown.plots
    floor = _floors(window.plot_data, window.presenter.board.cases, canvas)
    return {
        "presentation_next_ms": switches,
        "presentation_jump_ms": jumps,
        "presentation_floor_ms": floor,
        "presentation_canvas": [canvas.width(), canvas.height()],
    }


# --- timing -----------------------------------------------------------------------------------


def _walk(rows: int, steps: int) -> list[int]:
    """Rows down the list and back up again (each a neighbour of the one before)."""
    order = [*range(1, rows), *range(rows - 2, -1, -1)]
    return [order[i % len(order)] for i in range(steps)]


def _jumps(rows: int) -> list[int]:
    """Rows five apart (or as far as the list allows): never a prepared neighbour."""
    step = min(5, max(rows - 1, 1))
    return [(i * step) % rows for i in range(1, JUMPS + 1)]


def _timed(app: Any, window: Any, actions: list[Callable[[], None]]) -> list[float]:
    """Milliseconds from each action to the end of the paints it caused, after a pause."""
    times = []
    for action in actions:
        _settle(app, window)
        started = time.perf_counter()
        action()
        app.processEvents()  # the paints the action queued
        times.append((time.perf_counter() - started) * 1000)
    return times


def _settle(app: Any, window: Any) -> None:
    """The user's pause: wait until both windows have prepared the cases either side."""
    deadline = time.perf_counter() + THINK_S
    preparers = [getattr(window, "prefetch", None)]
    if window.presentation is not None:
        preparers.append(getattr(window.presentation, "prefetch", None))
    while time.perf_counter() < deadline:
        app.processEvents()
        if not any(p is not None and p.busy for p in preparers):
            break
        time.sleep(0.002)
    app.processEvents()


# --- the floor: the same figures, bare matplotlib, and a repaint ------------------------------


def _floors(plot_data: Callable[[Any], Any], cases: Any, canvas: Any) -> list[float]:
    """Draw and repaint each case's figure rebuilt in bare matplotlib at *canvas*'s size."""
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    from mdt_desktop.plots.rendering import FigurePool, PixelSize

    pool = FigurePool()
    size = PixelSize(canvas.width(), canvas.height(), canvas.devicePixelRatioF())
    style = canvas.axes.style  # the style the shown case was drawn in
    times = []
    for detail in cases:
        rendered = pool.render(plot_data(detail), style, size)
        bare = bare_figure(rendered.figure.figure)
        pool.release(rendered)
        widget = FigureCanvasQTAgg(bare)
        widget.resize(canvas.width(), canvas.height())
        widget.show()
        widget.draw()  # once before timing: fonts and tick labels are laid out
        for _ in range(FLOOR_REPEATS):
            started = time.perf_counter()
            widget.draw()
            widget.repaint()
            times.append((time.perf_counter() - started) * 1000)
        widget.close()
        widget.deleteLater()
    return times


def bare_figure(source: Any) -> Any:
    """A plain matplotlib figure with what *source* (drawn) shows: no application artists."""
    from matplotlib.figure import Figure

    from mdt_desktop.plots.rendering import BASE_DPI

    width, height = source.get_size_inches()
    figure = Figure(figsize=(width, height), dpi=BASE_DPI)  # the Qt canvas scales for HiDPI
    renderer = source.canvas.get_renderer()
    for panel in source.axes:
        ax = figure.add_axes(panel.get_position())
        ax.set_xlim(panel.get_xlim())
        ax.set_yscale(panel.get_yscale())
        ax.set_ylim(panel.get_ylim())
        ax.set_ylabel(panel.get_ylabel(), fontsize=panel.yaxis.label.get_fontsize())
        for axis, bare in ((panel.xaxis, ax.xaxis), (panel.yaxis, ax.yaxis)):
            ticks = axis.get_majorticklocs()
            bare.set_ticks(ticks, [t.get_text() for t in axis.get_ticklabels()])
        ax.minorticks_off()
        ax.grid(True)
        _copy_artists(panel, ax, panel.transData.inverted(), renderer)
    _copy_artists(source, figure, source.transFigure.inverted(), renderer)
    return figure


def _copy_artists(source: Any, target: Any, to_target: Any, renderer: Any) -> None:
    """Lines, patches and texts of *source*, placed in *target* through display coordinates."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path as MplPath
    from matplotlib.spines import Spine
    from matplotlib.text import Text

    transform = target.transData if hasattr(target, "transData") else target.transFigure
    for line in [a for a in source.get_children() if isinstance(a, Line2D)]:
        xy = line.get_xydata()
        if not len(xy):
            continue
        points = to_target.transform(line.get_transform().transform(xy))
        target.add_artist(
            Line2D(
                points[:, 0],
                points[:, 1],
                color=line.get_color(),
                linewidth=line.get_linewidth(),
                linestyle=line.get_linestyle(),
                marker=line.get_marker(),
                markersize=line.get_markersize(),
                markerfacecolor=line.get_markerfacecolor(),
                markeredgecolor=line.get_markeredgecolor(),
                markevery=line.get_markevery(),
                transform=transform,
                clip_on=line.get_clip_on(),
            )
        )
    patches = [
        a
        for a in source.get_children()
        if isinstance(a, Patch) and not isinstance(a, Spine) and a is not source.patch
    ]
    for patch in patches:
        path = patch.get_transform().transform_path(patch.get_path())
        vertices = to_target.transform(path.vertices)
        target.add_artist(
            PathPatch(
                MplPath(vertices, path.codes),
                facecolor=patch.get_facecolor(),
                edgecolor=patch.get_edgecolor(),
                linewidth=patch.get_linewidth(),
                hatch=patch.get_hatch(),
                transform=transform,
                clip_on=patch.get_clip_on(),
            )
        )
    texts = [a for a in source.get_children() if isinstance(a, Text) and a.get_visible()]
    for text in texts:
        if not text.get_text() or getattr(text, "fitted", "") is None:
            continue  # empty, or a bar label that fitted nowhere (not drawn)
        box = text.get_window_extent(renderer)  # where it was drawn, whatever its kind
        anchor_x = {"left": box.x0, "right": box.x1}.get(text.get_ha(), (box.x0 + box.x1) / 2)
        anchor_y = {"bottom": box.y0, "top": box.y1}.get(text.get_va(), (box.y0 + box.y1) / 2)
        x, y = to_target.transform((anchor_x, anchor_y))
        target.add_artist(
            Text(
                x,
                y,
                text.get_text(),
                fontsize=text.get_fontsize(),
                color=text.get_color(),
                ha=text.get_ha(),
                va=text.get_va(),
                fontweight=text.get_fontweight(),
                transform=transform,
                clip_on=False,
            )
        )
