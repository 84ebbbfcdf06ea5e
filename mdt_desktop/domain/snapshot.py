"""What the meeting saw for one case, frozen at sign-off, and its lossless JSON form.

A ``CaseSnapshot`` holds the patient's record as it stood when the chair signed off (patient,
medication periods, observations with units, original values, comparators and assays, events),
the checklist answers with their evidence (the re-review checklist for a re-review case), the
overall line, the relapse risk factors, every version of the pharmacist's annotations on the
patient's results and, for a re-review case, the re-review (why the patient was back). The
patient summary is not stored: it is recomputed from the frozen record and the meeting date.

``to_payload`` turns a snapshot into plain JSON values (ISO dates, enum values, lists) and
``from_payload`` reads it back into equal objects. The codec follows the dataclass fields, so a
field added later (with a default) is stored by new snapshots and defaults when an older payload
lacks it. ``canonical_json`` (sorted keys, no spaces, non-ASCII escaped) is what the digest is
taken over.
"""

from __future__ import annotations

import hashlib
import json
import math
import types
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields, is_dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.errors import MdtError
from mdt_desktop.domain.records import Annotation, ChecklistAnswer, PatientRecord
from mdt_desktop.domain.rereview import Rereview
from mdt_desktop.domain.risk import RiskFinding

FORMAT_VERSION = 1
FIGURE_NAME = "case_plots"  # the case's trend plots as the minutes draw them
FIGURE_MEDIA_TYPE = "image/png"


class SnapshotError(MdtError):
    """A stored snapshot cannot be read (written by a newer version, or damaged)."""


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    """The evidence one case was decided on, as the meeting saw it at sign-off."""

    taken_at: datetime
    meeting_date: date
    record: PatientRecord
    checklist: tuple[ChecklistAnswer, ...]
    overall: Overall
    risks: tuple[RiskFinding, ...]
    annotations: tuple[Annotation, ...] = ()  # every version on the patient's results
    decision_periods: tuple[int, ...] = ()  # medication periods the case's decision wrote
    # the re-review after a de-escalation the case was (tag, reason and evidence), or None
    rereview: Rereview | None = None


@dataclass(frozen=True, slots=True)
class SnapshotStamp:
    """Which snapshot a screen or document was built from."""

    id: int
    taken_at: datetime
    digest: str
    format_version: int = FORMAT_VERSION


def to_payload(snapshot: CaseSnapshot) -> dict[str, Any]:
    """The snapshot as JSON values, with its format version."""
    payload: dict[str, Any] = _encode(snapshot)
    payload["format_version"] = FORMAT_VERSION
    return payload


def from_payload(payload: dict[str, Any]) -> CaseSnapshot:
    """Read a payload written by ``to_payload`` (this version or an older one)."""
    if not isinstance(payload, dict):
        raise SnapshotError("snapshot: the stored payload is not a JSON object")
    version = payload.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise SnapshotError(f"snapshot: format_version {version!r} is not valid")
    if version > FORMAT_VERSION:
        raise SnapshotError(
            f"snapshot: format {version} was written by a newer MDT Desktop "
            f"(this version reads up to {FORMAT_VERSION}); update the program to open it"
        )
    body = {k: v for k, v in payload.items() if k != "format_version"}
    try:
        snapshot: CaseSnapshot = _decoder(CaseSnapshot)(body)
    except (TypeError, ValueError, KeyError) as error:
        raise SnapshotError(f"snapshot: the stored payload is damaged ({error})") from error
    return snapshot


def canonical_json(payload: dict[str, Any]) -> bytes:
    """The one byte form of *payload*: sorted keys, no spaces, ASCII escapes, no NaN."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def digest(payload: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of *payload*."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def bytes_digest(data: bytes) -> str:
    """SHA-256 (hex) of stored bytes (a figure)."""
    return hashlib.sha256(data).hexdigest()


# --- encoding ---------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [_encode(v) for v in items]
    if isinstance(value, float) and not math.isfinite(value):
        raise SnapshotError(f"snapshot: cannot store the number {value}")
    if value is None or isinstance(value, str | int | float):
        return value
    raise SnapshotError(f"snapshot: cannot store a {type(value).__name__}")


# --- decoding ---------------------------------------------------------------------------------

Decoder = Callable[[Any], Any]


@cache
def _decoder(kind: Any) -> Decoder:
    """A function reading the JSON form of *kind* (built once per type)."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        return _optional(kind)
    if origin is tuple:
        return _sequence(kind)
    if isinstance(kind, type):
        if is_dataclass(kind):
            return _record(kind)
        if issubclass(kind, Enum):
            return kind
        if kind in _SCALARS:
            return _SCALARS[kind]
    raise TypeError(f"snapshot codec: no reader for {kind!r}")


def _optional(kind: Any) -> Decoder:
    others = [a for a in get_args(kind) if a is not type(None)]
    if len(others) != 1:
        raise TypeError(f"snapshot codec: no reader for {kind!r}")
    inner = _decoder(others[0])

    def read(value: Any) -> Any:
        return None if value is None else inner(value)

    return read


def _sequence(kind: Any) -> Decoder:
    args = get_args(kind)
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError(f"snapshot codec: no reader for {kind!r}")
    inner = _decoder(args[0])

    def read(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return tuple(inner(v) for v in value)

    return read


def _record(cls: type) -> Decoder:
    hints = get_type_hints(cls)
    readers = tuple((f.name, _decoder(hints[f.name])) for f in fields(cls))
    required = frozenset(
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    )

    def read(value: Any) -> Any:
        if type(value) is not dict:
            raise TypeError(f"{cls.__name__}: expected an object, got {type(value).__name__}")
        if len(value) == len(readers):
            try:  # every field present (the usual case): positional, which is faster
                return cls(*[read_(value[name]) for name, read_ in readers])
            except KeyError:
                pass  # an unknown key stood in for a field: say which is missing, below
        if not required <= value.keys():
            missing = ", ".join(sorted(required - value.keys()))
            raise KeyError(f"{cls.__name__}: {missing} missing")
        return cls(**{name: read_(value[name]) for name, read_ in readers if name in value})

    return read


def _typed(kind: type, *also: type) -> Decoder:
    def read(value: Any) -> Any:
        if type(value) is kind:  # the usual case, and fast
            return value
        if isinstance(value, bool) or not isinstance(value, (kind, *also)):
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return kind(value)

    return read


def _iso(kind: type[date] | type[datetime] | type[time]) -> Decoder:
    def read(value: Any) -> Any:
        if not isinstance(value, str):
            raise TypeError(f"expected an ISO {kind.__name__}, got {type(value).__name__}")
        return kind.fromisoformat(value)

    return read


def _seconds(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected seconds, got {type(value).__name__}")
    return timedelta(seconds=value)


_SCALARS: dict[type, Decoder] = {
    str: _typed(str),
    int: _typed(int),
    float: _typed(float, int),
    bool: _typed(bool),
    datetime: _iso(datetime),
    date: _iso(date),
    time: _iso(time),
    timedelta: _seconds,
}
