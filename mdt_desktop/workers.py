"""Run slow functions off the GUI thread and deliver results back on it (QtCore only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal


class Runner(Protocol):
    """Runs ``work`` somewhere and calls back on the GUI thread."""

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None: ...


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work, self._relay = work, relay

    def run(self) -> None:  # worker thread: never touch widgets here
        try:
            result = self._work()
        except Exception as exc:  # reported to the caller, not swallowed
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class ThreadPoolRunner:
    """Runner backed by a QThreadPool; used by the application."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._live: set[_Relay] = set()  # keep relays alive until they deliver

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        relay = _Relay()  # created on the GUI thread, so its slots run there
        self._live.add(relay)
        # Queued explicitly: the signal is emitted on a worker thread and the callbacks are plain
        # Python callables, which must run on the GUI thread.
        queued = Qt.ConnectionType.QueuedConnection
        relay.succeeded.connect(lambda r: self._finish(relay, on_done, r), queued)
        relay.failed.connect(lambda e: self._finish(relay, on_error, e), queued)
        self._pool.start(_Job(work, relay))

    def _finish(self, relay: _Relay, callback: Callable[[Any], None], value: Any) -> None:
        self._live.discard(relay)
        callback(value)

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for running jobs (on shutdown); True when all finished."""
        return bool(self._pool.waitForDone(msecs))


class ImmediateRunner:
    """Runs work inline, on the calling thread. For tests and benchmarks."""

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        try:
            result = work()
        except Exception as exc:
            on_error(exc)
        else:
            on_done(result)
