"""A clinical feed delivered in time order: patients, treatment, results, events and doses.

At a site these records come from the hospital's systems through the import (docs/architecture.md,
"Import formats"); the MDT's own records (meetings, checklists, decisions, positions, sign-off)
come from users through the other services. The demo (demo/writer.py) stands in for the feed and
hands its records to this service, which writes each one in bulk when it became known (a result
at its sample time, a dose or an event on its day, a medication period from its start, its end on
its end day), so that when the demo's meetings are replayed through the services each service
sees the record as it stood then, as it would in the app. Every delivery has one audit row per
patient (``import`` ``patient``) saying how much arrived.

The regimen a meeting decided (``Decided``) is not in the feed: the decision service writes it
(and ends the period it replaces), as for a user's decision; the feed later delivers only what
happened to it afterwards (its end, if it ended).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import SYSTEM
from mdt_desktop.domain.records import Administration, MedicationPeriod, PatientRecord
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.models import (
    AdministrationRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.services.audit import AuditBatch
from mdt_desktop.services.mapping import (
    event_columns,
    medication_columns,
    observation_columns,
    patient_columns,
)

CHUNK = 20_000
_COUNTED = ("medication_periods", "observations", "events", "administrations", "ended_periods")


@dataclass(frozen=True, slots=True)
class Decided:
    """A regimen change a meeting decides: the decision service writes it, not the feed."""

    hospital_number: str
    effective: date
    target: Regimen


@dataclass
class _Delivery:
    """What arrives in one delivery, by hospital number."""

    ends: dict[str, list[MedicationPeriod]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[str, dict[type, list[Any]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min)


class RecordFeed:
    """Delivers records as they became known; ``deliver`` writes what is due."""

    def __init__(
        self,
        records: Sequence[PatientRecord],
        decided: Sequence[Decided],
        go_live: datetime,
        *,
        source: str,
        reason: str,
    ) -> None:
        self._source = source  # stored with every row, as an import stores the file it read
        self._reason = reason  # the audit rows' reason
        self._records = records
        self._go_live = go_live
        self._ids: dict[str, int] = {}
        self._items: list[tuple[datetime, int, str, str, Any]] = []
        by_number = {d.hospital_number: d for d in decided}
        for record in records:
            self._plan(record, by_number.get(record.patient.hospital_number))
        self._items.sort(key=lambda item: (item[0], item[1]))
        self._next = 0

    @property
    def patient_ids(self) -> dict[str, int]:
        """Database ids by hospital number (after the first delivery)."""
        return self._ids

    def _add(self, when: datetime, kind: str, number: str, item: Any) -> None:
        self._items.append((max(when, self._go_live), len(self._items), kind, number, item))

    def _plan(self, record: PatientRecord, decided: Decided | None) -> None:
        number = record.patient.hospital_number
        for period in record.medications:
            if decided is not None and _started_by(period, decided):
                if period.end is not None:  # what happened to the decided regimen later
                    self._add(_at(period.end), "end", number, period)
                continue
            if decided is not None and _ended_by(period, decided):
                period = _open(period)  # the decision ends it
            end = period.end
            ends_later = end is not None and _at(end) > max(_at(period.start), self._go_live)
            self._add(_at(period.start), "period", number, _open(period) if ends_later else period)
            if end is not None and ends_later:
                self._add(_at(end), "end", number, period)
        for obs in record.observations:
            self._add(obs.collected_at, "obs", number, obs)
        for event in record.events:
            self._add(_at(event.occurred_on), "event", number, event)
        for given in record.administrations:
            self._add(_at(given.given_on), "dose", number, given)

    def start(self, session: Session) -> None:
        """Write every patient (known from go-live) and everything known by then."""
        rows = [patient_columns(r.patient, self._go_live) for r in self._records]
        for record, row in zip(self._records, rows, strict=True):
            pid = session.execute(insert(PatientRow).returning(PatientRow.id), [row]).scalar_one()
            self._ids[record.patient.hospital_number] = pid
        self.deliver(session, self._go_live, every_patient=True)

    def deliver(self, session: Session, until: datetime, *, every_patient: bool = False) -> int:
        """Write everything known by *until* with its audit rows; return how many records."""
        due = self._next
        while due < len(self._items) and self._items[due][0] <= until:
            due += 1
        items, self._next = self._items[self._next : due], due
        if not items and not every_patient:
            return 0
        delivery = _Delivery()
        counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COUNTED, 0))
        for _when, _order, kind, number, item in items:
            self._collect(delivery, counts[number], kind, number, item, until)
        self._write(session, delivery)
        audit = AuditBatch(session)
        numbers = [r.patient.hospital_number for r in self._records]
        for number in numbers if every_patient else [n for n in numbers if n in counts]:
            pid = self._ids[number]
            after = {"hospital_number": number, **counts[number]}
            audit.add(
                SYSTEM,
                "import",
                "patient",
                pid,
                patient_id=pid,
                after=after,
                reason=self._reason,
                at=until,
            )
        audit.flush()
        return len(items)

    def finish(self, session: Session, now: datetime) -> int:
        """Deliver the rest (up to *now*)."""
        remaining = len(self._items) - self._next
        if remaining:
            self._items[self._next :] = [
                (min(when, now), order, kind, number, item)
                for when, order, kind, number, item in self._items[self._next :]
            ]
        return self.deliver(session, now)

    def _collect(
        self,
        delivery: _Delivery,
        counts: dict[str, int],
        kind: str,
        number: str,
        item: Any,
        until: datetime,
    ) -> None:
        pid = self._ids[number]
        if kind == "period":
            delivery.rows[number][MedicationPeriodRow].append(
                medication_columns(item, pid, self._source, until)
            )
            counts["medication_periods"] += 1
        elif kind == "end":
            delivery.ends[number].append(item)
            counts["ended_periods"] += 1
        elif kind == "obs":
            delivery.rows[number][ObservationRow].append(observation_columns(item, pid, until))
            counts["observations"] += 1
        elif kind == "event":
            delivery.rows[number][ClinicalEventRow].append(
                event_columns(item, pid, self._source, until)
            )
            counts["events"] += 1
        else:
            delivery.rows[number][AdministrationRow].append(
                _administration(item, pid, self._source, until)
            )
            counts["administrations"] += 1

    def _write(self, session: Session, delivery: _Delivery) -> None:
        tables: dict[type, list[dict[str, Any]]] = defaultdict(list)
        for by_table in delivery.rows.values():
            for table, rows in by_table.items():
                tables[table] += rows
        for table in (MedicationPeriodRow, ObservationRow, ClinicalEventRow, AdministrationRow):
            rows = tables.get(table, [])
            for start in range(0, len(rows), CHUNK):
                session.execute(insert(table), rows[start : start + CHUNK])
        for number, ended in delivery.ends.items():
            for period in ended:
                _end(session, self._ids[number], period)


def _end(session: Session, patient_id: int, period: MedicationPeriod) -> None:
    """The feed reports that a stored period ended (the period the feed or a decision wrote)."""
    row_id = session.scalar(
        select(MedicationPeriodRow.id).where(
            MedicationPeriodRow.patient_id == patient_id,
            MedicationPeriodRow.drug == period.drug.value,
            MedicationPeriodRow.start_date == period.start,
            MedicationPeriodRow.end_date.is_(None),
        )
    )
    assert row_id is not None, f"no open period of {period.drug} from {period.start}"
    session.execute(
        update(MedicationPeriodRow)
        .where(MedicationPeriodRow.id == row_id)
        .values(
            end_date=period.end,
            end_reason=period.end_reason.value if period.end_reason else None,
            end_reason_detail=period.end_reason_detail,
        )
    )


def _open(period: MedicationPeriod) -> MedicationPeriod:
    return replace(period, end=None, end_reason=None, end_reason_detail="")


def _started_by(period: MedicationPeriod, decided: Decided) -> bool:
    return period.start == decided.effective and period.regimen == decided.target


def _ended_by(period: MedicationPeriod, decided: Decided) -> bool:
    return (
        period.end == decided.effective
        and period.drug is decided.target.drug
        and period.phase.value == "maintenance"
    )


def _administration(
    given: Administration, patient_id: int, source: str, created_at: datetime
) -> dict[str, Any]:
    """The ``medication_administrations`` column values of one recorded dose."""
    return {
        "patient_id": patient_id,
        "drug": given.drug.value,
        "given_on": given.given_on,
        "dose_value": given.dose_value,
        "dose_unit": given.dose_unit.value if given.dose_unit else None,
        "source": source,
        "created_at": created_at,
    }
