"""FHIR Observation → LabResult, through RawResult and ``convert`` like every other format.

Code: every coding of ``code`` is tried, LOINC first and then the others in file order; the
first the code table knows wins; failing all, ``code.text`` and the displays are tried as test
names. Value: ``valueQuantity`` (value, UCUM ``code`` or else ``unit``, ``comparator``; a
``unit`` and ``code`` that are two different units are a problem, a ``unit`` that is human text
is only its display), ``valueInteger``, or ``valueString`` such as ``"<2.5"`` or
``"<2.5 ug/mL"`` (without a unit only scores can be read). Time: ``effectiveDateTime``,
``effectivePeriod.start``, ``effectiveInstant`` or, failing those, ``issued``, converted to site
time (docs/clinical.md, "Time"); a result taken before the patient's birth is a problem. The
first ``interpretation`` code (N, H, L, POS, NEG, ...) is kept as the lab's flag and the first
``referenceRange`` as its reference range: the antibody reading uses both (docs/clinical.md,
"Antibodies").

Status: final, amended and corrected results are imported. Preliminary and registered results
are skipped with a note (the final result will follow), as are cancelled, entered-in-error and
unknown ones, and Observations with a ``dataAbsentReason`` or only ``hasMember`` (a panel).
"""

from __future__ import annotations

import re
from datetime import datetime

from mdt_desktop.domain.enums import Comparator
from mdt_desktop.importers.codes import LOINC_NAMES, PANELS
from mdt_desktop.importers.fhir_context import (
    JSON,
    Context,
    Entry,
    child,
    children,
    codings,
    describe_coding,
    number_text,
    quantity_unit,
    shown,
    text,
    unit_conflict,
)
from mdt_desktop.importers.model import LabResult, Problem, Where
from mdt_desktop.importers.results import RawResult, convert

IMPORTED = frozenset({"final", "amended", "corrected"})
COMPARATORS = frozenset(c.value for c in Comparator)  # FHIR's "ad" is no bound of a result
SKIPPED = {
    "preliminary": "preliminary results (the final result will be imported)",
    "registered": "results registered but not yet reported",
    "cancelled": "cancelled results",
    "entered-in-error": "results entered in error",
    "unknown": "results of unknown status",
}
VALUE_WITH_UNIT = re.compile(
    r"^\s*((?:<=|>=|<|>)?\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S.*)?$"
)
MAX_UNIT = 32  # characters stored for the unit as received
MAX_ASSAY = 128
MAX_FLAG = 8
MAX_RANGE = 32  # characters of the reference range stored


def read_observation(entry: Entry, context: Context) -> None:
    """Add *entry*'s lab result, or report why it cannot be read."""
    resource = entry.resource
    status = text(resource, "status")
    if status in SKIPPED:
        context.skip(entry, SKIPPED[status])
        return
    if status not in IMPORTED:
        context.problem(entry, "status", f"{shown(status)} is not an Observation status")
        return
    if child(resource, "dataAbsentReason") is not None:
        context.skip(entry, "Observations without a value (dataAbsentReason)")
        return
    value = _value(resource)
    if value is None and children(resource, "hasMember"):
        context.skip(entry, "panels (Observations grouping others with hasMember)")
        return
    mark = context.mark()
    number = context.patient_of(entry, "subject", child(resource, "subject"))
    code = _code(entry, context)
    collected = _collected(entry, context)
    conflict = unit_conflict(child(resource, "valueQuantity"))
    if value is None:
        context.problem(entry, "value[x]", "missing: valueQuantity, valueInteger or valueString")
    elif conflict is not None:
        context.problem(entry, "valueQuantity.unit", conflict)
    elif len(value[1]) > MAX_UNIT:
        context.problem(entry, f"{value[3]}.unit", f"longer than {MAX_UNIT} characters")
    elif value[2] is not None and value[2] not in COMPARATORS:
        context.problem(
            entry, f"{value[3]}.comparator", f"{shown(value[2])}: expected <, <=, > or >="
        )
    if context.mark() > mark or number is None or code is None or collected is None:
        return
    if value is None or context.before_birth(entry, collected[1], number, collected[0].date()):
        return
    raw = RawResult(
        hospital_number=number,
        system=code[0],
        code=code[1],
        name=code[2],
        value=value[0],
        unit=value[1],
        collected_at=collected[0],
        where=Where(context.parsed.name, entry.place),
        comparator=value[2],
        assay=_assay(resource),
        abnormal_flag=_flag(resource),
        reference_range=_reference_range(resource),
    )
    result = convert(raw, context.codes)
    if isinstance(result, LabResult):
        context.parsed.results.append(result)
    else:
        context.parsed.problems.append(_located(result, value[3]))


