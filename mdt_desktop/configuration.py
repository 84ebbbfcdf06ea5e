"""The shipped clinical configuration with the user's site overrides, loaded once per process."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo

from mdt_desktop.domain.config import ClinicalConfig, load_clinical_config
from mdt_desktop.importers.codes import CodeTable, load_code_table
from mdt_desktop.paths import resource_path, user_config_dir


@cache
def clinical_config() -> ClinicalConfig:
    """Return the validated configuration (raises ConfigurationError naming every problem)."""
    return load_clinical_config(resource_path(), user_config_dir())


@cache
def code_table() -> CodeTable:
    """Return the lab code table: built-in LOINC, shipped lab_codes.toml, the site's own."""
    return load_code_table(resource_path("lab_codes.toml"), user_config_dir() / "lab_codes.toml")


def site_zone() -> ZoneInfo:
    """Return the site's time zone (site.toml ``time_zone``; docs/clinical.md, "Time")."""
    return ZoneInfo(clinical_config().time_zone)
