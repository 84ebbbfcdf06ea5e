"""How the demo's synthetic markers behave: one disease-activity curve drives them all.

Activity is 0 (deep remission) to 1 (severe flare), piecewise linear between knots. Each marker
is a plausible function of activity plus noise, so calprotectin, CRP, albumin, haemoglobin and
the clinical scores rise and fall together as they do in real patients; trough levels follow the
regimen's intensity and fall when activity (drug clearance) is high. Across a dosing interval a
drug's level falls from its peak to the trough before the next dose (``interval_profile``), so a
level drawn mid-interval is higher than the trough.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import Analyte, Comparator, Drug, IbdType, Sex
from mdt_desktop.domain.records import Observation
from mdt_desktop.domain.regimens import Regimen

SOURCE = "demo generator"
# The DEMO laboratory's anti-drug antibody assay, as resources/antibody_assays.toml configures it
# (key "demo-elisa"): one drug-sensitive ELISA for antibodies to infliximab and to adalimumab,
# reported in ug/mL-equivalents, "<2.5" below its limit (docs/clinical.md, "Antibodies").
ANTIBODY_ASSAY = "DEMO ELISA"
ANTIBODY_UNIT = "ug/mL{eq}"
ANTIBODY_LIMIT = 2.5
FLAG_NEGATIVE, FLAG_POSITIVE = "N", "POS"  # the laboratory's flag (HL7 OBX-8)
ANTIBODY_CLEARANCE = 3.0  # ug/mL-eq: antibodies of 3 leave a third of the drug, of 9 a twentieth
LEVEL_ASSAYS = {  # the assay of each drug level (antibodies have their own, above)
    Analyte.INFLIXIMAB_LEVEL: "DEMO infliximab level ELISA",
    Analyte.ADALIMUMAB_LEVEL: "DEMO adalimumab level ELISA",
}
# Elimination half-life of each molecule (days): infliximab 7.7-9.5 days (label, S1), the upper
# figure taken; adalimumab about 2 weeks (label, S6).
HALF_LIFE_DAYS = {"infliximab": 9.5, "adalimumab": 14.0}
# Absorption after a subcutaneous injection (per day): a peak about 5.5 days after the dose, as
# the adalimumab label gives it (131 hours): ln(0.45 / k) / (0.45 - k) = 5.5 with k = ln 2 / 14.
SC_ABSORPTION_PER_DAY = 0.45


@dataclass
class ActivityCurve:
    """Disease activity over time as (date, level) knots."""

    knots: list[tuple[date, float]]

    def at(self, day: date) -> float:
        days = [k[0] for k in self.knots]
        i = bisect.bisect_right(days, day)
        if i == 0:
            return self.knots[0][1]
        if i == len(self.knots):
            return self.knots[-1][1]
        (d0, a0), (d1, a1) = self.knots[i - 1], self.knots[i]
        span = (d1 - d0).days or 1
        return a0 + (a1 - a0) * (day - d0).days / span

    def add(self, day: date, level: float) -> None:
        self.knots.append((day, max(0.0, min(1.0, level))))
        self.knots.sort(key=lambda k: k[0])


def _obs(
    analyte: Analyte,
    value: float,
    unit: str,
    when: datetime,
    *,
    comparator: Comparator | None = None,
    assay: str | None = None,
    target: str | None = None,
    original_unit: str | None = None,
    original_value: str | None = None,
    flag: str | None = None,
) -> Observation:
    shown = f"{comparator or ''}{value:g}"
    return Observation(
        id=None,
        analyte=analyte,
        value=value,
        unit=unit,
        collected_at=when,
        comparator=comparator,
        original_value=original_value or shown,
        original_unit=original_unit or unit,
        source=SOURCE,
        assay=assay,
        target_drug=target,
        abnormal_flag=flag,
    )


def calprotectin(rng: random.Random, activity: float, when: datetime) -> Observation:
    """Faecal calprotectin: ~40 ug/g in remission, ~1000 in a flare; assay range 20-1800."""
    value = math.exp(math.log(40) + activity * (math.log(1000) - math.log(40)) + rng.gauss(0, 0.3))
    if value < 20:
        return _obs(Analyte.FAECAL_CALPROTECTIN, 20, "ug/g", when, comparator=Comparator.LT)
    if value > 1800:
        return _obs(Analyte.FAECAL_CALPROTECTIN, 1800, "ug/g", when, comparator=Comparator.GT)
    return _obs(Analyte.FAECAL_CALPROTECTIN, round(value), "ug/g", when)


def crp(rng: random.Random, activity: float, when: datetime) -> Observation:
    """CRP: ~1.5 mg/L in remission, ~35 in a flare; reported as <1 below the assay limit."""
    value = math.exp(math.log(1.5) + activity * (math.log(35) - math.log(1.5)) + rng.gauss(0, 0.35))
    if value < 1:
        return _obs(Analyte.CRP, 1, "mg/L", when, comparator=Comparator.LT)
    return _obs(Analyte.CRP, round(value, 1), "mg/L", when)


def blood_panel(
    rng: random.Random, activity: float, when: datetime, sex: Sex, on_steroids: bool
) -> list[Observation]:
    """WBC, haemoglobin and albumin from one blood draw."""
    wbc = 5.6 + 3.0 * activity + (2.5 if on_steroids else 0.0) + rng.gauss(0, 0.9)
    base_hb = 14.6 if sex is Sex.MALE else 13.3
    hb = base_hb - 2.2 * activity + rng.gauss(0, 0.45)
    albumin = 42.5 - 9.0 * activity + rng.gauss(0, 1.4)
    return [
        _obs(Analyte.WBC, round(max(2.5, wbc), 1), "10^9/L", when),
        _obs(Analyte.HAEMOGLOBIN, round(max(7.5, hb), 1), "g/dL", when),
        _obs(Analyte.ALBUMIN, round(min(50.0, max(22.0, albumin))), "g/L", when),
    ]


def clinical_score(
    rng: random.Random, activity: float, when: datetime, ibd_type: IbdType
) -> Observation:
    """HBI for Crohn's disease, partial Mayo for ulcerative colitis / IBD-U."""
    if ibd_type is IbdType.CROHNS:
        hbi = round(1.2 + 10.0 * activity + rng.gauss(0, 1.0))
        return _obs(Analyte.HBI, float(max(0, hbi)), "score", when)
    mayo = round(6.8 * activity + rng.gauss(0, 0.45))
    return _obs(Analyte.PARTIAL_MAYO, float(min(9, max(0, mayo))), "score", when)


