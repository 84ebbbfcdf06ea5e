"""The de-escalation outcome audit over the whole database, read in a few bulk queries.

Loading each patient's full record (as the case screen does) costs ~4 ms a patient, and the audit
must cover 1,000 de-escalations in a second (benchmarks/run.py measures it). So the audit reads
only what the rules look at, for the patients who can have a de-escalation at all (two or more
anti-TNF maintenance periods): those periods, systemic steroid and immunomodulator periods,
surgery and trial enrolments. Then, for the patients with an episode, the last contact (the
latest result, recorded dose, procedure or discussed MDT review: one grouped query each,
docs/clinical.md, "Loss to follow-up"). Observations are many (about 500 a patient), so they
are read in a last step, only within the windows that matter: before each de-escalation (the
baseline table) and after each re-escalation (recapture). Records built from these rows are
partial on purpose and never leave this module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DateTime,
    ScalarSelect,
    Select,
    String,
    TextualSelect,
    bindparam,
    column,
    func,
    select,
    text,
    true,
    values,
)
from sqlalchemy.orm import Session

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.catalogue import DRUGS, canonical_unit
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.contacts import Contact, ContactKind, latest_contact
from mdt_desktop.domain.enums import (
    Analyte,
    CaseStatus,
    Comparator,
    DoseUnit,
    Drug,
    DrugClass,
    EndReason,
    EventKind,
    Phase,
)
from mdt_desktop.domain.outcome_audit import OutcomeAudit, build_audit
from mdt_desktop.domain.outcome_baseline import baseline_of, baseline_table
from mdt_desktop.domain.outcomes import (
    Episode,
    FailureReason,
    OutcomeRules,
    censor_lost,
    episodes,
)
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod, Observation, PatientRecord
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH
from mdt_desktop.models import (
    AdministrationRow,
    CaseReviewRow,
    ClinicalEventRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.models.db import Database
from mdt_desktop.services.mapping import patient_from_row

if TYPE_CHECKING:
    from mdt_desktop.reports.minutes import BuildOptions

BASELINE_KEY = "audit_baseline_window"
CLASSES = (DrugClass.ANTI_TNF, DrugClass.SYSTEMIC_STEROID, DrugClass.IMMUNOMODULATOR)
EVENT_KINDS = (EventKind.SURGERY, EventKind.TRIAL_ENROLMENT)
RECAPTURE_ANALYTES = (Analyte.FAECAL_CALPROTECTIN, Analyte.CRP)
BASELINE_ANALYTES = (*RECAPTURE_ANALYTES, Analyte.INFLIXIMAB_LEVEL, Analyte.ADALIMUMAB_LEVEL)
WINDOWS_PER_QUERY = 2000  # three bound values each: well within SQLite's 32,766
IDS_PER_QUERY = 20_000  # patients whose last contact one query reads: within SQLite's 32,766
ONE_DAY = timedelta(days=1)
MIN_PERIODS = 2  # a change of regimen needs two periods


@dataclass(frozen=True, slots=True)
class _Window:
    """Results that matter for one patient: those collected in [start, end)."""

    patient_id: int
    start: datetime
    end: datetime
    recapture: bool  # calprotectin and CRP only


@dataclass
class _History:
    """The rows of one patient that the outcome rules read."""

    medications: list[MedicationPeriod] = field(default_factory=list)
    events: list[ClinicalEvent] = field(default_factory=list)


class OutcomeService:
    """Reads the de-escalation outcome audit; saving its report is an export (exports.py)."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._config = config
        self._rules = OutcomeRules.from_config(config)
        self._baseline_days = config.thresholds[BASELINE_KEY].days

    @property
    def rules(self) -> OutcomeRules:
        return self._rules

    def export_report(
        self,
        audit: OutcomeAudit,
        target: Path,
        actor: Actor | None = None,
        options: BuildOptions | None = None,
    ) -> int:
        """Write *audit*'s report to *target* through the export service; return its pages."""
        from mdt_desktop.services.exports import export_audit_report

        return export_audit_report(self._db, self._config, audit, target, actor, options)

    def audit(
        self, as_of: date | None = None, cost_per_administration: float | None = None
    ) -> OutcomeAudit:
        """Every de-escalation followed up to *as_of* (default today), summed up.

        *cost_per_administration* (any currency) prices the administrations avoided.
        """
        day = as_of or date.today()
        with self._db.read() as session:
            records = _records(session)
            found = {key: episodes(record, day, self._rules) for key, record in records.items()}
            found = {key: found_for for key, found_for in found.items() if found_for}
            contacts = _last_contacts(session, sorted(found), day)
            found = {
                key: censor_lost(found_for, contacts.get(key), day, self._rules)
                for key, found_for in found.items()
            }
            observations = _observations(session, self._windows(found, day))
        pairs = []
        for key, first in found.items():
            seen = sorted(observations.get(key, ()), key=lambda o: o.collected_at)
            record = replace(records[key], observations=tuple(seen))
            # Results decide only the recapture after a re-escalation; other episodes stand.
            recapture = any(_re_escalated(e) for e in first)
            final = self._of(record, day, contacts.get(key)) if recapture else first
            pairs += [(e, baseline_of(record, e, self._baseline_days)) for e in final]
        pairs.sort(key=lambda pair: (pair[0].start, pair[0].hospital_number))
        table = baseline_table(pairs, self._rules)
        return build_audit([e for e, _ in pairs], day, self._rules, table, cost_per_administration)

    def _of(self, record: PatientRecord, day: date, contact: Contact | None) -> list[Episode]:
        """The episodes of *record* with loss to follow-up applied at *contact*."""
        return censor_lost(episodes(record, day, self._rules), contact, day, self._rules)

    def _windows(self, found: Mapping[int, Sequence[Episode]], day: date) -> list[_Window]:
        """Where results matter: before each de-escalation, after each re-escalation."""
        stop = _midnight(day + ONE_DAY)  # nothing after the audit's day
        baseline = timedelta(days=self._baseline_days)
        recapture = timedelta(days=self._rules.recapture_months * DAYS_PER_MONTH) + ONE_DAY
        windows = []
        for patient_id, episodes_of_patient in found.items():
            for episode in episodes_of_patient:
                start = _midnight(episode.start)
                end = min(start + ONE_DAY, stop)
                windows.append(_Window(patient_id, start - baseline, end, recapture=False))
                if _re_escalated(episode) and episode.failed_on is not None:
                    after = _midnight(episode.failed_on + ONE_DAY)
                    windows.append(_Window(patient_id, after, min(after + recapture, stop), True))
        return [w for w in windows if w.start < w.end]


