"""Start the real program in a subprocess (a second QApplication in pytest would abort)."""

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.slow  # starts the program in subprocesses


def start(*argv, env=None):
    return subprocess.run(
        [sys.executable, "-m", "mdt_desktop", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_startup_renders_the_window(demo_path, tmp_path):
    shot = tmp_path / "window.png"
    done = start("--db", demo_path, "--screenshot", shot, "--meeting", "2026-10")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Screenshot saved to {shot}\n"
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1366, 768)
    colours = {image.pixel(x, y) for x in range(0, 1366, 17) for y in range(0, 768, 17)}
    assert len(colours) > 5  # not a blank window


def test_demo_flag_builds_and_opens_a_fresh_demo(tmp_path):
    shot = tmp_path / "demo.png"
    data = tmp_path / "data"
    done = start("--demo", "--screenshot", shot, env={"XDG_DATA_HOME": str(data)})
    assert done.returncode == 0, done.stderr
    assert shot.exists()
    assert (data / "mdt-desktop" / "demo.sqlite3").exists()


def test_startup_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database", encoding="utf-8")
    done = start("--db", bad, "--screenshot", tmp_path / "x.png")
    assert done.returncode == 3
    assert done.stderr.strip().endswith("refusing to open it.")
    assert "Traceback" not in done.stderr


def test_screenshot_of_one_case_in_presentation_mode(demo_path, tmp_path):
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.meetings import MeetingService

    database = open_database(demo_path, read_only=True)
    board = MeetingService(database, clinical_config()).find("2026-10")
    database.close()
    case = board.cases[2].patient.hospital_number
    shot = tmp_path / "present.png"
    done = start(
        "--db",
        demo_path,
        "--screenshot",
        shot,
        "--meeting",
        "2026-10",
        "--case",
        case,
        "--presentation",
        "--size",
        "1366x768",
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1366, 768)


def test_screenshot_refuses_a_case_that_is_not_listed(demo_path, tmp_path):
    done = start("--db", demo_path, "--screenshot", tmp_path / "x.png", "--case", "NOPE1")
    assert done.returncode == 2
    assert done.stderr.strip().endswith("NOPE1 is not on this meeting's list.")
    assert not (tmp_path / "x.png").exists()


def test_screenshot_rejects_a_bad_size(demo_path, tmp_path):
    done = start("--db", demo_path, "--screenshot", tmp_path / "x.png", "--size", "huge")
    assert done.returncode == 2
    assert "--size 'huge': give WIDTHxHEIGHT" in done.stderr
