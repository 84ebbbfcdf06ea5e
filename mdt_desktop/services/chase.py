"""The pre-meeting chase list: what each candidate of a meeting still needs, and since when.

For every case on a meeting's list, the freshness items of resources/freshness.toml are judged on
the meeting date (domain/freshness.py): one row per patient per missing or out-of-date result.
The records read here are partial on purpose (the anti-TNF periods, the results and procedures
the items look at) and never leave this module; a meeting's list is read in four queries.

Saving the list as a PDF or CSV carries identifiers out of the database, so it is an export:
the application checks the export permission and every save from a writable database leaves an
audit row, as ExportService does for the minutes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.chase import ChaseList, ChaseNotice, ChaseRow
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import Analyte, DrugClass, IbdType, MeetingStatus
from mdt_desktop.domain.freshness import FreshnessSpec, clinical_scores, outstanding
from mdt_desktop.domain.monitoring import CLINICAL_PLACEHOLDER, LEVEL_PLACEHOLDER
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod, Observation, PatientRecord
from mdt_desktop.models import (
    CaseReviewRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.reports.chase_list import build_chase_list, chase_csv_rows
from mdt_desktop.reports.minutes import BuildOptions
from mdt_desktop.services.exports import ExportAudit, save_pdf_or_csv
from mdt_desktop.services.guards import meeting_row
from mdt_desktop.services.mapping import (
    event_from_row,
    medication_from_row,
    observation_from_row,
    patient_from_row,
)
from mdt_desktop.services.meetings import MeetingService

LEAD_TIME_KEY = "chase_lead_time"
ANTI_TNF = tuple(d.value for d, info in DRUGS.items() if info.drug_class is DrugClass.ANTI_TNF)


@dataclass(frozen=True, slots=True)
class SavedChaseList:
    """What a save wrote."""

    path: Path
    pages: int  # 0 for a CSV
    seconds: float


class ChaseService:
    """Reads chase lists (read-only) and saves them as PDF or CSV (an audited export)."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._config = config
        self._specs = config.freshness
        self._lead = config.thresholds[LEAD_TIME_KEY]

    @property
    def lead_days(self) -> int:
        """How many days before a meeting the main window offers its chase list."""
        return int(self._lead.days)

    def chase_list(self, meeting_id: int) -> ChaseList:
        """The chase list of one meeting, judged on its date."""
        with self._db.read() as session:
            return self._build(session, meeting_row(session, meeting_id))

    def find(self, spec: str) -> ChaseList:
        """The chase list of the meeting given as ``YYYY-MM`` or ``YYYY-MM-DD``."""
        meeting_id = MeetingService(self._db, self._config).find_id(spec)
        return self.chase_list(meeting_id)

    def chase_lists(self, meeting_ids: Iterable[int]) -> list[ChaseList]:
        """The chase lists of several meetings, in one read transaction."""
        with self._db.read() as session:
            return [self._build(session, meeting_row(session, i)) for i in meeting_ids]

    def notice(self, today: date | None = None) -> ChaseNotice | None:
        """The next planned meeting's outstanding items, from the lead time before it."""
        day = today or date.today()
        with self._db.read() as session:
            row = session.scalars(
                select(MeetingRow)
                .where(
                    MeetingRow.status == MeetingStatus.PLANNED.value,
                    MeetingRow.meeting_date >= day,
                    MeetingRow.meeting_date <= day + timedelta(days=self.lead_days),
                )
                .order_by(MeetingRow.meeting_date)
                .limit(1)
            ).first()
            if row is None:
                return None
            chase = self._build(session, row)
        return ChaseNotice(
            chase.meeting_id,
            chase.meeting_date,
            len(chase.rows),
            chase.patients,
            (chase.meeting_date - day).days,
        )

    def save(
        self,
        chase: ChaseList,
        target: Path,
        actor: Actor | None,
        options: BuildOptions | None = None,
    ) -> SavedChaseList:
        """Write *chase* as a PDF or CSV (by the suffix of *target*); None actor = command line."""
        started = time.perf_counter()
        pages = save_pdf_or_csv(
            self._db,
            target,
            actor,
            "the chase list",
            pdf=lambda chosen: build_chase_list(chase, target, chosen, self._config.sources),
            csv_rows=lambda: chase_csv_rows(chase),
            audit=ExportAudit(
                "meeting",
                chase.meeting_id,
                {
                    "kind": "chase_list",
                    "files": [target.name],
                    "items": len(chase.rows),
                    "status": chase.meeting_status.value,
                },
                meeting_id=chase.meeting_id,
            ),
            options=options,
        )
        return SavedChaseList(target, pages, time.perf_counter() - started)

    # --- reading ---------------------------------------------------------------------------------

    def _build(self, session: Session, meeting: MeetingRow) -> ChaseList:
        on = meeting.meeting_date
        cases = session.execute(
            select(CaseReviewRow.position, PatientRow)
            .join(PatientRow, CaseReviewRow.patient_id == PatientRow.id)
            .where(CaseReviewRow.meeting_id == meeting.id)
            .order_by(CaseReviewRow.position)
        ).all()
        records = _records(session, [p for _, p in cases], on, _analytes_read(self._specs))
        rows = [
            ChaseRow(
                position, patient.hospital_number, records[patient.id].patient.display_name, gap
            )
            for position, patient in cases
            for gap in outstanding(records[patient.id], on, self._specs)
        ]
        return ChaseList(
            meeting.id,
            on,
            MeetingStatus(meeting.status),
            len(cases),
            tuple(rows),
            self._specs,
        )