def ultrasound(rng: random.Random, activity: float, when: datetime) -> list[Observation]:
    """Bowel wall thickness (mm) and Limberg grade from one intestinal ultrasound."""
    bwt = 2.0 + 5.5 * activity + rng.gauss(0, 0.25)
    limberg = min(4, max(0, round(activity * 4.2 + rng.gauss(0, 0.35) - 0.3)))
    return [
        _obs(Analyte.IUS_BOWEL_WALL_MM, round(max(1.2, bwt), 1), "mm", when),
        _obs(Analyte.IUS_LIMBERG, float(limberg), "grade", when),
    ]


def endoscopy_score(
    rng: random.Random, activity: float, when: datetime, ibd_type: IbdType
) -> Observation:
    """SES-CD for Crohn's disease, Mayo endoscopic subscore for UC."""
    if ibd_type is IbdType.CROHNS:
        score = max(0, round(16 * activity + rng.gauss(0, 1.2) - 0.8))
        return _obs(Analyte.SES_CD, float(score), "score", when)
    mes = min(3, max(0, round(3.4 * activity + rng.gauss(0, 0.3) - 0.2)))
    return _obs(Analyte.MAYO_ENDOSCOPIC, float(mes), "score", when)


# Typical trough (ug/mL) at each intensity for an average patient in remission.
_IFX_PER_MGKG_WEEK = 6.0  # 5 mg/kg q8w (0.625 mg/kg/wk) -> ~3.8; q6w -> ~5; 10 q8w -> ~7.5
_ADA_PER_MG_WEEK = 0.36  # 40 mg q2w (20 mg/wk) -> ~7; weekly -> ~14


def trough_value(rng: random.Random, regimen: Regimen, activity: float, pk_factor: float) -> float:
    """The trough (ug/mL) of *regimen*: intensity x patient factor, lower when active.

    Interval shortening raises troughs more than dose raising at the same mg/week
    (docs/clinical.md, "Drug levels"); a mild exponent on the interval approximates that.
    """
    intensity = regimen.intensity.value
    if regimen.drug is Drug.INFLIXIMAB_IV:
        base = _IFX_PER_MGKG_WEEK * intensity * (56 / regimen.interval_days) ** 0.35
    else:
        base = _ADA_PER_MG_WEEK * intensity * (14 / regimen.interval_days) ** 0.25
    noise = math.exp(rng.gauss(0, 0.15))
    return float(base * pk_factor * (1.0 - 0.75 * activity) * noise)


