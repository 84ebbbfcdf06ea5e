"""Saving with its audit row: a checklist answer and a decision, on a copy of the large database.

The floor is one raw sqlite3 INSERT committed on the same file with the same settings (WAL,
synchronous FULL): the cost of the durable commit itself, which no service can go below.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path


def save_times(db: Path, saves: int) -> dict[str, list[float]]:
    """Milliseconds per answer, per decision and per raw commit (*saves* of each)."""
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.domain.access import Actor
    from mdt_desktop.domain.consensus import DecisionInput
    from mdt_desktop.domain.enums import ChecklistResult, Outcome, Role
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.bundle import meeting_services
    from mdt_desktop.services.roster import RosterService

    with tempfile.TemporaryDirectory(prefix="mdt-bench-save-") as folder:
        copy = Path(folder) / "save.sqlite3"
        shutil.copy(db, copy)
        database = open_database(copy)
        try:
            services = meeting_services(database, clinical_config())
            meeting = next(
                m for m in services.meetings.list_meetings() if m.status.value != "signed_off"
            )
            board = services.meetings.board(meeting.id)
            chair = Actor(board.meeting.chair_id or 0, board.meeting.chair)
            nurse = next(
                c for c in RosterService(database).clinicians() if c.role is Role.IBD_NURSE
            )
            nurse_actor = Actor(nurse.id or 0, nurse.name)
            cases = [d.case for d in board.cases]
            items = [a.item_key for a in cases[0].checklist]
            answers, decisions = [], []
            for n in range(saves):
                case = cases[n % len(cases)]
                result = ChecklistResult.MET if n % 2 else ChecklistResult.NOT_MET
                started = time.perf_counter()
                services.checklist.answer(
                    case.id, items[n % len(items)], result, f"benchmark {n}", nurse_actor
                )
                answers.append((time.perf_counter() - started) * 1000)
                decision = DecisionInput(
                    outcome=Outcome.CONTINUE_INTENSIFIED, rationale=f"Benchmark decision {n}"
                )
                started = time.perf_counter()
                services.decisions.record(case.id, decision, chair)
                decisions.append((time.perf_counter() - started) * 1000)
        finally:
            database.close()
        return {"answer": answers, "decision": decisions, "floor": _raw_commits(copy, saves)}


def _raw_commits(path: Path, saves: int) -> list[float]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, payload TEXT)")
        times = []
        for n in range(saves):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO bench_floor (payload) VALUES (?)", (f"row {n}",))
            connection.execute("COMMIT")
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        connection.close()
