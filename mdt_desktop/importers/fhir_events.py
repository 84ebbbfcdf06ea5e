"""FHIR Procedure and ResearchSubject → EventIn on the patient's timeline.

Procedure: the SNOMED CT codings of ``code`` are looked up in lab_codes.toml
``[procedures.snomed]``; the first known one decides the kind (surgery, endoscopy, intestinal
ultrasound) and whether it was a resection. A procedure with no known code is skipped with a
note, not refused: a hospital's export holds many procedures the MDT does not follow (blood
tests, infusions, vaccinations), and refusing the whole file for each would make FHIR import
unusable; the note names the codes so a missing endoscopy or resection code can be added.
Completed and in-progress procedures are imported; preparation, not-done, on-hold, stopped,
entered-in-error and unknown ones are skipped with a note.

Dates are converted to site time before they are cut to a date (docs/clinical.md, "Time"); an
event before the patient's birth is a problem.

ResearchSubject: a trial enrolment on ``period.start``, described by the study's display (or
the title of the ResearchStudy in the file it refers to). Subjects who were never on the study
(candidate, eligible, screening, withdrawn before registration, ...) are skipped with a note.
"""

from __future__ import annotations

from mdt_desktop.domain.enums import EventKind
from mdt_desktop.importers.codes import SNOMED_NAMES, ProcedureMapping
from mdt_desktop.importers.fhir_context import (
    JSON,
    Context,
    Entry,
    child,
    codings,
    describe_coding,
    shown,
    text,
)
from mdt_desktop.importers.model import EventIn, Where

PROCEDURE_IMPORTED = frozenset({"completed", "in-progress"})
PROCEDURE_SKIPPED = frozenset(
    {"preparation", "not-done", "on-hold", "stopped", "entered-in-error", "unknown"}
)
ENROLLED = frozenset(
    {"on-study", "on-study-intervention", "on-study-observation", "follow-up", "off-study"}
)
NOT_ENROLLED = frozenset(
    {
        "candidate",
        "eligible",
        "ineligible",
        "not-registered",
        "pending-on-study",
        "potential-candidate",
        "screening",
        "withdrawn",
    }
)
MAX_DESCRIPTION = 500


def read_procedure(entry: Entry, context: Context) -> None:
    """Add *entry*'s procedure to the timeline, or skip it with a note when not followed."""
    resource = entry.resource
    status = text(resource, "status")
    if status in PROCEDURE_SKIPPED:
        context.skip(entry, f"Procedures with status {status}")
        return
    if status not in PROCEDURE_IMPORTED:
        context.problem(entry, "status", f"{shown(status)} is not a Procedure status")
        return
    concept = child(resource, "code")
    found = _mapping(concept, context)
    if found is None:
        described = "; ".join(describe_coding(c) for c in codings(concept)[:3]) or "no code"
        context.skip(entry, f"Procedure not in lab_codes.toml [procedures.snomed]: {described}")
        return
    mapping, display = found
    mark = context.mark()
    number = context.patient_of(entry, "subject", child(resource, "subject"))
    field_name, value = "performedDateTime", text(resource, "performedDateTime")
    if value is None and child(resource, "performedPeriod") is not None:
        field_name, value = (
            "performedPeriod.start",
            text(child(resource, "performedPeriod"), "start"),
        )
    when = context.date(entry, field_name, value)
    if context.mark() > mark or number is None or when is None:
        return
    if context.before_birth(entry, field_name, number, when):
        return
    context.parsed.events.append(
        EventIn(
            hospital_number=number,
            kind=mapping.kind,
            occurred_on=when,
            description=(text(concept, "text") or display)[:MAX_DESCRIPTION],
            where=Where(context.parsed.name, entry.place),
            is_resection=mapping.resection if mapping.kind is EventKind.SURGERY else None,
        )
    )


def _mapping(concept: JSON | None, context: Context) -> tuple[ProcedureMapping, str] | None:
    for coding in codings(concept):
        code = text(coding, "code")
        if text(coding, "system") in (*SNOMED_NAMES, None) and code is not None:
            mapping = context.codes.procedure(code)
            if mapping is not None:
                return mapping, text(coding, "display") or f"SNOMED CT {code}"
    return None


def read_research_subject(entry: Entry, context: Context) -> None:
    """Add *entry*'s trial enrolment to the timeline."""
    resource = entry.resource
    status = text(resource, "status")
    if status in NOT_ENROLLED:
        context.skip(entry, f"ResearchSubjects not enrolled (status {status})")
        return
    mark = context.mark()
    if status not in ENROLLED:
        context.problem(entry, "status", f"{shown(status)} is not a ResearchSubject status")
    number = context.patient_of(entry, "individual", child(resource, "individual"))
    start = context.date(entry, "period.start", text(child(resource, "period"), "start"))
    if context.mark() > mark or number is None or start is None:
        return
    if context.before_birth(entry, "period.start", number, start):
        return
    context.parsed.events.append(
        EventIn(
            hospital_number=number,
            kind=EventKind.TRIAL_ENROLMENT,
            occurred_on=start,
            description=_study(resource, context)[:MAX_DESCRIPTION],
            where=Where(context.parsed.name, entry.place),
        )
    )


def _study(resource: JSON, context: Context) -> str:
    study = child(resource, "study")
    found = context.resource(study, "ResearchStudy")
    return (
        text(study, "display")
        or text(found, "title")
        or text(child(study, "identifier"), "value")
        or text(study, "reference")
        or "Clinical trial enrolment"
    )
