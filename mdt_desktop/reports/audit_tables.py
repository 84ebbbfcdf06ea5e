"""The tables of the audit report, each for a frame *width* points wide.

Headline figures, the comparison with published results, splits by drug and diagnosis, why
follow-up ended without failure (censoring), the baseline table, the drug burden avoided and the
sources cited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from mdt_desktop.domain.outcome_audit import (
    AuditFigures,
    BaselineRow,
    DrugBurden,
    OutcomeAudit,
    censoring_rows,
)
from mdt_desktop.domain.published import PublishedResult
from mdt_desktop.domain.thresholds import Source
from mdt_desktop.reports.markup import text
from mdt_desktop.reports.styles import Styles, grid_style

DASH = "–"


def months(value: float | None) -> str:
    """Return e.g. ``3.8 months``, or a dash."""
    return DASH if value is None else f"{value:.1f} months"


def share(part: int, whole: int) -> str:
    """Return e.g. ``16/24 (66.7%)``, or ``0/0`` without a percentage."""
    if not whole:
        return f"{part}/{whole}"
    return f"{part}/{whole} ({100 * part / whole:.1f}%)"


def km_at(figures: AuditFigures, month: float) -> str:
    """Return the Kaplan–Meier estimate at *month* with its band, e.g. ``73.1% (52.8–85.7)``."""
    if not figures.de_escalations:
        return DASH
    lower, upper = figures.km.band_at(month)
    return f"{100 * figures.km.at(month):.1f}% ({100 * lower:.1f}–{100 * upper:.1f})"


def _table(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    styles: Styles,
    *,
    header: bool = True,
    numeric_from: int | None = None,
) -> Table:
    """A grid of paragraphs (so long cells wrap); the first row bold when *header*."""
    cells = [
        [
            Paragraph(f"<b>{value}</b>" if header and index == 0 else value, styles.cell)
            for value in row
        ]
        for index, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=list(widths), repeatRows=1 if header else 0)
    style = grid_style(header=header, zebra=1 if header else 0)
    if numeric_from is not None:
        style.add("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT")
    table.setStyle(style)
    return table


def headline(audit: OutcomeAudit, styles: Styles, width: float) -> Table:
    """The contract figures of ``audit --json`` as a two-column table."""
    f = audit.overall
    window = audit.rules.failure_months
    rows = [
        ("De-escalation episodes", str(f.de_escalations)),
        ("Patients", str(f.patients)),
        (f"Evaluable at {window:g} months", str(f.evaluable_12m)),
        (f"Maintained at {window:g} months", share(f.maintained_12m, f.evaluable_12m)),
        (f"Failed within {window:g} months", str(f.failed_12m)),
        (
            f"Median time to failure (failures within {window:g} months)",
            months(f.median_months_to_failure),
        ),
        (f"Kaplan–Meier estimate at {window:g} months (95% CI)", km_at(f, window)),
        ("Re-escalated", str(f.re_escalated)),
        ("Recaptured after re-escalation", share(f.recaptured, f.re_escalated)),
        ("Lost to follow-up (censored at the last contact)", str(f.lost_to_follow_up)),
    ]
    return _table(
        [(text(k), f"<b>{text(v)}</b>") for k, v in rows],
        (0.62 * width, 0.38 * width),
        styles,
        header=False,
    )


def comparison(
    audit: OutcomeAudit,
    published: Sequence[PublishedResult],
    sources: Mapping[str, Source],
    styles: Styles,
    width: float,
) -> list[Flowable]:
    """This audit beside each published result: n, the figure, and the full citation."""
    f = audit.overall
    window = audit.rules.failure_months
    rows: list[Sequence[str]] = [("Study", "n", "Result", "Source")]
    rows.append(
        (
            "<b>This audit</b> (all de-escalations)",
            str(f.evaluable_12m),
            text(
                f"{share(f.maintained_12m, f.evaluable_12m)} maintained at {window:g} months "
                f"(evaluable episodes); Kaplan–Meier {km_at(f, window)}"
            ),
            "MDT Desktop audit",
        )
    )
    for result in published:
        rows.append(
            (
                text(f"{result.label} ({result.kind.value})"),
                str(result.n) if result.n is not None else "not stated",
                text(
                    f"{result.reported}. Maintained {result.maintained_pct:.1f}% "
                    f"{result.when()} ({result.evidence.value})"
                ),
                _citations(result.sources, sources),
            )
        )
    story: list[Flowable] = [
        _table(rows, [w * width for w in (0.25, 0.08, 0.34, 0.33)], styles),
        Spacer(0, 2),
    ]
    notes = [f"{text(r.short_label)} {r.tags}: {text(r.note)}" for r in published if r.note]
    story += [Paragraph(note, styles.note) for note in notes]
    return story


def _citations(tags: Iterable[str], sources: Mapping[str, Source]) -> str:
    parts = []
    for tag in tags:
        source = sources.get(tag)
        parts.append(f"[{tag}] {text(source.citation) if source else 'unknown source'}")
    return "<br/>".join(parts)


def splits(
    groups: Mapping[str, AuditFigures], window: float, styles: Styles, width: float
) -> Table:
    """One row per group: episodes, 12-month figures, Kaplan–Meier, failures and recapture."""
    header = (
        "Group",
        "Episodes",
        "Patients",
        f"Maintained at {window:g} months",
        f"Kaplan–Meier at {window:g} months (95% CI)",
        "Median time to failure",
        "Re-escalated (recaptured)",
    )
    rows: list[Sequence[str]] = [header]
    for label, f in groups.items():
        rows.append(
            (
                text(label),
                str(f.de_escalations),
                str(f.patients),
                share(f.maintained_12m, f.evaluable_12m),
                km_at(f, window),
                months(f.median_months_to_failure),
                f"{f.re_escalated} ({f.recaptured})",
            )
        )
    fractions = (0.17, 0.1, 0.09, 0.15, 0.2, 0.13, 0.16)
    return _table(rows, [w * width for w in fractions], styles)


def censoring(figures: AuditFigures, styles: Styles, width: float) -> Table:
    """Every reason follow-up ended without failure, with its count and what it means."""
    rows: list[Sequence[str]] = [("Censored because", "Episodes", "What it means")]
    rows += [
        (text(row.reason.label), str(row.count), text(row.detail))
        for row in censoring_rows(figures)
    ]
    return _table(rows, [w * width for w in (0.3, 0.12, 0.58)], styles)


def baseline(rows: Sequence[BaselineRow], styles: Styles, width: float) -> Table:
    """Successes against failures before de-escalation, with p-values and the test used."""
    table: list[Sequence[str]] = [("Before de-escalation", "Successes", "Failures", "p", "Test")]
    for row in rows:
        table.append(
            (
                text(row.label),
                text(row.successes),
                text(row.failures),
                p_value(row.p_value),
                text(row.test),
            )
        )
    fractions = (0.3, 0.22, 0.22, 0.08, 0.18)
    return _table(table, [w * width for w in fractions], styles)


def p_value(value: float | None) -> str:
    """Return e.g. ``0.03``, ``< 0.001`` or a dash."""
    if value is None:
        return DASH
    if value < 0.001:
        return "&lt; 0.001"
    return f"{value:.3f}" if value < 0.01 else f"{value:.2f}"


def burden(value: DrugBurden, styles: Styles, width: float) -> Table:
    """Administrations avoided on the reduced regimens, and their cost when priced."""
    rows = [
        ("Administrations avoided", f"{value.administrations_avoided:.0f}"),
        ("Patient-years on reduced regimens", f"{value.patient_years:.1f}"),
        ("Administrations avoided per patient-year", f"{value.per_patient_year:.1f}"),
    ]
    if value.cost_per_administration is not None and value.cost_avoided is not None:
        rows += [
            ("Cost per administration (as given)", f"{value.cost_per_administration:,.2f}"),
            ("Cost avoided", f"{value.cost_avoided:,.0f}"),
        ]
    return _table(rows, (0.62 * width, 0.38 * width), styles, header=False)


def source_list(
    tags: Iterable[str], sources: Mapping[str, Source], styles: Styles, width: float
) -> Table:
    """The sources the report cites, with their addresses."""
    rows: list[Sequence[str]] = [("Tag", "Citation")]
    for tag in sorted(set(tags), key=_tag_order):
        source = sources.get(tag)
        if source is None:
            continue
        where = f"<br/>{text(source.url)}" if source.url else ""
        rows.append((tag, f"{text(source.citation)}{where}"))
    return _table(rows, (0.1 * width, 0.9 * width), styles)


def _tag_order(tag: str) -> tuple[int, str]:
    digits = "".join(c for c in tag if c.isdigit())
    return (int(digits) if digits and tag.startswith("S") else 10_000, tag)
