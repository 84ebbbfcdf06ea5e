"""Turns a demo patient's plan into a clinical record: medication periods, events and labs."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from mdt_desktop.demo import physiology as phys
from mdt_desktop.demo.cohort import Calendar
from mdt_desktop.demo.plans import Borderline, Fate, Plan, Scenario, months
from mdt_desktop.domain.catalogue import DRUGS
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
from mdt_desktop.domain.records import ClinicalEvent, MedicationPeriod, Observation, PatientRecord
from mdt_desktop.domain.regimens import Regimen

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


def simulate(plan: Plan, cal: Calendar, seed: int, attempt: int = 0) -> PatientRecord:
    """Return the full synthetic record of one planned patient (*attempt* varies the noise)."""
    rng = random.Random(f"mdt-demo:{seed}:{plan.index}:record:{attempt}")
    medications = _medications(plan, cal, rng)
    curve = _activity(plan, cal, rng)
    events = _events(plan, cal, rng)
    observations = _Observations(plan, cal, rng, curve, medications, events).build()
    return PatientRecord(
        plan.patient,
        tuple(medications),
        tuple(observations),
        tuple(sorted(events, key=lambda e: e.occurred_on)),
    )


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
    )


def _medications(plan: Plan, cal: Calendar, rng: random.Random) -> list[MedicationPeriod]:
    p = plan
    periods = [_steroids(p.patient.diagnosis_date + timedelta(days=10), "Presenting flare")]
    trigger = p.anti_tnf_start - timedelta(days=rng.randint(20, 45))
    if trigger > periods[0].end + timedelta(days=60):  # type: ignore[operator]
        periods.append(_steroids(trigger, "Flare before starting anti-TNF"))
    periods += _immunomodulator_periods(plan, rng)
    periods += _anti_tnf_periods(plan, cal, rng)
    if p.lor_steroids:
        periods.append(
            _steroids(p.lost_response_on + timedelta(days=21), "Loss of response", weeks=8)
        )
    if p.borderline is Borderline.RECENT_STEROIDS and p.meeting_index is not None:
        start = cal.meetings[p.meeting_index] - months(rng.uniform(4.2, 5.0))
        periods.append(_steroids(start, "Flare of arthropathy and loose stools", weeks=8))
    if p.fate is Fate.STEROIDS and p.fate_on:
        periods.append(_steroids(p.fate_on + timedelta(days=4), "Flare after de-escalation"))
    return [m for m in periods if m.start < cal.as_of]


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
    end_reason = EndReason.ADVERSE_EVENT if rng.random() < 0.5 else EndReason.PATIENT_CHOICE
    return [
        _period(
            drug,
            dose,
            DoseUnit.MG,
            interval,
            start,
            plan.immunomodulator_stopped,
            reason=reason,
            end_reason=end_reason,
        )
    ]


def _anti_tnf_periods(plan: Plan, cal: Calendar, rng: random.Random) -> list[MedicationPeriod]:
    p = plan
    drug = p.drug
    induction_days = 98 if drug is Drug.INFLIXIMAB_IV else 28
    first_dose = 5 if drug is Drug.INFLIXIMAB_IV else 160
    maintenance_start = p.anti_tnf_start + timedelta(days=induction_days)
    periods = [
        _period(
            drug,
            first_dose,
            p.standard.dose_unit,
            14,
            p.anti_tnf_start,
            maintenance_start,
            phase=Phase.INDUCTION,
            reason="Induction",
            end_reason=EndReason.REGIMEN_CHANGE,
        ),
        _regimen_period(p.standard, maintenance_start, p.intensified_on, "Standard maintenance"),
    ]
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
    if p.fate in (Fate.RE_ESCALATED, Fate.LATE_RELAPSE) and fate_on is not None:
        back_up = fate_on + timedelta(days=rng.randint(8, 18))
        if back_up >= cal.as_of:
            return [_regimen_period(p.de_escalated, p.de_escalated_on, None, why)]
        periods = [
            _regimen_period(p.de_escalated, p.de_escalated_on, back_up, why),
            _regimen_period(
                p.intensified, back_up, None, "Re-escalated for a flare after de-escalation"
            ),
        ]
        switch = back_up + timedelta(days=180)
        if not p.recaptured and switch < cal.as_of:
            periods[-1] = _regimen_period(
                p.intensified,
                back_up,
                switch,
                "Re-escalated for a flare after de-escalation",
                EndReason.LACK_OF_EFFECT,
            )
            periods += _switch_to_ustekinumab(switch)
        return periods
    if p.fate is Fate.STOPPED and fate_on is not None:
        return [
            _regimen_period(
                p.de_escalated, p.de_escalated_on, fate_on, why, EndReason.LACK_OF_EFFECT
            ),
            *_switch_to_ustekinumab(fate_on),
        ]
    if p.fate is Fate.TRIAL and fate_on is not None:
        return [_regimen_period(p.de_escalated, p.de_escalated_on, fate_on, why, EndReason.OTHER)]
    return [_regimen_period(p.de_escalated, p.de_escalated_on, None, why)]


def _switch_to_ustekinumab(start: date) -> list[MedicationPeriod]:
    maintenance = start + timedelta(weeks=8)
    return [
        _period(
            Drug.USTEKINUMAB,
            6,
            DoseUnit.MG_PER_KG,
            56,
            start,
            maintenance,
            phase=Phase.INDUCTION,
            reason="Switched for lack of effect of anti-TNF",
            end_reason=EndReason.REGIMEN_CHANGE,
        ),
        _period(
            Drug.USTEKINUMAB,
            90,
            DoseUnit.MG,
            56,
            maintenance,
            None,
            reason="Ustekinumab maintenance",
        ),
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
    if p.fate is Fate.EARLY_WARNING:
        _clear_after(curve, cal.as_of - timedelta(days=80))
        curve.add(cal.as_of - timedelta(days=75), level)
        curve.add(cal.as_of, 0.3)
        return
    if p.fate_on is None or p.fate in (Fate.MAINTAINED, None):
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
    if p.fate_on and p.fate not in (Fate.MAINTAINED, Fate.EARLY_WARNING) and p.fate_on < cal.as_of:
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
        self.end = cal.as_of - DAY
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

    def _trough(self, day: date, titre: float | None = None, *, pre_dose: bool = True) -> None:
        """A drug level and its antibodies, around *day*.

        Drawn before the period's scheduled dose on or before *day* (a trough), or on *day*
        itself when not *pre_dose* (taken at a clinic visit, as a reactive level at loss of
        response often is).
        """
        period = current_anti_tnf(self.meds, day)
        if period is None or DRUGS[period.drug].level_analyte is None:
            return
        if pre_dose:
            day -= timedelta(days=(day - period.start).days % max(period.interval_days, 1))
        when, activity = self._at(day)
        level = phys.trough(self.rng, period.regimen, activity, self.p.pk_factor, when)
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
        titre = rng.uniform(3.5, 9) * (4 if p.drug is Drug.ADALIMUMAB else 1)
        self._trough(
            p.lost_response_on + timedelta(days=rng.randint(10, 30)),
            titre if p.transient_antibodies else None,
            pre_dose=False,
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
            self._fcp(p.de_escalated_on + timedelta(days=rng.randint(30, 45)))
            self._fcp(self.end - timedelta(days=rng.randint(2, 8)), lambda: rng.uniform(160, 240))
        if p.fate_on and p.fate not in (Fate.MAINTAINED, Fate.EARLY_WARNING):
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
