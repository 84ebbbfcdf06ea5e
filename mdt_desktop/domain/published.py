"""Published de-escalation outcomes the audit compares with (resources/published_outcomes.toml).

Each result is a proportion still de-escalated (or free of relapse) at a month, with its sources,
how well it is supported and, when the paper gave no time point, a flag saying so. They are
configuration, never literals: a site may add its own comparators, citing sources like any other
configured value. Every problem is reported with its file, key and reason, all at once.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from mdt_desktop.domain.enums import Evidence
from mdt_desktop.domain.errors import ConfigurationError
from mdt_desktop.domain.thresholds import Problems, Source, parse_sources

_E = TypeVar("_E", bound=StrEnum)

SCHEMA = 1
MAX_MONTHS = 120.0
FIELDS = frozenset(
    {
        "label",
        "short_label",
        "maintained",
        "reported",
        "months",
        "timing",
        "n",
        "kind",
        "sources",
        "evidence",
        "note",
    }
)


class StudyKind(StrEnum):
    """What kind of study a published figure comes from."""

    COHORT = "cohort"
    TRIAL = "trial"
    META_ANALYSIS = "meta-analysis"


class Timing(StrEnum):
    """Whether the figure was reported at its month or over a follow-up of unseen length."""

    AT = "at"
    OVER_FOLLOW_UP = "over-follow-up"


@dataclass(frozen=True, slots=True)
class PublishedResult:
    """One published figure: e.g. Little et al., 16/25 (64%) maintained at 12 months [S38]."""

    key: str
    label: str
    short_label: str
    maintained: float  # proportion 0-1
    reported: str
    months: float
    kind: StudyKind
    sources: tuple[str, ...]
    evidence: Evidence
    timing: Timing = Timing.AT
    n: int | None = None
    note: str = ""

    @property
    def maintained_pct(self) -> float:
        return 100.0 * self.maintained

    @property
    def exact_time(self) -> bool:
        """True when the paper reports the figure at ``months`` (not over its follow-up)."""
        return self.timing is Timing.AT

    @property
    def tags(self) -> str:
        """Return e.g. ``[S38]``."""
        return "[" + ", ".join(self.sources) + "]"

    def when(self) -> str:
        """Return e.g. ``at 12 months`` or ``over follow-up``."""
        if self.exact_time:
            return f"at {self.months:g} months"
        return "over follow-up"


def load_published(
    path: Path, sources: Mapping[str, Source] | None = None
) -> tuple[PublishedResult, ...]:
    """Load and validate *path*; source tags must be in *sources* (default: sources.toml beside).

    Raises:
        ConfigurationError: naming the file, the key and the reason of every problem.
    """
    problems = Problems()
    if sources is None:
        sources_path = path.parent / "sources.toml"
        raw_sources = _read(sources_path, problems)
        sources = parse_sources(
            {k: v for k, v in raw_sources.items() if k != "schema"}, str(sources_path), problems
        )
    data = _read(path, problems)
    if data and data.get("schema", SCHEMA) != SCHEMA:
        problems.add(str(path), f"schema: this version reads schema {SCHEMA}")
    results = parse_published(data, str(path), sources, problems)
    if problems:
        raise ConfigurationError("Invalid published outcomes:\n  " + "\n  ".join(problems.lines))
    return results


def parse_published(
    data: Mapping[str, Any], where: str, known: Mapping[str, Source], problems: Problems
) -> tuple[PublishedResult, ...]:
    """Parse the [results.*] tables of a published-outcomes file, recording every problem."""
    tables = data.get("results", {})
    if not isinstance(tables, dict):
        problems.add(f"{where} [results]", "must be a table of tables")
        return ()
    parsed = (
        _parse_result(key, entry, f"{where} [results.{key}]", known, problems)
        for key, entry in tables.items()
    )
    return tuple(result for result in parsed if result is not None)


def _read(path: Path, problems: Problems) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.add(str(path), "file is missing")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.add(str(path), f"not valid TOML ({error})")
    return {}


def _parse_result(
    key: str, entry: Any, where: str, known: Mapping[str, Source], problems: Problems
) -> PublishedResult | None:
    if not isinstance(entry, dict):
        problems.add(where, "must be a table")
        return None
    start = len(problems.lines)
    for name in sorted(set(entry) - FIELDS):
        problems.add(where, f"{name}: unknown field (known: {', '.join(sorted(FIELDS))})")
    texts = {name: _text(entry, name, where, problems) for name in ("label", "short_label")}
    reported = _text(entry, "reported", where, problems)
    maintained = _number(entry.get("maintained"), where, "maintained", problems)
    if maintained is not None and not 0.0 <= maintained <= 1.0:
        problems.add(where, f"maintained: a proportion between 0 and 1, got {maintained:g}")
    months = _number(entry.get("months"), where, "months", problems)
    if months is not None and not 0.0 < months <= MAX_MONTHS:
        problems.add(where, f"months: must be above 0 and at most {MAX_MONTHS:g}, got {months:g}")
    n = _count(entry.get("n"), where, problems)
    sources = _sources(entry.get("sources"), where, known, problems)
    kind = _choice(StudyKind, entry.get("kind"), where, "kind", problems)
    evidence = _choice(Evidence, entry.get("evidence"), where, "evidence", problems)
    timing = _choice(Timing, entry.get("timing", Timing.AT.value), where, "timing", problems)
    if (
        len(problems.lines) > start
        or maintained is None
        or months is None
        or kind is None
        or evidence is None
        or timing is None
    ):
        return None
    return PublishedResult(
        key=key,
        label=texts["label"],
        short_label=texts["short_label"],
        maintained=maintained,
        reported=reported,
        months=months,
        kind=kind,
        sources=sources,
        evidence=evidence,
        timing=timing,
        n=n,
        note=str(entry.get("note", "")),
    )


def _text(entry: Mapping[str, Any], name: str, where: str, problems: Problems) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.add(where, f"{name}: required text")
        return ""
    return value.strip()


def _number(raw: Any, where: str, name: str, problems: Problems) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.add(where, f"{name}: must be a number, got {raw!r}")
        return None
    return float(raw)


def _count(raw: Any, where: str, problems: Problems) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        problems.add(where, f"n: must be a positive whole number, got {raw!r}")
        return None
    return raw


def _sources(
    raw: Any, where: str, known: Mapping[str, Source], problems: Problems
) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        problems.add(where, "sources: at least one source tag is required")
        return ()
    for tag in raw:
        if tag not in known:
            problems.add(where, f"sources: unknown source tag {tag!r} (define it in sources.toml)")
    return tuple(raw)


def _choice(kind: type[_E], raw: Any, where: str, name: str, problems: Problems) -> _E | None:
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        problems.add(where, f"{name}: {raw!r} is not one of {allowed}")
        return None
