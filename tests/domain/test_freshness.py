"""Data freshness: what a candidate needs for a meeting, and what is missing or out of date."""

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from mdt_desktop.domain.config import load_clinical_config
from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    DoseUnit,
    Drug,
    EventKind,
    Evidence,
    IbdType,
    Sex,
)
from mdt_desktop.domain.errors import ConfigurationError
from mdt_desktop.domain.freshness import Freshness, assess, outstanding
from mdt_desktop.domain.records import (
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    Patient,
    PatientRecord,
)
from mdt_desktop.paths import resource_path

MEETING = date(2026, 11, 25)
IFX = MedicationPeriod(None, Drug.INFLIXIMAB_IV, 10, DoseUnit.MG_PER_KG, 56, date(2024, 1, 1))
ADA = MedicationPeriod(None, Drug.ADALIMUMAB, 40, DoseUnit.MG, 7, date(2024, 1, 1))
GOLIMUMAB = MedicationPeriod(None, Drug.GOLIMUMAB, 100, DoseUnit.MG, 28, date(2024, 1, 1))


def patient(ibd_type=IbdType.CROHNS):
    return Patient(1, "T1", "Test", "Pat", date(1990, 1, 1), Sex.FEMALE, ibd_type, date(2015, 1, 1))


def obs(analyte, days_before, value=1.0, **changes):
    collected = datetime.combine(MEETING - timedelta(days=days_before), datetime.min.time())
    return Observation(None, analyte, value, "u", collected.replace(hour=9), **changes)


def everything(days_before=10):
    """A Crohn's patient on infliximab with every needed result *days_before* the meeting."""
    return [
        obs(Analyte.FAECAL_CALPROTECTIN, days_before, 40),
        obs(Analyte.CRP, days_before, 2),
        obs(Analyte.HBI, days_before, 2),
        obs(Analyte.INFLIXIMAB_LEVEL, days_before, 6),
        obs(Analyte.ANTI_DRUG_ANTIBODIES, days_before, 2, comparator=Comparator.LT),
        obs(Analyte.IUS_BOWEL_WALL_MM, days_before, 2.5),
    ]


def record(observations=(), medications=(IFX,), events=(), ibd_type=IbdType.CROHNS):
    return PatientRecord(patient(ibd_type), tuple(medications), tuple(observations), tuple(events))


def by_key(items):
    return {item.key: item for item in items}


def test_windows_reuse_the_checklist_thresholds_with_their_sources(config):
    specs = {spec.key: spec for spec in config.freshness}
    assert specs["faecal_calprotectin"].window is config.thresholds["calprotectin_max_age"]
    assert specs["crp"].window is config.thresholds["crp_max_age"]
    assert specs["clinical_score"].window is config.thresholds["clinical_score_max_age"]
    assert specs["drug_level"].window is config.thresholds["drug_level_max_age"]
    assert specs["antibodies"].window is specs["drug_level"].window  # chased with the trough
    assert specs["ultrasound_or_endoscopy"].window is config.thresholds["imaging_max_age"]
    assert [specs[k].window_days for k in ("crp", "drug_level", "ultrasound_or_endoscopy")] == [
        91,
        183,
        365,
    ]
    assert specs["crp"].sources == ("S20",)
    assert specs["crp"].evidence is Evidence.DERIVED
    assert specs["antibodies"].sources == ("LOCAL",)  # a local choice, said so
    assert specs["antibodies"].evidence is Evidence.LOCAL_POLICY
    for spec in config.freshness:
        assert spec.sources
        assert all(tag in config.sources for tag in spec.sources)
    assert config.thresholds["chase_lead_time"].days == 7


def test_a_complete_recent_record_needs_nothing(config):
    items = assess(record(everything()), MEETING, config.freshness)
    assert {i.key for i in items} == {s.key for s in config.freshness}
    assert all(i.status is Freshness.CURRENT for i in items)
    assert outstanding(record(everything()), MEETING, config.freshness) == ()


def test_never_measured_is_missing_without_dates(config):
    items = by_key(outstanding(record([]), MEETING, config.freshness))
    crp = items["crp"]
    assert crp.status is Freshness.MISSING
    assert (crp.latest, crp.needed_by, crp.days_overdue, crp.age_days) == (None, None, None, None)
    assert set(items) == {s.key for s in config.freshness}


def test_the_window_ends_on_the_last_day_a_result_counts(config):
    on_the_edge = [obs(Analyte.CRP, 91, 2)]
    assert "crp" not in by_key(outstanding(record(on_the_edge), MEETING, config.freshness))
    one_day_late = [obs(Analyte.CRP, 92, 2.5)]
    crp = by_key(outstanding(record(one_day_late), MEETING, config.freshness))["crp"]
    assert crp.status is Freshness.STALE
    assert crp.latest == MEETING - timedelta(days=92)
    assert crp.needed_by == crp.latest + timedelta(days=91)  # the date it had to be repeated by
    assert crp.days_overdue == 1
    assert crp.age_days == 92
    assert crp.latest_text == "CRP 2.5 u"


