"""The meeting screen's presenter.

Loads meetings and cases off the GUI thread, keeps the current case, saves checklist answers.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from mdt_desktop.domain.enums import ChecklistResult
from mdt_desktop.domain.errors import MdtError
from mdt_desktop.services.audit import Actor
from mdt_desktop.services.checklist_answers import ChecklistService
from mdt_desktop.services.meetings import CaseDetail, MeetingBoard, MeetingService
from mdt_desktop.workers import Runner


class MeetingPresenter(QObject):
    """State of the meeting screen; every slow call goes through the runner."""

    meetings_listed = Signal(list)  # list[MeetingListItem], newest first
    busy_changed = Signal(bool)
    board_loaded = Signal(object)  # MeetingBoard
    case_changed = Signal(int, object)  # index in the list, CaseDetail
    status_reported = Signal(str)
    error_reported = Signal(str)

    def __init__(
        self,
        meetings: MeetingService,
        checklist: ChecklistService,
        runner: Runner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._meetings = meetings
        self._checklist = checklist
        self._runner = runner
        self._board: MeetingBoard | None = None
        self._index = -1
        self._generation = 0  # a newer request makes older results stale
        self._wanted_case: str | None = None
        self.actor: Actor | None = None

    @property
    def board(self) -> MeetingBoard | None:
        return self._board

    @property
    def index(self) -> int:
        return self._index

    @property
    def current(self) -> CaseDetail | None:
        if self._board is None or not 0 <= self._index < len(self._board.cases):
            return None
        return self._board.cases[self._index]

    def refresh_meetings(self) -> None:
        """List the meetings (newest first) in the background."""
        self._runner.submit(self._meetings.list_meetings, self.meetings_listed.emit, self._failed)

    def open_meeting(self, meeting_id: int, case: str | None = None) -> None:
        """Load a meeting's board in the background; show *case* (a hospital number) first."""
        self._generation += 1
        generation = self._generation
        self._wanted_case = case
        self.busy_changed.emit(True)
        self._runner.submit(
            lambda: self._meetings.board(meeting_id),
            lambda board: self._on_board(generation, board),
            self._failed,
        )

    def _on_board(self, generation: int, board: MeetingBoard) -> None:
        if generation != self._generation:
            return  # the user has already asked for another meeting
        self.busy_changed.emit(False)
        self._board = board
        self._index = -1
        self.board_loaded.emit(board)
        wanted = board.index_of(self._wanted_case) if self._wanted_case else None
        if self._wanted_case and wanted is None:
            self.error_reported.emit(f"{self._wanted_case} is not on this meeting's list.")
        if board.cases:
            self.select_case(wanted or 0)

    def select_case(self, index: int) -> None:
        """Show the case at *index* in the list (no database work: the board holds it)."""
        if self._board is None or not 0 <= index < len(self._board.cases):
            return
        self._index = index
        self.case_changed.emit(index, self._board.cases[index])

    def step(self, delta: int) -> None:
        """Move to the next (+1) or previous (-1) case, staying within the list."""
        if self._board is None or not self._board.cases:
            return
        self.select_case(max(0, min(len(self._board.cases) - 1, self._index + delta)))

    def answer(self, item_key: str, result: ChecklistResult | None, reason: str) -> None:
        """Save the current user's answer to one item of the current case, then reload it."""
        detail = self.current
        if detail is None:
            return
        if self.actor is None:
            self.error_reported.emit("Choose who you are (Acting as) before answering.")
            return
        actor, case_id, index = self.actor, detail.case.id, self._index

        def work() -> CaseDetail:
            self._checklist.answer(case_id, item_key, result, reason, actor)
            return self._meetings.case_detail(case_id)

        self.busy_changed.emit(True)
        self._runner.submit(work, lambda d: self._on_saved(index, d), self._failed)

    def _on_saved(self, index: int, detail: CaseDetail) -> None:
        self.busy_changed.emit(False)
        board = self._board
        if (
            board is None
            or index >= len(board.cases)
            or board.cases[index].case.id != detail.case.id
        ):
            return
        cases = list(board.cases)
        cases[index] = detail
        self._board = MeetingBoard(board.meeting, tuple(cases))
        self.status_reported.emit("Saved.")
        if index == self._index:
            self.case_changed.emit(index, detail)

    def _failed(self, error: Exception) -> None:
        self.busy_changed.emit(False)
        if isinstance(error, MdtError):
            self.error_reported.emit(str(error))
        else:
            self.error_reported.emit(f"Unexpected error: {type(error).__name__}: {error}")
