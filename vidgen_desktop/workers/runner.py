"""Run one blocking core function in a QThread and re-emit its outcome in the GUI thread.

The core function has the signature `fn(report: ProgressCallback, token: CancelToken) -> result`.
Cancel only sets the token (the one cross-thread call); the core closes its own sockets/streams.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, VidGenError
from vidgen_desktop.core.progress import Progress, ProgressCallback

log = logging.getLogger(__name__)

TaskFn = Callable[[ProgressCallback, CancelToken], Any]


class _Worker(QObject):
    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, fn: TaskFn, token: CancelToken, name: str) -> None:
        super().__init__()
        self._fn = fn
        self._token = token
        self._name = name

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self.progress.emit, self._token)
        except Cancelled:
            log.info("%s: cancelled", self._name)
            self.cancelled.emit()
        except VidGenError as exc:
            log.warning("%s failed: %s | %s", self._name, exc.message, exc.detail)
            self.failed.emit(exc)
        except Exception as exc:  # a bug: keep the app alive, log the traceback
            log.exception("%s crashed", self._name)
            self.failed.emit(
                VidGenError(
                    f"Unexpected error: {exc}",
                    detail=traceback.format_exc(),
                    hint="This is a bug in VidGen Desktop; the log file has the details.",
                )
            )
        else:
            if self._token.cancelled:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)


class _Reaper(QObject):
    """Keeps each thread and its worker alive until the thread has ended, even if the runner
    that started it is deleted first (its window closed mid-job): destroying a running QThread
    aborts the process, and a deleted worker crashes it."""

    def __init__(self) -> None:
        super().__init__()
        self._live: dict[QThread, _Worker] = {}

    def keep(self, thread: QThread, worker: _Worker) -> None:
        self._live[thread] = worker
        thread.finished.connect(self._release)  # queued: runs here, in the GUI thread

    @Slot()
    def _release(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            thread.wait(1000)  # `finished` is sent just before the thread really ends
            self._live.pop(thread, None)

    def running(self) -> int:
        return sum(1 for t in self._live if t.isRunning())


_reaper: _Reaper | None = None


def _get_reaper() -> _Reaper:
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
    return _reaper


class TaskRunner(QObject):
    """One background task at a time. Signals arrive in the thread that owns the runner."""

    started = Signal()
    progress = Signal(object)  # Progress
    succeeded = Signal(object)  # the function's result
    failed = Signal(object)  # VidGenError
    cancelled = Signal()
    done = Signal()  # after any outcome, once the thread has ended

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._token: CancelToken | None = None
        self._reaper = _get_reaper()

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, fn: TaskFn) -> bool:
        if self._thread is not None:
            return False
        self._token = CancelToken()
        thread = QThread()
        thread.setObjectName(f"vidgen-{self.name}")
        worker = _Worker(fn, self._token, self.name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        # Direct: quit from the worker thread itself. A queued quit would wait for the GUI
        # thread, which may be blocked in shutdown()'s wait() - a deadlock until the timeout.
        for sig in (worker.succeeded, worker.failed, worker.cancelled):
            sig.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._reaper.keep(thread, worker)
        # An orphaned job (runner deleted with its window) is cancelled, not left running.
        self.destroyed.connect(self._token.cancel)
        self._thread, self._worker = thread, worker
        self.started.emit()
        thread.start()
        return True

    def cancel(self) -> None:
        if self._token is not None:
            self._token.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the thread (app exit). Never terminates a thread."""
        if self._thread is None:
            return True
        self.cancel()
        return self.join(timeout_ms)

    def join(self, timeout_ms: int = 5000) -> bool:
        """Wait for the task to end by itself (e.g. a job told to stop following), no cancel."""
        thread = self._thread
        if thread is None:
            return True
        # The worker's quit request is queued to this (GUI) thread, which is about to block in
        # wait(): ask the thread's loop to end directly, or wait() would always time out.
        thread.quit()
        ok = thread.wait(timeout_ms)
        if not ok:
            log.warning("%s did not stop within %d ms", self.name, timeout_ms)
        else:
            self._on_thread_finished()  # idle now, not when the queued `finished` arrives
        return ok

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        self.progress.emit(progress)

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        self.succeeded.emit(result)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        self.failed.emit(error)

    @Slot()
    def _on_cancelled(self) -> None:
        self.cancelled.emit()

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:
            return  # already handled (shutdown() got there first)
        thread.wait(1000)  # `finished` is sent just before the thread really ends
        # The last references go with these (and the reaper's): Python deletes the objects then.
        self._thread = self._worker = None
        self._token = None
        self.done.emit()
