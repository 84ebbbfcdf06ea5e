"""The administrators' monthly summary, read in a few queries (domain/monthly_summary.py adds up).

For the meetings of one calendar month: case counts by status, the current decision of each case
(an amendment replaces the decision it corrects), the regimen each de-escalation leaves and
whether the reduced one is on record, the results outstanding on each meeting date (the chase
list, services/chase.py) and, across all meetings, the actions still open after their due date.

Saving the summary is an export (it lists hospital numbers with the overdue actions): the
application checks the export permission and a writable database gets an audit row.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import CaseStatus, DoseUnit, Drug, MeetingStatus, Outcome
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.monthly_summary import (
    MeetingFigures,
    MonthlySummary,
    OverdueAction,
    PlannedReduction,
    build_summary,
    next_month,
    parse_month,
)
from mdt_desktop.domain.records import MedicationPeriod
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.models import (
    ActionRow,
    CaseReviewRow,
    ClinicianRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.reports.minutes import BuildOptions
from mdt_desktop.reports.monthly_summary import build_monthly_summary, summary_csv_rows
from mdt_desktop.services.chase import ANTI_TNF, ChaseService
from mdt_desktop.services.exports import ExportAudit, save_pdf_or_csv
from mdt_desktop.services.mapping import medication_from_row

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SavedSummary:
    """What a save wrote."""

    path: Path
    pages: int  # 0 for a CSV
    seconds: float


@dataclass(frozen=True, slots=True)
class _Current:
    """The current decision of one case, with what the reduction needs."""

    case_id: int
    patient_id: int
    hospital_number: str
    meeting_date: date
    row: DecisionRow
    decision_ids: tuple[int, ...]  # the original and its amendments


class MonthlySummaryService:
    """Reads the monthly summary (read-only) and saves it as PDF or CSV (an audited export)."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._config = config
        self._chase = ChaseService(db, config)

    def summary(self, month: str | date, as_of: date | None = None) -> MonthlySummary:
        """The summary of *month* (``YYYY-MM`` or its first day); actions overdue on *as_of*."""
        first = parse_month(month) if isinstance(month, str) else month.replace(day=1)
        day = as_of or date.today()
        with self._db.read() as session:
            meetings = list(
                session.scalars(
                    select(MeetingRow)
                    .where(
                        MeetingRow.meeting_date >= first,
                        MeetingRow.meeting_date < next_month(first),
                    )
                    .order_by(MeetingRow.meeting_date)
                )
            )
            ids = [m.id for m in meetings]
            current = _current_decisions(session, ids)
            reductions = _reductions(session, current)
            actions = _overdue_actions(session, day)
            statuses = _case_statuses(session, ids)
        chases = {c.meeting_id: c for c in self._chase.chase_lists(ids)}
        figures = [
            MeetingFigures(
                meeting_id=m.id,
                meeting_date=m.meeting_date,
                status=MeetingStatus(m.status),
                listed=sum(statuses[m.id].values()),
                discussed=statuses[m.id][CaseStatus.DISCUSSED],
                deferred=statuses[m.id][CaseStatus.DEFERRED],
                outstanding_items=len(chases[m.id].rows),
                outstanding_patients=chases[m.id].patients,
            )
            for m in meetings
        ]
        by_item = Counter(row.item.key for chase in chases.values() for row in chase.rows)
        labels = {spec.key: spec.label for spec in self._config.freshness}
        return build_summary(
            first,
            day,
            figures,
            (Outcome(c.row.outcome) for c in current),
            reductions,
            actions,
            {labels.get(key, key): n for key, n in by_item.most_common()},
        )

    def latest_month(self, today: date | None = None) -> date:
        """The first day of the month of the latest meeting held by *today* (else this month)."""
        day = today or date.today()
        with self._db.read() as session:
            latest = session.scalar(
                select(func.max(MeetingRow.meeting_date)).where(MeetingRow.meeting_date <= day)
            )
        return (latest or day).replace(day=1)

    def save(
        self,
        summary: MonthlySummary,
        target: Path,
        actor: Actor | None,
        options: BuildOptions | None = None,
    ) -> SavedSummary:
        """Write *summary* as a PDF or CSV (by the suffix); None actor = the command line."""
        started = time.perf_counter()
        pages = save_pdf_or_csv(
            self._db,
            target,
            actor,
            "the monthly summary",
            pdf=lambda chosen: build_monthly_summary(summary, target, chosen),
            csv_rows=lambda: summary_csv_rows(summary),
            audit=ExportAudit(
                "monthly_summary",
                None,
                {
                    "kind": "monthly_summary",
                    "month": f"{summary.month:%Y-%m}",
                    "as_of": summary.as_of,
                    "files": [target.name],
                },
            ),
            options=options,
        )
        return SavedSummary(target, pages, time.perf_counter() - started)


