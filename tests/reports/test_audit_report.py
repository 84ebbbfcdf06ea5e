"""The audit report read back: headline figures, published citations, baseline, fonts, pixels."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from mdt_desktop.domain.outcome_audit import build_audit
from mdt_desktop.models.db import open_database
from mdt_desktop.reports.audit_report import CONFIDENTIALITY, TITLE, build_audit_report
from mdt_desktop.reports.audit_tables import km_at, share
from mdt_desktop.reports.minutes import BuildOptions, Cancelled
from mdt_desktop.services.outcomes import OutcomeService
from tests.conftest import AS_OF

pytestmark = pytest.mark.slow  # renders the audit report

FIXED = BuildOptions(author="Test", generated=datetime(2026, 11, 24, 9, 0), invariant=True)
BASE14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


@pytest.fixture(scope="module")
def audit(demo_master, config):
    db = open_database(demo_master, read_only=True)
    found = OutcomeService(db, config).audit(AS_OF, cost_per_administration=650.0)
    db.close()
    assert found.overall.de_escalations > 0  # the demo has de-escalations to audit
    return found


@pytest.fixture(scope="module")
def report(audit, config, tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("audit") / "reports" / "audit.pdf"
    pages = build_audit_report(audit, path, config, FIXED)
    return path, pages


def document_text(path: Path) -> str:
    """All pages' text with runs of white space made single spaces (tables wrap lines)."""
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def test_the_page_count_is_returned_and_every_page_is_numbered(report):
    path, pages = report
    assert pages == len(PdfReader(path).pages) >= 2
    text = document_text(path)
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text
    assert CONFIDENTIALITY in text
    metadata = PdfReader(path).metadata
    assert metadata is not None
    assert metadata.title.startswith(TITLE)
    assert metadata.author == "Test"


def test_title_date_and_headline_figures(report, audit):
    text = document_text(report[0])
    f = audit.overall
    assert TITLE in text
    assert "As of 24 November 2026" in text
    assert f"De-escalation episodes {f.de_escalations}" in text
    assert f"Patients {f.patients}" in text
    assert f"Evaluable at 12 months {f.evaluable_12m}" in text
    assert f"Maintained at 12 months {share(f.maintained_12m, f.evaluable_12m)}" in text
    assert f"Failed within 12 months {f.failed_12m}" in text
    assert f"{f.median_months_to_failure:.1f} months" in text
    assert f"Re-escalated {f.re_escalated}" in text
    assert share(f.recaptured, f.re_escalated) in text
    assert km_at(f, 12.0) in text


def test_definitions_show_the_configured_thresholds_and_their_sources(report, config):
    text = document_text(report[0])
    thresholds = config.thresholds
    assert "Failure within 12 months [S38]" in text
    assert "re-escalation, clinical-trial enrolment, a systemic steroid course, IBD surgery" in text
    calprotectin = thresholds["recapture_calprotectin"]
    assert f"< {calprotectin.value:g} µg/g [{', '.join(calprotectin.sources)}]" in text
    crp = thresholds["recapture_crp"]
    assert f"CRP < {crp.value:g} mg/L [{', '.join(crp.sources)}]" in text
    window = thresholds["recapture_window"]
    assert f"within {window.value:g} months [{', '.join(window.sources)}]" in text
    assert "Censoring" in text


def test_published_results_are_compared_with_their_citations(report, config):
    text = document_text(report[0])
    assert "Comparison with published results" in text
    for result in config.published:
        assert result.short_label in text
        assert f"Maintained {result.maintained_pct:.1f}%" in text
        for tag in result.sources:
            citation = config.sources[tag].citation
            assert f"[{tag}] {citation[:30]}" in text
    assert "Little RD" in text
    assert "This audit (all de-escalations)" in text
    assert "16/25 (64%)" in text
    assert "not stated" in text  # Baert: the n often quoted is unverified
    assert "Sources" in text


def test_splits_baseline_and_burden(report, audit):
    text = document_text(report[0])
    for label in [*audit.by_drug, *audit.by_diagnosis]:
        assert label in text
    assert audit.baseline
    for row in audit.baseline:
        assert row.label.replace("ug/", "µg/") in text
        assert row.test in text
    assert "Fisher exact" in text
    assert "Mann–Whitney U" in text
    burden = audit.burden
    assert f"Administrations avoided {burden.administrations_avoided:.0f}" in text
    assert burden.cost_avoided is not None
    assert f"Cost avoided {burden.cost_avoided:,.0f}" in text


