"""Published outcomes as configuration: cited, validated, every mistake named by file and key."""

import shutil
from pathlib import Path

import pytest

from mdt_desktop.domain.config import load_clinical_config
from mdt_desktop.domain.enums import Evidence
from mdt_desktop.domain.errors import ConfigurationError
from mdt_desktop.domain.published import StudyKind, Timing, load_published
from mdt_desktop.paths import resource_path

LITTLE = """[results.little]
label = "Little et al. (Monash)"
short_label = "Little et al."
maintained = 0.64
reported = "16/25 (64%) still on the reduced dose at 12 months"
months = 12
timing = "at"
n = 25
kind = "cohort"
sources = ["S38"]
evidence = "verified"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with the shipped sources and a one-entry published-outcomes file."""
    shutil.copy(resource_path("sources.toml"), tmp_path / "sources.toml")
    (tmp_path / "published_outcomes.toml").write_text(LITTLE, encoding="utf-8")
    return tmp_path


def test_shipped_results_are_cited_and_within_range(config):
    published = {r.key: r for r in config.published}
    assert {"little", "baert_2013", "spanish_2016", "zhang_2020_1y"} <= set(published)
    for result in config.published:
        assert result.sources
        assert all(tag in config.sources for tag in result.sources)
        assert 0.0 <= result.maintained <= 1.0
        assert result.short_label
    little = published["little"]
    assert (little.maintained, little.months, little.n) == (0.64, 12.0, 25)
    assert little.sources == ("S38",)
    assert little.kind is StudyKind.COHORT
    assert little.exact_time
    zhang = published["zhang_2020_1y"]
    assert zhang.kind is StudyKind.META_ANALYSIS
    assert zhang.evidence is Evidence.DERIVED  # 71.3% = 100% - 28.7% relapse
    assert zhang.maintained == pytest.approx(0.713)
    assert published["spanish_2016"].maintained == pytest.approx(16 / 24, abs=1e-3)
    assert published["baert_2013"].n is None  # "63% of 75" is unverified
    assert published["baert_2013"].timing is Timing.OVER_FOLLOW_UP


def test_the_loader_reads_the_shipped_file_like_the_configuration(config):
    assert load_published(resource_path("published_outcomes.toml")) == config.published


def test_a_valid_file_loads(folder):
    (result,) = load_published(folder / "published_outcomes.toml")
    assert result.key == "little"
    assert result.maintained_pct == pytest.approx(64.0)
    assert result.tags == "[S38]"
    assert result.when() == "at 12 months"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("maintained = 0.64", "maintained = 64", "maintained: a proportion between 0 and 1"),
        ("maintained = 0.64", 'maintained = "64%"', "maintained: must be a number"),
        ('sources = ["S38"]', 'sources = ["S999"]', "unknown source tag 'S999'"),
        ('sources = ["S38"]', "sources = []", "sources: at least one source tag"),
        ('short_label = "Little et al."\n', "", "short_label: required text"),
        ('kind = "cohort"', 'kind = "case series"', "kind: 'case series' is not one of"),
        ('timing = "at"', 'timing = "around"', "timing: 'around' is not one of"),
        ('evidence = "verified"', 'evidence = "sure"', "evidence: 'sure' is not one of"),
        ("n = 25", "n = -3", "n: must be a positive whole number"),
        ("n = 25", "n = 2.5", "n: must be a positive whole number"),
        ("months = 12", "months = 0", "months: must be above 0"),
        ("n = 25", "n = 25\nmaintaned = 0.6", "maintaned: unknown field"),
    ],
)
def test_invalid_entries_are_named_by_file_and_key(folder, old, new, message):
    path = folder / "published_outcomes.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_published(path)
    assert f"{path} [results.little]" in str(caught.value)


def test_every_problem_is_reported_at_once(folder):
    path = folder / "published_outcomes.toml"
    text = path.read_text(encoding="utf-8").replace("maintained = 0.64", "maintained = 2")
    path.write_text(text.replace('kind = "cohort"', 'kind = "anecdote"'), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_published(path)
    assert "maintained:" in str(caught.value)
    assert "kind:" in str(caught.value)


def test_unreadable_files_are_named(folder):
    path = folder / "published_outcomes.toml"
    path.write_text("[results.little\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid TOML") as caught:
        load_published(path)
    assert str(path) in str(caught.value)
    with pytest.raises(ConfigurationError, match="file is missing"):
        load_published(folder / "missing.toml")


def test_results_must_be_tables(folder):
    path = folder / "published_outcomes.toml"
    path.write_text('results = "none"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"\[results\]: must be a table of tables"):
        load_published(path)


def test_a_site_adds_its_own_comparator_and_must_cite_it(tmp_path):
    shipped = tmp_path / "resources"
    shutil.copytree(resource_path(), shipped, ignore=shutil.ignore_patterns("*.png", "*.ttf"))
    site = tmp_path / "site"
    site.mkdir()
    entry = LITTLE.replace("[results.little]", "[results.regional_2025]").replace(
        '"S38"', '"LOCAL"'
    )
    (site / "published_outcomes.toml").write_text(entry, encoding="utf-8")
    config = load_clinical_config(shipped, site)
    assert "regional_2025" in {r.key for r in config.published}
    assert "little" in {r.key for r in config.published}  # the shipped entries stay
    (site / "published_outcomes.toml").write_text(
        entry.replace('"LOCAL"', '"REGIONAL-1"'), encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match="unknown source tag 'REGIONAL-1'") as caught:
        load_clinical_config(shipped, site)
    assert "[results.regional_2025]" in str(caught.value)
    assert str(site / "published_outcomes.toml") in str(caught.value)
