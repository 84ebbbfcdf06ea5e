"""PDF minutes of a 20-case meeting, and the floor: reportlab alone on the same plot images.

The large database's meetings hold 5-10 cases each, so the 20 cases are the newest meeting's
cases followed by earlier meetings' (the document does not care where a case came from).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

CASES = 20


def minutes_times(db: Path, runs: int) -> dict[str, list[float]]:
    """Seconds per 20-case minutes build, and per reportlab-only build of the same images."""
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.domain.board import MeetingBoard
    from mdt_desktop.models.db import open_database
    from mdt_desktop.reports.figures import PlotRenderer, plot_data
    from mdt_desktop.reports.minutes import BuildOptions, build_minutes
    from mdt_desktop.services.meetings import MeetingService

    config = clinical_config()
    database = open_database(db, read_only=True)
    try:
        service = MeetingService(database, config)
        boards = [service.board(m.id) for m in service.list_meetings()]
    finally:
        database.close()
    cases = tuple(c for board in boards for c in board.cases)[:CASES]
    board = MeetingBoard(boards[0].meeting, cases)
    renderer = PlotRenderer()
    pictures = [renderer.render(plot_data(d, config)) for d in cases]
    times, floor = [], []
    with tempfile.TemporaryDirectory(prefix="mdt-bench-minutes-") as folder:
        for run in range(runs):
            started = time.perf_counter()
            build_minutes(board, config, Path(folder) / f"m{run}.pdf", BuildOptions())
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            _reportlab_only(pictures, Path(folder) / f"f{run}.pdf")
            floor.append(time.perf_counter() - started)
    return {"minutes": times, "floor": floor, "cases": [float(len(cases))]}


def _reportlab_only(pictures: list, path: Path) -> None:  # type: ignore[type-arg]
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    from mdt_desktop.reports.figures import image_flowable

    story = []
    for picture in pictures:
        story += [image_flowable(picture, 500), PageBreak()]
    SimpleDocTemplate(str(path)).build(story)
