"""Freezing what the meeting saw for one case: the snapshot row and its plot image.

Called inside the sign-off transaction (services/signoff.py), the one way a case is frozen (the
demo signs its meetings off through that service too), so every signed-off case has exactly one
snapshot. The plot image is drawn with the
minutes' own code path (reports/figures.py: ``PlotRenderer`` and ``plot_data``) from the frozen
record, so the stored picture is the picture the minutes print.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mdt_desktop.domain.checklist import objective_remission
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import CaseStatus, MeetingStatus
from mdt_desktop.domain.records import (
    Annotation,
    CaseSummary,
    ChecklistAnswer,
    Decision,
    PatientRecord,
)
from mdt_desktop.domain.rereview import Rereview
from mdt_desktop.domain.risk import applicable_risks
from mdt_desktop.domain.snapshot import (
    FIGURE_MEDIA_TYPE,
    FIGURE_NAME,
    FORMAT_VERSION,
    CaseSnapshot,
    bytes_digest,
    digest,
    to_payload,
)
from mdt_desktop.models import (
    CaseReviewRow,
    CaseSnapshotRow,
    ChecklistAnswerRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    PatientRow,
    SnapshotFigureRow,
)
from mdt_desktop.reports.figures import PlotRenderer, plot_data
from mdt_desktop.services.mapping import checklist_from_row, decision_from_row
from mdt_desktop.services.meetings import frozen_detail, patient_annotations
from mdt_desktop.services.patients import load_record
from mdt_desktop.services.rereview import case_rereview


class Unset:
    """No value given: the default is worked out (a re-review may well be None)."""


UNSET = Unset()
AUDIT_ACTION = "freeze"
AUDIT_ENTITY = "case_snapshot"
AUDIT_REASON = "Sign-off freezes the evidence the meeting saw"


@dataclass(frozen=True, slots=True)
class FrozenCase:
    """What was written for one case."""

    snapshot_id: int
    case_id: int
    patient_id: int
    position: int
    digest: str
    figures: dict[str, str]  # name -> SHA-256 of the stored bytes
    counts: dict[str, int]  # results, medication periods, events, annotations frozen

    def audit_after(self) -> dict[str, Any]:
        """The ``after`` of the snapshot's audit row."""
        return {
            "case": self.position,
            "format_version": FORMAT_VERSION,
            "digest": self.digest,
            "figures": dict(self.figures),
            **self.counts,
        }


class FigureMaker:
    """Draws frozen cases to PNG with one reused print figure (building it is the slow part)."""

    def __init__(self, config: ClinicalConfig) -> None:
        self._config = config
        self._renderer: PlotRenderer | None = None

    def png(self, case: CaseReviewRow, snapshot: CaseSnapshot, decision: Decision | None) -> bytes:
        """The case's trend plots as the minutes draw them, from the frozen record.

        *decision* is the case's current decision (the plots mark its planned regimen).
        """
        if self._renderer is None:
            self._renderer = PlotRenderer()
        summary = CaseSummary(
            case.id,
            case.position,
            snapshot.record.patient,
            CaseStatus(case.status),
            decision=decision,
        )
        detail = frozen_detail(summary, snapshot, MeetingStatus.SIGNED_OFF, self._config.regimens)
        picture = self._renderer.render(plot_data(detail, self._config))
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG", compress_level=1)  # lossless; 1: fast, ~5 % larger
        return buffer.getvalue()


