"""Units: each result converted to its analyte's canonical unit with a UCUM units library.

UCUM strings are parsed by ``ucumvert`` into ``pint`` quantities, so ``mg/dL`` → ``mg/L``
(×10), ``g/L`` → ``g/dL`` (×0.1), ``10*3/uL`` = ``10*9/L``, ``ng/mL`` → ``ug/mL`` (÷1000) and
``mg/kg`` = ``ug/g`` come from the units' definitions, not from a table of factors. A unit the
library does not know, or one of another dimension (a CRP in ug/g), is an error, never a guess.
Factors are cached per (unit, analyte): 100,000 results with a handful of units parse a
handful of strings. Anti-drug antibodies keep their assay's unit (there is no conversion
between assays); scores have no unit.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from mdt_desktop.domain.catalogue import ANALYTES
from mdt_desktop.domain.enums import Analyte

# The UCUM form of each canonical unit (catalogue units are written for people: 10^9/L).
CANONICAL_UCUM: dict[Analyte, str] = {
    Analyte.FAECAL_CALPROTECTIN: "ug/g",
    Analyte.CRP: "mg/L",
    Analyte.WBC: "10*9/L",
    Analyte.HAEMOGLOBIN: "g/dL",
    Analyte.ALBUMIN: "g/L",
    Analyte.INFLIXIMAB_LEVEL: "ug/mL",
    Analyte.ADALIMUMAB_LEVEL: "ug/mL",
    Analyte.IUS_BOWEL_WALL_MM: "mm",
}
SCORE_UNITS = frozenset({"", "1", "{score}", "score", "{points}", "{grade}", "grade", "{#}"})
UNITLESS = frozenset(
    {
        Analyte.HBI,
        Analyte.PARTIAL_MAYO,
        Analyte.SCCAI,
        Analyte.IUS_LIMBERG,
        Analyte.SES_CD,
        Analyte.MAYO_ENDOSCOPIC,
        Analyte.UCEIS,
    }
)
# Spellings that labs send for UCUM units (compared after trimming).
ALIASES = {
    "µg/g": "ug/g",
    "μg/g": "ug/g",
    "µg/ml": "ug/mL",
    "μg/ml": "ug/mL",
    "µg/mL": "ug/mL",
    "μg/mL": "ug/mL",
    "ug/ml": "ug/mL",
    "ng/ml": "ng/mL",
    "mg/l": "mg/L",
    "mg/dl": "mg/dL",
    "g/l": "g/L",
    "g/dl": "g/dL",
    "x10^9/L": "10*9/L",
    "10^9/L": "10*9/L",
    "x10*9/L": "10*9/L",
    "10^3/uL": "10*3/uL",
    "x10^3/uL": "10*3/uL",
    "/nL": "10*9/L",
}


class UnitError(ValueError):
    """A unit that cannot be used for this analyte (the message says why)."""


def canonical_unit(analyte: Analyte) -> str:
    """The unit a stored result of *analyte* has (as the CLI and the screens show it)."""
    return ANALYTES[analyte].unit


def to_canonical(analyte: Analyte, value: float, unit: str) -> tuple[float, str]:
    """Return *value* in *analyte*'s canonical unit, and that unit (raises UnitError)."""
    text = unit.strip()
    if analyte is Analyte.ANTI_DRUG_ANTIBODIES:
        if not text:
            raise UnitError("antibody results need their assay's unit")
        return value, text
    if analyte in UNITLESS:
        if text not in SCORE_UNITS:
            raise UnitError(f"{ANALYTES[analyte].label} is a score without a unit, not {text!r}")
        return value, canonical_unit(analyte)
    factor = conversion_factor(ALIASES.get(text, text), CANONICAL_UCUM[analyte])
    converted = value * factor
    return round(converted, 10), canonical_unit(analyte)


@cache
def conversion_factor(source: str, target: str) -> float:
    """How many *target* units one *source* unit is (both UCUM; cached)."""
    if not source:
        raise UnitError(f"no unit given; expected one convertible to {target}")
    registry = _registry()
    try:
        quantity = registry.from_ucum(source)
    except Exception as error:  # the UCUM grammar's own errors: the unit is not UCUM
        raise UnitError(f"unknown unit {source!r} (not a UCUM unit)") from error
    try:
        factor = float(((1 * quantity).to(registry.from_ucum(target))).magnitude)
    except Exception as error:  # pint's DimensionalityError and friends
        raise UnitError(f"{source!r} cannot be converted to {target}") from error
    if not math.isfinite(factor) or factor <= 0:
        raise UnitError(f"{source!r} cannot be converted to {target}")
    return factor


@cache
def _registry() -> Any:
    """The UCUM-aware pint registry (built once: parsing its grammar takes ~0.5 s)."""
    from ucumvert import PintUcumRegistry

    return PintUcumRegistry()
