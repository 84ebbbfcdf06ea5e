"""The meeting screen's presenter.

Loads meetings and cases off the GUI thread, keeps the current case, and performs the user's
actions (checklist answers, decisions, annotations, notes, sign-off) through the services,
reloading what changed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.board import CaseDetail, MeetingBoard, Readiness
from mdt_desktop.domain.carry_over import OpenAction
from mdt_desktop.domain.consensus import DecisionInput
from mdt_desktop.domain.enums import ChecklistResult, Interpretation
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.positions import PositionInput
from mdt_desktop.services.bundle import MeetingServices
from mdt_desktop.workers import Runner

UNDISCUSSED_DEFERRED = "Undiscussed cases deferred."


class Refresh(StrEnum):
    """What to reload after an action."""

    CASE = "case"
    BOARD = "board"


class MeetingPresenter(QObject):
    """State of the meeting screen; every slow call goes through the runner."""

    meetings_listed = Signal(list)  # list[MeetingListItem], newest first
    busy_changed = Signal(bool)
    board_loaded = Signal(object)  # MeetingBoard
    case_changed = Signal(int, object)  # index in the list, CaseDetail
    status_reported = Signal(str)
    error_reported = Signal(str)
    action_done = Signal(str)  # a write succeeded (its description), e.g. to clear a draft
    open_actions_changed = Signal(object)  # tuple[OpenAction, ...] of the open meeting
    # done, total, what: a long write's progress (sign-off draws every case's plots); emitted
    # from the worker thread, so receivers on the GUI thread get it queued
    progress_reported = Signal(int, int, str)
    # a write or a reload has begun or ended: whatever a view prepared in advance (the next and
    # previous cases' plots) may be stale and must be dropped; emitted before the new case shows
    invalidated = Signal()

    def __init__(
        self, services: MeetingServices, runner: Runner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
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

    def neighbours(self) -> tuple[CaseDetail, ...]:
        """The cases either side of the current one, next first: what to prepare in advance."""
        board = self._board
        if board is None or self.current is None:
            return ()
        around = (self._index + 1, self._index - 1)
        return tuple(board.cases[i] for i in around if 0 <= i < len(board.cases))

    # --- loading ---------------------------------------------------------------------------------

    def refresh_meetings(self) -> None:
        """List the meetings (newest first) in the background."""
        self._runner.submit(
            self.services.meetings.list_meetings, self.meetings_listed.emit, self._failed
        )

    def open_meeting(self, meeting_id: int, case: str | None = None) -> None:
        """Load a meeting's board in the background; show *case* (a hospital number) first."""
        self._generation += 1
        generation = self._generation
        self._wanted_case = case
        self.invalidated.emit()
        self.busy_changed.emit(True)
        self._runner.submit(
            lambda: self.services.meetings.board(meeting_id),
            lambda board: self._on_board(generation, board),
            self._failed,
        )

    def reload(self) -> None:
        """Reload the current meeting, staying on the current case."""
        if self._board is not None:
            current = self.current
            self.open_meeting(
                self._board.meeting.id, current.case.patient.hospital_number if current else None
            )

    def _on_board(self, generation: int, board: MeetingBoard) -> None:
        if generation != self._generation:
            return  # the user has already asked for another meeting
        self.busy_changed.emit(False)
        self._board = board
        self._index = -1
        self.invalidated.emit()
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

    # --- actions ---------------------------------------------------------------------------------

    def answer(self, item_key: str, result: ChecklistResult | None, reason: str) -> None:
        """Save the current user's answer to one item of the current case."""
        self._on_case(
            "Answer saved.",
            lambda actor, case_id: self.services.checklist.answer(
                case_id, item_key, result, reason, actor
            ),
        )

    def record_decision(self, decision: DecisionInput) -> None:
        """Record (or, before sign-off, replace) the current case's decision (the chair)."""
        self._on_case(
            "Decision recorded.",
            lambda actor, case_id: self.services.decisions.record(case_id, decision, actor),
        )

    def amend_decision(self, decision: DecisionInput, reason: str) -> None:
        """Amend the signed-off decision of the current case (the chair)."""
        detail = self.current
        if detail is None or detail.case.decision is None or detail.case.decision.id is None:
            return
        decision_id = detail.case.decision.id
        self._on_case(
            "Amendment recorded.",
            lambda actor, _case: self.services.decisions.amend(
                decision_id, decision, reason, actor
            ),
        )

    def defer_case(self, reason: str) -> None:
        """Put the current case off to a later meeting (the chair)."""
        self._on_case(
            "Case deferred.",
            lambda actor, case_id: self.services.decisions.defer(case_id, reason, actor),
        )

    def add_note(self, text: str) -> None:
        """Add a note to the current case."""
        self._on_case(
            "Note added.", lambda actor, case_id: self.services.notes.add(case_id, text, actor)
        )

    def annotate(
        self,
        observation_id: int,
        interpretation: Interpretation,
        comment: str,
        recommendation: str,
        supersedes_id: int | None = None,
    ) -> None:
        """Annotate a drug-level or antibody result of the current case (the pharmacist)."""
        self._on_case(
            "Annotation saved.",
            lambda actor, case_id: self.services.annotations.annotate(
                observation_id,
                interpretation,
                comment,
                recommendation,
                actor,
                case_id=case_id,
                supersedes_id=supersedes_id,
            ),
        )

    def complete_action(self, action_id: int, done: bool = True) -> None:
        """Mark an action of the current case done (or not)."""
        self._on_case(
            "Action updated.",
            lambda actor, _case: self.services.decisions.complete_action(
                action_id, actor, done=done
            ),
        )

    def record_positions(self, entries: tuple[PositionInput, ...]) -> None:
        """Save the attendees' positions on the current case's decision (the chair)."""
        self._on_case(
            "Positions saved.",
            lambda actor, case_id: self.services.positions.record(case_id, entries, actor),
        )

    def defer_undiscussed(self) -> None:
        """Defer every case of the open meeting not yet discussed (the chair, before sign-off)."""
        if self._board is None:
            return
        meeting_id = self._board.meeting.id
        self._perform(
            UNDISCUSSED_DEFERRED,
            lambda actor: self.services.carry_over.defer_undiscussed(meeting_id, actor),
            Refresh.BOARD,
        )

    def complete_open_action(self, action_id: int, done: bool = True) -> None:
        """Mark an action of an earlier meeting done (or not); the open-actions list reloads."""
        board, actor = self._board, self.actor
        if board is None:
            return
        if actor is None:
            self.error_reported.emit("Choose who you are (Acting as) first.")
            return
        meeting_id = board.meeting.id

        def job() -> tuple[OpenAction, ...]:
            self.services.decisions.complete_action(action_id, actor, done=done)
            return self.services.open_actions.for_meeting(meeting_id)

        def finished(actions: tuple[OpenAction, ...]) -> None:
            self.busy_changed.emit(False)
            self.status_reported.emit("Action updated.")
            if self._board is not None and self._board.meeting.id == meeting_id:
                self._board = replace(self._board, open_actions=actions)
                self.invalidated.emit()
                self.open_actions_changed.emit(actions)

        self.invalidated.emit()
        self.busy_changed.emit(True)
        self._runner.submit(job, finished, self._failed)

    def readiness(self, on_done: Callable[[Readiness], None]) -> None:
        """Find out (in the background) whether the open meeting can be signed off."""
        if self._board is None:
            return
        meeting_id = self._board.meeting.id
        self._runner.submit(
            lambda: self.services.signoff.readiness(meeting_id), on_done, self._failed
        )

    def sign_off(self) -> None:
        """Sign the open meeting off (the chair), then reload it."""
        if self._board is None:
            return
        meeting_id = self._board.meeting.id
        self._perform(
            "Meeting signed off.",
            lambda actor: self.services.signoff.sign_off(
                meeting_id, actor, progress=self.progress_reported.emit
            ),
            Refresh.BOARD,
        )

    def _on_case(self, done: str, work: Callable[[Actor, int], Any]) -> None:
        detail = self.current
        if detail is None:
            return
        case_id = detail.case.id
        self._perform(done, lambda actor: work(actor, case_id), Refresh.CASE)

    def _perform(self, done: str, work: Callable[[Actor], Any], refresh: Refresh) -> None:
        """Run *work* as the current user in the background, then reload what it changed."""
        actor = self.actor
        if actor is None:
            self.error_reported.emit("Choose who you are (Acting as) first.")
            return
        detail, index = self.current, self._index
        if refresh is Refresh.CASE and detail is None:
            return
        case_id = detail.case.id if detail else None

        def job() -> CaseDetail | None:
            work(actor)
            if refresh is Refresh.CASE and case_id is not None:
                return self.services.meetings.case_detail(case_id)
            return None

        def finished(result: CaseDetail | None) -> None:
            self.busy_changed.emit(False)
            self.status_reported.emit(done)
            self.action_done.emit(done)
            if result is None:
                self.reload()
            else:
                self._replace_case(index, result)

        self.invalidated.emit()
        self.busy_changed.emit(True)
        self._runner.submit(job, finished, self._failed)

    def _replace_case(self, index: int, detail: CaseDetail) -> None:
        board = self._board
        if (
            board is None
            or index >= len(board.cases)
            or board.cases[index].case.id != detail.case.id
        ):
            return
        cases = list(board.cases)
        cases[index] = detail
        self._board = replace(board, cases=tuple(cases))
        self.invalidated.emit()
        if index == self._index:
            self.case_changed.emit(index, detail)

    def _failed(self, error: Exception) -> None:
        self.busy_changed.emit(False)
        self.error_reported.emit(user_message(error))
