"""The follow-up worklist: de-escalated patients in their first year, and listing one for the MDT.

A patient re-escalated within the window stays on the worklist for the recapture watch
(domain/followup.py, ``in_recapture_watch``).

``worklist`` reads everything it needs in a handful of queries (no query per patient): the
patients whose anti-TNF regimen changed within the failure window, their histories (recorded
doses included), the MDT meetings that discussed them (contacts, docs/clinical.md, "Loss to
follow-up"), the MDT decisions that made those changes (for their monitoring plans) and the
planned meetings they are already listed for. A de-escalation imported without an MDT decision
is followed against the default plan (resources/monitoring.toml) from the day the new regimen
started.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor, Permission
from mdt_desktop.domain.board import MeetingRef
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.contacts import last_contact
from mdt_desktop.domain.enums import (
    CaseStatus,
    DoseUnit,
    Drug,
    DrugClass,
    MeetingStatus,
    Outcome,
    Phase,
)
from mdt_desktop.domain.errors import NotFoundError, ValidationError
from mdt_desktop.domain.followup import (
    FollowUpRow,
    FollowUpRules,
    follow_up_row,
    in_first_year,
    in_recapture_watch,
    worklist_order,
)
from mdt_desktop.domain.monitoring import monitoring_plan
from mdt_desktop.domain.outcomes import Episode, OutcomeRules, episodes
from mdt_desktop.domain.records import (
    Administration,
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    PatientRecord,
    PlannedCheck,
)
from mdt_desktop.models import (
    AdministrationRow,
    CaseReviewRow,
    ClinicalEventRow,
    DecisionRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.guards import acting
from mdt_desktop.services.mapping import (
    event_from_row,
    medication_from_row,
    monitoring_from_json,
    observation_from_row,
    patient_from_row,
)
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.patients import find_patient

LISTING_REASON = "Follow-up after de-escalation"
ANTI_TNF = tuple(
    drug.value for drug, info in DRUGS.items() if info.drug_class is DrugClass.ANTI_TNF
)


@dataclass(frozen=True, slots=True)
class DecidedPlan:
    """The monitoring plan an MDT decision recorded with the regimen it started."""

    checks: tuple[PlannedCheck, ...]
    meeting_date: date


EpisodeKey = tuple[int, Drug, date]  # patient id, drug, first day of the reduced regimen


class FollowUpService:
    """Reads the follow-up worklist; lists a patient for the next planned meeting."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._config = config
        self._rules = FollowUpRules.from_thresholds(config.thresholds)
        self._outcomes = OutcomeRules.from_config(config)
        self._admin = MeetingAdminService(db, config)

    def worklist(self, as_of: date | None = None) -> list[FollowUpRow]:
        """De-escalated patients within the failure window on *as_of* (today), flags first."""
        on = as_of or date.today()
        window = timedelta(days=round(self._rules.failure_window.days))
        changed = _changed_since(on - window, on)
        with self._db.read() as session:
            records = _records(session, changed)
            reviews = _reviews(session, changed, on)
            plans = _decided_plans(session, changed)
            listed = _listed(session, changed, on)
        rows = []
        for patient_id, record in records.items():
            contact = last_contact(record, on, reviews.get(patient_id, ()))
            for episode in episodes(record, on, self._outcomes):
                watched = in_first_year(episode, on, self._rules) or in_recapture_watch(
                    episode, on, self._rules
                )
                if watched:
                    key = (patient_id, episode.drug, episode.start)
                    checks, source = self._plan(record, episode, plans.get(key))
                    rows.append(
                        follow_up_row(
                            record,
                            episode,
                            checks,
                            on,
                            self._rules,
                            plan_source=source,
                            listed_on=listed.get(patient_id),
                            contact=contact,
                        )
                    )
        return worklist_order(rows)

    def next_meeting(self, today: date | None = None) -> MeetingRef | None:
        """The earliest planned meeting on or after *today*, if there is one."""
        with self._db.read() as session:
            return _next_meeting(session, today or date.today())

    def add_to_next_meeting(
        self, hospital_number: str, actor: Actor, today: date | None = None
    ) -> MeetingRef:
        """List the patient for the next planned meeting (the coordinator); return that meeting."""
        day = today or date.today()
        number = hospital_number.strip()
        with self._db.read() as session:
            acting(session, actor, Permission.PREPARE_MEETING)  # refuse before saying anything else
            meeting = _next_meeting(session, day)
            if meeting is None:
                raise NotFoundError(
                    f"There is no planned meeting on or after {day:%d %b %Y}: "
                    "plan one first (Meeting → New meeting…)."
                )
            if _is_listed(session, meeting.id, number):
                day_text = f"{meeting.meeting_date:%d %b %Y}"
                raise ValidationError(f"{number} is already on the list of the MDT of {day_text}.")
        self._admin.add_candidate(meeting.id, number, actor, LISTING_REASON)
        return meeting

    def _plan(
        self, record: PatientRecord, episode: Episode, decided: DecidedPlan | None
    ) -> tuple[tuple[PlannedCheck, ...], str]:
        if decided is not None and decided.checks:
            return decided.checks, f"MDT decision of {decided.meeting_date:%d %b %Y}"
        default = monitoring_plan(
            self._config.monitoring,
            episode.start,
            episode.drug,
            record.patient.ibd_type,
            episode.after.interval_days,
        )
        if decided is not None:
            why = f"the MDT decision of {decided.meeting_date:%d %b %Y} recorded no checks"
        else:
            why = "no MDT decision recorded for this change"
        return default, f"Default plan from {episode.start:%d %b %Y} ({why})"


