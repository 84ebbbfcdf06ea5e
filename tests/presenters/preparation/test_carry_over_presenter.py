"""The carry-over presenter with the real service and an inline runner (QtCore only)."""

from __future__ import annotations

import pytest

from mdt_desktop.presenters.preparation.carry_over import NOTHING_LEFT, CarryOverPresenter
from mdt_desktop.services.carry_over import CarryOverService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.workers import ImmediateRunner


@pytest.fixture
def presenter(qtbot, demo_db, config):
    return CarryOverPresenter(CarryOverService(demo_db, config), ImmediateRunner())


def test_a_meeting_with_every_case_decided_has_nothing_to_offer(qtbot, presenter, demo_db, config):
    meeting_id = MeetingService(demo_db, config).find_id("2026-09")
    asked = []
    with qtbot.waitSignal(presenter.status_reported) as reported:
        presenter.offer(meeting_id, None, asked.append)
    assert reported.args == [NOTHING_LEFT]
    assert asked == []


def test_an_unknown_meeting_is_reported_as_an_error(qtbot, presenter):
    with qtbot.waitSignal(presenter.error_reported):
        presenter.offer(987_654, None, lambda plan: None)
