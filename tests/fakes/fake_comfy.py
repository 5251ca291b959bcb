"""A fake ComfyUI (0.25.0 or 0.3.64) on 127.0.0.1: HTTP + WebSocket on one ephemeral port.

It replays the recorded shapes of tests/data/transcripts: the event order of a real sampler run
(status, execution_start, execution_cached, progress_state, executing, binary previews, progress,
executed, execution_success, status, executing null), the real 400 bodies, execution_error,
interrupt, /api/jobs (0.25 only), prompt_id validation (0.25 only). Knobs make it fail on purpose:
`reject`, `fail`, `drop_socket_after_step`, `restart_after_step`, `restart_on_prompt`,
`oom_on_prompt`, `hold` (keep jobs queued),
pacing (`step_delay`, `preview_every`) and output files of any size; `object_info` serves a given
dict (e.g. stocked with model files) and `port=` starts it on a known port. Every HTTP request is recorded
in `requests` (in order) so tests can assert on sequences across fakes.
"""

from __future__ import annotations

import json
import re
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes.fake_comfy_data import PNG_1PX, load_recorded, recorded_preview_jpeg
from tests.fakes.fake_comfy_state import job_json, latent_units_of, missing_latents, queue_json
from tests.fakes.fake_ws import WsConn

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class FakeOutput:
    """A file the fake 'produces': `size` bytes of filler, or exactly `data`."""

    filename: str
    subfolder: str = "vidgen"
    key: str = "images"  # images | audio | gifs ...
    data: bytes | None = None
    size: int = 0
    animated: bool = False

    def content_length(self) -> int:
        return len(self.data) if self.data is not None else self.size


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    t: float
    headers: dict[str, str] | None = None  # what the client sent (a proxy's auth header)


