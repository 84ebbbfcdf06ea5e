"""The minutes and the GP letter of a meeting with a re-review case, a re-escalation and a
deferral; text from users and feeds printed as text, in order, and wrapped.

The demo's planned meeting of 25 Nov 2026 (seed 7, as of 24 Nov 2026). DEMO10076 is listed for
re-review (relapsing: see tests/test_cli_re_escalation.py) and re-escalated from adalimumab
40 mg every 2 weeks back to 80 mg every 2 weeks from 02 Dec 2026. Its family name carries a
RIGHT-TO-LEFT MARK (U+200F), as an EHR once sent it; another case is deferred with a reason
that looks like markup; the rationale holds one word of 400 letters.
"""

from datetime import date, datetime

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from sqlalchemy import update

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import DoseUnit, Drug, Outcome, Role
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.text import FSI, PDI, without_isolates
from mdt_desktop.models import PatientRow
from mdt_desktop.reports.gp_letter import build_gp_letter
from mdt_desktop.reports.minutes import BuildOptions, build_minutes
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from tests.conftest import AS_OF

pytestmark = pytest.mark.slow  # renders full minutes

FIXED = BuildOptions(author="Test", generated=datetime(2026, 11, 25, 18, 0), invariant=True)
PATIENT = "DEMO10076"
RLM = "\u200f"
LONG_WORD = "A" * 400
DEFERRAL = "<b>Awaiting</b> ultrasound & a repeat calprotectin"
DRAFT_MARK_HEIGHT = 40  # points: body text is 8-16 pt, the rotated DRAFT mark 110 pt


@pytest.fixture
def board(demo_db, config):
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id(AS_OF.strftime("%Y-%m"))
    roster = RosterService(demo_db).clinicians()
    chair_member = next(c for c in roster if c.name == meetings.get(meeting_id).chair)
    chair = Actor(chair_member.id, chair_member.name)
    coordinator = next(c for c in roster if c.role is Role.COORDINATOR)
    with demo_db.write() as session:
        session.execute(
            update(PatientRow)
            .where(PatientRow.hospital_number == PATIENT)
            .values(family_name=f"{RLM}Whilson")
        )
    admin = MeetingAdminService(demo_db, config)
    reason = "Re-review after de-escalation (30 Sep 2026): relapsing"
    case_id = admin.add_candidate(
        meeting_id, PATIENT, Actor(coordinator.id, coordinator.name), reason
    )
    decisions = DecisionService(demo_db, config.regimens)
    decisions.record(
        case_id,
        DecisionInput(
            Outcome.RE_ESCALATE,
            f"Calprotectin rising on the reduced dose {LONG_WORD} end",
            Regimen(Drug.ADALIMUMAB, 80, DoseUnit.MG, 14),
            date(2026, 12, 2),
        ),
        chair,
    )
    first = meetings.get(meeting_id).cases[0]
    decisions.defer(first.id, DEFERRAL, chair)
    return meetings.board(meeting_id)


@pytest.fixture
def minutes(board, config, tmp_path):
    path = tmp_path / "minutes.pdf"
    build_minutes(board, config, path, FIXED)
    return path


def plain(path) -> str:
    """The text as read, the invisible isolates taken out, white space made single."""
    raw = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(without_isolates(raw).split())


def test_the_minutes_show_the_location_the_re_review_the_re_escalation_and_the_deferral(
    minutes, board
):
    text = plain(minutes)
    assert board.meeting.location
    assert f"Location {board.meeting.location}" in text
    assert "Re-review after de-escalation — Relapsing" in text
    assert "Re-review after de-escalation (30 Sep 2026): relapsing." in text
    assert "Re-review checklist — remission on the reduced regimen: ✗ Not met" in text
    assert "Outcome Re-escalate" in text
    assert "Target regimen Adalimumab 80 mg every 2 weeks from 02 Dec 2026" in text
    assert "Changes Re-escalation from Adalimumab 40 mg every 2 weeks" in text
    # the summary table says the case is a re-review and when the re-escalation starts
    assert "re-review: relapsing" in text
    assert "Re-escalate to 80 mg every 2 weeks from 02 Dec 2026" in text
    # the deferral reason, printed as typed (never read as markup)
    assert f"Reason: {DEFERRAL}" in text
    assert f"Deferred: {DEFERRAL}" in text


def test_a_name_with_a_right_to_left_mark_prints_in_order_isolated(minutes):
    raw = "\n".join(page.extract_text() for page in PdfReader(minutes).pages)
    assert f"{FSI}{RLM}WHILSON, " in raw  # the isolate opens before the mark …
    assert "NOSLIHW" not in raw
    assert "\x00" not in raw  # the isolate controls have a glyph (drawn as nothing)
    document = pdfium.PdfDocument(minutes)
    try:
        texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    heading = next(
        line for t in texts for line in t.splitlines() if "WHILSON" in line and PATIENT in line
    )
    # … and closes after the name: the hospital number follows in order
    assert heading.index("WHILSON") < heading.index(PATIENT)
    assert PDI in heading


def test_a_400_letter_word_wraps_inside_the_page(minutes):
    assert LONG_WORD in plain(minutes).replace(" ", "")
    document = pdfium.PdfDocument(minutes)
    try:
        for index in range(len(document)):
            page = document[index]
            width = page.get_width()
            chars = page.get_textpage()
            for number in range(chars.count_chars()):
                left, right, bottom, top = chars.get_charbox(number)
                if top - bottom > DRAFT_MARK_HEIGHT:
                    continue  # the DRAFT mark across the page, drawn on purpose
                assert left >= 0, f"page {index + 1}: text off the page"
                assert right <= width, f"page {index + 1}: text off the page"
    finally:
        document.close()


def test_the_gp_letter_explains_a_re_escalation(board, config, tmp_path):
    path = tmp_path / "letter.pdf"
    build_gp_letter(board, PATIENT, config, path, FIXED)
    text = plain(path)
    assert "Re-escalate. The team agreed to increase the dose of adalimumab again" in text
    assert "New regimen Adalimumab 80 mg every 2 weeks" in text
    assert "Starting Wednesday 02 December 2026" in text
    assert "Until now Adalimumab 40 mg every 2 weeks" in text
    assert "WHILSON" in text
