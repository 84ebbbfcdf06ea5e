"""Lab results in HL7 v2.x ORU^R01 messages.

A file holds one or more messages (segments ending in CR, LF or CRLF; batch and file envelopes
allowed). Each message must be ORU^R01 (MSH-9). PID-3 gives the hospital number (the identifier
of type MR, or the only one if it has no type), PID-5 and PID-7 the identity the import checks
against the stored patient. Each OBR starts an order: OBR-4 is the order (a panel code is never
a result) and OBR-7 the default sample time. Each OBX is one result: OBX-3 code (primary coding,
then the alternate), OBX-2 value type NM, SN, ST or TX, OBX-5 value (``<5`` and the like), OBX-6
unit, OBX-7 reference range, OBX-8 flags, OBX-11 status, OBX-14 sample time (else OBR-7),
OBX-17 method (the assay).
Problems name the HL7 field (OBX-5, not "value"). Times with an offset (``+0100``) are converted
to the site's zone, times without one are site time (docs/clinical.md, "Time"). A message with a
second PID is a problem naming both: this import takes one patient per message, so that no
result can be given to the wrong patient. A result taken before PID-7 (the date of birth) is a
problem.

Only final (F) and corrected (C) results are imported. Preliminary, partial or unverified ones
(P, I, R, S) and deleted, wrong or impossible ones (D, W, X, also N and O) are skipped with a
note; any other status is a problem. Text must be UTF-8, or ISO 8859-1 declared in every MSH-18
(hl7_text.py). Every problem names the message (number and MSH-10 control id), the segment and
its number in the message, so the laboratory can find it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from pathlib import Path

from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.csv_reader import HOSPITAL_NUMBER
from mdt_desktop.importers.hl7_segments import (
    SEGMENT_ID,
    STARTS,
    Message,
    Segment,
    component,
    components,
    first_segment,
    separators,
    split_messages,
    starts_like_hl7,
)
from mdt_desktop.importers.hl7_text import read_hl7_text
from mdt_desktop.importers.limits import Refused
from mdt_desktop.importers.model import IdentityIn, LabResult, ParsedFile, Where
from mdt_desktop.importers.results import RawResult, convert
from mdt_desktop.importers.times import parse_hl7_time, site_zone

FORMAT = "HL7 v2"
MAX_PROBLEMS = 1000  # a wholly wrong file is summarised, not listed to the last segment
MAX_NOTES = 1000
MAX_TIMES = 10_000  # times remembered
MAX_FLAG = 8  # the stored abnormal flag's length
MAX_RANGE = 32  # the stored reference range's length
IMPORTED = frozenset({"F", "C"})
SKIPPED = {
    "P": "preliminary result; the final one (F) will be imported",
    "I": "result pending (specimen in the laboratory)",
    "R": "result not yet verified; the final one (F) will be imported",
    "S": "partial result; the final one (F) will be imported",
    "D": "result deleted by the laboratory (one imported earlier stays until removed by hand)",
    "W": "result posted as wrong (one imported earlier stays until removed by hand)",
    "X": "result could not be obtained",
    "N": "test not asked for",
    "O": "order detail, no result",
}
TEXT_TYPES = frozenset({"NM", "ST", "TX", "FT", ""})
SN_COMPARATORS = {"": "", "=": "", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
OBX_FIELDS = {"code": "OBX-3", "value": "OBX-5", "unit": "OBX-6"}  # results.py's field names


@dataclass
class _Context:
    """One file being read."""

    parsed: ParsedFile
    codes: CodeTable
    now: datetime
    zone: tzinfo
    unlisted_notes: int = 0
    times: dict[str, datetime] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        return len(self.parsed.problems) >= MAX_PROBLEMS

    def problem(self, place: str, field_name: str, reason: str) -> None:
        self.parsed.problem(place, field_name, reason)

    def time(self, text: str) -> datetime:
        """An HL7 time (raises ValueError); remembered, as OBX-14 repeats OBR-7 in most files."""
        found = self.times.get(text)
        if found is None:
            if len(self.times) > MAX_TIMES:
                self.times.clear()
            found = self.times[text] = parse_hl7_time(text, now=self.now, zone=self.zone)
        return found

    def note(self, text: str) -> None:
        if len(self.parsed.notes) < MAX_NOTES:
            self.parsed.notes.append(text)
        else:
            self.unlisted_notes += 1


@dataclass
class _State:
    """Where one message is: its label, the current patient and the current order's time."""

    label: str
    patient: str | None = None
    birth: date | None = None
    seen_pid: bool = False
    first_pid: int = 0  # the segment number of the message's PID
    pid_failed: bool = False  # the PID's problem is reported; its results are not
    told_no_pid: bool = False
    time: datetime | None = None
    time_failed: bool = False  # OBR-7's problem is reported; OBX without OBX-14 are not


