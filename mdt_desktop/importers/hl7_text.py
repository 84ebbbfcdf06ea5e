"""The text of an HL7 v2 file: UTF-8, or ISO 8859-1 when every MSH-18 declares it.

HL7 v2 files are often Latin-1. A file that is valid UTF-8 is read as UTF-8 whatever MSH-18
says (ASCII, the usual content, is the same in both). A file that is not UTF-8 is decoded as
ISO 8859-1 (or 8859-15) only when every message's MSH-18 declares that character set, and only
if the result holds no C1 control characters (bytes 0x80-0x9F, which mean Windows-1252 sent as
"8859/1"). Anything else is refused with a message asking for UTF-8: no guessing.
Size cap and NUL bytes are checked as for every format (limits.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from mdt_desktop.importers.limits import MAX_BYTES, Refused, decode

# HL7 table 0211 names of the single-byte character sets read here.
CHARSETS = {"8859/1": "latin-1", "ISO IR100": "latin-1", "8859/15": "iso8859-15"}
C1_CONTROLS = re.compile("[\x80-\x9f]")
SEGMENT_END = re.compile(rb"\r\n|\r|\n")
ASK = (
    "ask the laboratory system to send UTF-8 "
    "(or ISO 8859-1 declared in every message as MSH-18 '8859/1')"
)


def read_hl7_text(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's text (raises Refused: too large, unreadable, NUL bytes, unknown encoding)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Refused(f"the file is {size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB")
        data = path.read_bytes()
    except OSError as error:
        raise Refused(f"cannot read the file: {error.strerror or error}") from error
    return decode_hl7(data)


def decode_hl7(data: bytes) -> str:
    """*data* as text: UTF-8, or the single-byte character set every MSH-18 declares."""
    try:
        return decode(data)
    except Refused:
        if b"\x00" in data:
            raise
    codec = _declared_codec(data)
    if codec is None:
        start = _first_bad_byte(data)
        raise Refused(
            f"byte {start + 1} (0x{data[start]:02x}) is not UTF-8 and MSH-18 declares no "
            f"character set that can be read instead: {ASK}"
        )
    text = data.decode(codec)
    control = C1_CONTROLS.search(text)
    if control is not None:
        raise Refused(
            f"MSH-18 declares ISO 8859-1 but character {control.start() + 1} is a control "
            f"character (0x{ord(control.group()):02x}; Windows-1252?): {ASK}"
        )
    return text


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return 0


def _declared_codec(data: bytes) -> str | None:
    """The codec every MSH-18 of *data* names, or None (none, several, or one not read here)."""
    declared = {_msh18(line) for line in SEGMENT_END.split(data) if line.strip()[:3] == b"MSH"}
    if len(declared) != 1:
        return None
    return CHARSETS.get(declared.pop())


def _msh18(line: bytes) -> str:
    segment = line.strip()
    if len(segment) < 5:
        return ""
    fields = segment.split(segment[3:4])  # fields[n - 1] is MSH-n (MSH-1 is the separator)
    if len(fields) < 18:
        return ""
    repetition = fields[1][1:2] or b"~"
    first = fields[17].split(repetition)[0]
    return first.decode("ascii", errors="replace").strip().upper()
