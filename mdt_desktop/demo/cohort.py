"""Chooses the demo cohort: who plays which scenario, and when each turn of their course falls."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta

from mdt_desktop.demo.names import hospital_number, person_name, test_range_nhs_number
from mdt_desktop.demo.plans import (
    EIMS,
    INTENSIFIED,
    STANDARD,
    Borderline,
    Fate,
    Plan,
    Scenario,
    months,
    next_dose,
    weighted,
)
from mdt_desktop.domain.config import ClinicalConfig
from mdt_desktop.domain.enums import (
    DoseUnit,
    Drug,
    EndReason,
    IbdType,
    Outcome,
    Sex,
    SmokingStatus,
)
from mdt_desktop.domain.montreal import Montreal, montreal_age_band
from mdt_desktop.domain.records import Patient
from mdt_desktop.domain.regimens import Regimen, RegimenCatalogue

MEETING_WEEKDAY = calendar.WEDNESDAY
PREVIOUS_MEETINGS = 3


@dataclass(frozen=True, slots=True)
class Calendar:
    """The demo's today and its meeting dates: index 0 is this month's, 1..3 the previous.

    ``lab_density`` above 1 draws routine labs more often (load tests: about a million results
    for 2,000 patients at 2.5).
    """

    as_of: date
    meetings: tuple[date, ...]
    lab_density: float = 1.0


def last_weekday(year: int, month: int, weekday: int = MEETING_WEEKDAY) -> date:
    """Return the last *weekday* of the month (meetings are held on the last Wednesday)."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def meeting_calendar(as_of: date, lab_density: float = 1.0) -> Calendar:
    """This month's meeting (its last Wednesday, or today if that has passed) and three before."""
    current = max(last_weekday(as_of.year, as_of.month), as_of)
    dates = [current]
    year, month = as_of.year, as_of.month
    for _ in range(PREVIOUS_MEETINGS):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        dates.append(last_weekday(year, month))
    return Calendar(as_of, tuple(dates), lab_density)


def allocate(n: int, rng: random.Random) -> list[tuple[Scenario, int | None]]:
    """Return (scenario, meeting index) for each patient, shuffled."""
    small = n < 60
    clean = max(3, round(n * 0.07)) if small else rng.randint(7, 9)
    borderline = 1 if n < 30 else (2 if small else rng.randint(2, 3))
    roles: list[tuple[Scenario, int | None]] = [(Scenario.CANDIDATE, 0)] * clean
    roles += [(Scenario.BORDERLINE, 0)] * borderline
    for k in range(1, PREVIOUS_MEETINGS + 1):
        roles += [(Scenario.REVIEWED, k)] * (
            max(2, round(n * 0.04)) if small else rng.randint(5, 7)
        )
    rest = n - len(roles)
    shares = ((Scenario.HISTORIC, 0.35), (Scenario.SUGGESTIBLE, 0.2), (Scenario.ACTIVE, 0.25))
    for scenario, share in shares:
        roles += [(scenario, None)] * round(rest * share)
    roles += [(Scenario.RECENT, None)] * (n - len(roles))
    rng.shuffle(roles)
    return roles


def plan_cohort(n: int, seed: int, cal: Calendar, config: ClinicalConfig) -> list[Plan]:
    """Plan every patient's course, deterministically for *seed* and *cal*.

    The label induction schedules (regimens.toml ``induction``) and the loss-to-follow-up window
    (thresholds.toml ``lost_to_follow_up_after``) come from *config*.
    """
    rng = random.Random(f"mdt-demo:{seed}:cohort")
    roles = allocate(n, rng)
    used_nhs: set[str] = set()
    plans = [
        _plan_one(
            random.Random(f"mdt-demo:{seed}:{i}"),
            i,
            scenario,
            meeting,
            cal,
            used_nhs,
            config.regimens,
        )
        for i, (scenario, meeting) in enumerate(roles)
    ]
    _assign_outcomes(plans, cal, rng)
    _assign_borderlines(plans, cal, rng)
    _assign_historic_fates(plans, cal, rng)
    _assign_stops(plans, cal, rng, config)
    _uc_fails_more(plans, cal, rng)
    for plan in plans:
        _on_schedule(plan, config.regimens)
    return plans


