"""Keeps the status bar's Ollama segment current without touching the network in the GUI thread.

A QTimer starts one poll at a time on a TaskRunner; the result (version, loaded model, GPU share
from /api/ps size_vram, or "not reachable") is rendered into the segment and re-emitted so the
Script panel can enable Generate the moment the server appears.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Signal, Slot

from vidgen_desktop.core.progress import format_gb
from vidgen_desktop.ollama_client.models import ServerStatus
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.status_bar import Segment
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 5000


def describe(status: ServerStatus) -> tuple[str, str, str]:
    """(segment text, tooltip, level) for one poll."""
    if not status.reachable:
        text = f"Ollama: not reachable at {status.url} — start it with `ollama serve`"
        return text, f"{text}\n{status.error}".strip(), "error"
    text = f"Ollama {status.version}"
    tip = [f"Ollama {status.version} at {status.url}"]
    if status.loaded:
        m = status.loaded[0]
        share = f"{format_gb(m.size_vram)} GPU" if m.size_vram else "CPU only"
        text = f"Ollama: {m.name} · {share}"
        for lm in status.loaded:
            ctx = f", context {lm.context_length}" if lm.context_length else ""
            tip.append(f"{lm.name}: {format_gb(lm.size_vram)} of {format_gb(lm.size_bytes)} on GPU{ctx}")
    else:
        tip.append("No model loaded.")
    return text, "\n".join(tip), "ok"


def _poll(url: str) -> ServerStatus:
    # imported here, on the worker thread, so `ollama` + httpx never delay the first window
    from vidgen_desktop.ollama_client.service import OllamaService

    return OllamaService(url, timeout_s=2.0).status()


class OllamaMonitor(QObject):
    status_changed = Signal(object)  # ServerStatus

    def __init__(self, context: AppContext, segment: Segment | None, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.segment = segment
        self.last: ServerStatus | None = None
        self.runner = TaskRunner("ollama-monitor", self)
        self.runner.succeeded.connect(self._on_status)
        self.runner.done.connect(self._on_done)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_INTERVAL_MS)
        self.timer.timeout.connect(self.poll_now)
        self._again = False
        self._stopped = False
        context.settings_changed.connect(self.poll_now)
        if segment is not None:
            segment.set_state("Ollama: checking…", f"Checking {self.url()}…")

    def url(self) -> str:
        return self.context.settings.effective_ollama_url()

    def start(self) -> None:
        self._stopped = False
        self.timer.start()
        self.poll_now()

    def set_interval(self, ms: int) -> None:
        self.timer.setInterval(ms)

    @Slot()
    def poll_now(self) -> None:
        if self._stopped:
            return
        if self.runner.is_running():
            self._again = True  # e.g. the URL changed mid-poll: poll once more afterwards
            return
        url = self.url()
        self.runner.start(lambda _report, _token: _poll(url))

    @Slot(object)
    def _on_status(self, status: ServerStatus) -> None:
        self.last = status
        if self.segment is not None:
            self.segment.set_state(*describe(status))
        self.status_changed.emit(status)

    @Slot()
    def _on_done(self) -> None:
        if self._again:
            self._again = False
            self.poll_now()

    def shutdown(self) -> None:
        self._stopped = True
        self.timer.stop()
        drain_runner(self.runner)


def drain_runner(runner: TaskRunner, timeout_s: float = 5.0) -> bool:
    """Cancel and wait for a runner while still delivering queued events.

    TaskRunner.shutdown() blocks in QThread.wait(), but the worker's `thread.quit` arrives as a
    queued call to this (GUI) thread, so a task that ends during the wait cannot stop its thread
    until the wait times out. Pumping events lets the quit and the `done` slot run.
    """
    runner.cancel()
    deadline = time.monotonic() + timeout_s
    while runner.is_running() and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
    if runner.is_running():
        log.warning("%s did not stop within %.1f s", runner.name, timeout_s)
        return False
    return True


def install_ollama_monitor(window) -> OllamaMonitor:  # noqa: ANN001 - MainWindow (avoids a cycle)
    """Create the monitor for a window, hand it to panels that want it, start polling."""
    monitor = OllamaMonitor(window.context, window.status.ollama, window)
    window.ollama_monitor = monitor
    for panel in window.panels:
        attach = getattr(panel, "attach_ollama_monitor", None)
        if attach is not None:
            attach(monitor)
    monitor.start()
    return monitor
