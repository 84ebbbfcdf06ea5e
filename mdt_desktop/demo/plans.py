"""What happens to each demo patient: their scenario and the dates of every turn in their course.

Every patient follows the arc the MDT exists for — induction, standard maintenance, loss of
response, intensification, remission on the intensified regimen — and then one of the
scenarios below, chosen so that every screen and report has something true to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from mdt_desktop.domain.enums import DoseUnit, Drug, EndReason, Outcome
from mdt_desktop.domain.records import Patient
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH


class Scenario(StrEnum):
    """The part a patient plays in the demo."""

    CANDIDATE = "candidate"  # on this month's list, in objective remission
    BORDERLINE = "borderline"  # on this month's list, one criterion doubtful
    REVIEWED = "reviewed"  # discussed at one of the three previous meetings
    HISTORIC = "historic"  # de-escalated before the MDT's records in this program began
    SUGGESTIBLE = "suggestible"  # intensified >= 6 months, in remission, never reviewed
    ACTIVE = "active"  # intensified, not in remission
    RECENT = "recent"  # intensified less than 6 months ago


class Borderline(StrEnum):
    """Why a case on the list is doubtful."""

    CALPROTECTIN_HIGH = "calprotectin_high"
    STALE_LABS = "stale_labs"
    SHORT_INTENSIFICATION = "short_intensification"
    NO_IMAGING = "no_imaging"
    RECENT_STEROIDS = "recent_steroids"
    LOW_TROUGH = "low_trough"


class Fate(StrEnum):
    """What follows a de-escalation."""

    MAINTAINED = "maintained"
    LATE_RELAPSE = "late_relapse"  # re-escalated, but after the 12-month window
    EARLY_WARNING = "early_warning"  # calprotectin rising, not (yet) failed
    RE_ESCALATED = "re_escalated"
    TRIAL = "trial"
    STEROIDS = "steroids"
    SURGERY = "surgery"
    STOPPED = "stopped"  # stopped for lack of effect and switched
    # Stopped in remission for another reason (an adverse event, a planned pregnancy, the
    # patient's choice): censored on its date, never a failure (docs/clinical.md, "Outcome audit").
    OTHER_STOP = "other_stop"
    # Stopped attending with the drug left "active" on the list: censored at the last contact
    # (docs/clinical.md, "Loss to follow-up").
    LOST = "lost"

    @property
    def flares(self) -> bool:
        """True for the fates that begin with a flare on ``fate_on``."""
        return self not in _QUIET


_QUIET = frozenset({Fate.MAINTAINED, Fate.EARLY_WARNING, Fate.OTHER_STOP, Fate.LOST})


T = TypeVar("T")

EIMS = (
    "peripheral arthropathy",
    "axial spondyloarthritis",
    "uveitis",
    "erythema nodosum",
    "pyoderma gangrenosum",
    "aphthous stomatitis",
    "primary sclerosing cholangitis",
)


def months(n: float) -> timedelta:
    """Return *n* average months as a timedelta (30.4375 days each)."""
    return timedelta(days=round(n * DAYS_PER_MONTH))


@dataclass
class Plan:
    """One demo patient's story."""

    index: int
    scenario: Scenario
    patient: Patient
    drug: Drug
    standard: Regimen
    intensified: Regimen
    anti_tnf_start: date
    lost_response_on: date
    intensified_on: date
    pk_factor: float
    remission_level: float
    immunomodulator: Drug | None
    immunomodulator_stopped: date | None
    resections: list[date] = field(default_factory=list)
    meeting_index: int | None = None  # 0 = this month, 1..3 = previous months
    outcome: Outcome | None = None
    borderline: Borderline | None = None
    de_escalated_on: date | None = None
    de_escalated: Regimen | None = None
    fate: Fate | None = None
    fate_on: date | None = None
    recaptured: bool = False
    ius_patient: bool = True
    lor_steroids: bool = False
    transient_antibodies: bool = False
    stop_reason: EndReason | None = None  # OTHER_STOP: why the drug was stopped on fate_on
    stop_detail: str = ""  # ... as the EHR sends it (statusReason text)
    last_contact: date | None = None  # LOST: nothing is recorded after this day


def next_dose(first: date, interval_days: int, day: date) -> date:
    """The first dose on or after *day* of a schedule starting on *first* every *interval_days*."""
    behind = (day - first).days % interval_days
    return day if behind == 0 else day + timedelta(days=interval_days - behind)


STANDARD = {
    Drug.INFLIXIMAB_IV: Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56),
    Drug.ADALIMUMAB: Regimen(Drug.ADALIMUMAB, 40, DoseUnit.MG, 14),
}
INTENSIFIED = {
    Drug.INFLIXIMAB_IV: (
        (Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 42), 0.45),
        (Regimen(Drug.INFLIXIMAB_IV, 10, DoseUnit.MG_PER_KG, 56), 0.35),
        (Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 28), 0.20),
    ),
    Drug.ADALIMUMAB: (
        (Regimen(Drug.ADALIMUMAB, 40, DoseUnit.MG, 7), 0.7),
        (Regimen(Drug.ADALIMUMAB, 80, DoseUnit.MG, 14), 0.3),
    ),
}


def weighted(rng: random.Random, options: tuple[tuple[T, float], ...]) -> T:
    """Pick one option with probability proportional to its weight."""
    values = [value for value, _ in options]
    return rng.choices(values, [weight for _, weight in options])[0]