def _re_escalated(episode: Episode) -> bool:
    return episode.reason is FailureReason.RE_ESCALATION


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _records(session: Session) -> dict[int, PatientRecord]:
    """Partial records (no observations yet) of the patients who may have a de-escalation."""
    candidates = _candidates()
    histories: dict[int, _History] = defaultdict(_History)
    _read_medications(session, candidates, histories)
    _read_events(session, candidates, histories)
    patients = session.scalars(select(PatientRow).where(PatientRow.id.in_(candidates)))
    return {
        p.id: PatientRecord(
            patient=patient_from_row(p),
            medications=tuple(histories[p.id].medications),
            events=tuple(histories[p.id].events),
        )
        for p in patients
    }


def _last_contacts(session: Session, patients: Sequence[int], day: date) -> dict[int, Contact]:
    """The last contact on or before *day* of each of *patients* (those with an episode).

    The latest result (by collection time), recorded dose, clinical event, and MDT meeting at
    which the case was discussed (docs/clinical.md, "Loss to follow-up"): four grouped queries
    for up to IDS_PER_QUERY patients, never one per patient.
    """
    found: dict[int, Contact] = {}
    for first in range(0, len(patients), IDS_PER_QUERY):
        chosen = list(patients[first : first + IDS_PER_QUERY])
        for kind, statement in _contact_queries(chosen, day):
            for patient_id, latest in session.execute(statement):
                if latest is None:
                    continue
                on = latest.date() if isinstance(latest, datetime) else latest
                contact = latest_contact((found.get(patient_id), Contact(on, kind)))
                if contact is not None:
                    found[patient_id] = contact
    return found


