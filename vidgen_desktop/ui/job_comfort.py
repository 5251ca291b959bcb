"""Comfort around long jobs, for the whole window: the computer stays awake while any job runs
(and only then), a job that took over a minute says when it ends (a desktop notification;
clicking it brings the window to that stage), the launcher or taskbar shows the progress where
the desktop supports it (Unity's LauncherEntry on Linux), and the status bar shows the time
left for everything queued, from any stage.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.ui.desktop.keep_awake import KeepAwake
from vidgen_desktop.ui.desktop.notifier import Notifier
from vidgen_desktop.ui.job_queue import JobHandle
from vidgen_desktop.workers.runner import TaskRunner

if TYPE_CHECKING:
    from vidgen_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

LAUNCHER_PATH = "/vidgen_desktop/launcher"


def time_left(jobs: list[JobHandle]) -> tuple[float, int]:
    """(seconds left for the jobs that know it, how many do not know yet)."""
    known, unknown = 0.0, 0
    for job in jobs:
        eta = job.last.eta_s if job.last is not None and not job.waiting else None
        if eta is None and job.waiting:
            eta = job.estimate_s
        if eta is None:
            unknown += 1
        else:
            known += eta
    return known, unknown


def left_text(jobs: list[JobHandle]) -> str:
    if not jobs:
        return ""
    seconds, unknown = time_left(jobs)
    count = f"{len(jobs)} job{'s' if len(jobs) != 1 else ''}"
    if unknown == len(jobs):
        return f"{count} · time left: unknown yet"
    more = f" (+ {unknown} not yet estimated)" if unknown else ""
    return f"{count} · about {format_duration(seconds)} left{more}"


class JobComfort(QObject):
    #: jobs that ran at least this long announce their end
    NOTIFY_AFTER_S = 60.0

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window, self.context = window, window.context
        self.awake = KeepAwake()
        self._want_awake = False
        self.awake_runner = TaskRunner("keep-awake", self)
        self.awake_runner.done.connect(self._reconcile_awake)
        self.notifier = Notifier(window.windowIcon(), self)
        self.notifier.clicked.connect(self.bring_to)
        self.launcher_runner = TaskRunner("launcher", self)
        self._launcher_shown = False
        self.context.job_submitted.connect(self._follow)
        self.context.jobs_changed.connect(self._jobs_changed)
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._refresh)

    # ---- jobs ----------------------------------------------------------------------------------
    def _follow(self, handle: JobHandle) -> None:
        handle.succeeded.connect(lambda outcome: self._ended(handle, "finished", outcome))
        handle.failed.connect(lambda error: self._ended(handle, "failed", error))

    def _jobs_changed(self) -> None:
        running = bool(self.context.running_jobs())
        self._want_awake = running
        self._reconcile_awake()
        if running and not self.tick.isActive():
            self.tick.start()
        self._refresh()

    def _ended(self, handle: JobHandle, how: str, outcome: object) -> None:
        from vidgen_desktop.comfy.errors import Detached

        took = time.monotonic() - handle.started_at
        if isinstance(outcome, Detached) or took < self.NOTIFY_AFTER_S:
            return
        if how == "failed":
            message = getattr(outcome, "message", str(outcome))
            body = f"{message}\nIt ran for {format_duration(took)}."
        else:
            body = f"Done after {format_duration(took)}. Click to see it."
        self.notifier.notify(f"{handle.title} {how}", body, handle.stage)

    def bring_to(self, stage: str) -> None:
        """A click on a notification: the window, on that stage."""
        window = self.window
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()
        if stage:
            window.show_stage(window.stage_index(stage))

    # ---- keep awake ----------------------------------------------------------------------------
    def _reconcile_awake(self) -> None:
        log.debug(
            "keep awake: want %s, held %s, busy %s",
            self._want_awake,
            self.awake.held,
            self.awake_runner.is_running(),
        )
        if self.awake_runner.is_running() or self._want_awake == self.awake.held:
            return
        if self._want_awake:
            self.awake_runner.start(lambda _r, _t: self.awake.hold("Rendering on ComfyUI"))
        else:
            self.awake_runner.start(lambda _r, _t: self.awake.release())

    # ---- time left and the launcher ------------------------------------------------------------
    def _refresh(self) -> None:
        jobs = self.context.running_jobs()
        self.window.status.show_queue(left_text(jobs))
        if not jobs:
            self.tick.stop()
        fraction = next(
            (j.last.fraction for j in jobs if j.last is not None and j.last.fraction is not None),
            None,
        )
        self._launcher(fraction if jobs else None)

    def _launcher(self, fraction: float | None) -> None:
        if not sys.platform.startswith("linux") or self.launcher_runner.is_running():
            return
        visible = fraction is not None
        if not visible and not self._launcher_shown:
            return
        self._launcher_shown = visible

        def send(_r, _t) -> None:
            from vidgen_desktop.ui.desktop import bus

            try:
                bus.signal(
                    LAUNCHER_PATH,
                    bus.LAUNCHER_INTERFACE,
                    "Update",
                    "sa{sv}",
                    (
                        bus.APP_URI,
                        {
                            "progress": ("d", float(fraction or 0.0)),
                            "progress-visible": ("b", visible),
                        },
                    ),
                )
            except Exception as exc:  # no session bus: no launcher to tell
                log.debug("launcher progress not sent: %s", exc)

        self.launcher_runner.start(send)

    def shutdown(self) -> None:
        """The window closes: let the computer sleep again, now."""
        self.tick.stop()
        self.awake_runner.shutdown(3000)
        self._want_awake = False
        self.awake.release()
        self.launcher_runner.shutdown(2000)
        self.notifier.shutdown()
