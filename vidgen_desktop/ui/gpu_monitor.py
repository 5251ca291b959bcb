"""Keeps the status bar's GPU segment current: total / used / by whom, from the best source.

Polling (NVML, ComfyUI /system_stats, Ollama /api/ps) runs on one daemon thread, never in the GUI
thread; results cross back through a queued signal. A plain thread rather than a TaskRunner on
purpose: this monitor lives as long as the window, and a daemon thread can never abort the process
("QThread destroyed while running") when a window is dropped without being closed (tests, self-test).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal, Slot

from vidgen_desktop.core.gpu import GpuSnapshot, snapshot_for
from vidgen_desktop.ui.context import AppContext
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


class GpuMonitor(QObject):
    snapshot_changed = Signal(object)  # GpuSnapshot, in the GUI thread
    _delivered = Signal(object)  # emitted by the poll thread

    def __init__(
        self,
        context: AppContext,
        segment: Segment | None,
        *,
        interval_s: float = POLL_INTERVAL_S,
        probe: Probe | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.segment = segment
        self.interval_s = interval_s
        self.last: GpuSnapshot | None = None
        self._probe: Probe = probe or (lambda o, c: snapshot_for(o, c, HTTP_TIMEOUT_S))
        self._urls = self._read_urls()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._delivered.connect(self._apply)
        context.settings_changed.connect(self._on_settings_changed)
        if segment is not None:
            segment.set_state("GPU: checking…", "Reading GPU memory (NVML, ComfyUI, Ollama)…")

    def _read_urls(self) -> tuple[str, str]:
        s = self.context.settings
        return s.effective_ollama_url(), s.comfyui_url

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vidgen-gpu-monitor", daemon=True)
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread is not None

    @Slot()
    def poll_now(self) -> None:
        """Read again at once (after a hand-off step, a job's end, a settings change)."""
        self._wake.set()

    def shutdown(self, timeout_s: float = 1.0) -> None:
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)

    # ---- poll thread ------------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            ollama_url, comfy_url = self._urls  # one tuple read: atomic
            try:
                snap = self._probe(ollama_url, comfy_url)
            except Exception:  # a bug in a probe must not end the monitor
                log.exception("GPU probe failed")
                snap = GpuSnapshot("none", notes=("Reading GPU memory failed; see the log.",))
            if self._stop.is_set():
                return
            try:
                self._delivered.emit(snap)
            except RuntimeError:  # the monitor's Qt object is gone (window dropped)
                return
            self._wake.wait(self.interval_s)
            self._wake.clear()

    # ---- GUI thread -------------------------------------------------------------------------------

    @Slot(object)
    def _apply(self, snap: GpuSnapshot) -> None:
        self.last = snap
        if self.segment is not None:
            self.segment.set_state(*segment_state(snap))
        self.snapshot_changed.emit(snap)

    @Slot()
    def _on_settings_changed(self) -> None:
        self._urls = self._read_urls()
        self.poll_now()


class _CloseWatcher(QObject):
    """Stops the monitor once the window has really closed: a Close event followed by the
    window's own (non-spontaneous) Hide. A close the user cancels is not followed by a Hide, and
    minimising sends only a spontaneous Hide, so neither stops the monitor."""

    def __init__(self, window: QObject, monitor: GpuMonitor) -> None:
        super().__init__(window)
        self._window = window
        self._monitor = monitor
        self._closing = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if obj is self._window:
            if event.type() == QEvent.Type.Close:
                self._closing = True
            elif event.type() == QEvent.Type.Hide and self._closing and not event.spontaneous():
                self._monitor.shutdown()
            elif event.type() == QEvent.Type.Show:
                self._closing = False
        return False


def install_gpu_monitor(window, probe: Probe | None = None) -> GpuMonitor:  # noqa: ANN001 - MainWindow
    """Create the monitor for a window's status bar, start polling, stop when the window closes."""
    monitor = GpuMonitor(window.context, window.status.gpu, probe=probe, parent=window)
    window.gpu_monitor = monitor
    monitor.close_watcher = _CloseWatcher(window, monitor)  # keep the Python side alive
    window.installEventFilter(monitor.close_watcher)
    context = window.context
    if hasattr(context, "job_finished"):
        context.job_finished.connect(lambda _m: monitor.poll_now())  # memory changes after a job
    monitor.start()
    return monitor
