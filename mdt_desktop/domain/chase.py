"""The chase list of a meeting: one row per candidate per result missing or out of date.

Plain data built by services/chase.py from domain/freshness.py's judgements, and shown by the
chase list window, the ``chase`` command and the printable list (reports/chase_list.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.freshness import Freshness, FreshnessSpec, ItemFreshness
from mdt_desktop.domain.wording import count


@dataclass(frozen=True, slots=True)
class ChaseRow:
    """One result to chase for one patient."""

    position: int  # the case's place on the meeting's list
    hospital_number: str
    patient: str  # FAMILY, Given
    item: ItemFreshness

    @property
    def missing(self) -> bool:
        return self.item.status is Freshness.MISSING


@dataclass(frozen=True, slots=True)
class ChaseList:
    """Everything outstanding for one meeting, in list order, most urgent first per patient."""

    meeting_id: int
    meeting_date: date
    meeting_status: MeetingStatus
    candidates: int
    rows: tuple[ChaseRow, ...]
    specs: tuple[FreshnessSpec, ...]  # the items and windows the list was judged against

    @property
    def patients(self) -> int:
        """How many candidates have something outstanding."""
        return len({row.hospital_number for row in self.rows})

    @property
    def missing(self) -> int:
        return sum(1 for row in self.rows if row.missing)

    @property
    def stale(self) -> int:
        return len(self.rows) - self.missing

    def as_json(self) -> dict[str, Any]:
        """The ``chase --json`` document."""
        return {
            "meeting": self.meeting_date.isoformat(),
            "status": self.meeting_status.value,
            "candidates": self.candidates,
            "patients": self.patients,
            "items": len(self.rows),
            "missing": self.missing,
            "stale": self.stale,
            "rows": [_row_json(row) for row in self.rows],
            "windows": [
                {
                    "item": spec.key,
                    "label": spec.label,
                    "valid_for_days": spec.window_days,
                    "window": spec.window.key,
                    "sources": list(spec.sources),
                    "evidence": spec.evidence.value,
                }
                for spec in self.specs
            ],
        }


def _row_json(row: ChaseRow) -> dict[str, Any]:
    item = row.item
    return {
        "position": row.position,
        "hospital_number": row.hospital_number,
        "patient": row.patient,
        "item": item.key,
        "what": item.label,
        "status": item.status.value,
        "latest": item.latest.isoformat() if item.latest else None,
        "latest_value": item.latest_text or None,
        "needed_by": item.needed_by.isoformat() if item.needed_by else None,
        "days_overdue": item.days_overdue,
        "valid_for_days": item.window_days,
        "sources": list(item.sources),
        "evidence": item.evidence.value,
    }


@dataclass(frozen=True, slots=True)
class ChaseNotice:
    """What the main window says when the next planned meeting is close."""

    meeting_id: int
    meeting_date: date
    items: int
    patients: int
    days_to_go: int

    @property
    def text(self) -> str:
        """E.g. ``Chase list: 14 items for the meeting on Wed 25 Nov 2026``."""
        if not self.items:
            return (
                f"Chase list: nothing to chase for the meeting on {self.meeting_date:%a %d %b %Y}"
            )
        items = count(self.items, "item")
        return f"Chase list: {items} for the meeting on {self.meeting_date:%a %d %b %Y}"


def headline(chase: ChaseList) -> str:
    """E.g. ``14 results to chase for 8 of 10 candidates (3 never measured, 11 out of date)``."""
    if not chase.candidates:
        return "No candidates are listed for this meeting yet."
    if not chase.rows:
        return f"Nothing to chase: all {chase.candidates} candidates have every result in time."
    results = count(len(chase.rows), "result")
    return (
        f"{results} to chase for {chase.patients} of {chase.candidates} candidates "
        f"({chase.missing} never measured, {chase.stale} out of date)"
    )


def latest_text(row: ChaseRow) -> str:
    """The latest result as the list shows it, or that there is none."""
    item = row.item
    if item.latest is None:
        return "Never measured"
    return f"{item.latest:%d %b %Y} · {item.latest_text}"


def overdue_text(row: ChaseRow) -> str:
    """How long past its window the latest result is on the meeting date."""
    days = row.item.days_overdue
    if days is None:
        return "—"
    return count(days, "day")


def window_text(spec: FreshnessSpec) -> str:
    """E.g. ``91 days`` or ``183 days (6 months)``: the window as configured, in days."""
    days = count(spec.window_days, "day")
    if spec.window.unit == "days":
        return days
    return f"{days} ({spec.window.describe()})"
