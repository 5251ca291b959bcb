"""TaskRunner: outcomes arrive in the GUI thread, cancel is cooperative, shutdown never deadlocks."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread

from vidgen_desktop.core.errors import ServerError
from vidgen_desktop.core.progress import Progress
from vidgen_desktop.workers.runner import TaskRunner


def test_result_and_progress_arrive_in_gui_thread(qtbot):
    runner = TaskRunner("t")
    seen: list[tuple[str, bool]] = []
    gui = QThread.currentThread()
    runner.progress.connect(lambda p: seen.append((p.message, QThread.currentThread() is gui)))
    with (
        qtbot.waitSignal(runner.done, timeout=5000),
        qtbot.waitSignal(runner.succeeded, timeout=5000) as result,
    ):
        runner.start(lambda report, token: (report(Progress(0.5, "half")), 42)[1])
    assert result.args == [42]
    assert seen == [("half", True)]
    assert not runner.is_running()


def test_typed_failure_and_unexpected_crash_are_reported(qtbot):
    runner = TaskRunner("t")

    def fails(report, token):
        raise ServerError("nope", detail="d")

    with qtbot.waitSignal(runner.failed, timeout=5000) as failed, qtbot.waitSignal(runner.done):
        runner.start(fails)
    assert failed.args[0].message == "nope"

    with qtbot.waitSignal(runner.failed, timeout=5000) as failed, qtbot.waitSignal(runner.done):
        runner.start(lambda r, t: 1 / 0)
    assert "Unexpected error" in failed.args[0].message
    assert "ZeroDivisionError" in failed.args[0].detail


def test_cancel_is_cooperative(qtbot):
    runner = TaskRunner("t")

    def waits(report, token):
        token.wait(10)
        token.raise_if_cancelled()
        return "not cancelled"

    with qtbot.waitSignal(runner.cancelled, timeout=5000), qtbot.waitSignal(runner.done):
        runner.start(waits)
        runner.cancel()


def test_shutdown_returns_promptly_without_deadlock(qtbot):
    runner = TaskRunner("t")
    started = threading.Event()

    def waits(report, token):
        started.set()
        token.wait(30)
        return None

    runner.start(waits)
    assert started.wait(5)
    t0 = time.monotonic()
    with qtbot.waitSignal(runner.done, timeout=1000):
        assert runner.shutdown(5000) is True
        assert not runner.is_running()  # idle at once: a window may close right after
    assert time.monotonic() - t0 < 1.0
    with qtbot.assertNotEmitted(runner.done, wait=100):  # the late queued `finished` is a no-op
        pass


def test_only_one_task_at_a_time(qtbot):
    runner = TaskRunner("t")
    gate = threading.Event()
    assert runner.start(lambda r, t: gate.wait(5))
    assert runner.start(lambda r, t: None) is False
    with qtbot.waitSignal(runner.done, timeout=5000):
        gate.set()


def test_deleting_a_runner_mid_job_cancels_it_and_does_not_crash(qtbot):
    import gc

    from vidgen_desktop.workers import runner as runner_module

    started, finished = threading.Event(), threading.Event()

    def waits(report, token):
        started.set()
        token.wait(10)
        report(Progress(1.0, "late"))  # the runner is gone: nobody must receive this
        finished.set()
        token.raise_if_cancelled()

    runner = TaskRunner("orphan")
    runner.start(waits)
    assert started.wait(5)
    runner.deleteLater()
    del runner
    gc.collect()
    # destroyed → token cancelled → the task ends by itself; its thread is released afterwards
    qtbot.waitUntil(finished.is_set, timeout=5000)
    qtbot.waitUntil(lambda: runner_module._get_reaper().running() == 0, timeout=5000)
