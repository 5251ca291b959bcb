"""The status bar's GPU segment, polled off the GUI thread, against the loopback fakes."""

from __future__ import annotations

from vidgen_desktop.app import build_window
from vidgen_desktop.gpu.readings import (
    GB,
    fetch_comfy_stats,
    fetch_ollama_ps,
    gpu_snapshot,
    read_nvml,
)
from vidgen_desktop.ui.gpu_monitor import GpuMonitor


def _probe_without_nvml(ollama_url: str, comfy_url: str):
    return gpu_snapshot(
        nvml=None,
        comfy_stats=lambda: fetch_comfy_stats(comfy_url, 1.0),
        ollama_ps=lambda: fetch_ollama_ps(ollama_url, 1.0),
    )


def _window(qtbot):
    window = build_window()
    qtbot.addWidget(window)
    return window


def test_status_bar_shows_comfy_vram_and_ollama_share(qtbot, make_comfy, make_ollama):
    fake_comfy, comfy_url = make_comfy(total=12 * GB, free=int(4.1 * GB))
    _, ollama_url = make_ollama(models={"qwen3:4b": int(3.1 * GB)})
    window = _window(qtbot)
    window.gpu_monitor.shutdown()  # the app's own monitor; this test drives one with a known probe
    window.context.settings.comfyui_url = comfy_url
    window.context.settings.ollama_url = ollama_url
    monitor = GpuMonitor(
        window.context, window.status.gpu, interval_s=0.05, probe=_probe_without_nvml
    )
    try:
        with qtbot.waitSignal(monitor.snapshot_changed, timeout=5000):
            monitor.start()
        qtbot.waitUntil(
            lambda: window.status.gpu.text() == "GPU 7.9/12.0 GB (Ollama 3.1)", timeout=5000
        )
        assert "ComfyUI /system_stats" in window.status.gpu.toolTip()
        # memory changes: the next poll shows it, nearly full -> warning colour
        fake_comfy.free = int(0.5 * GB)
        qtbot.waitUntil(
            lambda: window.status.gpu.text().startswith("GPU 11.5/12.0 GB"), timeout=5000
        )
        assert "#b26a00" in window.status.gpu.styleSheet()
    finally:
        monitor.shutdown()


def test_no_server_and_no_nvml_says_no_gpu_reported(qtbot, dead_url):
    window = _window(qtbot)
    window.gpu_monitor.shutdown()
    window.context.settings.comfyui_url = dead_url
    window.context.settings.ollama_url = dead_url
    monitor = GpuMonitor(
        window.context, window.status.gpu, interval_s=0.05, probe=_probe_without_nvml
    )
    try:
        monitor.start()
        qtbot.waitUntil(lambda: window.status.gpu.text() == "GPU: no GPU reported", timeout=5000)
        assert "GB" not in window.status.gpu.text()
    finally:
        monitor.shutdown()


def test_app_wires_the_monitor_and_it_follows_settings(qtbot, make_comfy, dead_url):
    """The real wiring (real NVML reader): on a machine without an NVIDIA driver it falls back to the
    ComfyUI the settings point at, and re-reads when the settings change."""
    _, comfy_url = make_comfy(total=12 * GB, free=6 * GB)
    window = _window(qtbot)
    try:
        assert window.gpu_monitor is not None
        qtbot.waitUntil(lambda: window.status.gpu.text() != "GPU: checking…", timeout=8000)
        if read_nvml() is not None:
            return  # a real NVIDIA card answers first; the fallback is covered above
        window.context.settings.comfyui_url = comfy_url
        window.context.settings.ollama_url = dead_url
        window.context.settings_changed.emit()
        qtbot.waitUntil(lambda: window.status.gpu.text() == "GPU 6.0/12.0 GB", timeout=8000)
    finally:
        window.gpu_monitor.shutdown()


def test_closing_the_window_stops_polling(qtbot):
    window = _window(qtbot)
    window.show()
    monitor = window.gpu_monitor
    qtbot.waitUntil(monitor.is_running, timeout=2000)  # polling starts once the event loop runs
    window.close()
    qtbot.waitUntil(lambda: not monitor.is_running(), timeout=3000)
