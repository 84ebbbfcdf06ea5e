"""Opening a database; ``open_database`` is the only way the program opens one.

It follows docs/architecture.md, "Reliability rules learned the hard way".

It applies the connection settings, takes the single-writer lock, checks the file's identity,
backs it up and runs pending migrations.

SQLite settings on every connection: the sqlite3 driver's own transaction handling is switched
off and SQLAlchemy emits BEGIN itself (SQLAlchemy's documented recipe), so reads and DDL are
transactional too; writes use ``BEGIN IMMEDIATE`` so a writer takes the lock up front instead of
failing half-way; foreign keys on; WAL so readers never block the writer; a busy timeout; and
``synchronous=FULL`` so a committed write survives a power cut.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from mdt_desktop import __version__
from mdt_desktop.domain.errors import MdtError, NotFoundError, RefusedError, ValidationError
from mdt_desktop.models.identity import APPLICATION_ID
from mdt_desktop.models.lock import WriterLock
from mdt_desktop.models.text_guard import guard_text

if TYPE_CHECKING:
    from alembic.config import Config

# The newest schema revision this version writes. Opening a current file needs no Alembic at
# all (loading the migration scripts costs a third of a second at start-up); a test keeps this
# equal to the head of migrations/versions.
SCHEMA_HEAD = "0004"
BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS = Path(__file__).with_name("migrations")
WRITE_OPTION = "mdt_write"


class NotOurDatabaseError(RefusedError):
    """The file exists but was not made by MDT Desktop."""


class NewerDatabaseError(RefusedError):
    """The file was made by a newer version of MDT Desktop."""


class MigrationError(MdtError):
    """A migration failed; the file was left as it was (and backed up)."""


@dataclass
class Database:
    """An open database: sessions for reading and for writing, and how it was opened."""

    url: str
    engine: Engine
    write_engine: Engine
    path: Path | None = None
    read_only: bool = False
    notice: str | None = None
    backup: Path | None = None
    lock: WriterLock | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._readers = sessionmaker(self.engine, expire_on_commit=False)
        self._writers = sessionmaker(self.write_engine, expire_on_commit=False)
        guard_text(self._writers)

    def read(self) -> Session:
        """Return a session for reading (use as a context manager)."""
        return self._readers()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a session in one write transaction: committed on success, rolled back on error."""
        if self.read_only:
            raise RefusedError(self.notice or "The database is open read-only.")
        with self._writers.begin() as session:
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def label(self) -> str:
        """Where the database is, fit to show: the file path, or the URL without its password."""
        return str(self.path) if self.path else redact_url(self.url)

    def close(self) -> None:
        """Dispose of connections and release the writer lock."""
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the shipped migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """Return the newest schema revision this version of the program knows."""
    return SCHEMA_HEAD


