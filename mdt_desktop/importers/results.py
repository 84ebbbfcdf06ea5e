"""One lab result as a reader found it, checked and converted into a LabResult.

All three readers end here, so a result means the same whichever format it came in: the code
must be known, the value numeric (with an optional ``<``/``>`` comparator), the unit of the
LOINC code's property (docs/clinical.md, "Lab codes") and convertible to the analyte's
canonical unit, and the converted value plausible.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from mdt_desktop.domain.catalogue import ANALYTES, DRUG_LEVEL_ANALYTES
from mdt_desktop.domain.enums import Analyte, Comparator
from mdt_desktop.importers.codes import PANELS, CodeTable, LoincCode
from mdt_desktop.importers.model import LabResult, Problem, Where
from mdt_desktop.importers.units import UnitError, is_arbitrary, property_problem, to_canonical

VALUE = re.compile(r"^\s*(<=|>=|<|>)?\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$")
MAX_TEXT = 64  # original_value is stored in 64 characters


@dataclass(frozen=True, slots=True)
class RawResult:
    """A result as read: code, value and unit as text, the sample time, where it was."""

    hospital_number: str
    system: str | None
    code: str | None
    name: str | None
    value: str
    unit: str
    collected_at: datetime
    where: Where
    comparator: str | None = None  # when the format gives it apart from the value (FHIR)
    assay: str | None = None
    abnormal_flag: str | None = None
    reference_range: str | None = None


def parse_value(text: str, comparator: str | None = None) -> tuple[float, Comparator | None]:
    """``"<5"`` → (5.0, LT); raises ValueError naming what is wrong."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"the value is {len(text)} characters long; a number was expected")
    match = VALUE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a number (optionally after < or >)")
    found = match.group(1) or (comparator or "").strip() or None
    try:
        compare = Comparator(found) if found else None
    except ValueError:
        raise ValueError(f"unknown comparator {found!r}") from None
    value = float(match.group(2))
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value, compare


def convert(raw: RawResult, codes: CodeTable) -> LabResult | Problem:
    """The stored form of *raw*, or the problem that stops it."""
    if raw.code in PANELS:
        return Problem(raw.where, "code", f"{raw.code} is an order panel, not a result")
    mapping = codes.analyte(raw.system, raw.code, raw.name)
    if mapping is None:
        described = " ".join(
            part
            for part in (
                f"code {raw.code!r}" if raw.code else "",
                f"in system {raw.system!r}" if raw.system else "",
                f"named {raw.name!r}" if raw.name else "",
            )
            if part
        )
        return Problem(
            raw.where,
            "code",
            f"unmapped test: {described or 'no code or name'}; add it to lab_codes.toml",
        )
    analyte = mapping.analyte
    if mapping.loinc is not None:
        wrong = property_problem(mapping.loinc.loinc_property, raw.unit)
        if wrong is not None:
            return Problem(raw.where, "unit", _wrong_property(mapping.loinc, analyte, raw, wrong))
    try:
        value, comparator = parse_value(raw.value, raw.comparator)
    except ValueError as error:
        return Problem(raw.where, "value", str(error))
    try:
        converted, unit = to_canonical(analyte, value, raw.unit)
    except UnitError as error:
        return Problem(raw.where, "unit", f"{ANALYTES[analyte].label}: {error}")
    bounds = codes.plausible_range(analyte)
    if bounds is not None and not bounds[0] <= converted <= bounds[1]:
        return Problem(
            raw.where, "value", _implausible(analyte, value, raw.unit, converted, bounds)
        )
    return LabResult(
        hospital_number=raw.hospital_number,
        analyte=analyte,
        value=converted,
        unit=unit,
        comparator=comparator,
        original_value=raw.value.strip(),
        original_unit=raw.unit.strip(),
        collected_at=raw.collected_at,
        where=raw.where,
        assay=raw.assay,
        target_drug=mapping.target_drug,
        abnormal_flag=raw.abnormal_flag,
        reference_range=raw.reference_range,
    )


def _wrong_property(code: LoincCode, analyte: Analyte, raw: RawResult, reason: str) -> str:
    """Why a unit does not fit its LOINC code: the code, its long name and the unit."""
    text = (
        f"{ANALYTES[analyte].label}: {reason} for LOINC {code.code} {code.long_name!r} "
        f"({code.loinc_property})"
    )
    if analyte in DRUG_LEVEL_ANALYTES and is_arbitrary(raw.unit):
        text += ": an antibody titre sent under a drug-level code?"
    return text


def _implausible(
    analyte: Analyte, value: float, unit: str, converted: float, bounds: tuple[float, float]
) -> str:
    info = ANALYTES[analyte]
    text = (
        f"{info.label} {value:g} {unit.strip()} = {converted:g} {info.unit} is implausible "
        f"(expected {bounds[0]:g} to {bounds[1]:g} {info.unit})"
    )
    for factor, hint in ((10, "ten times too large"), (0.1, "ten times too small")):
        if bounds[0] <= converted / factor <= bounds[1]:
            return f"{text}; the value looks {hint}: is the unit right?"
    return text
