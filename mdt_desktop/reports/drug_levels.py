"""The minutes' drug-level table: each result with its assay and when it was taken.

For the case's drug-level and anti-drug antibody results in the ``WINDOW_MONTHS`` before the
meeting, newest first: when it was sampled, the result, the assay that measured it (antibody
units belong to one assay) and the sample's timing against the scheduled doses (a trough, or a
peak/intermediate level not read against the trough target; domain/sampling.py). An antibody
result carries its reading under the value — detected, not detected, or unknown (cannot be
read), with why — from the configured assay cut-offs and the laboratory's flag
(docs/clinical.md, "Antibodies").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from reportlab.platypus import Flowable, Paragraph, Table

from mdt_desktop.domain.antibodies import AntibodyAssay, AntibodyState, interpret
from mdt_desktop.domain.catalogue import DRUG_LEVEL_ANALYTES
from mdt_desktop.domain.enums import Analyte
from mdt_desktop.domain.records import Observation, PatientRecord
from mdt_desktop.domain.sampling import SampleTiming, SamplingRules, result_name, sample_timing
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH
from mdt_desktop.reports.markup import text as _text
from mdt_desktop.reports.markup import user_text
from mdt_desktop.reports.styles import BAD, MUTED, grid_style

WINDOW_MONTHS = 12
SHOWN = (*DRUG_LEVEL_ANALYTES, Analyte.ANTI_DRUG_ANTIBODIES)
HEADINGS = ("Sampled", "Result", "Assay", "Sample timing")
WIDTHS = (0.14, 0.22, 0.2, 0.44)
_GREY = MUTED.hexval()[2:]
_RED = BAD.hexval()[2:]
READING_WORDS = {
    AntibodyState.DETECTED: "Detected",
    AntibodyState.NOT_DETECTED: "Not detected",
    AntibodyState.UNKNOWN: "Unknown — cannot be read",
}


def recent_levels(record: PatientRecord, meeting: date) -> list[Observation]:
    """The drug-level and antibody results of the window before *meeting*, newest first."""
    since = meeting - timedelta(days=round(WINDOW_MONTHS * DAYS_PER_MONTH))
    chosen = [
        o
        for o in record.observations
        if o.analyte in SHOWN and since <= o.collected_at.date() <= meeting
    ]
    return sorted(chosen, key=lambda o: o.collected_at, reverse=True)


def antibody_markup(observation: Observation, assays: tuple[AntibodyAssay, ...]) -> str:
    """The reading of an antibody result for its cell: the state in bold, then why."""
    reading = interpret(observation, assays)
    word = READING_WORDS[reading.state]
    colour = {AntibodyState.DETECTED: _RED, AntibodyState.UNKNOWN: _GREY}.get(reading.state)
    head = f"<font color='#{colour}'><b>{word}</b></font>" if colour else f"<b>{word}</b>"
    return f"{head}: {_text(reading.reason)}"


def drug_level_rows(
    record: PatientRecord,
    meeting: date,
    rules: SamplingRules | None,
    cell: Callable[[str], Paragraph],
    assays: tuple[AntibodyAssay, ...] = (),
) -> list[list[Paragraph]]:
    """The table's rows (heading first); *cell* makes a paragraph of markup.

    *assays* are the antibody positivity cut-offs each antibody result is read against.
    """
    rows = [[cell(f"<b>{h}</b>") for h in HEADINGS]]
    for o in recent_levels(record, meeting):
        timing = sample_timing(o, record.medications, rules) if rules else None
        if timing is None:
            when = f"<font color='#{_GREY}'>not assessed</font>"
        elif timing.timing is SampleTiming.TROUGH:
            when = _text(timing.text)
        else:  # the verdict in bold: this one is not read against the trough target
            verdict, _, rest = timing.text.partition(":")
            when = f"<b>{_text(verdict)}:</b>{_text(rest)}"
        assay = user_text(o.assay) if o.assay else f"<font color='#{_GREY}'>not reported</font>"
        result = _text(f"{result_name(o.analyte)} {o.display_value} {o.unit}")
        if o.analyte is Analyte.ANTI_DRUG_ANTIBODIES:
            result += f"<br/>{antibody_markup(o, assays)}"
        rows.append(
            [
                cell(f"{o.collected_at:%d %b %Y %H:%M}"),
                cell(result),
                cell(assay),
                cell(when),
            ]
        )
    return rows


def drug_level_table(
    record: PatientRecord,
    meeting: date,
    rules: SamplingRules | None,
    cell: Callable[[str], Paragraph],
    width: float,
    assays: tuple[AntibodyAssay, ...] = (),
) -> list[Flowable]:
    """The table, or a line saying there is nothing to list."""
    rows = drug_level_rows(record, meeting, rules, cell, assays)
    if len(rows) == 1:
        months = f"the {WINDOW_MONTHS} months before the meeting"
        return [cell(f"No drug level or antibody result in {months}.")]
    table = Table(rows, colWidths=[w * width for w in WIDTHS], repeatRows=1)
    table.setStyle(grid_style(zebra=1))
    return [table]
