"""Data freshness: which results a candidate needs for a meeting, and which are missing or stale.

Each item of resources/freshness.toml names the analytes (and procedures) that count and a
"valid for" window from thresholds.toml. On the meeting date a result is valid when it is no
older than the window (the checklist's own rule: ``age > window`` is stale); a stale item says
when its latest result stopped counting and how many days before the meeting that was.

Plain Python: the records come in, frozen results go out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS, same_molecule
from mdt_desktop.domain.enums import Analyte, EventKind, Evidence, IbdType
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.monitoring import CLINICAL_PLACEHOLDER, LEVEL_PLACEHOLDER
from mdt_desktop.domain.records import Observation, PatientRecord
from mdt_desktop.domain.thresholds import DURATION_UNITS, Problems, Source, Threshold, Thresholds

EVENT_LABELS = {
    EventKind.ULTRASOUND: "Intestinal ultrasound",
    EventKind.ENDOSCOPY: "Endoscopy",
    EventKind.SURGERY: "Surgery",
    EventKind.TRIAL_ENROLMENT: "Trial enrolment",
    EventKind.FLARE: "Flare",
}
_DRUG_ANALYTES = (LEVEL_PLACEHOLDER, Analyte.ANTI_DRUG_ANTIBODIES.value)


class Freshness(StrEnum):
    """Whether a needed result is there for the meeting."""

    CURRENT = "current"
    STALE = "stale"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return {
            Freshness.CURRENT: "Valid",
            Freshness.STALE: "Out of date",
            Freshness.MISSING: "Never measured",
        }[self]


@dataclass(frozen=True, slots=True)
class FreshnessSpec:
    """One item of resources/freshness.toml with its window resolved."""

    key: str
    label: str
    analytes: tuple[str, ...]  # analyte names or the {level} / {clinical} placeholders
    events: tuple[EventKind, ...]
    window: Threshold  # a duration from thresholds.toml
    sources: tuple[str, ...]
    evidence: Evidence
    note: str = ""

    @property
    def window_days(self) -> int:
        """The window in whole days: a result this many days old still counts."""
        return math.floor(self.window.days + 1e-9)

    @property
    def about_drug(self) -> bool:
        """True for items about the anti-TNF itself (its level, antibodies to it)."""
        return any(name in _DRUG_ANALYTES for name in self.analytes)


@dataclass(frozen=True, slots=True)
class ItemFreshness:
    """One needed item for one patient on one date.

    ``needed_by`` is the last day the latest result counted (latest + window): the date by which
    it had to be repeated. ``days_overdue`` counts from then to the date assessed.
    """

    key: str
    label: str
    status: Freshness
    window_days: int
    sources: tuple[str, ...]
    evidence: Evidence
    latest: date | None = None
    latest_text: str = ""
    age_days: int | None = None
    needed_by: date | None = None
    days_overdue: int | None = None

    @property
    def outstanding(self) -> bool:
        """True when the item has to be chased (missing or stale)."""
        return self.status is not Freshness.CURRENT


@dataclass(frozen=True, slots=True)
class _Latest:
    day: date
    text: str


def assess(
    record: PatientRecord, on: date, specs: Sequence[FreshnessSpec]
) -> tuple[ItemFreshness, ...]:
    """Every item that applies to the patient on *on*, valid or not, in configuration order."""
    results = []
    for spec in specs:
        analytes = _analytes(spec, record, on)
        if analytes is None:
            continue
        found = _latest(record, on, analytes, spec.events)
        results.append(_judge(spec, _label(spec, record, on), found, on))
    return tuple(results)


def outstanding(
    record: PatientRecord, on: date, specs: Sequence[FreshnessSpec]
) -> tuple[ItemFreshness, ...]:
    """The items to chase for *on*: never measured first, then the longest overdue."""
    gaps = [item for item in assess(record, on, specs) if item.outstanding]
    order = {spec.key: index for index, spec in enumerate(specs)}
    return tuple(sorted(gaps, key=lambda item: chase_order(item, order)))


def chase_order(item: ItemFreshness, order: Mapping[str, int]) -> tuple[int, int, int]:
    """Sort key within one patient: missing first, then most overdue, then the configured order."""
    missing = 0 if item.status is Freshness.MISSING else 1
    return (missing, -(item.days_overdue or 0), order.get(item.key, len(order)))


def _judge(spec: FreshnessSpec, label: str, found: _Latest | None, on: date) -> ItemFreshness:
    common: dict[str, Any] = {
        "key": spec.key,
        "label": label,
        "window_days": spec.window_days,
        "sources": spec.sources,
        "evidence": spec.evidence,
    }
    if found is None:
        return ItemFreshness(status=Freshness.MISSING, **common)
    age = (on - found.day).days
    needed_by = found.day + timedelta(days=spec.window_days)
    stale = age > spec.window_days
    return ItemFreshness(
        status=Freshness.STALE if stale else Freshness.CURRENT,
        latest=found.day,
        latest_text=found.text,
        age_days=age,
        needed_by=needed_by,
        days_overdue=(on - needed_by).days if stale else None,
        **common,
    )


def _analytes(spec: FreshnessSpec, record: PatientRecord, on: date) -> tuple[Analyte, ...] | None:
    """The analytes that count for this patient; None when the item does not apply."""
    current = current_anti_tnf(record.medications, on)
    level = DRUGS[current.drug].level_analyte if current else None
    if spec.about_drug and level is None:
        return None  # not on an anti-TNF whose level is measured
    chosen: list[Analyte] = []
    for name in spec.analytes:
        if name == LEVEL_PLACEHOLDER and level is not None:
            chosen.append(level)
        elif name == CLINICAL_PLACEHOLDER:
            chosen.extend(clinical_scores(record.patient.ibd_type))
        elif name not in (LEVEL_PLACEHOLDER, CLINICAL_PLACEHOLDER):
            chosen.append(Analyte(name))
    return tuple(chosen)


def clinical_scores(ibd_type: IbdType) -> tuple[Analyte, ...]:
    """The clinical scores the checklist reads: HBI in Crohn's disease, else partial Mayo/SCCAI."""
    if ibd_type is IbdType.CROHNS:
        return (Analyte.HBI,)
    return (Analyte.PARTIAL_MAYO, Analyte.SCCAI)


