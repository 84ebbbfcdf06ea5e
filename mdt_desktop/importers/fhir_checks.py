"""FHIR R4 structure checked with fhir.resources, its errors said so a lab's IT can act on them.

Each resource is validated on its own with the R4B models of fhir.resources (R4B is R4 with
corrections; the resources read here are the same in both). pydantic's error locations become
FHIR paths (``valueQuantity.value``, ``identifier[0].system``) and its messages plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from mdt_desktop.importers.fhir_context import JSON, shown

RESOURCE_NAME = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
FORMATS = {
    "Date": "YYYY, YYYY-MM or YYYY-MM-DD",
    "DateTime": "2025-03-02 or 2025-03-02T08:40:00+00:00",
    "Instant": "2025-03-02T08:40:00Z",
    "Time": "08:40:00",
    "Decimal": "14.2",
}
NO_ZONE = re.compile(r"T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
CHOICE = re.compile(r"Any of one field value is expected from this list \[(.*)\], but got (\w+)")
INSTANCE = re.compile(r"expected from the instance of (\w+)")
# pydantic's wording for a JSON value of the wrong kind, in the words of JSON
EXPECTED = {
    "string_type": "expected text (a JSON string)",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a JSON array [...]",
    "dict_type": "expected a JSON object {...}",
    "model_type": "expected a JSON object {...}",
    "json_invalid": "expected a JSON object {...}",  # a string where an element belongs
    "date_type": 'expected a date as text, e.g. "2025-03-02"',
    "datetime_type": 'expected a date-time as text, e.g. "2025-03-02T08:40:00Z"',
}
# Elements holding a date or time: fhir.resources reads a number there as seconds since 1970
DATE_ELEMENT = re.compile(r"(Date|DateTime|Instant)$|^(issued|start|end)$")


def is_resource_type(name: str) -> bool:
    """Whether *name* is a FHIR R4 resource type (Encounter is; Foo and Quantity are not)."""
    if RESOURCE_NAME.match(name) is None:
        return False
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return False
    return issubclass(model, Resource)


def check(resource: JSON, resource_type: str) -> list[tuple[str, str]]:
    """(FHIR path, reason) for each way *resource* is not valid FHIR R4; empty when valid."""
    numeric = list(_numeric_dates(resource, ""))
    model = get_fhir_model_class(resource_type)
    try:
        model.model_validate(resource)
    except ValidationError as error:
        found = [_describe(detail) for detail in error.errors(include_url=False)]
        said = {path for path, _reason in numeric}
        return numeric + [(path, reason) for path, reason in found if path not in said]
    except Exception as error:  # fhir.resources fails on some malformed input otherwise
        return [("", f"not valid FHIR R4 ({type(error).__name__}: {shown(str(error))})")]
    return numeric


def _numeric_dates(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """Dates written as JSON numbers (FHIR JSON writes them as strings)."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _numeric_dates(item, f"{path}[{index}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and DATE_ELEMENT.search(str(key))
            ):
                yield (
                    where,
                    f'{shown(value)} is a number; write the date as text, e.g. "2025-03-02"',
                )
            else:
                yield from _numeric_dates(value, where)


def _describe(detail: Any) -> tuple[str, str]:
    path = _path(detail.get("loc", ()))
    kind = str(detail.get("type", ""))
    message = str(detail.get("msg", "")).removeprefix("Value error, ")
    value = detail.get("input")
    if kind == "extra_forbidden":
        return path, "not an element here in FHIR R4 (misspelt, or from another FHIR version?)"
    if kind == "missing" or kind.endswith(".missing"):
        return path, "required, but missing"
    choice = CHOICE.match(message)
    if choice is not None:
        return _choice(path, choice.group(1), choice.group(2), value)
    instance = INSTANCE.search(message)
    if kind == "model_validation_format" and instance is not None:
        name = instance.group(1)
        article = "an" if name[:1] in "AEIOU" else "a"
        return path, f"expected {article} {name} (a JSON object {{...}}), found {_found(value)}"
    if kind == "fhir-validation-wrong-resource-type":
        return path, f"only a resource has a resourceType, not this element (found {shown(value)})"
    if kind == "list_type" and isinstance(value, list):  # a null among the items
        return path, message.replace("None is not allowed", "null is not allowed")
    if kind in EXPECTED:
        return path, f"{EXPECTED[kind]}, found {_found(value)}"
    for name, example in FORMATS.items():
        if message.startswith(f"{name} value string does not match"):
            hint = (
                "; a time needs a time zone, e.g. Z or +01:00"
                if name in ("DateTime", "Instant")
                and isinstance(value, str)
                and NO_ZONE.search(value)
                else ""
            )
            return path, f"{shown(value)} is not a FHIR {name.lower()} (e.g. {example}){hint}"
    if value is None or isinstance(value, dict | list):
        return path, message
    return path, f"{message} (found {shown(value)})"


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a JSON array"
    return shown(value)


def _path(location: Any) -> str:
    path = ""
    parts = list(location) if isinstance(location, tuple | list) else []
    if parts and parts[-1] == "root":  # fhir.resources' name for the element itself
        parts.pop()
    parts = ["resourceType" if part == "resource_type" else part for part in parts]
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _choice(path: str, listed: str, got: str, node: Any) -> tuple[str, str]:
    names = re.findall(r"'(\w+)'", listed)
    head = re.match(r"^[a-z]+", names[0]) if names else None
    stem = head.group(0) if head is not None else "value"
    field = f"{path}.{stem}[x]" if path else f"{stem}[x]"
    if got == "multiple":
        given = [name for name in names if isinstance(node, dict) and name in node]
        return field, "more than one given: " + ", ".join(given[:8] or names[:8]) + "; give one"
    return field, "required, but missing: one of " + ", ".join(names[:8])
