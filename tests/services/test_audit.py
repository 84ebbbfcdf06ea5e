"""The hash-chained audit log: intact chains verify; edits and deletions are found."""

import sqlite3
from datetime import datetime

from mdt_desktop.domain.access import SYSTEM, Actor
from mdt_desktop.services.audit import AuditBatch, record_audit, verify_chain


def write_rows(db, n=5):
    with db.write() as session:
        for i in range(n):
            record_audit(
                session,
                Actor(None, "Kate Doyle (DEMO)"),
                "update",
                "decision",
                i,
                patient_id=1,
                before={"outcome": "defer"},
                after={"outcome": "de_escalate", "on": datetime(2026, 1, i + 1)},
                reason=f"edit {i}",
            )


def test_a_fresh_chain_is_intact(db):
    write_rows(db)
    with db.read() as session:
        report = verify_chain(session)
    assert report.rows == 5
    assert report.intact


def test_batch_and_single_rows_share_one_chain(db):
    write_rows(db, 2)
    with db.write() as session:
        batch = AuditBatch(session)
        for i in range(3):
            batch.add(SYSTEM, "import", "observation", i, reason="batch")
        assert batch.flush() == 3
        record_audit(session, SYSTEM, "create", "patient", 9)
    with db.read() as session:
        report = verify_chain(session)
    assert (report.rows, report.intact) == (6, True)


def tamper(db, *statements):
    """What someone with the sqlite3 shell could do after dropping the triggers."""
    raw = sqlite3.connect(db.path)
    raw.execute("DROP TRIGGER audit_events_no_update")
    raw.execute("DROP TRIGGER audit_events_no_delete")
    for statement in statements:
        raw.execute(statement)
    raw.commit()
    raw.close()


def test_an_edited_row_is_found(db):
    write_rows(db)
    tamper(db, "UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3")
    with db.read() as session:
        report = verify_chain(session)
    assert not report.intact
    assert report.problems == (
        "audit row 3: content does not match its hash (edited after it "
        "was written; update decision 2)",
    )


def test_a_deleted_row_is_found(db):
    write_rows(db)
    tamper(db, "DELETE FROM audit_events WHERE id = 2")
    with db.read() as session:
        report = verify_chain(session)
    assert any("audit row 3: does not follow" in p for p in report.problems)
