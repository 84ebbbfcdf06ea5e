"""The PDFs read back: minutes, pseudonymised minutes and letters hold what they must, and only
that; fonts are embedded; pages render to real images; the same input gives the same bytes."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from mdt_desktop.domain.enums import AttendanceStatus
from mdt_desktop.domain.nhs import format_nhs_number
from mdt_desktop.domain.text import without_isolates
from mdt_desktop.models.db import open_database
from mdt_desktop.reports.identity import PseudonymousIdentities
from mdt_desktop.reports.minutes import BuildOptions, Cancelled, build_letter, build_minutes
from mdt_desktop.reports.page import CONFIDENTIAL
from mdt_desktop.reports.pseudonym import Pseudonymiser, load_or_create_key
from mdt_desktop.services.meetings import MeetingService

pytestmark = pytest.mark.slow  # renders full minutes

FIXED = BuildOptions(author="Test", generated=datetime(2026, 11, 24, 9, 0), invariant=True)
BASE14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


@pytest.fixture(scope="module")
def boards(demo_master, config):
    db = open_database(demo_master, read_only=True)
    service = MeetingService(db, config)
    loaded = {
        m.meeting_date.strftime("%Y-%m"): service.board(m.id) for m in service.list_meetings()
    }
    db.close()
    return loaded


@pytest.fixture(scope="module")
def signed(boards):
    return boards["2026-10"]


@pytest.fixture(scope="module")
def planned(boards):
    return boards["2026-11"]


@pytest.fixture(scope="module")
def minutes_pdf(signed, config, tmp_path_factory):
    path = tmp_path_factory.mktemp("minutes") / "minutes.pdf"
    build_minutes(signed, config, path, FIXED)
    return path


@pytest.fixture(scope="module")
def pseudo_pdf(signed, config, tmp_path_factory):
    path = tmp_path_factory.mktemp("pseudo") / "pseudo.pdf"
    identities = PseudonymousIdentities(Pseudonymiser(b"k" * 32))
    build_minutes(signed, config, path, FIXED, identities)
    return path


def pages_text(path: Path) -> list[str]:
    """Each page's text as a reader sees it (the invisible bidi isolates taken out)."""
    return [without_isolates(page.extract_text()) for page in PdfReader(path).pages]


def identifiers(detail) -> list[str]:
    """Everything that identifies the patient of a case, in the forms a document could use."""
    p = detail.case.patient
    found = [p.hospital_number, p.display_name, p.family_name.upper()]
    if p.nhs_number:
        found += [p.nhs_number, format_nhs_number(p.nhs_number)]
    found += [f"{p.date_of_birth:%d %b %Y}", p.date_of_birth.isoformat()]
    return found


# --- the full minutes ---------------------------------------------------------------------------


def test_minutes_hold_every_attendee_case_and_decision(minutes_pdf, signed):
    text = "\n".join(pages_text(minutes_pdf))
    meeting = signed.meeting
    assert meeting.chair in text
    for entry in meeting.attendance:
        assert entry.name in text
        assert entry.role.label in text
    assert "Apologies" in text
    for detail in signed.cases:
        assert detail.case.patient.hospital_number in text
        assert detail.case.patient.display_name in text
        decision = detail.case.decision
        assert decision is not None
        assert decision.outcome.label in text
        first_words = " ".join(decision.rationale.split()[:4])
        assert first_words in re.sub(r"\s+", " ", text)
        for action in detail.case.actions:
            assert action.owner in text
    assert f"Signed off by {meeting.signed_off_by}" in re.sub(r"\s+", " ", text)


def test_every_page_is_marked_confidential_and_numbered(minutes_pdf, signed):
    pages = pages_text(minutes_pdf)
    assert len(pages) > len(signed.cases)
    for number, text in enumerate(pages, start=1):
        assert CONFIDENTIAL in text
        assert f"Page {number} of {len(pages)}" in text
        assert "28 Oct 2026" in text  # the running title names the meeting
        assert "DRAFT" not in text


def test_metadata_names_the_document(minutes_pdf):
    meta = PdfReader(minutes_pdf).metadata
    assert meta.title == "Minutes of the IBD MDT, 28 Oct 2026"
    assert meta.author == "Test"
    assert "de-escalation" in meta.subject


def test_the_checklist_risks_annotations_and_monitoring_are_in_each_case(minutes_pdf, signed):
    text = re.sub(r"\s+", " ", "\n".join(pages_text(minutes_pdf)))
    cases = len(signed.cases)
    for heading in ("Remission checklist", "Relapse risk factors", "Actions"):
        assert text.count(heading) == cases, heading
    assert text.count("Pharmacist's drug-level annotations") == cases
    planned = sum(1 for d in signed.cases if d.case.decision and d.case.decision.monitoring)
    assert planned
    assert text.count("Monitoring plan") == planned
    for detail in signed.cases:
        for check in detail.case.decision.monitoring:
            assert check.label in text
    assert "not a score" in text  # the risk-factor caveat


