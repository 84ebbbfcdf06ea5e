"""Rules for attendees' positions on a decision: who takes one, what must be said, the tally.

Every present attendee except observers gives a position (agree, disagree, abstain) on the
decision the chair recorded. A disagreement is documented: the person's view goes in the
comment, and becomes the decision's dissent when none is recorded there yet. Positions belong to
one version of the decision; when the decision is changed after they were taken, they need
confirming again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mdt_desktop.domain.consensus import MAX_TEXT
from mdt_desktop.domain.enums import AttendanceStatus, Position, Role
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.records import AttendanceEntry, AttendeePosition, Decision

MAX_COMMENT = 1000


@dataclass(frozen=True, slots=True)
class PositionInput:
    """One attendee's position as the chair enters it (the attendee by roster id)."""

    clinician_id: int
    position: Position
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Tally:
    """How many agreed, disagreed and abstained, and how many present gave no position."""

    agree: int = 0
    disagree: int = 0
    abstain: int = 0
    missing: int = 0

    @property
    def recorded(self) -> int:
        return self.agree + self.disagree + self.abstain

    @property
    def text(self) -> str:
        """E.g. ``6 agree · 1 disagree · 0 abstain`` (``· 1 not recorded`` when some are)."""
        parts = [f"{self.agree} agree", f"{self.disagree} disagree", f"{self.abstain} abstain"]
        if self.missing:
            parts.append(f"{self.missing} not recorded")
        return " · ".join(parts)


def voters(attendance: Iterable[AttendanceEntry]) -> tuple[AttendanceEntry, ...]:
    """The attendees who give a position: everyone marked present except observers."""
    return tuple(
        a
        for a in attendance
        if a.status is AttendanceStatus.PRESENT and a.role is not Role.OBSERVER
    )


def tally(
    positions: Sequence[AttendeePosition], attendance: Iterable[AttendanceEntry] = ()
) -> Tally:
    """Count *positions*; present voters without one count as missing."""
    counts = {p: sum(1 for x in positions if x.position is p) for p in Position}
    given = {p.clinician_id for p in positions}
    missing = sum(1 for a in voters(attendance) if a.clinician_id not in given)
    return Tally(
        counts[Position.AGREE], counts[Position.DISAGREE], counts[Position.ABSTAIN], missing
    )


def position_notes(
    decision: Decision | None,
    positions: Sequence[AttendeePosition],
    attendance: Sequence[AttendanceEntry],
) -> tuple[str, ...]:
    """What the chair should know about the positions shown (empty when they are in order)."""
    if decision is None or not positions:
        return ()
    notes = []
    if any(p.decision_id != decision.id for p in positions):
        notes.append(
            "These positions were taken on the decision before its amendment; none has been "
            "recorded on the amendment."
        )
    elif any(p.recorded_at < decision.decided_at for p in positions):
        notes.append(
            f"The decision was changed on {decision.decided_at:%d %b %Y at %H:%M}, after these "
            "positions were taken: confirm them again."
        )
    if attendance:
        present = {a.clinician_id for a in voters(attendance)}
        notes += [
            f"{p.name} is no longer marked present; saving the positions removes theirs."
            for p in positions
            if p.clinician_id not in present
        ]
    return tuple(notes)


def validate_positions(
    entries: Sequence[PositionInput], voters_by_id: Mapping[int, str], dissent: str
) -> None:
    """Raise ValidationError naming the attendee when the positions cannot be recorded.

    *voters_by_id*: the present attendees who may give a position (roster id to name);
    *dissent*: the decision's dissent as recorded (a disagreement needs a comment without it).
    """
    seen: set[int] = set()
    for entry in entries:
        name = voters_by_id.get(entry.clinician_id)
        if name is None:
            raise ValidationError(
                f"positions: roster member {entry.clinician_id} is not marked present at this "
                "meeting (observers do not take positions)"
            )
        if entry.clinician_id in seen:
            raise ValidationError(f"positions: {name} is listed twice")
        seen.add(entry.clinician_id)
        if len(entry.comment) > MAX_COMMENT:
            raise ValidationError(f"positions: {name}'s comment is over {MAX_COMMENT} characters")
        if (
            entry.position is Position.DISAGREE
            and not entry.comment.strip()
            and not dissent.strip()
        ):
            raise ValidationError(
                f"positions: {name} disagrees; note their view in the comment (it becomes the "
                "decision's dissent)"
            )


def dissent_from(entries: Sequence[tuple[str, Role, str]]) -> str:
    """The dissent text made of disagreeing attendees' views: ``Name (role): view`` per line."""
    text = "\n".join(f"{name} ({role.label}): {comment.strip()}" for name, role, comment in entries)
    return text[:MAX_TEXT]