def read_hl7(
    path: Path, codes: CodeTable, *, now: datetime | None = None, zone: tzinfo | None = None
) -> ParsedFile:
    """Read a file of HL7 v2 ORU^R01 messages; times in the site's *zone*."""
    try:
        text = read_hl7_text(path)
    except Refused as error:
        parsed = ParsedFile(path.name, FORMAT)
        parsed.problem("", "", str(error))
        return parsed
    return parse_hl7(text, path.name, codes, now=now, zone=zone)


def parse_hl7(
    text: str,
    name: str,
    codes: CodeTable,
    *,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> ParsedFile:
    """Parse HL7 v2 text (already decoded) as the file *name*."""
    ctx = _Context(ParsedFile(name, FORMAT), codes, now or datetime.now(), site_zone(zone))
    if not text.strip():
        ctx.problem("", "", "the file is empty; expected HL7 v2 messages starting with MSH")
        return ctx.parsed
    if not starts_like_hl7(text):
        begins = first_segment(text)[:24]
        reason = f"not HL7 v2: the file begins {begins!r}, not with MSH"
        if begins[:3] in STARTS:
            reason = (
                f"the file begins {begins!r}: expected a field separator right after "
                f"{begins[:3]}, as in 'MSH|^~\\&|'"
            )
        ctx.problem("segment 1", "", reason)
        return ctx.parsed
    split = split_messages(text)
    for number, stray in split.strays[:MAX_PROBLEMS]:
        ctx.problem(f"segment {number}", "", f"{stray[:24]!r} comes before any MSH segment")
    if not split.messages:
        ctx.problem("", "", "no MSH segment: the file holds no HL7 message")
    for message in split.messages:
        if ctx.full:
            break
        _message(ctx, message)
    if ctx.full:
        ctx.problem("", "", f"{MAX_PROBLEMS} problems or more; stopped reading")
    if ctx.unlisted_notes:
        ctx.parsed.notes.append(f"… and {ctx.unlisted_notes} more results skipped")
    return ctx.parsed


def _message(ctx: _Context, message: Message) -> None:
    label = f"message {message.number}"
    msh_text = message.segments[0][1]
    try:
        seps = separators(msh_text)
        msh = Segment.of(1, msh_text, seps)
    except ValueError as error:
        ctx.problem(f"{label}, MSH (segment 1)", getattr(error, "field", "MSH"), str(error))
        return
    control = "".join(c for c in msh.text(10) if c.isprintable())[:32]
    label += f" ({control})" if control else ""
    kind = (msh.component(9, 1).strip().upper(), msh.component(9, 2).strip().upper())
    if not msh.field(9).strip():
        ctx.problem(
            f"{label}, MSH (segment 1)",
            "MSH-9",
            f"no message type (the MSH segment has {len(msh.fields) - 1} fields; cut short?): "
            "expected ORU^R01",
        )
        return
    if kind != ("ORU", "R01"):
        ctx.problem(
            f"{label}, MSH (segment 1)",
            "MSH-9",
            f"message type {msh.field(9)[:24]!r}: only ORU^R01 (lab results) can be imported",
        )
        return
    state = _State(label)
    for number, text in message.segments[1:]:
        if ctx.full:
            return
        _segment(ctx, state, number, text, msh)
    if not state.seen_pid and not state.told_no_pid:
        ctx.problem(label, "PID", "no PID segment: the results cannot be given to a patient")


def _segment(ctx: _Context, state: _State, number: int, text: str, msh: Segment) -> None:
    try:
        segment = Segment.of(number, text, msh.seps)
    except ValueError as error:
        ctx.problem(f"{state.label}, segment {number}", "", str(error))
        return
    if not SEGMENT_ID.match(segment.name):
        ctx.problem(
            f"{state.label}, segment {number}",
            "",
            f"{text[:24]!r} is not an HL7 segment (a line break inside a field?)",
        )
        return
    handler = HANDLERS.get(segment.name)
    if handler is not None:
        handler(ctx, state, segment)


def _place(state: _State, segment: Segment) -> str:
    set_id = segment.text(1)
    shown = f" {set_id}" if set_id.isdigit() and len(set_id) <= 6 else ""
    return f"{state.label}, {segment.name}{shown} (segment {segment.number})"


def _pid(ctx: _Context, state: _State, segment: Segment) -> None:
    place = f"{state.label}, PID (segment {segment.number})"
    if state.seen_pid:
        ctx.problem(
            place,
            "PID",
            f"a second PID in this message (the first is segment {state.first_pid}): results "
            "cannot be given to a patient without risk of the wrong one; send each patient's "
            "results in a message of their own",
        )
        state.patient, state.pid_failed, state.told_no_pid = None, True, True
        return
    state.seen_pid, state.first_pid = True, segment.number
    state.patient, state.time, state.time_failed = None, None, False
    number, reason = _hospital_number(segment)
    state.pid_failed = number is None
    if number is None:
        ctx.problem(place, "PID-3", reason)
        return
    birth: date | None = None
    if segment.text(7):
        try:
            birth = ctx.time(segment.text(7)).date()
        except ValueError as error:
            ctx.problem(place, "PID-7", f"date of birth: {error}")
    family, given = _name(segment)
    where = Where(ctx.parsed.name, place)
    ctx.parsed.identities.append(IdentityIn(number, where, family or None, given or None, birth))
    state.patient, state.birth = number, birth


def _hospital_number(segment: Segment) -> tuple[str | None, str]:
    """PID-3's identifier of type MR, or its only identifier; else None and the reason."""
    seps = segment.seps
    ids = [
        (component(r, 1, seps).strip(), component(r, 5, seps).strip().upper())
        for r in segment.repetitions(3)
        if r.strip()
    ]
    if not ids:
        return None, "PID-3 is empty; expected the hospital number (identifier type MR)"
    numbers = {number for number, kind in ids if kind == "MR" and number}
    if len(numbers) > 1:
        return None, f"PID-3 has {len(numbers)} different MR identifiers: which is it?"
    if not numbers and len(ids) > 1:
        return None, (
            f"PID-3 has {len(ids)} identifiers and none of type MR (CX.5): "
            "which is the hospital number?"
        )
    if not numbers and ids[0][1]:
        return None, (
            f"PID-3's only identifier is of type {ids[0][1][:8]!r} (CX.5), not MR: "
            "send the hospital number with identifier type MR"
        )
    number = numbers.pop() if numbers else ids[0][0]
    if not HOSPITAL_NUMBER.match(number):
        return None, f"{number[:40]!r} is not a hospital number"
    return number, ""


def _name(segment: Segment) -> tuple[str, str]:
    """Surname and given name of PID-5: the legal name (XPN.7 L) if marked, else the first."""
    names = [components(r, segment.seps) + [""] * 7 for r in segment.repetitions(5)]
    legal = [n for n in names if n[6].strip().upper() == "L"]
    chosen = (legal or names)[0]
    return chosen[0].strip(), chosen[1].strip()


def _obr(ctx: _Context, state: _State, segment: Segment) -> None:
    place = _place(state, segment)
    state.time, state.time_failed = None, False
    if state.patient is None:
        _no_patient(ctx, state, place)
        return
    observed = segment.text(7)
    if observed:
        try:
            state.time = ctx.time(observed)
        except ValueError as error:
            ctx.problem(place, "OBR-7", f"observation time: {error}")
            state.time_failed = True


def _no_patient(ctx: _Context, state: _State, place: str) -> None:
    """Report a result without a PID before it (once per message; not after a bad PID)."""
    if not state.pid_failed and not state.told_no_pid:
        ctx.problem(place, "PID", "no PID segment before this one: whose result is it?")
        state.told_no_pid = True


def _obx(ctx: _Context, state: _State, segment: Segment) -> None:
    place = _place(state, segment)
    patient = state.patient
    if patient is None:
        _no_patient(ctx, state, place)
        return
    system, code, name = _coding(segment, ctx.codes)
    status = segment.text(11).upper()
    if status not in IMPORTED:
        _not_final(ctx, place, status, " ".join(t for t in (code, name) if t))
        return
    try:
        value = _value(segment)
    except ValueError as error:
        ctx.problem(place, "OBX-5", str(error))
        return
    flags = (component(r, 1, segment.seps).strip() for r in segment.repetitions(8))
    flag = ",".join(f for f in flags if f)
    if len(flag) > MAX_FLAG:
        ctx.problem(place, "OBX-8", f"abnormal flags {flag[:24]!r}: at most {MAX_FLAG} letters")
        return
    collected = _time(ctx, state, segment, place)
    if collected is None or _before_birth(ctx, state, segment, place, collected):
        return
    raw = RawResult(
        hospital_number=patient,
        system=system,
        code=code,
        name=name,
        value=value,
        unit=segment.text(6) or segment.component(6, 2).strip(),
        collected_at=collected,
        where=Where(ctx.parsed.name, place),
        assay=segment.component(17, 2).strip() or segment.text(17) or None,
        abnormal_flag=flag or None,
        reference_range=_reference_range(segment),
    )
    result = convert(raw, ctx.codes)
    if isinstance(result, LabResult):
        ctx.parsed.results.append(result)
    else:
        ctx.parsed.problems.append(
            replace(result, field=OBX_FIELDS.get(result.field, result.field))
        )


def _reference_range(segment: Segment) -> str | None:
    """OBX-7 as the laboratory wrote it (``<3.0``, ``0-3``), cut to what is stored."""
    written = segment.text(7)
    if not written:
        return None
    if not written.isprintable():
        written = "".join(c for c in written if c.isprintable())
    return written.strip()[:MAX_RANGE] or None


def _not_final(ctx: _Context, place: str, status: str, test: str) -> None:
    reason = SKIPPED.get(status)
    if reason is None:
        shown = f"{status[:8]!r}" if status else "empty"
        ctx.problem(place, "OBX-11", f"result status {shown}: expected F (final) or C (corrected)")
    else:
        ctx.note(f"{place}: {test[:40] or 'result'} not imported: {reason} (OBX-11 {status})")


def _coding(segment: Segment, codes: CodeTable) -> tuple[str, str, str]:
    """OBX-3 as (system, code, text): the primary coding, else the alternate, that is known."""
    parts = [p.strip() for p in components(segment.repetitions(3)[0], segment.seps)]
    parts += [""] * 6
    primary = (parts[2], parts[0], parts[1])
    alternate = (parts[5], parts[3], parts[4])
    for system, code, text in (primary, alternate):
        if code and codes.analyte(system, code, None) is not None:
            return system, code, text
    for system, code, text in (primary, alternate):
        if text and codes.analyte(None, None, text) is not None:
            return system, code, text
    return primary


def _value(segment: Segment) -> str:
    """OBX-5 as text: ``"<2.5"``, ``"132"`` (raises ValueError for what cannot be a number)."""
    kind = segment.text(2).upper()
    if kind not in TEXT_TYPES and kind != "SN":
        raise ValueError(f"value type (OBX-2) {kind[:8]!r}: expected NM, SN, ST or TX")
    repeats = sum(1 for r in segment.repetitions(5) if r.strip())
    if repeats > 1:
        raise ValueError(f"{repeats} values (repetitions of OBX-5); one result has one value")
    if kind == "SN":
        value = _structured(segment)
    elif segment.seps.component in segment.field(5):
        raise ValueError(
            f"{segment.field(5)[:24]!r} has components: expected one number (or OBX-2 SN for "
            f"a structured numeric such as <^5)"
        )
    else:
        value = segment.component(5, 1)
    if not value.strip():
        raise ValueError("no value: OBX-5 is empty in a final result")
    return value


def _structured(segment: Segment) -> str:
    """An SN value ``<^2.5`` or ``^5.2`` as ``"<2.5"`` or ``"5.2"``; ranges and ratios refused."""
    parts = [p.strip() for p in components(segment.repetitions(5)[0], segment.seps)]
    if len(parts) == 1:
        return parts[0]
    comparator, number, *rest = parts
    if any(rest):
        shown = segment.field(5)[:24]
        raise ValueError(f"structured numeric {shown!r} is a range or ratio, not one value")
    if comparator not in SN_COMPARATORS:
        raise ValueError(f"structured numeric comparator {comparator[:8]!r}: expected < > <= >=")
    return SN_COMPARATORS[comparator] + number


def _time(ctx: _Context, state: _State, segment: Segment, place: str) -> datetime | None:
    """OBX-14, else the order's OBR-7 (None after reporting why there is neither)."""
    observed = segment.text(14)
    if observed:
        try:
            return ctx.time(observed)
        except ValueError as error:
            ctx.problem(place, "OBX-14", f"observation time: {error}")
            return None
    if state.time is None and not state.time_failed:
        ctx.problem(
            place, "OBX-14", "no observation time: OBX-14 and its order's OBR-7 are both empty"
        )
    return state.time


def _before_birth(
    ctx: _Context, state: _State, segment: Segment, place: str, collected: datetime
) -> bool:
    """Whether the sample was taken before PID-7, the patient's birth (a problem if so)."""
    if state.birth is None or collected.date() >= state.birth:
        return False
    field_name = "OBX-14" if segment.text(14) else "OBR-7"
    ctx.problem(
        place,
        field_name,
        f"{collected:%Y-%m-%d %H:%M} is before the patient's birth (PID-7 {state.birth})",
    )
    return True


Handler = Callable[[_Context, _State, Segment], None]
HANDLERS: dict[str, Handler] = {"PID": _pid, "OBR": _obr, "OBX": _obx}
