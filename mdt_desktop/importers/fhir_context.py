"""What the FHIR reader's resource handlers share: JSON access, the entry, the file's patients.

The handlers read the JSON as parsed, after fhir.resources has checked its structure, through
the small accessors here: an element of the wrong type reads as absent, so nothing a file holds
can raise. ``Context`` carries the patients found so far (every way an entry can be referred to:
its ``fullUrl`` and ``Type/id``) and their dates of birth, the site's time zone (times are
converted to it, docs/clinical.md, "Time"), problems, and notes about what was skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.nhs import normalise_nhs_number
from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.csv_reader import HOSPITAL_NUMBER
from mdt_desktop.importers.model import ParsedFile
from mdt_desktop.importers.times import parse_date, parse_datetime, site_zone
from mdt_desktop.importers.units import same_unit

JSON = dict[str, Any]
Day = date  # Context has a method named date
UCUM = "http://unitsofmeasure.org"
MR_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
MAX_SHOWN = 60  # characters of a file's text quoted in a message
MAX_ENTRIES_LISTED = 10  # entry numbers listed in one note


def text(node: JSON | None, key: str) -> str | None:
    """The non-blank string at *key*, stripped; None when absent or not a string."""
    value = node.get(key) if node is not None else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def child(node: JSON | None, key: str) -> JSON | None:
    """The object at *key*, or None."""
    value = node.get(key) if node is not None else None
    return value if isinstance(value, dict) else None


def children(node: JSON | None, key: str) -> list[JSON]:
    """The objects in the list at *key* (anything else in the list is left out)."""
    value = node.get(key) if node is not None else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def codings(concept: JSON | None) -> list[JSON]:
    """The codings of a CodeableConcept."""
    return children(concept, "coding")


def has_code(concept: JSON | None, system: str, code: str) -> bool:
    """Whether *concept* holds the coding *system*|*code* (or *code* without a system)."""
    return any(
        text(coding, "code") == code and text(coding, "system") in (system, None)
        for coding in codings(concept)
    )


def number_text(value: Any) -> str | None:
    """A JSON number as text (``5``, ``14.2``); a numeric string as it is; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return repr(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def quantity_unit(quantity: JSON | None) -> str | None:
    """The unit of a FHIR Quantity: its UCUM ``code`` when there is one, else ``unit``."""
    system = text(quantity, "system")
    return (text(quantity, "code") if system in (None, UCUM) else None) or text(quantity, "unit")


def unit_conflict(quantity: JSON | None) -> str | None:
    """Why a Quantity's ``unit`` and UCUM ``code`` disagree; None when they agree.

    A ``unit`` that is human text, not a unit ("milligrams per litre"), is only its display.
    """
    unit, code = text(quantity, "unit"), text(quantity, "code")
    if unit is None or code is None or text(quantity, "system") not in (None, UCUM):
        return None
    if same_unit(unit, code) is not False:
        return None
    return (
        f"the unit {shown(unit)} and the UCUM code {shown(code)} are different units: "
        "which one was measured?"
    )


def shown(value: object) -> str:
    """*value* quoted for a message, cut to a readable length."""
    quoted = repr(value)
    return quoted if len(quoted) <= MAX_SHOWN else quoted[: MAX_SHOWN - 3] + "..."


def describe_coding(coding: JSON) -> str:
    """``system|code 'display'`` for a message."""
    parts = [text(coding, "system"), text(coding, "code")]
    head = "|".join(part for part in parts if part) or "(no code)"
    display = text(coding, "display")
    return f"{head} {shown(display)}" if display else head


def reference_keys(reference: str) -> Iterator[str]:
    """The keys an entry may be indexed under that *reference* could mean.

    ``urn:uuid:…`` and ``Patient/123`` as written; an absolute URL also as its last two
    segments (``https://server/fhir/Patient/123`` → ``Patient/123``); a version suffix
    (``/_history/2``) is dropped.
    """
    yield reference
    plain = re.sub(r"/_history/[^/]*$", "", reference)
    if plain != reference:
        yield plain
    if "://" in plain:
        segments = plain.rstrip("/").split("/")
        if len(segments) >= 2:
            yield "/".join(segments[-2:])


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of the file and where it is."""

    number: int  # counted from 1, as a person counts ("entry 1" is entry[0] in the JSON)
    resource: JSON
    resource_type: str
    full_url: str | None
    place: str

    def reference_keys(self) -> list[str]:
        """Every way a reference can name this entry."""
        keys = [self.full_url] if self.full_url else []
        identity = text(self.resource, "id")
        if identity is not None:
            keys.append(f"{self.resource_type}/{identity}")
        return keys


class Notes:
    """Skipped resources and other remarks, each message listed once with its entries."""

    def __init__(self) -> None:
        self._entries: dict[str, list[int]] = {}

    def add(self, message: str, number: int | None = None) -> None:
        """Record *message* for entry *number* (None: about the whole file)."""
        numbers = self._entries.setdefault(message, [])
        if number is not None:
            numbers.append(number)

    def render(self) -> list[str]:
        """One line per message: ``message (entries 3, 5 and 9)``."""
        lines = []
        for message, numbers in self._entries.items():
            if not numbers:
                lines.append(message)
                continue
            listed = ", ".join(str(n) for n in numbers[:MAX_ENTRIES_LISTED])
            more = len(numbers) - MAX_ENTRIES_LISTED
            where = f"entries {listed} and {more} more" if more > 0 else f"entries {listed}"
            lines.append(f"{message} ({'entry ' + listed if len(numbers) == 1 else where})")
        return lines


@dataclass
class Context:
    """The file being read: its problems and notes, and the patients and resources found."""

    parsed: ParsedFile
    codes: CodeTable
    now: datetime
    zone: tzinfo = field(default_factory=site_zone)
    notes: Notes = field(default_factory=Notes)
    patients: dict[str, str | None] = field(default_factory=dict)  # None: Patient has problems
    types: dict[str, str] = field(default_factory=dict)  # reference key → resourceType
    resources: dict[str, JSON] = field(default_factory=dict)  # Medication, ResearchStudy
    nhs_numbers: dict[str, str] = field(default_factory=dict)  # NHS number → hospital number
    births: dict[str, date] = field(default_factory=dict)  # hospital number → date of birth
    numbers: dict[str, int] = field(default_factory=dict)  # hospital number → Patient entry

    def problem(self, entry: Entry, field_name: str, reason: str) -> None:
        """A problem with *entry*'s *field_name*."""
        self.parsed.problem(entry.place, field_name, reason)

    def mark(self) -> int:
        """The number of problems so far (to see whether a handler added any)."""
        return len(self.parsed.problems)

    def skip(self, entry: Entry, reason: str) -> None:
        """Note that *entry* was left out, and why."""
        self.notes.add(f"skipped: {reason}", entry.number)

    def date(self, entry: Entry, field_name: str, value: str | None) -> date | None:
        """The date in *value*, or None after reporting why there is none."""
        if value is None:
            self.problem(entry, field_name, "missing")
            return None
        try:
            return parse_date(value, now=self.now, zone=self.zone)
        except ValueError as error:
            self.problem(entry, field_name, str(error))
            return None

    def time(self, entry: Entry, field_name: str, value: str | None) -> datetime | None:
        """The date-time in *value*, or None after reporting why there is none."""
        if value is None:
            self.problem(entry, field_name, "missing")
            return None
        try:
            return parse_datetime(value, now=self.now, zone=self.zone)
        except ValueError as error:
            self.problem(entry, field_name, str(error))
            return None

    def before_birth(self, entry: Entry, field_name: str, number: str, when: Day) -> bool:
        """Whether *when* is before the birth of patient *number* (a problem if so).

        Only a date of birth from this file is known here; the import checks the stored
        patient's (services/import_plan.py).
        """
        born = self.births.get(number)
        if born is None or when >= born:
            return False
        self.problem(
            entry, field_name, f"{when.isoformat()} is before the patient's birth ({born})"
        )
        return True

    def resource(self, reference: JSON | None, resource_type: str) -> JSON | None:
        """The resource of *resource_type* in this file that *reference* names, if any."""
        target = text(reference, "reference")
        if target is None:
            return None
        for key in reference_keys(target):
            found = self.resources.get(key)
            if found is not None and found.get("resourceType") == resource_type:
                return found
        return None

    def patient_of(self, entry: Entry, field_name: str, reference: JSON | None) -> str | None:
        """The hospital number of the patient *reference* names, or None after a problem.

        None without a new problem when the Patient entry named has problems of its own.
        """
        if reference is None:
            self.problem(entry, field_name, "missing: which patient this is about")
            return None
        target = text(reference, "reference")
        if target is not None:
            for key in reference_keys(target):
                if key in self.patients:
                    return self.patients[key]
        identifier = child(reference, "identifier")
        if identifier is not None:
            return self._logical(entry, f"{field_name}.identifier", identifier)
        if target is None:
            self.problem(entry, field_name, "neither a reference nor an identifier")
            return None
        kind = next((self.types[k] for k in reference_keys(target) if k in self.types), None)
        if kind is not None:
            article = "an" if kind[:1] in "AEIOU" else "a"
            self.problem(entry, field_name, f"{shown(target)} is {article} {kind}, not a Patient")
        else:
            self.problem(
                entry,
                field_name,
                f"{shown(target)} does not refer to a Patient in this file; include the "
                f"Patient, or give the hospital number as {field_name}.identifier",
            )
        return None

    def _logical(self, entry: Entry, field_name: str, identifier: JSON) -> str | None:
        value = text(identifier, "value")
        if value is None:
            self.problem(entry, field_name, "the identifier has no value")
            return None
        if text(identifier, "system") == NHS_SYSTEM:
            try:
                found = self.nhs_numbers.get(normalise_nhs_number(value))
            except ValidationError as error:
                self.problem(entry, field_name, str(error))
                return None
            if found is None:
                self.problem(
                    entry,
                    field_name,
                    f"no Patient in this file has NHS number {shown(value)}; "
                    "give the hospital number (type MR) instead",
                )
            return found
        kind = child(identifier, "type")
        if kind is not None and not has_code(kind, MR_SYSTEM, "MR"):
            self.problem(entry, field_name, "the identifier is not a hospital number (type MR)")
            return None
        return self.hospital_number(entry, field_name, value)

    def hospital_number(self, entry: Entry, field_name: str, value: str) -> str | None:
        """*value* if it can be a hospital number, else None after a problem."""
        if HOSPITAL_NUMBER.match(value) is None:
            self.problem(
                entry,
                field_name,
                f"{shown(value)} is not a hospital number (letters, digits, / and -, "
                "at most 32 characters)",
            )
            return None
        return value
