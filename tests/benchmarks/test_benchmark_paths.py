"""The benchmarks' own write paths still run against the current rules (a benchmark that raises
measures nothing): each is run once on the test demo, which is small, and nothing is timed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import AS_OF

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the benchmarks/ folder

pytestmark = pytest.mark.slow  # signs a 20-case meeting off (20 plot images)


def test_the_sign_off_benchmark_signs_a_meeting_off(demo_path):
    from benchmarks.signoff import signoff_times

    result = signoff_times(demo_path, 1, AS_OF)
    assert len(result["signoff"]) == 1
    assert result["signoff"][0] > 0
    assert len(result["floor"]) == 1