def induction_days(regimens: RegimenCatalogue, drug: Drug) -> int:
    """Days from the first loading dose to the first maintenance dose (0: none configured)."""
    spec = regimens.induction(drug)
    return spec.days if spec is not None else 0


def _intensified_on(
    rng: random.Random, scenario: Scenario, meeting: int | None, cal: Calendar
) -> tuple[date, date | None]:
    """Return (date intensified, date de-escalated for historic patients)."""
    as_of = cal.as_of
    if scenario in (Scenario.CANDIDATE, Scenario.BORDERLINE, Scenario.REVIEWED):
        assert meeting is not None
        return cal.meetings[meeting] - months(rng.uniform(9, 34)), None
    if scenario is Scenario.HISTORIC:
        recent = rng.random() < 0.25
        de_escalated = as_of - months(rng.uniform(3, 11) if recent else rng.uniform(13, 44))
        return de_escalated - months(rng.uniform(8, 30)), de_escalated
    if scenario is Scenario.SUGGESTIBLE:
        return as_of - months(rng.uniform(8, 40)), None
    if scenario is Scenario.ACTIVE:
        return as_of - months(rng.uniform(3, 30)), None
    return as_of - months(rng.uniform(1, 5.5)), None


def _plan_one(
    rng: random.Random,
    index: int,
    scenario: Scenario,
    meeting: int | None,
    cal: Calendar,
    used_nhs: set[str],
    regimens: RegimenCatalogue,
) -> Plan:
    ibd_type = IbdType.CROHNS if rng.random() < 0.7 else IbdType.UC
    drug = Drug.INFLIXIMAB_IV if rng.random() < 0.6 else Drug.ADALIMUMAB
    intensified_on, de_escalated_on = _intensified_on(rng, scenario, meeting, cal)
    lost_response_on = intensified_on - timedelta(days=rng.randint(55, 100))
    induction = timedelta(days=induction_days(regimens, drug))
    maintenance = months(rng.uniform(8, 60))
    anti_tnf_start = lost_response_on - maintenance - induction
    earliest = cal.as_of - timedelta(days=round(11.5 * 365.25))
    latest = cal.as_of - timedelta(days=round(2.2 * 365.25))
    anti_tnf_start = min(max(anti_tnf_start, earliest), latest)
    if anti_tnf_start + induction + months(6) > lost_response_on:
        anti_tnf_start = lost_response_on - induction - months(6)
    patient = _patient(rng, index, ibd_type, anti_tnf_start, cal.as_of, used_nhs)
    immunomodulator = _immunomodulator(rng)
    stopped = None
    if immunomodulator and rng.random() < 0.15:
        stopped = intensified_on + timedelta(days=rng.randint(60, 300))
        stopped = stopped if stopped < cal.as_of else None
    intensified = weighted(rng, INTENSIFIED[drug])
    plan = Plan(
        index=index,
        scenario=scenario,
        patient=patient,
        drug=drug,
        standard=STANDARD[drug],
        intensified=intensified,
        anti_tnf_start=anti_tnf_start,
        lost_response_on=lost_response_on,
        intensified_on=intensified_on,
        pk_factor=rng.lognormvariate(0, 0.2),
        remission_level=rng.uniform(0.35, 0.55)
        if scenario is Scenario.ACTIVE
        else rng.uniform(0.03, 0.1),
        immunomodulator=immunomodulator,
        immunomodulator_stopped=stopped,
        resections=_resections(rng, patient, anti_tnf_start),
        meeting_index=meeting,
        ius_patient=rng.random() < (0.8 if ibd_type is IbdType.CROHNS else 0.3),
        lor_steroids=rng.random() < 0.35,
        transient_antibodies=rng.random() < 0.12,
    )
    if de_escalated_on is not None:
        plan.de_escalated_on = de_escalated_on
        plan.de_escalated = de_escalation_target(plan.intensified, rng)
    return plan


