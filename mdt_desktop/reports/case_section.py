"""One case of the minutes or of an outcome letter.

Who, why a re-review case is back, the trends, checklist, risks, drug levels, decision,
monitoring, actions and notes. Text from users and feeds goes through ``user_text`` (escaped
and isolated for bidirectional text: reports/markup.py), the program's own words through
``text``.
"""

from __future__ import annotations

from html import escape
from itertools import pairwise

from PIL import Image as PilImage
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table

from mdt_desktop.domain.antibodies import AntibodyAssay
from mdt_desktop.domain.board import CaseDetail
from mdt_desktop.domain.catalogue import ANALYTES
from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.describe import OVERALL_TEXT, RESULT_TEXT, diagnosis_line, treatment_line
from mdt_desktop.domain.enums import CaseStatus, ChecklistResult, Outcome, Position
from mdt_desktop.domain.positions import position_notes, tally
from mdt_desktop.domain.records import Annotation, ChecklistAnswer, Decision, current_annotations
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.rereview import RereviewTag
from mdt_desktop.domain.sampling import SamplingRules
from mdt_desktop.domain.text import isolate
from mdt_desktop.reports.drug_levels import WINDOW_MONTHS, drug_level_table
from mdt_desktop.reports.figures import image_flowable
from mdt_desktop.reports.identity import Identities
from mdt_desktop.reports.markup import text, user_text
from mdt_desktop.reports.styles import BAD, GOOD, MUTED, Styles, grid_style

HEADING_ROOM = 3.5 * cm  # a heading needs this much below it (its first rows) or it moves on
RESULT_COLOUR = {
    ChecklistResult.MET: GOOD.hexval()[2:],
    ChecklistResult.NOT_MET: BAD.hexval()[2:],
    ChecklistResult.UNKNOWN: MUTED.hexval()[2:],
}
POSITION_COLOUR = {
    Position.AGREE: GOOD.hexval()[2:],
    Position.DISAGREE: BAD.hexval()[2:],
    Position.ABSTAIN: MUTED.hexval()[2:],
}
TAG_RESULT = {
    RereviewTag.STABLE: ChecklistResult.MET,
    RereviewTag.RELAPSING: ChecklistResult.NOT_MET,
    RereviewTag.DATA_MISSING: ChecklistResult.UNKNOWN,
}
OVERALL_RESULT = {
    Overall.MET: ChecklistResult.MET,
    Overall.NOT_MET: ChecklistResult.NOT_MET,
    Overall.INCOMPLETE: ChecklistResult.UNKNOWN,
}


CONFLICT_HEAD = "Sources disagree:"
CONFLICT_COLOUR = "8a4b00"  # dark amber, as on screen: a caution, not a failure


def _conflict_markup(conflict: str) -> str:
    """A bold line of its own where sources disagree about a factor; empty when they agree.

    See docs/clinical.md, "Risk factors".
    """
    words = conflict.strip()
    if not words:
        return ""
    rest = words.removeprefix(CONFLICT_HEAD).strip()
    return f"<br/><font color='#{CONFLICT_COLOUR}'><b>{CONFLICT_HEAD}</b> {text(rest)}</font>"


