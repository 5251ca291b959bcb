"""The window's ComfyUI jobs, one queue per server: panels submit work here and watch it; the
queue owns each job's thread, so a panel only renders its state and sends intents (start,
cancel), and the window can ask every job at once to keep running on the server (quit) or stop.

Jobs of one server run in the order they were submitted (the client sends one prompt at a time;
the others wait their turn, and are shown as waiting).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

#: a job's work: (report, token, detach) → result; `detach` set = stop following, keep it running
JobFn = Callable[[ProgressCallback, CancelToken, threading.Event], Any]


class JobHandle(QObject):
    """One submitted job: its signals arrive in the GUI thread."""

    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, queue: JobQueue, stage: str, title: str) -> None:
        super().__init__(queue)
        self.queue, self.stage, self.title = queue, stage, title
        self.detach_event = threading.Event()
        self.last: Progress | None = None
        self.started_at = time.monotonic()
        #: what the estimate said the job takes (None: no estimate), for the time left in all
        self.estimate_s: float | None = None
        #: what a chunked render says about itself (chunk k of n), for the quit question
        self.chunk: tuple[int, int] | None = None
        self.runner = TaskRunner(f"{stage}-job", self)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self.succeeded)
        self.runner.failed.connect(self.failed)
        self.runner.cancelled.connect(self.cancelled)
        self.runner.done.connect(self.done)

    def start(self, fn: JobFn) -> None:
        event = self.detach_event
        self.runner.start(lambda report, token: fn(report, token, event))

    def _on_progress(self, p: Progress) -> None:
        if p.kind != "preview":
            self.last = p
        if p.extra.get("chunks"):
            self.chunk = (int(p.extra.get("chunk") or 0), int(p.extra["chunks"]))
        self.progress.emit(p)

    def is_running(self) -> bool:
        return self.runner.is_running()

    @property
    def waiting(self) -> bool:
        """Queued behind another job of this server (not sent yet)."""
        running = self.queue.jobs()
        return self in running and running.index(self) > 0

    def describe(self) -> str:
        if self.waiting:
            return f"{self.title}: waiting for its turn (not sent to ComfyUI yet)"
        text = self.last.message if self.last is not None and self.last.message else "running"
        if self.chunk is not None:
            k, n = self.chunk
            text = f"chunk {k} of {n}: {text}"
        return f"{self.title}: {text}"

    def cancel(self) -> None:
        self.runner.cancel()

    def detach(self) -> None:
        """Stop following; the job goes on in ComfyUI and the project's ledger knows it."""
        self.detach_event.set()


class JobQueue(QObject):
    """The jobs of one ComfyUI server, in submission order."""

    changed = Signal()
    #: a job was just submitted (the window's comfort layer follows it)
    submitted = Signal(object)

    def __init__(self, server: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.server = server
        self._jobs: list[JobHandle] = []

    def submit(
        self, stage: str, title: str, fn: JobFn, estimate_s: float | None = None
    ) -> JobHandle:
        handle = JobHandle(self, stage, title)
        handle.estimate_s = estimate_s
        self._jobs.append(handle)
        handle.done.connect(lambda: self._ended(handle))
        handle.start(fn)
        self.submitted.emit(handle)
        self.changed.emit()
        return handle

    def _ended(self, handle: JobHandle) -> None:
        if handle in self._jobs:
            self._jobs.remove(handle)
            self.changed.emit()
        handle.deleteLater()

    def jobs(self) -> list[JobHandle]:
        return [j for j in self._jobs if j.is_running()]

    def detach_all(self) -> None:
        for job in self.jobs():
            job.detach()

    def cancel_all(self) -> None:
        for job in self.jobs():
            job.cancel()

    def join(self, timeout_ms: int = 10000) -> bool:
        """Wait for every job's thread to end by itself (after detach_all: they stop following
        within a second; a download in progress finishes first)."""
        return all(job.runner.join(timeout_ms) for job in list(self._jobs))

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel what is still running and join the threads."""
        for job in list(self._jobs):
            job.runner.shutdown(timeout_ms)