def _patient(
    rng: random.Random,
    index: int,
    ibd_type: IbdType,
    anti_tnf_start: date,
    as_of: date,
    used_nhs: set[str],
) -> Patient:
    sex = Sex.FEMALE if rng.random() < 0.52 else Sex.MALE
    given, family = person_name(rng, sex)
    band = weighted(rng, (("A1", 0.12), ("A2", 0.62), ("A3", 0.26)))
    age_dx = {"A1": rng.randint(11, 16), "A2": rng.randint(17, 40), "A3": rng.randint(41, 68)}[band]
    diagnosis = anti_tnf_start - months(rng.uniform(3, 96))
    birth = _years_before(diagnosis, age_dx) - timedelta(days=rng.randint(1, 360))
    adult = _years_before(as_of, 18)
    if birth > adult:  # an adult service: move the story back so the patient is 18 or over
        shift = birth - adult + timedelta(days=rng.randint(30, 700))
        birth, diagnosis = birth - shift, diagnosis - shift
    montreal = _montreal(rng, ibd_type, montreal_age_band(age_dx))
    return Patient(
        id=None,
        hospital_number=hospital_number(index),
        family_name=family,
        given_name=given,
        date_of_birth=birth,
        sex=sex,
        ibd_type=ibd_type,
        diagnosis_date=diagnosis,
        montreal=montreal,
        smoking=_smoking(rng, ibd_type),
        extraintestinal=_eims(rng, ibd_type),
        prior_immunomodulator_failure=rng.random() < 0.3,
        nhs_number=test_range_nhs_number(rng, used_nhs),
        is_demo=True,
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _montreal(rng: random.Random, ibd_type: IbdType, age: str) -> Montreal:
    if ibd_type is not IbdType.CROHNS:
        return Montreal(extent=weighted(rng, (("E1", 0.08), ("E2", 0.4), ("E3", 0.52))))
    behaviour = weighted(rng, (("B1", 0.55), ("B2", 0.25), ("B3", 0.2)))
    return Montreal(
        age=age,
        location=weighted(rng, (("L1", 0.3), ("L2", 0.25), ("L3", 0.45))),
        upper_gi=rng.random() < 0.08,
        behaviour=behaviour,
        perianal=rng.random() < (0.35 if behaviour == "B3" else 0.15),
    )


def _smoking(rng: random.Random, ibd_type: IbdType) -> SmokingStatus:
    current, former = (0.18, 0.22) if ibd_type is IbdType.CROHNS else (0.06, 0.32)
    return weighted(
        rng,
        (
            (SmokingStatus.CURRENT, current),
            (SmokingStatus.FORMER, former),
            (SmokingStatus.NEVER, 1 - current - former - 0.03),
            (SmokingStatus.UNKNOWN, 0.03),
        ),
    )


def _eims(rng: random.Random, ibd_type: IbdType) -> tuple[str, ...]:
    pool = EIMS if ibd_type is IbdType.UC else EIMS[:-1]
    roll = rng.random()
    count = 2 if roll < 0.06 else (1 if roll < 0.32 else 0)
    return tuple(sorted(rng.sample(pool, count)))


def _immunomodulator(rng: random.Random) -> Drug | None:
    if rng.random() >= 0.45:
        return None
    return weighted(
        rng, ((Drug.AZATHIOPRINE, 0.75), (Drug.METHOTREXATE, 0.15), (Drug.MERCAPTOPURINE, 0.1))
    )


def _resections(rng: random.Random, patient: Patient, anti_tnf_start: date) -> list[date]:
    if patient.ibd_type is not IbdType.CROHNS or patient.montreal.location == "L2":
        return []
    window = (anti_tnf_start - patient.diagnosis_date).days - 60
    if window < 120:
        return []
    roll = rng.random()
    count = 2 if roll < 0.05 else (1 if roll < 0.3 else 0)
    days = sorted(rng.sample(range(60, window), count))
    return [patient.diagnosis_date + timedelta(days=d) for d in days]


def de_escalation_target(intensified: Regimen, rng: random.Random) -> Regimen:
    """The regimen a de-escalation steps down to (docs/clinical.md, "Dosing")."""
    if intensified.drug is Drug.INFLIXIMAB_IV and intensified.interval_days == 28:
        interval = 42 if rng.random() < 0.5 else 56
        return Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, interval)
    return STANDARD[intensified.drug]


