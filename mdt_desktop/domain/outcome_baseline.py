"""Characteristics at de-escalation: successes against failures, as Little et al. reported them.

Only evaluable episodes count: a *success* was still on the reduced regimen at the end of the
failure window, a *failure* failed within it. Measured at de-escalation (the latest result in
the configured window before the first reduced dose): faecal calprotectin, CRP and the drug's
trough level, each as median (IQR), compared with the two-sided Mann–Whitney U test. Features:
a concomitant immunomodulator that day, ulcerative colitis, and for Crohn's disease a
stricturing or penetrating phenotype (Montreal B2/B3) and perianal disease, each as n/N (%),
compared with Fisher's exact test.

The tests come from scipy, imported when a table is made: importing ``scipy.stats`` costs
about 0.7 s, which nothing else in the program should pay.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from mdt_desktop.domain.catalogue import ANALYTES, DRUGS
from mdt_desktop.domain.enums import Analyte, DrugClass, IbdType
from mdt_desktop.domain.outcome_audit import BaselineRow
from mdt_desktop.domain.outcomes import Episode, OutcomeRules
from mdt_desktop.domain.records import PatientRecord

MANN_WHITNEY = "Mann–Whitney U"
FISHER = "Fisher exact"
# Montreal behaviours that are not purely inflammatory (B1): stricturing and penetrating.
COMPLICATED_BEHAVIOURS = frozenset({"B2", "B3"})
LEVELS = (Analyte.INFLIXIMAB_LEVEL, Analyte.ADALIMUMAB_LEVEL)


@dataclass(frozen=True, slots=True)
class EpisodeBaseline:
    """What one episode's patient looked like on the day of de-escalation.

    A measurement is None when there was no result in the window; a Crohn's-only feature is
    None for other diagnoses.
    """

    calprotectin: float | None
    crp: float | None
    level_analyte: Analyte | None
    drug_level: float | None
    immunomodulator: bool
    ulcerative_colitis: bool
    complicated_behaviour: bool | None
    perianal: bool | None


def baseline_of(record: PatientRecord, episode: Episode, window_days: float) -> EpisodeBaseline:
    """The characteristics of *episode* (of *record*), results no older than *window_days*."""
    start = datetime.combine(episode.start, time.min)
    earliest = start - timedelta(days=window_days)
    latest: dict[Analyte, float] = {}
    for observation in sorted(record.observations, key=lambda o: o.collected_at):
        if earliest < observation.collected_at and observation.collected_at.date() <= episode.start:
            latest[observation.analyte] = observation.value
    crohns = record.patient.ibd_type is IbdType.CROHNS
    montreal = record.patient.montreal
    level = DRUGS[episode.drug].level_analyte
    return EpisodeBaseline(
        calprotectin=latest.get(Analyte.FAECAL_CALPROTECTIN),
        crp=latest.get(Analyte.CRP),
        level_analyte=level,
        drug_level=latest.get(level) if level is not None else None,
        immunomodulator=any(
            m.active_on(episode.start)
            for m in record.medications_of_class(DrugClass.IMMUNOMODULATOR)
        ),
        ulcerative_colitis=record.patient.ibd_type is IbdType.UC,
        complicated_behaviour=montreal.behaviour in COMPLICATED_BEHAVIOURS if crohns else None,
        perianal=montreal.perianal if crohns else None,
    )


Pair = tuple[Episode, EpisodeBaseline]


def baseline_table(pairs: Sequence[Pair], rules: OutcomeRules) -> tuple[BaselineRow, ...]:
    """The baseline table over the evaluable episodes of *pairs*."""
    window = rules.failure_months
    successes = [b for e, b in pairs if e.maintained_at(window)]
    failures = [b for e, b in pairs if e.failed_within(window)]
    measured: list[tuple[str, Callable[[EpisodeBaseline], float | None]]] = [
        (_label(Analyte.FAECAL_CALPROTECTIN), lambda b: b.calprotectin),
        (_label(Analyte.CRP), lambda b: b.crp),
        *((_label(a), _level_of(a)) for a in LEVELS),
    ]
    features: list[tuple[str, Callable[[EpisodeBaseline], bool | None]]] = [
        ("Concomitant immunomodulator", lambda b: b.immunomodulator),
        ("Stricturing or penetrating (B2/B3), Crohn's", lambda b: b.complicated_behaviour),
        ("Perianal disease, Crohn's", lambda b: b.perianal),
        ("Ulcerative colitis", lambda b: b.ulcerative_colitis),
    ]
    return (
        *(_measured_row(label, successes, failures, get) for label, get in measured),
        *(_feature_row(label, successes, failures, get) for label, get in features),
    )


def _label(analyte: Analyte) -> str:
    info = ANALYTES[analyte]
    return f"{info.label} ({info.unit})"


def _level_of(analyte: Analyte) -> Callable[[EpisodeBaseline], float | None]:
    return lambda b: b.drug_level if b.level_analyte is analyte else None


def _measured_row(
    label: str,
    successes: Sequence[EpisodeBaseline],
    failures: Sequence[EpisodeBaseline],
    get: Callable[[EpisodeBaseline], float | None],
) -> BaselineRow:
    ok = [v for v in map(get, successes) if v is not None]
    failed = [v for v in map(get, failures) if v is not None]
    p_value = None
    if ok and failed:
        from scipy.stats import mannwhitneyu

        p_value = _probability(mannwhitneyu(ok, failed, alternative="two-sided").pvalue)
    return BaselineRow(label, _median_iqr(ok), _median_iqr(failed), p_value, MANN_WHITNEY)


def _feature_row(
    label: str,
    successes: Sequence[EpisodeBaseline],
    failures: Sequence[EpisodeBaseline],
    get: Callable[[EpisodeBaseline], bool | None],
) -> BaselineRow:
    ok = [v for v in map(get, successes) if v is not None]
    failed = [v for v in map(get, failures) if v is not None]
    p_value = None
    if ok and failed:
        from scipy.stats import fisher_exact

        table = [[sum(ok), len(ok) - sum(ok)], [sum(failed), len(failed) - sum(failed)]]
        p_value = _probability(fisher_exact(table).pvalue)
    return BaselineRow(label, _proportion(ok), _proportion(failed), p_value, FISHER)


def _probability(value: float) -> float | None:
    """A p-value as a plain float, None when the test could not give one."""
    number = float(value)
    return number if math.isfinite(number) else None


def _median_iqr(values: Sequence[float]) -> str:
    """``median (Q1–Q3), n=N``; a dash without values."""
    if not values:
        return "–"
    if len(values) == 1:
        return f"{_number(values[0])}, n=1"
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return f"{_number(median)} ({_number(q1)}–{_number(q3)}), n={len(values)}"


def _proportion(values: Sequence[bool]) -> str:
    """``n/N (%)``; a dash without values."""
    if not values:
        return "–"
    count = sum(values)
    return f"{count}/{len(values)} ({100 * count / len(values):.0f}%)"


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"