def _analytes_read(specs: Sequence[FreshnessSpec]) -> tuple[str, ...]:
    """Every analyte any item may look at (placeholders for every drug and diagnosis)."""
    names: set[str] = set()
    for spec in specs:
        for name in spec.analytes:
            if name == LEVEL_PLACEHOLDER:
                names.update(a.value for a in (Analyte.INFLIXIMAB_LEVEL, Analyte.ADALIMUMAB_LEVEL))
            elif name == CLINICAL_PLACEHOLDER:
                names.update(a.value for ibd in IbdType for a in clinical_scores(ibd))
            else:
                names.add(name)
    return tuple(sorted(names))


def _records(
    session: Session, patients: Sequence[PatientRow], on: date, analytes: Sequence[str]
) -> dict[int, PatientRecord]:
    """Partial records: anti-TNF periods, the results and procedures the items read, up to *on*."""
    ids = [p.id for p in patients]
    until = datetime.combine(on + timedelta(days=1), clock())
    medications: dict[int, list[MedicationPeriod]] = defaultdict(list)
    for period in session.scalars(
        select(MedicationPeriodRow).where(
            MedicationPeriodRow.patient_id.in_(ids), MedicationPeriodRow.drug.in_(ANTI_TNF)
        )
    ):
        medications[period.patient_id].append(medication_from_row(period))
    observations: dict[int, list[Observation]] = defaultdict(list)
    for obs in session.scalars(
        select(ObservationRow).where(
            ObservationRow.patient_id.in_(ids),
            ObservationRow.analyte.in_(analytes),
            ObservationRow.collected_at < until,
        )
    ):
        observations[obs.patient_id].append(observation_from_row(obs))
    events: dict[int, list[ClinicalEvent]] = defaultdict(list)
    for event in session.scalars(
        select(ClinicalEventRow).where(
            ClinicalEventRow.patient_id.in_(ids), ClinicalEventRow.occurred_on <= on
        )
    ):
        events[event.patient_id].append(event_from_row(event))
    return {
        row.id: PatientRecord(
            patient_from_row(row),
            tuple(sorted(medications[row.id], key=lambda m: m.start)),
            tuple(observations[row.id]),
            tuple(events[row.id]),
        )
        for row in patients
    }
