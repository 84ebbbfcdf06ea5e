"""Shared fixtures of the importer tests: the shipped code table, a fixed 'now'."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mdt_desktop.importers.codes import CodeTable, load_code_table
from mdt_desktop.paths import resource_path

NOW = datetime(2026, 11, 24, 12, 0)
HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
CORPUS = HERE / "corpus"


@pytest.fixture(scope="session")
def codes() -> CodeTable:
    return load_code_table(resource_path("lab_codes.toml"))
