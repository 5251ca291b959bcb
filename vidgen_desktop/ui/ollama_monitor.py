"""Keeps the status bar's Ollama segment current without touching the network in the GUI thread.

The segment shows the version, the loaded model and its GPU share (/api/ps size_vram), or
"not reachable"; the Script panel enables Generate the moment the server appears.
"""

from __future__ import annotations

import logging
from typing import Any

from vidgen_desktop.core.progress import format_gb
from vidgen_desktop.ollama_client.models import ServerStatus
from vidgen_desktop.ui.server_monitor import ServerMonitor, install_monitor

log = logging.getLogger(__name__)


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
            tip.append(
                f"{lm.name}: {format_gb(lm.size_vram)} of {format_gb(lm.size_bytes)} on GPU{ctx}"
            )
    else:
        tip.append("No model loaded.")
    return text, "\n".join(tip), "ok"


def _poll(url: str) -> ServerStatus:
    # imported here, on the worker thread, so `ollama` + httpx never delay the first window
    from vidgen_desktop.ollama_client.service import OllamaService

    return OllamaService(url, timeout_s=2.0).status()


class OllamaMonitor(ServerMonitor):
    name = "Ollama"

    def url(self) -> str:
        return self.context.settings.effective_ollama_url()

    def poll(self, url: str) -> ServerStatus:
        return _poll(url)

    def describe(self, status: ServerStatus) -> tuple[str, str, str]:
        return describe(status)


def install_ollama_monitor(window: Any) -> OllamaMonitor:
    """Create the monitor for a window, hand it to panels that want it, start polling."""
    return install_monitor(
        window,
        OllamaMonitor(window.context, window.status.ollama, window),
        "ollama_monitor",
        "attach_ollama_monitor",
    )
