"""Keeps one status-bar segment current for a server, without network I/O in the GUI thread.

A QTimer starts one poll at a time on a TaskRunner; the poll result is rendered into the segment
and re-emitted, so panels can react the moment a server appears or goes away. Subclasses say how
to poll (worker side) and how to describe a result.
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.status_bar import Segment
from vidgen_desktop.workers.runner import TaskRunner

POLL_INTERVAL_MS = 5000


class ServerMonitor(QObject):
    status_changed = Signal(object)
    #: the server came up (True) or went away (False), or its URL changed
    reachability_changed = Signal(bool)

    #: shown in the segment until the first poll answers
    name = "Server"

    def __init__(self, context: AppContext, segment: Segment | None, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.segment = segment
        self.last: Any = None
        self.runner = TaskRunner(f"{self.name.lower()}-monitor", self)
        self.runner.succeeded.connect(self._on_status)
        self.runner.done.connect(self._on_done)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_INTERVAL_MS)
        self.timer.timeout.connect(self.poll_now)
        self._again = False
        self._stopped = False
        self._shut_down = False
        context.settings_changed.connect(self.poll_now)
        if segment is not None:
            segment.set_state(f"{self.name}: checking…", f"Checking {self.url()}…")

    # ---- for subclasses -------------------------------------------------------------------------
    def url(self) -> str:
        raise NotImplementedError

    def poll(self, url: Any) -> Any:
        """Worker side: ask the server; never raise for an unreachable server."""
        raise NotImplementedError

    def describe(self, status: Any) -> tuple[str, str, str]:
        """(segment text, tooltip, level) for one poll."""
        raise NotImplementedError

    # ---- polling ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._shut_down:  # a deferred start that arrives after the window closed
            return
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
        url, poll = self.url(), self.poll
        self.runner.start(lambda _report, _token: poll(url))

    @Slot(object)
    def _on_status(self, status: Any) -> None:
        before, self.last = self.last, status
        if self.segment is not None:
            self.segment.set_state(*self.describe(status))
        self.status_changed.emit(status)
        reachable = getattr(status, "reachable", None)
        if (
            reachable is not None
            and before is not None
            and (before.reachable != reachable or before.url != status.url)
        ):
            self.reachability_changed.emit(reachable)

    @Slot()
    def _on_done(self) -> None:
        if self._again:
            self._again = False
            self.poll_now()

    def shutdown(self) -> None:
        self._shut_down = True
        self._stopped = True
        self.timer.stop()
        self.runner.shutdown()


M = TypeVar("M", bound=ServerMonitor)


def install_monitor(window: Any, monitor: M, attr: str, attach: str) -> M:
    """Give the window its monitor, hand it to panels that want it (`panel.<attach>(monitor)`),
    and start polling once the event loop runs: the poll's worker imports would otherwise
    compete for the GIL with building and showing the first window."""
    setattr(window, attr, monitor)
    for panel in window.panels:
        hook = getattr(panel, attach, None)
        if hook is not None:
            hook(monitor)
    QTimer.singleShot(0, monitor.start)
    return monitor
