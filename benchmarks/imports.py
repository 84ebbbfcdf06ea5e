"""Importing 100,000 lab results from CSV, and the same number from HL7 v2 ORU^R01 messages, into
a copy of the large database, and the floor: the CSV rows inserted with raw sqlite3 executemany
(no reading, checking or audit).

    python benchmarks/imports.py [--hl7] [--rows N] [--runs N] [--db PATH]

measures one import on its own (the database must exist: benchmarks/run.py builds it).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = 100_000
START = datetime(2024, 1, 1, 7, 0, 17)  # seconds = 17: no stored result has that time
TESTS = (
    ("38445-3", "ug/g", 20, 900),
    ("1988-5", "mg/L", 0.2, 40),
    ("crp", "mg/dL", 0.02, 4),
    ("718-7", "g/L", 90, 170),
    ("6690-2", "10*3/uL", 2, 15),
    ("1751-7", "g/L", 25, 50),
    ("39803-2", "ng/mL", 500, 15000),
)
# One order of seven results per HL7 message: LOINC and local codes (OBX-3.3 "L"), units that
# need converting, one analyte each so the results of a message never collide.
HL7_TESTS = (
    ("38445-3^Calprotectin^LN", "ug/g", 20, 900),
    ("1988-5^C reactive protein^LN", "mg/dL", 0.02, 4),
    ("718-7^Hemoglobin^LN", "g/L", 90, 170),
    ("6690-2^Leukocytes^LN", "10*3/uL", 2, 15),
    ("1751-7^Albumin^LN", "g/L", 25, 50),
    ("IFX^Infliximab level^L", "ng/mL", 500, 15000),
    ("ADA^Adalimumab level^L", "ng/mL", 500, 12000),
)
Patient = tuple[str, str, str, str]  # hospital number, surname, given name, YYYY-MM-DD birth


def make_csv(path: Path, numbers: list[str], rows: int = ROWS, seed: int = 5) -> None:
    """*rows* results over *numbers*, at times no stored result has (seconds = 17)."""
    rng = random.Random(seed)
    lines = ["hospital_number,collected_at,test,value,unit"]
    for n in range(rows):
        code, unit, low, high = TESTS[n % len(TESTS)]
        when = START + timedelta(minutes=n)
        lines.append(
            f"{rng.choice(numbers)},{when:%Y-%m-%dT%H:%M:%S},{code},"
            f"{rng.uniform(low, high):.2f},{unit}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_hl7(path: Path, patients: list[Patient], rows: int = ROWS, seed: int = 5) -> int:
    """*rows* OBX results in ORU^R01 messages (CR endings), as many as ``make_csv`` writes.

    Patients and times are picked as there: each message is for a patient drawn with the same
    seed, at a minute after the last one (seconds = 17); PID-5 and PID-7 are the stored
    identity, so the import checks them as it would a laboratory's. Returns the messages.
    """
    rng = random.Random(seed)
    messages = written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        while written < rows:
            number, family, given, born = rng.choice(patients)
            at = f"{START + timedelta(minutes=messages):%Y%m%d%H%M%S}"
            tests = HL7_TESTS[: rows - written]
            segments = [
                f"MSH|^~\\&|LAB|EXAMPLE HOSPITAL (DEMO)|MDT|IBD|{at}||ORU^R01|"
                f"BENCH{messages:08d}|P|2.4",
                f"PID|1||9990000018^^^NHS^NH~{number}^^^EXAMPLE^MR||{family}^{given}||"
                f"{born.replace('-', '')}",
                f"OBR|1|ORD{messages}|LAB{messages}|IBD^IBD monitoring^L|||{at}",
            ]
            for set_id, (code, unit, low, high) in enumerate(tests, start=1):
                value = f"{rng.uniform(low, high):.2f}"
                segments.append(f"OBX|{set_id}|NM|{code}||{value}|{unit}||N|||F|||{at}")
            out.write("\r".join(segments) + "\r")
            written += len(tests)
            messages += 1
    return messages


def import_times(db: Path, runs: int) -> dict[str, list[float]]:
    """Seconds per import of 100,000 CSV rows (fresh copy each run) and the raw-insert floor."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        numbers = [r[0] for r in raw.execute("SELECT hospital_number FROM patients")]
    times, floor = [], []
    with tempfile.TemporaryDirectory(prefix="mdt-bench-import-") as folder:
        csv_path = Path(folder) / "labs.csv"
        make_csv(csv_path, numbers)
        for run in range(runs):
            copy = Path(folder) / f"import-{run}.sqlite3"
            shutil.copy(db, copy)
            times.append(_timed_import(copy, csv_path, ROWS))
            floor.append(_raw_insert(copy, csv_path))
            copy.unlink()
    return {"import": times, "floor": floor}


def hl7_import_times(db: Path, runs: int, rows: int = ROWS) -> list[float]:
    """Seconds per import of *rows* HL7 OBX results (fresh copy of *db* each run)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        patients: list[Patient] = raw.execute(
            "SELECT hospital_number, family_name, given_name, date_of_birth FROM patients"
        ).fetchall()
    times = []
    with tempfile.TemporaryDirectory(prefix="mdt-bench-import-") as folder:
        hl7_path = Path(folder) / "labs.hl7"
        make_hl7(hl7_path, patients, rows)
        for run in range(runs):
            copy = Path(folder) / f"import-{run}.sqlite3"
            shutil.copy(db, copy)
            times.append(_timed_import(copy, hl7_path, rows))
            copy.unlink()
    return times


def _timed_import(copy: Path, path: Path, rows: int) -> float:
    """Seconds ImportService takes to import *path* (all *rows* new) into *copy*."""
    from mdt_desktop.configuration import code_table
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.imports import ImportService

    database = open_database(copy)
    try:
        started = time.perf_counter()
        report = ImportService(database, code_table()).run([path], None)
        seconds = time.perf_counter() - started
        assert report.new_records == rows, report.problems[:3]
        return seconds
    finally:
        database.close()


def _raw_insert(copy: Path, csv_path: Path) -> float:
    """The same rows into a scratch table with executemany: the cost of the write alone."""
    rows = [line.split(",") for line in csv_path.read_text().splitlines()[1:]]
    connection = sqlite3.connect(copy, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(
            "CREATE TABLE bench_rows "
            "(number TEXT, collected TEXT, code TEXT, value REAL, unit TEXT)"
        )
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany("INSERT INTO bench_rows VALUES (?, ?, ?, ?, ?)", rows)
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Time one import of lab results.")
    parser.add_argument("--hl7", action="store_true", help="HL7 v2 ORU^R01 instead of CSV")
    parser.add_argument("--rows", type=int, default=ROWS, help="results (HL7 only)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks/data/large-2000.sqlite3")
    args = parser.parse_args()
    if args.hl7:
        times = hl7_import_times(args.db, args.runs, args.rows)
        print(f"import_{args.rows}_hl7_s: {', '.join(f'{t:.2f}' for t in times)}")
    else:
        print(import_times(args.db, args.runs))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
