"""GPU memory readings from the best source available, for the status bar and the hand-off.

Why several sources: NVML (nvidia-ml-py) is exact for a local NVIDIA card but absent on other
machines; ComfyUI's /system_stats works for any torch device it runs on; Ollama's /api/ps tells how
much of the card its models hold. We never invent a number: when nothing reports, the snapshot
says "no GPU reported".
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from vidgen_desktop.core.errors import ServerError, ServerUnavailable

if TYPE_CHECKING:  # the model loads with the first fetch, not with the GUI
    from vidgen_desktop.comfy.models import SystemStats as ComfySystemStats

log = logging.getLogger(__name__)

GB = 1024**3


# ---- wire shapes (ComfyUI's /system_stats is modelled once, in comfy.models) ---------------------


class OllamaLoaded(BaseModel):
    """One model from /api/ps; size_vram is the part of it on the GPU."""

    model_config = ConfigDict(extra="ignore")
    model: str
    size: int = 0
    size_vram: int = 0


# ---- fetchers (small, so this works before and beside the full clients) -----------------------


def fetch_comfy_stats(base_url: str, timeout_s: float = 3.0) -> ComfySystemStats:
    import requests  # here, not at import: keeps ~60 ms off the GUI's start (callers are workers)

    url = base_url.rstrip("/") + "/system_stats"
    try:
        resp = requests.get(url, timeout=timeout_s)
    except requests.RequestException as exc:
        raise ServerUnavailable(
            f"ComfyUI is not reachable at {base_url}.", detail=str(exc)
        ) from exc
    if resp.status_code != 200:
        raise ServerError(
            f"ComfyUI /system_stats answered HTTP {resp.status_code}.", detail=resp.text[:500]
        )
    try:
        from vidgen_desktop.comfy.models import SystemStats

        return SystemStats.model_validate(resp.json())
    except (ValueError, ValidationError) as exc:
        raise ServerError(
            "ComfyUI /system_stats sent an unexpected reply.", detail=str(exc)
        ) from exc


def fetch_ollama_ps(base_url: str, timeout_s: float = 3.0) -> list[OllamaLoaded]:
    """Models Ollama holds in memory, through the official client."""
    import httpx
    import ollama

    try:
        reply = ollama.Client(host=base_url, timeout=timeout_s).ps()
    except (httpx.HTTPError, ConnectionError) as exc:
        raise ServerUnavailable(f"Ollama is not reachable at {base_url}.", detail=str(exc)) from exc
    except ollama.ResponseError as exc:
        raise ServerError(f"Ollama /api/ps failed: {exc.error}", detail=str(exc)) from exc
    out = []
    for m in reply.models:
        out.append(OllamaLoaded(model=m.model or "", size=m.size or 0, size_vram=m.size_vram or 0))
    return out


# ---- NVML ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NvmlProcess:
    pid: int
    used_bytes: int | None
    name: str  # command line, best effort ("" when the OS hides it)


@dataclass(frozen=True)
class NvmlReading:
    name: str
    total_bytes: int
    used_bytes: int
    free_bytes: int
    processes: tuple[NvmlProcess, ...] = ()


def _process_name(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()


def _nvml_library_loadable() -> bool:
    """On Linux, whether the driver's libnvidia-ml.so.1 loads (what pynvml's nvmlInit loads first).
    Elsewhere pynvml's own search (nvml.dll paths) decides, so answer True."""
    if not sys.platform.startswith("linux"):
        return True
    try:
        ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return False
    return True


def _import_pynvml() -> ModuleType | None:
    if not _nvml_library_loadable():
        return None  # no NVIDIA driver: skip importing pynvml (~4 MB, ~25 ms) on every poll
    try:
        import pynvml  # nvidia-ml-py
    except ImportError:
        return None
    return pynvml


