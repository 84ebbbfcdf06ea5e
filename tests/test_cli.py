"""The command line contract: commands, JSON keys, exit codes, messages.

See docs/architecture.md, "Command line".
"""

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from mdt_desktop import __version__, cli
from tests import factories as f
from tests.conftest import AS_OF


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--db", "x.sqlite3", "frobnicate"])
    assert done.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow  # builds a demo database
def test_demo_then_check(tmp_path, capsys):
    path = tmp_path / "x.sqlite3"
    code, out, _ = run(capsys, "--db", path, "demo", "--patients", 40, "--as-of", AS_OF)
    assert code == 0
    assert "40 DEMO patients" in out
    code, out, _ = run(capsys, "--db", path, "check")
    assert code == 0
    assert "Integrity:    ok" in out
    assert "Result:       OK" in out
    code, out, _ = run(capsys, "--db", path, "check", "--json")
    report = json.loads(out)
    assert report["ok"] is True
    assert report["counts"]["patients"] == 40
    assert report["schema"] == report["schema_head"]


def test_demo_refuses_to_overwrite_without_force(demo_path, capsys):
    before = demo_path.read_bytes()
    code, _, err = run(capsys, "--db", demo_path, "demo")
    assert code == 3
    assert err.strip().endswith("add --force to replace it with a new demo.")
    assert len(err.strip().splitlines()) == 1
    assert demo_path.read_bytes() == before


def test_check_finds_an_edited_audit_row(db, capsys):
    with db.write() as session:
        edited = [f.make_audit_event(session, reason=f"row {n}").id for n in range(3)][1]
    db.close()
    raw = sqlite3.connect(db.path)
    raw.execute("DROP TRIGGER audit_events_no_update")
    raw.execute(f"UPDATE audit_events SET reason = 'changed later' WHERE id = {edited}")
    raw.commit()
    raw.close()
    code, out, _ = run(capsys, "--db", db.path, "check")
    assert code == 1
    assert f"audit row {edited}: content does not match its hash" in out
    assert "PROBLEMS FOUND" in out


PATIENT_KEYS = {"hospital_number", "diagnosis", "montreal", "medications", "observations", "events"}
MEDICATION_KEYS = {"drug", "dose", "dose_unit", "interval_days", "start", "end"}
OBSERVATION_KEYS = {
    "analyte",
    "value",
    "unit",
    "comparator",
    "original_value",
    "original_unit",
    "collected_at",
}


