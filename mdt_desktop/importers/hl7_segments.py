"""HL7 v2 text split into messages, segments, fields and components.

python-hl7 reads each message header (MSH-1 and MSH-2: which characters separate fields,
components, repetitions and subcomponents, and which one escapes). The segments themselves are
split here with those separators, the same way python-hl7 does it (the tests compare the two),
because python-hl7's full parse builds an object per field and component: 100,000 OBX results
took 5.7 s, more than the whole import's budget, where splitting strings takes 0.2 s.

Segments may end in CR, LF or CRLF; blank lines, leading and trailing whitespace and MLLP
framing bytes are ignored; batch and file headers and trailers (FHS, BHS, BTS, FTS) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import hl7

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}\Z")
ENVELOPE = frozenset({"FHS", "BHS", "BTS", "FTS"})
STARTS = frozenset({"MSH", *ENVELOPE})
MAX_FIELDS = 1000  # OBX has 25 fields; a segment with thousands is not a lab result
LINE_BREAKS = re.compile(r"\r\n|\n")


class HeaderError(ValueError):
    """MSH-1 or MSH-2 cannot be read; ``field`` says which."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


@dataclass(frozen=True, slots=True)
class Separators:
    """The encoding characters of one message (MSH-1 and MSH-2)."""

    field: str
    component: str
    repetition: str
    escape: str
    subcomponent: str


@dataclass
class Message:
    """One message's segments as text, with their numbers in the message (MSH is 1)."""

    number: int
    segments: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Split:
    """The messages of a file, and the segments found outside any message."""

    messages: list[Message] = field(default_factory=list)
    strays: list[tuple[int, str]] = field(default_factory=list)  # (segment of the file, text)


def split_messages(text: str) -> Split:
    """Cut *text* into messages at each MSH (envelope segments and blank lines dropped)."""
    split = Split()
    for number, segment in enumerate(_segments(text), start=1):
        name = segment[:3]
        if name == "MSH":
            split.messages.append(Message(len(split.messages) + 1, [(1, segment)]))
        elif name in ENVELOPE and (len(segment) == 3 or not segment[3].isalnum()):
            continue
        elif split.messages:
            current = split.messages[-1].segments
            current.append((len(current) + 1, segment))
        else:
            split.strays.append((number, segment))
    return split


def first_segment(text: str) -> str:
    """The first non-blank segment of *text* ("" if there is none)."""
    return next(_segments(text), "")


def starts_like_hl7(text: str) -> bool:
    """Whether *text* begins, after blank lines, with an MSH, FHS or BHS segment."""
    first = first_segment(text)
    return first[:3] in STARTS and len(first) > 3 and not first[3].isalnum()


def _segments(text: str) -> Iterator[str]:
    for segment in LINE_BREAKS.sub("\r", text).split("\r"):
        stripped = segment.strip()  # also MLLP framing: \x0b and \x1c are whitespace
        if stripped:
            yield stripped


def separators(msh: str) -> Separators:
    """The separators an MSH segment declares (raises ValueError naming what is wrong)."""
    if len(msh) < 4:
        raise HeaderError("MSH-1", "the MSH segment stops after 'MSH': expected MSH-1, usually '|'")
    if msh[3].isalnum() or msh[3].isspace():
        raise HeaderError(
            "MSH-1",
            f"MSH-1 {msh[3]!r} cannot be the field separator: expected a punctuation character, "
            "usually '|', right after 'MSH'",
        )
    end = msh.find(msh[3], 4)
    return _separators(msh if end < 0 else msh[: end + 1])


