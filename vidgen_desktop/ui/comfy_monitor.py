"""Keeps the status bar's ComfyUI segment current (version, queue length, VRAM) without touching
the network in the GUI thread.

A QTimer starts one poll at a time on a TaskRunner with its own short-timeout client (the job's
client may be busy downloading). While a job runs, the job's node and step are shown by the
status bar's job area (context.job_progress), next to this segment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.progress import format_gb
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.status_bar import Segment
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 5000
POLL_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class ComfyStatus:
    url: str
    reachable: bool
    version: str = ""
    queue: int = 0
    device: str = ""
    vram_total: int = 0
    vram_free: int = 0
    error: str = ""


def poll(url: str, timeout_s: float = POLL_TIMEOUT_S) -> ComfyStatus:
    """Worker side: /system_stats (version, VRAM) and GET /prompt (queue length)."""
    client = ComfyClient(url, timeout=timeout_s)
    try:
        stats = client.system_stats()
        queue = client.queue_remaining()
    except VidGenError as exc:
        return ComfyStatus(url, False, error=exc.detail or exc.message)
    finally:
        client.close()
    dev = stats.primary
    return ComfyStatus(url, True, stats.system.comfyui_version, queue,
                       dev.name if dev else "", dev.vram_total if dev else 0, dev.vram_free if dev else 0)


def describe(status: ComfyStatus) -> tuple[str, str, str]:
    """(segment text, tooltip, level) for one poll."""
    if not status.reachable:
        text = f"ComfyUI: not reachable at {status.url} — start ComfyUI"
        return text, f"{text}\n{status.error}".strip(), "error"
    version = status.version or "(version unknown)"
    text = f"ComfyUI {version} · queue {status.queue}"
    tip = [f"ComfyUI {version} at {status.url}", f"Jobs queued or running: {status.queue}"]
    if status.device:
        tip.append(status.device)
    if status.vram_total:
        tip.append(f"VRAM free {format_gb(status.vram_free)} of {format_gb(status.vram_total)}")
    return text, "\n".join(tip), "ok"


class ComfyMonitor(QObject):
    status_changed = Signal(object)  # ComfyStatus
    #: the server came up (True) or went away (False): panels re-check what it can run
    reachability_changed = Signal(bool)

    def __init__(self, context: AppContext, segment: Segment | None, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.segment = segment
        self.last: ComfyStatus | None = None
        self.runner = TaskRunner("comfy-monitor", self)
        self.runner.succeeded.connect(self._on_status)
        self.runner.done.connect(self._on_done)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_INTERVAL_MS)
        self.timer.timeout.connect(self.poll_now)
        self._again = False
        self._stopped = False
        context.settings_changed.connect(self.poll_now)
        # the queue length just changed; poll a moment later, not in the same busy event
        context.job_finished.connect(lambda _m: QTimer.singleShot(300, self.poll_now))
        if segment is not None:
            segment.set_state("ComfyUI: checking…", f"Checking {self.url()}…")

    def url(self) -> str:
        return self.context.settings.comfyui_url

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
            self._again = True
            return
        url = self.url()
        self.runner.start(lambda _report, _token: poll(url))

    @Slot(object)
    def _on_status(self, status: ComfyStatus) -> None:
        before = self.last
        self.last = status
        if self.segment is not None:
            self.segment.set_state(*describe(status))
        self.status_changed.emit(status)
        if before is not None and (before.reachable != status.reachable or before.url != status.url):
            self.reachability_changed.emit(status.reachable)

    @Slot()
    def _on_done(self) -> None:
        if self._again:
            self._again = False
            self.poll_now()

    def shutdown(self) -> None:
        self._stopped = True
        self.timer.stop()
        self.runner.shutdown()


def install_comfy_monitor(window) -> ComfyMonitor:  # noqa: ANN001 - MainWindow (avoids a cycle)
    """Create the monitor for a window, hand it to panels that want it, start polling."""
    monitor = ComfyMonitor(window.context, window.status.comfy, window)
    window.comfy_monitor = monitor
    for panel in window.panels:
        attach = getattr(panel, "attach_comfy_monitor", None)
        if attach is not None:
            attach(monitor)
    monitor.start()
    return monitor
