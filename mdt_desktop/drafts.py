"""Unsaved text kept on disk so a crash loses nothing (plain Python, no Qt).

Each draft is one small JSON file written atomically (temporary file, fsync, rename), so a
process killed mid-write leaves the previous draft or the new one, never half of either.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Draft:
    """Text fields someone was typing, and when they were last kept."""

    key: str
    fields: dict[str, str]
    saved_at: datetime


class DraftStore:
    """Drafts in one folder, one file per key (e.g. ``db/decision/case 12/user 3``)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return self._folder / f"{digest}.json"

    def save(self, key: str, fields: dict[str, str]) -> None:
        """Keep *fields* under *key*; empty fields mean there is nothing to keep."""
        if not any(value.strip() for value in fields.values()):
            self.discard(key)
            return
        self._folder.mkdir(parents=True, exist_ok=True)
        target = self._path(key)
        payload = {
            "key": key,
            "saved_at": datetime.now().isoformat(timespec="seconds"),
            "fields": fields,
        }
        temporary = target.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)

    def load(self, key: str) -> Draft | None:
        """Return the draft kept under *key*, if any (an unreadable file counts as none)."""
        path = self._path(key)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            if payload.get("key") != key:
                return None
            fields = {str(k): str(v) for k, v in payload["fields"].items()}
            return Draft(key, fields, datetime.fromisoformat(payload["saved_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def discard(self, key: str) -> None:
        """Forget the draft under *key* (after it was saved for real, or declined)."""
        self._path(key).unlink(missing_ok=True)
