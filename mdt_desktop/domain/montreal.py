"""Montreal classification stored as separate fields (docs/clinical.md, "Montreal classification").

Age band rule (the published boundary at 16 is ambiguous): A1 = 16 or younger, A2 = 17-40,
A3 = over 40, on completed years at diagnosis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mdt_desktop.domain.errors import ValidationError

AGES = ("A1", "A2", "A3")
LOCATIONS = ("L1", "L2", "L3")
BEHAVIOURS = ("B1", "B2", "B3")
EXTENTS = ("E1", "E2", "E3")
SEVERITIES = ("S0", "S1", "S2", "S3")

LOCATION_LABELS = {"L1": "ileal", "L2": "colonic", "L3": "ileocolonic", "L4": "upper GI"}
BEHAVIOUR_LABELS = {"B1": "inflammatory", "B2": "stricturing", "B3": "penetrating"}
EXTENT_LABELS = {"E1": "proctitis", "E2": "left-sided", "E3": "extensive"}


@dataclass(frozen=True, slots=True)
class Montreal:
    """Montreal fields; CD uses age/location/upper_gi/behaviour/perianal, UC uses extent."""

    age: str | None = None
    location: str | None = None
    upper_gi: bool = False
    behaviour: str | None = None
    perianal: bool = False
    extent: str | None = None

    @property
    def code(self) -> str:
        """Return the conventional code, e.g. ``A2 L3+L4 B2p`` or ``E3``."""
        parts: list[str] = []
        if self.age:
            parts.append(self.age)
        if self.location:
            parts.append(self.location + ("+L4" if self.upper_gi else ""))
        elif self.upper_gi:
            parts.append("L4")
        if self.behaviour:
            parts.append(self.behaviour + ("p" if self.perianal else ""))
        elif self.perianal:
            parts.append("p")
        if self.extent:
            parts.append(self.extent)
        return " ".join(parts)

    @property
    def description(self) -> str:
        """Return a plain-words reading, e.g. ``ileocolonic, stricturing, perianal``."""
        words: list[str] = []
        if self.location:
            words.append(LOCATION_LABELS[self.location])
        if self.upper_gi:
            words.append("upper GI")
        if self.behaviour:
            words.append(BEHAVIOUR_LABELS[self.behaviour])
        if self.perianal:
            words.append("perianal")
        if self.extent:
            words.append(EXTENT_LABELS[self.extent] + " colitis")
        return ", ".join(words)


_TOKEN = re.compile(r"^(A[123]|L[1234]|B[123]p?|E[123]|S[0-3]|p)$")


def parse_montreal(text: str) -> Montreal:
    """Parse tokens such as ``A2 L3 B2p``, ``A1 L3+L4 B1`` or ``E3``; raise ValidationError."""
    fields: dict[str, object] = {}
    for token in re.split(r"[\s,;+]+", text.strip()):
        if not token:
            continue
        if not _TOKEN.match(token):
            raise ValidationError(f"Montreal classification {text!r}: unknown token {token!r}")
        _apply_token(token, fields, text)
    return Montreal(**fields)  # type: ignore[arg-type]


def _apply_token(token: str, fields: dict[str, object], text: str) -> None:
    head = token[0]
    if token == "L4":
        fields["upper_gi"] = True
        return
    if token == "p":
        fields["perianal"] = True
        return
    if head == "S":
        return  # UC severity describes a moment, not the disease; not stored
    key = {"A": "age", "L": "location", "B": "behaviour", "E": "extent"}[head]
    if key in fields:
        raise ValidationError(f"Montreal classification {text!r}: {key} given twice")
    fields[key] = token[:2]
    if head == "B" and token.endswith("p"):
        fields["perianal"] = True


def montreal_age_band(age_at_diagnosis_years: int) -> str:
    """Return A1/A2/A3 for completed years of age at diagnosis (A1 = 16 or younger)."""
    if age_at_diagnosis_years <= 16:
        return "A1"
    if age_at_diagnosis_years <= 40:
        return "A2"
    return "A3"