def interval_profile(drug: Drug, interval_days: int, days_since_dose: int) -> float:
    """The level *days_since_dose* after a dose, as a multiple of the trough before the next.

    Steady state of a one-compartment model: an intravenous infusion falls as exp(-k t), so the
    level t days after it is exp(k (tau - t)) times the trough; a subcutaneous injection is
    absorbed first (``SC_ABSORPTION_PER_DAY``), which flattens the curve (adalimumab every 2
    weeks: at most about 1.5 times the trough). A sample on a dose day (t = 0) is drawn before
    that dose: the trough itself.

    Args:
        drug: The anti-TNF given (its molecule gives the half-life, its route the shape).
        interval_days: The dosing interval (tau).
        days_since_dose: Whole days since the last dose (taken modulo the interval).
    """
    tau = max(interval_days, 1)
    t = days_since_dose % tau
    if t == 0:
        return 1.0
    k = math.log(2) / HALF_LIFE_DAYS.get(DRUGS[drug].molecule, HALF_LIFE_DAYS["infliximab"])
    if DRUGS[drug].route == "iv":
        return math.exp(k * (tau - t))
    ka = SC_ABSORPTION_PER_DAY

    def level(x: int) -> float:
        return math.exp(-k * x) / (1 - math.exp(-k * tau)) - math.exp(-ka * x) / (
            1 - math.exp(-ka * tau)
        )

    return level(t) / level(tau)


def drug_level(
    rng: random.Random,
    regimen: Regimen,
    activity: float,
    pk_factor: float,
    when: datetime,
    days_since_dose: int = 0,
    antibody_titre: float | None = None,
) -> Observation:
    """The level of the current anti-TNF drawn *days_since_dose* after a dose (0: a trough).

    The trough of ``trough_value`` times ``interval_profile``: a level drawn mid-interval is
    higher than the trough before the next dose, never lower. Antibodies at or above the
    assay's limit clear the drug (``ANTIBODY_CLEARANCE``): a drug-sensitive assay finds them
    mostly when little drug is left.
    """
    profile = interval_profile(regimen.drug, regimen.interval_days, days_since_dose)
    value = trough_value(rng, regimen, activity, pk_factor) * profile
    if antibody_titre is not None and antibody_titre >= ANTIBODY_LIMIT:
        value *= math.exp(-antibody_titre / ANTIBODY_CLEARANCE)
    if regimen.drug is Drug.INFLIXIMAB_IV:
        analyte, lloq = Analyte.INFLIXIMAB_LEVEL, 0.4
    else:
        analyte, lloq = Analyte.ADALIMUMAB_LEVEL, 0.5
    assay = LEVEL_ASSAYS[analyte]
    if value < lloq:
        return _obs(analyte, lloq, "ug/mL", when, comparator=Comparator.LT, assay=assay)
    # About one lab in four reports drug levels in ng/mL; the original is kept as received.
    if rng.random() < 0.25:
        shown = round(value, 1)
        return _obs(
            analyte,
            shown,
            "ug/mL",
            when,
            assay=assay,
            original_unit="ng/mL",
            original_value=f"{shown * 1000:g}",
        )
    return _obs(analyte, round(value, 1), "ug/mL", when, assay=assay)


def antibodies(drug: Drug, when: datetime, titre: float | None) -> Observation:
    """Antibodies to *drug*'s molecule on the DEMO ELISA, with the laboratory's flag.

    ``<2.5`` flagged N when none are detected (or fewer than the limit), else the titre in
    ug/mL-equivalents flagged POS; the target is the molecule, whatever the route
    (docs/clinical.md, "One drug identity").
    """
    target = DRUGS[drug].molecule
    if titre is None or titre < ANTIBODY_LIMIT:
        return _obs(
            Analyte.ANTI_DRUG_ANTIBODIES,
            ANTIBODY_LIMIT,
            ANTIBODY_UNIT,
            when,
            comparator=Comparator.LT,
            assay=ANTIBODY_ASSAY,
            target=target,
            flag=FLAG_NEGATIVE,
        )
    return _obs(
        Analyte.ANTI_DRUG_ANTIBODIES,
        round(titre, 1),
        ANTIBODY_UNIT,
        when,
        assay=ANTIBODY_ASSAY,
        target=target,
        flag=FLAG_POSITIVE,
    )


def clinic_time(rng: random.Random, day: date) -> datetime:
    """A plausible sample time on *day* (08:00-16:00)."""
    return datetime.combine(day, datetime.min.time()) + timedelta(
        hours=8 + rng.randrange(8), minutes=rng.choice((0, 10, 15, 20, 30, 40, 45, 50))
    )
