"""Loads and validates the clinical configuration files.

Sources, thresholds, regimens, checklist, monitoring template, risk factors and the published
outcomes the audit compares with: every problem is reported with its file, key and reason, all at
once.

A site may put files of the same names in its configuration folder; their entries replace the
shipped ones key by key and must cite sources too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mdt_desktop.domain.antibodies import AntibodyAssay, parse_assays
from mdt_desktop.domain.checklist import RULES, ChecklistItemSpec
from mdt_desktop.domain.enums import Analyte, DoseUnit, Drug, Evidence
from mdt_desktop.domain.errors import ConfigurationError, ValidationError
from mdt_desktop.domain.freshness import FreshnessSpec, parse_freshness
from mdt_desktop.domain.monitoring import (
    CLINICAL_PLACEHOLDER,
    LEVEL_PLACEHOLDER,
    MonitoringCheckSpec,
)
from mdt_desktop.domain.published import PublishedResult, parse_published
from mdt_desktop.domain.regimens import (
    DrugRegimens,
    InductionSpec,
    Regimen,
    RegimenCatalogue,
    RegimenSpec,
)
from mdt_desktop.domain.rereview_checklist import REREVIEW_RULES
from mdt_desktop.domain.risk import RULES as RISK_RULES
from mdt_desktop.domain.risk import RiskFactorSpec
from mdt_desktop.domain.site import (
    DEFAULT_TIME_ZONE,
    UNSET_SITE,
    SiteContact,
    parse_site,
    parse_time_zone,
)
from mdt_desktop.domain.thresholds import (
    Problems,
    Source,
    Thresholds,
    parse_sources,
    parse_thresholds,
)

SCHEMA = 1
FILES = (
    "sources.toml",
    "thresholds.toml",
    "regimens.toml",
    "checklist.toml",
    "monitoring.toml",
    "risk_factors.toml",
    "published_outcomes.toml",
    "freshness.toml",
    "antibody_assays.toml",
)

# Keys the program's rules look up; a configuration without them is refused at start-up.
REQUIRED_THRESHOLDS = frozenset(
    {
        "intensified_min_months",
        "steroid_free_min_months",
        "hbi_remission",
        "partial_mayo_remission",
        "sccai_remission",
        "clinical_score_max_age",
        "calprotectin_remission",
        "calprotectin_max_age",
        "crp_remission",
        "crp_max_age",
        "ius_bowel_wall_remission",
        "ius_limberg_remission",
        "ses_cd_remission",
        "mayo_endoscopic_remission",
        "uceis_remission",
        "imaging_max_age",
        "drug_level_max_age",
        "risk_wbc",
        "risk_haemoglobin",
        "risk_crp",
        "risk_calprotectin",
        "risk_age_at_diagnosis",
        "risk_resections_short_bowel",
        "flare_calprotectin",
        "flare_crp",
        "flare_hbi",
        "flare_partial_mayo",
        "flare_components_required",
        "persistent_flare",
        "flare_max_age",
        "early_warning_calprotectin_rise",
        "early_warning_calprotectin",
        "monitoring_check_tolerance",
        "failure_window",
        "recapture_window",
        "recapture_calprotectin",
        "recapture_crp",
        "audit_baseline_window",
        "recent_review",
        "next_review",
        "meeting_interval",
        "chase_lead_time",
        "trough_window_iv",
        "trough_window_sc",
        "trough_window_adalimumab",
        "risk_lab_max_age",
        "lost_to_follow_up_after",
        "dose_gap_tolerance",
    }
)
# The slack that joins two medication periods into one course (RegimenCatalogue.course_gap).
COURSE_GAP = "dose_gap_tolerance"
REQUIRED_BANDS = frozenset({"infliximab_target", "adalimumab_target"})


@dataclass(frozen=True, slots=True)
class ClinicalConfig:
    """Everything configurable about the clinical rules."""

    sources: Mapping[str, Source]
    thresholds: Thresholds
    regimens: RegimenCatalogue
    checklist: tuple[ChecklistItemSpec, ...]
    monitoring: tuple[MonitoringCheckSpec, ...]
    risk_factors: tuple[RiskFactorSpec, ...] = ()
    risk_caveat: str = ""
    published: tuple[PublishedResult, ...] = ()  # what the outcome audit compares with
    site: SiteContact = UNSET_SITE  # who letters say to contact (site.toml)
    freshness: tuple[FreshnessSpec, ...] = ()  # what the chase list needs (freshness.toml)
    time_zone: str = DEFAULT_TIME_ZONE  # the site's IANA zone (site.toml time_zone)
    antibody_assays: tuple[AntibodyAssay, ...] = ()  # positivity cut-offs (antibody_assays.toml)
    # the checklist of a case listed for re-review after a de-escalation (checklist.toml
    # [[rereview_items]], rules in domain/rereview_checklist.py)
    rereview_checklist: tuple[ChecklistItemSpec, ...] = ()

    def checklist_for(self, rereview: bool) -> tuple[ChecklistItemSpec, ...]:
        """The re-review checklist for a re-review case, else the remission checklist."""
        return self.rereview_checklist if rereview else self.checklist

    @property
    def checklist_labels(self) -> dict[str, str]:
        """Every configured item's label by its key (both lists)."""
        return {item.key: item.label for item in (*self.checklist, *self.rereview_checklist)}


