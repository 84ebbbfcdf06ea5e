"""Anti-drug antibody results read the way the laboratory meant them: detected, not, or unknown.

Plain Python. Antibody numbers belong to one assay: there is no cut-off that holds across assays
(docs/clinical.md, "Antibodies"). A result is read, in this order:

1. Reported below a limit (``<2.5``, ``<=2.5``): not detected, unless a configured cut-off for
   its assay lies below that limit (``<10`` with a cut-off of 3.15: the true value may be above
   it) — then unknown.
2. Reported above a limit (``>125``): detected.
3. A number: compared with the positivity cut-off configured for its assay and unit
   (resources/antibody_assays.toml, each with its source). Zero is never detected.
4. The laboratory's own flag (HL7 OBX-8, FHIR ``interpretation``): POS, DET, A, H, HH, AA, RR
   say detected; NEG, ND, N, NR say not; IND, E and anything else say nothing.
5. The laboratory's reference range (HL7 OBX-7, FHIR ``referenceRange``): above its upper end
   (``<3.0``, ``0-3``) is detected, within it not.

Every source there is must agree; when they disagree the result is unknown and each is named.
Without a cut-off, a flag or a reference range, a number alone is unknown: "2.1 U/mL" may be
positive on one assay and negative on another. Unknown is shown as such and never passes a
checklist item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mdt_desktop.domain.catalogue import molecule_of
from mdt_desktop.domain.enums import Comparator, Evidence
from mdt_desktop.domain.records import Observation
from mdt_desktop.domain.thresholds import Problems, Source

POSITIVE_FLAGS = frozenset({"POS", "DET", "A", "AA", "H", "HH", "HU", "RR", "R", "ABN"})
NEGATIVE_FLAGS = frozenset({"NEG", "ND", "N", "NR", "NORM"})
SOURCE_TAG = "S103"  # the HL7/FHIR interpretation code systems


class AntibodyState(StrEnum):
    """What an antibody result says about antibodies to the drug."""

    DETECTED = "detected"
    NOT_DETECTED = "not_detected"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            AntibodyState.DETECTED: "Antibodies detected",
            AntibodyState.NOT_DETECTED: "No antibodies detected",
            AntibodyState.UNKNOWN: "Antibody result cannot be read",
        }[self]


@dataclass(frozen=True, slots=True)
class AntibodyAssay:
    """One assay's positivity cut-off, as configured with its source.

    ``names`` are matched, without case, against the assay the result names (OBX-17, FHIR
    ``method``); ``molecule`` limits it to antibodies against one drug (None: any); ``unit``
    must be the result's unit exactly (compared without case): a number in another unit is not
    this assay's.
    """

    key: str
    label: str
    names: tuple[str, ...]
    unit: str
    positive_from: float
    comparator: Comparator
    sources: tuple[str, ...]
    evidence: Evidence
    molecule: str | None = None
    drug_tolerant: bool | None = None
    note: str = ""

    def matches(self, observation: Observation) -> bool:
        """Whether *observation* was measured by this assay, in its unit, for its drug."""
        assay = (observation.assay or "").casefold()
        if not assay or not any(name.casefold() in assay for name in self.names):
            return False
        if observation.unit.strip().casefold() != self.unit.casefold():
            return False
        return self.molecule is None or molecule_of(observation.target_drug) in (
            None,
            self.molecule,
        )

    def positive(self, value: float) -> bool:
        return (
            value >= self.positive_from
            if self.comparator is Comparator.GE
            else (value > self.positive_from)
        )

    def describe(self) -> str:
        """E.g. ``positive >= 3.15 U/mL (HMSA) [S34]``."""
        return (
            f"positive {self.comparator} {self.positive_from:g} {self.unit} ({self.label}) "
            f"[{', '.join(self.sources)}]"
        )


@dataclass(frozen=True, slots=True)
class AntibodyReading:
    """The reading of one antibody result and why."""

    state: AntibodyState
    reason: str
    assay: AntibodyAssay | None = None

    @property
    def detected(self) -> bool:
        return self.state is AntibodyState.DETECTED


def lab_flag(observation: Observation) -> AntibodyState | None:
    """What the laboratory's own flag says (None: no flag, or one that says nothing)."""
    flags = {f.strip().upper() for f in (observation.abnormal_flag or "").split(",") if f.strip()}
    if flags & POSITIVE_FLAGS and not flags & NEGATIVE_FLAGS:
        return AntibodyState.DETECTED
    if flags & NEGATIVE_FLAGS and not flags & POSITIVE_FLAGS:
        return AntibodyState.NOT_DETECTED
    return None


def interpret(observation: Observation, assays: Sequence[AntibodyAssay] = ()) -> AntibodyReading:
    """Read one anti-drug antibody result (see the module's rules)."""
    assay = next((a for a in assays if a.matches(observation)), None)
    limit = reference_limit(observation.reference_range)
    shown = f"{observation.display_value} {observation.unit}".strip()
    if observation.comparator in (Comparator.LT, Comparator.LE):
        return _below_limit(observation, assay, limit, shown)
    if observation.comparator in (Comparator.GT, Comparator.GE):
        return AntibodyReading(AntibodyState.DETECTED, f"{shown}: above the assay's range", assay)
    if observation.value <= 0:
        return AntibodyReading(AntibodyState.NOT_DETECTED, f"{shown}: none measured", assay)
    readings = [
        reading
        for reading in (
            _by_cutoff(observation.value, assay),
            _by_flag(observation),
            _by_range(observation.value, limit, observation.reference_range or ""),
        )
        if reading is not None
    ]
    return _combine(shown, readings, assay)


