"""The letter to a patient's GP or referrer about an MDT decision, in the minutes' style.

Built from the meeting as the services return it (for a signed-off meeting, what the meeting
saw), for one case that has a decision: who the patient is (full identifiers: the letter goes to
their doctor), what was decided and why, the new regimen and when it starts beside the old one
(a de-escalation, a further de-escalation or a re-escalation), the monitoring plan with dates,
when the MDT reviews again, and whom to contact (site.toml). It carries no other patient's
identifiers and no plots. Written atomically like the minutes; names and free text are escaped
and isolated for bidirectional text (reports/markup.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from mdt_desktop.domain.board import CaseDetail, MeetingBoard
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import MeetingStatus, Outcome
from mdt_desktop.domain.errors import NotFoundError, ValidationError
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.nhs import format_nhs_number
from mdt_desktop.domain.records import Decision, MeetingRecord, Patient
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.site import SiteContact
from mdt_desktop.domain.text import isolate
from mdt_desktop.reports.fonts import REGULAR
from mdt_desktop.reports.markup import text, user_text
from mdt_desktop.reports.minutes import BuildOptions, BuiltDocument, Cancelled
from mdt_desktop.reports.page import MARGIN_X, PAGE, DocumentInfo, PageMarks, write_pdf
from mdt_desktop.reports.styles import BAD, Styles, grid_style, make_styles

SUBJECT = "Outcome of the IBD anti-TNF de-escalation multidisciplinary team meeting"
DEAR_COLLEAGUE = "Dear Colleague"
NO_RECIPIENT = "The patient's general practitioner or referring clinician"
MAX_RECIPIENT_CHARS = 300
MAX_RECIPIENT_LINES = 8
TITLES = ("dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame")
DEMO_WARNING = (
    "DEMO contact details: these are the placeholders shipped with MDT Desktop. Put your team's "
    "details in site.toml in the user configuration folder before sending letters."
)
DRAFT_WARNING = (
    "DRAFT: the meeting has not been signed off and the decision may still change. "
    "Do not send this letter."
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom the letter is addressed to: address lines and the salutation."""

    lines: tuple[str, ...]
    salutation: str

    @classmethod
    def parse(cls, raw: str) -> Recipient:
        """Address lines from *raw* (split at commas and line breaks), and the salutation.

        ``Dear Colleague`` unless the first line starts with a title such as Dr.

        Raises:
            ValidationError: the text is too long or holds control characters.
        """
        cleaned = raw.strip()
        if not cleaned:
            return cls((NO_RECIPIENT,), DEAR_COLLEAGUE)
        if len(cleaned) > MAX_RECIPIENT_CHARS:
            raise ValidationError(f"to: at most {MAX_RECIPIENT_CHARS} characters")
        if re.search(r"[\x00-\x09\x0b-\x1f\x7f]", cleaned):
            raise ValidationError("to: contains control characters")
        lines = tuple(part.strip() for part in re.split(r"[,\n]", cleaned) if part.strip())
        if len(lines) > MAX_RECIPIENT_LINES:
            raise ValidationError(f"to: at most {MAX_RECIPIENT_LINES} lines")
        first = lines[0]
        titled = first.split(" ", 1)[0].rstrip(".").casefold() in TITLES and " " in first
        return cls(lines, f"Dear {first}" if titled else DEAR_COLLEAGUE)


def letter_case(board: MeetingBoard, hospital_number: str) -> tuple[CaseDetail, Decision]:
    """The case of *hospital_number* and its decision (a letter needs one to write up).

    Raises:
        NotFoundError: the patient is not on this meeting's list.
        ValidationError: the case has no decision.
    """
    index = board.index_of(hospital_number)
    if index is None:
        raise NotFoundError(f"{hospital_number} is not on the list of this meeting.")
    detail = board.cases[index]
    decision = detail.case.decision
    if decision is None:
        raise ValidationError(
            f"{hospital_number}: no decision was recorded for this case at the MDT of "
            f"{board.meeting.meeting_date:%d %b %Y}; there is nothing to write to the GP."
        )
    return detail, decision


