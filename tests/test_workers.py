"""ProgressTask: slow work on a pool thread, progress and results on the GUI thread, cancel."""

import threading

import pytest

from mdt_desktop.workers import ProgressTask

WAIT = 10_000


class Stopped(Exception):
    """What the test work raises when it sees the cancel."""


@pytest.fixture
def task(qapp):
    task = ProgressTask()
    yield task
    assert task.wait(10)
    task.deleteLater()


def test_progress_and_result_arrive_on_the_gui_thread_in_order(qtbot, task):
    gui = threading.get_ident()
    seen = []
    workers = []

    def work(progress, cancelled):
        workers.append(threading.get_ident())
        for done in range(3):
            progress(done, 3, f"step {done}")
        return "result"

    task.progress.connect(
        lambda done, total, what: seen.append((done, total, what, threading.get_ident()))
    )
    with qtbot.waitSignal(task.succeeded, timeout=WAIT) as blocker:
        task.start(work)
        assert task.running
    assert blocker.args == ["result"]
    assert not task.running
    assert len(workers) == 1
    assert workers[0] != gui, "the work ran off the GUI thread"
    assert seen == [(d, 3, f"step {d}", gui) for d in range(3)]


def test_cancel_stops_the_work(qtbot, task):
    reached = threading.Event()
    released = threading.Event()

    def work(progress, cancelled):
        progress(1, 10, "first")
        released.wait(WAIT / 1000)  # until the GUI thread has asked to stop
        reached.set()
        if cancelled():
            raise Stopped("stopped")
        return "finished anyway"

    def on_progress(done, total, what):
        task.cancel()
        released.set()

    task.progress.connect(on_progress)
    with qtbot.waitSignal(task.failed, timeout=WAIT) as blocker:
        task.start(work)
    assert isinstance(blocker.args[0], Stopped)
    assert reached.is_set()
    assert task.cancel_requested()
    assert not task.running


def test_a_new_run_is_not_cancelled_by_the_last(qtbot, task):
    def stop_if_asked(progress, cancelled):
        if cancelled():
            raise Stopped("stopped")
        return "ran"

    task.cancel()  # nothing running: harmless, and forgotten by the next run
    with qtbot.waitSignal(task.succeeded, timeout=WAIT) as blocker:
        task.start(stop_if_asked)
    assert blocker.args == ["ran"]
    assert not task.cancel_requested()


def test_failure_is_delivered_not_raised(qtbot, task):
    def work(progress, cancelled):
        raise ValueError("bad input")

    with qtbot.assertNotEmitted(task.succeeded), qtbot.waitSignal(task.failed, timeout=WAIT) as b:
        task.start(work)
    error = b.args[0]
    assert isinstance(error, ValueError)
    assert str(error) == "bad input"
    assert not task.running


def test_one_run_at_a_time(qtbot, task):
    released = threading.Event()

    def work(progress, cancelled):
        released.wait(WAIT / 1000)
        return 1

    with qtbot.waitSignal(task.succeeded, timeout=WAIT):
        task.start(work)
        with pytest.raises(RuntimeError, match="still running"):
            task.start(work)
        released.set()


def test_a_serial_runner_runs_one_job_at_a_time_in_order_off_the_gui_thread(qtbot):
    from PySide6.QtCore import QObject

    from mdt_desktop.workers import serial_runner

    owner = QObject()
    runner = serial_runner(owner)
    gui = threading.get_ident()
    lock = threading.Lock()
    running = []
    overlaps = []
    done = []
    errors = []

    def job(n):
        def work():
            with lock:
                running.append(n)
                overlaps.append(len(running))
            threading.Event().wait(0.01)  # long enough for a second thread to start, if any
            with lock:
                running.remove(n)
            return n, threading.get_ident()

        return work

    for n in range(5):
        runner.submit(
            job(n), lambda result: done.append((result, threading.get_ident())), errors.append
        )
    qtbot.waitUntil(lambda: len(done) == 5, timeout=WAIT)
    assert errors == []
    assert [result[0] for result, _ in done] == [0, 1, 2, 3, 4]
    assert max(overlaps) == 1
    assert all(worker != gui for (_n, worker), _ in done)
    assert all(on == gui for _result, on in done)  # results arrive on the GUI thread
    assert runner.wait(10_000)
