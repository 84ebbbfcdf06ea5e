"""New data since a decision: what the live record holds that the meeting did not see.

For a signed-off case the live record is compared with the record frozen at sign-off: results,
medication periods and events that are new, corrected or removed since. For a case of an open
meeting the service lists what was imported after the decision was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, TypeVar

from mdt_desktop.domain.catalogue import ANALYTES, display_unit
from mdt_desktop.domain.records import (
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    PatientRecord,
)


class DataKind(StrEnum):
    """Which part of the record changed."""

    RESULT = "result"
    MEDICATION = "medication"
    EVENT = "event"


class Change(StrEnum):
    """How it changed."""

    NEW = "new"
    CHANGED = "changed"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class NewData:
    """One item of the record the decision was not made with."""

    kind: DataKind
    change: Change
    item: str  # the analyte, drug or event kind code
    label: str  # how people name it, e.g. "CRP"
    value: str  # a result's value (with comparator), when a period started/stopped, or a note
    on: date
    unit: str = ""  # a result's canonical unit (ASCII, as stored)
    previous: str = ""  # the value and unit the meeting saw, for a correction

    @property
    def analyte(self) -> str | None:
        """The analyte code of a result (the ``meeting --json`` field)."""
        return self.item if self.kind is DataKind.RESULT else None

    def as_text(self) -> str:
        """One line, e.g. ``CRP 12 mg/L on 30 Nov 2026 (corrected; was 10 mg/L)``."""
        when = f"{self.on:%d %b %Y}"
        if self.kind is DataKind.MEDICATION:
            text = f"{self.label} {self.value}"
        elif self.kind is DataKind.EVENT:
            text = f"{self.label} on {when}" + (f": {self.value}" if self.value else "")
        else:
            text = f"{self.label} {self.value} {self.unit}".rstrip() + f" on {when}"
        if self.change is Change.CHANGED and self.previous:
            text += f" (corrected; was {self.previous})"
        elif self.change is Change.REMOVED:
            text += " (removed)"
        return display_unit(text)


def result_item(observation: Observation, change: Change = Change.NEW, was: str = "") -> NewData:
    """The new-data line of one result."""
    return NewData(
        DataKind.RESULT,
        change,
        observation.analyte.value,
        ANALYTES[observation.analyte].short,
        observation.display_value,
        observation.collected_at.date(),
        observation.unit,
        was,
    )


def medication_item(period: MedicationPeriod, change: Change = Change.NEW) -> NewData:
    """The new-data line of one medication period (a change is usually its end)."""
    ended = change is Change.CHANGED and period.end is not None
    on = period.end if ended and period.end else period.start
    if ended:
        value = f"stopped {on:%d %b %Y}"
    elif change is Change.CHANGED:
        value = f"from {on:%d %b %Y}, changed"
    else:
        value = f"from {on:%d %b %Y}"
    return NewData(DataKind.MEDICATION, change, period.drug.value, period.regimen.label, value, on)


def event_item(event: ClinicalEvent, change: Change = Change.NEW) -> NewData:
    """The new-data line of one event."""
    kind = event.kind.value.replace("_", " ")
    return NewData(
        DataKind.EVENT,
        change,
        event.kind.value,
        kind.capitalize(),
        event.description,
        event.occurred_on,
    )


def changes_since(
    frozen: PatientRecord,
    live: PatientRecord,
    *,
    ignore_medications: Iterable[int] = (),
) -> tuple[NewData, ...]:
    """What *live* holds that differs from *frozen*, newest first.

    *ignore_medications* are periods written by the case's own decisions (an amendment), which
    the screen shows as the decision itself.
    """
    ignored = set(ignore_medications)
    items = [
        *_compare(_by_id(frozen.observations), _by_id(live.observations), _result),
        *_compare(
            {k: v for k, v in _by_id(frozen.medications).items() if k not in ignored},
            {k: v for k, v in _by_id(live.medications).items() if k not in ignored},
            _medication,
        ),
        *_compare(_by_id(frozen.events), _by_id(live.events), _event),
    ]
    return sort_new_data(items)


def sort_new_data(items: Iterable[NewData]) -> tuple[NewData, ...]:
    """Newest first; results before medication and events on the same day."""
    order = list(DataKind)
    return tuple(
        sorted(items, key=lambda n: (-n.on.toordinal(), order.index(n.kind), n.label, n.value))
    )


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


T = TypeVar("T", bound=_Stored)


def _by_id(items: Iterable[T]) -> dict[int, T]:
    return {item.id: item for item in items if item.id is not None}


def _compare(
    before: Mapping[int, T],
    after: Mapping[int, T],
    describe: Callable[[T, Change, T | None], NewData],
) -> list[NewData]:
    found = [describe(item, Change.NEW, None) for key, item in after.items() if key not in before]
    found += [
        describe(item, Change.CHANGED, before[key])
        for key, item in after.items()
        if key in before and before[key] != item
    ]
    found += [
        describe(item, Change.REMOVED, None) for key, item in before.items() if key not in after
    ]
    return found


def _result(obs: Observation, change: Change, before: Observation | None) -> NewData:
    return result_item(obs, change, _result_value(before) if before else "")


def _medication(
    period: MedicationPeriod, change: Change, _before: MedicationPeriod | None
) -> NewData:
    return medication_item(period, change)


def _event(event: ClinicalEvent, change: Change, _before: ClinicalEvent | None) -> NewData:
    return event_item(event, change)


def _result_value(obs: Observation) -> str:
    return f"{obs.display_value} {obs.unit}".strip()
