"""The letter to the GP read back: the decision, the new regimen and its start, the monitoring
dates and whom to contact; nobody else's identifiers; fonts embedded; the same bytes twice."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from mdt_desktop.domain.board import MeetingBoard
from mdt_desktop.domain.enums import MeetingStatus, Outcome
from mdt_desktop.domain.errors import NotFoundError, ValidationError
from mdt_desktop.domain.nhs import format_nhs_number
from mdt_desktop.domain.site import SiteContact
from mdt_desktop.models.db import open_database
from mdt_desktop.reports.gp_letter import (
    DEAR_COLLEAGUE,
    NO_RECIPIENT,
    Recipient,
    build_gp_letter,
)
from mdt_desktop.reports.minutes import BuildOptions
from mdt_desktop.reports.page import CONFIDENTIAL
from mdt_desktop.services.meetings import MeetingService

FIXED = BuildOptions(author="Test", generated=datetime(2026, 11, 24, 9, 0), invariant=True)
BASE14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")
TO = "Dr A Example, Example Surgery, 2 High Street, Exampletown EX2 3AB"
SITE = SiteContact(
    "IBD Team",
    "Example Hospitals NHS Trust",
    ("Department of Gastroenterology", "Exampletown EX1 2MP"),
    "01632 960 123",
    "ibd@example.org",
    placeholders=(),
)


@pytest.fixture(scope="module")
def signed(demo_master, config):
    db = open_database(demo_master, read_only=True)
    service = MeetingService(db, config)
    board = service.board(service.find_id("2026-10"))
    db.close()
    return board


@pytest.fixture(scope="module")
def detail(signed):
    """A de-escalation with a target regimen, a start date and a monitoring plan."""
    return next(
        d
        for d in signed.cases
        if d.case.decision
        and d.case.decision.outcome is Outcome.DE_ESCALATE
        and d.case.decision.effective_date
        and d.case.decision.monitoring
    )


@pytest.fixture(scope="module")
def site_config(config):
    return replace(config, site=SITE)


@pytest.fixture(scope="module")
def letter(signed, detail, site_config, tmp_path_factory):
    path = tmp_path_factory.mktemp("gp") / "letter.pdf"
    build_gp_letter(signed, detail.case.patient.hospital_number, site_config, path, FIXED, TO)
    return path


def read(path: Path) -> str:
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(path).pages))


def identifiers(case_detail) -> list[str]:
    p = case_detail.case.patient
    found = [p.hospital_number, p.display_name, p.family_name.upper()]
    if p.nhs_number:
        found += [p.nhs_number, format_nhs_number(p.nhs_number)]
    return [*found, f"{p.date_of_birth:%d %b %Y}", p.date_of_birth.isoformat()]


def test_the_letter_says_what_was_decided_and_what_happens_next(letter, detail, signed):
    text = read(letter)
    decision = detail.case.decision
    patient = detail.case.patient
    assert "Dear Dr A Example," in text
    assert "Example Surgery" in text
    assert f"{patient.given_name} {patient.family_name.upper()}" in text
    assert f"{patient.date_of_birth:%d %b %Y}" in text
    assert patient.hospital_number in text
    assert format_nhs_number(patient.nhs_number) in text
    assert "De-escalate." in text
    assert " ".join(decision.rationale.split()[:6]) in text
    assert f"New regimen {decision.target_regimen.label}" in text
    assert f"Starting {decision.effective_date:%A %d %B %Y}" in text
    assert f"Until now {detail.summary.anti_tnf.regimen.label}" in text
    for check in decision.monitoring:
        assert f"{check.due:%d %b %Y}" in text
        assert check.label in text
    assert f"on or after {decision.next_review:%d %B %Y}" in text
    assert signed.meeting.chair in text
    assert "Yours sincerely" in text
    assert "28 October 2026" in text  # the meeting
    assert "24 November 2026" in text  # the letter's date


def test_the_letter_says_whom_to_contact_from_the_site_configuration(letter):
    text = read(letter)
    for fact in (SITE.team, SITE.phone, SITE.email, SITE.organisation, *SITE.address):
        assert fact in text
    assert "DEMO contact details" not in text


def test_demo_contact_details_are_flagged(signed, detail, config, tmp_path):
    assert config.site.is_demo  # the shipped placeholders
    path = tmp_path / "demo.pdf"
    build_gp_letter(signed, detail.case.patient.hospital_number, config, path, FIXED)
    text = read(path)
    assert "DEMO contact details" in text
    assert config.site.phone in text


def test_the_letter_carries_no_other_patients_identifiers(letter, detail, signed):
    text = read(letter)
    for other in signed.cases:
        if other is detail:
            continue
        for identifier in identifiers(other):
            assert identifier not in text, identifier


def test_every_page_is_confidential_and_not_a_draft(letter):
    reader = PdfReader(letter)
    assert len(reader.pages) == 1
    page = reader.pages[0].extract_text()
    assert CONFIDENTIAL in page
    assert "Page 1 of 1" in page
    assert "DRAFT" not in page
    assert reader.metadata.title == "Letter to the GP: MDT outcome, 28 Oct 2026"
    assert reader.metadata.author == "Test"


def test_the_same_decision_gives_the_same_bytes(signed, detail, site_config, letter, tmp_path):
    again = tmp_path / "again.pdf"
    build_gp_letter(signed, detail.case.patient.hospital_number, site_config, again, FIXED, TO)
    assert again.read_bytes() == letter.read_bytes()


def test_fonts_are_embedded_truetype_and_never_base14(letter):
    seen = set()
    for page in PdfReader(letter).pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            font = font.get_object()
            name = str(font["/BaseFont"])
            seen.add(name)
            assert not any(base in name for base in BASE14), name
            descriptor = font.get("/FontDescriptor")
            if descriptor is None:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor.get_object(), f"{name} is not embedded"
    assert any("DejaVuSans" in name for name in seen)


def test_the_page_renders_with_ink(letter):
    document = pdfium.PdfDocument(str(letter))
    pixels = np.asarray(document[0].render(scale=0.5).to_pil().convert("RGB")).astype(int)
    document.close()
    ink = (pixels < 200).any(axis=2).mean()
    assert 0.02 < ink < 0.5


def test_other_outcomes_in_plain_words(signed, site_config, tmp_path):
    wanted = {Outcome.CONTINUE_INTENSIFIED: "continue", Outcome.DEFER: "deferred the decision"}
    for outcome, words in wanted.items():
        case = next(d for d in signed.cases if d.case.decision.outcome is outcome)
        path = tmp_path / f"{outcome.value}.pdf"
        build_gp_letter(signed, case.case.patient.hospital_number, site_config, path, FIXED)
        text = read(path)
        assert words in text
        assert f"{case.summary.anti_tnf.regimen.label} — unchanged" in text
        assert "New regimen" not in text
        assert "Dear Colleague," in text
        assert NO_RECIPIENT in text


def test_a_meeting_not_signed_off_gives_a_draft_not_to_send(signed, detail, site_config, tmp_path):
    meeting = replace(signed.meeting, status=MeetingStatus.IN_PROGRESS, signed_off_at=None)
    draft = MeetingBoard(meeting, signed.cases)
    path = tmp_path / "draft.pdf"
    build_gp_letter(draft, detail.case.patient.hospital_number, site_config, path, FIXED)
    text = read(path)
    assert "DRAFT" in text
    assert "Do not send this letter." in text


def test_only_a_decision_that_exists_is_written_up(signed, detail, site_config, tmp_path):
    undecided = replace(detail, case=replace(detail.case, decision=None))
    board = MeetingBoard(signed.meeting, (undecided,))
    path = tmp_path / "none.pdf"
    with pytest.raises(ValidationError, match="no decision was recorded"):
        build_gp_letter(board, detail.case.patient.hospital_number, site_config, path, FIXED)
    with pytest.raises(NotFoundError, match="not on the list"):
        build_gp_letter(signed, "NOPE1", site_config, path, FIXED)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("raw", "lines", "salutation"),
    [
        ("", (NO_RECIPIENT,), DEAR_COLLEAGUE),
        ("Dr A Example, Example Surgery", ("Dr A Example", "Example Surgery"), "Dear Dr A Example"),
        ("Prof. B Example\nExample Hospital", ("Prof. B Example", "Example Hospital"), None),
        ("Example Surgery, 2 High Street", ("Example Surgery", "2 High Street"), DEAR_COLLEAGUE),
        ("Dr", ("Dr",), DEAR_COLLEAGUE),
    ],
)
def test_recipients(raw, lines, salutation):
    recipient = Recipient.parse(raw)
    assert recipient.lines == lines
    assert recipient.salutation == (salutation or f"Dear {lines[0]}")


@pytest.mark.parametrize(
    ("raw", "message"),
    [("x" * 301, "at most 300 characters"), ("Dr A\x07", "control"), (",".join("abcdefghi"), "8")],
)
def test_bad_recipients_are_refused(raw, message):
    with pytest.raises(ValidationError, match=f"^to: .*{message}"):
        Recipient.parse(raw)
