"""Checks every write makes first: who is acting, on which case, and is the meeting still open."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission, require
from mdt_desktop.domain.enums import MeetingStatus, Role
from mdt_desktop.domain.errors import NotFoundError, RefusedError
from mdt_desktop.models import CaseReviewRow, ClinicianRow, MeetingRow


def acting(session: Session, actor: Actor, permission: Permission) -> ClinicianRow:
    """Return the active roster member behind *actor*, if their role allows *permission*."""
    clinician = session.get(ClinicianRow, actor.id) if actor.id is not None else None
    if clinician is None or not clinician.active:
        raise RefusedError(f"{actor.name} is not an active member of the roster.")
    require(Role(clinician.role), permission, clinician.name)
    return clinician


def meeting_row(session: Session, meeting_id: int) -> MeetingRow:
    """Return the meeting or raise NotFoundError."""
    meeting = session.get(MeetingRow, meeting_id)
    if meeting is None:
        raise NotFoundError(f"No meeting with id {meeting_id}.")
    return meeting


def case_row(session: Session, case_id: int) -> CaseReviewRow:
    """Return the case or raise NotFoundError."""
    case = session.get(CaseReviewRow, case_id)
    if case is None:
        raise NotFoundError(f"No case with id {case_id}.")
    return case


def still_open(meeting: MeetingRow, what: str) -> None:
    """Refuse changes to a signed-off meeting, saying what was refused."""
    if meeting.status == MeetingStatus.SIGNED_OFF.value:
        raise RefusedError(
            f"The meeting of {meeting.meeting_date:%d %b %Y} is signed off; {what} can no longer "
            "be changed (record an amendment instead)."
        )


def the_chair(meeting: MeetingRow, clinician: ClinicianRow, what: str) -> None:
    """Only the meeting's chair may do *what*."""
    if clinician.id != meeting.chair_id:
        raise RefusedError(f"Only the chair of this meeting ({meeting.chair.name}) may {what}.")
