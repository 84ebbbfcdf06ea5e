"""The parts of the minutes about the meeting itself: header, attendance, summary, sign-off.

Also the actions of earlier meetings still open at this one. Names, places, reasons and other
text from users are escaped and isolated (reports/markup.py).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from mdt_desktop.domain.board import CaseDetail, MeetingBoard
from mdt_desktop.domain.enums import AttendanceStatus, CaseStatus, MeetingStatus
from mdt_desktop.domain.records import AttendanceEntry, MeetingRecord
from mdt_desktop.reports.identity import Identities
from mdt_desktop.reports.markup import text, user_text
from mdt_desktop.reports.styles import BAD, Styles, grid_style

STATUS_TEXT = {
    MeetingStatus.PLANNED: "Planned — DRAFT minutes",
    MeetingStatus.IN_PROGRESS: "In progress — DRAFT minutes",
    MeetingStatus.SIGNED_OFF: "Signed off — final minutes",
}


def meeting_title(meeting: MeetingRecord) -> str:
    """How documents name the meeting."""
    return f"IBD anti-TNF de-escalation MDT · {meeting.meeting_date:%A %d %B %Y}"


def header(
    meeting: MeetingRecord, styles: Styles, width: float, generated: datetime, title: str
) -> list[Flowable]:
    """Title and the meeting's facts."""
    rows = [
        ("Meeting", f"{meeting.meeting_date:%A %d %B %Y}"),
        *((("Location", user_text(meeting.location)),) if meeting.location.strip() else ()),
        ("Chair", user_text(meeting.chair)),
        ("Status", STATUS_TEXT[meeting.status]),
        ("Cases", str(len(meeting.cases))),
        ("Produced", f"{generated:%d %b %Y %H:%M} by MDT Desktop"),
    ]
    table = Table(
        [[Paragraph(f"<b>{k}</b>", styles.cell), Paragraph(v, styles.cell)] for k, v in rows],
        colWidths=[0.18 * width, 0.82 * width],
    )
    table.setStyle(grid_style(header=False))
    return [Paragraph(title, styles.title), Spacer(0, 6), table]


def attendance(
    entries: tuple[AttendanceEntry, ...], styles: Styles, width: float, warnings: tuple[str, ...]
) -> list[Flowable]:
    """Who was present and who sent apologies, with their roles; quorum warnings."""
    story: list[Flowable] = [Paragraph("Attendance", styles.h2)]
    if not entries:
        story.append(Paragraph("Attendance has not been recorded.", styles.body))
    else:
        rows: list[list[Flowable]] = [
            [Paragraph(f"<b>{h}</b>", styles.cell) for h in ("Name", "Role", "Attendance")]
        ]
        order = {AttendanceStatus.PRESENT: 0, AttendanceStatus.APOLOGIES: 1}
        for entry in sorted(entries, key=lambda e: (order[e.status], e.name)):
            rows.append(
                [
                    Paragraph(user_text(entry.name), styles.cell),
                    Paragraph(text(entry.role.label), styles.cell),
                    Paragraph(
                        "Present" if entry.status is AttendanceStatus.PRESENT else "Apologies",
                        styles.cell,
                    ),
                ]
            )
        table = Table(rows, colWidths=[0.45 * width, 0.35 * width, 0.2 * width], repeatRows=1)
        table.setStyle(grid_style(zebra=1))
        story.append(table)
    story += [Paragraph(f"⚠ {text(w)}", styles.body) for w in warnings]
    return story


