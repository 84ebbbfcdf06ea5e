"""The clock the services read "now" from: the real one, unless the caller passes another.

Every write service takes ``clock`` (default ``system_clock``) and stamps its rows and audit rows
with it, so a caller that replays past events (the demo, tests) gets true timestamps without a
second write path (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall-clock time now (naive, the site's local time, as every stored time)."""
    return datetime.now()


class SetClock:
    """A clock that reads whatever time it was last set to (a replay moves it forward)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def set(self, moment: datetime) -> None:
        """Move the clock to *moment*."""
        self._now = moment

    def __call__(self) -> datetime:
        return self._now
