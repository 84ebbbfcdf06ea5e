"""A synthetic, deterministic demo database: DEMO patients, a roster and four months of MDTs.

``build_demo`` writes it into a temporary file next to the target and renames it into place, so
an interrupted build never leaves a half-written database behind.
"""

from __future__ import annotations

import os
import sqlite3
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from mdt_desktop.demo.acceptance import simulate_accepted
from mdt_desktop.demo.cohort import Calendar, meeting_calendar, plan_cohort
from mdt_desktop.demo.meetings import build_meetings
from mdt_desktop.demo.writer import DemoCounts, meta_for, write_demo
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.errors import RefusedError, ValidationError
from mdt_desktop.models.db import SQLITE_HEADER, open_database
from mdt_desktop.models.lock import WriterLock, lock_path_for

MIN_PATIENTS = 20
MAX_PATIENTS = 20_000
DEFAULT_PATIENTS = 120
DEFAULT_SEED = 1


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What was built, where, and how long it took."""

    path: Path
    counts: DemoCounts
    as_of: date
    seed: int
    seconds: float
    size_bytes: int


def build_demo(
    path: Path,
    config: ClinicalConfig,
    *,
    patients: int = DEFAULT_PATIENTS,
    seed: int = DEFAULT_SEED,
    as_of: date | None = None,
    force: bool = False,
    lab_density: float = 1.0,
) -> DemoResult:
    """Write a demo database to *path* (deterministic for *seed*, *as_of* and *lab_density*)."""
    if not MIN_PATIENTS <= patients <= MAX_PATIENTS:
        raise ValidationError(
            f"--patients: must be between {MIN_PATIENTS} and {MAX_PATIENTS}, got {patients}"
        )
    started = clock.perf_counter()
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise ValidationError(f"{path}: the folder {path.parent} does not exist")
    day = as_of or date.today()
    lock = WriterLock.acquire(path)
    if isinstance(lock, str):
        raise RefusedError(f"{path} is open in another MDT Desktop ({lock}); close it first.")
    try:
        if path.exists() and path.stat().st_size > 0:
            _check_replaceable(path, force)
        temporary = path.with_name(path.name + ".building")
        _remove(temporary)
        counts = _build(temporary, config, patients, seed, meeting_calendar(day, lab_density))
        for suffix in ("-wal", "-shm"):  # an old WAL must never be replayed into the new file
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        temporary.replace(path)
        _remove(temporary)
    finally:
        lock.release()
    return DemoResult(path, counts, day, seed, clock.perf_counter() - started, path.stat().st_size)


def _build(
    target: Path, config: ClinicalConfig, patients: int, seed: int, cal: Calendar
) -> DemoCounts:
    day = cal.as_of
    plans = plan_cohort(patients, seed, cal, config)
    records = [simulate_accepted(plan, cal, seed, config) for plan in plans]
    meetings = build_meetings(plans, records, cal, config, seed)
    go_live = datetime.combine(cal.meetings[-1] - timedelta(days=30), time(8, 0))
    db = open_database(target)
    event.listen(db.engine, "connect", _unsynced)
    try:
        counts = write_demo(
            db,
            records,
            meetings,
            go_live=go_live,
            now=demo_now(day),
            meta=meta_for(seed, patients, day),
            config=config,
        )
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.rollback()
    except BaseException:
        db.close()
        _remove(target)
        raise
    db.close()
    with target.open("rb") as written:  # on disk before it is renamed into place
        os.fsync(written.fileno())
    return counts


def _unsynced(dbapi_connection: Any, _record: Any) -> None:
    """Leave the temporary file unsynced commit by commit (it is synced once, when complete).

    The build's hundreds of user actions each commit, and the file is used only when complete.
    """
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def demo_now(as_of: date) -> datetime:
    """The demo's "now": the start of the working day of its as-of date."""
    return datetime.combine(as_of, time(8, 0))


def _check_replaceable(path: Path, force: bool) -> None:
    if not force:
        raise RefusedError(f"{path} already exists; add --force to replace it with a new demo.")
    with path.open("rb") as handle:
        is_sqlite = handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    demo = False
    if is_sqlite:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT value FROM mdt_meta WHERE key = 'demo'").fetchone()
            demo = row is not None and row[0] == "true"
        except sqlite3.DatabaseError:
            demo = False
        finally:
            connection.close()
    if not demo:
        raise RefusedError(
            f"{path} is not an MDT Desktop demo database; --force only replaces demo databases. "
            "Move or delete it yourself if you really mean to replace it."
        )


def _remove(database: Path) -> None:
    """Delete a temporary database with its WAL, shared-memory and lock files."""
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    lock_path_for(database).unlink(missing_ok=True)


__all__ = ["DEFAULT_PATIENTS", "DEFAULT_SEED", "DemoResult", "build_demo"]
