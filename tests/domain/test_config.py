"""The clinical configuration: every value cited, every mistake reported with file and key."""

import shutil
from pathlib import Path

import pytest

from mdt_desktop.domain.config import REQUIRED_THRESHOLDS, load_clinical_config
from mdt_desktop.domain.enums import Analyte, Evidence
from mdt_desktop.domain.errors import ConfigurationError
from mdt_desktop.paths import resource_path


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A writable copy of the shipped configuration files."""
    folder = tmp_path / "resources"
    shutil.copytree(resource_path(), folder, ignore=shutil.ignore_patterns("*.png", "*.ttf"))
    return folder


def test_shipped_configuration_is_complete_and_cited(config):
    assert set(config.thresholds.values) >= REQUIRED_THRESHOLDS
    for threshold in [*config.thresholds.values.values(), *config.thresholds.bands.values()]:
        assert threshold.sources, threshold.key
        assert all(tag in config.sources for tag in threshold.sources)
    assert config.thresholds["calprotectin_remission"].describe() == "< 250 ug/g"
    assert config.thresholds["crp_remission"].sources == ("S28", "S34", "S44")
    assert config.thresholds["sccai_remission"].evidence is Evidence.UNVERIFIED
    band = config.thresholds.target_band(Analyte.INFLIXIMAB_LEVEL)
    assert band is not None
    assert (band.lower, band.upper) == (3.0, 7.0)


def test_months_are_days_over_30_4375(config):
    assert config.thresholds["intensified_min_months"].days == pytest.approx(6 * 30.4375)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'sources = ["S43", "S44", "S45"]',
            "sources = []",
            r"\[thresholds.calprotectin_remission\]: sources: at least one",
        ),
        ('sources = ["S43", "S44", "S45"]', 'sources = ["S999"]', "unknown source tag 'S999'"),
        (
            'value = 250\nunit = "ug/g"',
            'value = 250\nunit = "mg/L"',
            r"faecal_calprotectin is stored in 'ug/g', got 'mg/L'",
        ),
        ("lower = 3.0\nupper = 7.0", "lower = 7.0\nupper = 3.0", "lower \\(7\\) must be below"),
        ('comparator = "<"\nvalue = 250', 'comparator = "lt"\nvalue = 250', "comparator: 'lt'"),
        ('value = 250\nunit = "ug/g"', 'value = "250"\nunit = "ug/g"', "value: must be a number"),
        ('evidence = "verified"', 'evidence = "sure"', "evidence: 'sure' is not one of"),
    ],
)
def test_invalid_thresholds_are_reported_with_file_and_key(shipped, old, new, message):
    _replace(shipped / "thresholds.toml", old, new)
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_clinical_config(shipped)
    assert "thresholds.toml" in str(caught.value)


def test_a_missing_required_threshold_is_named(shipped):
    text = (shipped / "thresholds.toml").read_text(encoding="utf-8")
    start = text.index("[thresholds.crp_remission]")
    end = text.index("[thresholds.crp_max_age]")
    (shipped / "thresholds.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"crp_remission\]: required by the rules"):
        load_clinical_config(shipped)


def test_broken_toml_names_the_file(shipped):
    (shipped / "regimens.toml").write_text("[adalimumab\nstandard = ", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"regimens\.toml: not valid TOML"):
        load_clinical_config(shipped)


def test_checklist_must_use_known_rules_and_thresholds(shipped):
    _replace(shipped / "checklist.toml", 'rule = "crp"', 'rule = "crystal_ball"')
    _replace(
        shipped / "checklist.toml",
        'thresholds = ["crp_remission", "crp_max_age"]',
        'thresholds = ["crp_remission", "no_such_key"]',
    )
    with pytest.raises(ConfigurationError) as caught:
        load_clinical_config(shipped)
    text = str(caught.value)
    assert "rule: 'crystal_ball' is not one of" in text
    assert "'no_such_key' is not defined" in text  # every problem is listed at once


def test_site_override_replaces_a_value_but_must_cite_a_source(shipped, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sources.toml").write_text(
        '[LOCAL-2027]\ncitation = "Trust IBD guideline v3, 2027"\n', encoding="utf-8"
    )
    (site / "thresholds.toml").write_text(
        '[thresholds.calprotectin_remission]\nvalue = 150\nsources = ["LOCAL-2027", "S20"]\n'
        'note = "LADI criterion"\n',
        encoding="utf-8",
    )
    config = load_clinical_config(shipped, site)
    threshold = config.thresholds["calprotectin_remission"]
    assert threshold.value == 150
    assert threshold.sources == ("LOCAL-2027", "S20")
    assert threshold.unit == "ug/g"  # untouched fields keep the shipped values

    (site / "thresholds.toml").write_text(
        '[thresholds.calprotectin_remission]\nvalue = 150\nsources = ["NOPE"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match=r"site.thresholds.toml.*unknown source tag"):
        load_clinical_config(shipped, site)


def test_the_re_review_checklist_is_its_own_list_with_its_own_rules(config, shipped):
    assert [i.rule for i in config.rereview_checklist] == [
        "flare",
        "clinical_remission",
        "calprotectin",
        "crp",
        "steady_state_level",
        "monitoring_checks",
        "manual",
    ]
    assert not {i.key for i in config.checklist} & {i.key for i in config.rereview_checklist}
    _replace(
        shipped / "checklist.toml", 'rule = "steady_state_level"', 'rule = "time_on_intensified"'
    )
    _replace(shipped / "checklist.toml", 'key = "rereview_crp"', 'key = "crp"')
    with pytest.raises(ConfigurationError) as caught:
        load_clinical_config(shipped)
    text = str(caught.value)
    assert "rereview_items[4]" in text
    assert "rule: 'time_on_intensified' is not one of" in text  # a candidate's rule: not here
    assert "key: 'crp' is also a key of [[items]]" in text
