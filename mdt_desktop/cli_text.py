"""Plain-text renderings of a patient and a meeting for the terminal (no Qt)."""

from __future__ import annotations

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS
from mdt_desktop.domain.enums import AttendanceStatus
from mdt_desktop.domain.records import MeetingRecord, PatientRecord
from mdt_desktop.services.imports import ImportReport
from mdt_desktop.services.patients import ReviewSummary


def patient_text(record: PatientRecord, reviews: list[ReviewSummary]) -> str:
    """A terminal summary of one patient."""
    p = record.patient
    lines = [
        f"{p.display_name}  {p.hospital_number}  born {p.date_of_birth:%d %b %Y}  {p.sex.value}",
        f"{p.ibd_type.label} since {p.diagnosis_date:%b %Y}; Montreal {p.montreal.code or '-'}"
        f"; smoking {p.smoking.value}",
        "",
        "Medication:",
    ]
    for m in record.medications:
        end = f"{m.end:%d %b %Y}" if m.end else "ongoing"
        lines.append(
            f"  {m.start:%d %b %Y} - {end:<11}  {DRUGS[m.drug].label} "
            f"{m.regimen.dose_label} ({m.phase.value}; {m.intensity})"
        )
    lines += ["", "Latest results:"]
    latest = {}
    for obs in record.observations:
        latest[obs.analyte] = obs
    for analyte, obs in latest.items():
        lines.append(
            f"  {ANALYTES[analyte].label:<28} {obs.display_value:>8} {obs.unit:<10} "
            f"{obs.collected_at:%d %b %Y}"
        )
    lines += ["", f"{len(record.observations)} observations, {len(record.events)} events."]
    if reviews:
        lines += ["", "MDT reviews:"]
        lines += [
            f"  {r.meeting_date:%d %b %Y}  {r.case_status.value:<10} "
            f"{r.outcome.label if r.outcome else '-'}"
            for r in reviews
        ]
    return "\n".join(lines)


def meeting_text(meeting: MeetingRecord) -> str:
    """A terminal summary of one meeting."""
    lines = [
        f"MDT meeting {meeting.meeting_date:%A %d %B %Y} — {meeting.status.value}, "
        f"chair {meeting.chair}"
    ]
    if meeting.attendance:
        present = [a.name for a in meeting.attendance if a.status is AttendanceStatus.PRESENT]
        apologies = [a.name for a in meeting.attendance if a.status is AttendanceStatus.APOLOGIES]
        lines.append(f"Present: {', '.join(present)}")
        if apologies:
            lines.append(f"Apologies: {', '.join(apologies)}")
    lines.append("")
    for case in meeting.cases:
        decision = case.decision.outcome.label if case.decision else "no decision yet"
        p = case.patient
        lines.append(
            f"{case.position:>2}. {p.display_name:<32} {p.hospital_number:<10} "
            f"{p.ibd_type.short:<5} {case.status.value:<10} {decision}"
        )
    if meeting.signed_off_at:
        lines += [
            "",
            f"Signed off by {meeting.signed_off_by} on {meeting.signed_off_at:%d %b %Y %H:%M}",
        ]
    return "\n".join(lines)


def import_text(report: ImportReport, *, dry_run: bool) -> str:
    """The ``import`` report for people: files, problems, and what was (or would be) added."""
    lines = []
    for file in report.files:
        lines.append(f"{file.name}: {file.format}, {file.records} record(s)")
        lines += [f"  note: {note}" for note in file.notes]
    lines.append(report.headline(dry_run=dry_run))
    if report.problems:
        lines += [f"  {problem}" for problem in report.problems]
        return "\n".join(lines)
    for number, kinds in report.per_patient.items():
        shown = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        lines.append(f"  {number}: {shown}")
    return "\n".join(lines)
