"""One writing process per SQLite file: an OS lock on ``<db>.lock`` next to the database.

The lock is released by the operating system when the process ends, however it ends (even
``kill -9``), so a crash never leaves the database locked.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


def lock_path_for(database: Path) -> Path:
    """Return the lock file that guards *database*."""
    return database.with_name(database.name + ".lock")


@dataclass
class WriterLock:
    """Held for as long as this process may write to the database."""

    path: Path
    _handle: IO[str] | None

    @classmethod
    def acquire(cls, database: Path) -> WriterLock | str:
        """Take the lock, or return a sentence saying who holds it."""
        path = lock_path_for(database)
        handle = path.open("a+", encoding="utf-8")
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read()
            handle.close()
            return describe_holder(holder)
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "since": datetime.now().isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        """Release the lock (closing the handle releases the OS lock)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def describe_holder(text: str) -> str:
    """Turn the lock file's contents into 'process 123 on ward-pc since 09:14'."""
    try:
        info = json.loads(text)
        return f"process {info['pid']} on {info['host']} since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "another process"
