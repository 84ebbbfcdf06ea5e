"""Final minutes and letters print the evidence frozen at sign-off: a later lab changes no byte."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from pypdf import PdfReader

from mdt_desktop.domain.snapshot import FIGURE_NAME
from mdt_desktop.reports.minutes import BuildOptions, build_minutes
from mdt_desktop.services.exports import ExportKind, ExportRequest, ExportService
from mdt_desktop.services.meetings import MeetingService
from tests.snapshot_helpers import import_late_crp

pytestmark = pytest.mark.slow  # renders minutes and letters twice

FIXED = BuildOptions(author="Test", generated=datetime(2026, 11, 26, 10, 0), invariant=True)


def export(db, config, tmp_path, meeting_id, kind, name, number=None):
    service = ExportService(db, config, tmp_path / "pseudonym.key")
    target = tmp_path / name
    service.export(ExportRequest(meeting_id, kind, target, number), None, FIXED)
    return target.read_bytes()


def test_a_lab_imported_after_sign_off_leaves_minutes_and_letter_byte_identical(
    signed, config, tmp_path
):
    demo_db, prepared = signed
    number = prepared.cases[0].case.patient.hospital_number
    minutes = export(demo_db, config, tmp_path, prepared.meeting_id, ExportKind.MINUTES, "a.pdf")
    letter = export(
        demo_db, config, tmp_path, prepared.meeting_id, ExportKind.LETTER, "l.pdf", number
    )

    assert import_late_crp(demo_db, tmp_path, number).written
    assert MeetingService(demo_db, config).board(prepared.meeting_id).cases[0].new_data

    again = export(demo_db, config, tmp_path, prepared.meeting_id, ExportKind.MINUTES, "b.pdf")
    assert again == minutes
    assert (
        export(demo_db, config, tmp_path, prepared.meeting_id, ExportKind.LETTER, "m.pdf", number)
        == letter
    )
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "b.pdf").pages)
    assert "48 mg/L" not in text  # the late CRP is not in the signed record


def test_the_frozen_plot_images_are_the_pictures_the_minutes_draw(signed, config, tmp_path):
    demo_db, prepared = signed
    meetings = MeetingService(demo_db, config)
    board = meetings.board(prepared.meeting_id)
    frozen = meetings.frozen_figures(prepared.meeting_id, FIGURE_NAME)
    assert set(frozen) == {d.case.id for d in board.cases}
    drawn = build_minutes(board, config, tmp_path / "drawn.pdf", FIXED)
    printed = build_minutes(
        board, config, tmp_path / "printed.pdf", replace(FIXED, frozen_plots=frozen)
    )
    assert drawn.pages == printed.pages
    assert (tmp_path / "drawn.pdf").read_bytes() == (tmp_path / "printed.pdf").read_bytes()