def capture(
    session: Session,
    case: CaseReviewRow,
    meeting: MeetingRow,
    config: ClinicalConfig,
    *,
    at: datetime,
    record: PatientRecord | None = None,
    annotations: Sequence[Annotation] | None = None,
    rereview: Rereview | Unset | None = UNSET,
) -> CaseSnapshot:
    """What the meeting saw for *case* now: record, stored checklist, risks, annotations.

    *record* and *annotations* default to the patient's as stored now. *rereview* defaults to the
    re-review the case is due (services/rereview.py); its checklist is the re-review one.
    """
    if record is None:
        record = load_record(session.get_one(PatientRow, case.patient_id))
    if annotations is None:
        annotations = patient_annotations(session, case.patient_id)
    if isinstance(rereview, Unset):
        rereview = case_rereview(session, config, case.patient_id, meeting.meeting_date, record)
    checklist = stored_checklist(session, case.id, config)
    return CaseSnapshot(
        taken_at=at,
        meeting_date=meeting.meeting_date,
        record=record,
        checklist=checklist,
        overall=objective_remission(config.checklist_for(rereview is not None), checklist),
        risks=applicable_risks(
            config.risk_factors, record, meeting.meeting_date, config.thresholds
        ),
        annotations=tuple(annotations),
        decision_periods=_decision_periods(session, case),
        rereview=rereview,
    )


def store(
    session: Session,
    case: CaseReviewRow,
    meeting: MeetingRow,
    snapshot: CaseSnapshot,
    figures: FigureMaker,
) -> FrozenCase:
    """Write *snapshot* and its plot image for *case*; return what was written."""
    payload = to_payload(snapshot)
    row = CaseSnapshotRow(
        case_review_id=case.id,
        meeting_id=meeting.id,
        taken_at=snapshot.taken_at,
        format_version=FORMAT_VERSION,
        payload=payload,
        digest=digest(payload),
    )
    session.add(row)
    session.flush()
    png = figures.png(case, snapshot, current_decision(session, case.id, snapshot.taken_at))
    session.add(
        SnapshotFigureRow(
            snapshot_id=row.id,
            name=FIGURE_NAME,
            media_type=FIGURE_MEDIA_TYPE,
            data=png,
            digest=bytes_digest(png),
        )
    )
    session.flush()
    record = snapshot.record
    return FrozenCase(
        snapshot_id=row.id,
        case_id=case.id,
        patient_id=case.patient_id,
        position=case.position,
        digest=row.digest,
        figures={FIGURE_NAME: bytes_digest(png)},
        counts={
            "results": len(record.observations),
            "medication_periods": len(record.medications),
            "events": len(record.events),
            "annotations": len(snapshot.annotations),
        },
    )


def stored_checklist(
    session: Session, case_id: int, config: ClinicalConfig
) -> tuple[ChecklistAnswer, ...]:
    """The case's stored checklist answers in the configured order, labelled."""
    labels = config.checklist_labels
    order = {key: index for index, key in enumerate(labels)}
    rows = session.scalars(
        select(ChecklistAnswerRow).where(ChecklistAnswerRow.case_review_id == case_id)
    ).all()
    rows = sorted(rows, key=lambda r: (order.get(r.item_key, len(order)), r.item_key))
    return tuple(checklist_from_row(r, labels.get(r.item_key, r.item_key)) for r in rows)


def current_decision(session: Session, case_id: int, at: datetime) -> Decision | None:
    """The case's decision as it stood at *at* (its latest version by then)."""
    rows = session.scalars(
        select(DecisionRow)
        .where(DecisionRow.case_review_id == case_id, DecisionRow.decided_at <= at)
        .options(selectinload(DecisionRow.decided_by))
        .order_by(DecisionRow.id)
    ).all()
    amended = {r.amends_id for r in rows if r.amends_id}
    current = [r for r in rows if r.id not in amended]
    return decision_from_row(current[-1]) if current else None


def _decision_periods(session: Session, case: CaseReviewRow) -> tuple[int, ...]:
    """Medication periods the case's decisions started or ended."""
    decisions = session.scalars(
        select(DecisionRow.id).where(DecisionRow.case_review_id == case.id)
    ).all()
    if not decisions:
        return ()
    rows = session.scalars(
        select(MedicationPeriodRow.id).where(
            MedicationPeriodRow.decision_id.in_(decisions)
            | MedicationPeriodRow.closed_by_decision_id.in_(decisions)
        )
    )
    return tuple(sorted(rows))
