"""Configured clinical thresholds with their sources (resources/thresholds.toml).

A threshold is never a literal in a rule: rules ask this module for it by key and show its value,
unit and source tags as evidence.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mdt_desktop.domain.catalogue import canonical_unit
from mdt_desktop.domain.enums import Analyte, Comparator, Evidence
from mdt_desktop.domain.wording import unit_text

_E = TypeVar("_E", Analyte, Comparator, Evidence)

DAYS_PER_MONTH = 30.4375  # docs/architecture.md: months are days / 30.4375
DAYS_PER_YEAR = 365.25
DURATION_UNITS = {"days": 1.0, "months": DAYS_PER_MONTH, "years": DAYS_PER_YEAR}
PLAIN_UNITS = {"count", *DURATION_UNITS}

_OPS: dict[Comparator, Callable[[float, float], bool]] = {
    Comparator.LT: operator.lt,
    Comparator.LE: operator.le,
    Comparator.GT: operator.gt,
    Comparator.GE: operator.ge,
}


@dataclass
class Problems:
    """Collects every problem in a configuration file so the user sees them all at once."""

    lines: list[str] = field(default_factory=list)

    def add(self, where: str, reason: str) -> None:
        self.lines.append(f"{where}: {reason}")

    def __bool__(self) -> bool:
        return bool(self.lines)


@dataclass(frozen=True, slots=True)
class Source:
    """A citation that thresholds refer to by tag."""

    tag: str
    citation: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Threshold:
    """One configured value, e.g. calprotectin < 250 ug/g [S43, S44, S45]."""

    key: str
    label: str
    value: float
    unit: str
    sources: tuple[str, ...]
    evidence: Evidence
    comparator: Comparator | None = None
    analyte: Analyte | None = None
    note: str = ""

    def met_by(self, value: float) -> bool:
        """True when *value* satisfies the comparator (a threshold without one cannot be met)."""
        if self.comparator is None:
            raise ValueError(f"threshold {self.key} has no comparator")
        return _OPS[self.comparator](value, self.value)

    @property
    def days(self) -> float:
        """The value in days, for thresholds whose unit is a duration."""
        return self.value * DURATION_UNITS[self.unit]

    def describe(self) -> str:
        """Return e.g. ``< 250 ug/g`` or ``>= 6 months``."""
        prefix = f"{self.comparator} " if self.comparator else ""
        return f"{prefix}{unit_text(self.value, self.unit)}"


@dataclass(frozen=True, slots=True)
class Band:
    """A target range, e.g. infliximab trough 3-7 ug/mL [S28, S27]."""

    key: str
    label: str
    analyte: Analyte
    lower: float
    upper: float
    unit: str
    sources: tuple[str, ...]
    evidence: Evidence
    note: str = ""

    def position(self, value: float) -> int:
        """Return -1 below, 0 within (inclusive), 1 above the band."""
        if value < self.lower:
            return -1
        if value > self.upper:
            return 1
        return 0

    def describe(self) -> str:
        return f"{self.lower:g}-{self.upper:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """All configured thresholds and bands, looked up by key."""

    values: Mapping[str, Threshold]
    bands: Mapping[str, Band]

    def __getitem__(self, key: str) -> Threshold:
        return self.values[key]

    def band(self, key: str) -> Band:
        return self.bands[key]

    def target_band(self, analyte: Analyte) -> Band | None:
        """Return the target band configured for a drug-level analyte, if any."""
        return next((b for b in self.bands.values() if b.analyte is analyte), None)


def parse_sources(data: Mapping[str, Any], where: str, problems: Problems) -> dict[str, Source]:
    """Parse the [TAG] tables of sources.toml."""
    sources: dict[str, Source] = {}
    for tag, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("citation"), str):
            problems.add(f"{where} [{tag}]", "needs a citation (text)")
            continue
        sources[tag] = Source(tag, entry["citation"], str(entry.get("url", "")))
    return sources


def parse_thresholds(
    data: Mapping[str, Any], where: str, known_sources: Mapping[str, Source], problems: Problems
) -> Thresholds:
    """Parse [thresholds.*] and [bands.*] of a thresholds file, recording every problem."""
    values: dict[str, Threshold] = {}
    bands: dict[str, Band] = {}
    for key, entry in _tables(data, "thresholds", where, problems).items():
        threshold = _parse_threshold(
            key, entry, f"{where} [thresholds.{key}]", known_sources, problems
        )
        if threshold:
            values[key] = threshold
    for key, entry in _tables(data, "bands", where, problems).items():
        band = _parse_band(key, entry, f"{where} [bands.{key}]", known_sources, problems)
        if band:
            bands[key] = band
    return Thresholds(values, bands)


def _tables(data: Mapping[str, Any], name: str, where: str, problems: Problems) -> dict[str, Any]:
    tables = data.get(name, {})
    if not isinstance(tables, dict):
        problems.add(f"{where} [{name}]", "must be a table of tables")
        return {}
    return tables


def _common(
    entry: Any, where: str, known: Mapping[str, Source], problems: Problems
) -> tuple[str, tuple[str, ...], Evidence, str, Analyte | None] | None:
    if not isinstance(entry, dict):
        problems.add(where, "must be a table")
        return None
    start = len(problems.lines)
    label = entry.get("label")
    if not isinstance(label, str) or not label:
        problems.add(where, "label: required text")
    sources = entry.get("sources")
    if not isinstance(sources, list) or not sources:
        problems.add(where, "sources: at least one source tag is required")
        sources = []
    for tag in sources:
        if tag not in known:
            problems.add(where, f"sources: unknown source tag {tag!r} (define it in sources.toml)")
    evidence = _enum(Evidence, entry.get("evidence"), where, "evidence", problems)
    analyte = None
    if "analyte" in entry:
        analyte = _enum(Analyte, entry["analyte"], where, "analyte", problems)
    if len(problems.lines) > start or evidence is None:
        return None
    return str(label), tuple(sources), evidence, str(entry.get("note", "")), analyte


def _parse_threshold(
    key: str, entry: Any, where: str, known: Mapping[str, Source], problems: Problems
) -> Threshold | None:
    common = _common(entry, where, known, problems)
    if common is None:
        return None
    label, sources, evidence, note, analyte = common
    value = _number(entry.get("value"), where, "value", problems)
    unit = _unit(entry.get("unit"), analyte, where, problems)
    comparator = None
    if "comparator" in entry:
        comparator = _enum(Comparator, entry["comparator"], where, "comparator", problems)
        if comparator is None:
            return None
    if value is None or unit is None:
        return None
    return Threshold(key, label, value, unit, sources, evidence, comparator, analyte, note)


def _parse_band(
    key: str, entry: Any, where: str, known: Mapping[str, Source], problems: Problems
) -> Band | None:
    common = _common(entry, where, known, problems)
    if common is None:
        return None
    label, sources, evidence, note, analyte = common
    if analyte is None:
        problems.add(where, "analyte: a band needs the analyte it applies to")
        return None
    lower = _number(entry.get("lower"), where, "lower", problems)
    upper = _number(entry.get("upper"), where, "upper", problems)
    unit = _unit(entry.get("unit"), analyte, where, problems)
    if lower is None or upper is None or unit is None:
        return None
    if not lower < upper:
        problems.add(where, f"lower ({lower:g}) must be below upper ({upper:g})")
        return None
    return Band(key, label, analyte, lower, upper, unit, sources, evidence, note)


def _number(raw: Any, where: str, name: str, problems: Problems) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.add(where, f"{name}: must be a number, got {raw!r}")
        return None
    return float(raw)


def _unit(raw: Any, analyte: Analyte | None, where: str, problems: Problems) -> str | None:
    if analyte is not None:
        expected = canonical_unit(analyte)
        if raw != expected:
            problems.add(where, f"unit: {analyte} is stored in {expected!r}, got {raw!r}")
            return None
        return expected
    if raw not in PLAIN_UNITS:
        problems.add(where, f"unit: must be one of {sorted(PLAIN_UNITS)} here, got {raw!r}")
        return None
    return str(raw)


def _enum(kind: type[_E], raw: Any, where: str, name: str, problems: Problems) -> _E | None:
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        problems.add(where, f"{name}: {raw!r} is not one of {allowed}")
        return None
