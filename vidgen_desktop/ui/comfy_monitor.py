"""Keeps the status bar's ComfyUI segment current (version, queue length, VRAM) without touching
the network in the GUI thread.

Each poll uses its own short-timeout client (the job's client may be busy downloading). While a job runs, the job's node and step are shown by the
status bar's job area (context.job_progress), next to this segment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer

from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.progress import format_gb
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.server_monitor import ServerMonitor, install_monitor
from vidgen_desktop.ui.status_bar import Segment

log = logging.getLogger(__name__)

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
    from vidgen_desktop.comfy.client import ComfyClient  # worker side, off the start-up path

    client = ComfyClient(url, timeout=timeout_s)
    try:
        stats = client.system_stats()
        queue = client.queue_remaining()
    except VidGenError as exc:
        return ComfyStatus(url, False, error=exc.detail or exc.message)
    finally:
        client.close()
    dev = stats.primary
    return ComfyStatus(
        url,
        True,
        stats.system.comfyui_version,
        queue,
        dev.name if dev else "",
        dev.vram_total if dev else 0,
        dev.vram_free if dev else 0,
    )


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


class ComfyMonitor(ServerMonitor):
    name = "ComfyUI"

    def __init__(self, context: AppContext, segment: Segment | None, parent: QObject | None = None):
        super().__init__(context, segment, parent)
        # the queue length just changed; poll a moment later, not in the same busy event
        context.job_finished.connect(lambda _m: QTimer.singleShot(300, self.poll_now))

    def url(self) -> str:
        return self.context.settings.comfyui_url

    def poll(self, url: str) -> ComfyStatus:
        return poll(url)

    def describe(self, status: ComfyStatus) -> tuple[str, str, str]:
        # with several servers the segment speaks for all of them (ui.servers.servers_monitor)
        if len(self.context.settings.comfy_servers()) > 1 and self.context.healths:
            from vidgen_desktop.ui.servers.servers_monitor import describe_all

            return describe_all(self.context.healths)
        return describe(status)


def install_comfy_monitor(window: Any) -> ComfyMonitor:
    """Create the monitor for a window, hand it to panels that want it, start polling."""
    return install_monitor(
        window,
        ComfyMonitor(window.context, window.status.comfy, window),
        "comfy_monitor",
        "attach_comfy_monitor",
    )