def _changed_since(start: date, end: date) -> Select[int]:
    """Patients with an anti-TNF maintenance regimen that started between *start* and *end*."""
    return (
        select(MedicationPeriodRow.patient_id)
        .where(
            MedicationPeriodRow.drug.in_(ANTI_TNF),
            MedicationPeriodRow.phase == Phase.MAINTENANCE.value,
            MedicationPeriodRow.start_date >= start,
            MedicationPeriodRow.start_date <= end,
        )
        .distinct()
    )


def _records(session: Session, patients: Select[int]) -> dict[int, PatientRecord]:
    """Full records of *patients*: one query per table, not per patient."""
    medications: dict[int, list[MedicationPeriod]] = defaultdict(list)
    for period in session.scalars(
        select(MedicationPeriodRow).where(MedicationPeriodRow.patient_id.in_(patients))
    ):
        medications[period.patient_id].append(medication_from_row(period))
    observations: dict[int, list[Observation]] = defaultdict(list)
    for obs in session.scalars(
        select(ObservationRow).where(ObservationRow.patient_id.in_(patients))
    ):
        observations[obs.patient_id].append(observation_from_row(obs))
    events: dict[int, list[ClinicalEvent]] = defaultdict(list)
    for event in session.scalars(
        select(ClinicalEventRow).where(ClinicalEventRow.patient_id.in_(patients))
    ):
        events[event.patient_id].append(event_from_row(event))
    doses = _administrations(session, patients)
    return {
        row.id: PatientRecord(
            patient_from_row(row),
            tuple(sorted(medications[row.id], key=lambda m: m.start)),
            tuple(sorted(observations[row.id], key=lambda o: o.collected_at)),
            tuple(sorted(events[row.id], key=lambda e: e.occurred_on)),
            tuple(sorted(doses[row.id], key=lambda a: a.given_on)),
        )
        for row in session.scalars(select(PatientRow).where(PatientRow.id.in_(patients)))
    }


