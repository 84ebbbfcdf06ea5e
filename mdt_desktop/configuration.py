"""The shipped clinical configuration with the user's site overrides, loaded once per process."""

from __future__ import annotations

from functools import cache

from mdt_desktop.domain.config import ClinicalConfig, load_clinical_config
from mdt_desktop.paths import resource_path, user_config_dir


@cache
def clinical_config() -> ClinicalConfig:
    """Return the validated configuration (raises ConfigurationError naming every problem)."""
    return load_clinical_config(resource_path(), user_config_dir())
