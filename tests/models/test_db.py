"""Opening databases: settings, transactions, identity checks, the writer lock, migrations."""

import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from mdt_desktop.domain.errors import NotFoundError, RefusedError, ValidationError
from mdt_desktop.models import ObservationRow, PatientRow
from mdt_desktop.models import db as dbmodule
from mdt_desktop.models.db import (
    NewerDatabaseError,
    NotOurDatabaseError,
    head_revision,
    open_database,
)
from mdt_desktop.models.identity import APPLICATION_ID
from tests.factories import NOW, insert_observation, insert_patient


def add_patient(session):
    return insert_patient(session)


def add_observation(session, patient_id, when=NOW, value=40.0):
    insert_observation(
        session,
        patient_id,
        analyte="faecal_calprotectin",
        value=value,
        unit="ug/g",
        original_value=str(value),
        original_unit="ug/g",
        collected_at=when,
    )


def test_new_file_is_created_migrated_and_marked(tmp_path):
    path = tmp_path / "new.sqlite3"
    database = open_database(path)
    database.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    assert (
        raw.execute("SELECT value FROM mdt_meta WHERE key='application'").fetchone()[0]
        == "mdt-desktop"
    )
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_schema_head_matches_the_migration_scripts():
    assert dbmodule.script_head() == dbmodule.SCHEMA_HEAD


def test_reopening_a_current_file_changes_nothing(tmp_path):
    path = tmp_path / "again.sqlite3"
    open_database(path).close()
    database = open_database(path)
    assert database.backup is None  # nothing to migrate, so no backup either
    database.close()
    assert not list(tmp_path.glob("*.backup-*"))


def test_every_connection_gets_the_sqlite_settings(db):
    with db.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
        }
    assert pragma == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "synchronous": 2,
        "busy_timeout": dbmodule.BUSY_TIMEOUT_MS,
    }


def test_writes_begin_immediate(db):
    """A write transaction holds the write lock from its first statement."""
    other = sqlite3.connect(db.path, timeout=0, isolation_level=None)
    with db.write() as session:
        session.execute(select(1))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again after commit
    other.execute("ROLLBACK")
    other.close()


def test_reads_are_repeatable_inside_a_transaction(db):
    """With the transaction recipe a read session sees one snapshot (legacy mode would not)."""
    with db.write() as session:
        pid = add_patient(session)
    with db.read() as reader:
        before = reader.scalar(select(func.count(ObservationRow.id)))
        other = sqlite3.connect(db.path)
        other.execute(
            "INSERT INTO observations (patient_id, analyte, value, unit, "
            "original_value, original_unit, collected_at, source, created_at) VALUES "
            f"({pid}, 'crp', 1, 'mg/L', '1', 'mg/L', '2026-01-01 00:00:00', 't', "
            "'2026-01-01 00:00:00')"
        )
        other.commit()
        other.close()
        assert reader.scalar(select(func.count(ObservationRow.id))) == before


def test_a_failed_write_leaves_nothing(db):
    def failing_action():
        with db.write() as session:
            add_patient(session)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        failing_action()
    with db.read() as session:
        assert session.scalar(select(func.count(PatientRow.id))) == 0


def test_foreign_keys_are_enforced(db):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="FOREIGN KEY"), db.write() as session:
        add_observation(session, patient_id=999)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("Minutes of the last meeting\n", encoding="utf-8")
    with pytest.raises(NotOurDatabaseError, match="not an MDT Desktop database"):
        open_database(path)
    assert path.read_text(encoding="utf-8") == "Minutes of the last meeting\n"


def test_someone_elses_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "pharmacy.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE stock (drug TEXT, vials INTEGER)")
    raw.commit()
    raw.close()
    with pytest.raises(NotOurDatabaseError, match="holds tables stock"):
        open_database(path)
    raw = sqlite3.connect(path)
    assert [r[0] for r in raw.execute("SELECT name FROM sqlite_master")] == ["stock"]
    raw.close()


