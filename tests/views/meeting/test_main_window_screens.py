"""The meeting window on 1366×768, 1920×1080 and 2560×1440 at 200 %: it fits, and stays readable.

Each screen is a separate process: Qt reads the screen (offscreen platform, a screen of the
given size) and the scale factor (QT_SCALE_FACTOR) once, when it starts. The child opens the
demo's signed-off meeting the way the program does (placed on the screen, no remembered
layout) and reports what a user would see; the parent checks it. The geometry that is
remembered between sessions is checked in this process on the test screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from mdt_desktop.views.common.screen_fit import ListSpace, fit_within, keep_plots_readable, share
from tests.views.meeting.test_consensus_flows import open_window

pytestmark = pytest.mark.slow  # renders the window at several screen sizes

CHILD = r"""
import json, sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
from mdt_desktop.configuration import clinical_config
from mdt_desktop.models.db import open_database
from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
from mdt_desktop.services.bundle import meeting_services
from mdt_desktop.services.roster import RosterService
from mdt_desktop.views.meeting.main_window import MainWindow, ScreenOptions
from mdt_desktop.views.common.settings import ViewSettings
from mdt_desktop.workers import ImmediateRunner

database, settings, shot = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
config = clinical_config()
db = open_database(database)
presenter = MeetingPresenter(meeting_services(db, config), ImmediateRunner())
window = MainWindow(
    presenter, config, RosterService(db).clinicians(), ViewSettings(settings),
    ScreenOptions("MDT Desktop — screens", str(database), quiet=True),
)
window.place_on_screen()
window.show()
loop = QEventLoop()
window.case_painted.connect(loop.quit)
QTimer.singleShot(30_000, loop.quit)
window.load(presenter.services.meetings.list_meetings()[1].id)  # signed off: decisions
loop.exec()
window.tabs.setCurrentWidget(window.tabs.decision)
for _ in range(20):
    app.processEvents()
screen = window.screen()
available = screen.availableGeometry()
frame = window.frameGeometry()
canvas = window.plots.canvas
level = window.plots.axes.level.get_position().height * canvas.height()
table = window.table
panel = window.tabs.decision
scroll = panel.form_scroll
viewport = scroll.viewport()

def in_view(widget):
    top_left = widget.mapTo(viewport, widget.rect().topLeft())
    bottom = top_left.y() + widget.height()
    return widget.isVisible() and top_left.y() >= 0 and bottom <= viewport.height()

picker = window.user_picker
where = picker.mapTo(window, picker.rect().topLeft())
report = {
    "available": [available.x(), available.y(), available.width(), available.height()],
    "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
    "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
    "ratio": screen.devicePixelRatio(),
    "rows": table.viewport().height() / table.rowHeight(0),
    "trough_px": level,
    "acting_as": picker.isVisible() and where.x() >= 0
        and where.x() + picker.width() <= window.width(),
    "form_scrolls": scroll.verticalScrollBar().maximum(),
    "positions_in_view": in_view(panel.positions) and bool(panel.positions.rows()),
    "actions_in_view": in_view(panel.actions_table),
    "buttons_visible": panel.record_button.isVisible() or panel.amend_button.isVisible(),
}
if shot:
    window.grab().save(shot)
window.close()
print(json.dumps(report))
"""

SCREENS = {  # name: (width, height, scale)
    "1366x768": (1366, 768, 1),
    "1920x1080": (1920, 1080, 1),
    "2560x1440@200%": (2560, 1440, 2),
}


def run_child(demo_path: Path, tmp_path: Path, width: int, height: int, scale: int) -> dict:
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "test",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": str(scale),
    }
    shot = os.environ.get("MDT_SCREENS_SHOT_DIR", "")
    target = str(Path(shot) / f"meeting-{width}x{height}@{scale}x.png") if shot else ""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(demo_path), str(tmp_path / "settings.ini"), target],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCREENS))
def test_the_window_fits_the_screen_and_the_plots_stay_readable(demo_path, tmp_path, name):
    width, height, scale = SCREENS[name]
    seen = run_child(demo_path, tmp_path, width, height, scale)

    ax, ay, aw, ah = seen["available"]
    fx, fy, fw, fh = seen["frame"]
    assert (aw, ah) == (width // scale, height // scale), "logical pixels at 200 %"
    assert seen["ratio"] == scale
    assert QRect(ax, ay, aw, ah).contains(QRect(fx, fy, fw, fh)), seen
    assert seen["minimum"][0] <= aw, "it could be made to fit"
    assert seen["minimum"][1] <= ah
    assert seen["trough_px"] >= 55, "the trough panel stays readable"
    assert seen["rows"] >= 2
    assert seen["acting_as"], "Acting as is on screen, not behind a chevron"
    assert seen["buttons_visible"]
    if name == "1920x1080":
        assert seen["rows"] >= 8, "the case list shows at least 8 rows"
        assert seen["form_scrolls"] == 0, "the Decision tab reads without scrolling"
        assert seen["positions_in_view"]
        assert seen["actions_in_view"]


# --- remembered geometry (this process's test screen) ----------------------------------------


def test_a_remembered_geometry_larger_than_the_screen_is_made_to_fit(
    qtbot, demo_db, config, tmp_path
):
    first = open_window(qtbot, demo_db, config, tmp_path)
    available = first.screen().availableGeometry()
    first.setGeometry(QRect(300, 200, available.width() + 900, available.height() + 700))
    sizes = first.splitter.sizes()
    first.close()  # remembers geometry, tool bar and splitters (the same settings file)

    again = open_window(qtbot, demo_db, config, tmp_path)
    again.place_on_screen()
    frame = again.frameGeometry()
    assert available.contains(frame), (frame, available)
    assert again.splitter.sizes()[0] <= sizes[0], "the list gave way, if anything"


def test_a_size_asked_for_is_made_to_fit_too(qtbot, demo_db, config, tmp_path):
    window = open_window(qtbot, demo_db, config, tmp_path)
    window.place_on_screen((5000, 3000))
    assert window.screen().availableGeometry().contains(window.frameGeometry())


def test_fitting_keeps_the_title_bar_and_the_bottom_on_the_screen():
    screen = QRect(0, 0, 1366, 728)  # 768 less a 40 px task bar
    from PySide6.QtCore import QMargins

    frame = QMargins(1, 30, 1, 1)
    fitted = fit_within(QRect(100, 100, 1366, 768), frame, screen)
    assert fitted == QRect(1, 30, 1364, 697)  # 1366 - 2 wide, 728 - 31 high, frame inside
    inside = fit_within(QRect(200, 50, 800, 600), frame, screen)
    assert inside == QRect(200, 50, 800, 600), "a window that fits is left where it is"


def test_the_list_and_the_plots_share_the_height():
    space = ListSpace(row=22, list_chrome=60, case_chrome=60, plots_wanted=430)
    # 1920×1080: room for the plots and ten rows (60 + 220 = 280)
    assert share(1000, space) == (280, 720)
    # 1366×768: the plots first (490 with the header), the list the rest (187: 5.8 rows)
    assert share(677, space) == (187, 490)
    # too small for both: the list keeps two rows (60 + 44), the plots get the rest
    assert share(500, space) == (104, 396)
    # a list made tall on a big screen gives way, down to two rows
    assert keep_plots_readable((500, 177), space) == (187, 490)
    assert keep_plots_readable((140, 400), space) == (104, 436)
    assert keep_plots_readable((200, 600), space) == (200, 600), "enough: left as it was"
