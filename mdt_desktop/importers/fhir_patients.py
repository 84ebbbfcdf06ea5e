"""FHIR Patient → PatientIn and Condition → DiagnosisIn.

Hospital number: the identifier typed ``MR`` (HL7 v2-0203); without one, the only identifier
that is not the NHS number. NHS number: the identifier of system
``https://fhir.nhs.uk/Id/nhs-number``, check digit verified. Name: the official one, else the
first; family and first given name. A Condition is an IBD diagnosis when it is coded SNOMED CT
34000006 (Crohn's disease) or 64766004 (ulcerative colitis), or ICD-10 K50 / K51 / K52.3
(indeterminate colitis, read as IBD unclassified); any other Condition is skipped with a note.
A diagnosis date may be a year or a month (the first day is taken, with a note): diagnoses of
long ago are often recorded so. Montreal tokens come from ``stage[].summary``.
"""

from __future__ import annotations

from datetime import date

from mdt_desktop.domain.enums import IbdType, Sex
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.montreal import Montreal, parse_montreal
from mdt_desktop.domain.nhs import normalise_nhs_number
from mdt_desktop.importers.codes import SNOMED_NAMES
from mdt_desktop.importers.fhir_context import (
    MR_SYSTEM,
    NHS_SYSTEM,
    Context,
    Entry,
    child,
    children,
    codings,
    describe_coding,
    has_code,
    shown,
    text,
)
from mdt_desktop.importers.model import DiagnosisIn, PatientIn, Where

MAX_NAME = 100  # characters stored for a family or given name
SNOMED_IBD = {"34000006": IbdType.CROHNS, "64766004": IbdType.UC}
ICD10_SYSTEMS = frozenset(
    {
        "http://hl7.org/fhir/sid/icd-10",
        "http://hl7.org/fhir/sid/icd-10-uk",
        "http://hl7.org/fhir/sid/icd-10-cm",
    }
)
ICD10_IBD = (("K50", IbdType.CROHNS), ("K51", IbdType.UC), ("K523", IbdType.IBDU))
NOT_A_DIAGNOSIS = frozenset({"entered-in-error", "refuted"})
CROHNS_ONLY = "A, L and B tokens classify Crohn's disease, not ulcerative colitis"
UC_ONLY = "E tokens (extent) classify ulcerative colitis, not Crohn's disease"


def read_patient(entry: Entry, context: Context) -> None:
    """Add *entry*'s Patient, or report why it cannot be read."""
    resource = entry.resource
    mark = context.mark()
    number = _hospital_number(entry, context)
    nhs = _nhs_number(entry, context)
    names = _name(entry, context)
    born = context.date(entry, "birthDate", text(resource, "birthDate"))
    sex = _sex(entry, context)
    if context.mark() > mark or number is None or names is None or born is None:
        return
    if number in context.numbers:
        context.problem(
            entry,
            "identifier",
            f"hospital number {number} is also entry {context.numbers[number]}'s",
        )
        return
    context.parsed.patients.append(
        PatientIn(
            hospital_number=number,
            family_name=names[0],
            given_name=names[1],
            date_of_birth=born,
            sex=sex or Sex.UNKNOWN,
            where=Where(context.parsed.name, entry.place),
            nhs_number=nhs,
        )
    )
    for key in entry.reference_keys():
        context.patients[key] = number
    context.numbers[number] = entry.number
    context.births[number] = born
    if nhs is not None:
        context.nhs_numbers[nhs] = number


def _hospital_number(entry: Entry, context: Context) -> str | None:
    identifiers = [
        i
        for i in children(entry.resource, "identifier")
        if text(i, "use") != "old" and text(i, "value") is not None
    ]
    typed = {text(i, "value") for i in identifiers if has_code(child(i, "type"), MR_SYSTEM, "MR")}
    others = [i for i in identifiers if text(i, "system") != NHS_SYSTEM]
    candidates = sorted(v for v in typed if v) or [v for i in others if (v := text(i, "value"))]
    if not candidates:
        context.problem(entry, "identifier", "no hospital number (an identifier of type MR)")
        return None
    if len(candidates) > 1:
        kind = "identifiers of type MR" if typed else "identifiers and none of type MR"
        context.problem(
            entry,
            "identifier",
            f"{len(candidates)} {kind} ({', '.join(shown(c) for c in candidates[:5])}); "
            "which is the hospital number?",
        )
        return None
    return context.hospital_number(entry, "identifier", candidates[0])


def _nhs_number(entry: Entry, context: Context) -> str | None:
    values = {
        value
        for i in children(entry.resource, "identifier")
        if text(i, "system") == NHS_SYSTEM and (value := text(i, "value"))
    }
    if len(values) > 1:
        context.problem(entry, "identifier", "more than one NHS number")
        return None
    if not values:
        return None
    try:
        return normalise_nhs_number(values.pop())
    except ValidationError as error:
        context.problem(entry, "identifier (NHS number)", str(error))
        return None