def load_clinical_config(shipped: Path, site: Path | None = None) -> ClinicalConfig:
    """Load the shipped files from *shipped*, overlaid by any of the same name in *site*."""
    problems = Problems()
    data = {name: _read(shipped / name, problems) for name in FILES}
    names = {name: str(shipped / name) for name in FILES}
    if site is not None:
        for name in FILES:
            path = site / name
            if path.is_file():
                _overlay(data[name], _read(path, problems))
                names[name] = f"{shipped / name} + {path}"
    for name in FILES:
        if data[name] and data[name].get("schema", SCHEMA) != SCHEMA:
            problems.add(names[name], f"schema: this version reads schema {SCHEMA}")
    sources = parse_sources(
        {k: v for k, v in data["sources.toml"].items() if k != "schema"},
        names["sources.toml"],
        problems,
    )
    thresholds = parse_thresholds(
        data["thresholds.toml"], names["thresholds.toml"], sources, problems
    )
    _require(thresholds, names["thresholds.toml"], problems)
    regimens = _parse_regimens(data["regimens.toml"], names["regimens.toml"], sources, problems)
    regimens = replace(regimens, course_gap=thresholds.values.get(COURSE_GAP))
    checklist = _parse_checklist(
        data["checklist.toml"], names["checklist.toml"], thresholds, problems
    )
    rereview_checklist = _parse_checklist(
        data["checklist.toml"],
        names["checklist.toml"],
        thresholds,
        problems,
        section="rereview_items",
        rules=REREVIEW_RULES,
    )
    _distinct_keys(checklist, rereview_checklist, names["checklist.toml"], problems)
    monitoring = _parse_monitoring(
        data["monitoring.toml"], names["monitoring.toml"], sources, problems
    )
    risks, caveat = _parse_risks(
        data["risk_factors.toml"], names["risk_factors.toml"], sources, problems
    )
    published = parse_published(
        data["published_outcomes.toml"], names["published_outcomes.toml"], sources, problems
    )
    contact, zone = _load_site(shipped, site, problems)
    assays = parse_assays(
        data["antibody_assays.toml"], names["antibody_assays.toml"], sources, problems
    )
    freshness = parse_freshness(
        data["freshness.toml"], names["freshness.toml"], thresholds, sources, problems
    )
    if problems:
        raise ConfigurationError(
            "Invalid clinical configuration:\n  " + "\n  ".join(problems.lines)
        )
    return ClinicalConfig(
        sources,
        thresholds,
        regimens,
        checklist,
        monitoring,
        risks,
        caveat,
        published,
        contact,
        freshness,
        zone,
        assays,
        rereview_checklist,
    )


def _load_site(shipped: Path, site: Path | None, problems: Problems) -> tuple[SiteContact, str]:
    """The team's contact details and time zone: shipped DEMO values, overlaid by site.toml."""
    name = "site.toml"
    placeholders = _read(shipped / name, problems)
    data = dict(placeholders)
    where = str(shipped / name)
    override = site / name if site is not None else None
    if override is not None and override.is_file():
        _overlay(data, _read(override, problems))
        where = f"{where} + {override}"
    if data and data.get("schema", SCHEMA) != SCHEMA:
        problems.add(where, f"schema: this version reads schema {SCHEMA}")
    return parse_site(data, placeholders, where, problems), parse_time_zone(data, where, problems)


