"""FHIR R4 JSON: a Bundle, or a single resource, read into records.

Accepted: a Bundle of type collection, transaction, batch, searchset or document (a
transaction's ``request`` is ignored: the entries are read as data), or one resource alone.
History, message and response Bundles are refused. Each resource is first checked against
FHIR R4 (fhir_checks.py); then Patient, Condition, MedicationStatement, MedicationAdministration,
Observation, Procedure and ResearchSubject are read (fhir_patients, fhir_medications,
fhir_administrations, fhir_results, fhir_events);
Medication and ResearchStudy are only looked up from the resources that refer to them. Other
FHIR resource types (Encounter, Practitioner, ...) are skipped and listed in ``notes``.

Patients are read first, so a reference to a Patient anywhere in the file resolves: by
``fullUrl`` (``urn:uuid:...`` or a URL) or ``Patient/id``. A reference to a patient not in the
file can carry the hospital number as ``identifier``. Problems name the entry, counted from 1
as a person counts (``entry 12 (Observation/crp-1)`` is ``entry[11]`` in the JSON), and the
FHIR path of the element; listing stops after 1000 problems. A JSON key given twice in one
object (JSON readers silently keep the last value) is a problem naming the entry and the path.
Times are converted to the site's zone (docs/clinical.md, "Time").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.fhir_administrations import read_administration
from mdt_desktop.importers.fhir_checks import check, is_resource_type
from mdt_desktop.importers.fhir_context import JSON, Context, Entry, shown, text
from mdt_desktop.importers.fhir_events import read_procedure, read_research_subject
from mdt_desktop.importers.fhir_medications import read_medication
from mdt_desktop.importers.fhir_patients import read_condition, read_patient
from mdt_desktop.importers.fhir_results import read_observation
from mdt_desktop.importers.limits import Refused, RepeatedKeys, load_json, read_text
from mdt_desktop.importers.model import ParsedFile
from mdt_desktop.importers.times import site_zone

FORMAT = "FHIR R4"
BUNDLE_TYPES = ("collection", "transaction", "batch", "searchset", "document")
MAX_ENTRIES = 200_000  # about 1 GB of FHIR JSON; a larger export is split into files
MAX_PROBLEMS = 1000  # a wholly wrong file is summarised, not listed to the last entry
MAX_ERRORS_PER_RESOURCE = 10
STOPPED = f"more than {MAX_PROBLEMS} problems; stopped reading"
HANDLERS: dict[str, Callable[[Entry, Context], None]] = {
    "Condition": read_condition,
    "MedicationStatement": read_medication,
    "MedicationAdministration": read_administration,
    "Observation": read_observation,
    "Procedure": read_procedure,
    "ResearchSubject": read_research_subject,
}
LOOKED_UP = frozenset({"Medication", "ResearchStudy"})
READ = frozenset({"Patient", *HANDLERS, *LOOKED_UP})
SAFE_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
RESOURCE_LABEL = re.compile(r"^[A-Za-z]{1,64}$")


def read_fhir(
    path: Path, codes: CodeTable, *, now: datetime | None = None, zone: tzinfo | None = None
) -> ParsedFile:
    """Read a FHIR R4 JSON file (a Bundle or one resource); times in the site's *zone*."""
    try:
        content = read_text(path)
    except Refused as error:
        parsed = ParsedFile(path.name, FORMAT)
        parsed.problem("", "", str(error))
        return parsed
    return parse_fhir(content, path.name, codes, now=now, zone=zone)


