"""Stable per-patient pseudonyms from a key kept on this computer (keyed HMAC-SHA256).

The same key gives the same pseudonym for a patient in every document, so pseudonymised
minutes of different months can be compared; without the key a pseudonym cannot be traced
back, even by someone who holds the list of hospital numbers. The key never enters a document.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from mdt_desktop.domain.errors import ConfigurationError
from mdt_desktop.domain.nhs import format_nhs_number
from mdt_desktop.domain.records import Patient

KEY_BYTES = 32
KEY_FILE = "pseudonym.key"
REDACTED = "[patient]"


def load_or_create_key(path: Path) -> bytes:
    """Return the key in *path*, creating it (readable by this user only) if there is none."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return load_or_create_key(path)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        return key
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            f"{path}: the pseudonym key must be {KEY_BYTES} bytes, not {len(key)}; "
            "restore it from a backup (a new key would change every pseudonym)."
        )
    return key


class Pseudonymiser:
    """Pseudonyms for patients, and free text with the patient's own identifiers removed."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def pseudonym(self, patient: Patient) -> str:
        """``PSN-`` and eight letters/digits, the same for the same hospital number and key."""
        digest = hmac.new(
            self._key, f"patient:{patient.hospital_number}".encode(), hashlib.sha256
        ).digest()
        return "PSN-" + base64.b32encode(digest)[:8].decode("ascii")

    @staticmethod
    def scrub(patient: Patient, text: str) -> str:
        """Replace the patient's names, numbers and date of birth in *text* by ``[patient]``.

        A safety net for free text, not a guarantee: documents still say the free text was not
        reviewed for identifiers.
        """
        for pattern in _identifier_patterns(patient):
            text = pattern.sub(REDACTED, text)
        return text


def _identifier_patterns(patient: Patient) -> list[re.Pattern[str]]:
    dob = patient.date_of_birth
    literals = [
        patient.hospital_number,
        dob.isoformat(),
        f"{dob:%d/%m/%Y}",
        f"{dob.day} {dob:%b %Y}",
        f"{dob:%d %b %Y}",
        f"{dob.day} {dob:%B %Y}",
    ]
    if patient.nhs_number:
        literals += [patient.nhs_number, format_nhs_number(patient.nhs_number)]
    patterns = [re.compile(re.escape(value), re.IGNORECASE) for value in literals if value]
    for name in (patient.family_name, patient.given_name):
        for part in re.split(r"[\s-]+", name):
            if len(part) >= 2:
                patterns.append(re.compile(rf"\b{re.escape(part)}\b", re.IGNORECASE))
    return patterns
