"""Keeps every ComfyUI server's health current (reachable, version, GPU, free memory, queue,
what it can run) without network I/O in the GUI thread, and says it in one status-bar segment
when there is more than one server (with one, the ComfyUI segment says it as before).

Each server has its own short-timeout client here, so a slow server never holds up the others.
/object_info (large, and slow on a server with many node packs) is asked again only when a
server comes back, every OBJECT_INFO_S, or when the user asks (Check now).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject

from vidgen_desktop.core.progress import format_gb
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.server_monitor import ServerMonitor
from vidgen_desktop.ui.status_bar import Segment

OBJECT_INFO_S = 600.0
STAGES = ("image", "voice", "video")


class ServersMonitor(ServerMonitor):
    name = "Servers"

    def __init__(self, context: AppContext, segment: Segment | None, parent: QObject | None = None):
        self._clients: dict[str, Any] = {}
        self._asked_at: dict[str, float] = {}
        self._was_up: dict[str, bool] = {}
        self._fresh = False
        #: the Servers panel is open: poll even with one server (the status bar's ComfyUI
        #: monitor covers a lone server otherwise, so it is not asked twice)
        self.wanted = False
        super().__init__(context, None, parent)
        self.summary_segment = segment
        self.status_changed.connect(self._on_healths)
        context.job_finished.connect(lambda _m: self.poll_now())

    def url(self) -> Any:
        return self.context.settings.model_copy(deep=True)

    def poll(self, settings: Any) -> list[Any]:
        """Worker side: every enabled server at once."""
        from vidgen_desktop.pipeline.servers import check_health, client_for

        entries = settings.comfy_servers()
        fresh, self._fresh = self._fresh, False

        def one(entry) -> Any:
            key = entry.url.rstrip("/")
            client = self._clients.get(key)
            if client is None or client.headers != settings.auth_headers(key):
                client = self._clients[key] = client_for(settings, key, timeout=3.0)
            now = time.monotonic()
            stale = now - self._asked_at.get(key, 0.0) > OBJECT_INFO_S
            if fresh or stale or not self._was_up.get(key):
                client.refresh()
                self._asked_at[key] = now
            health = check_health(client, entry.label(), STAGES)
            self._was_up[key] = health.reachable
            return health

        with ThreadPoolExecutor(max_workers=max(1, len(entries))) as pool:
            return list(pool.map(one, entries))

    def describe(self, status: Any) -> tuple[str, str, str]:
        return describe_all(status)

    def poll_now(self) -> None:
        if len(self.context.settings.comfy_servers()) > 1 or self.wanted:
            super().poll_now()

    def check_now(self) -> None:
        """Ask every server again, node lists included (models or packs were installed)."""
        self._fresh = True
        self.poll_now()

    def _on_healths(self, healths: list[Any]) -> None:
        self.context.set_healths(healths)
        if self.summary_segment is not None and len(healths) > 1:
            self.summary_segment.set_state(*describe_all(healths))

    def shutdown(self) -> None:
        super().shutdown()
        for client in self._clients.values():
            client.close()


def install_servers_monitor(window: Any) -> ServersMonitor:
    """The window's servers monitor; a click on the ComfyUI segment opens the Servers panel."""
    from vidgen_desktop.ui.server_monitor import install_monitor
    from vidgen_desktop.ui.servers.servers_panel import open_servers_panel

    monitor = ServersMonitor(window.context, window.status.comfy, window)
    window.status.comfy.clicked.connect(lambda: open_servers_panel(window))
    return install_monitor(window, monitor, "servers_monitor", "attach_servers_monitor")


def line_of(h: Any) -> str:
    """One server in a sentence, for tooltips."""
    if not h.reachable:
        return f"{h.name}: not reachable at {h.url}"
    parts = [f"ComfyUI {h.version or '?'}"]
    if h.device:
        parts.append(h.device)
    if h.vram_total:
        parts.append(f"{format_gb(h.vram_free)} free of {format_gb(h.vram_total)}")
    parts.append(f"queue {h.queue}")
    runs = [s for s in STAGES if h.can_run.get(s)]
    parts.append("runs " + ", ".join(runs) if runs else "can run no stage yet")
    return f"{h.name}: " + " · ".join(parts)


def describe_all(healths: list[Any]) -> tuple[str, str, str]:
    up = [h for h in healths if h.reachable]
    queue = sum(h.queue for h in up)
    text = f"ComfyUI: {len(up)} of {len(healths)} servers up · queue {queue}"
    tip = "\n".join([*(line_of(h) for h in healths), "", "Click for the Servers panel."])
    level = "error" if not up else ("warn" if len(up) < len(healths) else "ok")
    return text, tip, level
