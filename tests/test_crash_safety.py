"""Committed data survives the writing process being killed (SIGKILL) at any moment.

A writer process does what users do on this month's meeting: nurses add notes and answer
checklist items, the chair records decisions (a de-escalation also changes the medication
history, all in one transaction). It prints ``ack <kind> <id>`` only after a call has returned,
that is after its transaction committed. The test kills it after a random short time, then
checks the file: SQLite's integrity and foreign-key checks pass, the program opens it for writing
again (the OS released the writer lock), every acknowledged write is there, the audit chain is
intact, and data and audit log agree (nothing half-written). The next round writes to the same
file, so later rounds start from a file whose writer was killed mid-write.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.enums import Outcome
from mdt_desktop.models import (
    AuditEventRow,
    CaseNoteRow,
    ChecklistAnswerRow,
    DecisionRow,
    MedicationPeriodRow,
)
from mdt_desktop.models.db import open_database
from mdt_desktop.services.audit import verify_chain

pytestmark = pytest.mark.slow  # kills writing subprocesses

ROUNDS = 8
SEED = 20261125
WATCHDOG_SECONDS = 30  # a writer that hangs must not hang the test run
ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import os
import random
import sys
from datetime import timedelta

from sqlalchemy import func, select

from mdt_desktop.domain.config import load_clinical_config
from mdt_desktop.domain.consensus import DecisionInput, propose_target
from mdt_desktop.domain.enums import ChecklistResult, Outcome, Role
from mdt_desktop.models import AuditEventRow, CaseReviewRow
from mdt_desktop.models.db import open_database
from mdt_desktop.paths import resource_path
from mdt_desktop.services.audit import Actor
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.roster import RosterService

path, seed = sys.argv[1], int(sys.argv[2])
parent = os.getppid()
rng = random.Random(seed)
config = load_clinical_config(resource_path())
db = open_database(path)
roster = RosterService(db).clinicians()
nurses = [Actor(c.id, c.name) for c in roster if c.role is Role.IBD_NURSE]
meetings = MeetingService(db, config)
meeting = meetings.get(meetings.find_id("2026-11"))
chair = next(Actor(c.id, c.name) for c in roster if c.name == meeting.chair)
cases = [case.id for case in meeting.cases]
keys = [item.key for item in config.checklist]
results = [None, *ChecklistResult]
notes = NoteService(db)
checklist = ChecklistService(db, config)
decisions = DecisionService(db)


def decide(case_id):
    detail = meetings.case_detail(case_id)
    current = detail.summary.anti_tnf
    target = propose_target(current.regimen if current else None, config.regimens)
    if target is not None and rng.random() < 0.6:
        effective = meeting.meeting_date + timedelta(days=rng.randint(0, 28))
        choice = DecisionInput(Outcome.DE_ESCALATE, "In remission", target, effective)
    else:
        choice = DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Not yet")
    return decisions.record(case_id, choice, chair)


print("ready", flush=True)
for n in range(100_000):
    if os.getppid() != parent:  # the test went away: stop instead of writing forever
        break
    case_id, nurse, kind = rng.choice(cases), rng.choice(nurses), rng.random()
    if kind < 0.4:
        note_id = notes.add(case_id, f"Seen in clinic, write {seed}/{n}", nurse)
        print(f"ack note {note_id}", flush=True)
    elif kind < 0.8:
        result = rng.choice(results)
        checklist.answer(case_id, rng.choice(keys), result, "Discussed with the patient", nurse)
        with db.read() as session:  # the only writer: the newest audit row is this answer's
            audit_id = session.scalar(select(func.max(AuditEventRow.id)))
        print(f"ack answer {audit_id}", flush=True)
    else:
        print(f"ack decision {decide(case_id)}", flush=True)
db.close()
"""


@dataclass(frozen=True)
class Firsts:
    """The first ids the writers can create."""

    note: int
    decision: int
    audit: int


@dataclass(frozen=True)
class Round:
    """When to kill the writer."""

    early: bool  # while it starts and opens the file (no waiting for "ready")
    first_ack: bool  # only after it acknowledged a write
    delay: float  # seconds after "ready" (or the first ack), or after the start when early

    @classmethod
    def draw(cls, rng: random.Random) -> Round:
        early = rng.random() < 0.2
        return cls(
            early,
            not early and rng.random() < 0.5,
            rng.uniform(0.0, 0.4) if early else rng.uniform(0.05, 0.6),
        )