def _assign_outcomes(plans: list[Plan], cal: Calendar, rng: random.Random) -> None:
    """Decisions at the previous meetings: mostly de-escalate, some continue or defer."""
    for k in range(1, PREVIOUS_MEETINGS + 1):
        cases = [p for p in plans if p.scenario is Scenario.REVIEWED and p.meeting_index == k]
        for i, plan in enumerate(cases):
            if i == 0:
                plan.outcome = Outcome.DE_ESCALATE
            elif i == 1 and k != 2:
                plan.outcome = Outcome.CONTINUE_INTENSIFIED if k == 1 else Outcome.DEFER
            else:
                plan.outcome = weighted(
                    rng,
                    (
                        (Outcome.DE_ESCALATE, 0.7),
                        (Outcome.CONTINUE_INTENSIFIED, 0.18),
                        (Outcome.DEFER, 0.12),
                    ),
                )
            if plan.outcome is Outcome.DE_ESCALATE:
                meeting = cal.meetings[k]
                plan.de_escalated_on = meeting + timedelta(days=rng.randint(10, 24))
                plan.de_escalated = de_escalation_target(plan.intensified, rng)
                plan.fate = Fate.MAINTAINED
        de_escalated = [p for p in cases if p.outcome is Outcome.DE_ESCALATE]
        if k == PREVIOUS_MEETINGS and de_escalated:
            first = de_escalated[0]  # the earliest meeting's first de-escalation flares
            assert first.de_escalated_on is not None
            first.fate, first.recaptured = Fate.RE_ESCALATED, False
            first.fate_on = first.de_escalated_on + timedelta(days=rng.randint(48, 58))
        if k == 2 and de_escalated:
            de_escalated[-1].fate = Fate.EARLY_WARNING


def _assign_borderlines(plans: list[Plan], cal: Calendar, rng: random.Random) -> None:
    kinds = list(Borderline)
    rng.shuffle(kinds)
    for plan, kind in zip(
        (p for p in plans if p.scenario is Scenario.BORDERLINE), kinds, strict=False
    ):
        plan.borderline = kind
    for plan in plans:
        if plan.outcome is Outcome.DEFER:
            plan.borderline = Borderline.NO_IMAGING
        elif plan.outcome is Outcome.CONTINUE_INTENSIFIED and rng.random() < 0.5:
            plan.borderline = Borderline.CALPROTECTIN_HIGH
        if plan.borderline is Borderline.SHORT_INTENSIFICATION and plan.meeting_index is not None:
            plan.intensified_on = cal.meetings[plan.meeting_index] - months(rng.uniform(4.3, 5.4))
            plan.lost_response_on = plan.intensified_on - timedelta(days=rng.randint(55, 90))
        if plan.borderline is Borderline.LOW_TROUGH:
            plan.pk_factor = 0.35
        if plan.scenario in (Scenario.CANDIDATE, Scenario.BORDERLINE, Scenario.REVIEWED):
            plan.lor_steroids = plan.lor_steroids and plan.borderline is None


# Share of the historic de-escalations that fail within 12 months, by drug and diagnosis: about
# a third overall for a cohort of 7 Crohn's to 3 UC (0.7 x 0.22 + 0.3 x 0.55 = 0.32), so that
# with the stops and losses that censor some successes early the Kaplan-Meier estimate at 12
# months comes close to the published 64% maintained (docs/clinical.md, "Outcome audit"). UC
# fails more often, as the configured risk factor says (docs/clinical.md, "Risk factors": hazard
# ratio 3.2 after infliximab de-escalation [S16]): 1 - (1 - 0.22) ** 3.2 = 0.55 against 0.22 in
# Crohn's disease. No figure is published for adalimumab; a smaller excess is assumed:
# 1 - (1 - 0.28) ** 1.5 = 0.39 against 0.28.
FAILURE_12M = {
    (Drug.INFLIXIMAB_IV, IbdType.CROHNS): 0.22,
    (Drug.INFLIXIMAB_IV, IbdType.UC): 0.55,
    (Drug.ADALIMUMAB, IbdType.CROHNS): 0.28,
    (Drug.ADALIMUMAB, IbdType.UC): 0.39,
}
SHORT_FOLLOW_UP_SHARE = 0.6  # followed for less than a year: fewer of the failures seen yet


