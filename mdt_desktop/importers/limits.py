"""Hostile input: size and nesting caps, and text that must be UTF-8 without NUL bytes.

Checked before any parser sees the data, so a 2 GB file, a JSON bomb nested 100,000 deep or a
binary file is refused with a message, not a memory error or a RecursionError. A JSON object
that gives one key twice is marked (``RepeatedKeys``) rather than silently keeping the last
value, so the reader can say where (docs/clinical.md, "Lab codes": no silent conflict).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_BYTES = 200 * 1024 * 1024  # 200 MB: a year of a large laboratory's IBD results fits easily
MAX_JSON_DEPTH = 64  # FHIR bundles nest about 10 deep


class Refused(ValueError):
    """The whole file is refused (the message says why)."""


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), no NUL bytes, not too large."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise Refused(f"cannot read the file: {error.strerror or error}") from error
    if size > max_bytes:
        raise Refused(f"the file is {size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Refused(f"cannot read the file: {error.strerror or error}") from error
    return decode(data)


def decode(data: bytes) -> str:
    """Strict UTF-8 (with or without BOM); NUL bytes mean a binary file."""
    if b"\x00" in data:
        where = data.index(b"\x00")
        raise Refused(f"byte {where + 1} is a NUL byte: this is not a text file (or not UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Refused(
            f"line {line}: byte {error.start + 1} is not UTF-8 "
            f"(0x{data[error.start]:02x}); save the file as UTF-8"
        ) from error


class RepeatedKeys(dict[str, Any]):
    """A JSON object in which a key is given more than once (the last value is the one kept).

    ``repeated`` holds, for each such key, every value given, in file order.
    """

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        counts = Counter(key for key, _value in pairs)
        self.repeated: dict[str, list[Any]] = {
            key: [value for name, value in pairs if name == key]
            for key, count in counts.items()
            if count > 1
        }


def _objects(found: list[RepeatedKeys]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """The ``object_pairs_hook`` that marks objects with a repeated key and lists them."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) == len(pairs):  # the usual case: no key given twice
            return built
        marked = RepeatedKeys(pairs)
        found.append(marked)
        return marked

    return build


def load_json(
    text: str, limit: int = MAX_JSON_DEPTH, *, repeated: list[RepeatedKeys] | None = None
) -> Any:
    """Parse JSON, refusing invalid JSON and documents nested deeper than *limit*.

    Objects that give a key twice are added to *repeated* (when given).
    """
    hook = _objects(repeated if repeated is not None else [])
    try:
        document = json.loads(text, object_pairs_hook=hook)
    except RecursionError as error:
        raise Refused(f"JSON nested deeper than {limit} levels") from error
    except json.JSONDecodeError as error:
        raise Refused(
            f"line {error.lineno}, column {error.colno}: not valid JSON: {error.msg}"
        ) from None
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise Refused(f"JSON nested deeper than {limit} levels")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return document