def _contact_queries(patients: list[int], day: date) -> list[tuple[ContactKind, Any]]:
    a, e = AdministrationRow, ClinicalEventRow
    review, meeting = CaseReviewRow, MeetingRow
    return [
        (ContactKind.RESULT, _last_results(patients, day)),
        (
            ContactKind.ADMINISTRATION,
            select(a.patient_id, func.max(a.given_on))
            .where(a.patient_id.in_(patients), a.given_on <= day)
            .group_by(a.patient_id),
        ),
        (
            ContactKind.PROCEDURE,
            select(e.patient_id, func.max(e.occurred_on))
            .where(e.patient_id.in_(patients), e.occurred_on <= day)
            .group_by(e.patient_id),
        ),
        (
            ContactKind.REVIEW,
            select(review.patient_id, func.max(meeting.meeting_date))
            .join(meeting, review.meeting_id == meeting.id)
            .where(
                review.patient_id.in_(patients),
                review.status == CaseStatus.DISCUSSED.value,
                meeting.meeting_date <= day,
            )
            .group_by(review.patient_id),
        ),
    ]


def _last_results(patients: list[int], day: date) -> Select[tuple[int, datetime | None]]:
    """The latest result of each of *patients* collected by the end of *day*.

    One index seek per patient and analyte (the observations index leads with patient, analyte
    and time), then the latest per patient: a plain GROUP BY over the patient alone would read
    every result of every patient (about 0.24 s for a million results against 0.07 s).
    """
    o = ObservationRow
    analytes = (
        values(column("analyte", String), name="analytes")
        .data([(analyte.value,) for analyte in Analyte])
        .cte("analytes")
    )
    chosen = select(PatientRow.id.label("patient_id")).where(PatientRow.id.in_(patients))
    wanted = chosen.subquery("wanted")
    latest = (
        select(func.max(o.collected_at))
        .where(
            o.patient_id == wanted.c.patient_id,
            o.analyte == analytes.c.analyte,
            o.collected_at < _midnight(day + ONE_DAY),
        )
        .scalar_subquery()
    )
    return (
        select(wanted.c.patient_id, func.max(latest))
        .select_from(wanted.join(analytes, true()))
        .group_by(wanted.c.patient_id)
    )


def _candidates() -> ScalarSelect[int]:
    """Patients with two or more anti-TNF maintenance periods (a change of regimen)."""
    anti_tnf = [d.value for d, info in DRUGS.items() if info.drug_class is DrugClass.ANTI_TNF]
    medication = MedicationPeriodRow
    return (
        select(medication.patient_id)
        .where(medication.drug.in_(anti_tnf), medication.phase == Phase.MAINTENANCE.value)
        .group_by(medication.patient_id)
        .having(func.count() >= MIN_PERIODS)
        .scalar_subquery()
    )


def _read_medications(
    session: Session, candidates: ScalarSelect[int], histories: dict[int, _History]
) -> None:
    """Anti-TNF, systemic steroid and immunomodulator periods of the *candidates*."""
    drugs = [d.value for d, info in DRUGS.items() if info.drug_class in CLASSES]
    m = MedicationPeriodRow
    statement = select(
        m.patient_id,
        m.id,
        m.drug,
        m.dose_value,
        m.dose_unit,
        m.interval_days,
        m.start_date,
        m.end_date,
        m.phase,
        m.end_reason,
    ).where(m.patient_id.in_(candidates), m.drug.in_(drugs))
    for row in session.execute(statement):
        histories[row[0]].medications.append(_medication(row[1:]))


def _read_events(
    session: Session, candidates: ScalarSelect[int], histories: dict[int, _History]
) -> None:
    """Surgery and trial enrolments of the *candidates*."""
    e = ClinicalEventRow
    kinds = [k.value for k in EVENT_KINDS]
    statement = select(e.patient_id, e.id, e.kind, e.occurred_on, e.is_resection).where(
        e.patient_id.in_(candidates), e.kind.in_(kinds)
    )
    for patient_id, event_id, kind, occurred_on, is_resection in session.execute(statement):
        histories[patient_id].events.append(
            ClinicalEvent(event_id, EventKind(kind), occurred_on, is_resection=is_resection)
        )


