"""The outcome audit: de-escalation episodes summed up as a published cohort reports them.

The figures and their names are the ``audit --json`` contract (docs/clinical.md, "Outcome
audit"): the 12-month proportion counts only evaluable episodes (failed within 12 months, or
followed for 12); the Kaplan–Meier curve uses every episode, censored ones included. Episodes
without failure are counted by why their follow-up ended (``censored``): followed to the audit
date, stopped for another reason (with the reasons recorded), stopped without a reason recorded,
lost to follow-up, or a change of route.

``OutcomeAudit`` gathers the whole audit: the figures overall and split by drug and by
diagnosis, the baseline table of successes against failures (outcome_baseline.py) and the drug
burden avoided by de-escalating.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, TypeVar

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import Drug, EndReason, IbdType
from mdt_desktop.domain.outcomes import CensorReason, Episode, FailureReason, OutcomeRules
from mdt_desktop.domain.survival import KaplanMeier, kaplan_meier
from mdt_desktop.domain.thresholds import DAYS_PER_YEAR

KM_MONTHS = tuple(range(25))  # 0..24, as in the contract
_Group = TypeVar("_Group", Drug, IbdType)


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """The curve at a whole month: estimate, 95% band and how many were still followed."""

    month: int
    survival: float
    lower: float
    upper: float
    at_risk: int


@dataclass(frozen=True, slots=True)
class AuditFigures:
    """The outcome of a set of de-escalation episodes."""

    de_escalations: int
    patients: int
    evaluable_12m: int
    maintained_12m: int
    failed_12m: int
    median_months_to_failure: float | None
    failure_reasons: dict[FailureReason, int]
    re_escalated: int
    recaptured: int
    curve: tuple[CurvePoint, ...]
    km: KaplanMeier
    censored: dict[CensorReason, int] = field(default_factory=dict)
    stop_reasons: dict[EndReason, int] = field(default_factory=dict)  # of STOPPED_OTHER_REASON
    # re-escalated, the recapture window still open without both markers back in range
    recapture_pending: int = 0

    @property
    def lost_to_follow_up(self) -> int:
        """Episodes censored at the last contact (docs/clinical.md, "Loss to follow-up")."""
        return self.censored.get(CensorReason.LOST_TO_FOLLOW_UP, 0)

    @property
    def maintained_12m_pct(self) -> float | None:
        """Maintained as a percentage (0–100) of the evaluable; None when none are evaluable."""
        if not self.evaluable_12m:
            return None
        return 100.0 * self.maintained_12m / self.evaluable_12m

    def as_json(self) -> dict[str, Any]:
        """The ``audit --json`` figures (docs/clinical.md, "Outcome audit")."""
        pct = self.maintained_12m_pct
        median = self.median_months_to_failure
        return {
            "de_escalations": self.de_escalations,
            "patients": self.patients,
            "evaluable_12m": self.evaluable_12m,
            "maintained_12m": self.maintained_12m,
            "maintained_12m_pct": round(pct, 1) if pct is not None else None,
            "failed_12m": self.failed_12m,
            "median_months_to_failure": round(median, 2) if median is not None else None,
            "failure_reasons": {r.value: self.failure_reasons.get(r, 0) for r in FailureReason},
            "re_escalated": self.re_escalated,
            "recaptured": self.recaptured,
            "recapture_pending": self.recapture_pending,
            "km": [
                {
                    "month": p.month,
                    "survival": round(p.survival, 4),
                    "lower": round(p.lower, 4),
                    "upper": round(p.upper, 4),
                    "at_risk": p.at_risk,
                }
                for p in self.curve
            ],
            "censored": {r.value: self.censored.get(r, 0) for r in CensorReason},
            "censored_stop_reasons": {r.value: n for r, n in self.stop_reasons.items()},
            "lost_to_follow_up": self.lost_to_follow_up,
        }


def summarise(episodes: Sequence[Episode], rules: OutcomeRules) -> AuditFigures:
    """Sum *episodes* up; failures count within the failure window (12 months by default)."""
    window = rules.failure_months
    failed = [e for e in episodes if e.failed_within(window)]
    reasons = Counter(e.reason for e in failed if e.reason is not None)
    re_escalated = [e for e in failed if e.reason is FailureReason.RE_ESCALATION]
    km = kaplan_meier([(e.months, e.failed) for e in episodes])
    censored = Counter(e.censor_reason for e in episodes if e.censor_reason is not None)
    stops = Counter(
        e.stop_reason
        for e in episodes
        if e.censor_reason is CensorReason.STOPPED_OTHER_REASON and e.stop_reason is not None
    )
    return AuditFigures(
        de_escalations=len(episodes),
        patients=len({e.hospital_number for e in episodes}),
        evaluable_12m=sum(1 for e in episodes if e.evaluable_at(window)),
        maintained_12m=sum(1 for e in episodes if e.maintained_at(window)),
        failed_12m=len(failed),
        median_months_to_failure=statistics.median(e.months for e in failed) if failed else None,
        failure_reasons=dict(reasons),
        re_escalated=len(re_escalated),
        recaptured=sum(1 for e in re_escalated if e.recaptured),
        curve=tuple(_point(km, month) for month in KM_MONTHS),
        km=km,
        censored=dict(censored),
        stop_reasons={reason: stops[reason] for reason in EndReason if reason in stops},
        recapture_pending=sum(1 for e in re_escalated if e.recaptured is None),
    )


_CENSOR_NOTES = {
    CensorReason.FOLLOWED_TO_AUDIT_DATE: "Still on the reduced regimen at the audit date",
    CensorReason.STOP_REASON_NOT_RECORDED: "The stop has no reason on record: worth chasing",
    CensorReason.LOST_TO_FOLLOW_UP: (
        "No contact for longer than the window: censored at the last contact"
    ),
    CensorReason.ROUTE_CHANGED: "Intravenous and subcutaneous regimens cannot be compared",
}


@dataclass(frozen=True, slots=True)
class CensoringRow:
    """One line of the censoring table: why follow-up ended without failure, and how often."""

    reason: CensorReason
    count: int
    detail: str


def censoring_rows(figures: AuditFigures) -> tuple[CensoringRow, ...]:
    """Every censoring reason (none left out) with its count and what it means.

    For stops for another reason the detail gives the recorded reasons, e.g. ``Adverse event 1,
    Pregnancy 1`` (docs/clinical.md, "Outcome audit").
    """
    rows = []
    for reason in CensorReason:
        if reason is CensorReason.STOPPED_OTHER_REASON:
            detail = ", ".join(f"{r.label} {n}" for r, n in figures.stop_reasons.items())
            detail = detail or "Adverse event, pregnancy, the patient's choice, other"
        else:
            detail = _CENSOR_NOTES[reason]
        rows.append(CensoringRow(reason, figures.censored.get(reason, 0), detail))
    return tuple(rows)


def _point(km: KaplanMeier, month: int) -> CurvePoint:
    lower, upper = km.band_at(month)
    return CurvePoint(month, km.at(month), lower, upper, km.at_risk(month))


@dataclass(frozen=True, slots=True)
class BaselineRow:
    """One line of the baseline table: successes against failures at the failure window.

    ``successes`` and ``failures`` are printed as they read in a paper: ``median (Q1–Q3), n=N``
    for measurements, ``n/N (%)`` for yes/no features. ``p_value`` is None when a group is empty.
    """

    label: str
    successes: str
    failures: str
    p_value: float | None
    test: str  # "Mann–Whitney U" or "Fisher exact"


@dataclass(frozen=True, slots=True)
class DrugBurden:
    """Administrations (infusions or injections) that de-escalation avoided, and their cost.

    Each episode saves the difference in administrations a year between the regimen before it
    and the reduced one, for as long as the reduced regimen lasted (to failure, else to the end
    of follow-up). A de-escalation by dose alone saves no administration, only drug.
    """

    administrations_avoided: float
    patient_years: float
    per_patient_year: float
    cost_per_administration: float | None = None
    cost_avoided: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "administrations_avoided": round(self.administrations_avoided, 1),
            "patient_years": round(self.patient_years, 2),
            "per_patient_year": round(self.per_patient_year, 2),
            "cost_per_administration": self.cost_per_administration,
            "cost_avoided": round(self.cost_avoided, 2) if self.cost_avoided is not None else None,
        }


def drug_burden(
    episodes: Sequence[Episode], cost_per_administration: float | None = None
) -> DrugBurden:
    """The administrations *episodes* avoided, per patient-year on the reduced regimens."""
    avoided = years = 0.0
    for episode in episodes:
        span = ((episode.failed_on or episode.follow_up_end) - episode.start).days / DAYS_PER_YEAR
        per_year_before = DAYS_PER_YEAR / episode.before.interval_days
        per_year_after = DAYS_PER_YEAR / episode.after.interval_days
        avoided += (per_year_before - per_year_after) * span
        years += span
    cost = avoided * cost_per_administration if cost_per_administration is not None else None
    return DrugBurden(
        administrations_avoided=avoided,
        patient_years=years,
        per_patient_year=avoided / years if years > 0 else 0.0,
        cost_per_administration=cost_per_administration,
        cost_avoided=cost,
    )


@dataclass(frozen=True, slots=True)
class OutcomeAudit:
    """The de-escalation outcome audit on *as_of*: what ``audit`` prints and the report shows."""

    as_of: date
    rules: OutcomeRules
    overall: AuditFigures
    by_drug: dict[str, AuditFigures]
    by_diagnosis: dict[str, AuditFigures]
    baseline: tuple[BaselineRow, ...]
    burden: DrugBurden
    episodes: tuple[Episode, ...]

    def as_json(self) -> dict[str, Any]:
        """The ``audit --json`` document: the contract figures at the top, then the rest."""
        document = self.overall.as_json()
        document.update(
            {
                "as_of": self.as_of.isoformat(),
                "by_drug": {label: f.as_json() for label, f in self.by_drug.items()},
                "by_diagnosis": {label: f.as_json() for label, f in self.by_diagnosis.items()},
                "baseline": [asdict(row) for row in self.baseline],
                "drug_burden": self.burden.as_json(),
            }
        )
        return document


def build_audit(
    episodes: Sequence[Episode],
    as_of: date,
    rules: OutcomeRules,
    baseline: Sequence[BaselineRow] = (),
    cost_per_administration: float | None = None,
) -> OutcomeAudit:
    """Sum *episodes* up overall, by drug and by diagnosis, with the drug burden avoided."""
    return OutcomeAudit(
        as_of=as_of,
        rules=rules,
        overall=summarise(episodes, rules),
        by_drug=_split(episodes, rules, lambda e: e.drug, Drug, lambda d: DRUGS[d].label),
        by_diagnosis=_split(episodes, rules, lambda e: e.ibd_type, IbdType, lambda t: t.label),
        baseline=tuple(baseline),
        burden=drug_burden(episodes, cost_per_administration),
        episodes=tuple(episodes),
    )


def _split(
    episodes: Sequence[Episode],
    rules: OutcomeRules,
    key: Callable[[Episode], _Group],
    order: Iterable[_Group],
    label: Callable[[_Group], str],
) -> dict[str, AuditFigures]:
    """Figures per group, in *order*; groups without episodes are left out."""
    groups: dict[_Group, list[Episode]] = {}
    for episode in episodes:
        groups.setdefault(key(episode), []).append(episode)
    return {label(group): summarise(groups[group], rules) for group in order if group in groups}
