"""A stage panel's view of its job in the window's job queue: the same few signals whichever
job is current (a Generate, a re-attach after reopening, a resubmit), so the panel renders
state and sends intents without owning a thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.job_queue import JobFn, JobHandle


class PanelJob(QObject):
    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, context: AppContext, stage: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context, self.stage = context, stage
        self.handle: JobHandle | None = None

    def start(
        self, title: str, fn: JobFn, server: str | None = None, estimate_s: float | None = None
    ) -> bool:
        if self.handle is not None:
            return False
        queue = self.context.queue_for(server or self.context.settings.comfyui_url)
        handle = queue.submit(self.stage, title, fn, estimate_s)
        handle.progress.connect(self.progress)
        handle.succeeded.connect(self.succeeded)
        handle.failed.connect(self.failed)
        handle.cancelled.connect(self.cancelled)
        handle.done.connect(self._ended)
        self.handle = handle
        return True

    def _ended(self) -> None:
        self.handle = None
        self.done.emit()

    def is_running(self) -> bool:
        return self.handle is not None

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def detach(self) -> None:
        if self.handle is not None:
            self.handle.detach()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel and join (the window closing without keeping jobs)."""
        handle = self.handle
        return handle.runner.shutdown(timeout_ms) if handle is not None else True
