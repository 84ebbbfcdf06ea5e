"""Snapshots of the demo's signed-off meetings, taken with the sign-off service's own functions.

The demo writes each patient's whole synthetic history at once, up to its "today". A meeting
signed off months ago cannot have seen results taken since, so each case is frozen with the
record as it stood at the moment of sign-off (``as_known_at``): results, events and recorded
doses up to then,
and medication as then known (a period that ended later was still running; a period that a
decision had already planned is kept). Everything newer shows as new data since the decision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.records import PatientRecord
from mdt_desktop.models import CaseReviewRow, MedicationPeriodRow, MeetingRow, PatientRow
from mdt_desktop.services.meetings import patient_annotations
from mdt_desktop.services.patients import load_record
from mdt_desktop.services.snapshots import FigureMaker, FrozenCase, capture, store


class DemoFreezer:
    """Freezes signed-off demo meetings; one plot figure is reused for all of them."""

    def __init__(self, config: ClinicalConfig) -> None:
        self._config = config
        self._figures = FigureMaker(config)

    def freeze(self, session: Session, meeting: MeetingRow, at: datetime) -> list[FrozenCase]:
        """Write the snapshot of every case of *meeting* as signed off at *at*."""
        cases = session.scalars(
            select(CaseReviewRow)
            .where(CaseReviewRow.meeting_id == meeting.id)
            .order_by(CaseReviewRow.position)
        ).all()
        frozen = []
        for case in cases:
            record = as_known_at(
                load_record(session.get_one(PatientRow, case.patient_id)),
                at,
                *_decided_periods(session, case.patient_id),
            )
            annotations = [
                a for a in patient_annotations(session, case.patient_id) if a.created_at <= at
            ]
            snapshot = capture(
                session, case, meeting, self._config, at=at, record=record, annotations=annotations
            )
            frozen.append(store(session, case, meeting, snapshot, self._figures))
        return frozen


def as_known_at(
    record: PatientRecord,
    moment: datetime,
    started_by_decision: frozenset[int] = frozenset(),
    ended_by_decision: frozenset[int] = frozenset(),
) -> PatientRecord:
    """*record* as it stood at *moment* (synthetic histories only know their final state).

    Periods a decision started are kept even when they begin later (the decision wrote them);
    a period that ended after *moment* was still running then, unless a decision ended it.
    """
    day = moment.date()
    medications = []
    for period in record.medications:
        if period.start > day and period.id not in started_by_decision:
            continue
        if period.end is not None and period.end > day and period.id not in ended_by_decision:
            period = replace(period, end=None, end_reason=None)
        medications.append(period)
    return replace(
        record,
        medications=tuple(medications),
        observations=tuple(o for o in record.observations if o.collected_at <= moment),
        events=tuple(e for e in record.events if e.occurred_on <= day),
        administrations=tuple(a for a in record.administrations if a.given_on <= day),
    )


def _decided_periods(session: Session, patient_id: int) -> tuple[frozenset[int], frozenset[int]]:
    """Ids of the patient's periods started, and ended, by decisions written so far."""
    rows = session.execute(
        select(
            MedicationPeriodRow.id,
            MedicationPeriodRow.decision_id,
            MedicationPeriodRow.closed_by_decision_id,
        ).where(MedicationPeriodRow.patient_id == patient_id)
    ).all()
    started = frozenset(i for i, started_by, _ in rows if started_by is not None)
    ended = frozenset(i for i, _, ended_by in rows if ended_by is not None)
    return started, ended
