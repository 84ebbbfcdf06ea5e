"""The meeting screen's board: every case with its record, summary, checklist and risks."""

from mdt_desktop.domain.checklist import Overall
from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.domain.regimens import RegimenLevel
from mdt_desktop.services.meetings import MeetingService
from tests.conftest import AS_OF


def test_board_of_the_planned_meeting(demo_db, config):
    service = MeetingService(demo_db, config)
    board = service.board(service.find_id(AS_OF.strftime("%Y-%m")))
    assert board.meeting.status is MeetingStatus.PLANNED
    assert len(board.cases) == len(board.meeting.cases) >= 8
    for detail in board.cases:
        assert detail.record.patient == detail.case.patient
        assert len(detail.case.checklist) == len(config.checklist)
        assert detail.meeting_date == board.meeting.meeting_date
    levels = {d.summary.level for d in board.cases}
    assert RegimenLevel.INTENSIFIED in levels
    assert Overall.MET in {d.overall for d in board.cases}
    assert all(
        d.summary.months_intensified
        for d in board.cases
        if d.summary.level is RegimenLevel.INTENSIFIED
    )
    first = board.cases[0].case.patient.hospital_number
    assert board.index_of(first) == 0
    assert board.index_of("NOPE") is None


def test_signed_off_board_shows_the_stored_checklist(demo_db, config):
    service = MeetingService(demo_db, config)
    board = service.board(service.find_id("2026-09"))
    assert board.meeting.status is MeetingStatus.SIGNED_OFF
    for detail in board.cases:
        assert any(a.answered_by for a in detail.case.checklist)
        assert detail.case.decision is not None


def test_case_detail_matches_the_board(demo_db, config):
    service = MeetingService(demo_db, config)
    board = service.board(service.find_id("2026-10"))
    detail = service.case_detail(board.cases[2].case.id)
    assert detail == board.cases[2]
