"""Plain-text renderings of a patient, a meeting, an import and the outcome audit (no Qt)."""

from __future__ import annotations

from collections.abc import Sequence

from mdt_desktop.domain.board import CaseDetail, ReviewSummary
from mdt_desktop.domain.catalogue import ANALYTES, DRUGS, display_unit
from mdt_desktop.domain.chase import ChaseList, headline, latest_text, overdue_text
from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus
from mdt_desktop.domain.monthly_summary import MonthlySummary, summary_headline
from mdt_desktop.domain.outcome_audit import AuditFigures, BaselineRow, DrugBurden, OutcomeAudit
from mdt_desktop.domain.outcomes import CensorReason, FailureReason
from mdt_desktop.domain.records import CaseSummary, MeetingRecord, PatientRecord
from mdt_desktop.domain.wording import count
from mdt_desktop.services.imports import ImportReport


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


def meeting_text(meeting: MeetingRecord, details: Sequence[CaseDetail] = ()) -> str:
    """A terminal summary of one meeting (with the board's *details*: why re-reviews are back)."""
    reviews = {d.case.id: d.rereview for d in details if d.rereview is not None}
    where = f", {meeting.location}" if meeting.location.strip() else ""
    lines = [
        f"MDT meeting {meeting.meeting_date:%A %d %B %Y}{where} — {meeting.status.value}, "
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
        p = case.patient
        lines.append(
            f"{case.position:>2}. {p.display_name:<32} {p.hospital_number:<10} "
            f"{p.ibd_type.short:<5} {case.status.value:<10} {_case_decision(case)}"
        )
        review = reviews.get(case.id)
        if review is not None:
            lines.append(f"    {review.reason}: {review.summary}")
    if meeting.signed_off_at:
        lines += [
            "",
            f"Signed off by {meeting.signed_off_by} on {meeting.signed_off_at:%d %b %Y %H:%M}",
        ]
    return "\n".join(lines)


def _case_decision(case: CaseSummary) -> str:
    """E.g. ``Re-escalate to 5 mg/kg every 6 weeks from 02 Mar 2027`` or the deferral reason."""
    decision = case.decision
    if decision is None:
        if case.status is CaseStatus.DEFERRED:
            return f"deferred: {case.deferral_reason}" if case.deferral_reason else "deferred"
        return "no decision yet"
    text = decision.outcome.label
    if decision.target_regimen is not None:
        text += f" to {decision.target_regimen.dose_label}"
    if decision.effective_date is not None and decision.outcome.changes_regimen:
        text += f" from {decision.effective_date:%d %b %Y}"
    return text


def import_text(report: ImportReport, *, dry_run: bool) -> str:
    """The ``import`` report for people: files, problems, and what was (or would be) added."""
    lines = []
    for file in report.files:
        lines.append(f"{file.name}: {file.format}, {count(file.records, 'record')}")
        lines += [f"  note: {note}" for note in file.notes]
    lines.append(report.headline(dry_run=dry_run))
    if report.problems:
        lines += [f"  {problem}" for problem in report.problems]
        return "\n".join(lines)
    for number, kinds in report.per_patient.items():
        shown = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        lines.append(f"  {number}: {shown}")
    return "\n".join(lines)


KM_SHOWN = (6, 12, 24)  # months of the curve the summary prints


def audit_text(audit: OutcomeAudit) -> str:
    """The de-escalation outcome audit for the terminal."""
    window = f"{audit.rules.failure_months:g} months"
    lines = [f"De-escalation outcome audit, as of {audit.as_of:%d %b %Y}", ""]
    lines += _figures_lines(audit.overall, window, audit.rules.recapture_months)
    for title, split in (("By drug", audit.by_drug), ("By diagnosis", audit.by_diagnosis)):
        lines += ["", f"{title}:", _SPLIT_HEADER]
        lines += [_split_line(label, figures) for label, figures in split.items()]
    lines += ["", f"At de-escalation: maintained vs failed at {window} (evaluable episodes):"]
    lines += [_baseline_line(row) for row in audit.baseline]
    lines += ["", _burden_text(audit.burden)]
    return "\n".join(lines)


def _figures_lines(figures: AuditFigures, window: str, recapture_months: float) -> list[str]:
    median = figures.median_months_to_failure
    reasons = "; ".join(
        f"{reason.label} {figures.failure_reasons.get(reason, 0)}" for reason in FailureReason
    )
    curve = ", ".join(
        f"{p.month} months {100 * p.survival:.0f}% ({100 * p.lower:.0f}–{100 * p.upper:.0f}%)"
        for p in figures.curve
        if p.month in KM_SHOWN
    )
    censored = "; ".join(
        f"{reason.label} {figures.censored[reason]}"
        for reason in CensorReason
        if figures.censored.get(reason)
    )
    rows = [
        (
            "De-escalations",
            f"{figures.de_escalations} in {count(figures.patients, 'patient')}",
        ),
        (f"Evaluable at {window}", str(figures.evaluable_12m)),
        (
            f"Maintained at {window}",
            f"{figures.maintained_12m}/{figures.evaluable_12m} "
            f"({_percent(figures.maintained_12m_pct)})",
        ),
        (f"Failed within {window}", str(figures.failed_12m)),
        ("Median time to failure", f"{median:.1f} months" if median is not None else "–"),
        ("Reasons", reasons),
        ("Re-escalated", str(figures.re_escalated)),
        (f"Recaptured in {recapture_months:g} months", str(figures.recaptured)),
        ("Recapture pending", str(figures.recapture_pending)),
        ("Censored (no failure)", censored or "–"),
        ("Still de-escalated (KM)", f"{curve} (95% CI)"),
    ]
    return [f"{label + ':':<31}{value}" for label, value in rows]


_SPLIT_HEADER = f"  {'':<22} {'episodes':>8} {'evaluable':>9} {'maintained':>14} {'failed':>6}"


def _split_line(label: str, figures: AuditFigures) -> str:
    maintained = f"{figures.maintained_12m} ({_percent(figures.maintained_12m_pct)})"
    return (
        f"  {label:<22} {figures.de_escalations:>8} {figures.evaluable_12m:>9} "
        f"{maintained:>14} {figures.failed_12m:>6}"
    )


def _baseline_line(row: BaselineRow) -> str:
    p_value = f"p = {row.p_value:.3f}" if row.p_value is not None else "p –"
    return f"  {row.label:<44} {row.successes:<24} vs {row.failures:<24} {p_value} ({row.test})"


def _burden_text(burden: DrugBurden) -> str:
    text = (
        f"Drug burden: {burden.administrations_avoided:,.0f} administrations avoided over "
        f"{burden.patient_years:,.1f} patient-years on reduced regimens "
        f"({burden.per_patient_year:.1f} a patient-year)"
    )
    if burden.cost_avoided is not None and burden.cost_per_administration is not None:
        text += (
            f"; {burden.cost_avoided:,.0f} saved at "
            f"{burden.cost_per_administration:,.2f} an administration"
        )
    return text + "."


def _percent(value: float | None) -> str:
    return f"{value:.1f}%" if value is not None else "–"


def chase_text(chase: ChaseList) -> str:
    """The chase list of a meeting for the terminal: one line per result to chase."""
    status = chase.meeting_status.value.replace("_", " ")
    lines = [
        f"Chase list for the MDT of {chase.meeting_date:%A %d %B %Y} ({status})",
        headline(chase),
    ]
    if not chase.rows:
        return "\n".join(lines)
    lines += [
        "",
        f"{'#':>2}  {'Patient':<28} {'Number':<11} {'What':<38} {'Latest result':<32} "
        f"{'Needed by':<12} Overdue",
    ]
    for row in chase.rows:
        needed = f"{row.item.needed_by:%d %b %Y}" if row.item.needed_by else "—"
        lines.append(
            f"{row.position:>2}  {row.patient[:28]:<28} {row.hospital_number:<11} "
            f"{row.item.label[:38]:<38} {latest_text(row)[:32]:<32} {needed:<12} "
            f"{overdue_text(row)}"
        )
    lines += ["", "Overdue: days from the last day the latest result counted to the meeting."]
    return "\n".join(lines)


def summary_text(summary: MonthlySummary) -> str:
    """The administrators' monthly summary for the terminal."""
    lines = [f"Monthly summary, {summary.title}", ""]
    lines += [f"{label + ':':<48}{value}" for label, value in summary_headline(summary)]
    if summary.meetings:
        lines += [
            "",
            "Per meeting       status       listed discussed deferred pending outstanding",
        ]
        lines += [
            f"  {m.meeting_date:%a %d %b %Y} {m.status.value.replace('_', ' '):<12} {m.listed:>6} "
            f"{m.discussed:>9} {m.deferred:>8} {m.pending:>7} {m.outstanding_items:>11}"
            for m in summary.meetings
        ]
    lines += ["", "Decisions by type:"]
    lines += [f"  {outcome.label:<28}{n:>4}" for outcome, n in summary.decisions.items()]
    if summary.reductions:
        lines += ["", "Administrations avoided a year, if the decisions are carried out:"]
        lines += [
            f"  {s.label:<18} {s.decisions} decision(s): {s.administrations_before:.1f} -> "
            f"{s.administrations_after:.1f} a year, {s.administrations_avoided:.1f} avoided; "
            f"{s.dose_avoided:,.0f} {display_unit(s.dose_unit)} of drug"
            for s in summary.savings
        ]
    if summary.actions_overdue:
        lines += ["", f"Actions overdue on {summary.as_of:%d %b %Y}:"]
        lines += [
            f"  {a.due:%d %b %Y} ({a.days_overdue:>3} d)  {a.hospital_number:<10} "
            f"{a.description[:48]:<48} {a.owner}"
            for a in summary.actions_overdue
        ]
    return "\n".join(lines)
