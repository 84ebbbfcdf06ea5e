"""Control characters never reach a text column, whoever writes: a clear ValidationError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.models import CaseNoteRow, ClinicianRow
from mdt_desktop.models.text_guard import CONTROL, check_text
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.roster import RosterAdmin
from tests import factories as f


@given(st.text())
def test_text_passes_exactly_when_it_has_no_control_character(value):
    if CONTROL.search(value):
        with pytest.raises(ValidationError, match="control character U\\+"):
            check_text(value, "field")
    else:
        check_text(value, "field")


def test_tabs_and_line_breaks_are_text():
    check_text("line one\r\nline two\tindented", "note")


@pytest.mark.parametrize("bad", ["\x00 seen in clinic", "seen\x07", "copied\x1b[0m"])
def test_a_note_with_a_control_character_is_refused_and_nothing_is_written(db, bad):
    with db.write() as session:
        case = f.make_case_review(session)
        nurse = f.make_clinician(session, role=Role.IBD_NURSE.value)
        coordinator = f.make_clinician(session, role=Role.COORDINATOR.value)
    with pytest.raises(ValidationError, match=r"case_notes\.text: contains the control character"):
        NoteService(db).add(case.id, bad, Actor(nurse.id, nurse.name))
    with pytest.raises(ValidationError, match=r"clinicians\.name"):
        RosterAdmin(db).add(f"Name{bad}", Role.IBD_NURSE, Actor(coordinator.id, coordinator.name))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(CaseNoteRow)) == 0
        assert session.scalar(select(func.count()).select_from(ClinicianRow)) == 3
