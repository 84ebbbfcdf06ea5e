"""The de-escalation outcome audit over at least 1,000 episodes, and its floor: the same rows read
with raw sqlite3 (no records, rules or statistics).

    python benchmarks/outcomes.py [--runs N] [--db PATH]

measures the audit on its own (the database must exist: benchmarks/run.py builds it), warm (the
service as the application holds it), and the whole ``audit --json`` command in a new process,
which also pays for Python's start and the imports (scipy.stats alone takes ~0.7 s). The large
database holds fewer than 1,000 de-escalations, so the audit runs on a copy in which enough
patients without one get a synthetic de-escalation, written with SQL: their current anti-TNF
period ends halfway to the audit's day and the same dose continues at twice the interval.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EPISODES = 1000
AS_OF = date(2026, 11, 24)  # the large database's day (run.py LARGE_AS_OF)
ANTI_TNF = ("infliximab_iv", "infliximab_sc", "adalimumab", "golimumab", "certolizumab")
CLASSES = (*ANTI_TNF, "prednisolone", "hydrocortisone", "methylprednisolone")
CLASSES += ("azathioprine", "mercaptopurine", "methotrexate")
ANALYTES = ("faecal_calprotectin", "crp", "infliximab_level", "adalimumab_level")  # 2: recapture
MIN_FOLLOW_UP = timedelta(days=400)  # the synthetic de-escalation is >= 200 days old


def audit_times(db: Path, runs: int, as_of: date = AS_OF) -> dict[str, Any]:
    """Seconds per audit of >= 1,000 de-escalations (a prepared copy of *db*) and the floor."""
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.outcomes import OutcomeService

    with tempfile.TemporaryDirectory(prefix="mdt-bench-audit-") as folder:
        copy = Path(folder) / "audit.sqlite3"
        shutil.copy(db, copy)
        added = _ensure_episodes(copy, as_of)
        database = open_database(copy, read_only=True)
        try:
            service = OutcomeService(database, clinical_config())
            audit = service.audit(as_of=as_of)  # warm-up: compiles the statements
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                audit = service.audit(as_of=as_of)
                times.append(time.perf_counter() - started)
        finally:
            database.close()
        windows = _windows(copy, audit.episodes, service, as_of)
        floor = [_raw_read(copy, windows) for _ in range(runs)]
        command = [_command(copy, as_of) for _ in range(max(1, runs // 2))]
    return {
        "audit": times,
        "command": command,
        "floor": floor,
        "episodes": audit.overall.de_escalations,
        "synthetic": added,
    }


def _command(copy: Path, as_of: date) -> float:
    """Seconds of ``mdt-desktop audit --json`` in a new process: start, imports (scipy's too)."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mdt_desktop",
            "--db",
            str(copy),
            "audit",
            "--json",
            "--as-of",
            as_of.isoformat(),
        ],
        capture_output=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def _count(copy: Path, as_of: date) -> tuple[int, set[str]]:
    """De-escalations the audit finds in *copy*, and the patients who have one."""
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.outcomes import OutcomeService

    database = open_database(copy, read_only=True)
    try:
        audit = OutcomeService(database, clinical_config()).audit(as_of=as_of)
    finally:
        database.close()
    return audit.overall.de_escalations, {e.hospital_number for e in audit.episodes}


def _ensure_episodes(copy: Path, as_of: date) -> int:
    """Add synthetic de-escalations until the audit counts >= EPISODES; return how many."""
    added = 0
    found, having = _count(copy, as_of)
    while found < EPISODES:
        more = _de_escalate(copy, having, EPISODES - found + 50, as_of)
        if not more:
            raise RuntimeError(f"only {found} de-escalations: no patient left to de-escalate")
        added += more
        found, having = _count(copy, as_of)
    return added