def open_actions(
    board: MeetingBoard, styles: Styles, width: float, identities: Identities
) -> list[Flowable]:
    """Actions of earlier meetings still open at this one, with their state as the list stands.

    For a signed-off meeting that is the state at sign-off (services/open_actions.py), so the
    final minutes do not change when an action is completed later.
    """
    meeting = board.meeting
    story: list[Flowable] = [Paragraph("Open actions from earlier meetings", styles.h2)]
    if not board.open_actions:
        story.append(Paragraph("No action from an earlier meeting was open.", styles.body))
        return story
    day = meeting.meeting_date
    headers = ("Patient", "Action", "Owner", "Due", "From", "Status")
    rows: list[list[Flowable]] = [[Paragraph(f"<b>{h}</b>", styles.cell) for h in headers]]
    for action in board.open_actions:
        patient = action.patient
        number = identities.number(patient)
        status = escape(action.status(day))
        if action.overdue(day):
            status = f"<font color='#{BAD.hexval()[2:]}'><b>{status}</b></font>"
        cells = [
            user_text(identities.label(patient)) + (f"<br/>{user_text(number)}" if number else ""),
            user_text(identities.free_text(patient, action.description)),
            user_text(action.owner),
            f"{action.due:%d %b %Y}" if action.due else "—",
            f"{action.from_meeting_date:%d %b %Y}",
            status,
        ]
        rows.append([Paragraph(cell, styles.cell) for cell in cells])
    widths = [0.18, 0.29, 0.15, 0.12, 0.12, 0.14]
    table = Table(rows, colWidths=[w * width for w in widths], repeatRows=1)
    table.setStyle(grid_style(zebra=1))
    still = sum(1 for a in board.open_actions if a.done_at is None)
    overdue = sum(1 for a in board.open_actions if a.overdue(day))
    when = (
        f"at sign-off, {meeting.signed_off_at:%d %b %Y %H:%M}"
        if meeting.status is MeetingStatus.SIGNED_OFF and meeting.signed_off_at
        else "when these minutes were produced"
    )
    story += [
        table,
        Paragraph(
            f"{still} still open {when} ({overdue} overdue at the meeting); actions stay on this "
            "list at each meeting until they are marked done.",
            styles.note,
        ),
    ]
    return story


def summary(
    board: MeetingBoard, styles: Styles, width: float, identities: Identities
) -> list[Flowable]:
    """One line per case: patient (and number unless hidden), regimen, decision."""
    numbers = [identities.number(d.case.patient) for d in board.cases]
    show_numbers = any(numbers)
    headers = ("#", "Patient", *(("Number",) if show_numbers else ()), "Drug and regimen")
    rows: list[list[Flowable]] = [
        [Paragraph(f"<b>{h}</b>", styles.cell) for h in (*headers, "Decision")]
    ]
    for detail, number in zip(board.cases, numbers, strict=True):
        cells = [
            str(detail.case.position),
            user_text(identities.label(detail.case.patient)),
            *((user_text(number),) if show_numbers else ()),
            text(_regimen(detail)),
            _decision(detail, identities),
        ]
        rows.append([Paragraph(cell, styles.cell) for cell in cells])
    widths = [0.05, 0.25, 0.15, 0.3, 0.25] if show_numbers else [0.05, 0.3, 0.35, 0.3]
    table = Table(rows, colWidths=[w * width for w in widths], repeatRows=1)
    table.setStyle(grid_style(zebra=1))
    return [Paragraph("Summary of decisions", styles.h2), table]


def _regimen(detail: CaseDetail) -> str:
    """The regimen, and for a re-review case that it is one (with its tag)."""
    anti_tnf = detail.summary.anti_tnf
    regimen = anti_tnf.regimen.label if anti_tnf else "No anti-TNF regimen"
    review = detail.rereview
    if review is None:
        return regimen
    return f"{regimen} · re-review: {review.tag.label.lower()}"


def _decision(detail: CaseDetail, identities: Identities) -> str:
    """The decision as markup: outcome, target and start; a deferral with its reason."""
    case = detail.case
    decision = case.decision
    if decision is None:
        if case.status is not CaseStatus.DEFERRED:
            return "No decision yet"
        reason = identities.free_text(case.patient, case.deferral_reason)
        return "Deferred" + (f": {user_text(reason)}" if reason.strip() else "")
    label = decision.outcome.label
    if decision.target_regimen is not None:
        label += f" to {decision.target_regimen.dose_label}"
        if decision.effective_date is not None:
            label += f" from {decision.effective_date:%d %b %Y}"
    if case.earlier_decisions:
        label += " (amended)"
    return text(label)


def sign_off(meeting: MeetingRecord, styles: Styles) -> list[Flowable]:
    """Who signed the minutes off and when, or that they are a draft."""
    if meeting.status is MeetingStatus.SIGNED_OFF and meeting.signed_off_at:
        body = (
            f"Signed off by <b>{user_text(meeting.signed_off_by or '')}</b> (chair) on "
            f"{meeting.signed_off_at:%A %d %B %Y at %H:%M}. From sign-off the meeting's "
            "record is read-only; later corrections appear above as amendments with their reason."
        )
    else:
        body = (
            "<b>Not signed off.</b> These are DRAFT minutes: decisions and annotations may "
            "still change. File only the final minutes produced after the chair's sign-off."
        )
    return [KeepTogether([Paragraph("Sign-off", styles.h2), Paragraph(body, styles.body)])]