def _administrations(session: Session, patients: Select[int]) -> dict[int, list[Administration]]:
    """The recorded doses (infusions, injections) of *patients*, by patient."""
    found: dict[int, list[Administration]] = defaultdict(list)
    a = AdministrationRow
    statement = select(a.patient_id, a.id, a.drug, a.given_on, a.dose_value, a.dose_unit).where(
        a.patient_id.in_(patients)
    )
    for patient_id, row_id, drug, given_on, dose, unit in session.execute(statement):
        found[patient_id].append(
            Administration(row_id, Drug(drug), given_on, dose, DoseUnit(unit) if unit else None)
        )
    return found


def _reviews(session: Session, patients: Select[int], on: date) -> dict[int, list[date]]:
    """The meetings on or before *on* at which each patient's case was discussed."""
    statement = (
        select(CaseReviewRow.patient_id, MeetingRow.meeting_date)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(
            CaseReviewRow.patient_id.in_(patients),
            CaseReviewRow.status == CaseStatus.DISCUSSED.value,
            MeetingRow.meeting_date <= on,
        )
    )
    found: dict[int, list[date]] = defaultdict(list)
    for patient_id, meeting_date in session.execute(statement):
        found[patient_id].append(meeting_date)
    return found


def _decided_plans(session: Session, patients: Select[int]) -> dict[EpisodeKey, DecidedPlan]:
    """The plan of the decision behind each regimen an MDT decision started (as last amended)."""
    stmt = (
        select(MedicationPeriodRow, DecisionRow, MeetingRow.meeting_date)
        .join(DecisionRow, MedicationPeriodRow.decision_id == DecisionRow.id)
        .join(CaseReviewRow, DecisionRow.case_review_id == CaseReviewRow.id)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(MedicationPeriodRow.patient_id.in_(patients))
    )
    linked = list(session.execute(stmt))
    latest = _latest_decisions(session, {decision.case_review_id for _, decision, _ in linked})
    plans = {}
    for period, decision, meeting_date in linked:
        current = latest.get(decision.case_review_id, decision)
        if current.outcome != Outcome.DE_ESCALATE.value:
            current = decision  # amended to something else: the change it made still stands
        key = (period.patient_id, Drug(period.drug), period.start_date)
        plans[key] = DecidedPlan(monitoring_from_json(current.monitoring or []), meeting_date)
    return plans


def _latest_decisions(session: Session, case_ids: set[int]) -> Mapping[int, DecisionRow]:
    """The newest decision (the last amendment, if any) of each case."""
    latest: dict[int, DecisionRow] = {}
    if not case_ids:
        return latest
    stmt = select(DecisionRow).where(DecisionRow.case_review_id.in_(case_ids))
    for row in session.scalars(stmt.order_by(DecisionRow.id)):
        latest[row.case_review_id] = row
    return latest


def _listed(session: Session, patients: Select[int], on: date) -> dict[int, date]:
    """The earliest planned meeting on or after *on* that lists each patient."""
    stmt = (
        select(CaseReviewRow.patient_id, func.min(MeetingRow.meeting_date).label("listed_on"))
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(
            CaseReviewRow.patient_id.in_(patients),
            MeetingRow.status == MeetingStatus.PLANNED.value,
            MeetingRow.meeting_date >= on,
        )
        .group_by(CaseReviewRow.patient_id)
    )
    return {row.patient_id: row.listed_on for row in session.execute(stmt)}


def _next_meeting(session: Session, day: date) -> MeetingRef | None:
    row = session.execute(
        select(MeetingRow.id, MeetingRow.meeting_date)
        .where(MeetingRow.status == MeetingStatus.PLANNED.value, MeetingRow.meeting_date >= day)
        .order_by(MeetingRow.meeting_date)
        .limit(1)
    ).first()
    return MeetingRef(row.id, row.meeting_date) if row else None


def _is_listed(session: Session, meeting_id: int, hospital_number: str) -> bool:
    patient = find_patient(session, hospital_number)
    found = session.scalar(
        select(CaseReviewRow.id).where(
            CaseReviewRow.meeting_id == meeting_id, CaseReviewRow.patient_id == patient.id
        )
    )
    return found is not None
