"""The composition root: builds the QApplication, opens the database, wires the windows.

The only module (with views/) that imports PySide6 widgets.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mdt_desktop import __version__
from mdt_desktop.domain.errors import MdtError, RefusedError, ValidationError

if TYPE_CHECKING:
    from mdt_desktop.cli import Target

BROKEN_PYSIDE = ("6.12.0",)  # ARCHITECTURE §7: aborts Python 3.11 after ~5,000 calls


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
    """With --demo, build a fresh demo database and open that instead."""
    if not args.demo:
        return target
    from mdt_desktop.cli import Target as TargetType
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.demo import build_demo
    from mdt_desktop.paths import demo_database_path

    path = args.db if args.db is not None else demo_database_path()
    build_demo(Path(path), clinical_config(), force=True)
    return TargetType(Path(path), None)


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


def _run_window(app: object, args: argparse.Namespace, target: Target) -> int:
    from PySide6.QtWidgets import QApplication

    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.meetings import MeetingService
    from mdt_desktop.views.main_window import MainWindow

    assert isinstance(app, QApplication)
    config = clinical_config()
    db = open_database(target.path, url=target.url)
    try:
        window = MainWindow(
            MeetingService(db, config), title=f"MDT Desktop — {target.label}", notice=db.notice
        )
        if args.meeting:
            window.show_meeting(args.meeting)
        window.resize(*_size(args.size))
        if args.screenshot is not None:
            return _screenshot(app, window, args.screenshot)
        window.show()
        return app.exec()
    finally:
        db.close()


def _size(text: str | None) -> tuple[int, int]:
    if not text:
        return 1366, 768
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise ValidationError(f"--size {text!r}: give WIDTHxHEIGHT, e.g. 1920x1080") from error
    return width, height


def _screenshot(app: object, window: object, path: Path) -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    assert isinstance(app, QApplication)
    assert isinstance(window, QMainWindow)
    window.show()
    app.processEvents()
    if not window.grab().save(str(path)):
        raise ValidationError(f"{path}: could not write the PNG (does the folder exist?)")
    window.close()
    sys.stdout.write(f"Screenshot saved to {path}\n")
    return 0
