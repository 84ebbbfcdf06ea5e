"""Suggested candidates for a meeting: patients the coordinator may add to the list.

Services find them (services/meeting_admin.py for patients who meet the candidate criteria,
services/rereview.py for de-escalated patients due back); the preparation screen lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.records import Patient
from mdt_desktop.domain.rereview import Rereview


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A patient who meets the candidate criteria but is not on the list."""

    patient: Patient
    months_intensified: float
    last_review: date | None


@dataclass(frozen=True, slots=True)
class RereviewSuggestion:
    """A de-escalated patient, not on the list, due for re-review at the meeting."""

    patient: Patient
    rereview: Rereview