@dataclass(frozen=True, slots=True)
class ReferenceLimit:
    """The upper end of a laboratory's reference range: normal below it (or up to it)."""

    value: float
    inclusive: bool  # "0-3" and "<=3": 3 is still normal; "<3": 3 is not

    def exceeded_by(self, value: float) -> bool:
        return value > self.value if self.inclusive else value >= self.value


_RANGE_BELOW = re.compile(r"^\s*(<=?|≤)\s*(\d+(?:\.\d+)?)\s*\S*\s*$")
_RANGE_SPAN = re.compile(r"^\s*\d+(?:\.\d+)?\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*\S*\s*$")


def reference_limit(text: str | None) -> ReferenceLimit | None:
    """The upper limit of a reference range as laboratories write it (``<3.0``, ``0-3``)."""
    written = (text or "").strip()
    below = _RANGE_BELOW.match(written)
    if below is not None:
        return ReferenceLimit(float(below.group(2)), below.group(1) != "<")
    span = _RANGE_SPAN.match(written)
    return ReferenceLimit(float(span.group(1)), True) if span is not None else None


def _by_cutoff(value: float, assay: AntibodyAssay | None) -> tuple[AntibodyState, str] | None:
    if assay is None:
        return None
    state = AntibodyState.DETECTED if assay.positive(value) else AntibodyState.NOT_DETECTED
    return state, assay.describe()


def _by_flag(observation: Observation) -> tuple[AntibodyState, str] | None:
    state = lab_flag(observation)
    if state is None:
        return None
    return state, f"laboratory flag {observation.abnormal_flag!r} [{SOURCE_TAG}]"


def _by_range(
    value: float, limit: ReferenceLimit | None, written: str
) -> tuple[AntibodyState, str] | None:
    if limit is None:
        return None
    state = AntibodyState.DETECTED if limit.exceeded_by(value) else AntibodyState.NOT_DETECTED
    return state, f"laboratory reference range {written!r} [{SOURCE_TAG}]"


def _below_limit(
    observation: Observation,
    assay: AntibodyAssay | None,
    limit: ReferenceLimit | None,
    shown: str,
) -> AntibodyReading:
    """``<x``: not detected, unless a known positivity limit lies below x."""
    if assay is not None and observation.value > assay.positive_from:
        return AntibodyReading(
            AntibodyState.UNKNOWN,
            f"{shown}: the reported limit is above the assay's cut-off ({assay.describe()}), "
            "so the result may be positive",
            assay,
        )
    if limit is not None and limit.exceeded_by(observation.value):
        return AntibodyReading(
            AntibodyState.UNKNOWN,
            f"{shown}: the reported limit is above the laboratory's reference range "
            f"{observation.reference_range!r}, so the result may be positive",
            assay,
        )
    return AntibodyReading(AntibodyState.NOT_DETECTED, f"{shown}: below the assay's limit", assay)


def _combine(
    shown: str, readings: Sequence[tuple[AntibodyState, str]], assay: AntibodyAssay | None
) -> AntibodyReading:
    """One reading when every source agrees; unknown, naming each, when they disagree."""
    if not readings:
        return AntibodyReading(
            AntibodyState.UNKNOWN,
            f"{shown}: no positivity cut-off is configured for this assay and unit, and the "
            "laboratory sent neither a flag nor a reference range (antibody numbers differ "
            "between assays)",
            assay,
        )
    states = {state for state, _ in readings}
    if len(states) > 1:
        said = "; ".join(f"{why} says {state.label.lower()}" for state, why in readings)
        return AntibodyReading(AntibodyState.UNKNOWN, f"{shown}: sources disagree — {said}", assay)
    state = readings[0][0]
    return AntibodyReading(state, f"{shown}: {'; '.join(why for _, why in readings)}", assay)


# --- configuration (resources/antibody_assays.toml) -----------------------------------------


def parse_assays(
    data: Mapping[str, Any], where: str, known: Mapping[str, Source], problems: Problems
) -> tuple[AntibodyAssay, ...]:
    """The configured assays, every problem named with the file and key."""
    assays: list[AntibodyAssay] = []
    for index, entry in enumerate(data.get("assays", [])):
        here = f"{where} assays[{index}]"
        assay = _assay(entry, here, problems)
        if assay is None:
            continue
        unknown = [tag for tag in assay.sources if tag not in known]
        if unknown or not assay.sources:
            problems.add(here, f"sources: unknown or missing source tags {unknown}")
            continue
        assays.append(assay)
    return tuple(assays)


def _assay(entry: Any, where: str, problems: Problems) -> AntibodyAssay | None:
    if not isinstance(entry, dict):
        problems.add(where, "must be a table")
        return None
    try:
        comparator = Comparator(entry.get("comparator", ">="))
        names = tuple(str(n) for n in entry["names"])
        assay = AntibodyAssay(
            key=str(entry["key"]),
            label=str(entry["label"]),
            names=names,
            unit=str(entry["unit"]),
            positive_from=float(entry["positive_from"]),
            comparator=comparator,
            sources=tuple(str(t) for t in entry["sources"]),
            evidence=Evidence(entry["evidence"]),
            molecule=molecule_of(entry.get("molecule")),
            drug_tolerant=entry.get("drug_tolerant"),
            note=str(entry.get("note", "")),
        )
    except KeyError as missing:
        problems.add(where, f"{missing.args[0]}: required")
        return None
    except (TypeError, ValueError) as error:
        problems.add(where, str(error))
        return None
    if comparator not in (Comparator.GE, Comparator.GT):
        problems.add(where, "comparator: a positivity cut-off is >= or >")
        return None
    if not names or not all(n.strip() for n in names):
        problems.add(where, "names: at least one assay name as the laboratory sends it")
        return None
    if assay.positive_from <= 0 or not assay.unit.strip():
        problems.add(where, "positive_from and unit: a positive cut-off in the assay's unit")
        return None
    return assay
