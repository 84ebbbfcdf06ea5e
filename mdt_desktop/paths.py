"""Where shipped resources and the user's database live. Plain Python, no Qt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "mdt-desktop"
APP_AUTHOR = "mdt-desktop"


@dataclass(frozen=True, slots=True)
class Target:
    """Where the database is: a SQLite file or a server URL.

    The command line resolves it (cli.py, ``resolve_target``) and the application opens it
    (app.py); it lives here so that neither imports the other for it.
    """

    path: Path | None
    url: str | None

    @property
    def label(self) -> str:
        return str(self.path) if self.path else str(self.url)


_PACKAGED = Path(__file__).with_name("resources")  # wheel: force-included copy
_CHECKOUT = Path(__file__).resolve().parents[1] / "resources"  # editable install / source tree


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, e.g. ``resource_path("thresholds.toml")``."""
    root = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT
    return root.joinpath(*parts)


def user_data_dir() -> Path:
    """Return (creating it) the per-user data folder that holds the default database."""
    path = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_config_dir() -> Path:
    """Return the per-user configuration folder (site overrides of thresholds and codes)."""
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def default_database_path() -> Path:
    """Return the database used when neither ``--db`` nor ``--url`` is given."""
    return user_data_dir() / "mdt.sqlite3"


def demo_database_path() -> Path:
    """Return the database that ``mdt-desktop --demo`` rebuilds and opens."""
    return user_data_dir() / "demo.sqlite3"
