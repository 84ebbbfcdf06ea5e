"""Units: each result converted to its analyte's canonical unit with a UCUM units library.

UCUM strings are parsed by ``ucumvert`` into ``pint`` quantities, so ``mg/dL`` → ``mg/L``
(×10), ``g/L`` → ``g/dL`` (×0.1), ``10*3/uL`` = ``10*9/L``, ``ng/mL`` → ``ug/mL`` (÷1000) and
``mg/kg`` = ``ug/g`` come from the units' definitions, not from a table of factors. A unit the
library does not know, or one of another dimension (a CRP in ug/g), is an error, never a guess.
Factors are cached per (unit, analyte): 100,000 results with a handful of units parse a
handful of strings. Anti-drug antibodies keep their assay's unit (there is no conversion
between assays); scores have no unit.

A result sent under a LOINC code must have a unit of the code's property (docs/clinical.md,
"Lab codes"): a mass concentration (MCnc) in mass per volume, a mass content (MCnt) in mass
per mass, a number concentration (NCnc) in a count per volume, an arbitrary concentration
(ACnc) in arbitrary units per volume. Arbitrary units (U/mL, AU/mL, [arb'U]/mL, {titer}) are
recognised by their text: UCUM reads ``U`` as the enzyme unit and ``AU`` as the astronomical
unit, and [arb'U]/mL has the dimension of a count per volume.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
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


# Numerators that are arbitrary (assay-defined) units as labs write them, compared without case.
ARBITRARY_NUMERATORS = frozenset(
    {"u", "au", "iu", "ku", "mu", "kiu", "miu", "ae", "bau", "eu", "titer", "titre", "index"}
)
ARBITRARY_MARKS = ("[arb'u]", "[iu]", "[u]", "{")
PROPERTIES: dict[str, tuple[str, str]] = {  # LOINC property: what the unit must be, and its words
    "MCnc": ("mass/volume", "a mass per volume (e.g. ug/mL)"),
    "MCnt": ("mass/mass", "a mass per mass (e.g. ug/g)"),
    "NCnc": ("number/volume", "a count per volume (e.g. 10*9/L)"),
    "ACnc": ("arbitrary/volume", "arbitrary units per volume (e.g. AU/mL or [arb'U]/mL)"),
}
UNIT_CACHE = 4096  # unit texts remembered: a file holds a handful, a hostile one thousands
MASS = "[mass]"
VOLUME = "[length] ** 3"
COUNT = "1"
WANTED = {
    "mass/volume": (MASS, VOLUME),
    "mass/mass": (MASS, MASS),
    "number/volume": (COUNT, VOLUME),
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


def is_arbitrary(unit: str) -> bool:
    """Whether *unit* is an arbitrary, assay-defined unit (U/mL, AU/mL, [arb'U]/mL, {titer})."""
    text = unit.strip().lower()
    numerator = text.split("/", 1)[0].strip()
    return numerator in ARBITRARY_NUMERATORS or any(
        numerator.startswith(mark) or (mark != "{" and mark in numerator)
        for mark in ARBITRARY_MARKS
    )


@lru_cache(maxsize=UNIT_CACHE)
def property_problem(property_name: str, unit: str) -> str | None:
    """Why *unit* cannot be the unit of a LOINC code of *property_name*; None when it can.

    Properties other than MCnc, MCnt, NCnc and ACnc are not checked. Cached: a file holds a
    handful of units.
    """
    expected = PROPERTIES.get(property_name)
    text = ALIASES.get(unit.strip(), unit.strip())
    if expected is None:
        return None
    kind, words = expected
    sent = unit.strip()
    if not text:
        return f"no unit given; expected {words}"
    arbitrary = is_arbitrary(text)
    if kind == "arbitrary/volume":
        return None if arbitrary else f"{sent!r} is not an arbitrary unit; expected {words}"
    if arbitrary:
        return f"{sent!r} is an arbitrary unit; expected {words}"
    if _dimension(text) is None:
        return f"unknown unit {sent!r} (not a UCUM unit); expected {words}"
    numerator, slash, denominator = text.partition("/")
    found = (_dimension(numerator), _dimension(denominator) if slash else None)
    return None if found == WANTED[kind] else f"{sent!r} is not {words}"


def same_unit(first: str, second: str) -> bool | None:
    """Whether two unit texts are one unit; None when either is not a UCUM unit.

    ``mg/L`` and ``mg/l`` are one unit; ``mg/dL`` and ``mg/L`` are not. Two arbitrary units
    (``U/mL`` as a label, ``[arb'U]/mL`` as its code) count as one: their names differ by lab.
    """
    a, b = (ALIASES.get(u.strip(), u.strip()) for u in (first, second))
    if a == b:
        return True
    if is_arbitrary(a) and is_arbitrary(b):
        return _dimension(a.partition("/")[2]) == _dimension(b.partition("/")[2])
    try:
        factor = _factor(a, b)
    except UnitError:
        return False if _dimension(a) is not None and _dimension(b) is not None else None
    return math.isclose(factor, 1.0, rel_tol=1e-9)


@lru_cache(maxsize=UNIT_CACHE)
def _factor(source: str, target: str) -> float:
    registry = _registry()
    try:
        first, second = registry.from_ucum(source), registry.from_ucum(target)
        return float(((1 * first).to(second)).magnitude)
    except Exception as error:  # not UCUM, or of another dimension
        raise UnitError(f"{source!r} and {target!r} are not one unit") from error


@lru_cache(maxsize=UNIT_CACHE)
def _dimension(unit: str) -> str | None:
    """The dimension of a UCUM unit as text (``[mass]``, ``1 / [length] ** 3``); None if not UCUM.

    An empty unit (the numerator of ``/L``) is a count: ``"1"``.
    """
    text = unit.strip()
    if not text:
        return COUNT
    try:
        quantity = 1 * _registry().from_ucum(text)
        dimensionality = quantity.dimensionality
    except Exception:  # the UCUM grammar's own errors, or an annotation alone ({titer})
        return None
    shown = str(dimensionality)
    return COUNT if shown == "dimensionless" and _is_number(text) else shown


def _is_number(text: str) -> bool:
    """Whether a UCUM unit is a pure number (``10*9``, ``10^3``, ``1``)."""
    return all(c.isdigit() or c in "*^." for c in text)
