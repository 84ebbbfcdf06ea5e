"""Shared fixtures: offscreen Qt, an isolated user folder, real SQLite files, one demo per run."""

import os
import tempfile
from pathlib import Path

# Before anything imports Qt or platformdirs: offscreen rendering (override to watch), and user
# data/config folders inside a temporary directory so no test touches a real database.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
_USER_DIRS = Path(tempfile.mkdtemp(prefix="mdt-test-user-"))
os.environ["XDG_DATA_HOME"] = str(_USER_DIRS / "data")
os.environ["XDG_CONFIG_HOME"] = str(_USER_DIRS / "config")
os.environ.pop("MDT_DATABASE_URL", None)

import shutil  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from datetime import date  # noqa: E402

import pytest  # noqa: E402

from mdt_desktop.domain.config import ClinicalConfig, load_clinical_config  # noqa: E402
from mdt_desktop.models.db import Database, open_database  # noqa: E402
from mdt_desktop.paths import resource_path  # noqa: E402

AS_OF = date(2026, 11, 24)  # the demo's "today" in tests: fixed, so runs are reproducible
SEED = 7


@pytest.fixture(scope="session")
def config() -> ClinicalConfig:
    """The shipped clinical configuration (no site overrides)."""
    return load_clinical_config(resource_path())


@pytest.fixture(scope="session")
def empty_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database migrated to the newest schema, made once per run (treat as read-only).

    Migrating takes about a second; copying the closed file takes milliseconds and gives the
    same file a fresh ``open_database`` would (tests/models/test_db.py covers opening itself).
    """
    path = tmp_path_factory.mktemp("empty") / "empty.sqlite3"
    open_database(path).close()
    return path


@pytest.fixture
def db(empty_master: Path, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite file for one test (a private copy of ``empty_master``)."""
    target = tmp_path / "test.sqlite3"
    shutil.copy(empty_master, target)
    database = open_database(target)
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory, config: ClinicalConfig) -> Path:
    """The default demo database, built once per test run (treat as read-only)."""
    from mdt_desktop.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    build_demo(path, config, seed=SEED, as_of=AS_OF)
    return path


@pytest.fixture
def demo_path(demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database that a test may change."""
    target = tmp_path / "demo.sqlite3"
    shutil.copy(demo_master, target)
    return target


@pytest.fixture
def demo_db(demo_path: Path) -> Iterator[Database]:
    """The demo database, opened for writing."""
    database = open_database(demo_path)
    yield database
    database.close()


@pytest.fixture(scope="session")
def signed_master(
    demo_master: Path, config: ClinicalConfig, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, object]:
    """The demo with its planned meeting signed off (tests/snapshot_helpers.py), built once."""
    from tests.snapshot_helpers import sign_off_planned

    path = tmp_path_factory.mktemp("signed") / "signed.sqlite3"
    shutil.copy(demo_master, path)
    database = open_database(path)
    try:
        prepared = sign_off_planned(database, config)
    finally:
        database.close()
    return path, prepared


@pytest.fixture
def signed(signed_master: tuple[Path, object], tmp_path: Path) -> Iterator[tuple[Database, object]]:
    """A private, writable copy of ``signed_master``: (database, what was signed off)."""
    path, prepared = signed_master
    target = tmp_path / "signed.sqlite3"
    shutil.copy(path, target)
    database = open_database(target)
    yield database, prepared
    database.close()