# Stored codes to enum members by dictionary: calling the enum costs ~2 us a value, and the
# audit reads tens of thousands of them.
_DRUGS = {member.value: member for member in Drug}
_DOSE_UNITS = {member.value: member for member in DoseUnit}
_PHASES = {member.value: member for member in Phase}
_END_REASONS = {member.value: member for member in EndReason}
_ANALYTES = {member.value: member for member in Analyte}
_COMPARATORS = {member.value: member for member in Comparator}


def _medication(row: Sequence[Any]) -> MedicationPeriod:
    return MedicationPeriod(
        id=row[0],
        drug=_DRUGS[row[1]],
        dose_value=row[2],
        dose_unit=_DOSE_UNITS[row[3]],
        interval_days=row[4],
        start=row[5],
        end=row[6],
        phase=_PHASES[row[7]],
        end_reason=_END_REASONS[row[8]] if row[8] else None,
    )


def _observations(session: Session, windows: Sequence[_Window]) -> dict[int, list[Observation]]:
    """The results in *windows*, by patient (a result in two windows is read once)."""
    found: dict[int, dict[int, Observation]] = defaultdict(dict)
    stamp = _stamp(session)
    for recapture, analytes in ((False, BASELINE_ANALYTES), (True, RECAPTURE_ANALYTES)):
        chosen = [w for w in windows if w.recapture is recapture]
        for first in range(0, len(chosen), WINDOWS_PER_QUERY):
            batch = chosen[first : first + WINDOWS_PER_QUERY]
            statement, bound = _in_windows(batch, analytes, stamp)
            for row in session.execute(statement, bound):
                found[row[0]][row[1]] = _observation(row[1:])
    return {patient: list(rows.values()) for patient, rows in found.items()}


def _stamp(session: Session) -> Callable[[datetime], Any]:
    """How the database's driver is given a date and time (SQLite: text in the stored form)."""
    dialect = session.get_bind().dialect
    process = DateTime().dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda moment: moment)


def _in_windows(
    windows: Sequence[_Window], analytes: Sequence[Analyte], stamp: Callable[[datetime], Any]
) -> tuple[TextualSelect, dict[str, Any]]:
    """Results of *analytes* within any of *windows*, joined to them as a VALUES list.

    Written as text: SQLAlchemy's ``values()`` construct is compiled anew for every list and
    took 0.16 s for 900 windows, more than the query itself.
    """
    rows = ", ".join(f"(:p{n}, :s{n}, :e{n})" for n in range(len(windows)))
    statement = text(
        f"WITH windows (patient_id, start_at, end_at) AS (VALUES {rows}) "
        "SELECT o.patient_id, o.id, o.analyte, o.value, o.comparator, o.collected_at "
        "FROM observations AS o JOIN windows AS w ON o.patient_id = w.patient_id "
        "AND o.analyte IN :analytes "
        "AND o.collected_at >= w.start_at AND o.collected_at < w.end_at"
    ).bindparams(bindparam("analytes", expanding=True))
    o = ObservationRow
    bound: dict[str, Any] = {"analytes": [a.value for a in analytes]}
    for n, window in enumerate(windows):
        bound[f"p{n}"] = window.patient_id
        bound[f"s{n}"] = stamp(window.start)
        bound[f"e{n}"] = stamp(window.end)
    columns = (o.patient_id, o.id, o.analyte, o.value, o.comparator, o.collected_at)
    return statement.columns(*columns), bound


def _observation(row: Sequence[Any]) -> Observation:
    analyte = _ANALYTES[row[1]]
    return Observation(
        id=row[0],
        analyte=analyte,
        value=row[2],
        unit=canonical_unit(analyte),
        collected_at=row[4],
        comparator=_COMPARATORS[row[3]] if row[3] else None,
    )