def _label(spec: FreshnessSpec, record: PatientRecord, on: date) -> str:
    current = current_anti_tnf(record.medications, on)
    if spec.about_drug and current is not None:
        return f"{spec.label} ({DRUGS[current.drug].molecule})"
    return spec.label


def _latest(
    record: PatientRecord, on: date, analytes: Iterable[Analyte], events: Iterable[EventKind]
) -> _Latest | None:
    """The newest result of *analytes* or procedure of *events* on or before *on*."""
    wanted = set(analytes)
    current = current_anti_tnf(record.medications, on)
    molecule = DRUGS[current.drug].molecule if current else None
    best: Observation | None = None
    for obs in record.observations:
        if obs.analyte not in wanted or obs.collected_at.date() > on:
            continue
        if not _about_current_drug(obs, molecule):
            continue  # antibodies to an earlier drug say nothing about this one
        if best is None or obs.collected_at > best.collected_at:
            best = obs
    found = _Latest(best.collected_at.date(), _describe(best)) if best else None
    kinds = set(events)
    for event in record.events:
        later = found is None or event.occurred_on > found.day
        if event.kind in kinds and event.occurred_on <= on and later:
            found = _Latest(event.occurred_on, EVENT_LABELS[event.kind])
    return found


def _about_current_drug(obs: Observation, molecule: str | None) -> bool:
    """False for antibodies to another molecule; any route or product of this one counts.

    ``infliximab_iv`` antibodies of an older database count for an infliximab SC patient
    (docs/clinical.md, "One drug identity"); antibodies naming no drug count too.
    """
    if obs.analyte is not Analyte.ANTI_DRUG_ANTIBODIES or obs.target_drug is None:
        return True
    return same_molecule(obs.target_drug, molecule)


def _describe(obs: Observation) -> str:
    """E.g. ``CRP 12 mg/L`` or ``HBI 3 score``, as the latest value to show."""
    info = ANALYTES[obs.analyte]
    unit = "" if info.unit in ("score", "grade") else f" {obs.unit}"
    return f"{info.short} {obs.display_value}{unit}"


# --- configuration -------------------------------------------------------------------------------