def _name(entry: Entry, context: Context) -> tuple[str, str] | None:
    names = children(entry.resource, "name")
    chosen = next((n for n in names if text(n, "use") == "official"), names[0] if names else None)
    family = text(chosen, "family")
    if family is None:
        context.problem(entry, "name.family", "missing")
        return None
    given_names = chosen.get("given") if chosen is not None else None
    given = given_names[0] if isinstance(given_names, list) and given_names else ""
    given = given.strip() if isinstance(given, str) else ""
    for part, value in (("name.family", family), ("name.given", given)):
        if len(value) > MAX_NAME:
            context.problem(entry, part, f"longer than {MAX_NAME} characters")
            return None
    return family, given


def _sex(entry: Entry, context: Context) -> Sex | None:
    gender = text(entry.resource, "gender")
    if gender is None:
        return Sex.UNKNOWN
    try:
        return Sex(gender)
    except ValueError:
        context.problem(
            entry, "gender", f"{shown(gender)} is not one of male, female, other, unknown"
        )
        return None


def read_condition(entry: Entry, context: Context) -> None:
    """Add *entry*'s IBD diagnosis; skip other Conditions with a note."""
    resource = entry.resource
    status = {str(text(c, "code")) for c in codings(child(resource, "verificationStatus"))}
    if status & NOT_A_DIAGNOSIS:
        context.skip(entry, f"Condition marked {' / '.join(sorted(status & NOT_A_DIAGNOSIS))}")
        return
    mark = context.mark()
    ibd = _ibd_type(entry, context)
    if ibd is None:
        return
    number = context.patient_of(entry, "subject", child(resource, "subject"))
    diagnosed = _diagnosis_date(entry, context)
    montreal = _montreal(entry, context, ibd)
    if context.mark() > mark or number is None or diagnosed is None or montreal is None:
        if number is not None:
            context.parsed.refused_diagnoses.add(number)
        return
    born = context.births.get(number)
    if born is not None and diagnosed < born:
        context.problem(
            entry, "onsetDateTime", f"diagnosed {diagnosed} before birth ({born.isoformat()})"
        )
        context.parsed.refused_diagnoses.add(number)
        return
    context.parsed.diagnoses.append(
        DiagnosisIn(number, ibd, diagnosed, montreal, Where(context.parsed.name, entry.place))
    )


def _ibd_type(entry: Entry, context: Context) -> IbdType | None:
    found: dict[IbdType, str] = {}
    for coding in codings(child(entry.resource, "code")):
        ibd = _coded_ibd(text(coding, "system"), text(coding, "code"))
        if ibd is not None:
            found.setdefault(ibd, describe_coding(coding))
    if len(found) > 1:
        context.problem(
            entry, "code", "codes for different diagnoses: " + "; ".join(found.values())
        )
        return None
    if not found:
        shown_codes = "; ".join(describe_coding(c) for c in codings(child(entry.resource, "code")))
        context.skip(
            entry,
            f"Condition that is not Crohn's disease or ulcerative colitis: "
            f"{shown_codes or 'no code'}",
        )
        return None
    return next(iter(found))


def _coded_ibd(system: str | None, code: str | None) -> IbdType | None:
    if code is None:
        return None
    if system in SNOMED_NAMES:
        return SNOMED_IBD.get(code)
    if system in ICD10_SYSTEMS:
        compact = code.replace(".", "").upper()
        return next((ibd for prefix, ibd in ICD10_IBD if compact.startswith(prefix)), None)
    return None


def _diagnosis_date(entry: Entry, context: Context) -> date | None:
    resource = entry.resource
    for field_name, value in (
        ("onsetDateTime", text(resource, "onsetDateTime")),
        ("onsetPeriod.start", text(child(resource, "onsetPeriod"), "start")),
        ("recordedDate", text(resource, "recordedDate")),
    ):
        if value is None:
            continue
        padded = _padded(value)
        if padded != value:
            context.notes.add(
                f"a diagnosis date given as {'a year' if len(value) == 4 else 'a month'} "
                "only was read as its first day",
                entry.number,
            )
        return context.date(entry, field_name, padded)
    context.problem(
        entry, "onsetDateTime", "missing (no onsetDateTime, onsetPeriod or recordedDate)"
    )
    return None


def _padded(value: str) -> str:
    if len(value) == 4 and value.isdigit():
        return f"{value}-01-01"
    if len(value) == 7 and value[:4].isdigit() and value[4] == "-" and value[5:].isdigit():
        return f"{value}-01"
    return value


def _montreal(entry: Entry, context: Context, ibd: IbdType) -> Montreal | None:
    stages = children(entry.resource, "stage")
    index, summary = next(
        ((i, s) for i, s in enumerate(stages) if child(s, "summary") is not None), (0, None)
    )
    concept = child(summary, "summary")
    tokens = text(concept, "text") or next(
        (t for c in codings(concept) if (t := text(c, "display") or text(c, "code"))), None
    )
    if tokens is None:
        return Montreal()
    field_name = f"stage[{index}].summary"
    try:
        montreal = parse_montreal(tokens)
    except ValidationError as error:
        context.problem(entry, field_name, str(error))
        return None
    crohns_tokens = montreal.age or montreal.location or montreal.behaviour
    if ibd is IbdType.UC and (crohns_tokens or montreal.upper_gi or montreal.perianal):
        context.problem(entry, field_name, f"{shown(tokens)}: {CROHNS_ONLY}")
        return None
    if ibd is IbdType.CROHNS and montreal.extent:
        context.problem(entry, field_name, f"{shown(tokens)}: {UC_ONLY}")
        return None
    return montreal
