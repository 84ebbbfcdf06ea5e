"""Run slow functions off the GUI thread and deliver results back on it (QtCore only)."""

from __future__ import annotations

import contextlib
import threading
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


def _emit(signal: Any, *values: Any) -> None:
    """Emit from a worker thread; nothing happens when the receiver side is already deleted."""
    with contextlib.suppress(RuntimeError):  # deleted while the work ran: nobody is listening
        signal.emit(*values)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work, self._relay = work, relay

    def run(self) -> None:  # worker thread: never touch widgets here
        try:
            result = self._work()
        except Exception as exc:  # reported to the caller, not swallowed
            _emit(self._relay.failed, exc)
        else:
            _emit(self._relay.succeeded, result)


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


def serial_runner(parent: QObject) -> ThreadPoolRunner:
    """A runner whose jobs run one at a time, in order, on a thread pool of one owned by *parent*.

    For background work that must not run beside itself (drawing the next case's plots on one
    figure at a time) and must never hold up the shared pool that reads and writes use. The
    pool is destroyed with *parent*, after waiting for the job it is running.
    """
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    return ThreadPoolRunner(pool)


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


ProgressCallback = Callable[[int, int, str], None]  # done, total, what is happening
CancelCheck = Callable[[], bool]  # True once the user asked to stop
ProgressWork = Callable[[ProgressCallback, CancelCheck], Any]


class _ProgressRelay(QObject):
    """Emitted from the worker thread; the task receives these queued, on its own thread."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)


class _ProgressJob(QRunnable):
    def __init__(
        self,
        work: ProgressWork,
        relay: _ProgressRelay,
        stop: threading.Event,
        idle: threading.Event,
    ) -> None:
        super().__init__()
        self._work, self._relay, self._stop, self._idle = work, relay, stop, idle

    def run(self) -> None:  # worker thread: never touch widgets here
        try:
            result = self._work(self._report, self._stop.is_set)
        except Exception as exc:  # reported to the caller, not swallowed
            _emit(self._relay.failed, exc)
        else:
            _emit(self._relay.succeeded, result)
        finally:
            self._idle.set()

    def _report(self, done: int, total: int, what: str) -> None:
        _emit(self._relay.progress, done, total, what)


class ProgressTask(QObject):
    """Runs one slow job at a time on a thread pool, with progress and cancel.

    ``start(work)`` calls ``work(progress, cancelled)`` on a pool thread: the work reports with
    ``progress(done, total, what)`` and stops early (by raising) when ``cancelled()`` is True.
    Every signal is emitted on the thread the task lives on (the GUI thread), so slots may touch
    widgets. Keep the task alive until ``succeeded`` or ``failed``; dialogs refuse to close
    while it runs.

    Signals:
        progress(done, total, what): the work's last report.
        succeeded(result): the work returned *result*; the last signal of a run.
        failed(error): the work raised *error* (also when it stopped because it was cancelled).
    """

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._running = False
        self._relay = _ProgressRelay(self)
        queued = Qt.ConnectionType.QueuedConnection  # emitted on a worker thread
        self._relay.progress.connect(self._on_progress, queued)
        self._relay.succeeded.connect(self._on_succeeded, queued)
        self._relay.failed.connect(self._on_failed, queued)

    @property
    def running(self) -> bool:
        """True from ``start`` until ``succeeded`` or ``failed`` has been emitted."""
        return self._running

    def start(self, work: ProgressWork) -> None:
        """Run *work* on the pool; raises RuntimeError if the previous work is still running."""
        if self._running:
            raise RuntimeError("ProgressTask: the previous work is still running")
        self._running = True
        self._stop = threading.Event()
        self._idle.clear()
        self._pool.start(_ProgressJob(work, self._relay, self._stop, self._idle))

    def cancel(self) -> None:
        """Ask the running work to stop (its ``cancelled()`` turns True); safe from any thread."""
        self._stop.set()

    def cancel_requested(self) -> bool:
        """True when ``cancel`` was called during the current (or last) run."""
        return self._stop.is_set()

    def wait(self, seconds: float = 30.0) -> bool:
        """Block until the worker thread has left the work (on shutdown); True when it has."""
        return self._idle.wait(seconds)

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if self._running:
            self.progress.emit(done, total, what)

    def _on_succeeded(self, result: Any) -> None:
        self._running = False
        self.succeeded.emit(result)

    def _on_failed(self, error: Any) -> None:
        self._running = False
        self.failed.emit(error)
