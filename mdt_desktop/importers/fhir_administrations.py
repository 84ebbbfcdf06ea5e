"""FHIR MedicationAdministration → AdministrationIn: one dose given, contact with the patient.

A recorded infusion or injection tells the audit the patient was seen (docs/clinical.md, "Loss
to follow-up"). Completed administrations are imported; in-progress, not-done, on-hold,
stopped, entered-in-error and unknown ones are skipped with a note. Drug: as for a
MedicationStatement (fhir_medications.py); infliximab's route comes from ``dosage.route``
(SNOMED CT 47625008 intravenous, 34206005 subcutaneous, or its text), else from the dose unit
(mg/kg: intravenous). Day given: ``effectiveDateTime`` or ``effectivePeriod.start`` converted to
site time (docs/clinical.md, "Time"); a dose before the patient's birth is a problem. Dose:
``dosage.dose`` in mg or mg/kg, optional; a dose in another unit is left out with a note.
"""

from __future__ import annotations

from datetime import date

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import DoseUnit, Drug
from mdt_desktop.importers.fhir_context import (
    JSON,
    Context,
    Entry,
    child,
    codings,
    shown,
    text,
)
from mdt_desktop.importers.fhir_medications import DOSE_UNITS, dose_amount, medication_drug
from mdt_desktop.importers.model import AdministrationIn, Where

SKIPPED = {
    "in-progress": "MedicationAdministrations in progress (the completed one will be imported)",
    "not-done": "MedicationAdministrations not done",
    "on-hold": "MedicationAdministrations on hold",
    "stopped": "MedicationAdministrations stopped before the dose was given",
    "entered-in-error": "MedicationAdministrations entered in error",
    "unknown": "MedicationAdministrations of unknown status",
}
IMPORTED = "completed"
ROUTE_CODES = {"47625008": "iv", "34206005": "sc"}  # SNOMED CT route of administration
ROUTE_WORDS = (("intravenous", "iv"), ("subcut", "sc"))
DOSE = "dosage.dose"

Dose = tuple[float, DoseUnit] | None


def read_administration(entry: Entry, context: Context) -> None:
    """Add *entry*'s dose given, or report why it cannot be read."""
    resource = entry.resource
    status = text(resource, "status")
    if status in SKIPPED:
        context.skip(entry, SKIPPED[status])
        return
    mark = context.mark()
    if status != IMPORTED:
        context.problem(
            entry, "status", f"{shown(status)} is not a MedicationAdministration status"
        )
    number = context.patient_of(entry, "subject", child(resource, "subject"))
    dose = _dose(entry, context)
    drug = medication_drug(entry, context, dose[1] if dose else None)
    given = _given(entry, context)
    if context.mark() > mark or number is None or drug is None or given is None:
        return
    if context.before_birth(entry, given[1], number, given[0]):
        return
    context.parsed.administrations.append(
        AdministrationIn(
            hospital_number=number,
            drug=_routed(entry, context, drug, dose),
            given_on=given[0],
            where=Where(context.parsed.name, entry.place),
            dose_value=dose[0] if dose else None,
            dose_unit=dose[1] if dose else None,
        )
    )


def _dose(entry: Entry, context: Context) -> Dose:
    """The dose given in mg or mg/kg; None when not sent, not in those units, or wrong."""
    quantity = child(child(entry.resource, "dosage"), "dose")
    if quantity is None or "value" not in quantity:
        return None
    found = dose_amount(entry, context, quantity, DOSE)
    if found is None:
        return None
    value, written = found
    unit = DOSE_UNITS.get((written or "").lower())
    if unit is None:
        context.notes.add(
            f"a dose given in {shown(written)} was left out (doses are kept in mg or mg/kg)",
            entry.number,
        )
        return None
    return value, unit


def _given(entry: Entry, context: Context) -> tuple[date, str] | None:
    resource = entry.resource
    field_name, value = "effectiveDateTime", text(resource, "effectiveDateTime")
    if value is None and child(resource, "effectivePeriod") is not None:
        field_name = "effectivePeriod.start"
        value = text(child(resource, "effectivePeriod"), "start")
    given = context.date(entry, field_name, value)
    return (given, field_name) if given is not None else None


def _routed(entry: Entry, context: Context, drug: Drug, dose: Dose) -> Drug:
    """*drug* by the route given, else by the dose unit (infliximab mg/kg is intravenous)."""
    molecule = DRUGS[drug].molecule
    siblings = [d for d, info in DRUGS.items() if info.molecule == molecule]
    if len(siblings) == 1:
        return drug
    route = _route(child(child(entry.resource, "dosage"), "route"))
    by_route = [d for d in siblings if DRUGS[d].route == route]
    if by_route:
        return by_route[0]
    if dose is not None:
        by_unit = [d for d in siblings if dose[1] in DRUGS[d].dose_units]
        if by_unit:
            return drug if drug in by_unit else by_unit[0]
    context.notes.add(
        f"no route and no dose unit: {molecule} read as {DRUGS[drug].label}", entry.number
    )
    return drug


def _route(concept: JSON | None) -> str | None:
    """The route ("iv" or "sc") of a CodeableConcept: its SNOMED CT code, else its words."""
    for coding in codings(concept):
        found = ROUTE_CODES.get(text(coding, "code") or "")
        if found is not None:
            return found
    words = " ".join(
        t.lower()
        for t in [text(concept, "text")] + [text(c, "display") for c in codings(concept)]
        if t
    )
    return next((route for word, route in ROUTE_WORDS if word in words), None)
