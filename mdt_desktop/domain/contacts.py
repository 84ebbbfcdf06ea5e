"""A patient's last contact with the service, for loss to follow-up.

A contact is anything on record that shows the patient was seen or treated: a result (the day
its sample was collected), a recorded dose (an infusion or injection given), a procedure or
trial event, or an MDT review at which the case was discussed (docs/clinical.md, "Loss to
follow-up"). A medication list is not a contact: an EHR leaves a statement "active" long after
a patient stopped attending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.records import PatientRecord
from mdt_desktop.domain.thresholds import DURATION_UNITS, Threshold


class ContactKind(StrEnum):
    """What kind of record shows the contact."""

    RESULT = "result"
    ADMINISTRATION = "administration"
    PROCEDURE = "procedure"
    REVIEW = "mdt_review"

    @property
    def label(self) -> str:
        return {
            ContactKind.RESULT: "Result",
            ContactKind.ADMINISTRATION: "Dose given",
            ContactKind.PROCEDURE: "Procedure or event",
            ContactKind.REVIEW: "MDT review",
        }[self]


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact: when, what kind, and what it was (e.g. ``Faecal calprotectin``)."""

    on: date
    kind: ContactKind
    what: str = ""

    @property
    def text(self) -> str:
        """E.g. ``Result (Faecal calprotectin) on 03 Mar 2026`` or ``MDT review on …``."""
        detail = f" ({self.what})" if self.what else ""
        return f"{self.kind.label}{detail} on {self.on:%d %b %Y}"


def latest_contact(contacts: Iterable[Contact | None]) -> Contact | None:
    """The latest of *contacts* (on the same day: the first given), None when there is none."""
    found: Contact | None = None
    for contact in contacts:
        if contact is not None and (found is None or contact.on > found.on):
            found = contact
    return found


def last_contact(
    record: PatientRecord, as_of: date, reviews: Iterable[date] = ()
) -> Contact | None:
    """The patient's last contact on or before *as_of*.

    Args:
        record: The patient's results, recorded doses and clinical events.
        as_of: Nothing later counts.
        reviews: The dates of MDT meetings at which the patient's case was discussed.
    """
    results = [o for o in record.observations if o.collected_at.date() <= as_of]
    doses = [a for a in record.administrations if a.given_on <= as_of]
    events = [e for e in record.events if e.occurred_on <= as_of]
    result = max(results, key=lambda o: o.collected_at, default=None)
    dose = max(doses, key=lambda a: a.given_on, default=None)
    event = max(events, key=lambda e: e.occurred_on, default=None)
    review = max((d for d in reviews if d <= as_of), default=None)
    return latest_contact(
        (
            Contact(result.collected_at.date(), ContactKind.RESULT, result.label)
            if result
            else None,
            Contact(dose.given_on, ContactKind.ADMINISTRATION, DRUGS[dose.drug].label)
            if dose
            else None,
            Contact(event.occurred_on, ContactKind.PROCEDURE, _event_text(event.kind.value))
            if event
            else None,
            Contact(review, ContactKind.REVIEW) if review else None,
        )
    )


def _event_text(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def seen_since(contact: Contact | None, start: date) -> date:
    """The day a patient was last seen for something that began on *start*.

    The start itself counts (a new regimen was begun with the patient), so a last contact
    before it, or none at all, gives *start* (docs/clinical.md, "Loss to follow-up").
    """
    return max(contact.on, start) if contact is not None else start


def gone_quiet(seen: date, as_of: date, window: Threshold) -> bool:
    """True when the time from *seen* to *as_of* exceeds *window* (``lost_to_follow_up_after``).

    Args:
        seen: The last contact (see ``seen_since``).
        as_of: The day of the audit or the worklist.
        window: The configured threshold with its comparator, in a unit of time.
    """
    return window.met_by((as_of - seen).days / DURATION_UNITS[window.unit])
