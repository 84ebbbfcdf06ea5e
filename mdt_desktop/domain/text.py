"""Text from users and feeds kept as text: isolated for bidi, long words breakable.

A name, a reason or an assay typed by a person or sent by a laboratory may hold right-to-left
letters or invisible direction marks (U+200F RIGHT-TO-LEFT MARK). Placed in a line of the
program's own text, such a string can reorder everything after it: "WHILSON" shown on screen and
"NOSLIHW" printed. Wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE (Unicode Standard
Annex #9, isolates), it takes its own direction and leaves the rest of the line in order. A run of
more than ``LONG_RUN`` characters without a space gets zero-width spaces, so it wraps instead of
widening a label or a table cell. Plain Python: the screens (views/common/plain_text.py) and the
documents (reports/markup.py) follow the same rules (docs/clinical.md, "Text from users and
feeds").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FSI = "\u2068"  # FIRST STRONG ISOLATE: the string takes its direction from its first letter
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE: ends the isolate (and anything opened inside it)
_OPENERS = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
ZWSP = "\u200b"  # ZERO WIDTH SPACE: a place where a line may break, drawn as nothing
LONG_RUN = 30  # characters without a space after which a line may break
_RUN = re.compile(rf"\S{{{LONG_RUN + 1},}}")
_FORMATTING = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def isolate(text: str) -> str:
    """Return *text* as one directional isolate (empty text stays empty).

    Isolate marks inside *text* are balanced first: a stray U+2069 would end the isolate early,
    an unclosed opener would swallow the closing one.
    """
    if not text:
        return text
    depth = 0
    kept = []
    for char in text:
        if char in _OPENERS:
            depth += 1
        elif char == PDI:
            if depth == 0:
                continue  # unmatched: dropped
            depth -= 1
        kept.append(char)
    return FSI + "".join(kept) + PDI * depth + PDI


def isolate_within(line: str, parts: Iterable[str]) -> str:
    """Return *line* with each of *parts* (user or feed strings inside it) isolated.

    The longest parts are isolated first; a part that does not occur is ignored.
    """
    for part in sorted({p for p in parts if p.strip()}, key=len, reverse=True):
        line = line.replace(part, isolate(part))
    return line


def breakable(text: str) -> str:
    """Return *text* with a zero-width space every ``LONG_RUN`` characters of a long word."""
    return _RUN.sub(lambda m: _break_run(m.group(0)), text)


def _break_run(run: str) -> str:
    return ZWSP.join(run[i : i + LONG_RUN] for i in range(0, len(run), LONG_RUN))


def unformatted(text: str) -> str:
    """*text* without the invisible marks these helpers add (for searching and comparing)."""
    return _FORMATTING.sub("", text)


def without_isolates(text: str) -> str:
    """*text* without the invisible marks these helpers add (to compare or search text)."""
    return unformatted(text)
