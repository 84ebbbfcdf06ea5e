"""How a document names patients: in full, by initials and hospital number, or by pseudonym.

``identities_for`` turns an export's explicit choice (domain.identifiers) into one of these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from mdt_desktop.domain.identifiers import Identifiers, patient_name
from mdt_desktop.domain.nhs import format_nhs_number
from mdt_desktop.domain.records import Patient
from mdt_desktop.domain.summary import PatientSummary
from mdt_desktop.reports.page import CONFIDENTIAL
from mdt_desktop.reports.pseudonym import Pseudonymiser, load_or_create_key

PSEUDONYMISED = "Confidential — pseudonymised; free text not reviewed for identifiers"
FREE_TEXT_WARNING = (
    "Pseudonymised: names, hospital and NHS numbers and dates of birth are replaced by "
    "pseudonyms. Free text (rationale, dissent, comments, notes) has had this patient's own "
    "identifiers removed automatically but has NOT been reviewed for other identifiers."
)
INITIALS_ONLY = "Confidential — initials and hospital numbers; free text not reviewed"
INITIALS_WARNING = (
    "Initials and hospital numbers only: names, dates of birth and NHS numbers are left out. "
    "Free text (rationale, dissent, comments, notes) has had this patient's own identifiers "
    "removed automatically but has NOT been reviewed for other identifiers."
)


class Identities(Protocol):
    """The choices a document makes about patient identifiers."""

    confidentiality: str
    warning: str | None
    minutes_title: str  # what the minutes call themselves

    def label(self, patient: Patient) -> str: ...  # in lists and headings
    def number(self, patient: Patient) -> str: ...  # the hospital number ("" when hidden)
    def identity(self, patient: Patient, summary: PatientSummary) -> str: ...  # below the heading
    def free_text(self, patient: Patient, text: str) -> str: ...


class FullIdentities:
    """Patients as the medical record names them."""

    confidentiality = CONFIDENTIAL
    warning: str | None = None
    minutes_title = "Minutes"

    def label(self, patient: Patient) -> str:
        return patient_name(patient, Identifiers.FULL)

    def number(self, patient: Patient) -> str:
        return patient.hospital_number

    def identity(self, patient: Patient, summary: PatientSummary) -> str:
        nhs = f"NHS {format_nhs_number(patient.nhs_number)} · " if patient.nhs_number else ""
        return f"{nhs}born {patient.date_of_birth:%d %b %Y} · {summary.age} y · {patient.sex.value}"

    def free_text(self, patient: Patient, text: str) -> str:
        return text


class PseudonymousIdentities:
    """Patients by stable pseudonym, with age instead of date of birth."""

    confidentiality = PSEUDONYMISED
    warning: str | None = FREE_TEXT_WARNING
    minutes_title = "Pseudonymised minutes"

    def __init__(self, pseudonymiser: Pseudonymiser) -> None:
        self._pseudonymiser = pseudonymiser

    def label(self, patient: Patient) -> str:
        return self._pseudonymiser.pseudonym(patient)

    def number(self, patient: Patient) -> str:
        return ""

    def identity(self, patient: Patient, summary: PatientSummary) -> str:
        return f"{summary.age} y · {patient.sex.value}"

    def free_text(self, patient: Patient, text: str) -> str:
        return self._pseudonymiser.scrub(patient, text)


class InitialsIdentities:
    """Patients by initials and hospital number, with age instead of date of birth."""

    confidentiality = INITIALS_ONLY
    warning: str | None = INITIALS_WARNING
    minutes_title = "Minutes (initials and hospital numbers)"

    def label(self, patient: Patient) -> str:
        return patient_name(patient, Identifiers.INITIALS)

    def number(self, patient: Patient) -> str:
        return patient.hospital_number

    def identity(self, patient: Patient, summary: PatientSummary) -> str:
        return f"{summary.age} y · {patient.sex.value}"

    def free_text(self, patient: Patient, text: str) -> str:
        return Pseudonymiser.scrub(patient, text)


def identities_for(identifiers: Identifiers, key_path: Path) -> Identities:
    """The document identities for an export's chosen *identifiers*.

    The pseudonym key is read (or created) only when pseudonyms are chosen.
    """
    if identifiers is Identifiers.PSEUDONYMS:
        return PseudonymousIdentities(Pseudonymiser(load_or_create_key(key_path)))
    if identifiers is Identifiers.INITIALS:
        return InitialsIdentities()
    return FullIdentities()