def test_the_latest_result_decides_and_later_ones_do_not_count(config):
    results = [
        obs(Analyte.FAECAL_CALPROTECTIN, 400, 30),
        obs(Analyte.FAECAL_CALPROTECTIN, 200, 45),
        obs(Analyte.FAECAL_CALPROTECTIN, -3, 50),  # after the meeting: not seen by it
    ]
    item = by_key(assess(record(results), MEETING, config.freshness))["faecal_calprotectin"]
    assert item.status is Freshness.STALE
    assert item.latest == MEETING - timedelta(days=200)
    assert item.days_overdue == 200 - 91


def test_the_level_is_the_drugs_own(config):
    wrong_drug = [o for o in everything() if o.analyte is not Analyte.INFLIXIMAB_LEVEL]
    wrong_drug.append(obs(Analyte.ADALIMUMAB_LEVEL, 5, 8))
    items = by_key(outstanding(record(wrong_drug), MEETING, config.freshness))
    assert items["drug_level"].status is Freshness.MISSING
    assert items["drug_level"].label == "Trough level (infliximab)"
    on_ada = by_key(outstanding(record(wrong_drug, [ADA]), MEETING, config.freshness))
    assert "drug_level" not in on_ada


def test_antibodies_to_another_drug_do_not_count(config):
    results = [o for o in everything() if o.analyte is not Analyte.ANTI_DRUG_ANTIBODIES]
    results.append(obs(Analyte.ANTI_DRUG_ANTIBODIES, 5, 12, target_drug="adalimumab"))
    items = by_key(outstanding(record(results), MEETING, config.freshness))
    assert items["antibodies"].status is Freshness.MISSING
    assert items["antibodies"].label == "Anti-drug antibodies (infliximab)"
    unnamed = [*results, obs(Analyte.ANTI_DRUG_ANTIBODIES, 6, 2, target_drug=None)]
    assert "antibodies" not in by_key(outstanding(record(unnamed), MEETING, config.freshness))


def test_antibodies_stored_against_the_iv_route_count_for_an_sc_patient(config):
    """Switched from infliximab IV to SC on 1 Jul 2026; the ATI of 14 Oct 2026 (42 days before
    the meeting, within 183) was stored by an older database as "infliximab_iv". Same molecule:
    the chase list must not ask for antibodies as never measured.
    """
    iv = MedicationPeriod(
        None, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, date(2024, 1, 1), date(2026, 7, 1)
    )
    sc = MedicationPeriod(None, Drug.INFLIXIMAB_SC, 120, DoseUnit.MG, 14, date(2026, 7, 1))
    results = [o for o in everything() if o.analyte is not Analyte.ANTI_DRUG_ANTIBODIES]
    results.append(
        obs(Analyte.ANTI_DRUG_ANTIBODIES, 42, 8, target_drug="infliximab_iv", abnormal_flag="POS")
    )
    items = by_key(assess(record(results, [iv, sc]), MEETING, config.freshness))
    assert items["antibodies"].status is Freshness.CURRENT
    assert items["antibodies"].latest == date(2026, 10, 14)
    assert items["antibodies"].label == "Anti-drug antibodies (infliximab)"
    assert "antibodies" not in by_key(
        outstanding(record(results, [iv, sc]), MEETING, config.freshness)
    )


@pytest.mark.parametrize("medications", [(), (GOLIMUMAB,)], ids=["no anti-TNF", "golimumab"])
def test_drug_items_apply_only_when_the_level_is_measured(config, medications):
    keys = {i.key for i in assess(record([], medications), MEETING, config.freshness)}
    assert "drug_level" not in keys
    assert "antibodies" not in keys
    assert "crp" in keys


def test_the_clinical_score_follows_the_diagnosis(config):
    mayo_only = [o for o in everything() if o.analyte is not Analyte.HBI]
    mayo_only.append(obs(Analyte.PARTIAL_MAYO, 5, 1))
    crohns = by_key(outstanding(record(mayo_only), MEETING, config.freshness))
    assert crohns["clinical_score"].status is Freshness.MISSING  # CD needs an HBI
    sccai = [o for o in everything() if o.analyte is not Analyte.HBI]
    sccai.append(obs(Analyte.SCCAI, 5, 1))
    colitis = record(sccai, ibd_type=IbdType.UC)
    assert "clinical_score" not in by_key(outstanding(colitis, MEETING, config.freshness))


