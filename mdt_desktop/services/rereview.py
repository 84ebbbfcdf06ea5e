"""Re-review after de-escalation: which de-escalated patients a meeting should see again.

Reads each patient's latest MDT decision to de-escalate (as last amended) made at an earlier
meeting, the latest earlier meeting that listed the patient, and the patient's record, and asks
domain/rereview.py whether the patient is due back and how they are (stable, relapsing, data
missing). A decision without a monitoring plan is read against the default plan
(resources/monitoring.toml) from its effective date and new interval.

Functions take an open session: the callers (the candidate suggestions, the meeting board) run
them inside their own read transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.candidates import RereviewSuggestion
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import Outcome
from mdt_desktop.domain.monitoring import monitoring_plan
from mdt_desktop.domain.records import Decision, PatientRecord, PlannedCheck
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.rereview import (
    DeEscalationDecision,
    Rereview,
    RereviewRules,
    rereview,
)
from mdt_desktop.models import CaseReviewRow, DecisionRow, MeetingRow, PatientRow
from mdt_desktop.services.mapping import decision_from_row
from mdt_desktop.services.patients import load_record


def rereview_suggestions(
    session: Session, config: ClinicalConfig, meeting: MeetingRow
) -> list[RereviewSuggestion]:
    """Patients due for re-review at *meeting* who are not on its list, most urgent first."""
    listed = set(
        session.scalars(
            select(CaseReviewRow.patient_id).where(CaseReviewRow.meeting_id == meeting.id)
        )
    )
    found = patient_rereviews(session, config, meeting.meeting_date, exclude=listed)
    records = {pid: found[pid][0] for pid in found}
    suggestions = [
        RereviewSuggestion(records[pid].patient, review) for pid, (_, review) in found.items()
    ]
    return sorted(
        suggestions,
        key=lambda s: (s.rereview.tag.rank, s.rereview.decision.decided_on, s.patient.family_name),
    )


def patient_rereviews(
    session: Session,
    config: ClinicalConfig,
    meeting_date: date,
    *,
    patients: Collection[int] | None = None,
    exclude: Collection[int] = (),
    records: Mapping[int, PatientRecord] | None = None,
) -> dict[int, tuple[PatientRecord, Rereview]]:
    """The re-reviews due at a meeting on *meeting_date*, by patient id.

    Args:
        session: An open session.
        config: The clinical configuration.
        meeting_date: The meeting's date; decisions and reviews before it count.
        patients: Only these patients (None: everyone with a recent de-escalation decision).
        exclude: Leave these patients out.
        records: Records already loaded, by patient id (others are loaded here).
    """
    rules = RereviewRules.from_thresholds(config.thresholds, config.regimens)
    decisions = _latest_de_escalations(session, meeting_date, rules, patients)
    wanted = [pid for pid in decisions if pid not in exclude]
    reviews = _last_reviews(session, wanted, meeting_date)
    found: dict[int, tuple[PatientRecord, Rereview]] = {}
    for patient_id in wanted:
        record = (records or {}).get(patient_id) or load_record(
            session.get_one(PatientRow, patient_id)
        )
        decided_on, decision = decisions[patient_id]
        plan = _plan(config, record, decided_on, decision)
        if plan is None:
            continue
        review = rereview(record, plan, meeting_date, rules, last_review=reviews.get(patient_id))
        if review is not None:
            found[patient_id] = (record, review)
    return found


def _latest_de_escalations(
    session: Session,
    meeting_date: date,
    rules: RereviewRules,
    patients: Collection[int] | None,
) -> dict[int, tuple[date, Decision]]:
    """Each patient's latest current decision to de-escalate at a meeting before *meeting_date*.

    Only meetings recent enough for a re-review to still be possible are read; an amended
    decision counts as its last amendment (amended away from de-escalation, it no longer counts).
    A later decision to re-escalate closes the de-escalation: the team has seen its failure,
    and what follows is the recapture watch of the follow-up list, not a re-review.
    """
    reach = rules.first_year + timedelta(days=round(2 * rules.follow_up.tolerance.days))
    stmt = (
        select(DecisionRow, CaseReviewRow.patient_id, MeetingRow.meeting_date)
        .join(CaseReviewRow, DecisionRow.case_review_id == CaseReviewRow.id)
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(
            MeetingRow.meeting_date < meeting_date,
            MeetingRow.meeting_date >= meeting_date - reach,
        )
        .order_by(MeetingRow.meeting_date, DecisionRow.id)
    )
    if patients is not None:
        stmt = stmt.where(CaseReviewRow.patient_id.in_(list(patients)))
    newest: dict[int, tuple[int, date, DecisionRow]] = {}
    for row, patient_id, decided_on in session.execute(stmt):
        newest[row.case_review_id] = (patient_id, decided_on, row)  # later amendments win
    latest: dict[int, tuple[date, Decision]] = {}
    for patient_id, decided_on, row in sorted(newest.values(), key=lambda n: (n[1], n[2].id)):
        if row.outcome == Outcome.DE_ESCALATE.value and row.effective_date is not None:
            latest[patient_id] = (decided_on, decision_from_row(row))
        elif row.outcome == Outcome.RE_ESCALATE.value:
            latest.pop(patient_id, None)
    return latest


def _plan(
    config: ClinicalConfig, record: PatientRecord, decided_on: date, decision: Decision
) -> DeEscalationDecision | None:
    """The decision's re-checks: its own monitoring plan, else the default one.

    The steady-state trough is the plan's first check of the target drug's level, else the
    default plan's (docs/clinical.md, "Flare and monitoring after de-escalation").
    """
    effective, target = decision.effective_date, decision.target_regimen
    if effective is None:
        return None
    default: tuple[PlannedCheck, ...] = ()
    if target is not None:
        default = monitoring_plan(
            config.monitoring,
            effective,
            target.drug,
            record.patient.ibd_type,
            target.interval_days,
        )
    checks = decision.monitoring or default
    steady = _level_check(checks, target) or _level_check(default, target)
    return DeEscalationDecision(decided_on, effective, target, checks, steady)


def _level_check(checks: tuple[PlannedCheck, ...], target: Regimen | None) -> date | None:
    """The due date of the first planned check of the target drug's level, if any."""
    analyte = DRUGS[target.drug].level_analyte if target is not None else None
    if analyte is None:
        return None
    due = [c.due for c in checks if analyte.value in c.analytes]
    return min(due) if due else None


def _last_reviews(session: Session, patient_ids: list[int], before: date) -> dict[int, date]:
    """The latest meeting before *before* that listed each patient."""
    if not patient_ids:
        return {}
    rows = session.execute(
        select(CaseReviewRow.patient_id, func.max(MeetingRow.meeting_date))
        .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
        .where(CaseReviewRow.patient_id.in_(patient_ids), MeetingRow.meeting_date < before)
        .group_by(CaseReviewRow.patient_id)
    )
    last: dict[int, date] = {}
    for patient_id, day in rows:
        last[patient_id] = day
    return last


def case_rereview(
    session: Session,
    config: ClinicalConfig,
    patient_id: int,
    meeting_date: date,
    record: PatientRecord,
) -> Rereview | None:
    """The re-review of one listed patient at the meeting on *meeting_date*, if one is due."""
    found = patient_rereviews(
        session, config, meeting_date, patients=(patient_id,), records={patient_id: record}
    )
    return found[patient_id][1] if patient_id in found else None
