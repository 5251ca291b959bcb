"""The GPU hand-off: on a 12 GB card Ollama's model and the diffusion models cannot both be resident.

Before a ComfyUI stage we ask Ollama to unload what /api/ps lists (keep_alive 0) and confirm by
reading /api/ps again. Before an Ollama generation we POST /free to ComfyUI and confirm by watching
/system_stats free VRAM (the call only sets a flag: memory is freed when the running job ends).
Both waits are bounded; the result says whether the hand-off was confirmed so the GUI can let the
user continue anyway or wait longer. A server we cannot reach is never taken to hold nothing: on a
12 GB card that is how an out-of-memory error starts, so the result is "not confirmed" and the
caller tells the user (CLI: a warning on stderr; GUI: the status bar and the stage) and goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import ServerUnavailable, VidGenError
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.gpu.machines import same_machine
from vidgen_desktop.gpu.readings import OllamaLoaded, fetch_comfy_stats, fetch_ollama_ps

if TYPE_CHECKING:
    from vidgen_desktop.comfy.models import SystemStats as ComfySystemStats

log = logging.getLogger(__name__)

#: free VRAM must rise at least this much to count as "ComfyUI let go of its models"
MIN_RISE_BYTES = 256 * 1024**2
#: two readings this close are "stable"
STABLE_BYTES = 64 * 1024**2


@dataclass
class HandoffResult:
    step: str  # "unload_ollama" | "free_comfyui"
    performed: bool  # False when the hand-off is switched off, had nothing to do or could not start
    #: the GPU memory is known to be free for the next server; False = tell the user
    confirmed: bool
    message: str
    models: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    freed_bytes: int | None = None


def _noop(_: Progress) -> None:
    pass


def _say(report: ProgressCallback, message: str, fraction: float | None = None) -> None:
    log.info("hand-off: %s", message)
    report(Progress(fraction=fraction, message=message, kind="status"))


def _warn(report: ProgressCallback, message: str) -> None:
    """An unconfirmed hand-off: a warning the CLI prints and the window keeps on screen."""
    log.warning("hand-off not confirmed: %s", message)
    report(Progress(message=message, kind="warning", extra={"handoff_warning": message}))


# ---- before a ComfyUI stage -------------------------------------------------------------------------


def before_comfy(
    ollama_url: str,
    *,
    enabled: bool = True,
    report: ProgressCallback = _noop,
    token: CancelToken | None = None,
    timeout_s: float = 20.0,
    poll_s: float = 0.5,
    http_timeout_s: float = 5.0,
    unload: Callable[[str], None] | None = None,
    list_loaded: Callable[[], list[OllamaLoaded]] | None = None,
    comfy_url: str | None = None,
) -> HandoffResult:
    """Unload every model Ollama holds, then poll /api/ps until it is empty (at most timeout_s)."""
    token = token or CancelToken()
    if not enabled:
        return HandoffResult("unload_ollama", False, True, "The GPU hand-off is switched off.")
    if comfy_url and not same_machine(ollama_url, comfy_url):
        msg = f"Ollama is on another machine than the ComfyUI at {comfy_url}: its model stays."
        _say(report, "GPU hand-off: " + msg)
        return HandoffResult("unload_ollama", False, True, msg)
    list_loaded = list_loaded or (lambda: fetch_ollama_ps(ollama_url, http_timeout_s))
    unload = unload or _ollama_unloader(ollama_url, http_timeout_s)
    start = time.monotonic()
    _say(report, "GPU hand-off: asking Ollama what it holds…")
    try:
        loaded = list_loaded()
    except ServerUnavailable:
        msg = (
            f"Could not reach Ollama at {ollama_url}, so its model could not be unloaded: "
            "if it still holds one, GPU memory may be short. Going on anyway."
        )
        _warn(report, msg)
        return HandoffResult("unload_ollama", False, False, msg, elapsed_s=_since(start))
    names = [m.model for m in loaded]
    if not names:
        _say(report, "GPU hand-off: Ollama holds no model.", 1.0)
        return HandoffResult(
            "unload_ollama", False, True, "Ollama holds no model.", elapsed_s=_since(start)
        )
    for i, name in enumerate(names):
        token.raise_if_cancelled()
        _say(report, f"GPU hand-off: unloading {name} from Ollama…", 0.5 * i / len(names))
        unload(name)
    deadline = start + timeout_s
    remaining = names
    while True:
        token.raise_if_cancelled()
        try:
            remaining = [m.model for m in list_loaded()]
        except ServerUnavailable:
            # Stopped answering mid-unload: we cannot tell whether it let go (a crash frees the
            # memory, a network fault does not), so this is not a confirmation.
            msg = (
                f"Ollama at {ollama_url} stopped answering while unloading "
                f"{', '.join(names)}; the unload could not be confirmed. Going on anyway."
            )
            _warn(report, msg)
            return HandoffResult("unload_ollama", True, False, msg, names, _since(start))
        if not remaining:
            msg = f"GPU hand-off: Ollama unloaded {', '.join(names)}."
            _say(report, msg, 1.0)
            return HandoffResult("unload_ollama", True, True, msg, names, _since(start))
        if time.monotonic() >= deadline:
            break
        _say(report, f"GPU hand-off: waiting for Ollama to release {', '.join(remaining)}…", 0.5)
        token.wait(min(poll_s, max(0.0, deadline - time.monotonic())))
    msg = (
        f"Ollama still lists {', '.join(remaining)} after {timeout_s:.0f} s; "
        "GPU memory may be short. Going on anyway."
    )
    _warn(report, msg)
    return HandoffResult("unload_ollama", True, False, msg, names, _since(start))


def _ollama_unloader(ollama_url: str, timeout_s: float) -> Callable[[str], None]:
    def unload(model: str) -> None:
        import httpx
        import ollama

        try:
            # keep_alive=0 at top level, empty prompt: the runner is expired at once
            ollama.Client(host=ollama_url, timeout=timeout_s).generate(model=model, keep_alive=0)
        except (httpx.HTTPError, ConnectionError) as exc:
            raise ServerUnavailable(
                f"Ollama is not reachable at {ollama_url}.", detail=str(exc)
            ) from exc
        except ollama.ResponseError as exc:
            # a model that vanished meanwhile is fine; the /api/ps poll decides
            log.warning("unload of %s answered %s", model, exc)

    return unload


# ---- before an Ollama generation --------------------------------------------------------------------


def before_ollama(
    comfy_url: str,
    *,
    enabled: bool = True,
    report: ProgressCallback = _noop,
    token: CancelToken | None = None,
    timeout_s: float = 30.0,
    poll_s: float = 1.0,
    http_timeout_s: float = 5.0,
    read_stats: Callable[[], ComfySystemStats] | None = None,
    ollama_url: str | None = None,
) -> HandoffResult:
    """POST /free, then poll /system_stats until free VRAM rose and is stable (or the queue is idle
    and free VRAM is stable: an idle server applies /free at once, maybe with nothing to free)."""
    token = token or CancelToken()
    if not enabled:
        return HandoffResult("free_comfyui", False, True, "The GPU hand-off is switched off.")
    if ollama_url and not same_machine(ollama_url, comfy_url):
        msg = f"The ComfyUI at {comfy_url} is on another machine than Ollama: nothing to free."
        _say(report, "GPU hand-off: " + msg)
        return HandoffResult("free_comfyui", False, True, msg)
    base = comfy_url.rstrip("/")
    read_stats = read_stats or (lambda: fetch_comfy_stats(base, http_timeout_s))
    start = time.monotonic()
    _say(report, "GPU hand-off: reading ComfyUI's GPU memory…")
    try:
        stats = read_stats()
    except ServerUnavailable:
        msg = (
            f"Could not reach ComfyUI at {base}, so it could not be asked to free its models: "
            "if it still holds them, GPU memory may be short. Going on anyway."
        )
        _warn(report, msg)
        return HandoffResult("free_comfyui", False, False, msg, elapsed_s=_since(start))
    dev = stats.primary_gpu()
    _say(report, "GPU hand-off: asking ComfyUI to unload its models…", 0.2)
    _post_free(base, http_timeout_s)
    if dev is None:
        msg = "ComfyUI runs on the CPU; no GPU memory to free."
        _say(report, "GPU hand-off: " + msg, 1.0)
        return HandoffResult("free_comfyui", True, True, msg, elapsed_s=_since(start))
    baseline = dev.vram_free
    previous: int | None = None
    deadline = start + timeout_s
    while True:
        token.raise_if_cancelled()
        free_now = _free_vram(read_stats)
        idle = _queue_idle(base, http_timeout_s)
        if (
            free_now is not None
            and previous is not None
            and abs(free_now - previous) <= STABLE_BYTES
        ):
            rose = free_now - baseline >= MIN_RISE_BYTES
            if rose or idle:
                freed = max(0, free_now - baseline)
                msg = f"ComfyUI released its models ({freed / 1024**3:.1f} GB freed)."
                _say(report, "GPU hand-off: " + msg, 1.0)
                return HandoffResult(
                    "free_comfyui", True, True, msg, elapsed_s=_since(start), freed_bytes=freed
                )
        previous = free_now
        if time.monotonic() >= deadline:
            break
        wait_msg = (
            "waiting for ComfyUI's current job to end"
            if idle is False
            else "waiting for free VRAM to settle"
        )
        _say(report, f"GPU hand-off: {wait_msg}…", 0.5)
        token.wait(min(poll_s, max(0.0, deadline - time.monotonic())))
    msg = (
        f"ComfyUI's free VRAM did not settle within {timeout_s:.0f} s (a job may still be running); "
        "GPU memory may be short. Going on anyway."
    )
    _warn(report, msg)
    return HandoffResult("free_comfyui", True, False, msg, elapsed_s=_since(start))


def _post_free(base: str, timeout_s: float) -> None:
    import requests  # here, not at import: keeps ~60 ms off the GUI's start (callers are workers)

    try:
        resp = requests.post(
            base + "/free", json={"unload_models": True, "free_memory": True}, timeout=timeout_s
        )
    except requests.RequestException as exc:
        raise ServerUnavailable(f"ComfyUI is not reachable at {base}.", detail=str(exc)) from exc
    if resp.status_code != 200:
        raise VidGenError(
            f"ComfyUI refused /free (HTTP {resp.status_code}).",
            detail=resp.text[:500],
            hint="Check the ComfyUI console; an old server may lack this route.",
        )


def _free_vram(read_stats: Callable[[], ComfySystemStats]) -> int | None:
    try:
        dev = read_stats().primary_gpu()
    except VidGenError as exc:
        log.debug("system_stats poll failed: %s", exc)
        return None
    return dev.vram_free if dev else None


def _queue_idle(base: str, timeout_s: float) -> bool | None:
    """True when nothing runs or waits; None when unknown."""
    import requests

    try:
        data = requests.get(base + "/queue", timeout=timeout_s).json()
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return not data.get("queue_running") and not data.get("queue_pending")


def _since(start: float) -> float:
    return round(time.monotonic() - start, 3)