def run_writer(path: Path, seed: int, plan: Round) -> list[tuple[str, int]]:
    """Start a writer, kill it as *plan* says; return its acknowledgements."""
    command = [sys.executable, "-c", WRITER, str(path), str(seed)]
    hung = threading.Event()
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as writer:

        def give_up() -> None:
            hung.set()
            writer.kill()

        watchdog = threading.Timer(WATCHDOG_SECONDS, give_up)
        watchdog.start()
        try:
            lines = []
            if not plan.early:
                lines.append(writer.stdout.readline())  # "ready" ("" if it died)
                if plan.first_ack:
                    lines.append(writer.stdout.readline())
            time.sleep(plan.delay)
            writer.kill()
            writer.wait(timeout=WATCHDOG_SECONDS)
            lines += writer.stdout.read().splitlines(keepends=True)
            errors = writer.stderr.read()
        finally:
            watchdog.cancel()
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    assert not hung.is_set(), f"the writer hung:\n{errors}"
    assert writer.returncode == -9, f"the writer ended by itself ({writer.returncode}):\n{errors}"
    if not plan.early:
        assert lines[0] == "ready\n", errors
    acks = []
    for line in lines:
        if line.startswith("ack ") and line.endswith("\n"):  # a cut-off line is not an ack
            _, kind, value = line.split()
            acks.append((kind, int(value)))
    if plan.first_ack:
        assert acks, f"no acknowledgement although the test waited for one:\n{errors}"
    return acks


def check_sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []


def check_with_the_program(path: Path, acks: list[tuple[str, int]], first: Firsts) -> None:
    db = open_database(path)
    try:
        assert not db.read_only, db.notice  # the killed writer's lock went with it
        with db.read() as session:
            for kind, value in acks:
                if kind == "note":
                    assert session.get(CaseNoteRow, value) is not None, f"note {value} lost"
                elif kind == "decision":
                    assert session.get(DecisionRow, value) is not None, f"decision {value} lost"
                else:
                    audit = session.get(AuditEventRow, value)
                    assert audit is not None, f"audit row {value} of an answer lost"
                    assert audit.entity == "checklist_answer"
                    assert session.get(ChecklistAnswerRow, audit.entity_id) is not None
            report = verify_chain(session)
            assert report.intact, report.problems
            check_data_matches_log(session, first)
    finally:
        db.close()


def newest_audit(session: Session, entity: str, first: Firsts) -> dict[int, AuditEventRow]:
    """The latest audit row of each *entity* written by the writers."""
    ids = (
        select(func.max(AuditEventRow.id))
        .where(AuditEventRow.entity == entity, AuditEventRow.id >= first.audit)
        .group_by(AuditEventRow.entity_id)
    )
    rows = session.scalars(select(AuditEventRow).where(AuditEventRow.id.in_(ids)))
    return {row.entity_id: row for row in rows if row.entity_id is not None}


def check_data_matches_log(session: Session, first: Firsts) -> None:
    """Nothing committed without its audit row, and no audit row without its change."""
    notes = set(session.scalars(select(CaseNoteRow.id).where(CaseNoteRow.id >= first.note)))
    assert notes == set(newest_audit(session, "case_note", first))
    for answer_id, audit in newest_audit(session, "checklist_answer", first).items():
        answer = session.get(ChecklistAnswerRow, answer_id)
        assert answer is not None
        assert answer.confirmed == (audit.after or {}).get("confirmed"), answer_id
    logged = newest_audit(session, "decision", first)
    for decision in session.scalars(select(DecisionRow).where(DecisionRow.id >= first.decision)):
        assert decision.outcome == (logged[decision.id].after or {}).get("outcome")
        created = session.scalars(
            select(MedicationPeriodRow).where(MedicationPeriodRow.decision_id == decision.id)
        ).all()
        closed = session.scalars(
            select(MedicationPeriodRow).where(
                MedicationPeriodRow.closed_by_decision_id == decision.id
            )
        ).all()
        steps_down = decision.outcome == Outcome.DE_ESCALATE.value
        assert (len(created), len(closed)) == ((1, 1) if steps_down else (0, 0)), decision.id
        if steps_down:
            assert created[0].start_date == closed[0].end_date == decision.effective_date


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_acknowledged_writes_survive_kill_9(demo_path: Path) -> None:
    rng = random.Random(SEED)
    with closing(sqlite3.connect(demo_path)) as raw:
        first = Firsts(
            *raw.execute(
                "SELECT (SELECT coalesce(max(id), 0) + 1 FROM case_notes), "
                "(SELECT coalesce(max(id), 0) + 1 FROM decisions), "
                "(SELECT coalesce(max(id), 0) + 1 FROM audit_events)"
            ).fetchone()
        )
    acked: list[tuple[str, int]] = []
    for round_ in range(ROUNDS):
        acked += run_writer(demo_path, SEED + round_, Round.draw(rng))
        check_sqlite(demo_path)
        check_with_the_program(demo_path, acked, first)
