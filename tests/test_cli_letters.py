"""``minutes --gp-letter`` and ``--identifiers``: extensions of the minutes command's contract."""

import json
import re
import sqlite3

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QImage

from tests.test_cli import run
from tests.test_startup import start

pytestmark = pytest.mark.slow  # renders letters and a screenshot


def text_of(path):
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(path).pages))


def test_gp_letter_is_written_to_the_recipient(demo_path, tmp_path, capsys):
    out = tmp_path / "gp.pdf"
    code, stdout, err = run(
        capsys,
        "--db",
        demo_path,
        "minutes",
        "--meeting",
        "2026-10",
        "--gp-letter",
        "DEMO10079",
        "--out",
        out,
        "--to",
        "Dr A Example, Example Surgery",
    )
    assert code == 0, err
    assert stdout.startswith("Letter to one patient's GP or referrer (PDF), MDT of 28 Oct 2026, ")
    assert "final, 1 pages" in stdout
    text = text_of(out)
    assert "Dear Dr A Example," in text
    assert "DEMO10079" in text
    assert "De-escalate" in text
    with sqlite3.connect(demo_path) as connection:
        (after,) = connection.execute(
            "SELECT after FROM audit_events WHERE action = 'export'"
        ).fetchone()
    assert json.loads(after) | {"files": None} == {
        "kind": "gp_letter",
        "identifiers": "full",
        "files": None,
        "status": "signed_off",
        "to": "Dr A Example · Example Surgery",
    }


def test_gp_letter_without_a_recipient_says_dear_colleague(demo_path, tmp_path, capsys):
    out = tmp_path / "gp.pdf"
    code, _out, err = run(
        capsys,
        "--db",
        demo_path,
        "minutes",
        "--meeting",
        "2026-10",
        "--gp-letter",
        "DEMO10079",
        "--out",
        out,
    )
    assert code == 0, err
    assert "Dear Colleague," in text_of(out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--meeting", "2026-11", "--gp-letter", "DEMO10079"),
            "DEMO10079 is not on the list of this meeting.",
        ),
        (
            ("--meeting", "2026-10", "--to", "Dr A Example"),
            "--to: only a letter to a GP (--gp-letter HOSPNO) has a recipient",
        ),
        (
            ("--meeting", "2026-10", "--gp-letter", "DEMO10079", "--identifiers", "initials"),
            "identifiers: Letter to one patient's GP or referrer (PDF) carries full identifiers",
        ),
        (
            ("--meeting", "2026-10", "--pseudonymise", "--identifiers", "full"),
            "identifiers: Pseudonymised minutes (PDF) carries pseudonyms, not full identifiers",
        ),
    ],
)
def test_bad_letter_requests_exit_2_and_write_nothing(demo_path, tmp_path, capsys, argv, message):
    out = tmp_path / "x.pdf"
    code, stdout, err = run(capsys, "--db", demo_path, "minutes", *argv, "--out", out)
    assert code == 2
    assert stdout == ""
    assert message in err
    assert not out.exists()


def test_no_gp_letter_for_a_case_without_a_decision(demo_path, tmp_path, capsys):
    _code, listing, _err = run(capsys, "--db", demo_path, "meeting", "2026-11", "--json")
    number = json.loads(listing)["cases"][0]["hospital_number"]
    out = tmp_path / "x.pdf"
    code, _out, err = run(
        capsys,
        "--db",
        demo_path,
        "minutes",
        "--meeting",
        "2026-11",
        "--gp-letter",
        number,
        "--out",
        out,
    )
    assert code == 2
    assert "no decision was recorded" in err
    assert not out.exists()


def test_minutes_with_initials_and_hospital_numbers(demo_path, tmp_path, capsys):
    out = tmp_path / "m.pdf"
    code, stdout, err = run(
        capsys,
        "--db",
        demo_path,
        "minutes",
        "--meeting",
        "2026-10",
        "--out",
        out,
        "--identifiers",
        "initials",
    )
    assert code == 0, err
    assert stdout.startswith("Minutes with initials and hospital numbers (PDF), MDT of 28 Oct")
    text = text_of(out)
    assert "DEMO10079" in text
    assert "initials and hospital numbers" in text


def test_a_room_screen_screenshot_for_the_docs(demo_path, tmp_path):
    shot = tmp_path / "room.png"
    done = start("--db", demo_path, "--screenshot", shot, "--meeting", "2026-10", "--room-screen")
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1366, 768)
