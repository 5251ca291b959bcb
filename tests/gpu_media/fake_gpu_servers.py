"""Loopback fakes of the GPU-relevant routes of Ollama and ComfyUI, speaking their real JSON shapes.

Both fakes share one request log so a test can assert the ORDER of the hand-off across servers.
Shapes follow tests/data/transcripts (comfyui_endpoints.json /system_stats, comfyui_misc.json /free)
and the Ollama API (/api/ps, unload reply).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GB = 1024**3


@dataclass
class RequestLog:
    entries: list[tuple[str, str, str, Any]] = field(
        default_factory=list
    )  # (server, method, path, json)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, server: str, method: str, path: str, body: Any) -> None:
        with self.lock:
            self.entries.append((server, method, path, body))

    def paths(self, server: str | None = None) -> list[str]:
        with self.lock:
            return [f"{m} {p}" for s, m, p, _ in self.entries if server is None or s == server]


def _ps_model(name: str, size_vram: int) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "size": size_vram,
        "digest": "a80c4f17acd5" + "0" * 52,
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen3",
            "families": ["qwen3"],
            "parameter_size": "4.0B",
            "quantization_level": "Q4_K_M",
        },
        "expires_at": "2026-11-26T13:28:15.394571209+00:00",
        "size_vram": size_vram,
        "context_length": 4096,
    }


class FakeOllama:
    """/api/ps and /api/generate (unload). `lingering_polls` /api/ps answers still list an unloaded
    model (the runner shuts down asynchronously); `stuck=True` never lets it go."""

    def __init__(
        self, log: RequestLog, models: dict[str, int], lingering_polls: int = 1, stuck: bool = False
    ) -> None:
        self.log = log
        self.models = dict(models)
        self.unloading: dict[str, int] = {}
        self.lingering_polls = lingering_polls
        self.stuck = stuck
        self.lock = threading.Lock()

    def handle(self, h: BaseHTTPRequestHandler, method: str, path: str, body: Any) -> None:
        self.log.add("ollama", method, path, body)
        if method == "GET" and path == "/api/ps":
            with self.lock:
                listed = [_ps_model(n, v) for n, v in self.models.items()]
                for name in list(self.unloading):
                    if self.stuck:
                        continue
                    self.unloading[name] -= 1
                    if self.unloading[name] < 0:
                        self.models.pop(name, None)
                        del self.unloading[name]
            _send(h, 200, {"models": listed})
        elif method == "POST" and path == "/api/generate":
            name = body.get("model", "")
            if body.get("keep_alive") in (0, 0.0) and not body.get("prompt"):
                with self.lock:
                    if name in self.models:
                        self.unloading[name] = self.lingering_polls
                _send(
                    h,
                    200,
                    {
                        "model": name,
                        "created_at": "2026-11-26T13:00:00Z",
                        "response": "",
                        "done": True,
                        "done_reason": "unload",
                    },
                )
            else:
                _send(h, 400, {"error": "this fake only unloads"})
        else:
            _send(h, 404, {"error": "not found"})


class FakeComfy:
    """/system_stats, /free, /queue. A running job holds its VRAM until `job_polls` /system_stats
    reads have passed; /free is applied when idle or when the job ends (as the real worker does)."""

    def __init__(
        self,
        log: RequestLog,
        total: int = 12 * GB,
        free: int = 3 * GB,
        models_bytes: int = 6 * GB,
        job_polls: int = 0,
        device_type: str = "cuda",
        never_frees: bool = False,
    ) -> None:
        self.log = log
        self.total, self.free, self.models_bytes = total, free, models_bytes
        self.job_polls = job_polls
        self.device_type = device_type
        self.never_frees = never_frees
        self.free_requested = False
        self.lock = threading.Lock()

    def _maybe_apply(self) -> None:
        if self.free_requested and self.job_polls <= 0 and not self.never_frees:
            self.free += self.models_bytes
            self.models_bytes = 0
            self.free_requested = False

    def handle(self, h: BaseHTTPRequestHandler, method: str, path: str, body: Any) -> None:
        self.log.add("comfy", method, path, body)
        if method == "GET" and path == "/system_stats":
            with self.lock:
                if self.job_polls > 0:
                    self.job_polls -= 1
                self._maybe_apply()
                _send(h, 200, self.stats())
        elif method == "POST" and path == "/free":
            with self.lock:
                if body.get("unload_models") or body.get("free_memory"):
                    self.free_requested = True
                self._maybe_apply()
            h.send_response(200)
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif method == "GET" and path == "/queue":
            running = (
                [[0, "fe2c53c7-e266-462e-9f02-3297e81ee821", {}, {}, ["9"]]]
                if self.job_polls > 0
                else []
            )
            _send(h, 200, {"queue_running": running, "queue_pending": []})
        else:
            _send(h, 404, {"error": "not found"})

    def stats(self) -> dict[str, Any]:
        is_cpu = self.device_type == "cpu"
        return {
            "system": {
                "os": "linux",
                "ram_total": 25276502016,
                "ram_free": 23238922240,
                "comfyui_version": "0.25.0",
                "python_version": "3.11.7",
                "pytorch_version": "2.13.0+cpu" if is_cpu else "2.11.0+cu130",
                "embedded_python": False,
                "argv": ["main.py"],
            },
            "devices": [
                {
                    "name": "cpu" if is_cpu else "cuda:0 NVIDIA GeForce RTX 3060 : cudaMallocAsync",
                    "type": self.device_type,
                    "index": None if is_cpu else 0,
                    "vram_total": self.total,
                    "vram_free": self.free,
                    "torch_vram_total": 0,
                    "torch_vram_free": 0,
                }
            ],
        }


def _send(h: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    data = json.dumps(payload).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json; charset=utf-8")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


class FakeServer:
    """Serve one fake (anything with .handle) on 127.0.0.1, an ephemeral port, in a thread."""

    def __init__(self, app: Any) -> None:
        app_ref = app

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5

            def log_message(self, *args: Any) -> None:
                pass

            def _dispatch(self, method: str) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                app_ref.handle(self, method, self.path.split("?", 1)[0], body)

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
