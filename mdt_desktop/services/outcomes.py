"""The de-escalation outcome audit over the whole database, read in a few bulk queries.

Loading each patient's full record (as the case screen does) costs ~4 ms a patient, and the audit
must cover 1,000 de-escalations in a second (ARCHITECTURE §8). So the audit reads only what the
rules look at, for the patients who can have a de-escalation at all (two or more anti-TNF
maintenance periods): those periods, systemic steroid and immunomodulator periods, surgery and
trial enrolments. Observations are many (about 500 a patient), so they are read in a second
step, only within the windows that matter: before each de-escalation (the baseline table) and
after each re-escalation (recapture). Records built from these rows are partial on purpose and
never leave this module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import DateTime, ScalarSelect, TextualSelect, bindparam, func, select, text
from sqlalchemy.orm import Session

from mdt_desktop.domain.catalogue import DRUGS, canonical_unit
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import (
    Analyte,
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
from mdt_desktop.domain.outcomes import Episode, FailureReason, OutcomeRules, episodes
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod, Observation, PatientRecord
from mdt_desktop.domain.thresholds import DAYS_PER_MONTH
from mdt_desktop.models import ClinicalEventRow, MedicationPeriodRow, ObservationRow, PatientRow
from mdt_desktop.models.db import Database
from mdt_desktop.services.mapping import patient_from_row

BASELINE_KEY = "audit_baseline_window"
CLASSES = (DrugClass.ANTI_TNF, DrugClass.SYSTEMIC_STEROID, DrugClass.IMMUNOMODULATOR)
EVENT_KINDS = (EventKind.SURGERY, EventKind.TRIAL_ENROLMENT)
RECAPTURE_ANALYTES = (Analyte.FAECAL_CALPROTECTIN, Analyte.CRP)
BASELINE_ANALYTES = (*RECAPTURE_ANALYTES, Analyte.INFLIXIMAB_LEVEL, Analyte.ADALIMUMAB_LEVEL)
WINDOWS_PER_QUERY = 2000  # three bound values each: well within SQLite's 32,766
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
    """Reads the de-escalation outcome audit (read-only; nothing is written)."""

    def __init__(self, db: Database, config: ClinicalConfig) -> None:
        self._db = db
        self._rules = OutcomeRules.from_thresholds(config.thresholds)
        self._baseline_days = config.thresholds[BASELINE_KEY].days

    @property
    def rules(self) -> OutcomeRules:
        return self._rules

    def audit(
        self, as_of: date | None = None, cost_per_administration: float | None = None
    ) -> OutcomeAudit:
        """Every de-escalation followed up to *as_of* (default today), summed up.

        *cost_per_administration* (any currency) prices the administrations avoided.
        """
        day = as_of or date.today()
        with self._db.read() as session:
            records = _records(session)
            found = {key: self._of(record, day) for key, record in records.items()}
            found = {key: found_for for key, found_for in found.items() if found_for}
            observations = _observations(session, self._windows(found, day))
        pairs = []
        for key, first in found.items():
            seen = sorted(observations.get(key, ()), key=lambda o: o.collected_at)
            record = replace(records[key], observations=tuple(seen))
            # Results decide only the recapture after a re-escalation; other episodes stand.
            final = self._of(record, day) if any(_re_escalated(e) for e in first) else first
            pairs += [(e, baseline_of(record, e, self._baseline_days)) for e in final]
        pairs.sort(key=lambda pair: (pair[0].start, pair[0].hospital_number))
        table = baseline_table(pairs, self._rules)
        return build_audit([e for e, _ in pairs], day, self._rules, table, cost_per_administration)

    def _of(self, record: PatientRecord, day: date) -> list[Episode]:
        return episodes(record, day, self._rules)

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


def _medication(row: Sequence[Any]) -> MedicationPeriod:
    return MedicationPeriod(
        id=row[0],
        drug=Drug(row[1]),
        dose_value=row[2],
        dose_unit=DoseUnit(row[3]),
        interval_days=row[4],
        start=row[5],
        end=row[6],
        phase=Phase(row[7]),
        end_reason=EndReason(row[8]) if row[8] else None,
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
    analyte = Analyte(row[1])
    return Observation(
        id=row[0],
        analyte=analyte,
        value=row[2],
        unit=canonical_unit(analyte),
        collected_at=row[4],
        comparator=Comparator(row[3]) if row[3] else None,
    )
