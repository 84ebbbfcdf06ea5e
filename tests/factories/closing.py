"""Factories of the tables that close the loop: positions, frozen evidence, carry-overs."""

from typing import Any

from sqlalchemy.orm import Session

from mdt_desktop.domain.enums import CaseStatus, Position
from mdt_desktop.domain.snapshot import (
    FIGURE_MEDIA_TYPE,
    FIGURE_NAME,
    FORMAT_VERSION,
    bytes_digest,
    digest,
)
from mdt_desktop.models import (
    CarryOverRow,
    CaseReviewRow,
    CaseSnapshotRow,
    ClinicianRow,
    DecisionRow,
    MeetingRow,
    PatientRow,
    PositionRow,
    SnapshotFigureRow,
)
from tests.factories.base import NOW, add
from tests.factories.meeting import make_case_review, make_clinician, make_decision, make_meeting

# The PNG signature and a few bytes: enough for a row and its digest, not for an image viewer.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"test figure"


def make_position(
    session: Session,
    decision: DecisionRow | None = None,
    clinician: ClinicianRow | None = None,
    **overrides: Any,
) -> PositionRow:
    """*clinician* (a new consultant by default) agrees with *decision*, as the chair records."""
    decision = decision or make_decision(session)
    clinician = clinician or make_clinician(session)
    values: dict[str, Any] = {
        "decision_id": decision.id,
        "clinician_id": clinician.id,
        "role": clinician.role,
        "position": Position.AGREE.value,
        "comment": "",
        "recorded_by_id": decision.decided_by_id,
        "recorded_at": NOW,
    }
    return add(session, PositionRow(**{**values, **overrides}))


def make_snapshot(
    session: Session, case: CaseReviewRow | None = None, **overrides: Any
) -> CaseSnapshotRow:
    """A frozen record of *case* whose digest matches its payload (``check`` accepts it)."""
    case = case or make_case_review(session)
    payload = overrides.pop("payload", {"case_review_id": case.id, "test": True})
    values: dict[str, Any] = {
        "case_review_id": case.id,
        "meeting_id": case.meeting_id,
        "taken_at": NOW,
        "format_version": FORMAT_VERSION,
        "payload": payload,
        "digest": digest(payload),
    }
    return add(session, CaseSnapshotRow(**{**values, **overrides}))


def make_snapshot_figure(
    session: Session, snapshot: CaseSnapshotRow | None = None, **overrides: Any
) -> SnapshotFigureRow:
    """The snapshot's plot image (a few PNG-signed bytes), digest included."""
    snapshot = snapshot or make_snapshot(session)
    data = overrides.pop("data", PNG_BYTES)
    values: dict[str, Any] = {
        "snapshot_id": snapshot.id,
        "name": FIGURE_NAME,
        "media_type": FIGURE_MEDIA_TYPE,
        "data": data,
        "digest": bytes_digest(data),
    }
    return add(session, SnapshotFigureRow(**{**values, **overrides}))


def make_carry_over(
    session: Session,
    from_case: CaseReviewRow | None = None,
    to_case: CaseReviewRow | None = None,
    **overrides: Any,
) -> CarryOverRow:
    """*from_case* (deferred) listed again: by default on a new, later meeting, same chair."""
    from_case = from_case or make_case_review(session, status=CaseStatus.DEFERRED.value)
    if to_case is None:
        earlier = session.get(MeetingRow, from_case.meeting_id)
        patient = session.get(PatientRow, from_case.patient_id)
        assert earlier is not None
        assert patient is not None
        later = make_meeting(session, chair=session.get(ClinicianRow, earlier.chair_id))
        to_case = make_case_review(session, later, patient, added_reason="carried over")
    values: dict[str, Any] = {
        "from_case_id": from_case.id,
        "to_case_id": to_case.id,
        "reason": "deferred",
        "created_by_id": None,
        "created_at": NOW,
    }
    return add(session, CarryOverRow(**{**values, **overrides}))