@lru_cache(maxsize=64)
def _separators(header: str) -> Separators:
    """The separators of an MSH segment's start, up to MSH-2 (cached: files use one or two)."""
    encoding = header[4:].rstrip(header[3])
    chars = header[3] + encoding
    if (
        len(encoding) not in (4, 5)
        or len(set(chars)) != len(chars)
        or any(c.isalnum() or c.isspace() for c in chars)
    ):
        raise HeaderError(
            "MSH-2",
            f"MSH-2 encoding characters {encoding[:10]!r} are not four distinct separators "
            "(usually ^~\\&)",
        )
    try:
        parsed = hl7.parse(header[:4] + encoding[:4] + header[3])
    except (hl7.ParseException, AssertionError, IndexError, ValueError) as error:
        raise HeaderError("MSH-2", f"MSH-2 encoding characters cannot be read: {error}") from None
    order = str(parsed.separators)  # segment, field, repetition, component, subcomponent
    return Separators(
        field=order[1],
        repetition=order[2],
        component=order[3],
        subcomponent=order[4],
        escape=str(parsed.esc),
    )


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment's fields: ``field(n)`` is field n (MSH-1 is the field separator itself)."""

    name: str
    number: int
    fields: list[str]
    seps: Separators

    @classmethod
    def of(cls, number: int, text: str, seps: Separators) -> Segment:
        """Split *text* into fields (raises ValueError for an absurd number of fields)."""
        count = text.count(seps.field)
        if count > MAX_FIELDS:
            raise ValueError(f"{count + 1} fields; at most {MAX_FIELDS} are expected")
        parts = text.split(seps.field)
        name = parts[0]
        if name == "MSH":
            parts.insert(1, seps.field)
        return cls(name, number, parts, seps)

    def field(self, n: int) -> str:
        """Field *n* as sent (escapes not yet resolved); "" when absent."""
        return self.fields[n] if 0 < n < len(self.fields) else ""

    def repetitions(self, n: int) -> list[str]:
        """The repetitions of field *n* (at least one, maybe empty)."""
        return self.field(n).split(self.seps.repetition)

    def component(self, n: int, c: int = 1) -> str:
        """Component *c* of the first repetition of field *n*, unescaped."""
        value = self.fields[n] if 0 < n < len(self.fields) else ""
        return component(value.partition(self.seps.repetition)[0], c, self.seps)

    def text(self, n: int) -> str:
        """Field *n*'s first component, unescaped and stripped."""
        return self.component(n, 1).strip()


def component(value: str, c: int, seps: Separators) -> str:
    """Component *c* (1-based) of one repetition, its first subcomponent, unescaped."""
    if c == 1:  # the common case, without building lists
        part = value.partition(seps.component)[0]
    else:
        parts = value.split(seps.component)
        if c > len(parts):
            return ""
        part = parts[c - 1]
    part = part.partition(seps.subcomponent)[0]
    return unescape(part, seps) if seps.escape in part else part


def components(value: str, seps: Separators) -> list[str]:
    """Every component of one repetition (first subcomponents, unescaped)."""
    return [
        unescape(part.split(seps.subcomponent)[0], seps) for part in value.split(seps.component)
    ]


def unescape(text: str, seps: Separators) -> str:
    r"""Resolve HL7 escapes: separators, ``\Xhh\`` bytes; formatting becomes a space or nothing.

    Written here rather than python-hl7's: that one repeats characters as often as an escape
    asks (``\.sp999999999\``) and warns through a deprecated logging call.
    """
    esc = seps.escape
    if esc not in text:
        return text
    out: list[str] = []
    at = 0
    while True:
        start = text.find(esc, at)
        end = text.find(esc, start + 1) if start >= 0 else -1
        if end < 0:
            out.append(text[at:])
            return "".join(out)
        out.append(text[at:start])
        out.append(_escape(text[start + 1 : end], seps))
        at = end + 1


def _escape(sequence: str, seps: Separators) -> str:
    simple = {
        "F": seps.field,
        "S": seps.component,
        "T": seps.subcomponent,
        "R": seps.repetition,
        "E": seps.escape,
    }
    if sequence in simple:
        return simple[sequence]
    if sequence[:1] == "X" and len(sequence) <= 65:
        try:
            return bytes.fromhex(sequence[1:]).decode("utf-8")
        except ValueError:
            return f"{seps.escape}{sequence}{seps.escape}"  # kept: the value will not match
    if sequence[:3] in {".br", ".sp", ".ce", ".sk", ".in", ".ti"}:
        return " "
    return ""  # highlighting (H, N), character-set switches (C, M), local (Z), .fi, .nf
