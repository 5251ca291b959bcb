"""A fake Ollama on 127.0.0.1 that speaks the real wire format (shapes from tests/data/transcripts).

- /api/chat streams NDJSON over chunked HTTP/1.1 (or one JSON body when stream=false), one line
  per token, at a controllable rate, then the final chunk with done_reason and the counters.
- Replies are scripted per test (`script_reply`); each reply can fail before streaming (HTTP status
  + {"error": ...}), fail mid-stream (an {"error": ...} line with status 200), or hold after N
  tokens until released (so tests can look at partial output deterministically).
- /api/tags, /api/ps, /api/version, /api/show, /api/generate (load/unload) as recorded.
- stop() / start() on the same port reproduce "server not running → it appears".
"""

from __future__ import annotations

import copy
import json
import re
import select
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.shared_data import TRANSCRIPTS

_TOKEN = re.compile(r"\s*\S+|\s+")


def _transcript(name: str) -> dict[str, Any]:
    return json.loads((TRANSCRIPTS / "ollama" / name).read_text(encoding="utf-8"))


@dataclass
class Reply:
    """One scripted /api/chat answer."""

    content: str = ""
    done_reason: str = "stop"
    prompt_eval_count: int = 412
    #: HTTP error before any byte is streamed: (status, message)
    http_error: tuple[int, str] | None = None
    #: {"error": ...} line after this many tokens (HTTP status stays 200)
    error_after: int | None = None
    error_text: str = (
        "model runner has unexpectedly stopped, this may be due to resource limitations"
    )
    #: stop after this many tokens until `FakeOllama.release()` is called
    hold_after: int | None = None


@dataclass
class _State:
    models: list[dict[str, Any]] = field(default_factory=list)
    loaded: list[dict[str, Any]] = field(default_factory=list)
    replies: deque[Reply] = field(default_factory=deque)
    default_reply: Reply | None = None
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    tokens_per_s: float = 0.0
    version: str = "0.32.15"
    streams_cut_by_client: int = 0
    #: /api/pull: seconds between stream lines; names the registry does not have
    pull_delay: float = 0.0
    pull_missing: set[str] = field(default_factory=set)


class FakeOllama:
    def __init__(self) -> None:
        self.state = _State()
        tags = _transcript("ollama_tags.json")["submit"]["body"]["models"]
        self.state.models = copy.deepcopy(tags)
        self._ps_template = _transcript("ollama_ps.json")["submit"]["body"]["models"][0]
        self._show = _transcript("ollama_show.json")["submit"]["body"]
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.start()

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self._server is not None:
            return
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-ollama",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        self._release.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._release.clear()

    # -- scripting -----------------------------------------------------------------------------
    def script_reply(self, *replies: Reply | str) -> None:
        with self._lock:
            for r in replies:
                self.state.replies.append(Reply(content=r) if isinstance(r, str) else r)

    def set_models(self, models: list[dict[str, Any]]) -> None:
        self.state.models = models

    def release(self) -> None:
        self._release.set()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [body for method, path, body in self.state.requests if path == "/api/chat"]

    def requests_to(self, path: str) -> list[Any]:
        return [body for _m, p, body in self.state.requests if p == path]

    def _next_reply(self) -> Reply:
        with self._lock:
            if self.state.replies:
                return self.state.replies.popleft()
        return self.state.default_reply or Reply(content="{}")

    def _model_names(self) -> set[str]:
        names = set()
        for m in self.state.models:
            names.add(m["model"])
            if m["model"].endswith(":latest"):
                names.add(m["model"][: -len(":latest")])
        return names

    def _mark_loaded(self, model: str, num_ctx: int) -> None:
        entry = copy.deepcopy(self._ps_template)
        entry.update(name=model, model=model, context_length=num_ctx)
        with self._lock:
            self.state.loaded = [m for m in self.state.loaded if m["model"] != model] + [entry]