def parse_fhir(
    content: str,
    name: str,
    codes: CodeTable,
    *,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> ParsedFile:
    """Parse FHIR R4 JSON text (already decoded) as the file *name*."""
    parsed = ParsedFile(name, FORMAT)
    if not content.strip():
        parsed.problem("", "", "the file is empty")
        return parsed
    repeated: list[RepeatedKeys] = []
    try:
        document = load_json(content, repeated=repeated)
    except Refused as error:
        parsed.problem("", "", str(error))
        return parsed
    except ValueError:  # json's own limit on the length of an integer, not a JSONDecodeError
        parsed.problem("", "", "not valid JSON: a number has more than 4300 digits")
        return parsed
    entries = _entries(document, parsed)
    if entries is not None and repeated:
        _report_repeated(document, entries, parsed, len(repeated))
    if entries is not None:
        context = Context(parsed, codes, now or datetime.now(), site_zone(zone))
        _read(entries, context)
        parsed.notes.extend(context.notes.render())
    return parsed


def _report_repeated(document: Any, entries: list[Entry], parsed: ParsedFile, objects: int) -> None:
    """A problem for each JSON key given twice, naming its entry and FHIR path.

    A key of the Bundle itself names the Bundle; one of an entry (``fullUrl``, ``resource``)
    the entry; one inside a resource the resource and the path within it. *objects* is how
    many objects repeat a key: the walk stops when all are found.
    """
    labels = {entry.number: entry.place for entry in entries}
    single = document.get("resourceType") != "Bundle" if isinstance(document, dict) else False
    for found, (path, node) in enumerate(_marked(document, ""), 1):
        if _stopped(parsed):
            return
        for key, values in node.repeated.items():
            place, field_name = _where_repeated(path, key, labels, single)
            said = ", then ".join(_short(value) for value in values[:4])
            times = "twice" if len(values) == 2 else f"{len(values)} times"
            parsed.problem(
                place,
                field_name,
                f"the key {shown(key)} appears {times} ({said}): which value is meant cannot "
                "be told; send it once",
            )
        if found == objects:
            return


def _marked(node: Any, path: str) -> Iterator[tuple[str, RepeatedKeys]]:
    """Every object with a repeated key, with its path (``entry[2].resource.code``)."""
    stack: list[tuple[Any, str]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, RepeatedKeys):
            yield where, current
        if isinstance(current, dict):
            stack.extend(
                (value, f"{where}.{key}" if where else str(key))
                for key, value in reversed(current.items())
            )
        elif isinstance(current, list):
            stack.extend(
                (value, f"{where}[{i}]") for i, value in reversed(list(enumerate(current)))
            )


ENTRY_PATH = re.compile(r"^entry\[(\d+)\](?:\.(.*))?$")


def _where_repeated(path: str, key: str, labels: dict[int, str], single: bool) -> tuple[str, str]:
    """(place, field) of *key* repeated in the object at *path*."""
    field_name = f"{path}.{key}" if path else key
    if single:
        return labels.get(1, "resource"), field_name
    match = ENTRY_PATH.match(path)
    if match is None:
        return "Bundle", field_name
    number = int(match.group(1)) + 1
    inner = match.group(2)
    if inner is None:
        return labels.get(number, f"entry {number}"), key
    if inner == "resource" or inner.startswith("resource."):
        within = inner.removeprefix("resource").removeprefix(".")
        place = labels.get(number, f"entry {number}")
        return place, f"{within}.{key}" if within else key
    return labels.get(number, f"entry {number}"), f"{inner}.{key}"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return shown(value)


def _entries(document: Any, parsed: ParsedFile) -> list[Entry] | None:
    """The file's resources, or None when the file as a whole cannot be read."""
    if not isinstance(document, dict):
        parsed.problem(
            "", "", f"the file holds a JSON {_kind(document)}, not a FHIR resource or Bundle"
        )
        return None
    kind = text(document, "resourceType")
    if kind is None:
        parsed.problem("", "resourceType", "missing: this is JSON, but not FHIR")
        return None
    if kind != "Bundle":
        return [_entry(document, kind, None, 1, "resource")]
    items = _bundle_items(document, parsed)
    if items is None:
        return None
    entries: list[Entry] = []
    for number, item in enumerate(items, 1):
        if _stopped(parsed):
            break
        entry = _bundle_entry(item, number, parsed)
        if entry is not None:
            entries.append(entry)
    return entries


def _bundle_items(bundle: JSON, parsed: ParsedFile) -> list[Any] | None:
    kind = bundle.get("type")
    if kind not in BUNDLE_TYPES:
        parsed.problem(
            "Bundle",
            "type",
            f"{'missing' if kind is None else shown(kind)}: only "
            f"{', '.join(BUNDLE_TYPES[:-1])} and {BUNDLE_TYPES[-1]} Bundles are imported",
        )
        return None
    items = bundle.get("entry", [])
    if not isinstance(items, list):
        parsed.problem("Bundle", "entry", f"not a list but a JSON {_kind(items)}")
        return None
    if len(items) > MAX_ENTRIES:
        parsed.problem(
            "Bundle",
            "entry",
            f"{len(items):,} entries; the limit is {MAX_ENTRIES:,}: split the file",
        )
        return None
    shell = {key: value for key, value in bundle.items() if key != "entry"}
    for field_name, reason in check(shell, "Bundle")[:MAX_ERRORS_PER_RESOURCE]:
        parsed.problem("Bundle", field_name, reason)
    if not items:
        parsed.notes.append("the Bundle has no entries")
    return items


def _bundle_entry(item: Any, number: int, parsed: ParsedFile) -> Entry | None:
    place = f"entry {number}"
    if not isinstance(item, dict):
        parsed.problem(place, "", f"not an object but a JSON {_kind(item)}")
        return None
    resource = item.get("resource")
    full_url = item.get("fullUrl")
    if not isinstance(resource, dict):
        reason = "missing" if resource is None else f"not an object but a JSON {_kind(resource)}"
        parsed.problem(place, "resource", reason)
        return None
    if full_url is not None and not isinstance(full_url, str):
        parsed.problem(place, "fullUrl", f"not a string but a JSON {_kind(full_url)}")
        return None
    kind = text(resource, "resourceType")
    if kind is None:
        parsed.problem(place, "resource.resourceType", "missing")
        return None
    return _entry(resource, kind, (full_url or "").strip() or None, number, place)


def _entry(resource: JSON, kind: str, full_url: str | None, number: int, place: str) -> Entry:
    identity = text(resource, "id")
    label = kind if RESOURCE_LABEL.match(kind) else shown(kind)
    if identity is not None and SAFE_ID.match(identity):
        label += f"/{identity}"
    return Entry(number, resource, kind, full_url, f"{place} ({label})")


def _read(entries: list[Entry], context: Context) -> None:
    """Check every entry, read the Patients, then everything that refers to them."""
    owners: dict[str, int] = {}
    waiting: list[Entry] = []
    for entry in entries:
        if _stopped(context.parsed):
            return
        _index(entry, context, owners)
        if entry.resource_type not in READ:
            _unread(entry, context)
        elif _valid(entry, context):
            if entry.resource_type == "Patient":
                read_patient(entry, context)
            elif entry.resource_type in LOOKED_UP:
                context.resources.update(dict.fromkeys(entry.reference_keys(), entry.resource))
            else:
                waiting.append(entry)
    for entry in waiting:
        if _stopped(context.parsed):
            return
        HANDLERS[entry.resource_type](entry, context)


def _index(entry: Entry, context: Context, owners: dict[str, int]) -> None:
    """Note the keys that refer to *entry*; a Patient's resolve to nothing until it is read."""
    for key in entry.reference_keys():
        if key in owners:
            field_name = "fullUrl" if key == entry.full_url else "id"
            context.problem(entry, field_name, f"{shown(key)} also names entry {owners[key]}")
            continue
        owners[key] = entry.number
        context.types[key] = entry.resource_type
        if entry.resource_type == "Patient":
            context.patients[key] = None


def _unread(entry: Entry, context: Context) -> None:
    kind = entry.resource_type
    if is_resource_type(kind):
        context.notes.add(f"skipped: {kind} resources (not read by MDT Desktop)", entry.number)
    else:
        context.problem(entry, "resourceType", f"{shown(kind)} is not a FHIR R4 resource type")


def _valid(entry: Entry, context: Context) -> bool:
    errors = check(entry.resource, entry.resource_type)
    for field_name, reason in errors[:MAX_ERRORS_PER_RESOURCE]:
        context.problem(entry, field_name, reason)
    if len(errors) > MAX_ERRORS_PER_RESOURCE:
        context.problem(entry, "", f"and {len(errors) - MAX_ERRORS_PER_RESOURCE} more errors")
    return not errors


def _stopped(parsed: ParsedFile) -> bool:
    """Whether there are too many problems to go on (saying so once)."""
    if len(parsed.problems) < MAX_PROBLEMS:
        return False
    if parsed.problems[-1].reason != STOPPED:
        parsed.problem("", "", STOPPED)
    return True


def _kind(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "number")
