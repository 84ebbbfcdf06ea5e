"""FHIR MedicationStatement → MedicationIn: drug, dose, interval, dates, phase and stop reason.

Drug: each coding of ``medicationCodeableConcept`` (or of the Medication resource that
``medicationReference`` names) in turn, ATC or SNOMED CT, then its text and displays, through
the code table; infliximab's one ATC code is told apart by the dose unit (mg/kg: intravenous).
Dose: ``dosage[0].doseAndRate[0].doseQuantity`` in mg or mg/kg (thiopurines are usually dosed in
mg/kg and keep it, docs/clinical.md, "Dosing"); a ``unit`` and UCUM ``code`` that are different
units are a problem. Interval: ``dosage[0].timing.repeat`` — ``period`` in ``d`` or ``wk`` over
``frequency`` (default 1). Months (``mo``) and years (``a``) are refused: a month is 28 to 31
days and the interval decides whether a regimen is intensified (every 4 weeks is not
"monthly"), so the sender must say ``period 4, periodUnit wk`` or ``period 30, periodUnit d``.
Several doses a period that do not divide it into whole days (twice a day, three times a week)
are stored as their total over the period (2 × 50 mg a day → 100 mg every day). Hours and
shorter units are accepted when they make whole days.

Courses (docs/clinical.md, "Medication episodes"): ``repeat.count`` 1 is a single dose (start
the date, end the day after, interval 1 day); a larger count is a course that ends the day after
its last dose; ``repeat.boundsDuration`` or ``boundsPeriod.end`` end it when
``effectivePeriod.end`` does not. Dosage text (``dosage.text``, ``patientInstruction``,
``timing.code.text``) that says induction or loading makes the period induction; a single dose
otherwise is a single dose. Neither is ever a maintenance regimen.

Status: entered-in-error, not-taken and intended (never started) statements are skipped with a
note; active, completed, stopped, on-hold and unknown are imported. A planned end date in the
future is read as "still going" (no end), with a note; an active or on-hold statement whose end
is past has ended. A stopped or completed statement without an end ends on ``dateAsserted``
(with a note), else it is a problem. ``statusReason`` of an ended statement becomes its end
reason through lab_codes.toml ``[stop_reasons]`` (SNOMED CT codes, then phrases of its text),
and its text as sent is kept: a reason that matches nothing is "other", none at all is unknown.
Times are converted to site time before they are cut to dates (docs/clinical.md, "Time"); a
start before the patient's birth is a problem.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import DoseUnit, Drug, EndReason, Phase
from mdt_desktop.importers.fhir_context import (
    JSON,
    Context,
    Entry,
    child,
    children,
    codings,
    describe_coding,
    quantity_unit,
    shown,
    text,
    unit_conflict,
)
from mdt_desktop.importers.model import MedicationIn, Where
from mdt_desktop.importers.times import parse_date

SKIPPED = {
    "entered-in-error": "MedicationStatement entered in error",
    "not-taken": "MedicationStatement not taken",
    "intended": "MedicationStatement intended, not started",
}
IMPORTED = frozenset({"active", "completed", "stopped", "on-hold", "unknown"})
ENDED = frozenset({"completed", "stopped"})
HOURS = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "wk": 168.0}
REFUSED_UNITS = {
    "mo": "a month is 28 to 31 days; give the interval in weeks (wk) or days (d)",
    "a": "a year is 365 or 366 days; give the interval in weeks (wk) or days (d)",
}
DOSE_UNITS = {"mg": DoseUnit.MG, "mg/kg": DoseUnit.MG_PER_KG}
INDUCTION_WORDS = ("induction", "loading")  # docs/clinical.md, "Medication episodes"
MAX_DOSE = 100_000  # mg: anything larger is a unit error
MAX_COUNT = 10_000  # doses in one course
MAX_DETAIL = 255  # characters of the stop reason kept as sent
FAR_FUTURE = datetime(9000, 1, 1)
REPEAT = "dosage[0].timing.repeat"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Course:
    """How many doses (None: open-ended), and whether the dosage text says induction."""

    count: int | None
    induction: bool

    @property
    def single(self) -> bool:
        return self.count == 1

    @property
    def phase(self) -> Phase:
        if self.induction:
            return Phase.INDUCTION
        return Phase.SINGLE_DOSE if self.single else Phase.MAINTENANCE


@dataclass(frozen=True, slots=True)
class Stop:
    """Why the statement ended, as coded and as sent."""

    reason: EndReason | None
    detail: str


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
    course = _course(entry, context, dosage)
    dose = _dose(entry, context, dosage)
    drug = medication_drug(entry, context, dose[1] if dose else None)
    interval = (1, 1) if course is not None and course.single else None
    if interval is None:
        interval = _interval(entry, context, dosage)
    if (
        context.mark() > mark
        or number is None
        or course is None
        or dose is None
        or drug is None
        or interval is None
    ):
        return
    dates = _dates(entry, context, status or "", course, interval)
    if dates is None or context.before_birth(entry, _start_field(entry), number, dates[0]):
        return
    _add(entry, context, number, drug, dose, interval, course, dates)


def _add(
    entry: Entry,
    context: Context,
    number: str,
    drug: Drug,
    dose: tuple[float, DoseUnit],
    interval: tuple[int, int],
    course: Course,
    dates: tuple[date, date | None],
) -> None:
    routed = _route(entry, context, drug, dose[1])
    if routed is None:
        return
    total = dose[0] * interval[1]
    if total > MAX_DOSE:
        context.problem(
            entry,
            f"{REPEAT}.frequency",
            f"{interval[1]} doses of {dose[0]:g} {dose[1].value} every {interval[0]} day(s) "
            f"make {total:g} {dose[1].value}: not a plausible dose",
        )
        return
    stop = _stop(entry, context) if dates[1] is not None else Stop(None, "")
    context.parsed.medications.append(
        MedicationIn(
            hospital_number=number,
            drug=routed,
            dose_value=total,
            dose_unit=dose[1],
            interval_days=interval[0],
            start=dates[0],
            end=dates[1],
            where=Where(context.parsed.name, entry.place),
            phase=course.phase,
            end_reason=stop.reason,
            end_reason_detail=stop.detail,
        )
    )


# --- dose and drug -------------------------------------------------------------------------------


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
    found = dose_amount(entry, context, quantity, field_name)
    if found is None:
        return None
    value, written = found
    unit = DOSE_UNITS.get((written or "").lower())
    if unit is None:
        context.problem(entry, f"{field_name}.unit", f"{shown(written)}: expected mg or mg/kg")
        return None
    return value, unit


def dose_amount(
    entry: Entry, context: Context, quantity: JSON, field_name: str
) -> tuple[float, str | None] | None:
    """A dose Quantity's value and the unit it is written in; None after reporting a problem.

    The value must be a plausible positive number and the ``unit`` and UCUM ``code`` must agree.
    """
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        context.problem(entry, f"{field_name}.value", f"{shown(value)} is not a number")
        return None
    if not 0 < value <= MAX_DOSE:
        context.problem(entry, f"{field_name}.value", f"{value:g} is not a plausible dose")
        return None
    conflict = unit_conflict(quantity)
    if conflict is not None:
        context.problem(entry, f"{field_name}.unit", conflict)
        return None
    return float(value), quantity_unit(quantity)


def medication_drug(entry: Entry, context: Context, unit: DoseUnit | None) -> Drug | None:
    """The drug of medicationCodeableConcept or medicationReference, or None after a problem."""
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
    found = drug_of(concept, context, unit)
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


def drug_of(concept: JSON | None, context: Context, unit: DoseUnit | None) -> Drug | None:
    """The drug a medication CodeableConcept names (codes first, then text), or None."""
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


# --- schedule ------------------------------------------------------------------------------------


def _course(entry: Entry, context: Context, dosage: JSON | None) -> Course | None:
    """The number of doses (``repeat.count``) and whether the dosage text says induction."""
    timing = child(dosage, "timing")
    repeat = child(timing, "repeat")
    words = " ".join(
        found.lower()
        for found in (
            text(dosage, "text"),
            text(dosage, "patientInstruction"),
            text(child(timing, "code"), "text"),
        )
        if found
    )
    induction = any(word in words for word in INDUCTION_WORDS)
    if repeat is None or "count" not in repeat:
        if repeat is not None and "countMax" in repeat:
            context.problem(entry, f"{REPEAT}.countMax", "a range of doses cannot be stored")
            return None
        return Course(None, induction)
    count = repeat.get("count")
    if "countMax" in repeat:
        context.problem(entry, f"{REPEAT}.countMax", "a range of doses cannot be stored; give one")
        return None
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= MAX_COUNT:
        context.problem(entry, f"{REPEAT}.count", f"{shown(count)} is not a number of doses")
        return None
    return Course(count, induction)


def _interval(entry: Entry, context: Context, dosage: JSON | None) -> tuple[int, int] | None:
    """Days between doses and how many doses one stored dose stands for."""
    repeat = child(child(dosage, "timing"), "repeat")
    period = repeat.get("period") if repeat else None
    unit = text(repeat, "periodUnit")
    if repeat is None or period is None:
        context.problem(entry, f"{REPEAT}.period", "missing: how often the dose is given")
        return None
    frequency = repeat.get("frequency", 1)
    if any(key in repeat for key in ("periodMax", "frequencyMax")):
        context.problem(entry, REPEAT, "a range of intervals cannot be stored; give one")
        return None
    if unit in REFUSED_UNITS:
        context.problem(entry, f"{REPEAT}.periodUnit", f"{shown(unit)}: {REFUSED_UNITS[unit]}")
        return None
    hours = HOURS.get(unit or "")
    if hours is None:
        context.problem(entry, f"{REPEAT}.periodUnit", f"{shown(unit)}: expected d or wk")
        return None
    if not _positive(period) or not (_positive(frequency) and isinstance(frequency, int)):
        context.problem(entry, REPEAT, "period and frequency must be positive numbers")
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
        REPEAT,
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


# --- dates ---------------------------------------------------------------------------------------


def _start_field(entry: Entry) -> str:
    has_period = child(entry.resource, "effectivePeriod") is not None
    return "effectivePeriod.start" if has_period else "effectiveDateTime"


def _dates(
    entry: Entry, context: Context, status: str, course: Course, interval: tuple[int, int]
) -> tuple[date, date | None] | None:
    """First day and the day after the last (None: still going), or None after a problem."""
    resource = entry.resource
    field_name = _start_field(entry)
    if field_name == "effectivePeriod.start":
        start = text(child(resource, "effectivePeriod"), "start")
    else:
        start = text(resource, "effectiveDateTime")
    begun = context.date(entry, field_name, start)
    if begun is None:
        return None
    if course.single:
        return begun, begun + ONE_DAY
    planned = _planned_end(entry, context, begun, course, interval)
    if planned is None:
        return None
    ended = planned[0]
    if ended is not None and ended < begun:
        context.problem(entry, planned[1], f"{ended} is before the start ({begun})")
        return None
    if ended is not None and ended > context.now.date():
        if status in ENDED:
            context.problem(
                entry,
                planned[1],
                f"the statement is {status}, but its end {ended} is in the future",
            )
            return None
        context.notes.add("a planned end date in the future was read as no end", entry.number)
        return begun, None
    if ended is None and status in ENDED:
        return _asserted_end(entry, context, status, begun)
    if ended is not None and status in ("active", "on-hold"):
        context.notes.add(
            f"a statement still {status} whose end is past was read as ended", entry.number
        )
    return begun, ended


def _planned_end(
    entry: Entry, context: Context, begun: date, course: Course, interval: tuple[int, int]
) -> tuple[date | None, str] | None:
    """The end the statement gives, and the element that gives it; None after a problem.

    ``effectivePeriod.end`` first, then ``repeat.boundsPeriod.end`` or ``boundsDuration``, then
    the day after the last of ``repeat.count`` doses.
    """
    given = text(child(entry.resource, "effectivePeriod"), "end")
    if given is not None:
        return _end_date(entry, context, "effectivePeriod.end", given)
    repeat = child(child(next(iter(children(entry.resource, "dosage")), None), "timing"), "repeat")
    if child(repeat, "boundsRange") is not None:
        context.problem(entry, f"{REPEAT}.boundsRange", "a range of durations cannot be stored")
        return None
    bounds_end = text(child(repeat, "boundsPeriod"), "end")
    if bounds_end is not None:
        return _end_date(entry, context, f"{REPEAT}.boundsPeriod.end", bounds_end)
    duration = child(repeat, "boundsDuration")
    if duration is not None:
        days = _duration_days(entry, context, duration)
        return (begun + timedelta(days=days), f"{REPEAT}.boundsDuration") if days else None
    if course.count is not None:
        periods = math.ceil(course.count / interval[1])
        last = begun + timedelta(days=(periods - 1) * interval[0])
        return last + ONE_DAY, f"{REPEAT}.count"
    return None, "effectivePeriod.end"


def _end_date(
    entry: Entry, context: Context, field_name: str, value: str
) -> tuple[date, str] | None:
    try:
        return parse_date(value, now=FAR_FUTURE, zone=context.zone), field_name
    except ValueError as error:
        context.problem(entry, field_name, str(error))
        return None


def _duration_days(entry: Entry, context: Context, duration: JSON) -> int | None:
    field_name = f"{REPEAT}.boundsDuration"
    value = duration.get("value")
    unit = text(duration, "code") or text(duration, "unit")
    if unit in REFUSED_UNITS:
        context.problem(entry, f"{field_name}.unit", f"{shown(unit)}: {REFUSED_UNITS[unit]}")
        return None
    hours = HOURS.get(unit or "")
    if hours is None or not isinstance(value, int | float) or not _positive(value):
        context.problem(
            entry, field_name, f"{shown(value)} {shown(unit)}: expected a number of d or wk"
        )
        return None
    days = value * hours / 24
    if days < 1 or not math.isclose(days, round(days)):
        context.problem(entry, field_name, f"{days:g} days is not a whole number of days")
        return None
    return round(days)


def _asserted_end(
    entry: Entry, context: Context, status: str, begun: date
) -> tuple[date, date | None] | None:
    """A stopped or completed statement without an end: it ended when it was asserted."""
    asserted = text(entry.resource, "dateAsserted")
    if asserted is None:
        context.problem(
            entry,
            "effectivePeriod.end",
            f"missing: the statement is {status} but says neither when it ended "
            "(effectivePeriod.end) nor when this was recorded (dateAsserted)",
        )
        return None
    ended = context.date(entry, "dateAsserted", asserted)
    if ended is None:
        return None
    if ended < begun:
        context.problem(entry, "dateAsserted", f"{ended} is before the start ({begun})")
        return None
    context.notes.add(
        f"a {status} statement without an end date was read as ending when it was recorded "
        "(dateAsserted)",
        entry.number,
    )
    return begun, ended


# --- stop reason ---------------------------------------------------------------------------------


def _stop(entry: Entry, context: Context) -> Stop:
    """The end reason of ``statusReason``: its SNOMED CT code, else the phrases of its text."""
    concepts = children(entry.resource, "statusReason")
    if not concepts:
        return Stop(None, "")
    detail = "; ".join(_said(concept) for concept in concepts)[:MAX_DETAIL]
    coded = {
        found.reason
        for concept in concepts
        for coding in codings(concept)
        if (found := context.codes.stop_code(text(coding, "system"), text(coding, "code")))
    }
    said = [text(concept, "text") for concept in concepts]
    if not coded:  # the displays of codes not configured may still say why
        said += [text(c, "display") for concept in concepts for c in codings(concept)]
    phrases: set[EndReason] = set()
    for words in said:
        phrases |= context.codes.stop_phrases_in(words)
    chosen = coded or phrases
    if len(chosen) == 1:
        reason = next(iter(chosen))
        if coded and phrases and phrases != coded:
            context.notes.add(
                f"statusReason: the code says {reason.label.lower()}, the text says "
                f"{_listed(phrases)}: the code was used",
                entry.number,
            )
        return Stop(reason, detail)
    if len(chosen) > 1:
        context.notes.add(
            f"statusReason {shown(detail)} says {_listed(chosen)}: read as another reason, "
            "with the text kept",
            entry.number,
        )
    return Stop(EndReason.OTHER, detail)


def _said(concept: JSON) -> str:
    """A stop reason as sent: its text, else its first display, else its first code."""
    first = next(iter(codings(concept)), None)
    return (
        text(concept, "text")
        or text(first, "display")
        or (describe_coding(first) if first is not None else "")
    )


def _listed(reasons: set[EndReason]) -> str:
    return " and ".join(sorted(reason.label.lower() for reason in reasons))
