"""FHIR MedicationStatement → MedicationIn: drug, dose, interval and dates.

Drug: each coding of ``medicationCodeableConcept`` (or of the Medication resource that
``medicationReference`` names) in turn, ATC or SNOMED CT, then its text and displays, through
the code table; infliximab's one ATC code is told apart by the dose unit (mg/kg: intravenous).
Dose: ``dosage[0].doseAndRate[0].doseQuantity`` in mg or mg/kg. Interval:
``dosage[0].timing.repeat`` — ``period`` in ``d`` or ``wk`` over ``frequency`` (default 1).
Months (``mo``) and years (``a``) are refused: a month is 28 to 31 days and the interval decides
whether a regimen is intensified (every 4 weeks is not "monthly"), so the sender must say
``period 4, periodUnit wk`` or ``period 30, periodUnit d``. Several doses a period that do not
divide it into whole days (twice a day, three times a week) are stored as their total over
the period (2 × 50 mg a day → 100 mg every day). Hours and shorter units are accepted when
they make whole days.

Status: entered-in-error, not-taken and intended (never started) statements are skipped with a
note; active, completed, stopped, on-hold and unknown are imported. A planned end date in the
future is read as "still going" (no end), with a note.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import DoseUnit, Drug
from mdt_desktop.importers.fhir_context import (
    JSON,
    Context,
    Entry,
    child,
    children,
    codings,
    describe_coding,
    shown,
    text,
)
from mdt_desktop.importers.model import MedicationIn, Where
from mdt_desktop.importers.times import parse_date

UCUM = "http://unitsofmeasure.org"
SKIPPED = {
    "entered-in-error": "MedicationStatement entered in error",
    "not-taken": "MedicationStatement not taken",
    "intended": "MedicationStatement intended, not started",
}
IMPORTED = frozenset({"active", "completed", "stopped", "on-hold", "unknown"})
HOURS = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "wk": 168.0}
REFUSED_UNITS = {
    "mo": "a month is 28 to 31 days; give the interval in weeks (wk) or days (d)",
    "a": "a year is 365 or 366 days; give the interval in weeks (wk) or days (d)",
}
DOSE_UNITS = {"mg": DoseUnit.MG, "mg/kg": DoseUnit.MG_PER_KG}
MAX_DOSE = 100_000  # mg: anything larger is a unit error
FAR_FUTURE = datetime(9000, 1, 1)


def read_medication(entry: Entry, context: Context) -> None:
    """Add *entry*'s medication period, or report why it cannot be read."""
    resource = entry.resource
    status = text(resource, "status")
    if status in SKIPPED:
        context.skip(entry, SKIPPED[status])
        return
    mark = context.mark()
    if status not in IMPORTED:
        context.problem(entry, "status", f"{shown(status)} is not a MedicationStatement status")
    number = context.patient_of(entry, "subject", child(resource, "subject"))
    dosage = next(iter(children(resource, "dosage")), None)
    dose = _dose(entry, context, dosage)
    drug = _drug(entry, context, dose[1] if dose else None)
    interval = _interval(entry, context, dosage)
    dates = _dates(entry, context)
    if (
        context.mark() > mark
        or number is None
        or dose is None
        or drug is None
        or interval is None
        or dates is None
    ):
        return
    drug = _route(entry, context, drug, dose[1])
    if drug is None:
        return
    total = dose[0] * interval[1]
    if total > MAX_DOSE:
        context.problem(
            entry,
            "dosage[0].timing.repeat.frequency",
            f"{interval[1]} doses of {dose[0]:g} {dose[1].value} every {interval[0]} day(s) "
            f"make {total:g} {dose[1].value}: not a plausible dose",
        )
        return
    context.parsed.medications.append(
        MedicationIn(
            hospital_number=number,
            drug=drug,
            dose_value=total,
            dose_unit=dose[1],
            interval_days=interval[0],
            start=dates[0],
            end=dates[1],
            where=Where(context.parsed.name, entry.place),
        )
    )


def _dose(entry: Entry, context: Context, dosage: JSON | None) -> tuple[float, DoseUnit] | None:
    field_name = "dosage[0].doseAndRate[0].doseQuantity"
    rate = next(iter(children(dosage, "doseAndRate")), None)
    quantity = child(rate, "doseQuantity")
    if quantity is None:
        has_range = child(rate, "doseRange") is not None
        reason = "a dose range cannot be stored; give one dose" if has_range else "missing"
        free_text = text(dosage, "text")
        context.problem(
            entry,
            field_name,
            reason + (f" (the dosage text is {shown(free_text)})" if free_text else ""),
        )
        return None
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        context.problem(entry, f"{field_name}.value", f"{shown(value)} is not a number")
        return None
    if not 0 < value <= MAX_DOSE:
        context.problem(entry, f"{field_name}.value", f"{value:g} is not a plausible dose")
        return None
    system = text(quantity, "system")
    written = (text(quantity, "code") if system in (None, UCUM) else None) or text(quantity, "unit")
    unit = DOSE_UNITS.get((written or "").lower())
    if unit is None:
        context.problem(entry, f"{field_name}.unit", f"{shown(written)}: expected mg or mg/kg")
        return None
    return float(value), unit


