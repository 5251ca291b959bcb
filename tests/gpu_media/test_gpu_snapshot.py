"""GPU readings: NVML first, else ComfyUI /system_stats, plus Ollama's size_vram; never a fake number."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vidgen_desktop.gpu.readings import (
    GB,
    fetch_comfy_stats,
    fetch_ollama_ps,
    gpu_snapshot,
    read_nvml,
    snapshot_for,
)


class NvmlMissing:
    """Behaves like pynvml on a machine without the NVIDIA driver."""

    class NVMLError(Exception):
        pass

    def nvmlInit(self):
        raise self.NVMLError("NVML Shared Library Not Found")


class NvmlCard:
    """pynvml with one 12 GB card and two processes (Ollama runner, ComfyUI)."""

    def __init__(self, with_processes: bool = True):
        self.with_processes = with_processes
        self.shutdowns = 0

    def nvmlInit(self):
        pass

    def nvmlShutdown(self):
        self.shutdowns += 1

    def nvmlDeviceGetCount(self):
        return 1

    def nvmlDeviceGetHandleByIndex(self, i):
        return object()

    def nvmlDeviceGetName(self, h):
        return b"NVIDIA GeForce RTX 3060"

    def nvmlDeviceGetMemoryInfo(self, h):
        return SimpleNamespace(total=12 * GB, used=int(7.9 * GB), free=int(4.1 * GB))

    def nvmlDeviceGetComputeRunningProcesses(self, h):
        if not self.with_processes:
            raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")
        return [
            SimpleNamespace(pid=101, usedGpuMemory=int(3.1 * GB)),
            SimpleNamespace(pid=202, usedGpuMemory=int(4.2 * GB)),
        ]


NAMES = {101: "/usr/local/bin/ollama runner --model x", 202: "python /opt/ComfyUI/main.py --listen"}


def test_nvml_absent_falls_back_to_comfy_system_stats(make_comfy, make_ollama):
    _, comfy = make_comfy(total=12 * GB, free=int(4.1 * GB))
    _, ollama = make_ollama(models={"qwen3:4b": int(3.1 * GB)})
    snap = gpu_snapshot(
        nvml=lambda: read_nvml(NvmlMissing()),
        comfy_stats=lambda: fetch_comfy_stats(comfy),
        ollama_ps=lambda: fetch_ollama_ps(ollama),
    )
    assert snap.source == "comfyui"
    assert snap.text() == "GPU 7.9/12.0 GB (Ollama 3.1)"
    assert "ComfyUI /system_stats" in snap.tooltip()
    assert "qwen3:4b" in snap.tooltip()


def test_real_pynvml_on_a_machine_without_a_driver_falls_back(make_comfy):
    """On CI there is no NVIDIA driver: the real library must fail quietly, not crash."""
    pytest.importorskip("pynvml")
    if read_nvml() is not None:
        pytest.skip("this machine has a working NVIDIA driver")
    _, comfy = make_comfy(total=12 * GB, free=6 * GB)
    assert snapshot_for("http://127.0.0.1:9", comfy).source == "comfyui"


def test_nothing_reports_says_no_gpu(dead_url):
    snap = gpu_snapshot(
        nvml=lambda: read_nvml(NvmlMissing()),
        comfy_stats=lambda: fetch_comfy_stats(dead_url, 1.0),
        ollama_ps=lambda: fetch_ollama_ps(dead_url, 1.0),
    )
    assert snap.source == "none" and not snap.reported
    assert snap.text() == "GPU: no GPU reported"
    assert snap.total_bytes is None and snap.used_bytes is None
    assert "not reachable" in snap.tooltip()


def test_cpu_only_comfyui_is_not_a_gpu(make_comfy):
    """The recorded CPU server reports RAM as a 'cpu' device: that must not show as VRAM."""
    _, comfy = make_comfy(device_type="cpu", total=25276502016, free=23238922240)
    snap = gpu_snapshot(nvml=None, comfy_stats=lambda: fetch_comfy_stats(comfy))
    assert snap.text() == "GPU: no GPU reported"
    assert "CPU" in snap.tooltip()


def test_nvml_attributes_memory_per_process():
    card = NvmlCard()
    reading = read_nvml(card, process_name=NAMES.get)
    assert card.shutdowns == 1
    snap = gpu_snapshot(nvml=lambda: reading, comfy_stats=None, ollama_ps=None)
    assert snap.source == "nvml"
    assert snap.text() == "GPU 7.9/12.0 GB (Ollama 3.1, ComfyUI 4.2, other 0.6)"


def test_nvml_without_process_list_still_reports_totals_and_ollama(make_ollama):
    _, ollama = make_ollama(models={"qwen3:4b": int(3.1 * GB)})
    reading = read_nvml(NvmlCard(with_processes=False), process_name=NAMES.get)
    snap = gpu_snapshot(nvml=lambda: reading, ollama_ps=lambda: fetch_ollama_ps(ollama))
    assert snap.text() == "GPU 7.9/12.0 GB (Ollama 3.1)"


def test_comfy_http_error_is_skipped(serve, request_log):
    class Broken:
        def handle(self, h, method, path, body):
            h.send_response(500)
            h.send_header("Content-Length", "0")
            h.end_headers()

    url = serve(Broken()).url
    snap = gpu_snapshot(nvml=None, comfy_stats=lambda: fetch_comfy_stats(url))
    assert snap.text() == "GPU: no GPU reported"