def _failing(historic: list[Plan], cal: Calendar, rng: random.Random) -> set[int]:
    """Which historic de-escalations fail: the share of each stratum, not a coin per patient.

    Drawn within each drug x diagnosis x follow-up stratum (the count rounded at random), so each
    stratum fails at its planned share give or take one patient, whatever the seed.
    """
    strata: dict[tuple[Drug, IbdType, bool], list[Plan]] = {}
    for plan in historic:
        assert plan.de_escalated_on is not None
        long = (cal.as_of - plan.de_escalated_on).days > 365
        strata.setdefault((plan.drug, plan.patient.ibd_type, long), []).append(plan)
    failing: set[int] = set()
    for (drug, ibd_type, long), members in strata.items():
        share = FAILURE_12M.get((drug, ibd_type), FAILURE_12M[(drug, IbdType.CROHNS)])
        share *= 1.0 if long else SHORT_FOLLOW_UP_SHARE
        count = min(len(members), int(share * len(members) + rng.random()))
        failing.update(p.index for p in rng.sample(members, count))
    return failing


def _assign_historic_fates(plans: list[Plan], cal: Calendar, rng: random.Random) -> None:
    """Outcomes after historic de-escalations, close to the published ones (64% at 12 months)."""
    historic = [p for p in plans if p.scenario is Scenario.HISTORIC]
    failing = _failing(historic, cal, rng)
    trial_given = False
    for plan in historic:
        assert plan.de_escalated_on is not None
        follow_up = (cal.as_of - plan.de_escalated_on).days
        if plan.index not in failing:
            late = follow_up > 450 and rng.random() < 0.15
            plan.fate = Fate.LATE_RELAPSE if late else Fate.MAINTAINED
            if late:
                plan.fate_on = plan.de_escalated_on + timedelta(
                    days=rng.randint(400, follow_up - 30)
                )
                plan.recaptured = True
            continue
        options: tuple[tuple[Fate, float], ...] = (
            (Fate.RE_ESCALATED, 0.6),
            (Fate.STEROIDS, 0.15),
            (Fate.STOPPED, 0.1),
        )
        if plan.patient.ibd_type is IbdType.CROHNS:
            options += ((Fate.SURGERY, 0.1),)
        fate = Fate.TRIAL if not trial_given and follow_up > 365 else weighted(rng, options)
        trial_given = trial_given or fate is Fate.TRIAL
        _fail(plan, fate, cal, rng)


FAILURES = frozenset({Fate.RE_ESCALATED, Fate.TRIAL, Fate.STEROIDS, Fate.SURGERY, Fate.STOPPED})
LAST_FLARE_DAY = 320  # a failing flare this long after de-escalating still fails within a year
FAILURE_AFTER_FLARE = 40  # days from the flare to the failure it brings, at most


def _fail(plan: Plan, fate: Fate, cal: Calendar, rng: random.Random) -> None:
    """Make *plan* fail by *fate*, its flare 45 to 320 days after the de-escalation.

    The re-escalation, surgery or switch that follows a flare comes within
    ``FAILURE_AFTER_FLARE`` days, so every failure falls within the 12-month window and before
    *cal.as_of*.
    """
    assert plan.de_escalated_on is not None
    follow_up = (cal.as_of - plan.de_escalated_on).days
    horizon = min(follow_up - FAILURE_AFTER_FLARE - 5, LAST_FLARE_DAY)
    plan.fate = fate
    plan.fate_on = plan.de_escalated_on + timedelta(days=rng.randint(min(45, horizon), horizon))
    plan.recaptured = fate is Fate.RE_ESCALATED and rng.random() < 0.8


