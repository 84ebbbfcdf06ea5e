"""`mdt-desktop --demo` shows a progress window at once while the demo database is built."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

from mdt_desktop import app
from mdt_desktop.domain.errors import RefusedError


def progress_windows() -> list[QProgressDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QProgressDialog) and w.isVisible()
    ]


def test_the_window_shows_while_the_work_runs_and_closes_after(qtbot):
    release = threading.Event()
    seen: list[str] = []

    def look() -> None:  # on the GUI thread, while the work waits
        seen.extend(w.labelText() for w in progress_windows())
        release.set()

    QTimer.singleShot(0, look)
    app.with_progress(lambda: release.wait(10), "Building the demo database…")

    assert seen == ["Building the demo database…"]
    assert not progress_windows()


def test_what_the_work_raised_is_raised(qtbot):
    def fail() -> None:
        raise RefusedError("demo.sqlite3 is open in another MDT Desktop")

    with pytest.raises(RefusedError, match="open in another"):
        app.with_progress(fail, "Building…")
    assert not progress_windows()


def test_demo_builds_behind_the_progress_window(qtbot, tmp_path, monkeypatch):
    built: list[tuple[Path, bool]] = []
    shown: list[int] = []

    def fake_build(path, config, *, force=False, **_kwargs):
        shown.append(len(progress_windows()))
        built.append((path, force))

    def on_the_gui_thread(work, text):
        assert "up to a minute" in text
        original(work, text)

    original = app.with_progress
    monkeypatch.setattr("mdt_desktop.demo.build_demo", fake_build)
    monkeypatch.setattr(app, "with_progress", on_the_gui_thread)
    args = argparse.Namespace(demo=True, db=tmp_path / "demo.sqlite3", screenshot=None)
    target = app._database_for(args, None)  # type: ignore[arg-type]
    assert target.path == tmp_path / "demo.sqlite3"
    assert built == [(tmp_path / "demo.sqlite3", True)]
    assert shown == [1], "the progress window was on screen while the demo was built"