def _drug(entry: Entry, context: Context, unit: DoseUnit | None) -> Drug | None:
    resource = entry.resource
    concept = child(resource, "medicationCodeableConcept")
    field_name = "medicationCodeableConcept"
    if concept is None:
        field_name = "medicationReference"
        reference = child(resource, "medicationReference")
        medication = context.resource(reference, "Medication")
        if medication is None:
            context.problem(entry, field_name, "does not refer to a Medication in this file")
            return None
        concept = child(medication, "code")
    unit_text = unit.value if unit else None
    for coding in codings(concept):
        found = context.codes.drug(text(coding, "system"), text(coding, "code"), None, unit_text)
        if found is not None:
            return found
    names = [text(concept, "text")] + [text(c, "display") for c in codings(concept)]
    for name in names:
        found = context.codes.drug(None, None, name, unit_text) if name else None
        if found is not None:
            return found
    described = "; ".join(describe_coding(c) for c in codings(concept))
    free_text = text(concept, "text")
    context.problem(
        entry,
        field_name,
        f"unknown drug: {described or 'no code'}{f', text {shown(free_text)}' if free_text else ''}"
        "; add it to lab_codes.toml [medications]",
    )
    return None


def _route(entry: Entry, context: Context, drug: Drug, unit: DoseUnit) -> Drug | None:
    """*drug*, or its other route that is dosed in *unit* (infliximab 120 mg is SC)."""
    info = DRUGS[drug]
    if unit in info.dose_units:
        return drug
    sibling = next(
        (d for d, i in DRUGS.items() if i.molecule == info.molecule and unit in i.dose_units),
        None,
    )
    if sibling is None:
        context.problem(
            entry,
            "dosage[0].doseAndRate[0].doseQuantity.unit",
            f"{info.label} is dosed in {' or '.join(u.value for u in info.dose_units)}, "
            f"not {unit.value}",
        )
    return sibling


def _interval(entry: Entry, context: Context, dosage: JSON | None) -> tuple[int, int] | None:
    """Days between doses and how many doses one stored dose stands for."""
    field_name = "dosage[0].timing.repeat"
    repeat = child(child(dosage, "timing"), "repeat")
    period = repeat.get("period") if repeat else None
    unit = text(repeat, "periodUnit")
    if repeat is None or period is None:
        context.problem(entry, f"{field_name}.period", "missing: how often the dose is given")
        return None
    frequency = repeat.get("frequency", 1)
    if any(key in repeat for key in ("periodMax", "frequencyMax")):
        context.problem(entry, field_name, "a range of intervals cannot be stored; give one")
        return None
    if unit in REFUSED_UNITS:
        context.problem(entry, f"{field_name}.periodUnit", f"{shown(unit)}: {REFUSED_UNITS[unit]}")
        return None
    hours = HOURS.get(unit or "")
    if hours is None:
        context.problem(entry, f"{field_name}.periodUnit", f"{shown(unit)}: expected d or wk")
        return None
    if not _positive(period) or not (_positive(frequency) and isinstance(frequency, int)):
        context.problem(entry, field_name, "period and frequency must be positive numbers")
        return None
    return _whole_days(entry, context, period * hours, frequency)


def _whole_days(
    entry: Entry, context: Context, period_hours: float, frequency: int
) -> tuple[int, int] | None:
    every = period_hours / frequency / 24
    if every >= 1 and math.isclose(every, round(every)):
        return round(every), 1
    days = period_hours / 24
    if days >= 1 and math.isclose(days, round(days)):
        return round(days), frequency
    context.problem(
        entry,
        "dosage[0].timing.repeat",
        f"{frequency} dose(s) every {period_hours:g} h cannot be stored in whole days; "
        "give e.g. frequency 2, period 1, periodUnit d",
    )
    return None


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 < value < 1e6
    )


def _dates(entry: Entry, context: Context) -> tuple[date, date | None] | None:
    resource = entry.resource
    period = child(resource, "effectivePeriod")
    start_field, start = "effectivePeriod.start", text(period, "start")
    if period is None:
        start_field, start = "effectiveDateTime", text(resource, "effectiveDateTime")
    begun = context.date(entry, start_field, start)
    end = text(period, "end")
    if begun is None or end is None:
        return (begun, None) if begun is not None else None
    try:
        ended = parse_date(end, now=FAR_FUTURE)
    except ValueError as error:
        context.problem(entry, "effectivePeriod.end", str(error))
        return None
    if ended < begun:
        context.problem(entry, "effectivePeriod.end", f"{ended} is before the start ({begun})")
        return None
    if ended > context.now.date():
        context.notes.add("a planned end date in the future was read as no end", entry.number)
        return begun, None
    return begun, ended