def _de_escalate(copy: Path, having: set[str], wanted: int, as_of: date) -> int:
    """End the current anti-TNF period of *wanted* patients halfway; continue at 2x interval."""
    connection = sqlite3.connect(copy, isolation_level=None)
    try:
        marks = ",".join("?" * len(ANTI_TNF))
        rows = connection.execute(
            "SELECT m.id, p.hospital_number, m.patient_id, m.drug, m.dose_value, m.dose_unit, "
            "m.interval_days, m.start_date FROM medication_periods m "
            "JOIN patients p ON p.id = m.patient_id "
            f"WHERE m.end_date IS NULL AND m.phase = 'maintenance' AND m.drug IN ({marks}) "
            "AND m.start_date <= ? ORDER BY m.patient_id",
            (*ANTI_TNF, (as_of - MIN_FOLLOW_UP).isoformat()),
        ).fetchall()
        chosen = [r for r in rows if r[1] not in having][:wanted]
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.execute("BEGIN IMMEDIATE")
        for period_id, _number, patient_id, drug, dose, unit, interval, start in chosen:
            begun = date.fromisoformat(start)
            split = begun + (as_of - begun) / 2
            connection.execute(
                "UPDATE medication_periods SET end_date = ?, end_reason = 'regimen_change' "
                "WHERE id = ?",
                (split.isoformat(), period_id),
            )
            connection.execute(
                "INSERT INTO medication_periods (patient_id, drug, dose_value, dose_unit, "
                "interval_days, start_date, phase, reason, source, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'maintenance', 'Benchmark de-escalation', "
                "'benchmark', ?)",
                (patient_id, drug, dose, unit, interval * 2, split.isoformat(), now),
            )
        connection.execute("COMMIT")
        return len(chosen)
    finally:
        connection.close()


Window = tuple[int, str, str]


def _windows(copy: Path, episodes: Any, service: Any, as_of: date) -> dict[bool, list[Window]]:
    """The observation windows the audit reads (before de-escalation; after re-escalation)."""
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as raw:
        ids = dict(raw.execute("SELECT hospital_number, id FROM patients").fetchall())
    found: dict[int, list[Any]] = {}
    for episode in episodes:
        found.setdefault(ids[episode.hospital_number], []).append(episode)
    windows: dict[bool, list[Window]] = {False: [], True: []}
    for w in service._windows(found, as_of):  # the same windows, by the same rule
        windows[w.recapture].append((w.patient_id, _stored(w.start), _stored(w.end)))
    return windows


def _stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _raw_read(copy: Path, windows: dict[bool, list[Window]]) -> float:
    """Read the rows the audit reads with bare sqlite3: candidates' periods, events, results."""
    candidates = (
        "SELECT patient_id FROM medication_periods WHERE phase = 'maintenance' AND drug IN "
        f"({','.join('?' * len(ANTI_TNF))}) GROUP BY patient_id HAVING count(*) >= 2"
    )
    started = time.perf_counter()
    connection = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        connection.execute(
            "SELECT patient_id, id, drug, dose_value, dose_unit, interval_days, start_date, "
            "end_date, phase, end_reason FROM medication_periods WHERE patient_id IN "
            f"({candidates}) AND drug IN ({','.join('?' * len(CLASSES))})",
            (*ANTI_TNF, *CLASSES),
        ).fetchall()
        connection.execute(
            "SELECT patient_id, id, kind, occurred_on, is_resection FROM clinical_events "
            f"WHERE patient_id IN ({candidates}) AND kind IN ('surgery', 'trial_enrolment')",
            ANTI_TNF,
        ).fetchall()
        connection.execute(
            f"SELECT * FROM patients WHERE id IN ({candidates})", ANTI_TNF
        ).fetchall()
        for recapture, chosen in windows.items():
            analytes = ANALYTES[:2] if recapture else ANALYTES
            for first in range(0, len(chosen), 2000):
                _raw_results(connection, chosen[first : first + 2000], analytes)
    finally:
        connection.close()
    return time.perf_counter() - started


def _raw_results(
    connection: sqlite3.Connection, windows: list[Window], analytes: tuple[str, ...]
) -> None:
    connection.execute(
        "WITH w(patient_id, start, finish) AS (VALUES "
        + ",".join(["(?, ?, ?)"] * len(windows))
        + ") SELECT o.patient_id, o.id, o.analyte, o.value, o.comparator, o.collected_at "
        "FROM observations o JOIN w ON o.patient_id = w.patient_id "
        f"AND o.analyte IN ({','.join('?' * len(analytes))}) "
        "AND o.collected_at >= w.start AND o.collected_at < w.finish",
        (*(v for window in windows for v in window), *analytes),
    ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the outcome audit.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks/data/large-2000.sqlite3")
    args = parser.parse_args()
    result = audit_times(args.db, args.runs)
    print(
        f"audit of {result['episodes']} de-escalations ({result['synthetic']} synthetic): "
        f"{_seconds(result['audit'])}; floor {_seconds(result['floor'])}; "
        f"the command in a new process {_seconds(result['command'])}"
    )


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values) + " s"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