class FakeComfy:
    def __init__(
        self, version: str = "0.25", *, output_root: Path | None = None, port: int = 0
    ) -> None:
        assert version in ("0.25", "0.3.64")
        self.version = version
        self.tdir = "v0.25" if version == "0.25" else "v0.3.64"
        # -- knobs ------------------------------------------------------------------------
        self.steps = 3
        self.step_delay = 0.0
        #: a GPU's cost: each sampler step also sleeps this × latent units of the graph's
        #: size (pixels/256 × latent frames), and twice that at cfg ≠ 1, so timings scale
        self.step_seconds_per_unit = 0.0
        self.node_delay = 0.0
        self.preview_every = 1
        self.preview_image = recorded_preview_jpeg()
        self.outputs: list[FakeOutput] | None = None  # None: one PNG per Save* node
        #: missing_model | unknown_class | invalid_value | missing_input | no_outputs
        self.reject: str | None = None
        self.fail: str | None = None  # runtime | oom
        self.drop_socket_after_step: int | None = None
        self.restart_after_step: int | None = None
        self.hold = threading.Event()  # set: jobs stay queued
        self.max_upload_size = 104857600
        #: bytes of each latent SaveLatent writes (a real 480×832 chunk of 20 frames: ~8 MB)
        self.latent_bytes = 64 * 1024
        #: fail with out-of-memory in the sampler of the prompt numbered this (1-based), once
        self.oom_on_prompt: int | None = None
        #: restart (forget queue and history) at the first sampler step of the prompt numbered this
        self.restart_on_prompt: int | None = None
        #: False: behave like a server without preview metadata (no feature_flags reply, type-1 frames)
        self.supports_preview_metadata = True
        self.strict_view = False  # True: refuse '..' / leading '/' like the real /view
        #: served as /object_info instead of the recording (e.g. tests.fakes.stocked's, with models)
        self.object_info: dict[str, Any] | None = None
        #: ComfyUI/models on disk for the model routes; paths_seen_as: a remote server's base
        self.model_root: Path | None = None
        self.paths_seen_as: str | None = None
        #: after a socket drop, refuse new WebSocket upgrades for this long (503), so the job can
        #: finish while we are disconnected
        self.refuse_ws_after_drop_s = 0.0
        self.ws_refused_until = 0.0
        # -- state ------------------------------------------------------------------------
        self.requests: list[Recorded] = []
        self.ws_log: list[tuple[float, str, str | None]] = []  # (t, type, node)
        self.history: dict[str, dict[str, Any]] = {}
        self.pending: list[tuple[str, dict[str, Any], str | None]] = []
        self.running: str | None = None
        self.current_node: str | None = None
        self.files: dict[tuple[str, str, str], FakeOutput] = {}
        self.uploads: dict[str, bytes] = {}
        self.conns: dict[str, WsConn] = {}
        self.ws_connects = 0
        self._interrupt: str | None = None
        self._outputs_made = False
        self._number = 0
        #: POST /prompt accepted so far (what "exactly one new chunk prompt" counts)
        self.prompts_seen = 0
        self.numbers: dict[str, int] = {}
        self._lock = threading.Condition()
        self._stop = False
        # port: a fixed port lets a test start "ComfyUI" where the app already looks (down → up)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever, args=(0.05,), daemon=True, name="fake-comfy-http"
            ),
            threading.Thread(target=self._worker, daemon=True, name="fake-comfy-worker"),
        ]
        for t in self._threads:
            t.start()

    # -- control --------------------------------------------------------------------------
    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify_all()
        for conn in list(self.conns.values()):
            conn.drop()
        self._server.shutdown()
        self._server.server_close()

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def bodies(self, path: str) -> list[Any]:
        return [r.body for r in self.requests if r.path == path]

    def drop_sockets(self) -> None:
        self.ws_refused_until = time.monotonic() + self.refuse_ws_after_drop_s
        for conn in list(self.conns.values()):
            conn.drop()
        self.conns.clear()

    def restart(self) -> None:
        """Lose everything in memory (history, queue), as a restarted server would."""
        with self._lock:
            self.history.clear()
            self.pending.clear()
            self._interrupt = self.running
        self.drop_sockets()

    def recorded(self, name: str) -> dict[str, Any]:
        return load_recorded(self.tdir, name)

    def rejection_body(self, kind: str) -> dict[str, Any]:
        if kind == "missing_model":  # recorded on 0.25; identical shape on 0.3.64
            return load_recorded("v0.25", "sampler_missing_model")["submit"]["body"]
        if kind == "no_prompt":
            return self.recorded("invalid_no_prompt")["body"]
        name = {
            "unknown_class": "invalid_unknown_class",
            "invalid_value": "invalid_value",
            "missing_input": "invalid_missing_input",
            "no_outputs": "invalid_no_output_node",
        }[kind]
        return self.recorded(name)["submit"]["body"]

    # -- events ---------------------------------------------------------------------------
    def _send(self, client_id: str | None, msg: dict[str, Any]) -> None:
        data = msg.get("data") or {}
        self.ws_log.append(
            (time.monotonic(), msg["type"], data.get("node") if isinstance(data, dict) else None)
        )
        targets = [self.conns[client_id]] if client_id in self.conns else []
        if client_id is None or msg["type"] == "status":
            targets = list(self.conns.values())
        for conn in targets:
            conn.send_json(msg)

    def _status(self) -> None:
        remaining = len(self.pending) + (1 if self.running else 0)
        self._send(
            None,
            {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": remaining}}}},
        )

    def _preview(self, client_id: str | None, pid: str, node: str) -> None:
        conn = self.conns.get(client_id or "")
        if conn is None:
            return
        self.ws_log.append((time.monotonic(), "preview", node))
        if conn.metadata_previews:
            meta = json.dumps(
                {
                    "node_id": node,
                    "prompt_id": pid,
                    "display_node_id": node,
                    "parent_node_id": None,
                    "real_node_id": node,
                    "image_type": "image/jpeg",
                }
            ).encode()
            conn.send(0x2, struct.pack(">II", 4, len(meta)) + meta + self.preview_image)
        else:
            conn.send(0x2, struct.pack(">II", 1, 1) + self.preview_image)

    # -- the worker: executes prompts in order ---------------------------------------------
    def _worker(self) -> None:
        while True:
            with self._lock:
                while not self._stop and (not self.pending or self.hold.is_set()):
                    self._lock.wait(0.05)
                if self._stop:
                    return
                pid, graph, client_id = self.pending.pop(0)
                self.running = pid
                self._interrupt = None
            try:
                self._execute(pid, graph, client_id)
            finally:
                with self._lock:
                    self.running = None

    def _now_ms(self) -> int:
        return int(time.time() * 1000)

    def _execute(self, pid: str, graph: dict[str, Any], cid: str | None) -> None:
        self._outputs_made = False
        self._status()
        messages: list[list[Any]] = []
        start = {"prompt_id": pid, "timestamp": self._now_ms()}
        cached = {"nodes": [], "prompt_id": pid, "timestamp": self._now_ms()}
        self._send(cid, {"type": "execution_start", "data": start})
        self._send(cid, {"type": "execution_cached", "data": cached})
        messages += [["execution_start", start], ["execution_cached", cached]]
        states: dict[str, dict[str, Any]] = {}
        outputs: dict[str, dict[str, Any]] = {}
        executed: list[str] = []
        step_count = 0

        def state(nid: str, value: float, mx: float, st: str) -> None:
            states[nid] = {
                "value": value,
                "max": mx,
                "state": st,
                "node_id": nid,
                "prompt_id": pid,
                "display_node_id": nid,
                "parent_node_id": None,
                "real_node_id": nid,
            }
            self._send(
                cid, {"type": "progress_state", "data": {"prompt_id": pid, "nodes": dict(states)}}
            )

        for nid, node in graph.items():
            ctype = str(node.get("class_type", ""))
            state(nid, 0.0, 1.0, "running")
            self._send(
                cid,
                {"type": "executing", "data": {"node": nid, "display_node": nid, "prompt_id": pid}},
            )
            self.current_node = nid
            if self.node_delay:
                time.sleep(self.node_delay)
            if self._interrupted(pid):
                return self._end_interrupted(pid, cid, nid, ctype, executed, messages)
            if self.fail == "runtime" and not executed:
                return self._end_error(pid, cid, nid, ctype, executed, messages, oom=False)
            if "sampler" in ctype.lower():
                if self.oom_on_prompt is not None and self.oom_on_prompt == self.numbers.get(pid):
                    self.oom_on_prompt = None
                    return self._end_error(pid, cid, nid, ctype, executed, messages, oom=True)
                if self.fail == "oom":
                    return self._end_error(pid, cid, nid, ctype, executed, messages, oom=True)
                for step in range(1, self.steps + 1):
                    if self.restart_on_prompt is not None and (
                        self.restart_on_prompt == self.numbers.get(pid)
                    ):
                        self.restart_on_prompt = None
                        self.restart()
                        return None
                    delay = self.step_delay + self.step_seconds_per_unit * latent_units_of(
                        graph, node
                    )
                    if delay:
                        time.sleep(delay)
                    if self._interrupted(pid):
                        return self._end_interrupted(pid, cid, nid, ctype, executed, messages)
                    if self.preview_every and step % self.preview_every == 0:
                        self._preview(cid, pid, nid)
                    self._send(
                        cid,
                        {
                            "type": "progress",
                            "data": {
                                "value": step,
                                "max": self.steps,
                                "prompt_id": pid,
                                "node": nid,
                            },
                        },
                    )
                    state(nid, float(step), float(self.steps), "running")
                    step_count += 1
                    if self.drop_socket_after_step == step_count:
                        self.drop_socket_after_step = None
                        self.drop_sockets()
                    if self.restart_after_step == step_count:
                        self.restart_after_step = None
                        self.restart()
                        return None
            if ctype.startswith("Save") or ctype.startswith("Preview"):
                ui = self._make_outputs(nid, node)
                if ui:
                    outputs[nid] = ui
                    self._send(
                        cid,
                        {
                            "type": "executed",
                            "data": {
                                "node": nid,
                                "display_node": nid,
                                "output": ui,
                                "prompt_id": pid,
                            },
                        },
                    )
            executed.append(nid)
            state(nid, 1.0, 1.0, "finished")
        success = {"prompt_id": pid, "timestamp": self._now_ms()}
        self._send(cid, {"type": "execution_success", "data": success})
        messages.append(["execution_success", success])
        self._store(pid, graph, cid, outputs, "success", True, messages)
        self._finish(pid, cid)
        return None

    def _make_outputs(self, nid: str, node: dict[str, Any]) -> dict[str, Any]:
        if node.get("class_type") == "SaveLatent":  # ComfyUI's SaveLatent: ui {"latents": [...]}
            prefix = str(node.get("inputs", {}).get("filename_prefix", "latents/ComfyUI"))
            sub, _, stem = prefix.rpartition("/")
            spec = FakeOutput(
                f"{stem}_{len(self.files) + 1:05d}_.latent",
                subfolder=sub,
                key="latents",
                size=self.latent_bytes,
            )
            self.files[("output", spec.subfolder, spec.filename)] = spec
            return {"latents": [{"filename": spec.filename, "subfolder": sub, "type": "output"}]}
        specs = self.outputs
        if specs is None:
            prefix = str(node.get("inputs", {}).get("filename_prefix", "ComfyUI")).split("/")[-1]
            n = len(self.files) + 1
            specs = [FakeOutput(f"{prefix}_{n:05d}_.png", data=PNG_1PX)]
        elif self._outputs_made:
            specs = []  # configured outputs are produced once per job, by the first Save node
        self._outputs_made = True
        ui: dict[str, Any] = {}
        for spec in specs:
            self.files[("output", spec.subfolder, spec.filename)] = spec
            ui.setdefault(spec.key, []).append(
                {"filename": spec.filename, "subfolder": spec.subfolder, "type": "output"}
            )
            if spec.animated:
                ui["animated"] = [True]
        return ui

    def _interrupted(self, pid: str) -> bool:
        with self._lock:
            return self._interrupt == pid or self._stop

    def _end_interrupted(self, pid, cid, nid, ctype, executed, messages) -> None:
        if pid not in (self.running or ""):
            return  # restarted: the job vanished without a trace
        data = {
            "prompt_id": pid,
            "node_id": nid,
            "node_type": ctype,
            "executed": executed,
            "timestamp": self._now_ms(),
        }
        self._send(cid, {"type": "execution_interrupted", "data": data})
        messages.append(["execution_interrupted", data])
        self._store(pid, {}, cid, {}, "error", False, messages)
        self._finish(pid, cid)

    def _end_error(self, pid, cid, nid, ctype, executed, messages, *, oom: bool) -> None:
        rec = self.recorded("runtime_error")
        data = next(
            f["msg"]["data"]
            for f in rec["ws"]
            if f["kind"] == "text" and f["msg"]["type"] == "execution_error"
        )
        data = dict(
            data,
            prompt_id=pid,
            node_id=nid,
            node_type=ctype,
            executed=executed,
            timestamp=self._now_ms(),
        )
        if oom:
            data["exception_type"] = "torch.OutOfMemoryError"
            data["exception_message"] = (
                "Allocation on device 0 would exceed allowed memory. "
                "(out of memory)\nCurrently allocated     : 11.20 GiB"
            )
        self._send(cid, {"type": "execution_error", "data": data})
        messages.append(["execution_error", data])
        self._store(pid, {}, cid, {}, "error", False, messages)
        self._finish(pid, cid)

    def _store(self, pid, graph, cid, outputs, status, completed, messages) -> None:
        with self._lock:
            self.history[pid] = {
                "prompt": [self._number, pid, graph, {"client_id": cid}, list(outputs)],
                "outputs": outputs,
                "status": {"status_str": status, "completed": completed, "messages": messages},
                "meta": {
                    n: {"node_id": n, "display_node": n, "parent_node": None, "real_node_id": n}
                    for n in outputs
                },
            }

    def _finish(self, pid: str, cid: str | None) -> None:
        with self._lock:
            self.running = None
        self._status()
        self._send(cid, {"type": "executing", "data": {"node": None, "prompt_id": pid}})

    # -- HTTP handlers (called from handler threads) ----------------------------------------
    def submit(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if "prompt" not in body:
            return 400, self.rejection_body("no_prompt")
        pid = body.get("prompt_id")
        if self.version == "0.25":
            if pid is not None and not (isinstance(pid, str) and _UUID_RE.match(pid)):
                return 400, self.recorded("prompt_id")["uppercase_uuid"]["body"]
            pid = pid or _uuid()
        else:
            pid = str(pid)  # 0.3.64 stringifies anything, even None
        if self.reject:
            return 400, self.rejection_body(self.reject)
        missing = self._missing_latents(body["prompt"])
        if missing:
            return 400, missing
        with self._lock:
            self._number += 1
            self.prompts_seen += 1
            self.numbers[pid] = self.prompts_seen
            cid = body.get("client_id") or (body.get("extra_data") or {}).get("client_id")
            self.pending.append((pid, body["prompt"], cid))
            number = self._number
            self._lock.notify_all()
        self._status()
        return 200, {"prompt_id": pid, "number": number, "node_errors": {}}

    def _missing_latents(self, graph: dict[str, Any]) -> dict[str, Any] | None:
        return missing_latents(self, graph)

    def job_json(self, pid: str) -> dict[str, Any] | None:
        return job_json(self, pid)

    def queue_json(self) -> dict[str, Any]:
        return queue_json(self)

    def interrupt(self, body: Any) -> None:
        with self._lock:
            pid = body.get("prompt_id") if isinstance(body, dict) else None
            if pid is None or pid == self.running:
                self._interrupt = self.running

    def delete(self, ids: list[str]) -> None:
        with self._lock:
            self.pending = [p for p in self.pending if p[0] not in ids]
        self._status()


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


def _make_handler(fake: FakeComfy) -> type[BaseHTTPRequestHandler]:
    from tests.fakes.fake_comfy_http import make_handler

    return make_handler(fake)
