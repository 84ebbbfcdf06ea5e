"""Every malformed file of the corpus is refused by ``mdt-desktop import`` with exit 2, a
message naming the file, and nothing written (tests/importers/corpus/*/README.md says what is
wrong with each)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from mdt_desktop import cli
from tests.importers.conftest import CORPUS

FILES = sorted(p for p in CORPUS.glob("*/*") if p.name != "README.md")
TABLES = ("patients", "observations", "medication_periods", "clinical_events", "audit_events")


def counts(path):
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_the_corpus_is_large_enough():
    assert len(FILES) >= 30


def test_every_corpus_file_is_described():
    for folder in {p.parent for p in FILES}:
        described = (folder / "README.md").read_text(encoding="utf-8")
        for path in folder.iterdir():
            if path.name != "README.md":
                assert path.name in described, f"{path} is not in {folder}/README.md"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_refused_with_exit_2_and_nothing_written(demo_path, capsys, path):
    before = counts(demo_path)
    code = cli.main(["--db", str(demo_path), "import", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    report = json.loads(out)
    assert report["ok"] is False
    assert report["written"] is False
    assert report["problems"]
    for problem in report["problems"]:
        assert problem["file"] == path.name
        assert problem["reason"]
        assert "Traceback" not in problem["reason"]
    assert counts(demo_path) == before


REASONS = {  # files of the corpus and the words of the problem that refuses them
    "fhir/duplicated_key.json": "the key 'value' appears twice (4.1, then 41)",
    "fhir/unit_code_disagree.json": "the unit 'mg/dL' and the UCUM code 'mg/L' are different",
    "fhir/titre_under_level_code.json": "an antibody titre sent under a drug-level code?",
    "fhir/result_before_birth.json": "1901-01-02 is before the birth of DEMO10001",
    "fhir/stopped_without_end.json": "the statement is stopped but says neither when it ended",
    "hl7/two_pids.hl7": "a second PID in this message (the first is segment 2)",
    "hl7/result_before_birth.hl7": "1901-01-02 is before the birth of DEMO10001",
    "csv/result_before_birth.csv": "1901-01-02 is before the birth of DEMO10001",
}


@pytest.mark.parametrize(("name", "reason"), REASONS.items(), ids=list(REASONS))
def test_refused_for_the_reason_the_readme_gives(demo_path, capsys, name, reason):
    cli.main(["--db", str(demo_path), "import", str(CORPUS / name), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert [p["reason"] for p in report["problems"] if reason in p["reason"]], report["problems"]