def build_gp_letter(
    board: MeetingBoard,
    hospital_number: str,
    config: ClinicalConfig,
    path: Path,
    options: BuildOptions,
    recipient: str = "",
) -> BuiltDocument:
    """Write the letter to the GP/referrer about the decision for *hospital_number*."""
    addressee = Recipient.parse(recipient)
    detail, decision = letter_case(board, hospital_number)
    if options.cancelled is not None and options.cancelled():
        raise Cancelled("Export cancelled; no file was written.")
    if options.progress is not None:
        options.progress(0, 1, f"Writing the letter about {hospital_number}")
    meeting = board.meeting
    written = (options.generated or datetime.now()).date()
    letter = _Letter(detail, decision, meeting, config.site, make_styles(), written)
    story = letter.story(addressee)
    title = f"Letter to the GP: MDT outcome, {meeting.meeting_date:%d %b %Y}"
    marks = PageMarks(
        running_title=f"{title} · {isolate(detail.case.patient.hospital_number)}",
        draft=meeting.status is not MeetingStatus.SIGNED_OFF,
    )
    info = DocumentInfo(title, SUBJECT, options.author, invariant=options.invariant)
    pages = write_pdf(story, path, marks, info)
    if options.progress is not None:
        options.progress(1, 1, f"Written {path.name}")
    return BuiltDocument(path, pages, 1)