def read_nvml(
    nvml: ModuleType | Any | None = None,
    index: int = 0,
    process_name: Callable[[int], str] = _process_name,
) -> NvmlReading | None:
    """Read device `index` through NVML; None when the library, driver or card is missing."""
    if nvml is None:
        nvml = _import_pynvml()
        if nvml is None:
            return None
    try:
        nvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound / DriverNotLoaded / ...
        log.debug("NVML unavailable: %s", exc)
        return None
    try:
        if nvml.nvmlDeviceGetCount() <= index:
            return None
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        name = nvml.nvmlDeviceGetName(handle)
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        mem = nvml.nvmlDeviceGetMemoryInfo(handle)
        procs: list[NvmlProcess] = []
        try:
            for p in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                used = getattr(p, "usedGpuMemory", None)
                procs.append(
                    NvmlProcess(int(p.pid), int(used) if used else None, process_name(int(p.pid)))
                )
        except Exception as exc:  # per-process info is optional (containers, old drivers)
            log.debug("NVML process list unavailable: %s", exc)
        return NvmlReading(str(name), int(mem.total), int(mem.used), int(mem.free), tuple(procs))
    except Exception as exc:
        log.debug("NVML read failed: %s", exc)
        return None
    finally:
        try:
            nvml.nvmlShutdown()
        except Exception:
            pass


# ---- the snapshot --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuSnapshot:
    """Total / used / by whom. Fields are None when no source told us; never guessed."""

    source: str  # "nvml" | "comfyui" | "none"
    device: str = ""
    total_bytes: int | None = None
    used_bytes: int | None = None
    ollama_bytes: int | None = None
    comfy_bytes: int | None = None
    other_bytes: int | None = None
    ollama_models: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def reported(self) -> bool:
        return self.total_bytes is not None

    @property
    def free_bytes(self) -> int | None:
        if self.total_bytes is None or self.used_bytes is None:
            return None
        return max(0, self.total_bytes - self.used_bytes)

    def text(self) -> str:
        """E.g. "GPU 7.9/12.0 GB (Ollama 3.1, ComfyUI 4.2)"; "GPU: no GPU reported"."""
        if not self.reported:
            return "GPU: no GPU reported"
        base = f"GPU {_gb(self.used_bytes)}/{_gb(self.total_bytes)} GB"
        parts = []
        if self.ollama_bytes:
            parts.append(f"Ollama {_gb(self.ollama_bytes)}")
        if self.comfy_bytes:
            parts.append(f"ComfyUI {_gb(self.comfy_bytes)}")
        if self.other_bytes and self.comfy_bytes is not None:
            parts.append(f"other {_gb(self.other_bytes)}")
        return f"{base} ({', '.join(parts)})" if parts else base

    def tooltip(self) -> str:
        if not self.reported:
            lines = [
                "No GPU reported: NVML found no NVIDIA card and ComfyUI reported no GPU device."
            ]
        else:
            src = {"nvml": "NVML (local NVIDIA driver)", "comfyui": "ComfyUI /system_stats"}
            lines = [
                f"{self.device or 'GPU'} — source: {src.get(self.source, self.source)}",
                f"Used {_gb(self.used_bytes)} GB of {_gb(self.total_bytes)} GB, free {_gb(self.free_bytes)} GB",
            ]
        if self.ollama_models:
            lines.append(
                f"Ollama: {', '.join(self.ollama_models)} ({_gb(self.ollama_bytes or 0)} GB on GPU)"
            )
        if self.comfy_bytes is not None:
            lines.append(f"ComfyUI process: {_gb(self.comfy_bytes)} GB")
        lines.extend(self.notes)
        return "\n".join(lines)


def _gb(n: int | None) -> str:
    return "—" if n is None else f"{n / GB:.1f}"


def _looks_like_comfy(cmdline: str) -> bool:
    low = cmdline.lower()
    return "comfy" in low


def _looks_like_ollama(cmdline: str) -> bool:
    return "ollama" in cmdline.lower()