def _failure_share(plans: list[Plan], cal: Calendar, ibd_type: IbdType) -> float | None:
    """The share of de-escalations of *ibd_type* planned to fail, of those the audit can judge.

    As the 12-month figure counts them: failed within the year, or followed for a year without
    failing and without a stop or a loss to follow-up in it (None when there is neither).
    """
    failed = kept = 0
    for plan in plans:
        start = plan.de_escalated_on
        if start is None or plan.fate is None or plan.patient.ibd_type is not ibd_type:
            continue
        if plan.fate in FAILURES and plan.fate_on is not None:
            failed += plan.fate_on + timedelta(days=FAILURE_AFTER_FLARE) < cal.as_of
            continue
        year = start + timedelta(days=366)
        censored = (plan.fate is Fate.OTHER_STOP and (plan.fate_on or year) < year) or (
            plan.fate is Fate.LOST and (plan.last_contact or year) < year
        )
        kept += year <= cal.as_of and not censored
    return failed / (failed + kept) if failed + kept else None


def _uc_fails_more(plans: list[Plan], cal: Calendar, rng: random.Random) -> None:
    """Never let the demo contradict the configured UC risk factor, whatever the seed.

    A cohort of 120 has only a handful of UC de-escalations the audit can judge, so chance alone
    can leave UC doing better than Crohn's disease. While it would, one more UC patient followed
    for over a year re-escalates within it (docs/clinical.md, "Risk factors").
    """
    while True:
        uc = _failure_share(plans, cal, IbdType.UC)
        crohns = _failure_share(plans, cal, IbdType.CROHNS)
        if uc is None or crohns is None or uc > crohns:
            return
        spare = next(
            (
                p
                for p in plans
                if p.scenario is Scenario.HISTORIC
                and p.fate is Fate.MAINTAINED
                and p.patient.ibd_type is IbdType.UC
                and p.de_escalated_on is not None
                and (cal.as_of - p.de_escalated_on).days > 400
            ),
            None,
        )
        if spare is None:
            return
        _fail(spare, Fate.RE_ESCALATED, cal, rng)


# Stops in remission for a reason other than lack of effect, with the reason as an EHR sends it
# (FHIR MedicationStatement.statusReason text): each censors the de-escalation on its date
# (docs/clinical.md, "Outcome audit").
STOPS: tuple[tuple[EndReason, str, Drug | None, bool], ...] = (
    # (end reason, text as sent, only for this drug, only for women who may plan a pregnancy)
    (EndReason.ADVERSE_EVENT, "Infusion reaction", Drug.INFLIXIMAB_IV, False),
    (EndReason.PREGNANCY, "Pregnancy planned", None, True),
    (EndReason.PATIENT_CHOICE, "Patient choice", None, False),
    (EndReason.ADVERSE_EVENT, "Paradoxical psoriasis", Drug.ADALIMUMAB, False),
)
PREGNANCY_AGES = (18, 42)
LOST_PER_COHORT = 2  # patients who stopped attending (one in small cohorts)


def _assign_stops(
    plans: list[Plan], cal: Calendar, rng: random.Random, config: ClinicalConfig
) -> None:
    """Turn a few maintained historic de-escalations into stops and losses to follow-up.

    At most two in five of them: first the patients who stopped attending with their drug left
    "active" (silent for longer than ``lost_to_follow_up_after`` and a month more, their last
    contact within the first year so that the 12-month figure depends on it), then one stop of
    each kind in ``STOPS`` for whom it fits.
    """
    candidates = [
        p
        for p in plans
        if p.scenario is Scenario.HISTORIC
        and p.fate is Fate.MAINTAINED
        and p.de_escalated_on is not None
        and (cal.as_of - p.de_escalated_on).days >= 120
    ]
    rng.shuffle(candidates)
    budget = len(candidates) * 2 // 5
    window = round(config.thresholds["lost_to_follow_up_after"].days)
    quiet = window + 30
    lost = LOST_PER_COHORT if len(candidates) >= 10 else 1
    # One of them in the follow-up worklist's first year, so the screen shows a patient who has
    # gone quiet: de-escalated 10 to 12 months ago, not seen since the first weeks.
    recent = next((p for p in candidates if _lose_recently(p, cal, rng, window)), None)
    if recent is not None:
        lost -= 1
        budget -= 1
    for plan in candidates:
        if budget <= 0 or lost <= 0:
            break
        if _lose(plan, cal, rng, quiet):
            lost -= 1
            budget -= 1
    for reason, text, drug, pregnancy in STOPS:
        if budget <= 0:
            break
        chosen = next(
            (
                p
                for p in candidates
                if p.fate is Fate.MAINTAINED
                and (drug is None or p.drug is drug)
                and _stop(p, cal, rng, pregnancy)
            ),
            None,
        )
        if chosen is not None:
            chosen.fate, chosen.stop_reason, chosen.stop_detail = Fate.OTHER_STOP, reason, text
            budget -= 1


