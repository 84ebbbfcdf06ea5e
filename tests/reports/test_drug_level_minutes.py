"""The minutes' drug-level table read back: each result's assay and its sample timing."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from pypdf import PdfReader

from mdt_desktop.domain.catalogue import DRUG_LEVEL_ANALYTES
from mdt_desktop.domain.sampling import SampleTiming, SamplingRules, sample_timing
from mdt_desktop.models.db import open_database
from mdt_desktop.reports.drug_levels import recent_levels
from mdt_desktop.reports.minutes import BuildOptions, build_minutes
from mdt_desktop.services.meetings import MeetingService

pytestmark = pytest.mark.slow  # renders full minutes

FIXED = BuildOptions(author="Test", generated=datetime(2026, 11, 24, 9, 0), invariant=True)


@pytest.fixture(scope="module")
def planned(demo_master, config):
    db = open_database(demo_master, read_only=True)
    service = MeetingService(db, config)
    board = service.board(service.find_id("2026-11"))
    db.close()
    return board


@pytest.fixture(scope="module")
def minutes_text(planned, config, tmp_path_factory):
    path = tmp_path_factory.mktemp("levels") / "minutes.pdf"
    build_minutes(planned, config, path, FIXED)
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(path).pages]


def test_every_case_lists_its_drug_levels_with_assay_and_timing(planned, minutes_text):
    text = " ".join(minutes_text)
    assert text.count("Drug levels and antibodies (12 months)") == len(planned.cases)
    assert "Sampled Result Assay Sample timing" in text
    assert "DEMO ELISA" in text  # the demo laboratory's antibody assay
    assert "(trough: ≤ 3 days before the dose) [LOCAL]" in text or (
        "(trough: ≤ 2 days before the dose) [LOCAL]" in text
    )


def test_the_timing_printed_is_the_timing_of_the_result(planned, config, minutes_text):
    rules = SamplingRules.from_thresholds(config.thresholds)
    detail = planned.cases[0]
    level = next(
        o
        for o in recent_levels(detail.record, detail.meeting_date)
        if o.analyte in DRUG_LEVEL_ANALYTES
    )
    timing = sample_timing(level, detail.record.medications, rules)
    assert timing.timing is not SampleTiming.UNKNOWN
    text = " ".join(minutes_text)
    sampled = f"{level.collected_at:%d %b %Y %H:%M}"
    first_words = " ".join(timing.text.split()[:5])
    rows = [text[i : i + 400] for i in range(len(text)) if text.startswith(sampled, i)]
    assert any(first_words in row for row in rows), (sampled, first_words)
