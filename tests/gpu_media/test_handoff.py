"""The GPU hand-off, observed by loopback fakes that log the order of requests."""

from __future__ import annotations

import threading

import pytest

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled
from vidgen_desktop.gpu.handoff import before_comfy, before_ollama
from vidgen_desktop.gpu.readings import GB


def test_ollama_models_unloaded_then_confirmed_empty(make_ollama, request_log):
    fake, url = make_ollama(
        models={"qwen3:4b": 3 * GB, "llama3.2:latest": 2 * GB}, lingering_polls=2
    )
    messages = []
    result = before_comfy(
        url, report=lambda p: messages.append(p.message), poll_s=0.01, timeout_s=5
    )
    assert result.performed and result.confirmed
    assert sorted(result.models) == ["llama3.2:latest", "qwen3:4b"]
    log = request_log.paths("ollama")
    assert log[0] == "GET /api/ps"
    assert log[1:3] == ["POST /api/generate", "POST /api/generate"]
    assert log[-1] == "GET /api/ps" and len(log) >= 5  # polled until the runners were gone
    bodies = [b for s, m, p, b in request_log.entries if p == "/api/generate"]
    assert all(b["keep_alive"] == 0 and not b.get("prompt") for b in bodies)
    assert {b["model"] for b in bodies} == {"qwen3:4b", "llama3.2:latest"}
    assert fake.models == {}
    assert any("unloading qwen3:4b" in m for m in messages)
    assert "Ollama unloaded" in messages[-1]


def test_ollama_that_never_lets_go_is_reported_not_confirmed(make_ollama):
    _, url = make_ollama(models={"qwen3:4b": 3 * GB}, stuck=True)
    result = before_comfy(url, poll_s=0.02, timeout_s=0.3)
    assert result.performed and not result.confirmed
    assert "still lists qwen3:4b" in result.message and "Going on anyway" in result.message


def test_nothing_loaded_means_no_unload(make_ollama, request_log):
    _, url = make_ollama(models={})
    result = before_comfy(url)
    assert result.confirmed and not result.performed
    assert request_log.paths() == ["GET /api/ps"]


def test_ollama_unreachable_is_not_taken_as_holding_nothing(dead_url):
    """On a 12 GB card 'could not ask' is how an out-of-memory error starts: never 'confirmed'."""
    messages = []
    result = before_comfy(dead_url, http_timeout_s=1, report=lambda p: messages.append(p.message))
    assert not result.confirmed and not result.performed
    assert f"Could not reach Ollama at {dead_url}" in result.message
    assert "could not be unloaded" in result.message and "GPU memory may be short" in result.message
    assert any("Could not reach Ollama" in m for m in messages)  # the user sees it as it happens


def test_ollama_that_stops_answering_mid_unload_is_not_confirmed(make_ollama, serve):
    fake, url = make_ollama(models={"qwen3:4b": 3 * GB}, stuck=True)
    calls = {"n": 0}

    def list_loaded():
        from vidgen_desktop.core.errors import ServerUnavailable
        from vidgen_desktop.gpu.readings import fetch_ollama_ps

        calls["n"] += 1
        if calls["n"] > 1:
            raise ServerUnavailable("gone")
        return fetch_ollama_ps(url, 2.0)

    result = before_comfy(url, poll_s=0.01, timeout_s=5, list_loaded=list_loaded)
    assert result.performed and not result.confirmed
    assert "stopped answering" in result.message and "could not be confirmed" in result.message


def test_handoff_off_sends_no_requests(make_ollama, make_comfy, request_log):
    _, o_url = make_ollama(models={"qwen3:4b": 3 * GB})
    _, c_url = make_comfy()
    assert not before_comfy(o_url, enabled=False).performed
    assert not before_ollama(c_url, enabled=False).performed
    assert request_log.paths() == []


def test_free_then_vram_confirmed(make_comfy, request_log):
    _, url = make_comfy(total=12 * GB, free=3 * GB, models_bytes=6 * GB)
    result = before_ollama(url, poll_s=0.01, timeout_s=5)
    assert result.performed and result.confirmed
    assert result.freed_bytes == 6 * GB
    log = request_log.paths("comfy")
    assert log[:3] == ["GET /system_stats", "POST /free", "GET /system_stats"]
    free_body = [b for s, m, p, b in request_log.entries if p == "/free"][0]
    assert free_body == {"unload_models": True, "free_memory": True}
    assert "6.0 GB freed" in result.message


def test_free_waits_for_the_running_job_to_end(make_comfy, request_log):
    """/free is only a flag: memory comes back when the current job ends (after 4 reads here)."""
    _, url = make_comfy(free=2 * GB, models_bytes=8 * GB, job_polls=4)
    messages = []
    result = before_ollama(
        url, poll_s=0.01, timeout_s=5, report=lambda p: messages.append(p.message)
    )
    assert result.confirmed and result.freed_bytes == 8 * GB
    assert request_log.paths("comfy").count("GET /system_stats") >= 5
    assert any("current job to end" in m for m in messages)


def test_free_not_confirmed_in_time(make_comfy):
    _, url = make_comfy(free=2 * GB, models_bytes=8 * GB, job_polls=10_000)
    result = before_ollama(url, poll_s=0.02, timeout_s=0.3)
    assert result.performed and not result.confirmed
    assert "did not settle" in result.message


def test_idle_comfy_with_nothing_loaded_confirms_quickly(make_comfy):
    _, url = make_comfy(free=11 * GB, models_bytes=0)
    result = before_ollama(url, poll_s=0.01, timeout_s=5)
    assert result.confirmed and result.freed_bytes == 0


def test_cpu_comfy_needs_no_wait(make_comfy, request_log):
    _, url = make_comfy(device_type="cpu")
    result = before_ollama(url, poll_s=0.01)
    assert result.confirmed and "CPU" in result.message
    assert request_log.paths("comfy") == ["GET /system_stats", "POST /free"]


def test_comfy_unreachable_is_not_taken_as_holding_nothing(dead_url):
    result = before_ollama(dead_url, http_timeout_s=1)
    assert not result.confirmed and not result.performed
    assert (
        "Could not reach ComfyUI" in result.message and "GPU memory may be short" in result.message
    )


def test_cancel_stops_the_wait(make_comfy):
    _, url = make_comfy(free=2 * GB, job_polls=10_000)
    token = CancelToken()
    threading.Timer(0.1, token.cancel).start()
    with pytest.raises(Cancelled):
        before_ollama(url, poll_s=0.05, timeout_s=30, token=token)


def test_full_order_across_servers(make_ollama, make_comfy, request_log):
    """Script (Ollama) → image (ComfyUI) → script again: unload before ComfyUI, /free before Ollama."""
    _, o_url = make_ollama(models={"qwen3:4b": 3 * GB})
    _, c_url = make_comfy(free=9 * GB, models_bytes=0)
    assert before_comfy(o_url, poll_s=0.01).confirmed
    assert before_ollama(c_url, poll_s=0.01).confirmed
    order = [f"{s} {m} {p}" for s, m, p, _ in request_log.entries]
    unload = order.index("ollama POST /api/generate")
    empty_ps = max(i for i, e in enumerate(order) if e == "ollama GET /api/ps")
    assert unload < empty_ps < order.index("comfy POST /free")
