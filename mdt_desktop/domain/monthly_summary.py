"""The monthly summary for administrators: what the month's meetings did and what it saves.

For one calendar month: candidates listed, discussed and deferred per meeting; decisions by
type; results outstanding on each meeting date (the chase list's count); actions overdue on the
summary date, from any meeting; and the administrations (infusions or injections) a year the
month's de-escalation decisions avoid once carried out, per drug and in total, with the drug
itself (a dose reduction at the same interval saves drug, not administrations).

Plain Python: services/monthly_summary.py reads the figures, this module adds them up.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import Drug, MeetingStatus, Outcome
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.regimens import DAYS_PER_WEEK, Regimen
from mdt_desktop.domain.thresholds import DAYS_PER_YEAR
from mdt_desktop.domain.wording import count

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """Return the first day of the month given as ``YYYY-MM`` (ValidationError otherwise)."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(f"month {text!r}: give the month as YYYY-MM, e.g. 2026-10")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month(first: date) -> date:
    """The first day of the month after the one starting on *first*."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def administrations_per_year(regimen: Regimen) -> float:
    """Infusions or injections a year at *regimen* (one every interval)."""
    return DAYS_PER_YEAR / regimen.interval_days


def dose_per_year(regimen: Regimen) -> float:
    """Drug a year at *regimen*: mg/kg a year (weight-based doses) or mg a year."""
    return regimen.intensity.value * DAYS_PER_YEAR / DAYS_PER_WEEK


def dose_unit_per_year(regimen: Regimen) -> str:
    """``mg/kg/year`` or ``mg/year``, matching the regimen's intensity unit."""
    return regimen.intensity.unit.replace("/week", "/year")


@dataclass(frozen=True, slots=True)
class MeetingFigures:
    """One meeting of the month.

    ``deferred`` cases were moved to a later meeting without discussion; ``pending`` ones are
    neither discussed nor deferred (yet).
    """

    meeting_id: int
    meeting_date: date
    status: MeetingStatus
    listed: int
    discussed: int
    deferred: int
    outstanding_items: int  # results missing or out of date on the meeting date
    outstanding_patients: int

    @property
    def pending(self) -> int:
        return self.listed - self.discussed - self.deferred


@dataclass(frozen=True, slots=True)
class OverdueAction:
    """An open action whose due date has passed."""

    meeting_date: date
    hospital_number: str
    description: str
    owner: str
    due: date
    days_overdue: int


@dataclass(frozen=True, slots=True)
class PlannedReduction:
    """One de-escalation decision: the regimen it leaves and the one it starts.

    ``before`` is None when no anti-TNF regimen of the same drug was on record on the day before
    the change; such a decision is listed but saves nothing in the figures.
    """

    meeting_date: date
    hospital_number: str
    after: Regimen
    effective: date | None
    before: Regimen | None
    started: bool  # the reduced regimen is on the patient's record

    @property
    def drug(self) -> Drug:
        return self.after.drug

    @property
    def comparable(self) -> bool:
        return self.before is not None and self.before.drug is self.after.drug

    @property
    def administrations_avoided(self) -> float:
        """Administrations a year avoided once the reduced regimen runs (0 if not comparable)."""
        if self.before is None or not self.comparable:
            return 0.0
        return administrations_per_year(self.before) - administrations_per_year(self.after)

    @property
    def dose_avoided(self) -> float:
        """Drug a year avoided (in ``dose_unit_per_year``; 0 if not comparable)."""
        if self.before is None or not self.comparable:
            return 0.0
        if self.before.intensity.unit != self.after.intensity.unit:
            return 0.0
        return dose_per_year(self.before) - dose_per_year(self.after)


@dataclass(frozen=True, slots=True)
class DrugSavings:
    """The month's de-escalations of one drug, added up (per year, once carried out)."""

    drug: Drug
    decisions: int
    comparable: int
    administrations_before: float
    administrations_after: float
    dose_avoided: float
    dose_unit: str

    @property
    def label(self) -> str:
        return DRUGS[self.drug].label

    @property
    def administrations_avoided(self) -> float:
        return self.administrations_before - self.administrations_after


def savings_by_drug(plans: Iterable[PlannedReduction]) -> tuple[DrugSavings, ...]:
    """Per drug (in the catalogue's order): decisions and what they save a year."""
    groups: dict[Drug, list[PlannedReduction]] = {}
    for plan in plans:
        groups.setdefault(plan.drug, []).append(plan)
    result = []
    for drug in Drug:
        chosen = groups.get(drug, [])
        if not chosen:
            continue
        counted = [p for p in chosen if p.comparable and p.before is not None]
        result.append(
            DrugSavings(
                drug=drug,
                decisions=len(chosen),
                comparable=len(counted),
                administrations_before=sum(
                    administrations_per_year(p.before) for p in counted if p.before
                ),
                administrations_after=sum(administrations_per_year(p.after) for p in counted),
                dose_avoided=sum(p.dose_avoided for p in counted),
                dose_unit=dose_unit_per_year(chosen[0].after),
            )
        )
    return tuple(result)


def decision_counts(outcomes: Iterable[Outcome]) -> dict[Outcome, int]:
    """How many decisions of each type, every type listed (zeros included), in enum order."""
    counts = Counter(outcomes)
    return {outcome: counts.get(outcome, 0) for outcome in Outcome}


def overdue_actions(actions: Iterable[OverdueAction]) -> tuple[OverdueAction, ...]:
    """The longest overdue first, then by meeting and patient."""
    return tuple(
        sorted(actions, key=lambda a: (-a.days_overdue, a.meeting_date, a.hospital_number))
    )