def _code(entry: Entry, context: Context) -> tuple[str | None, str | None, str | None] | None:
    """The (system, code, name) the code table knows, or None after a problem."""
    concept = child(entry.resource, "code")
    found = codings(concept)
    name = text(concept, "text")
    loinc_first = sorted(found, key=lambda c: text(c, "system") not in LOINC_NAMES)
    for coding in loinc_first:
        system, code = text(coding, "system"), text(coding, "code")
        if code is not None and context.codes.analyte(system, code, None) is not None:
            return system, code, name or text(coding, "display")
    for candidate in [name] + [text(c, "display") for c in found]:
        if candidate and context.codes.analyte(None, None, candidate) is not None:
            return None, None, candidate
    panel = next((c for c in found if text(c, "code") in PANELS), None)
    if panel is not None:
        context.problem(entry, "code", f"{describe_coding(panel)} is an order panel, not a result")
        return None
    described = "; ".join(describe_coding(c) for c in found[:5])
    context.problem(
        entry,
        "code",
        f"unmapped test: {described or 'no coding'}"
        f"{f', text {shown(name)}' if name else ''}; add it to lab_codes.toml",
    )
    return None


def _value(resource: JSON) -> tuple[str, str, str | None, str] | None:
    """(value, unit, comparator, field) as written, or None when there is no value."""
    quantity = child(resource, "valueQuantity")
    if quantity is not None:
        value = number_text(quantity.get("value")) or ""
        unit = quantity_unit(quantity) or ""
        return value, unit, text(quantity, "comparator"), "valueQuantity"
    integer = number_text(resource.get("valueInteger"))
    if integer is not None:
        return integer, "", None, "valueInteger"
    written = text(resource, "valueString")
    if written is None:
        return None
    match = VALUE_WITH_UNIT.match(written)
    if match is None:
        return written, "", None, "valueString"
    return match.group(1).replace(" ", ""), (match.group(2) or "").strip(), None, "valueString"


def _collected(entry: Entry, context: Context) -> tuple[datetime, str] | None:
    """When the sample was taken, in site time, and the element that said so."""
    resource = entry.resource
    for field_name, value in (
        ("effectiveDateTime", text(resource, "effectiveDateTime")),
        ("effectivePeriod.start", text(child(resource, "effectivePeriod"), "start")),
        ("effectiveInstant", text(resource, "effectiveInstant")),
        ("issued", text(resource, "issued")),
    ):
        if value is not None:
            found = context.time(entry, field_name, value)
            return (found, field_name) if found is not None else None
    context.problem(entry, "effectiveDateTime", "missing: when the sample was taken")
    return None


def _assay(resource: JSON) -> str | None:
    method = child(resource, "method")
    name = text(method, "text") or next(
        (d for c in codings(method) if (d := text(c, "display"))), None
    )
    return name[:MAX_ASSAY] if name else None


def _flag(resource: JSON) -> str | None:
    concept = next(iter(children(resource, "interpretation")), None)
    flag = next((c for c in (text(c, "code") for c in codings(concept)) if c), None)
    return flag if flag and len(flag) <= MAX_FLAG else None


def _reference_range(resource: JSON) -> str | None:
    """The first ``referenceRange`` as text: ``low-high``, ``<=high``, ``>=low`` or its text."""
    found = next(iter(children(resource, "referenceRange")), None)
    low = number_text((child(found, "low") or {}).get("value"))
    high = number_text((child(found, "high") or {}).get("value"))
    if low is not None and high is not None:
        written = f"{low}-{high}"
    elif high is not None:
        written = f"<={high}"
    elif low is not None:
        written = f">={low}"
    else:
        written = text(found, "text") or ""
    written = "".join(c for c in written if c.isprintable()).strip()
    return written[:MAX_RANGE] or None


def _located(problem: Problem, value_field: str) -> Problem:
    """*problem* with the FHIR element it is about (``valueQuantity.unit``, not ``unit``)."""
    fields = {"code": "code", "value": f"{value_field}.value", "unit": f"{value_field}.unit"}
    if value_field != "valueQuantity":
        fields["value"] = fields["unit"] = value_field
    return Problem(problem.where, fields.get(problem.field, problem.field), problem.reason)