def script_head() -> str | None:
    """Return the head of the shipped migration scripts (tests compare it with SCHEMA_HEAD)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def open_database(
    path: Path | str | None = None,
    *,
    url: str | None = None,
    read_only: bool = False,
    create: bool = True,
) -> Database:
    """Open (creating and migrating as needed) the SQLite file *path* or the database at *url*.

    Raises:
        NotOurDatabaseError: the file is not an MDT Desktop database.
        NewerDatabaseError: the file was written by a newer MDT Desktop.
        RefusedError: locked by another process, or read-only and in need of migration.
        NotFoundError / ValidationError: the file or its folder does not exist.
    """
    if url is not None and not url.startswith("sqlite"):
        return _open_server(url)
    if path is None:
        if url is None:
            raise ValidationError("No database given: pass a file path or a URL.")
        path = url.split("///", 1)[1]
    return _open_sqlite(Path(path), read_only=read_only, create=create)


# --- SQLite -------------------------------------------------------------------------------------


def _open_sqlite(path: Path, *, read_only: bool, create: bool) -> Database:
    path = path.expanduser().absolute()
    if path.is_dir():
        raise ValidationError(f"{path} is a folder, not a database file")
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        raise NotFoundError(f"{path}: no such database file")
    if not path.parent.is_dir():
        raise ValidationError(f"{path}: the folder {path.parent} does not exist")
    if exists:
        _check_header(path)
    lock: WriterLock | None = None
    notice = None
    if not read_only:
        held = WriterLock.acquire(path)
        if isinstance(held, str):
            if not exists:
                raise RefusedError(f"{path} is being created by {held}; try again shortly.")
            read_only = True
            notice = (
                f"{path.name} is open for writing by {held}. Opened read-only: you can "
                "look, but changes are refused until that program closes."
            )
        else:
            lock = held
    try:
        backup = _prepare_schema(path, exists=exists, read_only=read_only)
        engine = _sqlite_engine(path, read_only=read_only)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return Database(
        f"sqlite:///{path}",
        engine,
        engine.execution_options(**{WRITE_OPTION: True}),
        path,
        read_only,
        notice,
        backup,
        lock,
    )


def _check_header(path: Path) -> None:
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotOurDatabaseError(
            f"{path} is not an MDT Desktop database (it is not an SQLite file); "
            "refusing to open it."
        )


@dataclass(frozen=True)
class _FileState:
    tables: frozenset[str]
    application_id: int
    revision: str | None


def _inspect_file(path: Path) -> _FileState:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        app_id = connection.execute("PRAGMA application_id").fetchone()[0]
        names = {
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        revision = None
        if "alembic_version" in names:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlite3.DatabaseError as error:
        raise NotOurDatabaseError(f"{path} cannot be read as a database ({error}).") from error
    finally:
        connection.close()
    return _FileState(frozenset(names), int(app_id), revision)


def _prepare_schema(path: Path, *, exists: bool, read_only: bool) -> Path | None:
    """Check the file is ours and current; back up and migrate it if it is behind."""
    state = _inspect_file(path) if exists else _FileState(frozenset(), 0, None)
    user_tables = {t for t in state.tables if not t.startswith("sqlite_")}
    if user_tables and state.application_id != APPLICATION_ID:
        listed = ", ".join(sorted(user_tables)[:5])
        raise NotOurDatabaseError(
            f"{path} is not an MDT Desktop database (it holds tables {listed}); "
            "refusing to open it."
        )
    _check_revision(str(path), state.revision)
    head = head_revision()
    if state.revision == head:
        return None
    if read_only:
        raise RefusedError(
            f"{path} needs upgrading to schema {head}, but it is open read-only; close the other "
            "MDT Desktop and try again."
        )
    backup = backup_database(path, state.revision) if user_tables else None
    _migrate_sqlite(path)
    return backup


def _check_revision(where: str, revision: str | None) -> None:
    if revision is None or revision == SCHEMA_HEAD:
        return
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise NewerDatabaseError(
            f"{where} was written by a newer MDT Desktop (schema {revision}); this version "
            f"({__version__}) knows schemas up to {head_revision()}. Install the newer version "
            "to open it."
        )


def backup_database(path: Path, revision: str | None) -> Path:
    """Copy *path* with SQLite's online backup API before a migration; return the copy."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{stamp}-schema-{revision or 'none'}{path.suffix}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target


def _migrate_sqlite(path: Path) -> None:
    """Run pending migrations in one transaction with foreign keys off, then check them.

    Alembic's batch mode rebuilds tables; with foreign keys on, SQLite would delete the
    ON DELETE CASCADE children of a rebuilt parent (docs/architecture.md, "Reliability rules
    learned the hard way").
    """
    engine = _sqlite_engine(path, read_only=False, foreign_keys=False, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                _run_alembic(connection)
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise MigrationError(
                        f"{path}: migration would break {len(problems)} references (first: "
                        f"{problems[0]}); nothing was changed."
                    )
    except MigrationError:
        raise
    except Exception as error:
        raise MigrationError(f"{path}: migration failed ({error}); nothing was changed.") from error
    finally:
        engine.dispose()


def _run_alembic(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _sqlite_engine(
    path: Path, *, read_only: bool, foreign_keys: bool = True, poolclass: Any = None
) -> Engine:
    if read_only:
        url = f"sqlite+pysqlite:///file:{path}?mode=ro&uri=true"
    else:
        url = f"sqlite+pysqlite:///{path}"
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if poolclass is not None:
        kwargs["poolclass"] = poolclass
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN (see the module docstring), then set up the connection.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# --- PostgreSQL (several users at once) ---------------------------------------------------------


def _open_server(url: str) -> Database:
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            from alembic.runtime.migration import MigrationContext

            tables = set(inspect(connection).get_table_names())
            revision = MigrationContext.configure(connection).get_current_revision()
            ours = (
                "mdt_meta" in tables
                and connection.execute(
                    text("SELECT value FROM mdt_meta WHERE key = 'application'")
                ).scalar()
                == "mdt-desktop"
            )
    except Exception as error:
        engine.dispose()
        raise RefusedError(f"Cannot connect to {redact_url(url)}: {error}") from error
    if tables - {"alembic_version"} and not ours:
        engine.dispose()
        raise NotOurDatabaseError(
            f"{redact_url(url)} is not an MDT Desktop database (it holds tables "
            f"{', '.join(sorted(tables)[:5])}); refusing to open it."
        )
    _check_revision(redact_url(url), revision)
    if revision != head_revision():
        with engine.begin() as connection:
            _run_alembic(connection)
    return Database(url, engine, engine)


def redact_url(url: str) -> str:
    """Return *url* with any password replaced by ``***``."""
    with suppress(Exception):
        return make_url(url).render_as_string(hide_password=True)
    return "the database URL"