@dataclass(frozen=True, slots=True)
class MonthlySummary:
    """Everything the administrators' monthly summary shows."""

    month: date  # its first day
    as_of: date  # actions are overdue on this day
    meetings: tuple[MeetingFigures, ...]
    decisions: dict[Outcome, int]
    reductions: tuple[PlannedReduction, ...]
    actions_overdue: tuple[OverdueAction, ...]
    outstanding_by_item: dict[str, int] = field(default_factory=dict)  # item label -> results

    @property
    def title(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def listed(self) -> int:
        return sum(m.listed for m in self.meetings)

    @property
    def discussed(self) -> int:
        return sum(m.discussed for m in self.meetings)

    @property
    def deferred(self) -> int:
        return sum(m.deferred for m in self.meetings)

    @property
    def pending(self) -> int:
        return sum(m.pending for m in self.meetings)

    @property
    def outstanding_items(self) -> int:
        return sum(m.outstanding_items for m in self.meetings)

    @property
    def outstanding_patients(self) -> int:
        return sum(m.outstanding_patients for m in self.meetings)

    @property
    def savings(self) -> tuple[DrugSavings, ...]:
        return savings_by_drug(self.reductions)

    @property
    def administrations_avoided(self) -> float:
        """All drugs together: infusions and injections a year avoided."""
        return sum(s.administrations_avoided for s in self.savings)

    def as_json(self) -> dict[str, Any]:
        """The ``summary --json`` document."""
        return {
            "month": f"{self.month:%Y-%m}",
            "as_of": self.as_of.isoformat(),
            "meetings": [_meeting_json(m) for m in self.meetings],
            "listed": self.listed,
            "discussed": self.discussed,
            "deferred": self.deferred,
            "pending": self.pending,
            "decisions": {o.value: n for o, n in self.decisions.items()},
            "decision_labels": {o.value: o.label for o in self.decisions},
            "outstanding_data": {
                "items": self.outstanding_items,
                "patients": self.outstanding_patients,
                "by_item": dict(self.outstanding_by_item),
            },
            "actions_overdue": len(self.actions_overdue),
            "overdue_actions": [_action_json(a) for a in self.actions_overdue],
            "administrations_avoided_per_year": round(self.administrations_avoided, 1),
            "by_drug": [_savings_json(s) for s in self.savings],
            "de_escalations": [_reduction_json(r) for r in self.reductions],
        }


def summary_headline(summary: MonthlySummary) -> list[tuple[str, str]]:
    """The figures at the top, as label and value."""
    meetings = ", ".join(f"{m.meeting_date:%d %b}" for m in summary.meetings) or "none"
    decided = sum(summary.decisions.values())
    return [
        ("Meetings", f"{len(summary.meetings)} ({meetings})"),
        (
            "Candidates listed",
            f"{summary.listed}: {summary.discussed} discussed, {summary.deferred} deferred, "
            f"{summary.pending} not yet discussed",
        ),
        ("Decisions", str(decided)),
        (
            "Results outstanding on the meeting dates",
            f"{summary.outstanding_items} for {count(summary.outstanding_patients, 'patient')}",
        ),
        (f"Actions overdue on {summary.as_of:%d %b %Y}", str(len(summary.actions_overdue))),
        (
            "Administrations avoided a year, if carried out",
            f"{summary.administrations_avoided:.1f} "
            f"({len(summary.reductions)} de-escalation decision(s))",
        ),
    ]


def _meeting_json(m: MeetingFigures) -> dict[str, Any]:
    return {
        "date": m.meeting_date.isoformat(),
        "status": m.status.value,
        "listed": m.listed,
        "discussed": m.discussed,
        "deferred": m.deferred,
        "pending": m.pending,
        "outstanding_items": m.outstanding_items,
        "outstanding_patients": m.outstanding_patients,
    }


def _action_json(a: OverdueAction) -> dict[str, Any]:
    return {
        "meeting": a.meeting_date.isoformat(),
        "hospital_number": a.hospital_number,
        "description": a.description,
        "owner": a.owner,
        "due": a.due.isoformat(),
        "days_overdue": a.days_overdue,
    }


def _savings_json(s: DrugSavings) -> dict[str, Any]:
    return {
        "drug": s.drug.value,
        "label": s.label,
        "decisions": s.decisions,
        "administrations_per_year_before": round(s.administrations_before, 1),
        "administrations_per_year_after": round(s.administrations_after, 1),
        "administrations_avoided_per_year": round(s.administrations_avoided, 1),
        "dose_avoided_per_year": round(s.dose_avoided, 1),
        "dose_unit": s.dose_unit,
    }


def _reduction_json(r: PlannedReduction) -> dict[str, Any]:
    return {
        "meeting": r.meeting_date.isoformat(),
        "hospital_number": r.hospital_number,
        "drug": r.drug.value,
        "before": r.before.label if r.before else None,
        "after": r.after.label,
        "effective": r.effective.isoformat() if r.effective else None,
        "started": r.started,
        "administrations_avoided_per_year": round(r.administrations_avoided, 1),
    }


def build_summary(
    month: date,
    as_of: date,
    meetings: Sequence[MeetingFigures],
    outcomes: Iterable[Outcome],
    reductions: Iterable[PlannedReduction],
    actions: Iterable[OverdueAction],
    outstanding_by_item: dict[str, int] | None = None,
) -> MonthlySummary:
    """Put the month's figures together in the order the summary shows them."""
    return MonthlySummary(
        month=month,
        as_of=as_of,
        meetings=tuple(sorted(meetings, key=lambda m: m.meeting_date)),
        decisions=decision_counts(outcomes),
        reductions=tuple(sorted(reductions, key=lambda r: (r.meeting_date, r.hospital_number))),
        actions_overdue=overdue_actions(actions),
        outstanding_by_item=dict(outstanding_by_item or {}),
    )