def _case_statuses(session: Session, meeting_ids: Sequence[int]) -> dict[int, Counter[CaseStatus]]:
    counts: dict[int, Counter[CaseStatus]] = defaultdict(Counter)
    stmt = (
        select(CaseReviewRow.meeting_id, CaseReviewRow.status, func.count(CaseReviewRow.id))
        .where(CaseReviewRow.meeting_id.in_(meeting_ids))
        .group_by(CaseReviewRow.meeting_id, CaseReviewRow.status)
    )
    for meeting_id, status, n in session.execute(stmt):
        counts[meeting_id][CaseStatus(status)] = n
    return counts


def _current_decisions(session: Session, meeting_ids: Sequence[int]) -> list[_Current]:
    """The newest decision (the last amendment, if any) of every case of the meetings."""
    stmt = (
        select(DecisionRow, CaseReviewRow.patient_id, PatientRow.hospital_number)
        .add_columns(MeetingRow.meeting_date)
        .join(CaseReviewRow, DecisionRow.case_review_id == CaseReviewRow.id)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .join(PatientRow, CaseReviewRow.patient_id == PatientRow.id)
        .where(CaseReviewRow.meeting_id.in_(meeting_ids))
        .order_by(DecisionRow.id)
    )
    latest: dict[int, _Current] = {}
    chains: dict[int, list[int]] = defaultdict(list)
    for row, patient_id, number, meeting_date in session.execute(stmt):
        chains[row.case_review_id].append(row.id)
        latest[row.case_review_id] = _Current(
            row.case_review_id, patient_id, number, meeting_date, row, ()
        )
    return [replace(c, decision_ids=tuple(chains[c.case_id])) for c in latest.values()]


def _reductions(session: Session, current: Sequence[_Current]) -> list[PlannedReduction]:
    """Each de-escalation decision with the regimen it leaves and whether it has started."""
    chosen = [
        c
        for c in current
        if c.row.outcome == Outcome.DE_ESCALATE.value and _target(c.row) is not None
    ]
    if not chosen:
        return []
    periods: dict[int, list[MedicationPeriod]] = defaultdict(list)
    started: set[int] = set()
    stmt = select(MedicationPeriodRow).where(
        MedicationPeriodRow.patient_id.in_({c.patient_id for c in chosen}),
        MedicationPeriodRow.drug.in_(ANTI_TNF),
    )
    for period in session.scalars(stmt):
        periods[period.patient_id].append(medication_from_row(period))
        if period.decision_id is not None:
            started.add(period.decision_id)
    return [_reduction(c, periods[c.patient_id], started) for c in chosen]


def _reduction(
    current: _Current, periods: Sequence[MedicationPeriod], started: set[int]
) -> PlannedReduction:
    row = current.row
    after = _target(row)
    if after is None:  # the database's CHECK makes a de-escalation name its target
        raise ValueError(f"decision {row.id} has no target regimen")
    effective = row.effective_date
    day = current.meeting_date
    if effective is not None and effective - ONE_DAY < day:
        day = effective - ONE_DAY  # the regimen that ran until the change
    before = current_anti_tnf(periods, day)
    return PlannedReduction(
        meeting_date=current.meeting_date,
        hospital_number=current.hospital_number,
        after=after,
        effective=effective,
        before=before.regimen if before else None,
        started=any(i in started for i in current.decision_ids),
    )


def _target(row: DecisionRow) -> Regimen | None:
    if not (row.target_drug and row.target_dose and row.target_dose_unit):
        return None
    if not row.target_interval_days:
        return None
    return Regimen(
        Drug(row.target_drug),
        row.target_dose,
        DoseUnit(row.target_dose_unit),
        row.target_interval_days,
    )


def _overdue_actions(session: Session, on: date) -> list[OverdueAction]:
    """Actions from any meeting that were open on *on* and due before it."""
    end_of_day = datetime.combine(on + ONE_DAY, datetime.min.time())
    stmt = (
        select(ActionRow, MeetingRow.meeting_date, PatientRow.hospital_number, ClinicianRow.name)
        .join(CaseReviewRow, ActionRow.case_review_id == CaseReviewRow.id)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .join(PatientRow, CaseReviewRow.patient_id == PatientRow.id)
        .join(ClinicianRow, ActionRow.owner_id == ClinicianRow.id)
        .where(
            ActionRow.due_date < on,
            ActionRow.created_at < end_of_day,
            or_(ActionRow.done_at.is_(None), ActionRow.done_at >= end_of_day),
        )
    )
    return [
        OverdueAction(
            meeting_date,
            number,
            action.description,
            owner,
            action.due_date,
            (on - action.due_date).days,
        )
        for action, meeting_date, number, owner in session.execute(stmt)
        if action.due_date is not None
    ]
