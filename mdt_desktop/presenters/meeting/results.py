"""What a presenter's action came to, as a kind the screens branch on and words they show.

A screen reacts to the kind of a result (clear the decision draft, the note, the annotation);
the message is only shown. Rewording a message changes no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DoneKind(Enum):
    """A write of the meeting screen that succeeded."""

    ANSWER_SAVED = "Answer saved."
    DECISION_RECORDED = "Decision recorded."
    AMENDMENT_RECORDED = "Amendment recorded."
    CASE_DEFERRED = "Case deferred."
    NOTE_ADDED = "Note added."
    ANNOTATION_SAVED = "Annotation saved."
    ACTION_UPDATED = "Action updated."
    POSITIONS_SAVED = "Positions saved."
    UNDISCUSSED_DEFERRED = "Undiscussed cases deferred."
    MEETING_SIGNED_OFF = "Meeting signed off."

    @property
    def message(self) -> str:
        """What the status bar says."""
        return str(self.value)


# The writes after which the decision form's draft is spent.
DECISION_WRITES = frozenset(
    {DoneKind.DECISION_RECORDED, DoneKind.AMENDMENT_RECORDED, DoneKind.CASE_DEFERRED}
)


@dataclass(frozen=True, slots=True)
class Done:
    """A write succeeded: what it was, and the words for the user."""

    kind: DoneKind
    message: str

    @classmethod
    def of(cls, kind: DoneKind) -> Done:
        return cls(kind, kind.message)