def test_an_ultrasound_or_endoscopy_on_the_timeline_counts(config):
    no_imaging = [o for o in everything() if o.analyte is not Analyte.IUS_BOWEL_WALL_MM]
    old_scan = [obs(Analyte.IUS_BOWEL_WALL_MM, 500, 2.0)]
    endoscopy = ClinicalEvent(None, EventKind.ENDOSCOPY, MEETING - timedelta(days=100))
    items = by_key(
        assess(record(no_imaging + old_scan, events=[endoscopy]), MEETING, config.freshness)
    )
    imaging = items["ultrasound_or_endoscopy"]
    assert imaging.status is Freshness.CURRENT
    assert imaging.latest == endoscopy.occurred_on
    assert imaging.latest_text == "Endoscopy"
    surgery = ClinicalEvent(None, EventKind.SURGERY, MEETING - timedelta(days=10))
    items = by_key(outstanding(record(no_imaging, events=[surgery]), MEETING, config.freshness))
    assert items["ultrasound_or_endoscopy"].status is Freshness.MISSING


def test_outstanding_items_come_missing_first_then_most_overdue(config):
    results = [
        obs(Analyte.FAECAL_CALPROTECTIN, 100, 40),  # 9 days overdue
        obs(Analyte.CRP, 300, 2),  # 209 days overdue
        obs(Analyte.HBI, 5, 2),
        obs(Analyte.IUS_BOWEL_WALL_MM, 5, 2),
    ]
    keys = [i.key for i in outstanding(record(results), MEETING, config.freshness)]
    assert keys == ["drug_level", "antibodies", "crp", "faecal_calprotectin"]


# --- configuration -------------------------------------------------------------------------------


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "resources"
    shutil.copytree(resource_path(), folder, ignore=shutil.ignore_patterns("*.png", "*.ttf"))
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('window = "crp_max_age"', 'window = "crp_freshness"', "'crp_freshness' is not a duration"),
        ('window = "crp_max_age"', 'window = "crp_remission"', "'crp_remission' is in 'mg/L'"),
        ('analytes = ["crp"]', 'analytes = ["c_reactive"]', "'c_reactive' is not an analyte"),
        ('events = ["intestinal_ultrasound", "endoscopy"]', 'events = ["mri"]', "events: 'mri'"),
        ('sources = ["LOCAL"]', 'sources = ["S999"]', "unknown source tag 'S999'"),
        ('evidence = "local-policy"', 'evidence = "hearsay"', "evidence: 'hearsay'"),
        ('key = "crp"', 'key = "faecal_calprotectin"', "'faecal_calprotectin' appears twice"),
    ],
)
def test_mistakes_in_freshness_toml_are_reported_with_file_and_item(shipped, old, new, message):
    _replace(shipped / "freshness.toml", old, new)
    with pytest.raises(ConfigurationError, match=r"freshness\.toml items") as error:
        load_clinical_config(shipped)
    assert message in str(error.value)


def test_the_lead_time_is_required(shipped):
    _replace(shipped / "thresholds.toml", "[thresholds.chase_lead_time]", "[thresholds.lead]")
    with pytest.raises(ConfigurationError, match=r"\[thresholds.chase_lead_time\]: required"):
        load_clinical_config(shipped)


def test_a_site_replaces_the_items_and_may_add_its_own_window(shipped, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "thresholds.toml").write_text(
        "[thresholds.albumin_max_age]\n"
        'label = "Albumin no older than"\nvalue = 2\nunit = "months"\n'
        'sources = ["LOCAL"]\nevidence = "local-policy"\n',
        encoding="utf-8",
    )
    (site / "freshness.toml").write_text(
        '[[items]]\nkey = "albumin"\nlabel = "Albumin"\nanalytes = ["albumin"]\n'
        'window = "albumin_max_age"\n',
        encoding="utf-8",
    )
    config = load_clinical_config(shipped, site)
    (albumin,) = config.freshness
    assert albumin.window_days == 60  # 2 months of 30.4375 days, whole days
    assert albumin.sources == ("LOCAL",)
    gaps = outstanding(record([obs(Analyte.ALBUMIN, 61, 40)]), MEETING, config.freshness)
    assert [(g.key, g.days_overdue) for g in gaps] == [("albumin", 1)]


def test_the_chase_notice_reads_well_for_none_one_and_many() -> None:
    from mdt_desktop.domain.chase import ChaseNotice

    day = date(2026, 11, 25)
    texts = [ChaseNotice(1, day, n, n, 1).text for n in (0, 1, 3)]
    assert texts == [
        "Chase list: nothing to chase for the meeting on Wed 25 Nov 2026",
        "Chase list: 1 item for the meeting on Wed 25 Nov 2026",
        "Chase list: 3 items for the meeting on Wed 25 Nov 2026",
    ]