def _handler_for(fake: FakeOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        # -- plumbing ----------------------------------------------------------------------------
        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return raw.decode("utf-8", "replace")

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _chunk(self, obj: dict[str, Any]) -> None:
            data = (json.dumps(obj) + "\n").encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _client_gone(self) -> bool:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            try:
                return self.connection.recv(1, 0x2) == b""  # MSG_PEEK
            except OSError:
                return True

        # -- routes --------------------------------------------------------------------------------
        def do_GET(self) -> None:
            fake.state.requests.append(("GET", self.path, None))
            if self.path == "/api/version":
                self._json(200, {"version": fake.state.version})
            elif self.path == "/api/tags":
                self._json(200, {"models": fake.state.models})
            elif self.path == "/api/ps":
                self._json(200, {"models": fake.state.loaded})
            elif self.path == "/":
                data = b"Ollama is running"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self._json(404, {"error": "404 page not found"})

        def do_POST(self) -> None:
            body = self._body()
            fake.state.requests.append(("POST", self.path, body))
            if not isinstance(body, dict):
                self._json(400, {"error": "missing request body"})
                return
            model = body.get("model", "")
            if self.path in ("/api/chat", "/api/show", "/api/generate") and not model:
                self._json(400, {"error": "model is required"})
                return
            if self.path == "/api/show":
                if model not in fake._model_names():
                    name = model if ":" in model else f"{model}:latest"
                    self._json(404, {"error": f"model '{name}' not found"})
                    return
                show = copy.deepcopy(fake._show)
                entry = next(
                    m for m in fake.state.models if m["model"] in (model, f"{model}:latest")
                )
                show["capabilities"] = entry.get("capabilities", ["completion"])
                self._json(200, show)
            elif self.path == "/api/generate":
                self._generate(body, model)
            elif self.path == "/api/chat":
                self._chat(body, model)
            elif self.path == "/api/pull":
                self._pull(model)
            else:
                self._json(404, {"error": "404 page not found"})

        def do_DELETE(self) -> None:
            body = self._body()
            fake.state.requests.append(("DELETE", self.path, body))
            model = body.get("model", "") if isinstance(body, dict) else ""
            if self.path != "/api/delete":
                return self._json(404, {"error": "404 page not found"})
            if model not in fake._model_names():
                name = model if ":" in model else f"{model}:latest"
                return self._json(404, {"error": f"model '{name}' not found"})
            fake.state.models = [
                m for m in fake.state.models if m["model"] not in (model, f"{model}:latest")
            ]
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _pull(self, model: str) -> None:
            """The recorded stream (transcripts/ollama/ollama_pull_*.json), line by line."""
            missing = model in fake.state.pull_missing
            lines = _transcript(
                "ollama_pull_not_found.json" if missing else "ollama_pull_stream.json"
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for line in lines["submit"]["body"]:
                    time.sleep(fake.state.pull_delay)
                    self._chunk(line)
                self._end()
            except (BrokenPipeError, ConnectionResetError, OSError):
                fake.state.streams_cut_by_client += 1
                return
            if not missing:
                entry = copy.deepcopy(fake.state.models[0]) if fake.state.models else {}
                entry.update(name=model, model=model)
                fake.state.models = [*fake.state.models, entry]

        def _generate(self, body: dict[str, Any], model: str) -> None:
            if model not in fake._model_names():
                self._json(404, {"error": f"model '{model}' not found"})
                return
            unloading = body.get("keep_alive") in (0, 0.0, "0", "0s")
            if unloading:
                with fake._lock:
                    fake.state.loaded = [m for m in fake.state.loaded if m["model"] != model]
            else:
                fake._mark_loaded(model, 4096)
            self._json(
                200,
                {
                    "model": model,
                    "created_at": _now(),
                    "response": "",
                    "done": True,
                    "done_reason": "unload" if unloading else "load",
                },
            )

        def _chat(self, body: dict[str, Any], model: str) -> None:
            if model not in fake._model_names():
                self._json(404, {"error": f"model '{model}' not found"})
                return
            reply = fake._next_reply()
            if reply.http_error is not None:
                status, message = reply.http_error
                self._json(status, {"error": message})
                return
            options = body.get("options") or {}
            fake._mark_loaded(model, int(options.get("num_ctx") or 4096))
            tokens = _TOKEN.findall(reply.content)
            num_predict = int(options.get("num_predict") or -1)
            done_reason = reply.done_reason
            if 0 < num_predict < len(tokens):
                tokens, done_reason = tokens[:num_predict], "length"
            if not body.get("stream", True):
                self._json(200, _final(model, "".join(tokens), done_reason, reply, len(tokens)))
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            delay = 1.0 / fake.state.tokens_per_s if fake.state.tokens_per_s > 0 else 0.0
            started = time.monotonic()
            try:
                for i, tok in enumerate(tokens):
                    if reply.error_after is not None and i == reply.error_after:
                        self._chunk({"error": reply.error_text})
                        self._end()
                        return
                    if reply.hold_after is not None and i == reply.hold_after and not self._hold():
                        return
                    if delay:
                        time.sleep(max(0.0, started + (i + 1) * delay - time.monotonic()))
                    self._chunk(
                        {
                            "model": model,
                            "created_at": _now(),
                            "message": {"role": "assistant", "content": tok},
                            "done": False,
                        }
                    )
                self._chunk(_final(model, "", done_reason, reply, len(tokens)))
                self._end()
            except (BrokenPipeError, ConnectionResetError, OSError):
                fake.state.streams_cut_by_client += 1

        def _hold(self) -> bool:
            """Wait for release(); False (and counted) if the client hung up meanwhile."""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if fake._release.wait(0.02):
                    return True
                if self._client_gone():
                    fake.state.streams_cut_by_client += 1
                    self.close_connection = True
                    return False
            return True

        def _end(self) -> None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())


def _final(
    model: str, content: str, done_reason: str, reply: Reply, eval_count: int
) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": _now(),
        "message": {"role": "assistant", "content": content},
        "done": True,
        "done_reason": done_reason,
        "total_duration": 301442871,
        "load_duration": 12301544,
        "prompt_eval_count": reply.prompt_eval_count,
        "prompt_eval_duration": 19870000,
        "eval_count": max(eval_count, 1),
        "eval_duration": 254110000,
    }


GOOD_SCENE = {
    "audio": {
        "lyrics": "The lamp turns slow above the sea,\none more night, then I am free.",
        "tags": ["calm", "warm voice", "acoustic"],
    },
    "video": {
        "positive_prompt": "An old keeper climbs the lighthouse stairs at dusk, speaking softly",
        "negative_prompt": "blurry, distorted face, extra limbs",
    },
    "image": {
        "positive_prompt": "Portrait of an old lighthouse keeper, golden hour, detailed",
        "negative_prompt": "lowres, watermark, text",
    },
}


def scene_text(**overrides: Any) -> str:
    """GOOD_SCENE as the model would send it, with sections/keys replaced: scene_text(audio=...)."""
    data = copy.deepcopy(GOOD_SCENE)
    data.update(overrides)
    return json.dumps(data, indent=2)