def test_a_file_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    open_database(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.close()
    with pytest.raises(NewerDatabaseError, match=r"newer MDT Desktop \(schema 9999\)"):
        open_database(path)


def test_missing_file_and_folder_are_clear(tmp_path):
    with pytest.raises(NotFoundError, match="no such database file"):
        open_database(tmp_path / "absent.sqlite3", create=False)
    with pytest.raises(ValidationError, match="does not exist"):
        open_database(tmp_path / "nowhere" / "x.sqlite3")
    with pytest.raises(ValidationError, match="is a folder"):
        open_database(tmp_path)


def test_second_opener_gets_a_read_only_notice(tmp_path):
    path = tmp_path / "shared.sqlite3"
    first = open_database(path)
    second = open_database(path)
    try:
        assert not first.read_only
        assert second.read_only
        assert "open for writing by process" in (second.notice or "")
        with pytest.raises(RefusedError, match="read-only"), second.write():
            pass
        with second.read() as session:  # reading still works
            assert session.scalar(select(func.count(PatientRow.id))) == 0
    finally:
        second.close()
        first.close()
    third = open_database(path)
    assert not third.read_only
    third.close()


@pytest.mark.slow  # starts a subprocess
def test_the_lock_dies_with_the_process(tmp_path):
    path = tmp_path / "crash.sqlite3"
    open_database(path).close()
    script = textwrap.dedent(f"""
        import sys, time
        from mdt_desktop.models.db import open_database
        db = open_database({str(path)!r})
        print("locked", flush=True)
        time.sleep(60)
    """)
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"
            blocked = open_database(path)
            assert blocked.read_only
            blocked.close()
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
    after = open_database(path)
    assert not after.read_only
    after.close()


TEST_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    # Rebuild the parent table, as batch mode does for most changes on SQLite.
    with op.batch_alter_table("patients", recreate="always") as batch:
        batch.add_column(sa.Column("test_note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("patients", recreate="always") as batch:
        batch.drop_column("test_note")
"""


def test_migration_backs_up_first_and_keeps_cascade_children(tmp_path, monkeypatch):
    """A rebuilt parent must not take its ON DELETE CASCADE children along.

    See docs/architecture.md, "Reliability rules learned the hard way".
    """
    path = tmp_path / "old.sqlite3"
    database = open_database(path)
    with database.write() as session:
        pid = add_patient(session)
        for day in range(1, 6):
            add_observation(session, pid, datetime(2026, 1, day))
    database.close()

    migrations = tmp_path / "migrations"
    shutil.copytree(dbmodule.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "0999_test.py").write_text(
        TEST_REVISION.format(head=head_revision()), encoding="utf-8"
    )
    monkeypatch.setattr(dbmodule, "MIGRATIONS", migrations)
    monkeypatch.setattr(dbmodule, "SCHEMA_HEAD", "0999")

    upgraded = open_database(path)
    try:
        assert upgraded.backup is not None
        assert upgraded.backup.exists()
        with upgraded.read() as session:
            assert session.scalar(select(func.count(ObservationRow.id))) == 5
            assert (
                session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0999"
            )
            columns = [r[1] for r in session.execute(text("PRAGMA table_info(patients)"))]
            assert "test_note" in columns
    finally:
        upgraded.close()
    backup = sqlite3.connect(upgraded.backup)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone()[0] != "0999"
    assert backup.execute("SELECT count(*) FROM observations").fetchone()[0] == 5
    backup.close()


def test_read_only_open_refuses_to_migrate(tmp_path, monkeypatch):
    path = tmp_path / "behind.sqlite3"
    open_database(path).close()
    migrations = tmp_path / "migrations"
    shutil.copytree(dbmodule.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "0999_test.py").write_text(
        TEST_REVISION.format(head=head_revision()), encoding="utf-8"
    )
    monkeypatch.setattr(dbmodule, "MIGRATIONS", migrations)
    monkeypatch.setattr(dbmodule, "SCHEMA_HEAD", "0999")
    with pytest.raises(RefusedError, match="needs upgrading"):
        open_database(path, read_only=True)
