"""Turns a demo patient's plan into a clinical record: medication, doses given, events and labs.

Induction follows the label schedule configured in regimens.toml (each loading dose a period of
its own); infliximab infusions are recorded as given on each scheduled day the patient came; a
drug stopped for a reason says so as an EHR would (docs/clinical.md, "Medication episodes").
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from mdt_desktop.demo import physiology as phys
from mdt_desktop.demo.cohort import Calendar
from mdt_desktop.demo.plans import Borderline, Fate, Plan, Scenario, months, next_dose
from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import (
    Analyte,
    DoseUnit,
    Drug,
    DrugClass,
    EndReason,
    EventKind,
    IbdType,
    Phase,
)
from mdt_desktop.domain.history import current_anti_tnf
from mdt_desktop.domain.records import (
    Administration,
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    PatientRecord,
)
from mdt_desktop.domain.regimens import InductionSpec, Regimen, RegimenCatalogue

DAY = timedelta(days=1)
HISTORY_YEARS = 12
_WORK_UP = {
    Analyte.FAECAL_CALPROTECTIN,
    Analyte.CRP,
    Analyte.WBC,
    Analyte.HAEMOGLOBIN,
    Analyte.ALBUMIN,
    Analyte.HBI,
    Analyte.PARTIAL_MAYO,
    Analyte.INFLIXIMAB_LEVEL,
    Analyte.ADALIMUMAB_LEVEL,
    Analyte.ANTI_DRUG_ANTIBODIES,
}
TRIAL_NAME = "DEMO-IBD-301 (open-label trial of an oral IL-23 antagonist)"
INFUSED = frozenset({Drug.INFLIXIMAB_IV})  # drugs whose doses the infusion unit records
MIN_DAYS_BETWEEN_INFUSIONS = 14  # an infusion brought forward still waits this long
# Ustekinumab (label): one weight-based intravenous dose of about 6 mg/kg, then 90 mg
# subcutaneously at week 8 and every 8 weeks.
USTEKINUMAB_INDUCTION = (6.0, DoseUnit.MG_PER_KG)
USTEKINUMAB_MAINTENANCE = Regimen(Drug.USTEKINUMAB, 90, DoseUnit.MG, 56)
# Why a thiopurine or methotrexate was stopped, as the EHR says it (statusReason text).
IMMUNOMODULATOR_ADVERSE = {
    Drug.AZATHIOPRINE: ("Deranged liver function tests", "Nausea and vomiting", "Pancreatitis"),
    Drug.MERCAPTOPURINE: ("Deranged liver function tests", "Nausea"),
    Drug.METHOTREXATE: ("Nausea", "Raised transaminases"),
}
LOSS_OF_RESPONSE = "Loss of response"
NO_RESPONSE_TO_RE_ESCALATION = "No response to re-escalation"
TRIAL_STOP = "Stopped to enter clinical trial DEMO-IBD-301"


def simulate(
    plan: Plan, cal: Calendar, seed: int, config: ClinicalConfig, attempt: int = 0
) -> PatientRecord:
    """Return the full synthetic record of one planned patient (*attempt* varies the noise).

    A patient lost to follow-up (``plan.last_contact``) has nothing recorded after that day but
    keeps their last regimen open, as an EHR's medication list does.
    """
    rng = random.Random(f"mdt-demo:{seed}:{plan.index}:record:{attempt}")
    medications = _medications(plan, cal, rng, config.regimens)
    curve = _activity(plan, cal, rng)
    events = _events(plan, cal, rng)
    observations = _Observations(plan, cal, rng, curve, medications, events).build()
    last = plan.last_contact or cal.as_of
    return PatientRecord(
        plan.patient,
        tuple(medications),
        tuple(observations),
        tuple(sorted((e for e in events if e.occurred_on <= last), key=lambda e: e.occurred_on)),
        tuple(administrations(medications, min(last + DAY, cal.as_of))),
    )


def administrations(periods: list[MedicationPeriod], until: date) -> list[Administration]:
    """One recorded infusion per scheduled infliximab dose day before *until*, oldest first.

    The doses of a period are its start and every interval after it, before its end (a single
    dose is its start day).
    """
    given: dict[tuple[Drug, date], Administration] = {}
    for period in periods:
        if period.drug not in INFUSED:
            continue
        end = min(period.end or until, until)
        day = period.start
        while day < end:
            given[(period.drug, day)] = Administration(
                None, period.drug, day, period.dose_value, period.dose_unit
            )
            day += timedelta(days=max(period.interval_days, 1))
    return sorted(given.values(), key=lambda a: (a.given_on, a.drug.value))


# --- medication -----------------------------------------------------------------------------------


def _period(
    drug: Drug,
    dose: float,
    unit: DoseUnit,
    interval: int,
    start: date,
    end: date | None,
    *,
    phase: Phase = Phase.MAINTENANCE,
    reason: str = "",
    end_reason: EndReason | None = None,
    detail: str = "",
) -> MedicationPeriod:
    return MedicationPeriod(
        None,
        drug,
        dose,
        unit,
        interval,
        start,
        end,
        phase,
        reason,
        end_reason if end is not None else None,
        detail if end is not None else "",
    )


def _single_dose(
    drug: Drug, dose: float, unit: DoseUnit, day: date, reason: str
) -> MedicationPeriod:
    """One loading dose: a period of its own from *day* to the next day, phase induction."""
    return _period(
        drug,
        dose,
        unit,
        1,
        day,
        day + DAY,
        phase=Phase.INDUCTION,
        reason=reason,
        end_reason=EndReason.COURSE_COMPLETED,
    )


def _steroids(start: date, reason: str, weeks: int = 10) -> MedicationPeriod:
    return _period(
        Drug.PREDNISOLONE,
        40,
        DoseUnit.MG,
        1,
        start,
        start + timedelta(weeks=weeks),
        reason=f"{reason}; 40 mg daily, reducing by 5 mg a week",
        end_reason=EndReason.COURSE_COMPLETED,
    )


def _regimen_period(
    regimen: Regimen,
    start: date,
    end: date | None,
    reason: str,
    end_reason: EndReason = EndReason.REGIMEN_CHANGE,
    detail: str = "",
) -> MedicationPeriod:
    return _period(
        regimen.drug,
        regimen.dose_value,
        regimen.dose_unit,
        regimen.interval_days,
        start,
        end,
        reason=reason,
        end_reason=end_reason,
        detail=detail,
    )


def _medications(
    plan: Plan, cal: Calendar, rng: random.Random, regimens: RegimenCatalogue
) -> list[MedicationPeriod]:
    p = plan
    periods = [_steroids(p.patient.diagnosis_date + timedelta(days=10), "Presenting flare")]
    trigger = p.anti_tnf_start - timedelta(days=rng.randint(20, 45))
    if trigger > periods[0].end + timedelta(days=60):  # type: ignore[operator]
        periods.append(_steroids(trigger, "Flare before starting anti-TNF"))
    periods += _immunomodulator_periods(plan, rng)
    periods += _anti_tnf_periods(plan, cal, rng, regimens.induction(p.drug))
    if p.lor_steroids:
        periods.append(
            _steroids(p.lost_response_on + timedelta(days=21), "Loss of response", weeks=8)
        )
    if p.borderline is Borderline.RECENT_STEROIDS and p.meeting_index is not None:
        start = cal.meetings[p.meeting_index] - months(rng.uniform(4.2, 5.0))
        periods.append(_steroids(start, "Flare of arthropathy and loose stools", weeks=8))
    if p.fate is Fate.STEROIDS and p.fate_on:
        periods.append(_steroids(p.fate_on + timedelta(days=4), "Flare after de-escalation"))
    last = p.last_contact or cal.as_of
    return [m for m in periods if m.start < cal.as_of and m.start <= last]


def _immunomodulator_periods(plan: Plan, rng: random.Random) -> list[MedicationPeriod]:
    drug = plan.immunomodulator
    if drug is None:
        return []
    start = max(
        plan.patient.diagnosis_date + timedelta(days=30),
        plan.anti_tnf_start - timedelta(days=rng.randint(0, 200)),
    )
    dose, interval = {
        Drug.AZATHIOPRINE: (150, 1),
        Drug.MERCAPTOPURINE: (75, 1),
        Drug.METHOTREXATE: (15, 7),
    }[drug]
    reason = "Combination therapy with anti-TNF"
    adverse = rng.random() < 0.5
    end_reason = EndReason.ADVERSE_EVENT if adverse else EndReason.PATIENT_CHOICE
    detail = rng.choice(IMMUNOMODULATOR_ADVERSE[drug]) if adverse else "Patient choice"
    stopped = plan.immunomodulator_stopped
    if plan.last_contact is not None and stopped is not None and stopped > plan.last_contact:
        stopped = None  # stopped after the patient stopped attending: never recorded
    return [
        _period(
            drug,
            dose,
            DoseUnit.MG,
            interval,
            start,
            stopped,
            reason=reason,
            end_reason=end_reason,
            detail=detail,
        )
    ]


def _induction(plan: Plan, spec: InductionSpec | None) -> tuple[list[MedicationPeriod], date]:
    """The label loading doses, each a single-dose period, and the first maintenance day."""
    if spec is None:
        return [], plan.anti_tnf_start
    doses = [
        _single_dose(
            plan.drug,
            dose,
            spec.dose_unit,
            plan.anti_tnf_start + timedelta(days=round(week * 7)),
            f"Induction dose {n} of {len(spec.weeks)} ({spec.name})",
        )
        for n, (week, dose) in enumerate(zip(spec.weeks, spec.doses, strict=True), start=1)
    ]
    return doses, plan.anti_tnf_start + timedelta(days=spec.days)


def _anti_tnf_periods(
    plan: Plan, cal: Calendar, rng: random.Random, induction: InductionSpec | None
) -> list[MedicationPeriod]:
    p = plan
    periods, maintenance_start = _induction(plan, induction)
    periods.append(
        _regimen_period(p.standard, maintenance_start, p.intensified_on, "Standard maintenance")
    )
    lor = "Secondary loss of response: rising calprotectin and CRP with a low trough"
    if p.de_escalated_on is None or p.de_escalated is None:
        periods.append(_regimen_period(p.intensified, p.intensified_on, None, lor))
        return periods
    periods.append(_regimen_period(p.intensified, p.intensified_on, p.de_escalated_on, lor))
    why = (
        "MDT decision: de-escalate in sustained objective remission"
        if p.scenario is Scenario.REVIEWED
        else "De-escalated in sustained remission (recorded before MDT Desktop)"
    )
    periods += _after_de_escalation(plan, cal, rng, why)
    return periods


def _after_de_escalation(
    plan: Plan, cal: Calendar, rng: random.Random, why: str
) -> list[MedicationPeriod]:
    p = plan
    assert p.de_escalated_on is not None
    assert p.de_escalated is not None
    fate_on = p.fate_on
    reduced = p.de_escalated
    if p.fate in (Fate.RE_ESCALATED, Fate.LATE_RELAPSE) and fate_on is not None:
        flare = fate_on + timedelta(days=rng.randint(8, 18))
        back_up = _clear_of_last_dose(reduced, p.de_escalated_on, flare)
        if back_up >= cal.as_of:
            return [_regimen_period(reduced, p.de_escalated_on, None, why)]
        again = "Re-escalated for a flare after de-escalation"
        periods = [
            _regimen_period(reduced, p.de_escalated_on, back_up, why),
            _regimen_period(p.intensified, back_up, None, again),
        ]
        due = back_up + timedelta(days=180)
        switch = next_dose(back_up, p.intensified.interval_days, due)
        if not p.recaptured and switch < cal.as_of:
            periods[-1] = _regimen_period(
                p.intensified,
                back_up,
                switch,
                again,
                EndReason.LACK_OF_EFFECT,
                NO_RESPONSE_TO_RE_ESCALATION,
            )
            periods += _switch_to_ustekinumab(switch, "Switched for lack of effect of anti-TNF")
        return periods
    if p.fate is Fate.STOPPED and fate_on is not None:
        stop = _clear_of_last_dose(reduced, p.de_escalated_on, fate_on)
        return [
            _regimen_period(
                reduced, p.de_escalated_on, stop, why, EndReason.LACK_OF_EFFECT, LOSS_OF_RESPONSE
            ),
            *_switch_to_ustekinumab(stop, "Switched for lack of effect of anti-TNF"),
        ]
    if p.fate is Fate.TRIAL and fate_on is not None:
        return [
            _regimen_period(reduced, p.de_escalated_on, fate_on, why, EndReason.OTHER, TRIAL_STOP)
        ]
    if p.fate is Fate.OTHER_STOP:
        return _stopped_in_remission(plan, why)
    return [_regimen_period(reduced, p.de_escalated_on, None, why)]


def _stopped_in_remission(plan: Plan, why: str) -> list[MedicationPeriod]:
    """The reduced regimen stopped on a dose day for a reason other than lack of effect.

    An infusion reaction happens during that day's infusion (the period ends the next day);
    any other stop means that day's dose was not given. After an adverse event the patient
    switches to ustekinumab; after a planned pregnancy or by choice they stay off treatment.
    """
    assert plan.de_escalated_on is not None
    assert plan.de_escalated is not None
    assert plan.fate_on is not None
    assert plan.stop_reason is not None
    stop, reason = plan.fate_on, plan.stop_reason
    adverse = reason is EndReason.ADVERSE_EVENT
    infused = adverse and plan.drug in INFUSED
    periods = [
        _regimen_period(
            plan.de_escalated,
            plan.de_escalated_on,
            stop + DAY if infused else stop,
            why,
            reason,
            plan.stop_detail,
        )
    ]
    if adverse:
        molecule = DRUGS[plan.drug].molecule
        periods += _switch_to_ustekinumab(
            stop + timedelta(days=28 if infused else 14),
            f"Switched after {plan.stop_detail.lower()} ({molecule})",
        )
    return periods


def _clear_of_last_dose(regimen: Regimen, first: date, day: date) -> date:
    """*day*, moved later if an infusion of *regimen* (from *first*) was given too shortly before.

    A dose brought forward is still given at least ``MIN_DAYS_BETWEEN_INFUSIONS`` after the one
    before (subcutaneous drugs are not moved).
    """
    if regimen.drug not in INFUSED:
        return day
    since = (day - first).days % max(regimen.interval_days, 1)
    if 0 < since < MIN_DAYS_BETWEEN_INFUSIONS:
        return day + timedelta(days=MIN_DAYS_BETWEEN_INFUSIONS - since)
    return day


def _switch_to_ustekinumab(start: date, reason: str) -> list[MedicationPeriod]:
    """One intravenous loading dose, then maintenance from week 8 (``USTEKINUMAB_*``)."""
    maintenance = start + timedelta(weeks=8)
    dose, unit = USTEKINUMAB_INDUCTION
    return [
        _single_dose(Drug.USTEKINUMAB, dose, unit, start, reason),
        _regimen_period(USTEKINUMAB_MAINTENANCE, maintenance, None, "Ustekinumab maintenance"),
    ]


# --- disease activity -----------------------------------------------------------------------------


def _activity(plan: Plan, cal: Calendar, rng: random.Random) -> phys.ActivityCurve:
    p = plan
    curve = phys.ActivityCurve([])
    curve.add(p.patient.diagnosis_date, 0.85)
    curve.add(p.anti_tnf_start, 0.8)
    standard_level = rng.uniform(0.04, 0.12)
    curve.add(p.anti_tnf_start + timedelta(days=100), standard_level)
    _wiggle(curve, rng, p.anti_tnf_start + timedelta(days=150), p.lost_response_on, standard_level)
    curve.add(p.lost_response_on, 0.14)
    curve.add(p.intensified_on, 0.72)
    settled = p.intensified_on + timedelta(days=rng.randint(90, 150))
    curve.add(settled, p.remission_level)
    _wiggle(curve, rng, settled + timedelta(days=60), cal.as_of, p.remission_level)
    _fate_activity(plan, curve, cal, rng)
    return curve


def _wiggle(
    curve: phys.ActivityCurve, rng: random.Random, start: date, end: date, level: float
) -> None:
    day = start
    while day < end - timedelta(days=60):
        curve.add(day, level + rng.uniform(-0.02, 0.06))
        day += timedelta(days=rng.randint(150, 260))


def _fate_activity(
    plan: Plan, curve: phys.ActivityCurve, cal: Calendar, rng: random.Random
) -> None:
    p = plan
    level = p.remission_level
    if p.fate is Fate.EARLY_WARNING:  # in remission until three weeks ago, rising since
        _clear_after(curve, cal.as_of - timedelta(days=26))
        curve.add(cal.as_of - timedelta(days=21), level)
        curve.add(cal.as_of, 0.3)
        return
    if p.fate_on is None or p.fate is None or not p.fate.flares:
        return
    _clear_after(curve, p.fate_on - timedelta(days=50))
    curve.add(p.fate_on - timedelta(days=45), level + 0.03)
    curve.add(p.fate_on, 0.72)
    recovered = {
        Fate.RE_ESCALATED: 0.1 if p.recaptured else 0.45,
        Fate.LATE_RELAPSE: 0.1,
        Fate.STEROIDS: 0.15,
        Fate.SURGERY: 0.08,
        Fate.TRIAL: 0.22,
        Fate.STOPPED: 0.3,
    }[p.fate]
    curve.add(p.fate_on + timedelta(days=rng.randint(90, 130)), recovered)
    if p.fate is Fate.RE_ESCALATED and not p.recaptured:
        curve.add(p.fate_on + timedelta(days=300), 0.15)  # better on the next drug
    curve.add(cal.as_of + timedelta(days=400), recovered if recovered < 0.2 else 0.15)


def _clear_after(curve: phys.ActivityCurve, day: date) -> None:
    curve.knots = [k for k in curve.knots if k[0] < day]


# --- events ---------------------------------------------------------------------------------------


def _events(plan: Plan, cal: Calendar, rng: random.Random) -> list[ClinicalEvent]:
    p = plan
    events = [
        ClinicalEvent(
            None,
            EventKind.ENDOSCOPY,
            p.patient.diagnosis_date,
            "Diagnostic ileocolonoscopy"
            if p.patient.ibd_type is IbdType.CROHNS
            else "Diagnostic colonoscopy",
            mucosal_healing=False,
        )
    ]
    for n, day in enumerate(p.resections):
        what = "Ileocaecal resection" if n == 0 else "Small bowel resection (recurrence)"
        events.append(ClinicalEvent(None, EventKind.SURGERY, day, what, is_resection=True))
    events.append(
        ClinicalEvent(
            None,
            EventKind.FLARE,
            p.lost_response_on + timedelta(days=30),
            "Secondary loss of response",
        )
    )
    if p.fate_on and p.fate is not None and p.fate.flares and p.fate_on < cal.as_of:
        events.append(ClinicalEvent(None, EventKind.FLARE, p.fate_on, "Flare after de-escalation"))
        if p.fate is Fate.SURGERY:
            events.append(
                ClinicalEvent(
                    None,
                    EventKind.SURGERY,
                    p.fate_on + timedelta(days=rng.randint(20, 40)),
                    "Ileocaecal resection for stricturing disease",
                    is_resection=True,
                )
            )
        if p.fate is Fate.TRIAL:
            events.append(ClinicalEvent(None, EventKind.TRIAL_ENROLMENT, p.fate_on, TRIAL_NAME))
    return [e for e in events if e.occurred_on < cal.as_of]


# --- observations ---------------------------------------------------------------------------------


class _Observations:
    """Schedules and draws every lab, score, level and imaging result of one patient."""

    def __init__(
        self,
        plan: Plan,
        cal: Calendar,
        rng: random.Random,
        curve: phys.ActivityCurve,
        medications: list[MedicationPeriod],
        events: list[ClinicalEvent],
    ) -> None:
        self.p, self.cal, self.rng, self.curve = plan, cal, rng, curve
        self.meds, self.events = medications, events
        self.start = max(plan.patient.diagnosis_date, plan.anti_tnf_start - timedelta(days=150))
        # Nothing after yesterday, nor after the last contact of a patient who stopped attending.
        self.end = min(cal.as_of - DAY, plan.last_contact or cal.as_of)
        # Results older than this are not in the record (the disease and its surgery may be).
        self.first_kept = cal.as_of - timedelta(days=round(HISTORY_YEARS * 365.25))
        self.out: dict[tuple[Analyte, datetime], Observation] = {}

    def build(self) -> list[Observation]:
        self._routine()
        self._drug_levels()
        self._imaging()
        self._meeting_work_up()
        self._fate_checks()
        kept = [
            o for o in self.out.values() if self.first_kept <= o.collected_at.date() <= self.end
        ]
        return sorted(kept, key=lambda o: (o.collected_at, o.analyte.value))

    def _add(self, *observations: Observation) -> None:
        for obs in observations:
            self.out[(obs.analyte, obs.collected_at)] = obs

    def _at(self, day: date) -> tuple[datetime, float]:
        return phys.clinic_time(self.rng, day), self.curve.at(day)

    def _dates(self, first: date, quiet: tuple[int, int], busy: tuple[int, int]) -> Iterator[date]:
        day = first
        while day <= self.end:
            yield day
            low, high = busy if self.curve.at(day) > 0.35 else quiet
            density = self.cal.lab_density
            day += timedelta(days=max(1, round(self.rng.randint(low, high) / density)))

    def _on_steroids(self, day: date) -> bool:
        return any(
            DRUGS[m.drug].drug_class is DrugClass.SYSTEMIC_STEROID and m.active_on(day)
            for m in self.meds
        )

    def _bloods(self, day: date) -> None:
        when, activity = self._at(day)
        self._add(
            phys.crp(self.rng, activity, when),
            *phys.blood_panel(self.rng, activity, when, self.p.patient.sex, self._on_steroids(day)),
        )

    def _fcp(self, day: date, value: Callable[[], float] | None = None) -> None:
        when, activity = self._at(day)
        obs = phys.calprotectin(self.rng, activity, when)
        if value is not None:
            obs = phys._obs(Analyte.FAECAL_CALPROTECTIN, round(value()), "ug/g", when)
        self._add(obs)

    def _clinical(self, day: date) -> None:
        when, activity = self._at(day)
        self._add(phys.clinical_score(self.rng, activity, when, self.p.patient.ibd_type))

    def _routine(self) -> None:
        rng = self.rng
        for day in self._dates(
            self.start + timedelta(days=rng.randint(0, 20)), (35, 115), (21, 45)
        ):
            self._bloods(day)
        for day in self._dates(
            self.start + timedelta(days=rng.randint(5, 40)), (70, 130), (25, 50)
        ):
            self._fcp(day)
        for day in self._dates(
            self.start + timedelta(days=rng.randint(10, 60)), (75, 125), (30, 60)
        ):
            self._clinical(day)

    def _level_period(self, day: date) -> MedicationPeriod | None:
        """The anti-TNF maintenance period on *day*, if its drug has a level assay."""
        period = current_anti_tnf(self.meds, day)
        if period is None or DRUGS[period.drug].level_analyte is None:
            return None
        return period

    def _trough(self, day: date, titre: float | None = None) -> None:
        """A trough and its antibodies, drawn before the scheduled dose on or before *day*."""
        period = self._level_period(day)
        if period is None:
            return
        behind = (day - period.start).days % max(period.interval_days, 1)
        self._level(period, day - timedelta(days=behind), 0, titre)

    def _clinic_level(self, day: date, titre: float | None = None) -> None:
        """A level and its antibodies at a clinic visit, as a reactive level at loss of response is.

        Not a trough: an infliximab level is drawn 5 to 14 days before the next infusion (outside
        the trough window, so higher than the trough), an adalimumab level on *day* itself.
        """
        period = self._level_period(day)
        if period is None:
            return
        interval = max(period.interval_days, 1)
        if DRUGS[period.drug].route == "iv":
            due = next_dose(period.start, interval, day)
            day = max(due - timedelta(days=self.rng.randint(5, 14)), period.start + DAY)
        self._level(period, day, (day - period.start).days % interval, titre)

    def _level(
        self, period: MedicationPeriod, day: date, since_dose: int, titre: float | None
    ) -> None:
        when, activity = self._at(day)
        level = phys.drug_level(
            self.rng, period.regimen, activity, self.p.pk_factor, when, since_dose, titre
        )
        antibodies = phys.antibodies(period.drug, when, titre)
        # Two requests can fall on one dosing day: the later one replaces the earlier sample.
        self.out = {
            k: o
            for k, o in self.out.items()
            if not (o.analyte in (level.analyte, antibodies.analyte) and k[1].date() == day)
        }
        self._add(level, antibodies)

    def _drug_levels(self) -> None:
        p, rng = self.p, self.rng
        titre = rng.uniform(3.5, 9)
        self._clinic_level(
            p.lost_response_on + timedelta(days=rng.randint(10, 30)),
            titre if p.transient_antibodies else None,
        )
        day = p.intensified_on + timedelta(days=rng.randint(70, 110))
        while day <= self.end:
            self._trough(day)
            day += timedelta(days=rng.randint(160, 320))
        if p.de_escalated_on:
            self._trough(p.de_escalated_on + timedelta(days=rng.randint(95, 130)))

    def _imaging(self) -> None:
        p, rng = self.p, self.rng
        if p.ius_patient:
            day = p.intensified_on + timedelta(days=rng.randint(150, 220))
            for first in (
                p.anti_tnf_start - timedelta(days=rng.randint(10, 40)),
                p.lost_response_on + timedelta(days=rng.randint(20, 50)),
            ):
                self._ultrasound(first)
            while day <= self.end:
                self._ultrasound(day)
                day += timedelta(days=rng.randint(280, 420))
        self._endoscopy(p.patient.diagnosis_date, 0.85)
        if rng.random() < 0.5:
            self._endoscopy(p.lost_response_on + timedelta(days=30))

    def _ultrasound(self, day: date) -> None:
        if not self.start <= day <= self.end:
            return
        when, activity = self._at(day)
        self._add(*phys.ultrasound(self.rng, activity, when))
        self.events.append(ClinicalEvent(None, EventKind.ULTRASOUND, day, "Intestinal ultrasound"))

    def _endoscopy(self, day: date, activity: float | None = None) -> None:
        if day > self.end:
            return
        when, level = self._at(day)
        obs = phys.endoscopy_score(
            self.rng, activity if activity is not None else level, when, self.p.patient.ibd_type
        )
        healed = obs.value <= (2 if self.p.patient.ibd_type is IbdType.CROHNS else 1)
        self._add(obs)
        if day != self.p.patient.diagnosis_date:
            what = (
                "Ileocolonoscopy"
                if self.p.patient.ibd_type is IbdType.CROHNS
                else "Flexible sigmoidoscopy"
            )
            self.events.append(
                ClinicalEvent(None, EventKind.ENDOSCOPY, day, what, mucosal_healing=healed)
            )

    def _meeting_work_up(self) -> None:
        """Tests requested before an MDT review (or a routine review for suggestible patients)."""
        p, rng = self.p, self.rng
        if p.meeting_index is not None:
            meeting = self.cal.meetings[p.meeting_index]
        elif p.scenario is Scenario.SUGGESTIBLE:
            meeting = self.cal.as_of
        else:
            return
        if p.borderline is Borderline.STALE_LABS:
            self._drop(meeting - timedelta(days=140), meeting, _WORK_UP)
        else:
            day = meeting - timedelta(days=rng.randint(7, 28))
            # The work-up is the latest set of results the meeting sees.
            self._drop(day - timedelta(days=6), meeting, _WORK_UP)
            self._bloods(day)
            high = (
                (lambda: rng.uniform(265, 420))
                if p.borderline is Borderline.CALPROTECTIN_HIGH
                else None
            )
            self._fcp(day - timedelta(days=rng.randint(0, 5)), high)
            self._clinical(day)
            self._trough(day)
        imaging = {
            Analyte.IUS_BOWEL_WALL_MM,
            Analyte.IUS_LIMBERG,
            Analyte.SES_CD,
            Analyte.MAYO_ENDOSCOPIC,
        }
        if p.borderline is Borderline.NO_IMAGING:
            self._drop(meeting - timedelta(days=400), meeting, imaging)
            self.events[:] = [
                e
                for e in self.events
                if not (
                    e.kind in (EventKind.ULTRASOUND, EventKind.ENDOSCOPY)
                    and meeting - timedelta(days=400) < e.occurred_on <= meeting
                )
            ]
        elif p.patient.ibd_type is IbdType.CROHNS:
            self._ultrasound(meeting - timedelta(days=rng.randint(20, 200)))
        else:
            self._endoscopy(meeting - timedelta(days=rng.randint(30, 300)))

    def _drop(self, after: date, until: date, analytes: set[Analyte]) -> None:
        self.out = {
            k: o
            for k, o in self.out.items()
            if not (o.analyte in analytes and after < o.collected_at.date() <= until)
        }

    def _fate_checks(self) -> None:
        """Tests around a flare or a rising calprotectin after de-escalation."""
        p, rng = self.p, self.rng
        if p.fate is Fate.EARLY_WARNING and p.de_escalated_on:
            # A check in remission 2 to 4 weeks after the change, then the rising one: the early
            # warning compares the two (at least twice the one before, and above its alert level).
            check = p.de_escalated_on + timedelta(days=rng.randint(14, 28))
            warning = self.end - timedelta(days=rng.randint(2, 8))
            self._drop(check - DAY, warning, {Analyte.FAECAL_CALPROTECTIN})
            self._fcp(check, lambda: rng.uniform(25, 75))
            self._fcp(warning, lambda: rng.uniform(160, 240))
        reaction = p.fate is Fate.OTHER_STOP and p.stop_reason is EndReason.ADVERSE_EVENT
        if reaction and p.fate_on and p.drug in INFUSED:  # drawn before the infusion that reacted
            self._trough(p.fate_on, rng.uniform(6, 20))
        if p.fate_on and p.fate is not None and p.fate.flares:
            day = p.fate_on + timedelta(days=2)
            if day <= self.end:
                self._bloods(day)
                self._fcp(day)
                self._clinical(day)
            for offset in (60, 120):  # recapture checks after re-escalation
                check = p.fate_on + timedelta(days=offset + rng.randint(0, 20))
                if check <= self.end:
                    self._bloods(check)
                    self._fcp(check)
