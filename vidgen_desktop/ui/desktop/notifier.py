"""A desktop notification when a long job ends, and where clicking it leads (that stage).

Linux: the notification daemon (`org.freedesktop.Notifications.Notify`, its "default" action
for a click, `ActionInvoked` back); elsewhere, or with no daemon, the system tray's message
balloon (`QSystemTrayIcon.messageClicked`). Sending runs off the GUI thread; clicks are read
on a timer in the GUI thread.
"""

from __future__ import annotations

import logging
import queue
import sys
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

APP = "VidGen Desktop"


def send_dbus(title: str, body: str) -> int | None:
    """Worker side: the daemon's id for the notification, or None when there is no daemon."""
    from vidgen_desktop.ui.desktop import bus

    if not bus.has_service(bus.NOTIFICATIONS[0]):
        return None
    name, path = bus.NOTIFICATIONS
    (nid,) = bus.call(
        name,
        path,
        name,
        "Notify",
        "susssasa{sv}i",
        (APP, 0, "vidgen-desktop", title, body, ["default", "Show"], {}, -1),
    )
    return int(nid)


class Notifier(QObject):
    #: the user clicked the notification about this stage
    clicked = Signal(str)

    def __init__(self, icon: QIcon | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icon = icon or QIcon()
        self._stages: dict[int, str] = {}
        self._tray: QSystemTrayIcon | None = None
        self._tray_stage = ""
        self._clicks: queue.Queue | None = None
        self.sent: list[tuple[str, str, str]] = []  # (how, title, body): the log of what went out
        self._pending: list[tuple[str, str, str]] = []
        self.outbox = TaskRunner("notify", self)
        self.outbox.succeeded.connect(self._sent)
        self.outbox.done.connect(self._next)
        self._poll = QTimer(self)
        self._poll.setInterval(250)
        self._poll.timeout.connect(self._read_clicks)

    def notify(self, title: str, body: str, stage: str) -> None:
        if sys.platform.startswith("linux") and self.outbox.is_running():
            self._pending.append((title, body, stage))  # one at a time; the next when it is out
            return
        if sys.platform.startswith("linux"):

            def task(_report, _token) -> tuple[int | None, str, str, str, Any]:
                from vidgen_desktop.ui.desktop import bus

                try:
                    nid = send_dbus(title, body)
                    clicks = bus.watch(bus.NOTIFICATIONS[0], "ActionInvoked") if nid else None
                except Exception as exc:  # no session bus, a daemon that fails
                    log.info("desktop notification failed: %s", exc)
                    nid, clicks = None, None
                return nid, title, body, stage, clicks

            self.outbox.start(task)
            return
        self._tray_message(title, body, stage)

    def _sent(self, result: tuple[int | None, str, str, str, Any]) -> None:
        nid, title, body, stage, clicks = result
        if nid is None:
            self._tray_message(title, body, stage)
            return
        self._stages[nid] = stage
        self.sent.append(("dbus", title, body))
        if clicks is not None and self._clicks is None:
            self._clicks = clicks
        self._poll.start()

    def _next(self) -> None:
        if self._pending:
            self.notify(*self._pending.pop(0))

    def _read_clicks(self) -> None:
        if self._clicks is None:
            return
        while True:
            try:
                message = self._clicks.get_nowait()
            except queue.Empty:
                return
            nid = int(message.body[0]) if message.body else -1
            if nid in self._stages:
                self.clicked.emit(self._stages.pop(nid))

    def _tray_message(self, title: str, body: str, stage: str) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.info("no notification daemon and no system tray: %s — %s", title, body)
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._icon, self)
            self._tray.messageClicked.connect(lambda: self.clicked.emit(self._tray_stage))
            self._tray.show()
        self._tray_stage = stage
        self._tray.showMessage(title, body, self._icon, 15000)
        self.sent.append(("tray", title, body))

    def shutdown(self) -> None:
        self._poll.stop()
        self.outbox.shutdown(3000)
        if self._tray is not None:
            self._tray.hide()
