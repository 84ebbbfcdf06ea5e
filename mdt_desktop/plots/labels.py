"""Display text of the plots: units with µ, dates, threshold and band labels, hover lines.

Stored units keep ASCII (``ug/g``); what the user reads shows ``µg/g`` and ``×10⁹/L``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import date, datetime

from mdt_desktop.domain.catalogue import ANALYTES, display_unit
from mdt_desktop.domain.enums import Comparator
from mdt_desktop.domain.records import Observation
from mdt_desktop.domain.thresholds import Band, Threshold

HOVER_WIDTH = 64  # characters per line of free text in a hover box

_COMPARATOR_TEXT = (("<=", "≤"), (">=", "≥"))
_ISOLATE, _POP = "\u2068", "\u2069"  # FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE
_OPENERS = frozenset("\u2066\u2067\u2068")


def isolated(text: str) -> str:
    """*text* as one Unicode directional isolate, the isolates inside it balanced first.

    For hover lines that carry text from people or feeds (a source, an assay, a reason, a note,
    a pharmacist's name): a right-to-left name or a stray direction mark then cannot reorder
    the rest of the line, nor turn the line's direction (Unicode Standard Annex #9). The rule
    the screens follow (mdt_desktop/views/common/plain_text.py), without Qt. Only for text shown by
    Qt: matplotlib has no bidirectional layout and would draw the marks.
    """
    if not text:
        return text
    depth, kept = 0, []
    for char in text:
        if char in _OPENERS:
            depth += 1
        elif char == _POP:
            if depth == 0:
                continue  # unmatched: it would end the isolate early
            depth -= 1
        kept.append(char)
    return _ISOLATE + "".join(kept) + _POP * depth + _POP


def display_date(day: date | datetime) -> str:
    """Return e.g. ``06 Aug 2026``."""
    return f"{day:%d %b %Y}"


def source_tags(sources: Iterable[str]) -> str:
    """Return e.g. ``[S43, S44, S45]``."""
    return "[" + ", ".join(sources) + "]"


def threshold_text(threshold: Threshold) -> str:
    """Return e.g. ``< 250 µg/g [S43, S44, S45]`` (Threshold.describe() with its sources)."""
    text = display_unit(threshold.describe())
    for typed, shown in _COMPARATOR_TEXT:
        text = text.replace(typed, shown)
    return f"{text} {source_tags(threshold.sources)}"


def band_text(band: Band) -> str:
    """Return e.g. ``target 3–7 µg/mL [S28, S27]``."""
    return f"target {band_range(band)} {source_tags(band.sources)}"


def band_range(band: Band) -> str:
    """Return e.g. ``3–7 µg/mL``."""
    return f"{band.lower:g}–{band.upper:g} {display_unit(band.unit)}"


def value_text(observation: Observation) -> str:
    """Return the value with comparator and display unit, e.g. ``<20 µg/g``."""
    return f"{observation.display_value} {display_unit(observation.unit)}"


def censoring_text(observation: Observation) -> str:
    """Return why a value is a bound, or an empty string for an exact value."""
    if observation.below_limit:
        return " (below the assay limit)"
    if observation.comparator in (Comparator.GT, Comparator.GE):
        return " (above the assay range)"
    return ""


def observation_lines(observation: Observation, name: str | None = None) -> list[str]:
    """Return the hover lines of one result: name and value, date, source, reported form."""
    label = name or ANALYTES[observation.analyte].label
    lines = [
        f"{label}: {value_text(observation)}{censoring_text(observation)}",
        display_date(observation.collected_at),
    ]
    if observation.source:
        lines.append(isolated(f"Source: {observation.source}"))
    reported = reported_text(observation)
    if reported:
        lines.append(isolated(reported))
    return lines


def reported_text(observation: Observation) -> str:
    """Return ``Reported as 5500 ng/mL`` when the laboratory sent another form, else ``""``."""
    original = f"{observation.original_value} {observation.original_unit}".strip()
    if (
        not observation.original_value
        or original == f"{observation.display_value} {observation.unit}"
    ):
        return ""
    return f"Reported as {display_unit(original)}"


def wrapped(text: str, prefix: str = "") -> list[str]:
    """Return *prefix* + *text* wrapped for a hover box, each line isolated (none for '').

    A word longer than a line is broken, so one 400-character word cannot widen the box.
    """
    if not text.strip():
        return []
    lines = textwrap.wrap(f"{prefix}{text}", HOVER_WIDTH, break_on_hyphens=False)
    return [isolated(line) for line in lines]
