"""How a screen or a document names a patient: in full, by initials and number, or by pseudonym.

The one place that decides what "initials and hospital number only" means, so the candidate
list, the patient header, presentation mode, the follow-up worklist and the documents agree.
Plain Python, no Qt.

Room screen (``Identifiers.INITIALS``): initials and the hospital number; age in whole years and
sex stay (the team needs them to weigh the case, and they do not identify a patient on their
own); the name, the date of birth and the NHS number never appear.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from mdt_desktop.domain.nhs import format_nhs_number


class Identifiers(StrEnum):
    """Which patient identifiers a screen or an export shows."""

    FULL = "full"  # name, date of birth, hospital and NHS numbers
    INITIALS = "initials"  # initials and hospital number (the room screen)
    PSEUDONYMS = "pseudonyms"  # stable keyed pseudonyms (documents only: needs the key)

    @property
    def label(self) -> str:
        return {
            Identifiers.FULL: "Full identifiers (name, date of birth, hospital and NHS numbers)",
            Identifiers.INITIALS: "Initials and hospital number only",
            Identifiers.PSEUDONYMS: "Pseudonyms (no name, number or date of birth)",
        }[self]

    @property
    def short(self) -> str:
        """A few words for status lines and audit summaries."""
        return {
            Identifiers.FULL: "full identifiers",
            Identifiers.INITIALS: "initials and hospital number",
            Identifiers.PSEUDONYMS: "pseudonyms",
        }[self]


class Named(Protocol):
    """Anything that names a patient: a Patient, or a row made from one."""

    @property
    def display_name(self) -> str: ...
    @property
    def initials(self) -> str: ...
    @property
    def hospital_number(self) -> str: ...


class Identified(Named, Protocol):
    """A patient with the identifiers a full header line shows."""

    @property
    def nhs_number(self) -> str | None: ...


def patient_name(patient: Named, identifiers: Identifiers) -> str:
    """What stands where the name goes: ``FAMILY, Given`` or the initials.

    Raises:
        ValueError: for pseudonyms, which need the key (reports.identity makes them).
    """
    if identifiers is Identifiers.FULL:
        return patient.display_name
    if identifiers is Identifiers.INITIALS:
        return patient.initials
    raise ValueError("pseudonyms are made with the key: use reports.identity")


def patient_label(patient: Named, identifiers: Identifiers) -> str:
    """Name (or initials) and hospital number, e.g. ``JS (DEMO10001)`` for lists and menus."""
    return f"{patient_name(patient, identifiers)} ({patient.hospital_number})"


def identity_line(patient: Identified, age: int, sex: str, identifiers: Identifiers) -> str:
    """The first line of a patient header: who, hospital number, (NHS number,) age and sex."""
    nhs = (
        f" · NHS {format_nhs_number(patient.nhs_number)}"
        if patient.nhs_number and identifiers is Identifiers.FULL
        else ""
    )
    return (
        f"{patient_name(patient, identifiers)} · {patient.hospital_number}{nhs} · {age} y · {sex}"
    )


def search_text(patient: Named) -> str:
    """What a filter may match, whatever is shown: the chair can still type a surname."""
    return f"{patient.display_name} {patient.initials} {patient.hospital_number}"