def test_fonts_are_embedded_and_never_base14(report):
    for page in PdfReader(report[0]).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            name = str(font.get_object()["/BaseFont"])
            assert not any(base in name for base in BASE14), name


def test_page_one_renders_with_ink_and_the_plot_in_colour(report):
    document = pdfium.PdfDocument(str(report[0]))
    try:
        pixels = np.asarray(document[0].render(scale=0.5).to_pil().convert("RGB")).astype(int)
    finally:
        document.close()
    ink = (pixels < 200).any(axis=2).mean()
    assert ink > 0.02, "page 1 is blank"
    chroma = (pixels.max(axis=2) - pixels.min(axis=2)) > 25  # the curve and its light band
    assert chroma.mean() > 0.02, "the Kaplan–Meier plot is missing"


def test_the_same_input_gives_the_same_bytes(audit, config, tmp_path, report):
    again = tmp_path / "again.pdf"
    build_audit_report(audit, again, config, FIXED)
    assert again.read_bytes() == report[0].read_bytes()


def test_an_empty_audit_still_builds(config, tmp_path, audit):
    empty = build_audit([], AS_OF, audit.rules)
    path = tmp_path / "empty.pdf"
    pages = build_audit_report(empty, path, config, FIXED)
    assert pages >= 1
    text = document_text(path)
    assert "De-escalation episodes 0" in text
    assert "No failure within 12 months" in text


def test_a_cancelled_build_writes_nothing(audit, config, tmp_path):
    options = BuildOptions(generated=FIXED.generated, cancelled=lambda: True)
    target = tmp_path / "cancelled.pdf"
    with pytest.raises(Cancelled):
        build_audit_report(audit, target, config, options)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_build_leaves_no_temporary_file(audit, config, tmp_path, monkeypatch):
    from mdt_desktop.reports import page

    def broken(*_args, **_kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(page.BaseDocTemplate, "build", broken)
    with pytest.raises(RuntimeError, match="layout failed"):
        build_audit_report(audit, tmp_path / "broken.pdf", config, FIXED)
    assert list(tmp_path.iterdir()) == []


def test_progress_is_reported(audit, config, tmp_path):
    seen: list[str] = []
    options = BuildOptions(
        generated=FIXED.generated, progress=lambda _d, _t, what: seen.append(what)
    )
    build_audit_report(audit, tmp_path / "progress.pdf", config, options)
    assert seen[0] == "Drawing the survival curve"
    assert seen[-1] == "Written progress.pdf"


def test_the_censoring_table_of_an_ehr_shaped_cohort(config, tmp_path):
    """tests/ehr_cohort.py: 1 followed to the audit date, 2 stopped for another reason
    (adverse event, pregnancy), 1 without a reason, 1 lost to follow-up, 1 route change."""
    from tests.ehr_cohort import AS_OF as EHR_AS_OF
    from tests.ehr_cohort import cohort, write

    db = open_database(tmp_path / "ehr.sqlite3")
    try:
        write(db, cohort())
        audit = OutcomeService(db, config).audit(EHR_AS_OF)
    finally:
        db.close()
    path = tmp_path / "ehr.pdf"
    build_audit_report(audit, path, config, FIXED)
    text = document_text(path)
    assert "Why follow-up ended without failure" in text
    assert "Followed to the audit date 1 Still on the reduced regimen at the audit date" in text
    assert "Stopped for another reason 2 Adverse event 1, Pregnancy 1" in text
    assert "Stopped, reason not recorded 1" in text
    assert "Lost to follow-up 1 No contact for longer than the window" in text
    assert "Route changed 1" in text
    assert "Lost to follow-up (censored at the last contact) 1" in text
    lost = config.thresholds["lost_to_follow_up_after"]
    assert f"review for > {lost.value:g} months [{', '.join(lost.sources)}]" in text
    gap = config.thresholds["dose_gap_tolerance"]
    assert f"plus {gap.value:g} days [{', '.join(gap.sources)}]" in text
    assert "Maintained at 12 months 2/5 (40.0%)" in text
    assert "A rescue infusion (a single dose) is not a failure by itself." in text