def gpu_snapshot(
    *,
    nvml: Callable[[], NvmlReading | None] | None = read_nvml,
    comfy_stats: Callable[[], ComfySystemStats] | None = None,
    ollama_ps: Callable[[], list[OllamaLoaded]] | None = None,
) -> GpuSnapshot:
    """Combine the sources: NVML first, else ComfyUI's primary GPU; Ollama's share from /api/ps.

    Each callable may raise (server down): that source is simply skipped.
    """
    notes: list[str] = []
    loaded: list[OllamaLoaded] | None = None
    if ollama_ps is not None:
        try:
            loaded = ollama_ps()
        except Exception as exc:
            log.debug("ollama ps failed: %s", exc)
            notes.append("Ollama: not reachable")
    ollama_bytes = sum(m.size_vram for m in loaded) if loaded is not None else None
    models = tuple(m.model for m in loaded or [] if m.size_vram > 0)

    reading = None
    if nvml is not None:
        try:
            reading = nvml()
        except Exception as exc:
            log.debug("nvml reader failed: %s", exc)
    if reading is not None:
        comfy_bytes: int | None = None
        named = [p for p in reading.processes if p.used_bytes is not None]
        if named:
            comfy_bytes = sum(p.used_bytes or 0 for p in named if _looks_like_comfy(p.name))
            if ollama_bytes is None:
                nv_ollama = sum(p.used_bytes or 0 for p in named if _looks_like_ollama(p.name))
                ollama_bytes = nv_ollama or None
        other = None
        if comfy_bytes is not None:
            other = max(0, reading.used_bytes - comfy_bytes - (ollama_bytes or 0))
        return GpuSnapshot(
            "nvml",
            reading.name,
            reading.total_bytes,
            reading.used_bytes,
            ollama_bytes,
            comfy_bytes,
            other,
            models,
            tuple(notes),
        )

    if comfy_stats is not None:
        try:
            stats = comfy_stats()
        except Exception as exc:
            log.debug("comfy stats failed: %s", exc)
            notes.append("ComfyUI: not reachable")
        else:
            dev = stats.primary_gpu()
            if dev is not None:
                used = max(0, dev.vram_total - dev.vram_free)
                notes.append("ComfyUI's own share is not reported without NVML.")
                return GpuSnapshot(
                    "comfyui",
                    dev.name,
                    dev.vram_total,
                    used,
                    ollama_bytes,
                    None,
                    None,
                    models,
                    tuple(notes),
                )
            notes.append("ComfyUI runs on the CPU (no GPU device).")
    return GpuSnapshot("none", ollama_bytes=ollama_bytes, ollama_models=models, notes=tuple(notes))


def is_local(url: str) -> bool:
    """The server runs on this machine (NVML here reads its GPU)."""
    from urllib.parse import urlparse

    host = (urlparse(url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1", "0.0.0.0") or host.startswith("127.")


def card_memory(comfy_url: str, timeout_s: float = 2.0) -> int | None:
    """The memory of the GPU ComfyUI renders on, in bytes (None when it cannot be read): NVML
    when ComfyUI runs here, else ComfyUI's own /system_stats."""
    if is_local(comfy_url):
        try:
            reading = read_nvml()
        except Exception as exc:
            log.debug("nvml reader failed: %s", exc)
            reading = None
        if reading is not None:
            return reading.total_bytes
    try:
        dev = fetch_comfy_stats(comfy_url, timeout_s).primary_gpu()
    except Exception as exc:
        log.debug("comfy stats failed: %s", exc)
        return None
    return dev.vram_total if dev is not None else None


def snapshot_for(ollama_url: str, comfy_url: str, timeout_s: float = 2.0) -> GpuSnapshot:
    """The production wiring: real NVML (when ComfyUI runs on this machine: else this
    machine's GPU is not the one that renders), real servers."""
    return gpu_snapshot(
        nvml=read_nvml if is_local(comfy_url) else None,
        comfy_stats=lambda: fetch_comfy_stats(comfy_url, timeout_s),
        ollama_ps=lambda: fetch_ollama_ps(ollama_url, timeout_s),
    )
