"""Control characters never reach a text column, whoever writes: a clear ValidationError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.models.text_guard import CONTROL, check_text
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.notes import NoteService
from mdt_desktop.services.roster import RosterAdmin, RosterService
from tests.conftest import AS_OF


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
def test_a_note_with_a_control_character_is_refused_and_nothing_is_written(demo_db, config, bad):
    roster = {c.role.value: c for c in RosterService(demo_db).clinicians()}
    nurse, coordinator = roster["ibd_nurse"], roster["coordinator"]
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id(AS_OF.strftime("%Y-%m"))
    case = meetings.get(meeting_id).cases[0]
    with pytest.raises(ValidationError, match=r"case_notes\.text: contains the control character"):
        NoteService(demo_db).add(case.id, bad, Actor(nurse.id, nurse.name))
    assert meetings.get(meeting_id).cases[0].notes == case.notes
    with pytest.raises(ValidationError, match=r"clinicians\.name"):
        RosterAdmin(demo_db).add(f"Name{bad}", nurse.role, Actor(coordinator.id, coordinator.name))
