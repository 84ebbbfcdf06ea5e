"""The composition root: builds the QApplication, opens the database, wires the windows.

The only module (with views/) that imports PySide6 widgets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdt_desktop import __version__
from mdt_desktop.domain.errors import MdtError, RefusedError, ValidationError

if TYPE_CHECKING:
    from mdt_desktop.paths import Target

BROKEN_PYSIDE = (
    "6.12.0",
)  # docs/architecture.md, reliability rules: aborts Python 3.11 after ~5,000 calls
SCREENSHOT_TIMEOUT_MS = 60_000
PROGRESS_POLL_MS = 50  # how often the progress window looks whether the work is done
READY_ENV = "MDT_REPORT_READY"  # benchmarks: print the wall-clock time the first case is painted


def _prepare_environment(args: argparse.Namespace) -> None:
    os.environ.setdefault("QT_API", "pyside6")  # matplotlib's Qt backend must use PySide6
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if args.screenshot is not None and headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _check_qt() -> None:
    import PySide6

    if PySide6.__version__ in BROKEN_PYSIDE:
        raise RefusedError(
            f"PySide6 {PySide6.__version__} is known to crash MDT Desktop; install another "
            "version, e.g. pip install 'PySide6!=6.12.0'."
        )


def _database_for(args: argparse.Namespace, target: Target) -> Target:
    """With --demo, build a fresh demo database and open that instead.

    Building takes up to a minute: a window says so at once (not for screenshots).
    """
    if not args.demo:
        return target
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.demo import build_demo
    from mdt_desktop.paths import Target as TargetType
    from mdt_desktop.paths import demo_database_path

    path = Path(args.db if args.db is not None else demo_database_path())
    config = clinical_config()
    if args.screenshot is not None:
        build_demo(path, config, force=True)
    else:
        with_progress(
            lambda: build_demo(path, config, force=True),
            f"Building the demo database ({path.name}): 120 synthetic patients, their results "
            "and four meetings. This takes up to a minute.",
        )
    return TargetType(path, None)


def with_progress(work: Callable[[], object], text: str) -> None:
    """Run *work* on a thread while a progress window shows *text*; raise what it raised.

    The window appears at once and stays responsive (it is painted while the work runs).
    """
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QProgressDialog

    dialog = QProgressDialog(text, "", 0, 0)
    dialog.setWindowTitle("MDT Desktop")
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.setMinimumWidth(460)
    dialog.show()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo") as pool:
        future = pool.submit(work)
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(PROGRESS_POLL_MS)
        timer.timeout.connect(lambda: loop.quit() if future.done() else None)
        timer.start()
        if not future.done():
            loop.exec()
        timer.stop()
        dialog.close()
        future.result()


def run(args: argparse.Namespace, target: Target) -> int:
    """Start the GUI (or render a screenshot) and return the exit code."""
    _prepare_environment(args)
    _check_qt()
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("MDT Desktop")
    app.setOrganizationName("mdt-desktop")
    app.setApplicationVersion(__version__)
    try:
        return _run_window(app, args, _database_for(args, target))
    except MdtError as error:
        if args.screenshot is None:
            QMessageBox.critical(None, "MDT Desktop", str(error))
        raise


def _run_window(app: Any, args: argparse.Namespace, target: Target) -> int:
    from mdt_desktop.configuration import clinical_config, code_table
    from mdt_desktop.drafts import DraftStore
    from mdt_desktop.models.db import open_database
    from mdt_desktop.paths import user_data_dir
    from mdt_desktop.presenters.meeting import MeetingPresenter
    from mdt_desktop.services.bundle import admin_services, meeting_services
    from mdt_desktop.services.meetings import MeetingService
    from mdt_desktop.services.roster import RosterService
    from mdt_desktop.views.main_window import MainWindow, ScreenOptions
    from mdt_desktop.views.settings import ViewSettings
    from mdt_desktop.workers import ThreadPoolRunner

    config = clinical_config()
    db = open_database(target.path, url=target.url)
    runner = ThreadPoolRunner()
    try:
        meetings = MeetingService(db, config)
        meeting_id = meetings.find_id(args.meeting) if args.meeting else None
        presenter = MeetingPresenter(meeting_services(db, config), runner)
        options = ScreenOptions(
            f"MDT Desktop — {target.label}",
            target.label,
            db.read_only,
            db.notice,
            quiet=args.screenshot is not None,
            room_screen=True if args.room_screen else None,  # None: as the user left it
        )
        window = MainWindow(
            presenter,
            config,
            RosterService(db).clinicians(),
            ViewSettings(),
            options,
            admin=admin_services(db, config, user_data_dir(), code_table),
            runner=runner,
            drafts=DraftStore(user_data_dir() / "drafts"),
        )
        if args.screenshot is not None:
            return _screenshot(app, window, args, meeting_id)
        return _interactive(app, window, args, meeting_id, db.read_only)
    finally:
        runner.wait()
        db.close()


def _interactive(
    app: Any, window: Any, args: argparse.Namespace, meeting_id: int | None, read_only: bool
) -> int:
    from mdt_desktop.views.user_picker import UserPickerDialog

    window.place_on_screen(_size(args.size, default=(0, 0)) if args.size else None)
    window.show()
    if args.presentation:
        _once(window.case_painted, lambda: window.start_presentation())
    if os.environ.get(READY_ENV):
        _once(window.case_painted, lambda: _report_ready(app))
    window.load(meeting_id, args.case)
    if window.user_picker.currentData() is None and not read_only:
        # Ask who is using the program while the meeting loads behind the dialog.
        UserPickerDialog.offer(window.roster, window, lambda c: window.set_user(c.id))
    result: int = app.exec()
    return result


def _report_ready(app: Any) -> None:
    sys.stdout.write(f"ready {time.time():.6f}\n")
    sys.stdout.flush()
    app.quit()


def _once(signal: Any, slot: Any) -> None:
    def fire() -> None:
        signal.disconnect(fire)
        slot()

    signal.connect(fire)


def _size(text: str | None, default: tuple[int, int]) -> tuple[int, int]:
    if not text:
        return default
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise ValidationError(f"--size {text!r}: give WIDTHxHEIGHT, e.g. 1920x1080") from error
    if not (320 <= width <= 8000 and 240 <= height <= 8000):
        raise ValidationError(f"--size {text!r}: between 320x240 and 8000x8000")
    return width, height


def _screenshot(app: Any, window: Any, args: argparse.Namespace, meeting_id: int | None) -> int:
    """Render the window (or presentation mode) once the case is painted, save a PNG, exit."""
    from PySide6.QtCore import QEventLoop, QTimer

    size = _size(args.size, default=(1920, 1080) if args.presentation else (1366, 768))
    window.resize(*size)
    window.show()
    errors: list[str] = []
    loop = QEventLoop()
    window.case_painted.connect(loop.quit)

    def on_error(text: str) -> None:
        errors.append(text)
        loop.quit()

    def on_board(board: Any) -> None:
        if not board.cases:  # nothing will be painted: render the empty meeting
            loop.quit()

    window.presenter.error_reported.connect(on_error)
    window.presenter.board_loaded.connect(on_board)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, loop.quit)
    window.load(meeting_id, args.case)
    loop.exec()
    if errors:
        raise ValidationError(errors[0])
    target = window
    if args.presentation:
        target = window.start_presentation(full_screen=False, size=size)
        if target is None:
            raise ValidationError("--presentation: the meeting has no cases to present")
    for _ in range(3):  # results that arrived late (status-bar notices) relayout first
        app.processEvents()
    if not target.grab().save(str(args.screenshot)):
        raise ValidationError(
            f"{args.screenshot}: could not write the PNG (does the folder exist?)"
        )
    if target is not window:
        target.close()
    window.close()
    sys.stdout.write(f"Screenshot saved to {args.screenshot}\n")
    return 0
