"""The de-escalation outcome audit as a PDF (``mdt-desktop audit --out FILE.pdf``).

Headline figures, the Kaplan–Meier curve with the published results it is compared with, the
reasons for failure, why follow-up ended without failure (censoring), the comparison table,
splits by drug and diagnosis, the baseline table, the drug burden avoided, definitions and a
note on censoring (docs/clinical.md, "Outcome audit"). The figures are the audit screen's
(``mdt_desktop.plots.outcomes``) in the print style; the document reuses the minutes' fonts,
styles and page marks and is written atomically: a failed build leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PilImage
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
)

from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.outcome_audit import OutcomeAudit
from mdt_desktop.domain.thresholds import Threshold
from mdt_desktop.plots.outcomes import failure_reasons_figure, survival_figure
from mdt_desktop.plots.style import PRINT
from mdt_desktop.reports import audit_tables as tables
from mdt_desktop.reports.figures import DPI, image_flowable
from mdt_desktop.reports.markup import text
from mdt_desktop.reports.minutes import BuildOptions, Cancelled
from mdt_desktop.reports.page import (
    MARGIN_X,
    PAGE,
    DocumentInfo,
    PageMarks,
    write_pdf,
)
from mdt_desktop.reports.styles import Styles, make_styles

TITLE = "De-escalation outcome audit"
SUBJECT = "Outcomes after de-escalation of dose-intensified anti-TNF therapy"
CONFIDENTIALITY = "Confidential — service audit of aggregate figures; no patient identifiers"
FIGURE_WIDTH_IN = 7.0  # the A4 text width (178 mm)
BASELINE_KEY = "audit_baseline_window"
RULE_KEYS = (
    "failure_window",
    "recapture_window",
    "recapture_calprotectin",
    "recapture_crp",
    "lost_to_follow_up_after",
    "dose_gap_tolerance",
)


def build_audit_report(
    audit: OutcomeAudit,
    target: Path,
    config: ClinicalConfig,
    options: BuildOptions | None = None,
) -> int:
    """Write the audit report of *audit* to *target* and return its number of pages.

    Args:
        audit: From ``OutcomeService.audit``.
        target: The PDF to write (replaced atomically; folders are created).
        config: The clinical configuration: thresholds, sources and published results.
        options: Author, fixed time and invariant bytes (tests), progress and cancel hooks.

    Raises:
        Cancelled: The options' cancel hook said so; nothing was written.
    """
    options = options or BuildOptions()
    report = _Report(audit, config, options)
    return report.write(report.story(), target)


class _Report:
    """Styles, figures and sections of one audit report."""

    def __init__(self, audit: OutcomeAudit, config: ClinicalConfig, options: BuildOptions) -> None:
        self.audit = audit
        self.config = config
        self.options = options
        self.styles: Styles = make_styles()
        self.width = PAGE[0] - 2 * MARGIN_X
        self.generated = options.generated or datetime.now().replace(microsecond=0)
        self.cited: set[str] = set()

    def _step(self, done: int, total: int, what: str) -> None:
        if self.options.cancelled is not None and self.options.cancelled():
            raise Cancelled("Export cancelled; no file was written.")
        if self.options.progress is not None:
            self.options.progress(done, total, what)

    def story(self) -> list[Flowable]:
        """Every section in reading order."""
        self._step(0, 4, "Drawing the survival curve")
        story = self._opening()
        self._step(1, 4, "Drawing the failure reasons")
        story += self._failures()
        story += self._censoring()
        story += self._comparison()
        self._step(2, 4, "Drawing the splits by drug and diagnosis")
        story += self._splits()
        story += self._baseline()
        story += self._burden()
        story += self._sources()
        self._step(3, 4, "Laying out the document")
        return story

    # --- sections -------------------------------------------------------------------------------

    def _opening(self) -> list[Flowable]:
        s, audit = self.styles, self.audit
        window = audit.rules.failure_months
        story: list[Flowable] = [
            Paragraph(TITLE, s.title),
            Paragraph(
                f"As of <b>{audit.as_of:%d %B %Y}</b> · produced {self.generated:%d %b %Y %H:%M} "
                "by MDT Desktop",
                s.small,
            ),
            Spacer(0, 4),
            *self._definitions(),
            Paragraph("Headline figures", s.h2),
            tables.headline(audit, s, self.width),
            Spacer(0, 4),
            Paragraph(
                "Remaining de-escalated: Kaplan–Meier estimate, with published results", s.h2
            ),
        ]
        published = self.config.published
        self.cited.update(tag for result in published for tag in result.sources)
        figure = survival_figure(
            [("All de-escalations", audit.overall)],
            published,
            PRINT,
            (FIGURE_WIDTH_IN, 4.4),
            guide_months=window,
        )
        story.append(self._picture(figure))
        story.append(Paragraph(self._censoring_note(), s.note))
        return story

    def _censoring_note(self) -> str:
        window = self.audit.rules.failure_months
        return text(
            "Censoring: an episode without failure leaves the curve (a tick) when its follow-up "
            "ends: at the audit date, when the drug was stopped for a reason other than lack of "
            "effect (or with no reason recorded), when the route changed, or at the last contact "
            "of a patient lost to follow-up (see the table below). A further reduction while "
            "still de-escalated continues the same episode. The Kaplan–Meier estimate uses every "
            f"episode; the proportion maintained at {window:g} months counts only evaluable "
            f"episodes (failed within {window:g} months, or followed for {window:g}), so the two "
            "can differ. Numbers at risk are episodes still followed without failure at each "
            "month."
        )

    def _censoring(self) -> list[Flowable]:
        s = self.styles
        figures = self.audit.overall
        return [
            KeepTogether(
                [
                    Paragraph("Why follow-up ended without failure", s.h2),
                    tables.censoring(figures, s, self.width),
                    Spacer(0, 2),
                    Paragraph(
                        text(
                            "A stop for an adverse event, pregnancy, the patient's choice or any "
                            "reason other than lack of effect censors the episode on its date; a "
                            "stop with no reason recorded is censored too and counted apart, to "
                            "be chased. A rescue infusion (a single dose) is not a failure by "
                            "itself."
                        ),
                        s.note,
                    ),
                ]
            )
        ]

    def _failures(self) -> list[Flowable]:
        figures = self.audit.overall
        window = self.audit.rules.failure_months
        story: list[Flowable] = [
            Paragraph(f"Reasons for failure within {window:g} months", self.styles.h2)
        ]
        if not figures.failed_12m:
            story.append(Paragraph(f"No failure within {window:g} months.", self.styles.body))
            return story
        figure = failure_reasons_figure(
            figures, PRINT, (FIGURE_WIDTH_IN, 2.2), window_months=window
        )
        story.append(self._picture(figure))
        story.append(
            Paragraph(
                "Each failure counts once, under its first reason (the earliest event; on the "
                "same day in the order shown).",
                self.styles.note,
            )
        )
        return [KeepTogether(story)]

    def _comparison(self) -> list[Flowable]:
        published = self.config.published
        story: list[Flowable] = [
            CondPageBreak(120),
            Paragraph("Comparison with published results", self.styles.h2),
        ]
        if not published:
            story.append(Paragraph("No published results are configured.", self.styles.body))
            return story
        story += tables.comparison(
            self.audit, published, self.config.sources, self.styles, self.width
        )
        story.append(
            Paragraph(
                text(
                    "Published studies differ from this audit in population, drugs, definitions "
                    "of failure and follow-up; the comparison is a guide, not a test. Results "
                    "reported as relapse are shown as 100% minus relapse (evidence: derived)."
                ),
                self.styles.note,
            )
        )
        return story

    def _splits(self) -> list[Flowable]:
        s, audit = self.styles, self.audit
        window = audit.rules.failure_months
        story: list[Flowable] = [CondPageBreak(200), Paragraph("By drug and by diagnosis", s.h2)]
        for title, groups in (("Drug", audit.by_drug), ("Diagnosis", audit.by_diagnosis)):
            if not groups:
                continue
            curves = [("All", audit.overall), *groups.items()]
            figure = survival_figure(
                curves, (), PRINT, (FIGURE_WIDTH_IN, 3.2 + 0.2 * len(groups)), guide_months=window
            )
            story.append(
                KeepTogether(
                    [
                        Paragraph(f"By {title.lower()}", s.h3),
                        Spacer(0, 2),
                        tables.splits(groups, window, s, self.width),
                        Spacer(0, 4),
                        self._picture(figure),
                    ]
                )
            )
            story.append(Spacer(0, 6))
        if len(story) == 2:
            story.append(Paragraph("No de-escalation episodes.", s.body))
        return story

    def _baseline(self) -> list[Flowable]:
        s, window = self.styles, self.audit.rules.failure_months
        story: list[Flowable] = [
            CondPageBreak(150),
            Paragraph(f"Before de-escalation: maintained vs failed at {window:g} months", s.h2),
        ]
        if not self.audit.baseline:
            story.append(Paragraph("No evaluable episodes to compare.", s.body))
            return story
        story += [tables.baseline(self.audit.baseline, s, self.width), Spacer(0, 2)]
        story.append(Paragraph(self._baseline_note(), s.note))
        return story

    def _baseline_note(self) -> str:
        window = self.audit.rules.failure_months
        recent = self.config.thresholds.values.get(BASELINE_KEY)
        latest = "the latest result before the first reduced dose"
        if recent is not None:
            self.cited.update(recent.sources)
            latest = (
                f"the latest result within {_value(recent)} {_tags(recent.sources)} before the "
                "first reduced dose"
            )
        return (
            text(
                f"Successes were maintained at {window:g} months; failures failed within "
                f"{window:g} months; episodes not yet evaluable are left out. Measurements are "
            )
            + latest
            + text(
                ": median (Q1–Q3) with the Mann–Whitney U test; yes/no features n/N (%) with "
                "Fisher's exact test. p-values are not corrected for multiple comparisons; "
                "small groups have little power."
            )
        )

    def _burden(self) -> list[Flowable]:
        s = self.styles
        return [
            KeepTogether(
                [
                    Paragraph("Drug burden avoided", s.h2),
                    tables.burden(self.audit.burden, s, self.width),
                    Spacer(0, 2),
                    Paragraph(
                        text(
                            "Administrations (infusions or injections) a year on the regimen "
                            "before de-escalation minus those on the reduced regimen, for as "
                            "long as the reduced regimen lasted (to failure, else to the end of "
                            "follow-up). A reduction of dose alone avoids drug, not "
                            "administrations."
                        ),
                        s.note,
                    ),
                ]
            )
        ]

    def _definitions(self) -> list[Flowable]:
        s = self.styles
        rules = self.config.thresholds
        window = rules["failure_window"]
        recapture = rules["recapture_window"]
        calprotectin = rules["recapture_calprotectin"]
        crp = rules["recapture_crp"]
        lost = rules["lost_to_follow_up_after"]
        gap = rules["dose_gap_tolerance"]
        self.cited.update(tag for key in RULE_KEYS for tag in rules[key].sources)
        lines = [
            "<b>De-escalation</b>: a change to a lower-intensity regimen of the same anti-TNF "
            "drug (by dose or by interval), decided in the MDT or imported.",
            f"<b>Failure</b> within {_value(window)} {_tags(window.sources)}: re-escalation, "
            "clinical-trial enrolment, a systemic steroid course, IBD surgery, or stopping the "
            "drug for lack or loss of effect (Little et al.'s definition), whichever came first.",
            "<b>Course</b>: periods of one molecule (intravenous and subcutaneous infliximab are "
            "one) join when the next starts within the longer dosing interval plus "
            f"{_value(gap)} {_tags(gap.sources)}; induction (recorded, or a denser regimen "
            "within the label's induction at the start of a course) is never compared.",
            f"<b>Lost to follow-up</b>: no result, recorded dose, procedure or discussed MDT "
            f"review for {_value(lost)} {_tags(lost.sources)} before the audit date; the episode "
            "is censored at the last contact.",
            f"<b>Recapture</b>: after a re-escalation, faecal calprotectin "
            f"{_value(calprotectin)} {_tags(calprotectin.sources)} and CRP {_value(crp)} "
            f"{_tags(crp.sources)} both back in range within {_value(recapture)} "
            f"{_tags(recapture.sources)}.",
            f"<b>Evaluable</b> at {_value(window)}: failed by then, or followed at least that "
            "long. Months are days / 30.4375.",
        ]
        return [Paragraph("Definitions", s.h2), *(Paragraph(line, s.body) for line in lines)]

    def _sources(self) -> list[Flowable]:
        s = self.styles
        return [
            CondPageBreak(100),
            Paragraph("Sources", s.h2),
            tables.source_list(self.cited, self.config.sources, s, self.width),
        ]

    # --- output ---------------------------------------------------------------------------------

    def _picture(self, figure: Figure) -> Flowable:
        return image_flowable(render(figure), self.width)

    def write(self, story: list[Flowable], path: Path) -> int:
        """Lay *story* out into *path* (atomically) and return the page count."""
        marks = PageMarks(
            running_title=f"{TITLE} · as of {self.audit.as_of:%d %b %Y}",
            confidentiality=CONFIDENTIALITY,
        )
        title = f"{TITLE}, as of {self.audit.as_of:%d %b %Y}"
        info = DocumentInfo(title, SUBJECT, self.options.author, invariant=self.options.invariant)
        pages = write_pdf(story, path, marks, info)
        if self.options.progress is not None:
            self.options.progress(4, 4, f"Written {path.name}")
        return pages


def render(figure: Figure) -> PilImage.Image:
    """The pixels of *figure* at the documents' resolution (200 dpi)."""
    figure.set_dpi(DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    rgba = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    return PilImage.fromarray(np.ascontiguousarray(rgba[..., :3]), mode="RGB")


def _value(threshold: Threshold) -> str:
    return text(threshold.describe())


def _tags(tags: Iterable[str]) -> str:
    return "[" + ", ".join(tags) + "]"
