"""Carrying the cases of a signed-off meeting over to the next one.

The presenter reads the plan in the background, asks the chair (through the *choose* callback
the screen passes: the carry-over dialog) which cases go, and carries them over in the
background. It reports through its own signals; the screen reloads on ``carried``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QObject, Signal

from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.carry_over import CarryOverPlan, CarryOverResult
from mdt_desktop.domain.errors import user_message
from mdt_desktop.presenters.acting import choose_who_you_are
from mdt_desktop.services.carry_over import CarryOverService
from mdt_desktop.workers import Runner

NOTHING_LEFT = "No case of this meeting is left to carry over."


@dataclass(frozen=True, slots=True)
class CarryOverChoice:
    """The cases ticked, and the date of the meeting to plan (None: the planned one)."""

    case_ids: tuple[int, ...]
    new_meeting_on: date | None = None


ChooseCases = Callable[[CarryOverPlan], CarryOverChoice | None]


class CarryOverPresenter(QObject):
    """Offers a signed-off meeting's undecided cases for the next meeting and carries them."""

    carried = Signal(object)  # CarryOverResult
    status_reported = Signal(str)
    error_reported = Signal(str)

    def __init__(
        self, service: CarryOverService, runner: Runner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner

    def offer(self, meeting_id: int, actor: Actor | None, choose: ChooseCases) -> None:
        """Read the plan of *meeting_id* and offer its cases (from the menu)."""
        self._runner.submit(
            lambda: self._service.plan(meeting_id),
            lambda plan: self.choose(meeting_id, plan, actor, choose),
            self._failed,
        )

    def choose(
        self,
        meeting_id: int,
        plan: CarryOverPlan,
        actor: Actor | None,
        choose: ChooseCases,
        *,
        automatic: bool = False,
    ) -> None:
        """Offer *plan* to the chair and carry the chosen cases over.

        *automatic* (right after sign-off): only when there are deferred or undiscussed cases.
        """
        if automatic and not plan.proposed:
            return
        if not plan.candidates:
            self.status_reported.emit(NOTHING_LEFT)
            return
        choice = choose(plan)
        if choice is not None:
            self._carry(meeting_id, choice, actor)

    def _carry(self, meeting_id: int, choice: CarryOverChoice, actor: Actor | None) -> None:
        if actor is None:
            self.error_reported.emit(choose_who_you_are())
            return
        self._runner.submit(
            lambda: self._service.carry_over(
                meeting_id, choice.case_ids, actor, new_meeting_on=choice.new_meeting_on
            ),
            self._done,
            self._failed,
        )

    def _done(self, result: CarryOverResult) -> None:
        self.carried.emit(result)

    def _failed(self, error: Exception) -> None:
        self.error_reported.emit(user_message(error))