def _lose_recently(plan: Plan, cal: Calendar, rng: random.Random, window: int) -> bool:
    """Make *plan*, de-escalated 10 to 12 months ago, lost after its first weeks; else False."""
    assert plan.de_escalated_on is not None
    since = (cal.as_of - plan.de_escalated_on).days
    if not window + 30 <= since <= 360:
        return False
    plan.fate = Fate.LOST
    latest = since - window - 7  # silent for at least a week longer than the window
    plan.last_contact = plan.de_escalated_on + timedelta(days=rng.randint(7, max(7, latest)))
    return True


def _lose(plan: Plan, cal: Calendar, rng: random.Random, quiet: int) -> bool:
    """Make *plan* a patient lost to follow-up, if followed long enough for it to show."""
    assert plan.de_escalated_on is not None
    room = (cal.as_of - plan.de_escalated_on).days - quiet
    if room < 90:
        return False
    plan.fate = Fate.LOST
    plan.last_contact = plan.de_escalated_on + timedelta(days=rng.randint(90, min(room, 300)))
    return True


def _stop(plan: Plan, cal: Calendar, rng: random.Random, pregnancy: bool) -> bool:
    """Set ``fate_on`` to a dose day of the reduced regimen the drug can stop on; False if none.

    The stop falls 2 to 18 months after the de-escalation and at least a dose interval before
    *cal.as_of*; a pregnancy is planned only by a woman of 18 to 42.
    """
    assert plan.de_escalated_on is not None
    assert plan.de_escalated is not None
    interval = plan.de_escalated.interval_days
    latest = min((cal.as_of - plan.de_escalated_on).days - interval - 14, 540)
    if latest < 60:
        return False
    day = next_dose(
        plan.de_escalated_on,
        interval,
        plan.de_escalated_on + timedelta(days=rng.randint(60, latest)),
    )
    if pregnancy:
        age = plan.patient.age_on(day)
        if plan.patient.sex is not Sex.FEMALE or not PREGNANCY_AGES[0] <= age <= PREGNANCY_AGES[1]:
            return False
    plan.fate_on = day
    return True


def _on_schedule(plan: Plan, regimens: RegimenCatalogue) -> None:
    """Move the course so each change of regimen falls on a dose day of the regimen before it.

    The reduced regimen starts on a dose day of the intensified one (the lead-up shifts earlier
    by less than an interval), and intensification on a dose day of the standard regimen (the
    first dose moves earlier, or later when that would come too close to the diagnosis or a
    resection), keeping at least six months of standard maintenance before the loss of response.
    """
    if plan.de_escalated_on is not None:
        ahead = (plan.intensified_on - plan.de_escalated_on).days
        shift = timedelta(days=ahead % plan.intensified.interval_days)
        plan.intensified_on -= shift
        plan.lost_response_on -= shift
    interval = plan.standard.interval_days
    induction = timedelta(days=induction_days(regimens, plan.drug))
    earlier = (plan.anti_tnf_start + induction - plan.intensified_on).days % interval
    start = plan.anti_tnf_start - timedelta(days=earlier)
    while start + induction + months(6) > plan.lost_response_on:
        start -= timedelta(days=interval)
    floor = max(
        [plan.patient.diagnosis_date + timedelta(days=60)]
        + [day + timedelta(days=30) for day in plan.resections]
    )
    if start < floor and earlier:
        start = plan.anti_tnf_start + timedelta(days=interval - earlier)
    plan.anti_tnf_start = start
