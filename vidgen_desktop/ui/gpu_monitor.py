"""Keeps the status bar's GPU segment current: total / used / by whom, from the best source.

Polling (NVML, ComfyUI /system_stats, Ollama /api/ps) runs on a TaskRunner like the server
monitors, never in the GUI thread. (A plain thread emitting into this object raced its deletion
when a window was dropped and crashed the process; the runner's jobs outlive their owner safely.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from vidgen_desktop.gpu.readings import GpuSnapshot, snapshot_for
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.server_monitor import ServerMonitor
from vidgen_desktop.ui.status_bar import Segment

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 3.0
HTTP_TIMEOUT_S = 1.5

Probe = Callable[[str, str], GpuSnapshot]  # (ollama_url, comfy_url) -> snapshot


def segment_state(snap: GpuSnapshot) -> tuple[str, str, str]:
    """(text, tooltip, level): warn when less than a tenth of the card is free."""
    free, total = snap.free_bytes, snap.total_bytes
    level = "warn" if free is not None and total and free < total * 0.1 else "ok"
    return snap.text(), snap.tooltip(), level


class GpuMonitor(ServerMonitor):
    name = "GPU"
    snapshot_changed = Signal(object)  # GpuSnapshot, in the GUI thread

    def __init__(
        self,
        context: AppContext,
        segment: Segment | None,
        *,
        interval_s: float = POLL_INTERVAL_S,
        probe: Probe | None = None,
        parent: QObject | None = None,
    ) -> None:
        self._probe: Probe = probe or (lambda o, c: snapshot_for(o, c, HTTP_TIMEOUT_S))
        #: stops the monitor once the window has closed (kept here so Python keeps it alive)
        self.close_watcher: _CloseWatcher | None = None
        super().__init__(context, segment, parent)
        self.interval_s = interval_s
        self.set_interval(max(10, int(interval_s * 1000)))
        self.status_changed.connect(self.snapshot_changed)
        if segment is not None:
            segment.set_state("GPU: checking…", "Reading GPU memory (NVML, ComfyUI, Ollama)…")

    def url(self) -> Any:
        s = self.context.settings
        return s.effective_ollama_url(), s.comfyui_url

    def poll(self, urls: tuple[str, str]) -> GpuSnapshot:
        try:
            return self._probe(*urls)
        except Exception:  # a bug in a probe must not end the monitor
            log.exception("GPU probe failed")
            return GpuSnapshot("none", notes=("Reading GPU memory failed; see the log.",))

    def describe(self, status: GpuSnapshot) -> tuple[str, str, str]:
        return segment_state(status)

    def is_running(self) -> bool:
        return self.timer.isActive() or self.runner.is_running()


class _CloseWatcher(QObject):
    """Stops the monitor once the window has really closed: a Close event followed by the
    window's own (non-spontaneous) Hide. A close the user cancels is not followed by a Hide, and
    minimising sends only a spontaneous Hide, so neither stops the monitor."""

    def __init__(self, window: QObject, monitor: GpuMonitor) -> None:
        super().__init__(window)
        self._window = window
        self._monitor = monitor
        self._closing = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._window:
            if event.type() == QEvent.Type.Close:
                self._closing = True
            elif event.type() == QEvent.Type.Hide and self._closing and not event.spontaneous():
                self._monitor.shutdown()
            elif event.type() == QEvent.Type.Show:
                self._closing = False
        return False


def install_gpu_monitor(window: Any, probe: Probe | None = None) -> GpuMonitor:
    """Create the monitor for a window's status bar, start polling, stop when the window closes."""
    monitor = GpuMonitor(window.context, window.status.gpu, probe=probe, parent=window)
    window.gpu_monitor = monitor
    watcher = monitor.close_watcher = _CloseWatcher(window, monitor)
    window.installEventFilter(watcher)
    context = window.context
    if hasattr(context, "set_card_bytes"):
        # the card's size decides the Video stage's fast-path default
        monitor.snapshot_changed.connect(lambda snap: context.set_card_bytes(snap.total_bytes))
    if hasattr(context, "job_finished"):
        # memory changes after a job: read it once the job's own updates are on screen
        context.job_finished.connect(lambda _m: QTimer.singleShot(300, monitor.poll_now))
    # Polling starts once the event loop runs: its worker threads' imports would otherwise
    # compete for the GIL with building and showing the first window.
    QTimer.singleShot(0, monitor.start)
    return monitor
