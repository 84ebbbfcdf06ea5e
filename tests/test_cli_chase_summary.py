"""``mdt-desktop chase`` and ``mdt-desktop summary``: output, files, JSON keys and exit codes."""

import csv
import json

import pytest
from pypdf import PdfReader

from mdt_desktop import cli
from tests.conftest import AS_OF


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


CHASE_KEYS = {"meeting", "status", "candidates", "patients", "items", "rows", "windows"}
ROW_KEYS = {
    "position",
    "hospital_number",
    "patient",
    "item",
    "what",
    "status",
    "latest",
    "needed_by",
    "days_overdue",
}


def test_chase_json(demo_path, capsys):
    code, out, err = run(capsys, "--db", demo_path, "chase", "--meeting", "2026-11", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert set(document) >= CHASE_KEYS
    assert document["meeting"] == "2026-11-25"
    assert document["status"] == "planned"
    assert document["items"] == len(document["rows"])
    assert all(set(row) >= ROW_KEYS for row in document["rows"])
    assert {w["item"] for w in document["windows"]} >= {"faecal_calprotectin", "crp"}
    assert all(w["sources"] for w in document["windows"])


def test_chase_writes_the_pdf_and_csv_and_says_so(demo_path, capsys, tmp_path):
    pdf, table = tmp_path / "chase.pdf", tmp_path / "chase.csv"
    code, out, _ = run(
        capsys, "--db", demo_path, "chase", "--meeting", "2026-10-28", "--out", pdf, "--csv", table
    )
    assert code == 0
    assert out.startswith("Chase list for the MDT of Wednesday 28 October 2026 (signed off)")
    assert f"Chase list (PDF, 1 page): {pdf}" in out
    assert f"Chase list (CSV): {table}" in out
    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "Chase list for the MDT of 28 October 2026" in text
    with table.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:4] == ["meeting_date", "position", "hospital_number", "patient"]


def test_chase_json_with_files_keeps_stdout_json(demo_path, capsys, tmp_path):
    pdf = tmp_path / "chase.pdf"
    code, out, err = run(
        capsys, "--db", demo_path, "chase", "--meeting", "2026-11", "--json", "--out", pdf
    )
    assert code == 0
    json.loads(out)
    assert f"note: Chase list (PDF, 1 page): {pdf}" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("chase", "--meeting", "2027-01"), "No meeting in 2027-01"),
        (("chase", "--meeting", "2026-13"), "YYYY-MM"),
        (("chase", "--meeting", "2026-11", "--out", "x.txt"), "x.txt: the printable chase list"),
        (("chase", "--meeting", "2026-11", "--csv", "x.pdf"), "x.pdf: the chase list spreadsheet"),
        (("summary", "--month", "2026-13"), "YYYY-MM"),
        (("summary", "--month", "2026-10", "--out", "s.csv"), "s.csv: the monthly summary"),
    ],
)
def test_bad_input_exits_2_with_one_line(demo_path, capsys, argv, message):
    code, out, err = run(capsys, "--db", demo_path, *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_database_is_not_created(tmp_path, capsys):
    missing = tmp_path / "none.sqlite3"
    code, _, _ = run(capsys, "--db", missing, "chase", "--meeting", "2026-11")
    assert code != 0
    assert not missing.exists()


def test_summary_json(demo_path, capsys):
    code, out, err = run(
        capsys, "--db", demo_path, "summary", "--month", "2026-10", "--as-of", AS_OF, "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["month"] == "2026-10"
    assert document["as_of"] == AS_OF.isoformat()
    assert document["listed"] == 6
    assert document["decisions"]["de_escalate"] >= 1
    assert document["actions_overdue"] >= 1
    assert document["administrations_avoided_per_year"] > 0
    assert document["by_drug"]


def test_summary_text_and_pdf(demo_path, capsys, tmp_path):
    pdf = tmp_path / "summary.pdf"
    code, out, _ = run(
        capsys,
        "--db",
        demo_path,
        "summary",
        "--month",
        "2026-10",
        "--as-of",
        AS_OF,
        "--out",
        pdf,
    )
    assert code == 0
    assert out.startswith("Monthly summary, October 2026")
    assert "Decisions by type:" in out
    assert "Administrations avoided a year" in out
    assert f"Monthly summary (PDF, 1 page): {pdf}" in out
    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "Monthly summary — October 2026" in text