def test_patient_json_has_the_contract_keys(demo_path, capsys):
    code, out, _ = run(capsys, "--db", demo_path, "patient", "DEMO10001", "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= PATIENT_KEYS
    assert doc["hospital_number"] == "DEMO10001"
    assert all(set(m) >= MEDICATION_KEYS for m in doc["medications"])
    assert all(set(o) >= OBSERVATION_KEYS for o in doc["observations"])
    assert all({"kind", "date"} <= set(e) for e in doc["events"])
    analytes = {o["analyte"] for o in doc["observations"]}
    assert {"faecal_calprotectin", "crp", "wbc", "haemoglobin", "albumin"} <= analytes
    units = {o["analyte"]: o["unit"] for o in doc["observations"]}
    assert units["crp"] == "mg/L"
    assert units["wbc"] == "10^9/L"
    assert units["albumin"] == "g/L"


def test_patient_text(db, capsys):
    with db.write() as session:
        f.make_medication_period(session, f.make_patient(session, hospital_number="TEST1"))
    db.close()
    code, out, _ = run(capsys, "--db", db.path, "patient", "TEST1")
    assert code == 0
    assert "TEST1" in out
    assert "Medication:" in out


MEETING_KEYS = {"date", "status", "chair", "attendance", "cases"}
CASE_KEYS = {
    "position",
    "hospital_number",
    "status",
    "checklist",
    "decision",
    "actions",
    "annotations",
}


def test_meeting_json_has_the_contract_keys(demo_path, capsys):
    code, out, _ = run(capsys, "--db", demo_path, "meeting", "2026-10", "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= MEETING_KEYS
    assert doc["status"] == "signed_off"
    assert all({"name", "role", "present"} <= set(a) for a in doc["attendance"])
    for case in doc["cases"]:
        assert set(case) >= CASE_KEYS
        assert all(
            {"item", "automatic", "confirmed", "evidence"} <= set(i) for i in case["checklist"]
        )
        assert {"outcome", "rationale", "monitoring", "next_review"} <= set(case["decision"])
    assert [c["position"] for c in doc["cases"]] == sorted(c["position"] for c in doc["cases"])


def test_planned_meeting_shows_live_checklists(demo_path, capsys):
    code, out, _ = run(capsys, "--db", demo_path, "meeting", AS_OF.strftime("%Y-%m"), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "planned"
    assert all(c["decision"] is None for c in doc["cases"])
    assert all(len(c["checklist"]) == 9 for c in doc["cases"])


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (("patient", "NOPE1"), 2, "No patient with hospital number 'NOPE1'."),
        (("meeting", "2020-01"), 2, "No meeting in 2020-01."),
        (("meeting", "Jan"), 2, "meeting 'Jan': give a month as YYYY-MM or a date as YYYY-MM-DD"),
    ],
)
def test_bad_input_exits_2_with_one_line(demo_path, capsys, argv, code, message):
    result, out, err = run(capsys, "--db", demo_path, *argv)
    assert result == code
    assert out == ""
    assert err == f"mdt-desktop: {message}\n"


def test_missing_database_is_not_created_by_reading_commands(tmp_path, capsys):
    path = tmp_path / "absent.sqlite3"
    code, _, err = run(capsys, "--db", path, "check")
    assert code == 2
    assert "no such database file" in err
    assert not path.exists()


def test_foreign_file_is_refused_with_3(tmp_path, capsys):
    path = tmp_path / "other.sqlite3"
    path.write_bytes(b"not a database at all")
    code, _, err = run(capsys, "--db", path, "patient", "X")
    assert code == 3
    assert "is not an MDT Desktop database" in err


def test_locked_database_refuses_the_demo_with_3(demo_path, capsys):
    from mdt_desktop.models.db import open_database

    holder = open_database(demo_path)
    try:
        code, _, err = run(capsys, "--db", demo_path, "demo", "--force")
    finally:
        holder.close()
    assert code == 3
    assert "is open in another MDT Desktop" in err


def test_reading_commands_work_while_another_writer_holds_the_lock(db, capsys):
    with db.write() as session:
        f.sign_off(session, f.make_meeting(session, meeting_date=date(2026, 10, 28)))
    # db, opened for writing, holds the lock while the command reads
    code, out, err = run(capsys, "--db", db.path, "meeting", "2026-10")
    assert code == 0
    assert "note: test.sqlite3 is open for writing" in err
    assert "signed_off" in out


def test_unexpected_errors_are_one_line_without_debug(db, capsys, monkeypatch):
    from mdt_desktop.services import integrity

    def explode(_db):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(integrity, "check_database", explode)
    db.close()
    code, _, err = run(capsys, "--db", db.path, "check")
    assert code == 1
    assert err == (
        "mdt-desktop: unexpected error: RuntimeError: disk on fire (run with --debug for details)\n"
    )
    code, _, err = run(capsys, "--debug", "--db", db.path, "check")
    assert code == 1
    assert "Traceback" in err


def test_url_from_environment_overrides_the_default(monkeypatch):
    monkeypatch.setenv("MDT_DATABASE_URL", "postgresql://mdt@db.example/mdt")
    target = cli.resolve_target(cli.build_parser().parse_args(["check"]))
    assert target.url == "postgresql://mdt@db.example/mdt"
    target = cli.resolve_target(cli.build_parser().parse_args(["--db", "a.sqlite3", "check"]))
    assert str(target.path) == "a.sqlite3"


def test_default_database_is_in_the_user_data_folder(monkeypatch):
    monkeypatch.delenv("MDT_DATABASE_URL", raising=False)
    target = cli.resolve_target(cli.build_parser().parse_args(["check"]))
    assert target.path is not None
    assert target.path.name == "mdt.sqlite3"
    assert "mdt-desktop" in str(target.path)


@pytest.mark.slow  # starts subprocesses
def test_console_script_and_module_entry_points(demo_path):
    script = Path(sys.executable).with_name("mdt-desktop")  # installed beside the interpreter
    for command in ([str(script)], [sys.executable, "-m", "mdt_desktop"]):
        done = subprocess.run(
            [*command, "--db", str(demo_path), "patient", "NOPE1"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        assert done.stderr == "mdt-desktop: No patient with hospital number 'NOPE1'.\n"


@pytest.mark.slow  # starts a subprocess
def test_importing_the_cli_does_not_import_qt():
    code = (
        "import sys, mdt_desktop.cli, mdt_desktop.services.meetings, mdt_desktop.demo; "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_minutes_command_writes_the_pdf_and_says_what_it_wrote(demo_path, tmp_path, capsys):
    from pypdf import PdfReader

    out = tmp_path / "m.pdf"
    code, stdout, err = run(
        capsys, "--db", demo_path, "minutes", "--meeting", "2026-10", "--out", out
    )
    assert code == 0, err
    pages = len(PdfReader(out).pages)
    assert stdout.startswith("Full minutes (PDF), MDT of 28 Oct 2026, final")
    assert f"{pages} pages" in stdout


@pytest.mark.slow  # renders minutes and letters
@pytest.mark.parametrize(
    ("extra", "name", "expect"),
    [
        (("--pseudonymise",), "p.pdf", "Pseudonymised minutes"),
        (("--patient", "DEMO10001"), "l.pdf", None),
        (("--letters",), "letters", "An outcome letter per case"),
        (("--spreadsheet",), "d.csv", "Decisions and actions"),
    ],
)
def test_minutes_command_kinds(demo_path, tmp_path, capsys, extra, name, expect):
    code, stdout, err = run(
        capsys,
        "--db",
        demo_path,
        "minutes",
        "--meeting",
        "2026-11",
        "--out",
        tmp_path / name,
        *extra,
    )
    if expect is None:  # DEMO10001 is not on that meeting's list
        assert code == 2
        assert err == "mdt-desktop: DEMO10001 is not on the list of this meeting.\n"
        return
    assert code == 0, err
    assert expect in stdout
    assert "DRAFT" in stdout
    assert (tmp_path / name).exists()


def test_minutes_command_refuses_a_wrong_suffix_with_2(demo_path, tmp_path, capsys):
    code, stdout, err = run(
        capsys, "--db", demo_path, "minutes", "--meeting", "2026-10", "--out", tmp_path / "m.docx"
    )
    assert stdout == ""
    assert code == 2
    assert "must be written to a .pdf" in err
    assert not (tmp_path / "m.docx").exists()


AUDIT_KEYS = {
    "de_escalations",
    "patients",
    "evaluable_12m",
    "maintained_12m",
    "maintained_12m_pct",
    "failed_12m",
    "median_months_to_failure",
    "failure_reasons",
    "re_escalated",
    "recaptured",
    "km",
}


def test_audit_json_has_the_contract_keys(demo_path, capsys):
    code, out, err = run(capsys, "--db", demo_path, "audit", "--json", "--as-of", AS_OF)
    assert code == 0, err
    assert err == ""
    doc = json.loads(out)
    assert set(doc) >= AUDIT_KEYS
    assert set(doc["failure_reasons"]) == {
        "re_escalation",
        "trial_enrolment",
        "steroids",
        "surgery",
        "stopped",
    }
    assert [p["month"] for p in doc["km"]] == list(range(25))
    assert all(set(p) >= {"month", "survival"} for p in doc["km"])
    assert 0 <= doc["maintained_12m_pct"] <= 100
    assert doc["maintained_12m"] + doc["failed_12m"] == doc["evaluable_12m"]
    assert doc["as_of"] == AS_OF.isoformat()


def test_audit_text_summary(demo_path, capsys):
    code, out, err = run(
        capsys, "--db", demo_path, "audit", "--as-of", AS_OF, "--cost-per-administration", "350"
    )
    assert code == 0, err
    doc = json.loads(run(capsys, "--db", demo_path, "audit", "--json", "--as-of", AS_OF)[1])
    maintained = f"{doc['maintained_12m']}/{doc['evaluable_12m']} ({doc['maintained_12m_pct']}%)"
    assert f"Maintained at 12 months:       {maintained}" in out
    for heading in ("By drug:", "By diagnosis:", "At de-escalation:", "Drug burden:"):
        assert heading in out
    assert "Mann–Whitney U" in out
    assert "at 350.00 an administration" in out


def test_audit_refuses_a_report_that_is_not_a_pdf_with_2(demo_path, tmp_path, capsys):
    code, out, err = run(capsys, "--db", demo_path, "audit", "--out", tmp_path / "a.docx")
    assert code == 2
    assert out == ""
    assert err == "mdt-desktop: a.docx: the audit report must be written to a .pdf file\n"
    assert not (tmp_path / "a.docx").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--as-of", "yesterday"), "'yesterday' is not a date"),
        (("--cost-per-administration", "-5"), "'-5' is not an amount"),
    ],
)
def test_audit_usage_errors_exit_2(demo_path, capsys, argv, message):
    with pytest.raises(SystemExit) as done:
        cli.main(["--db", str(demo_path), "audit", *argv])
    assert done.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow  # renders the audit report
def test_audit_writes_the_pdf_report(demo_path, tmp_path, capsys):
    pytest.importorskip("mdt_desktop.reports.audit_report")
    from pypdf import PdfReader

    target = tmp_path / "audit.pdf"
    code, out, err = run(capsys, "--db", demo_path, "audit", "--as-of", AS_OF, "--out", target)
    assert code == 0, err
    pages = len(PdfReader(target).pages)
    assert f"Audit report (PDF), {pages} pages: {target}" in out
    code, out, err = run(
        capsys, "--db", demo_path, "audit", "--json", "--as-of", AS_OF, "--out", target
    )
    assert code == 0
    json.loads(out)  # stdout stays one JSON document; the file is named on stderr
    assert "Audit report (PDF)" in err
