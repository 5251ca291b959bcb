"""Blocking HTTP client for one ComfyUI server (requests, every call with a timeout).

One `ComfyClient` = one connection identity: its `client_id` is used for the WebSocket and every
prompt, so the server routes our job's events to us. `/object_info` and `/features` are cached
for the life of the client (call `refresh()` after the user installs models or node packs).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidgen_desktop.comfy.errors import UploadTooLarge, rejection_error
from vidgen_desktop.comfy.models import (
    Features,
    FileRef,
    HistoryEntry,
    Job,
    PromptResponse,
    QueueState,
    SystemStats,
    UploadResult,
)

if TYPE_CHECKING:
    import requests
from vidgen_desktop.comfy.ws import EventSocket
from vidgen_desktop.core.atomic import write_bytes_atomic
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import ServerError, ServerUnavailable

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8188"
CHUNK = 1 << 20


def new_prompt_id() -> str:
    """Canonical lowercase hyphenated UUID: the only form ComfyUI ≥ 0.25 accepts."""
    return str(uuid.uuid4())


class ComfyClient:
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 10.0,
        client_id: str | None = None,
        headers: dict[str, str] | None = None,
        reattach_window_s: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        #: sent with every request and the WebSocket's handshake (a server behind a proxy)
        self.headers = dict(headers or {})
        #: how long a job whose server went away waits for it to come back (then it is the
        #: caller's to move elsewhere or to leave for a later re-attach)
        self.reattach_window_s = reattach_window_s
        self.client_id = client_id or uuid.uuid4().hex
        self._session_obj: requests.Session | None = None
        self._session_lock = threading.Lock()
        self._object_info: dict[str, Any] | None = None
        self._features: Features | None = None
        self._has_jobs_api: bool | None = None
        self._socket: EventSocket | None = None
        #: held by run_job: jobs on one client take turns on the shared event socket
        #: (ComfyUI runs one prompt at a time anyway). Other HTTP calls need no lock.
        self.job_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------------------
    @property
    def _session(self) -> requests.Session:
        # requests costs ~60 ms and ~10 MB to import: made on first use (a worker thread), so
        # creating a client never puts it on the GUI's start-up path
        if self._session_obj is None:
            with self._session_lock:
                if self._session_obj is None:
                    import requests

                    session = requests.Session()
                    session.headers.update(self.headers)
                    self._session_obj = session
        return self._session_obj

    @property
    def ws_url(self) -> str:
        scheme = "wss" if self.base_url.startswith("https") else "ws"
        return f"{scheme}://{self.base_url.split('://', 1)[-1]}/ws?clientId={self.client_id}"

    def _request(
        self, method: str, path: str, *, timeout: float | None = None, **kw: Any
    ) -> requests.Response:
        import requests

        url = f"{self.base_url}{path}"
        try:
            return self._session.request(method, url, timeout=timeout or self.timeout, **kw)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ServerUnavailable(
                f"ComfyUI is not reachable at {self.base_url}.",
                detail=f"{method} {path}: {exc}",
                hint="Start ComfyUI (python main.py), or check {comfyui_setting}.",
            ) from exc

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        resp = self._request(method, path, **kw)
        if resp.status_code >= 400:
            raise ServerError(
                f"ComfyUI answered {resp.status_code} to {method} {path}.", detail=resp.text[:2000]
            )
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError as exc:
            raise ServerError(
                f"ComfyUI sent an unreadable reply to {path}.", detail=resp.text[:500]
            ) from exc

    def events(self) -> EventSocket:
        """The client's one long-lived event socket (created on first use, connected by the caller)."""
        if self._socket is None:
            self._socket = EventSocket(self.ws_url, headers=self.headers)
        return self._socket

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._session_obj is not None:  # never used: nothing to close (and no import for it)
            self._session_obj.close()

    def set_headers(self, headers: dict[str, str]) -> None:
        """The proxy header changed: later requests and the next socket connect send it."""
        if headers == self.headers:
            return
        with self._session_lock:
            if self._session_obj is not None:
                for name in self.headers:
                    self._session_obj.headers.pop(name, None)
                self._session_obj.headers.update(headers)
        self.headers = dict(headers)
        if self._socket is not None:
            self._socket.headers = dict(headers)

    def refresh(self) -> None:
        """Forget cached /object_info and /features (models or node packs changed)."""
        self._object_info = None
        self._features = None

    # -- introspection --------------------------------------------------------------------
    def system_stats(self) -> SystemStats:
        return SystemStats.model_validate(self._json("GET", "/system_stats"))

    def object_info(self) -> dict[str, Any]:
        """All node definitions; slow on the server, so fetched once per client."""
        if self._object_info is None:
            self._object_info = (
                self._json("GET", "/object_info", timeout=max(self.timeout, 60.0)) or {}
            )
        return self._object_info

    def features(self) -> Features:
        if self._features is None:
            resp = self._request("GET", "/features")
            data = resp.json() if resp.status_code == 200 and resp.content else {}
            self._features = Features.model_validate(data)
        return self._features

    def queue(self) -> QueueState:
        return QueueState.model_validate(self._json("GET", "/queue"))

    def queue_remaining(self) -> int:
        data = self._json("GET", "/prompt") or {}
        return int((data.get("exec_info") or {}).get("queue_remaining", 0))

    # -- jobs -----------------------------------------------------------------------------
    def submit(
        self,
        graph: dict[str, Any],
        *,
        prompt_id: str | None = None,
        preview_method: str | None = "auto",
        extra_data: dict[str, Any] | None = None,
    ) -> PromptResponse:
        """Queue `graph` under our own prompt id; a 400 raises WorkflowRejected with per-input problems."""
        pid = prompt_id or new_prompt_id()
        extra = dict(extra_data or {})
        if preview_method:
            extra["preview_method"] = preview_method
        body = {"prompt": graph, "client_id": self.client_id, "prompt_id": pid, "extra_data": extra}
        resp = self._request("POST", "/prompt", json=body)
        if resp.status_code == 400:
            try:
                payload = resp.json()
            except ValueError:
                payload = {"error": {"type": "unknown", "message": resp.text[:500]}}
            raise rejection_error(payload)
        if resp.status_code >= 400:
            raise ServerError(
                f"ComfyUI answered {resp.status_code} when queueing the job.",
                detail=resp.text[:2000],
            )
        result = PromptResponse.model_validate(resp.json())
        if result.prompt_id != pid:
            raise ServerError(
                "ComfyUI ignored our job id.",
                detail=f"sent {pid}, got {result.prompt_id}",
                hint="Update ComfyUI to version 0.3.45 or newer.",
            )
        if result.node_errors:
            log.warning("prompt %s queued with dropped outputs: %s", pid, result.node_errors)
        return result

    def history(self, prompt_id: str) -> HistoryEntry | None:
        """The finished job's record, or None while it runs / if unknown (history is volatile)."""
        data = self._json("GET", f"/history/{prompt_id}") or {}
        entry = data.get(prompt_id)
        return HistoryEntry.model_validate(entry) if entry else None

    def job(self, prompt_id: str) -> Job | None:
        """GET /api/jobs/{id} on servers that have it (0.25+); None when unknown or unsupported."""
        if self._has_jobs_api is False:
            return None
        resp = self._request("GET", f"/api/jobs/{prompt_id}")
        if resp.status_code == 200:
            self._has_jobs_api = True
            return Job.model_validate(resp.json())
        if resp.status_code == 404:
            try:
                known = "error" in resp.json()  # {"error": "Job not found"} = API exists
            except ValueError:
                known = False
            if not known and self._has_jobs_api is None:
                self._has_jobs_api = False
            return None
        return None

    def interrupt(self, prompt_id: str | None = None) -> None:
        """Stop `prompt_id` if it is the one running (no-op otherwise); no id = whatever runs."""
        self._json("POST", "/interrupt", json={"prompt_id": prompt_id} if prompt_id else {})

    def delete_queued(self, prompt_ids: list[str]) -> None:
        """Remove pending prompts (a running one needs interrupt)."""
        self._json("POST", "/queue", json={"delete": list(prompt_ids)})

    def free(self, *, unload_models: bool = True, free_memory: bool = True) -> None:
        """Ask ComfyUI to drop models/VRAM; applied when idle or after the current job."""
        self._json(
            "POST", "/free", json={"unload_models": unload_models, "free_memory": free_memory}
        )

    # -- files ----------------------------------------------------------------------------
    def upload(
        self, path: Path, *, name: str | None = None, subfolder: str = "", overwrite: bool = True
    ) -> UploadResult:
        """Upload an input file (image or audio: ComfyUI has one route) into the server's input/."""
        path = Path(path)
        size = path.stat().st_size
        limit = self.features().max_upload_size
        if limit and size > limit:
            raise UploadTooLarge(
                f"{path.name} is {size / 1e6:.1f} MB; this ComfyUI accepts at most {limit / 1e6:.0f} MB.",
                hint="Use a shorter or smaller file, or start ComfyUI with a larger --max-upload-size.",
            )
        data = {
            "type": "input",
            "subfolder": subfolder,
            "overwrite": "true" if overwrite else "false",
        }
        with path.open("rb") as fh:
            resp = self._request(
                "POST",
                "/upload/image",
                files={"image": (name or path.name, fh)},
                data=data,
                timeout=max(self.timeout, 120.0),
            )
        if resp.status_code == 413:
            raise UploadTooLarge(
                f"ComfyUI refused {path.name}: the file is larger than it accepts.",
                hint="Start ComfyUI with a larger --max-upload-size.",
            )
        if resp.status_code >= 400:
            raise ServerError(
                f"ComfyUI refused the upload of {path.name} ({resp.status_code}).",
                detail=resp.text[:500],
            )
        return UploadResult.model_validate(resp.json())

    def remove_input(self, name: str, asset_id: str | None = None) -> str:
        """Take a file we put into the input folder away again; returns how ("deleted" or
        "emptied"). ComfyUI can delete a file only through its assets API (--enable-assets);
        without it the file is replaced by an empty one, which frees its space."""
        if asset_id:
            resp = self._request(
                "DELETE", f"/api/assets/{asset_id}", params={"delete_content": "true"}
            )
            if resp.status_code in (200, 204):
                return "deleted"
            log.info("asset %s not deleted (%s); emptying %s", asset_id, resp.status_code, name)
        data = {"type": "input", "subfolder": "", "overwrite": "true"}
        resp = self._request("POST", "/upload/image", files={"image": (name, b"")}, data=data)
        if resp.status_code >= 400:
            raise ServerError(
                f"ComfyUI refused to empty {name} ({resp.status_code}).", detail=resp.text[:500]
            )
        return "emptied"

    def download(
        self,
        ref: FileRef,
        target: Path,
        token: CancelToken | None = None,
        on_bytes: Callable[[int, int | None], None] | None = None,
    ) -> int:
        """Stream /view into `target` via a temp file in the same folder, then rename (atomic)."""
        params = {"filename": ref.filename, "subfolder": ref.subfolder, "type": ref.type}
        resp = self._request("GET", "/view", params=params, stream=True)
        with resp:
            if resp.status_code != 200:
                raise ServerError(
                    f"ComfyUI could not send {ref.filename} ({resp.status_code}).",
                    detail=f"/view {params}",
                )
            total = int(resp.headers.get("Content-Length") or 0) or None
            if token is not None:
                token.on_cancel(resp.close)
            return write_bytes_atomic(target, self._chunks(resp, token, on_bytes, total))

    @staticmethod
    def _chunks(
        resp: requests.Response,
        token: CancelToken | None,
        on_bytes: Callable[[int, int | None], None] | None,
        total: int | None,
    ) -> Iterator[bytes]:
        import requests

        done = 0
        try:
            for chunk in resp.iter_content(CHUNK):
                if token is not None:
                    token.raise_if_cancelled()
                done += len(chunk)
                if on_bytes is not None:
                    on_bytes(done, total)
                yield chunk
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, OSError) as exc:
            if token is not None:
                token.raise_if_cancelled()
            raise ServerUnavailable(
                "The download from ComfyUI broke off.", detail=str(exc)
            ) from exc
        if token is not None:
            token.raise_if_cancelled()  # cancel closes the response, which ends the loop quietly
        if total is not None and done != total:
            raise ServerUnavailable(
                "The download from ComfyUI was incomplete.", detail=f"{done} of {total} bytes"
            )


def env_url() -> str:
    """COMFYUI_URL from the environment, else the default local server."""
    return os.environ.get("COMFYUI_URL", DEFAULT_URL)