def _read(path: Path, problems: Problems) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.add(str(path), "file is missing")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.add(str(path), f"not valid TOML ({error})")
    return {}


def _overlay(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _overlay(base[key], value)
        else:
            base[key] = value


def _require(thresholds: Thresholds, where: str, problems: Problems) -> None:
    for key in sorted(REQUIRED_THRESHOLDS - set(thresholds.values)):
        problems.add(f"{where} [thresholds.{key}]", "required by the rules but missing or invalid")
    for key in sorted(REQUIRED_BANDS - set(thresholds.bands)):
        problems.add(f"{where} [bands.{key}]", "required by the rules but missing or invalid")


def _spec(
    entry: Any, drug: Drug, where: str, known: Mapping[str, Source], problems: Problems
) -> RegimenSpec | None:
    if not isinstance(entry, dict):
        problems.add(where, "must be an inline table")
        return None
    try:
        regimen = Regimen(
            drug, float(entry["dose"]), DoseUnit(entry["unit"]), int(entry["interval_days"])
        )
        evidence = Evidence(entry["evidence"])
        sources = tuple(entry["sources"])
        name = str(entry["name"])
    except KeyError as missing:
        problems.add(where, f"{missing.args[0]}: required")
        return None
    except (ValueError, TypeError, ValidationError) as error:
        problems.add(where, str(error))
        return None
    unknown = [tag for tag in sources if tag not in known]
    if not sources or unknown:
        problems.add(where, f"sources: unknown or missing source tags {unknown or '[]'}")
        return None
    return RegimenSpec(regimen, name, sources, evidence)


def _parse_regimens(
    data: Mapping[str, Any], where: str, known: Mapping[str, Source], problems: Problems
) -> RegimenCatalogue:
    drugs: dict[Drug, DrugRegimens] = {}
    for key, entry in data.items():
        if key == "schema":
            continue
        try:
            drug = Drug(key)
        except ValueError:
            problems.add(f"{where} [{key}]", "not a known drug")
            continue
        here = f"{where} [{key}]"
        standard = _spec(entry.get("standard"), drug, f"{here} standard", known, problems)
        lists = {}
        for name in ("intensified", "reduced"):
            lists[name] = tuple(
                spec
                for i, raw in enumerate(entry.get(name, []))
                if (spec := _spec(raw, drug, f"{here} {name}[{i}]", known, problems))
            )
        induction = (
            _induction(entry["induction"], f"{here} induction", known, problems)
            if "induction" in entry
            else None
        )
        if standard:
            drugs[drug] = DrugRegimens(
                drug, standard, lists["intensified"], lists["reduced"], induction
            )
    return RegimenCatalogue(drugs)


def _induction(
    entry: Any, where: str, known: Mapping[str, Source], problems: Problems
) -> InductionSpec | None:
    if not isinstance(entry, dict):
        problems.add(where, "must be an inline table")
        return None
    try:
        spec = InductionSpec(
            tuple(float(w) for w in entry["weeks"]),
            tuple(float(d) for d in entry["doses"]),
            DoseUnit(entry["unit"]),
            float(entry["maintenance_from_week"]),
            str(entry["name"]),
            tuple(entry["sources"]),
            Evidence(entry["evidence"]),
        )
    except KeyError as missing:
        problems.add(where, f"{missing.args[0]}: required")
        return None
    except (ValueError, TypeError) as error:
        problems.add(where, str(error))
        return None
    if not spec.weeks or len(spec.weeks) != len(spec.doses):
        problems.add(where, "weeks and doses: one dose for each week, at least one")
    elif list(spec.weeks) != sorted(spec.weeks) or spec.weeks[0] != 0:
        problems.add(where, "weeks: must start at 0 and rise")
    elif spec.maintenance_from_week <= spec.weeks[-1]:
        problems.add(where, "maintenance_from_week: must come after the last loading dose")
    elif any(d <= 0 for d in spec.doses):
        problems.add(where, "doses: must be positive")
    unknown = [tag for tag in spec.sources if tag not in known]
    if unknown or not spec.sources:
        problems.add(where, f"sources: unknown or missing source tags {unknown}")
    return None if problems.lines and problems.lines[-1].startswith(where) else spec


def _parse_checklist(
    data: Mapping[str, Any],
    where: str,
    thresholds: Thresholds,
    problems: Problems,
    *,
    section: str = "items",
    rules: Mapping[str, object] = RULES,
) -> tuple[ChecklistItemSpec, ...]:
    """One list of checklist items (``[[items]]`` or ``[[rereview_items]]``) and its rules."""
    items: list[ChecklistItemSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get(section, [])):
        here = f"{where} {section}[{index}]"
        try:
            spec = ChecklistItemSpec(
                str(entry["key"]),
                str(entry["label"]),
                str(entry["rule"]),
                tuple(entry.get("thresholds", [])),
                bool(entry.get("objective", False)),
                dict(entry.get("options", {})),
            )
        except (KeyError, TypeError) as error:
            problems.add(here, f"{error}: required")
            continue
        if spec.rule not in rules:
            problems.add(here, f"rule: {spec.rule!r} is not one of {sorted(rules)}")
        if spec.key in seen:
            problems.add(here, f"key: {spec.key!r} appears twice")
        for key in spec.thresholds:
            if key not in thresholds.values:
                problems.add(here, f"thresholds: {key!r} is not defined in thresholds.toml")
        seen.add(spec.key)
        items.append(spec)
    if not items:
        problems.add(where, f"{section}: the checklist has no items")
    return tuple(items)


def _distinct_keys(
    checklist: tuple[ChecklistItemSpec, ...],
    rereview: tuple[ChecklistItemSpec, ...],
    where: str,
    problems: Problems,
) -> None:
    """Answers are stored by item key: the two lists must not share one."""
    shared = sorted({i.key for i in checklist} & {i.key for i in rereview})
    for key in shared:
        problems.add(f"{where} rereview_items", f"key: {key!r} is also a key of [[items]]")


def _parse_monitoring(
    data: Mapping[str, Any], where: str, known: Mapping[str, Source], problems: Problems
) -> tuple[MonitoringCheckSpec, ...]:
    checks: list[MonitoringCheckSpec] = []
    allowed = {a.value for a in Analyte} | {LEVEL_PLACEHOLDER, CLINICAL_PLACEHOLDER}
    for index, entry in enumerate(data.get("checks", [])):
        here = f"{where} checks[{index}]"
        try:
            spec = MonitoringCheckSpec(
                str(entry["label"]),
                tuple(entry["analytes"]),
                tuple(int(m) for m in entry["months"]),
                tuple(entry["sources"]),
                Evidence(entry["evidence"]),
                int(entry["trough"]) if "trough" in entry else None,
                float(entry.get("not_before_months", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as error:
            problems.add(here, f"{error}")
            continue
        if spec.trough is not None and spec.trough < 1:
            problems.add(here, "trough: must be 1 or more (the first trough after the change)")
        if spec.not_before_months < 0:
            problems.add(here, "not_before_months: must not be negative")
        bad = [a for a in spec.analytes if a not in allowed]
        if bad:
            problems.add(here, f"analytes: unknown {bad}")
        if any(m <= 0 for m in spec.months):
            problems.add(here, "months: must be positive")
        unknown = [tag for tag in spec.sources if tag not in known]
        if unknown or not spec.sources:
            problems.add(here, f"sources: unknown or missing source tags {unknown}")
        checks.append(spec)
    return tuple(checks)


def _parse_risks(
    data: Mapping[str, Any], where: str, known: Mapping[str, Source], problems: Problems
) -> tuple[tuple[RiskFactorSpec, ...], str]:
    factors: list[RiskFactorSpec] = []
    for index, entry in enumerate(data.get("factors", [])):
        here = f"{where} factors[{index}]"
        try:
            spec = RiskFactorSpec(
                str(entry["key"]),
                str(entry["label"]),
                tuple(entry["sources"]),
                Evidence(entry["evidence"]).value,
                str(entry.get("note", "")),
                str(entry.get("conflict", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            problems.add(here, f"{error}")
            continue
        if spec.key not in RISK_RULES:
            problems.add(here, f"key: {spec.key!r} has no rule (known: {sorted(RISK_RULES)})")
        unknown = [tag for tag in spec.sources if tag not in known]
        if unknown or not spec.sources:
            problems.add(here, f"sources: unknown or missing source tags {unknown}")
        factors.append(spec)
    caveat = str(data.get("caveat", ""))
    tags = data.get("caveat_sources", [])
    if caveat and tags:
        caveat = f"{caveat} [{', '.join(tags)}]"
    return tuple(factors), caveat