class _Letter:
    """The flowables of one letter."""

    def __init__(
        self,
        detail: CaseDetail,
        decision: Decision,
        meeting: MeetingRecord,
        site: SiteContact,
        styles: Styles,
        written: date,
    ) -> None:
        self._d = detail
        self._meeting = meeting
        self._site = site
        self._s = styles
        self._written = written
        self._width = PAGE[0] - 2 * MARGIN_X
        self._decision = decision
        self._right = ParagraphStyle("right", parent=styles.body, alignment=TA_RIGHT)
        self._warning = ParagraphStyle("warning", parent=styles.body, textColor=BAD)

    def story(self, recipient: Recipient) -> list[Flowable]:
        s = self._s
        story: list[Flowable] = self._letterhead(recipient)
        if self._meeting.status is not MeetingStatus.SIGNED_OFF:
            story.append(Paragraph(f"<b>{text(DRAFT_WARNING)}</b>", self._warning))
        story += [
            Spacer(0, 8),
            Paragraph(recipient.salutation + ",", s.body),
            Spacer(0, 4),
            self._identifiers(),
            Spacer(0, 6),
            Paragraph(self._opening(), s.body),
        ]
        story += self._decided()
        story += self._treatment()
        story += self._monitoring()
        story += self._review()
        story += self._contact()
        story += self._signature()
        return story

    # --- top of the letter ------------------------------------------------------------------------

    def _letterhead(self, recipient: Recipient) -> list[Flowable]:
        site = self._site
        ours = [f"<b>{text(site.team)}</b>", *(text(line) for line in site.lines()[1:])]
        ours += [f"Tel {text(site.phone)}", text(site.email), "", f"{self._written:%d %B %Y}"]
        theirs = "<br/>".join(user_text(line) for line in recipient.lines)
        table = Table(
            [[Paragraph(theirs, self._s.body), Paragraph("<br/>".join(ours), self._right)]],
            colWidths=[0.55 * self._width, 0.45 * self._width],
        )
        table.setStyle(_plain())
        story: list[Flowable] = []
        if site.is_demo:
            story.append(Paragraph(f"<b>{text(DEMO_WARNING)}</b>", self._warning))
            story.append(Spacer(0, 4))
        story += [
            table,
            Paragraph("Outcome of the IBD multidisciplinary team meeting", self._s.h1),
        ]
        return story

    def _identifiers(self) -> Table:
        """Name and date of birth, hospital and NHS numbers: two facts a line."""
        patient = self._d.case.patient
        nhs = format_nhs_number(patient.nhs_number) if patient.nhs_number else "not recorded"
        facts = [
            ("Patient", f"<b>{_full_name(patient)}</b>"),
            ("Date of birth", f"{patient.date_of_birth:%d %b %Y}"),
            ("Hospital number", user_text(patient.hospital_number)),
            ("NHS number", nhs),
        ]
        cell, bold = self._s.cell, self._s.cell_bold
        rows = [
            [Paragraph(k, bold), Paragraph(v, cell), Paragraph(k2, bold), Paragraph(v2, cell)]
            for (k, v), (k2, v2) in zip(facts[::2], facts[1::2], strict=True)
        ]
        table = Table(rows, colWidths=[w * self._width for w in (0.17, 0.38, 0.17, 0.28)])
        table.setStyle(grid_style(header=False))
        return table

    def _opening(self) -> str:
        meeting = self._meeting
        return (
            "The patient named above was discussed at the IBD anti-TNF de-escalation "
            f"multidisciplinary team meeting (MDT) on {meeting.meeting_date:%A %d %B %Y}, chaired "
            f"by {user_text(meeting.chair)}. The MDT reviews patients on intensified anti-TNF "
            "treatment for a possible dose reduction, and patients whose dose was reduced."
        )

    # --- the decision -----------------------------------------------------------------------------

    def _decided(self) -> list[Flowable]:
        decision = self._decision
        story: list[Flowable] = [
            Paragraph("What the team decided", self._s.h2),
            Paragraph(f"<b>{text(decision.outcome.label)}.</b> {self._in_words()}", self._s.body),
        ]
        if decision.rationale.strip():
            story.append(Paragraph(f"<b>Why:</b> {user_text(decision.rationale)}", self._s.body))
        if self._d.case.earlier_decisions:
            story.append(
                Paragraph(
                    f"This decision was amended after the meeting on "
                    f"{decision.decided_at:%d %b %Y}: {user_text(decision.amendment_reason)}",
                    self._s.note,
                )
            )
        return story

    def _in_words(self) -> str:
        decision = self._decision
        drug = self._drug_name()
        return {
            Outcome.DE_ESCALATE: f"The team agreed to reduce the dose of {drug} (de-escalation)"
            + (", a further step down from a reduced dose." if self._further() else "."),
            Outcome.RE_ESCALATE: f"The team agreed to increase the dose of {drug} again "
            "(re-escalation): the lower dose has not kept the disease in remission.",
            Outcome.CONTINUE_INTENSIFIED: f"The team agreed to continue {drug} at the current, "
            "intensified dose without change for now.",
            Outcome.STOP_ANTI_TNF: f"The team agreed to stop {drug}.",
            Outcome.DEFER: "The team deferred the decision until further investigations are "
            "available; the treatment does not change meanwhile.",
            Outcome.REFER_TRIAL: "The team recommended referral to a clinical trial.",
            Outcome.OTHER: "The team's decision is described below.",
        }[decision.outcome]

    def _drug_name(self) -> str:
        regimen = self._new_regimen() or self._old_regimen()
        return DRUGS[regimen.drug].molecule if regimen else "anti-TNF treatment"

    def _new_regimen(self) -> Regimen | None:
        decision = self._decision
        return decision.target_regimen if decision.outcome.changes_regimen else None

    def _further(self) -> bool:
        """True when a de-escalation steps down from a regimen already reduced."""
        summary = self._d.summary
        return (
            summary.de_escalated
            and summary.anti_tnf is not None
            and (summary.anti_tnf.regimen != self._new_regimen())
        )

    def _old_regimen(self) -> Regimen | None:
        """The regimen the meeting reviewed (before the change, even once the change started)."""
        seen = self._d.summary.anti_tnf
        new = self._new_regimen()
        if seen is not None and seen.regimen != new:
            return seen.regimen
        effective = self._decision.effective_date
        if effective is not None:
            before = current_anti_tnf(self._d.record.medications, effective - timedelta(days=1))
            if before is not None:
                return before.regimen
        return seen.regimen if seen else None

    def _treatment(self) -> list[Flowable]:
        decision, old, new = self._decision, self._old_regimen(), self._new_regimen()
        start = (
            f"{decision.effective_date:%A %d %B %Y}"
            if decision.effective_date
            else "to be confirmed by the IBD team"
        )
        rows: list[tuple[str, str]] = []
        if new is not None:
            rows += [
                ("New regimen", f"<b>{text(new.label)}</b>"),
                ("Starting", f"<b>{start}</b>"),
                ("Until now", text(old.label) if old else "—"),
            ]
        elif decision.outcome is Outcome.STOP_ANTI_TNF:
            rows += [("Stopping", text(old.label) if old else "anti-TNF treatment")]
            if decision.effective_date:
                rows.append(("From", start))
        else:
            rows.append(("Regimen", (text(old.label) + " — unchanged") if old else "No anti-TNF"))
        return [Paragraph("Treatment", self._s.h2), self._facts(rows)]

    def _monitoring(self) -> list[Flowable]:
        """The planned checks, one row per due date (a GP reads dates, not plan items)."""
        plan = self._decision.monitoring
        heading = Paragraph("Monitoring and next review", self._s.h2)
        if not plan:
            return [heading, Paragraph("No checks were planned at the meeting.", self._s.body)]
        by_date: dict[date, list[str]] = {}
        for check in sorted(plan, key=lambda c: c.due):
            by_date.setdefault(check.due, []).append(check.label)
        rows: list[list[Flowable]] = [
            [Paragraph(f"<b>{h}</b>", self._s.cell) for h in ("Due by", "Check")]
        ]
        rows += [
            [
                Paragraph(f"{due:%d %b %Y}", self._s.cell),
                Paragraph("; ".join(text(label) for label in labels), self._s.cell),
            ]
            for due, labels in by_date.items()
        ]
        table = Table(rows, colWidths=[0.2 * self._width, 0.8 * self._width], repeatRows=1)
        table.setStyle(grid_style(zebra=1))
        return [heading, table]

    def _review(self) -> list[Flowable]:
        review = self._decision.next_review
        body = (
            f"The MDT will review the patient again at its meeting on or after "
            f"<b>{review:%d %B %Y}</b>, with the results of the checks above."
            if review
            else "No date was set for the MDT to review the patient again; the IBD team will "
            "list the patient if the checks above raise a concern."
        )
        return [Spacer(0, 3), Paragraph(body, self._s.body)]

    # --- the end of the letter --------------------------------------------------------------------

    def _contact(self) -> list[Flowable]:
        site = self._site
        return [
            KeepTogether(
                [
                    Paragraph("Who to contact", self._s.h2),
                    Paragraph(
                        "Please contact us with any question about this decision, or if the "
                        f"patient's symptoms return before the review: the {text(site.team)}, "
                        f"telephone <b>{text(site.phone)}</b>, e-mail <b>{text(site.email)}</b>, "
                        "or write to us at the address above.",
                        self._s.body,
                    ),
                ]
            )
        ]

    def _signature(self) -> list[Flowable]:
        meeting, decision = self._meeting, self._decision
        signed = (
            f"Signed-off record ({user_text(meeting.signed_off_by or '')}, "
            f"{meeting.signed_off_at:%d %b %Y})"
            if meeting.status is MeetingStatus.SIGNED_OFF and meeting.signed_off_at
            else "Not signed off"
        )
        recorded = f"; decision recorded {decision.decided_at:%d %b %Y %H:%M}."
        return [
            KeepTogether(
                [
                    Spacer(0, 6),
                    Paragraph("Yours sincerely,", self._s.body),
                    Spacer(0, 18),
                    Paragraph(f"<b>{user_text(meeting.chair)}</b>", self._s.body),
                    Paragraph("Chair, IBD anti-TNF de-escalation MDT", self._s.body),
                    Spacer(0, 4),
                    Paragraph(signed + recorded, self._s.note),
                ]
            )
        ]

    def _facts(self, rows: list[tuple[str, str]], label: float = 0.2) -> Table:
        table = Table(
            [[Paragraph(f"<b>{k}</b>", self._s.cell), Paragraph(v, self._s.cell)] for k, v in rows],
            colWidths=[label * self._width, (1 - label) * self._width],
        )
        table.setStyle(grid_style(header=False))
        return table


def _full_name(patient: Patient) -> str:
    """``Given FAMILY`` as letters address a patient (the record prints ``FAMILY, Given``)."""
    return user_text(f"{patient.given_name} {patient.family_name.upper()}")


def _plain() -> TableStyle:
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # tables default to base-14 Helvetica
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )
