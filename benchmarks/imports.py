"""Importing 100,000 lab results from CSV into a copy of the large database, and the floor: the
same rows inserted with raw sqlite3 executemany (no reading, checking or audit)."""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROWS = 100_000
TESTS = (
    ("38445-3", "ug/g", 20, 900),
    ("1988-5", "mg/L", 0.2, 40),
    ("crp", "mg/dL", 0.02, 4),
    ("718-7", "g/L", 90, 170),
    ("6690-2", "10*3/uL", 2, 15),
    ("1751-7", "g/L", 25, 50),
    ("39803-2", "ng/mL", 500, 15000),
)


def make_csv(path: Path, numbers: list[str], rows: int = ROWS, seed: int = 5) -> None:
    """*rows* results over *numbers*, at times no stored result has (seconds = 17)."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 7, 0, 17)
    lines = ["hospital_number,collected_at,test,value,unit"]
    for n in range(rows):
        code, unit, low, high = TESTS[n % len(TESTS)]
        when = start + timedelta(minutes=n)
        lines.append(
            f"{rng.choice(numbers)},{when:%Y-%m-%dT%H:%M:%S},{code},"
            f"{rng.uniform(low, high):.2f},{unit}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def import_times(db: Path, runs: int) -> dict[str, list[float]]:
    """Seconds per import of 100,000 CSV rows (fresh copy each run) and the raw-insert floor."""
    from mdt_desktop.configuration import code_table
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.imports import ImportService

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        numbers = [r[0] for r in raw.execute("SELECT hospital_number FROM patients")]
    times, floor = [], []
    with tempfile.TemporaryDirectory(prefix="mdt-bench-import-") as folder:
        csv_path = Path(folder) / "labs.csv"
        make_csv(csv_path, numbers)
        for run in range(runs):
            copy = Path(folder) / f"import-{run}.sqlite3"
            shutil.copy(db, copy)
            database = open_database(copy)
            try:
                started = time.perf_counter()
                report = ImportService(database, code_table()).run([csv_path], None)
                times.append(time.perf_counter() - started)
                assert report.new_records == ROWS, report.problems[:3]
            finally:
                database.close()
            floor.append(_raw_insert(copy, csv_path))
            copy.unlink()
    return {"import": times, "floor": floor}


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
