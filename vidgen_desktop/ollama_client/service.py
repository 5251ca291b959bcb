"""Ollama, through the official `ollama` client, with every failure mapped to our typed errors.

Why the extra plumbing around the client:
- Its streaming calls leak raw httpx errors and its non-streaming calls raise builtin
  ConnectionError; callers here only ever see VidGenError subclasses.
- Cancelling a stream must work even while the server is silent (model load, prompt
  evaluation). A flag checked per chunk cannot do that, and `stream.close()` from another thread
  raises. So each request records its socket (httpx `trace` extension, no connection reuse) and
  CancelToken.on_cancel shuts that socket down, which ends the blocked read at once.
"""

from __future__ import annotations

import functools
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import httpx
import ollama

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import (
    Cancelled,
    ModelNotFound,
    ServerError,
    ServerUnavailable,
    VidGenError,
)
from vidgen_desktop.ollama_client.models import (
    ChatResult,
    ChatStats,
    GenerationOptions,
    LoadedModel,
    ModelInfo,
    PullProgress,
    ServerStatus,
)

log = logging.getLogger(__name__)

#: called with each piece of streamed text as it arrives
OnText = Callable[[str], None]


def unreachable(url: str, detail: str = "") -> ServerUnavailable:
    return ServerUnavailable(
        f"Ollama is not reachable at {url}.",
        detail=detail,
        hint="Start it with `ollama serve`, or check {ollama_setting}.",
    )


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for every client: httpx would read the CA bundle again for
    each one (~10 ms of CPU a call, measured by bench_batch), and a client is made per call."""
    import certifi  # httpx's own CA bundle, so https hosts verify exactly as before

    return ssl.create_default_context(cafile=certifi.where())


class _SocketCloser:
    """Remembers the sockets a client opens so a cancel from another thread can shut them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closed = False

    def request_hook(self, request: httpx.Request) -> None:
        request.extensions["trace"] = self._trace

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            closed = self._closed
        if closed:
            _shutdown(sock)

    def close_all(self) -> None:
        with self._lock:
            self._closed = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class OllamaService:
    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    # -- clients ----------------------------------------------------------------------------
    def _client(
        self, token: CancelToken | None = None, read_timeout: float | None = None
    ) -> ollama.Client:
        timeout = httpx.Timeout(self.timeout_s, read=read_timeout)
        if token is None:
            return ollama.Client(host=self.url, timeout=timeout, verify=_tls())
        closer = _SocketCloser()
        token.on_cancel(closer.close_all)
        return ollama.Client(
            host=self.url,
            timeout=timeout,
            event_hooks={"request": [closer.request_hook]},
            limits=httpx.Limits(max_keepalive_connections=0),
            verify=_tls(),
        )

    def _call(self, what: str, fn: Callable[[], Any], model: str = "") -> Any:
        try:
            return fn()
        except VidGenError:
            raise
        except Exception as exc:
            raise self.map_error(exc, what, model) from exc

    def map_error(self, exc: BaseException, what: str, model: str = "") -> VidGenError:
        if isinstance(exc, ollama.ResponseError):
            text = exc.error or str(exc)
            if exc.status_code == 404:
                return ModelNotFound(
                    f"The model {model or ''} is not installed in Ollama.".replace("  ", " "),
                    detail=text,
                    hint=f"Run `ollama pull {model or 'qwen3:4b'}`, then Refresh, or pick another model.",
                )
            if exc.status_code == -1:
                return ServerError(f"Ollama stopped while {what}: {text}", detail=text)
            if exc.status_code == 503:
                return ServerError(
                    "Ollama is busy with other requests.",
                    detail=text,
                    hint="Try again in a moment.",
                )
            return ServerError(
                f"Ollama refused {what}: {text}", detail=f"HTTP {exc.status_code}: {text}"
            )
        if isinstance(exc, ConnectionError | httpx.ConnectError | httpx.ConnectTimeout):
            return unreachable(self.url, str(exc))
        if isinstance(exc, httpx.TimeoutException):
            return ServerUnavailable(
                f"Ollama at {self.url} did not answer in time while {what}.",
                detail=str(exc),
                hint="Check that the server is not stuck, then try again.",
            )
        if isinstance(exc, httpx.TransportError):
            return ServerError(
                f"The connection to Ollama broke while {what}.",
                detail=f"{type(exc).__name__}: {exc}",
                hint="Ollama may have stopped or crashed; check it, then try again.",
            )
        if isinstance(exc, ValueError):  # undecodable body, client-side validation
            return ServerError(f"Ollama sent something unexpected while {what}.", detail=str(exc))
        return ServerError(f"Talking to Ollama failed while {what}.", detail=repr(exc))

    # -- information --------------------------------------------------------------------------
    def version(self) -> str:
        """GET /api/version (the official client has no method for it)."""

        def get() -> str:
            with httpx.Client(timeout=self.timeout_s) as http:
                resp = http.get(f"{self.url}/api/version")
            if resp.status_code != 200:
                raise ServerError(f"Ollama answered /api/version with HTTP {resp.status_code}.")
            return str(resp.json().get("version", ""))

        return self._call("reading its version", get)

    def list_models(self) -> list[ModelInfo]:
        listing = self._call("listing models", lambda: self._client().list())
        out = []
        for m in listing.models:
            details = m.details
            out.append(
                ModelInfo(
                    name=m.model or "",
                    size_bytes=int(m.size or 0),
                    parameter_size=(details.parameter_size or "") if details else "",
                    quantization=(details.quantization_level or "") if details else "",
                    family=(details.family or "") if details else "",
                )
            )
        return [m for m in out if m.name]

    def loaded_models(self) -> list[LoadedModel]:
        ps = self._call("listing loaded models", lambda: self._client().ps())
        return [
            LoadedModel(
                name=m.model or "",
                size_bytes=int(m.size or 0),
                size_vram=int(m.size_vram or 0),
                context_length=m.context_length,
            )
            for m in ps.models
        ]

    def status(self) -> ServerStatus:
        """A poll that never raises: unreachable is a state, not an error, for the status bar."""
        try:
            version = self.version()
            loaded = self.loaded_models()
        except VidGenError as exc:
            return ServerStatus(url=self.url, reachable=False, error=exc.user_text())
        return ServerStatus(url=self.url, reachable=True, version=version, loaded=loaded)

    def capabilities(self, model: str) -> list[str]:
        """From /api/show; also proves the model exists before a long stream starts."""
        shown = self._call("looking up the model", lambda: self._client().show(model), model)
        return list(shown.capabilities or [])

    # -- generation ---------------------------------------------------------------------------
    def stream_chat(
        self,
        model: str,
        messages: Sequence[dict[str, str]],
        options: GenerationOptions,
        token: CancelToken,
        on_text: OnText,
        fmt: dict[str, Any] | Literal["", "json"] | None = None,
        think: bool | None = None,
    ) -> ChatResult:
        """Stream one chat reply; returns the whole text and the final chunk's counters."""
        token.raise_if_cancelled()
        client = self._client(token)
        started = time.monotonic()
        parts: list[str] = []
        chunks = 0
        stats = ChatStats()
        try:
            stream = client.chat(
                model=model,
                messages=list(messages),
                stream=True,
                format=fmt,
                options=options.as_options(),
                think=think,
            )
            for part in stream:
                if token.cancelled:
                    break
                text = part.message.content or ""
                if text:
                    parts.append(text)
                    chunks += 1
                    on_text(text)
                if part.done:
                    stats = ChatStats(
                        done_reason=part.done_reason,
                        prompt_eval_count=part.prompt_eval_count or 0,
                        eval_count=part.eval_count or 0,
                        eval_duration_ns=part.eval_duration or 0,
                        total_duration_ns=part.total_duration or 0,
                        load_duration_ns=part.load_duration or 0,
                    )
        except Exception as exc:
            if token.cancelled:
                raise Cancelled() from exc
            if isinstance(exc, json.JSONDecodeError):
                raise ServerError("Ollama sent a broken stream line.", detail=str(exc)) from exc
            raise self.map_error(exc, "generating", model) from exc
        token.raise_if_cancelled()
        return ChatResult(
            text="".join(parts), stats=stats, elapsed_s=time.monotonic() - started, chunks=chunks
        )

    def pull(
        self, model: str, token: CancelToken, on_progress: Callable[[PullProgress], None]
    ) -> None:
        """`/api/pull`, streamed: each layer's digest with completed/total bytes and the speed.
        Cancel closes the socket; Ollama keeps the layers it finished, so pulling again resumes."""
        token.raise_if_cancelled()
        client = self._client(token)
        started, seen = time.monotonic(), 0
        try:
            for part in client.pull(model, stream=True):
                if token.cancelled:
                    break
                if part.completed and part.total:
                    seen = max(seen, int(part.completed))
                elapsed = time.monotonic() - started
                on_progress(
                    PullProgress(
                        status=part.status or "",
                        digest=part.digest or "",
                        completed=int(part.completed or 0),
                        total=int(part.total or 0),
                        speed_bps=seen / elapsed if elapsed > 0 and seen else 0.0,
                    )
                )
        except Exception as exc:
            if token.cancelled:
                raise Cancelled(f"Download of {model} stopped.") from exc
            if isinstance(exc, ollama.ResponseError) and exc.status_code == -1:
                raise ServerError(
                    f"Ollama could not download {model}: {exc.error}",
                    hint="Check the name (ollama.com/library lists them) and the connection of "
                    "the machine Ollama runs on.",
                ) from exc
            raise self.map_error(exc, "downloading the model", model) from exc
        token.raise_if_cancelled()

    def delete(self, model: str) -> None:
        self._call("deleting the model", lambda: self._client().delete(model), model)

    def unload(self, model: str) -> None:
        """Free the model's memory now (keep_alive 0 at top level), e.g. before ComfyUI runs."""
        self._call(
            "unloading the model", lambda: self._client().generate(model=model, keep_alive=0), model
        )
