"""Signing a meeting off, step by step, for the meeting presenter.

1. Read whether the meeting is ready.
2. When only undiscussed cases stop it, the chair may defer them all; the board and the
   readiness are read again.
3. The chair confirms, seeing what still stops it and the quorum.
4. The meeting is signed off (every case's evidence frozen, with progress); the board and the
   carry-over plan are read again.
5. The deferred and undiscussed cases are offered for the next meeting (the carry-over
   presenter carries the chosen ones).

The questions are asked through *ask* (the screen's dialogs); every read and write runs on the
runner. Each step is one method below, called by the one before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.board import MeetingBoard, Readiness
from mdt_desktop.domain.carry_over import CarryOverPlan
from mdt_desktop.domain.enums import CaseStatus
from mdt_desktop.domain.errors import user_message
from mdt_desktop.domain.records import CaseSummary
from mdt_desktop.presenters.acting import choose_who_you_are
from mdt_desktop.presenters.meeting.results import Done, DoneKind
from mdt_desktop.presenters.preparation.carry_over import CarryOverChoice, CarryOverPresenter
from mdt_desktop.services.bundle import MeetingServices
from mdt_desktop.workers import Runner


class SignOffQuestions(Protocol):
    """What the sign-off asks the chair; the screen answers with its dialogs."""

    def defer_undiscussed(self, cases: Sequence[CaseSummary]) -> bool:
        """True when the chair defers the undiscussed *cases* so that sign-off can go on."""
        ...

    def confirm_sign_off(self, board: MeetingBoard, readiness: Readiness) -> bool:
        """True when the chair signs off (only possible when *readiness* is ready)."""
        ...

    def choose_carry_over(self, plan: CarryOverPlan) -> CarryOverChoice | None:
        """The cases to carry over to the next meeting, or None for not now."""
        ...


def undiscussed(board: MeetingBoard, readiness: Readiness) -> tuple[CaseSummary, ...]:
    """The undiscussed cases, when they are all that stops the sign-off (else none)."""
    pending = tuple(
        d.case
        for d in board.cases
        if d.case.status is CaseStatus.PENDING and d.case.decision is None
    )
    return pending if pending and len(readiness.problems) == len(pending) else ()


@dataclass(frozen=True, slots=True)
class _Run:
    """One sign-off: the meeting, who signs it off, and who answers the questions."""

    meeting_id: int
    actor: Actor
    ask: SignOffQuestions


class SignOffFlow(QObject):
    """The sign-off → defer the undiscussed → carry-over sequence (see the module's steps)."""

    busy_changed = Signal(bool)
    board_read = Signal(object)  # MeetingBoard, read again after a write
    done = Signal(object)  # Done: a write of the sequence succeeded
    error_reported = Signal(str)
    # done, total, what: sign-off draws every case's plots; emitted from the worker thread
    progress_reported = Signal(int, int, str)

    def __init__(
        self,
        services: MeetingServices,
        runner: Runner,
        carry_over: CarryOverPresenter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._carry_over = carry_over

    def start(self, board: MeetingBoard, actor: Actor | None, ask: SignOffQuestions) -> None:
        """Step 1: is the meeting ready?"""
        if actor is None:
            self.error_reported.emit(choose_who_you_are())
            return
        run = _Run(board.meeting.id, actor, ask)
        self._runner.submit(
            lambda: self._services.signoff.readiness(run.meeting_id),
            lambda readiness: self._ready(run, board, readiness, may_defer=True),
            self._failed,
        )

    def _ready(
        self, run: _Run, board: MeetingBoard, readiness: Readiness, *, may_defer: bool
    ) -> None:
        """Step 2: only undiscussed cases stop it: offer to defer them (once)."""
        pending = undiscussed(board, readiness)
        if may_defer and pending and run.ask.defer_undiscussed(pending):
            self._defer(run)
        else:
            self._confirm(run, board, readiness)

    def _defer(self, run: _Run) -> None:
        """Step 2, the write: defer them, then read the board and the readiness again."""
        services = self._services

        def job() -> tuple[MeetingBoard, Readiness]:
            services.carry_over.defer_undiscussed(run.meeting_id, run.actor)
            return services.meetings.board(run.meeting_id), services.signoff.readiness(
                run.meeting_id
            )

        def finished(read: tuple[MeetingBoard, Readiness]) -> None:
            board, readiness = read
            self._written(DoneKind.UNDISCUSSED_DEFERRED, board)
            self._ready(run, board, readiness, may_defer=False)

        self._write(job, finished)

    def _confirm(self, run: _Run, board: MeetingBoard, readiness: Readiness) -> None:
        """Step 3: the chair confirms."""
        if run.ask.confirm_sign_off(board, readiness):
            self._sign(run)

    def _sign(self, run: _Run) -> None:
        """Step 4: sign off, then read the board and the carry-over plan."""
        services = self._services

        def job() -> tuple[MeetingBoard, CarryOverPlan]:
            services.signoff.sign_off(
                run.meeting_id, run.actor, progress=self.progress_reported.emit
            )
            return services.meetings.board(run.meeting_id), services.carry_over.plan(run.meeting_id)

        def finished(read: tuple[MeetingBoard, CarryOverPlan]) -> None:
            board, plan = read
            self._written(DoneKind.MEETING_SIGNED_OFF, board)
            self._offer_carry_over(run, plan)

        self._write(job, finished)

    def _offer_carry_over(self, run: _Run, plan: CarryOverPlan) -> None:
        """Step 5: the deferred and undiscussed cases, offered for the next meeting."""
        self._carry_over.choose(
            run.meeting_id, plan, run.actor, run.ask.choose_carry_over, automatic=True
        )

    def _write(self, job: Callable[[], Any], finished: Callable[[Any], None]) -> None:
        self.busy_changed.emit(True)
        self._runner.submit(job, finished, self._failed)

    def _written(self, kind: DoneKind, board: MeetingBoard) -> None:
        self.busy_changed.emit(False)
        self.done.emit(Done.of(kind))
        self.board_read.emit(board)

    def _failed(self, error: Exception) -> None:
        self.busy_changed.emit(False)
        self.error_reported.emit(user_message(error))
