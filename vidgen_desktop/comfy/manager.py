"""ComfyUI-Manager on a remote server: have it download a missing model file into that machine's
folder, since ours cannot reach it. V4 (the comfyui-manager 4.2.2 package ComfyUI 0.25 pins) as
recorded from a real server (tests/data/transcripts/v0.25/comfyui_manager_install_model.json);
V3 (the older custom node, /manager without /v2) from its sources:

- `GET /v2/manager/version` -> "V4.2.2" (`/manager/version` is a 404 there); V3: `/manager/version`.
- `POST …/queue/install_model` {name, type, base, save_path, url, filename, ui_id} (V4 also
  `client_id`) -> 200, empty; nothing runs until `POST …/queue/start` (no body: a text/plain one
  is refused as CSRF) -> 200, or 201 when already running. V3 refuses with 403 (security level)
  or 400 (a file not in its model list).
- `GET …/queue/status` -> {total_count (pending + running), done_count, in_progress_count,
  [pending_count,] is_processing}; V4's worker lingers ~4 s with is_processing true after the
  last task, so V4 is followed by `GET /v2/manager/queue/history?ui_id=` (one item: status
  {status_str, completed, messages}) instead. V4 refuses a download on a server that does not
  listen on loopback only there, as a failed task.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import ServerError

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Manager:
    version: str  # "V4.2.2", "V3.41"
    prefix: str  # "/v2" or ""

    @property
    def v4(self) -> bool:
        return self.prefix == "/v2"


class QueueStatus(BaseModel):
    model_config = ConfigDict(extra="ignore")
    total_count: int = 0
    done_count: int = 0
    in_progress_count: int = 0
    is_processing: bool = False


def detect(client: ComfyClient) -> Manager | None:
    for prefix in ("/v2", ""):
        resp = client._request("GET", f"{prefix}/manager/version")
        if resp.status_code == 200 and resp.text.strip().upper().startswith("V"):
            return Manager(resp.text.strip().strip('"'), prefix)
    return None


def queue_model(
    client: ComfyClient, manager: Manager, *, folder: str, file: str, url: str, name: str = ""
) -> str:
    """Queue the download and start the Manager's queue; returns the task's ui_id."""
    ui_id = uuid.uuid4().hex
    body = {
        "name": name or file,
        "type": folder,
        "base": "",
        "save_path": folder,
        "url": url,
        "filename": file,
        "ui_id": ui_id,
    }
    if manager.v4:
        body["client_id"] = client.client_id
    resp = client._request("POST", f"{manager.prefix}/manager/queue/install_model", json=body)
    if resp.status_code == 403:
        raise ServerError(
            "ComfyUI-Manager on the server refused to download model files (its security level).",
            detail=resp.text[:500],
            hint="Lower security_level in the Manager's config.ini on that machine, or put the "
            f"file into models/{folder}/ there by hand.",
        )
    if resp.status_code == 400:
        raise ServerError(
            f"ComfyUI-Manager refused {file}: it only installs files from its own model list.",
            detail=resp.text[:500],
            hint=f"Put {file} into models/{folder}/ on the server by hand ({url}).",
        )
    if resp.status_code >= 300:
        raise ServerError(f"ComfyUI-Manager answered {resp.status_code} to the download request.")
    started = client._request("POST", f"{manager.prefix}/manager/queue/start")
    if started.status_code not in (200, 201):
        raise ServerError(f"ComfyUI-Manager did not start its queue ({started.status_code}).")
    return ui_id


def status(client: ComfyClient, manager: Manager) -> QueueStatus:
    resp = client._request("GET", f"{manager.prefix}/manager/queue/status")
    if resp.status_code != 200:
        raise ServerError(f"ComfyUI-Manager answered {resp.status_code} to its queue status.")
    return QueueStatus.model_validate(resp.json())


def outcome(client: ComfyClient, manager: Manager, ui_id: str) -> tuple[str, str]:
    """(status_str, messages) of a finished task from V4's history; ("", "") while it runs or
    where the Manager does not say (V3)."""
    if not manager.v4:
        return "", ""
    resp = client._request("GET", "/v2/manager/queue/history", params={"ui_id": ui_id})
    if resp.status_code != 200 or not resp.content:
        return "", ""
    history = resp.json().get("history") or {}
    # filtered by ui_id it is the item itself; unfiltered, items keyed by ui_id
    item = history if history.get("ui_id") == ui_id else history.get(ui_id) or {}
    state = item.get("status") or {}
    if not state.get("completed"):
        return "", ""
    messages = state.get("messages") or []
    return str(state.get("status_str", "")), "; ".join(str(m) for m in messages)


def wait_for(
    client: ComfyClient,
    manager: Manager,
    ui_id: str,
    token: CancelToken,
    on_status: Callable[[QueueStatus], None],
    *,
    poll_s: float = 1.0,
) -> None:
    """Until our task has finished; raises when the Manager says the download failed."""
    while True:
        token.raise_if_cancelled()
        now = status(client, manager)
        on_status(now)
        state, messages = outcome(client, manager, ui_id)
        if state:
            break
        if not manager.v4 and not now.is_processing and now.total_count == 0:
            break  # V3 says no more than that its queue is empty
        token.wait(poll_s)
    if state and state not in ("success", "skip", "skipped"):
        raise ServerError(
            f"ComfyUI-Manager could not download the file: {messages or state}.",
            hint="ComfyUI-Manager V4 installs models only when ComfyUI listens on this machine's "
            "loopback or runs in its personal_cloud network mode; otherwise put the file there "
            "by hand.",
        )
    log.info("ComfyUI-Manager finished %s (%s)", ui_id, state or "no history")


__all__ = ["Manager", "QueueStatus", "detect", "outcome", "queue_model", "status", "wait_for"]