def test_draft_minutes_say_draft_on_every_page(planned, config, tmp_path):
    path = tmp_path / "draft.pdf"
    build_minutes(planned, config, path, FIXED)
    for text in pages_text(path):
        assert "DRAFT" in text
    assert "Not signed off" in "\n".join(pages_text(path))


def test_fonts_are_embedded_truetype_and_never_base14(minutes_pdf):
    seen = set()
    for page in PdfReader(minutes_pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            name = str(font["/BaseFont"])
            seen.add(name)
            assert not any(base in name for base in BASE14), name
            descriptor = font.get("/FontDescriptor")
            if descriptor is None:  # composite fonts keep it in their descendant
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor.get_object(), f"{name} is not embedded"
    assert any("DejaVuSans" in name for name in seen)


def test_pages_render_to_images_with_ink_and_the_plots_in_colour(minutes_pdf, signed):
    document = pdfium.PdfDocument(str(minutes_pdf))
    coloured_pages = 0
    for index in range(len(document)):
        pixels = np.asarray(document[index].render(scale=0.4).to_pil().convert("RGB")).astype(int)
        ink = (pixels < 200).any(axis=2).mean()
        assert ink > 0.01, f"page {index + 1} is blank"
        chroma = (pixels.max(axis=2) - pixels.min(axis=2)) > 60
        coloured_pages += chroma.mean() > 0.01
    document.close()
    assert coloured_pages >= len(signed.cases)  # every case's trend plots


def test_the_same_meeting_gives_the_same_bytes(signed, config, tmp_path, minutes_pdf):
    again = tmp_path / "again.pdf"
    build_minutes(signed, config, again, FIXED)
    assert again.read_bytes() == minutes_pdf.read_bytes()


def test_cancelling_leaves_no_file(signed, config, tmp_path):
    path = tmp_path / "cancelled.pdf"
    reports = []

    def progress(done, total, what):
        reports.append(what)

    options = BuildOptions(progress=progress, cancelled=lambda: len(reports) >= 2)
    with pytest.raises(Cancelled):
        build_minutes(signed, config, path, options)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


# --- pseudonymised minutes ---------------------------------------------------------------------


def test_pseudonymised_minutes_hold_no_patient_identifier(pseudo_pdf, signed):
    text = "\n".join(pages_text(pseudo_pdf))
    for detail in signed.cases:
        for identifier in identifiers(detail):
            assert identifier not in text, identifier
    assert "not reviewed for identifiers" in text
    assert signed.meeting.chair in text  # staff are not pseudonymised


def test_pseudonyms_are_stable_for_a_key_and_differ_between_keys(signed, tmp_path):
    patient = signed.cases[0].case.patient
    key = load_or_create_key(tmp_path / "key")
    assert load_or_create_key(tmp_path / "key") == key
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0, "the key is private to its user"
    first = Pseudonymiser(key).pseudonym(patient)
    assert Pseudonymiser(key).pseudonym(patient) == first
    assert Pseudonymiser(b"x" * 32).pseudonym(patient) != first
    assert re.fullmatch(r"PSN-[A-Z2-7]{8}", first)


def test_pseudonymised_minutes_name_each_case_by_its_pseudonym(pseudo_pdf, signed):
    text = "\n".join(pages_text(pseudo_pdf))
    pseudonymiser = Pseudonymiser(b"k" * 32)
    for detail in signed.cases:
        assert pseudonymiser.pseudonym(detail.case.patient) in text


def test_free_text_loses_the_patients_own_identifiers(signed):
    patient = signed.cases[0].case.patient
    text = (
        f"{patient.given_name} {patient.family_name} ({patient.hospital_number}), born "
        f"{patient.date_of_birth:%d/%m/%Y}, NHS {format_nhs_number(patient.nhs_number or '')}."
    )
    scrubbed = Pseudonymiser.scrub(patient, text)
    for identifier in [*identifiers(signed.cases[0]), patient.given_name]:
        assert identifier not in scrubbed
    assert "[patient]" in scrubbed


# --- letters -------------------------------------------------------------------------------------


def test_a_letter_holds_its_patient_and_the_attendees_and_nobody_else(signed, config, tmp_path):
    detail = signed.cases[2]
    path = tmp_path / "letter.pdf"
    build_letter(signed, detail.case.patient.hospital_number, config, path, FIXED)
    text = "\n".join(pages_text(path))
    for identifier in identifiers(detail)[:3]:
        assert identifier in text
    for other in signed.cases:
        if other is detail:
            continue
        for identifier in identifiers(other):
            assert identifier not in text, identifier
    for entry in signed.meeting.attendance:
        assert (entry.name in text) == (entry.status is AttendanceStatus.PRESENT)
    reader = PdfReader(path)
    assert detail.case.patient.hospital_number not in str(reader.metadata)
    assert CONFIDENTIAL in reader.pages[-1].extract_text()