class CaseSection:
    """Builds the flowables of one case; *width* is the frame width in points."""

    def __init__(
        self,
        detail: CaseDetail,
        styles: Styles,
        identities: Identities,
        width: float,
        risk_caveat: str,
        sampling: SamplingRules | None = None,
        assays: tuple[AntibodyAssay, ...] = (),
    ) -> None:
        self._d = detail
        self._s = styles
        self._ids = identities
        self._width = width
        self._caveat = risk_caveat
        self._sampling = sampling  # when drug levels were taken (None: not assessed)
        self._assays = assays  # the antibody cut-offs antibody results are read against

    def _free(self, value: str) -> str:
        """Free text about the patient: their own identifiers removed as the document says."""
        return user_text(self._ids.free_text(self._d.case.patient, value))

    def _heading(self, markup: str) -> list[Flowable]:
        """A section heading that never ends a page: it moves on if little room is left."""
        return [CondPageBreak(HEADING_ROOM), Paragraph(markup, self._s.h2)]

    def _p(self, markup: str, style: str = "cell") -> Paragraph:
        return Paragraph(markup, getattr(self._s, style))

    def flowables(self, png: PilImage.Image | None) -> list[Flowable]:
        """Everything of the case, headed by its position and patient."""
        d, s = self._d, self._s
        patient = d.case.patient
        story: list[Flowable] = [
            Paragraph(
                f"{d.case.position}. {user_text(self._ids.label(patient))}"
                + (f" — {user_text(number)}" if (number := self._ids.number(patient)) else ""),
                s.h1,
            ),
            Paragraph(text(self._ids.identity(patient, d.summary)), s.body),
            Paragraph(text(diagnosis_line(patient, d.summary)), s.body),
            Paragraph(text(treatment_line(patient, d.summary, isolate)), s.body),
        ]
        if self._ids.warning:
            story.append(Paragraph(text(self._ids.warning), s.note))
        story += self.listed()
        if png is not None:
            story += [Spacer(0, 4), image_flowable(png, self._width)]
        story += self.checklist()
        story += self.risks()
        story += self.drug_levels()
        story += self.annotations()
        story += self.decision()
        story += self.positions()
        story += self.monitoring()
        story += self.actions()
        story += self.notes()
        return story

    # --- why the case is listed -------------------------------------------------------------------

    def listed(self) -> list[Flowable]:
        """Why the case is on the list: a re-review with its reason and evidence, a carry-over."""
        d, s = self._d, self._s
        story: list[Flowable] = []
        carried = d.case.carried_from
        if carried is not None:
            story.append(
                Paragraph(
                    f"Carried over from the MDT of {carried.meeting_date:%d %b %Y}: "
                    f"{self._free(carried.reason)}",
                    s.note,
                )
            )
        review = d.rereview
        if review is None:
            return story
        colour = RESULT_COLOUR[TAG_RESULT[review.tag]]
        story.append(
            Paragraph(
                "Re-review after de-escalation — "
                f"<font color='#{colour}'><b>{escape(review.tag.label)}</b></font>",
                s.h2,
            )
        )
        head, *rest = review.lines()
        story.append(Paragraph(text(f"{review.reason}. {head}."), s.body))
        story += [Paragraph(f"• {text(line)}", s.small) for line in rest]
        return story

    # --- checklist and risks ----------------------------------------------------------------------

    def checklist(self) -> list[Flowable]:
        d = self._d
        overall = OVERALL_RESULT[d.overall]
        title = (
            "Re-review checklist — remission on the reduced regimen"
            if d.rereview is not None
            else "Remission checklist — objective remission"
        )
        heading = self._heading(
            f"{title}: "
            f"<font color='#{RESULT_COLOUR[overall]}'>{escape(OVERALL_TEXT[d.overall])}</font>"
        )
        rows: list[list[Flowable]] = [
            [self._p(h, "cell_bold") for h in ("Item", "Result", "Evidence", "Team")]
        ]
        rows += [self._checklist_row(answer) for answer in d.case.checklist]
        widths = [0.24, 0.12, 0.42, 0.22]
        table = Table(rows, colWidths=[w * self._width for w in widths], repeatRows=1)
        table.setStyle(grid_style(zebra=1))
        return [*heading, table]

    def _checklist_row(self, answer: ChecklistAnswer) -> list[Flowable]:
        result = answer.effective
        evidence = "<br/>".join(text(e.as_text()) for e in answer.evidence)
        if answer.note:
            evidence += ("<br/>" if evidence else "") + f"<i>{text(answer.note)}</i>"
        team = ""
        if answer.confirmed is not None:
            when = f" {answer.answered_at:%d %b %Y}" if answer.answered_at else ""
            team = (
                f"{escape(RESULT_TEXT[answer.confirmed])} — {user_text(answer.answered_by or '')}"
            )
            team += when
            if answer.override_reason:
                team += f"<br/><i>{self._free(answer.override_reason)}</i>"
        automatic = (
            ""
            if answer.confirmed is None or answer.confirmed == answer.automatic
            else f"<br/><font size=7>automatic: {escape(RESULT_TEXT[answer.automatic])}</font>"
        )
        return [
            self._p(text(answer.label)),
            self._p(
                f"<font color='#{RESULT_COLOUR[result]}'>{escape(RESULT_TEXT[result])}</font>"
                + automatic
            ),
            self._p(evidence or "—"),
            self._p(team or "<font color='#555555'>not confirmed</font>"),
        ]

    def risks(self) -> list[Flowable]:
        s = self._s
        heading = self._heading("Relapse risk factors")
        if not self._d.risks:
            return [*heading, Paragraph("None of the configured risk factors applies.", s.body)]
        rows = [
            [
                self._p(f"<b>{text(r.label)}</b>"),
                self._p(
                    text(r.detail)
                    + (f" [{escape(', '.join(r.sources))}]" if r.sources else "")
                    + _conflict_markup(r.conflict)
                ),
            ]
            for r in self._d.risks
        ]
        table = Table(rows, colWidths=[0.3 * self._width, 0.7 * self._width])
        table.setStyle(grid_style(header=False))
        return [*heading, table, Paragraph(text(self._caveat), s.note)]

    # --- drug levels ------------------------------------------------------------------------------

    def drug_levels(self) -> list[Flowable]:
        """Each recent drug level and antibody result with its assay and sample timing."""
        heading = self._heading(f"Drug levels and antibodies ({WINDOW_MONTHS} months)")
        d = self._d
        table = drug_level_table(
            d.record, d.meeting_date, self._sampling, self._p, self._width, self._assays
        )
        return [*heading, *table]

    def annotations(self) -> list[Flowable]:
        s = self._s
        heading = self._heading("Pharmacist's drug-level annotations")
        versions = sorted(self._d.annotations, key=lambda a: (a.collected_at, a.created_at))
        if not versions:
            return [*heading, Paragraph("No drug level has been annotated.", s.body)]
        current = {a.id for a in current_annotations(self._d.annotations)}
        rows: list[list[Flowable]] = [
            [
                self._p(h, "cell_bold")
                for h in ("Result", "Interpretation", "Comment and recommendation", "Pharmacist")
            ]
        ]
        rows += [self._annotation_row(a, a.id in current) for a in versions]
        widths = [0.2, 0.15, 0.45, 0.2]
        table = Table(rows, colWidths=[w * self._width for w in widths], repeatRows=1)
        table.setStyle(grid_style(zebra=1))
        return [*heading, table]

    def _annotation_row(self, note: Annotation, current: bool) -> list[Flowable]:
        label = ANALYTES[note.analyte].label
        result = f"{label} {note.observation_value} {note.observation_unit}"
        state = "" if current else "<br/><font color='#555555'>superseded by a revision</font>"
        body = self._free(note.comment)
        if note.recommendation:
            body += f"<br/><b>Recommendation:</b> {self._free(note.recommendation)}"
        return [
            self._p(f"{text(result)}<br/>{note.collected_at:%d %b %Y}"),
            self._p(escape(note.interpretation.label) + state),
            self._p(body or "—"),
            self._p(f"{user_text(note.pharmacist)}<br/>{note.created_at:%d %b %Y %H:%M}"),
        ]

    # --- decision ---------------------------------------------------------------------------------

    def decision(self) -> list[Flowable]:
        s, case = self._s, self._d.case
        heading = self._heading("Decision")
        decision = case.decision
        if decision is None:
            if case.status is not CaseStatus.DEFERRED:
                return [*heading, Paragraph("No decision has been recorded.", s.body)]
            reason = self._free(case.deferral_reason) or "no reason was recorded"
            state = f"Deferred to a later meeting without a decision. Reason: {reason}"
            return [*heading, Paragraph(state, s.body)]
        story: list[Flowable] = [*heading, self._decision_table(decision)]
        versions = (*case.earlier_decisions, decision)
        for earlier, amender in pairwise(versions):
            story.append(
                Paragraph(
                    f"Amended after sign-off by {user_text(amender.decided_by)} on "
                    f"{amender.decided_at:%d %b %Y %H:%M}: the decision recorded by "
                    f"{user_text(earlier.decided_by)} on {earlier.decided_at:%d %b %Y %H:%M} "
                    f"({escape(earlier.outcome.label)}{_next_review(earlier)}) was corrected. "
                    f"Reason: {self._free(amender.amendment_reason)}",
                    s.note,
                )
            )
        return story

    def _decision_table(self, decision: Decision) -> Table:
        rows: list[tuple[str, str]] = [("Outcome", f"<b>{escape(decision.outcome.label)}</b>")]
        if decision.outcome.changes_regimen and decision.target_regimen is not None:
            effective = (
                f" from {decision.effective_date:%d %b %Y}" if decision.effective_date else ""
            )
            rows.append(("Target regimen", text(decision.target_regimen.label) + effective))
            before = self._regimen_before(decision)
            if before is not None:
                rows.append(("Changes", text(_change_words(decision, before))))
        rows.append(("Rationale", self._free(decision.rationale) or "—"))
        rows.append(("Dissent", self._free(decision.dissent) or "None recorded"))
        if decision.next_review:
            rows.append(("Next review", f"{decision.next_review:%d %b %Y}"))
        rows.append(
            (
                "Recorded by",
                f"{user_text(decision.decided_by)}, {decision.decided_at:%d %b %Y %H:%M}",
            )
        )
        table = Table(
            [[self._p(f"<b>{label}</b>"), self._p(value)] for label, value in rows],
            colWidths=[0.2 * self._width, 0.8 * self._width],
        )
        table.setStyle(grid_style(header=False))
        return table

    def _regimen_before(self, decision: Decision) -> Regimen | None:
        """The regimen the decision changes from (the one the meeting reviewed)."""
        summary = self._d.summary
        current = summary.anti_tnf.regimen if summary.anti_tnf else None
        if current is not None and current != decision.target_regimen:
            return current
        return summary.previous_regimen  # the change has already started on the meeting date

    # --- attendees' positions ---------------------------------------------------------------------

    def positions(self) -> list[Flowable]:
        """Each attendee's position on the decision (staff names are never pseudonymised)."""
        case = self._d.case
        if case.decision is None:
            return []
        heading = self._heading(
            "Attendees' positions"
            + (f" — {escape(tally(case.positions).text)}" if case.positions else "")
        )
        if not case.positions:
            return [*heading, Paragraph("No positions were recorded.", self._s.body)]
        rows: list[list[Flowable]] = [
            [self._p(h, "cell_bold") for h in ("Name", "Role", "Position", "Comment")]
        ]
        rows += [
            [
                self._p(user_text(p.name)),
                self._p(text(p.role.label)),
                self._p(
                    f"<font color='#{POSITION_COLOUR[p.position]}'>"
                    f"{escape(p.position.label)}</font>"
                ),
                self._p(self._free(p.comment) or "—"),
            ]
            for p in case.positions
        ]
        widths = [0.28, 0.22, 0.13, 0.37]
        table = Table(rows, colWidths=[w * self._width for w in widths], repeatRows=1)
        table.setStyle(grid_style(zebra=1))
        last = max(case.positions, key=lambda p: p.recorded_at)
        by = f" by {user_text(last.recorded_by)}" if last.recorded_by else ""
        story: list[Flowable] = [*heading, table]
        story.append(Paragraph(f"Recorded{by}, {last.recorded_at:%d %b %Y %H:%M}.", self._s.note))
        story += [
            Paragraph(text(note), self._s.note)
            for note in position_notes(case.decision, case.positions, ())
        ]
        return story

    # --- monitoring, actions, notes ---------------------------------------------------------------

    def monitoring(self) -> list[Flowable]:
        decision = self._d.case.decision
        if decision is None or not decision.monitoring:
            return []
        rows: list[list[Flowable]] = [[self._p(h, "cell_bold") for h in ("Check", "Due")]]
        rows += [
            [self._p(user_text(check.label)), self._p(f"{check.due:%d %b %Y}")]
            for check in decision.monitoring
        ]
        table = Table(rows, colWidths=[0.8 * self._width, 0.2 * self._width], repeatRows=1)
        table.setStyle(grid_style(zebra=1))
        return [*self._heading("Monitoring plan"), table]

    def actions(self) -> list[Flowable]:
        s = self._s
        heading = self._heading("Actions")
        if not self._d.case.actions:
            return [*heading, Paragraph("No actions.", s.body)]
        rows: list[list[Flowable]] = [
            [self._p(h, "cell_bold") for h in ("Action", "Owner", "Due", "Status")]
        ]
        for action in self._d.case.actions:
            due = f"{action.due:%d %b %Y}" if action.due else "—"
            done = f"done {action.done_at:%d %b %Y}" if action.done_at else "open"
            rows.append(
                [
                    self._p(self._free(action.description)),
                    self._p(user_text(action.owner)),
                    self._p(due),
                    self._p(done),
                ]
            )
        widths = [0.5, 0.24, 0.13, 0.13]
        table = Table(rows, colWidths=[w * self._width for w in widths], repeatRows=1)
        table.setStyle(grid_style(zebra=1))
        return [*heading, table]

    def notes(self) -> list[Flowable]:
        notes = self._d.case.notes
        if not notes:
            return []
        story: list[Flowable] = self._heading("Notes")
        story += [
            Paragraph(
                f"<b>{user_text(n.author)}</b>, {n.created_at:%d %b %Y %H:%M}: "
                f"{self._free(n.text)}",
                self._s.body,
            )
            for n in notes
        ]
        return story


def _change_words(decision: Decision, before: Regimen) -> str:
    """E.g. ``Re-escalation from Infliximab IV 5 mg/kg every 8 weeks: the de-escalation fails``."""
    if decision.outcome is Outcome.RE_ESCALATE:
        return (
            f"Re-escalation from {before.label}: the de-escalation ends as a failure on the "
            "effective date, and the follow-up list watches for recapture"
        )
    return f"De-escalation from {before.label}"


def _next_review(decision: Decision) -> str:
    return f", next review {decision.next_review:%d %b %Y}" if decision.next_review else ""