def parse_freshness(
    data: Mapping[str, Any],
    where: str,
    thresholds: Thresholds,
    known: Mapping[str, Source],
    problems: Problems,
) -> tuple[FreshnessSpec, ...]:
    """Parse the [[items]] of freshness.toml, recording every problem with its place."""
    specs: list[FreshnessSpec] = []
    seen: set[str] = set()
    items = data.get("items", [])
    if not isinstance(items, list) or not items:
        problems.add(where, "items: at least one [[items]] entry is required")
        return ()
    for index, entry in enumerate(items):
        here = f"{where} items[{index}]"
        spec = _parse_item(entry, here, thresholds, known, problems)
        if spec is None:
            continue
        if spec.key in seen:
            problems.add(here, f"key: {spec.key!r} appears twice")
            continue
        seen.add(spec.key)
        specs.append(spec)
    return tuple(specs)


def _parse_item(
    entry: Any,
    where: str,
    thresholds: Thresholds,
    known: Mapping[str, Source],
    problems: Problems,
) -> FreshnessSpec | None:
    if not isinstance(entry, dict):
        problems.add(where, "must be a table")
        return None
    start = len(problems.lines)
    key, label = entry.get("key"), entry.get("label")
    for name, value in (("key", key), ("label", label)):
        if not isinstance(value, str) or not value.strip():
            problems.add(where, f"{name}: required text")
    analytes = _names(entry.get("analytes", []), where, "analytes", problems)
    allowed = {a.value for a in Analyte} | {LEVEL_PLACEHOLDER, CLINICAL_PLACEHOLDER}
    for name in analytes:
        if name not in allowed:
            problems.add(where, f"analytes: {name!r} is not an analyte name or placeholder")
    events = _events(entry.get("events", []), where, problems)
    if not analytes and not events:
        problems.add(where, "analytes: give at least one analyte or event that counts")
    window = _window(entry.get("window"), where, thresholds, problems)
    sources, evidence = _citation(entry, window, where, known, problems)
    if len(problems.lines) > start or window is None or evidence is None:
        return None
    return FreshnessSpec(
        str(key),
        str(label),
        analytes,
        events,
        window,
        sources,
        evidence,
        str(entry.get("note", "")),
    )


def _names(raw: Any, where: str, name: str, problems: Problems) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        problems.add(where, f"{name}: must be a list of names")
        return ()
    return tuple(raw)


def _events(raw: Any, where: str, problems: Problems) -> tuple[EventKind, ...]:
    kinds = []
    for name in _names(raw, where, "events", problems):
        try:
            kinds.append(EventKind(name))
        except ValueError:
            allowed = ", ".join(repr(k.value) for k in EventKind)
            problems.add(where, f"events: {name!r} is not one of {allowed}")
    return tuple(kinds)


def _window(raw: Any, where: str, thresholds: Thresholds, problems: Problems) -> Threshold | None:
    if not isinstance(raw, str) or raw not in thresholds.values:
        problems.add(where, f"window: {raw!r} is not a duration defined in thresholds.toml")
        return None
    window = thresholds[raw]
    if window.unit not in DURATION_UNITS:
        problems.add(where, f"window: {raw!r} is in {window.unit!r}, not days, months or years")
        return None
    return window


def _citation(
    entry: dict[str, Any],
    window: Threshold | None,
    where: str,
    known: Mapping[str, Source],
    problems: Problems,
) -> tuple[tuple[str, ...], Evidence | None]:
    """The item's own sources and evidence, else its window's."""
    raw_sources = entry.get("sources")
    if raw_sources is None:
        sources = window.sources if window else ()
    else:
        sources = _names(raw_sources, where, "sources", problems)
        if not sources:
            problems.add(where, "sources: at least one source tag is required")
        for tag in sources:
            if tag not in known:
                problems.add(
                    where, f"sources: unknown source tag {tag!r} (define it in sources.toml)"
                )
    raw_evidence = entry.get("evidence")
    if raw_evidence is None:
        return sources, window.evidence if window else None
    try:
        return sources, Evidence(raw_evidence)
    except ValueError:
        allowed = ", ".join(repr(e.value) for e in Evidence)
        problems.add(where, f"evidence: {raw_evidence!r} is not one of {allowed}")
        return sources, None
