"""ComfyUI-Manager's model-install routes on the fake ComfyUI. V4 as recorded from comfyui-manager
4.2.2 on ComfyUI 0.25.0 (tests/data/transcripts/v0.25/comfyui_manager_install_model.json):
version text, the install/start replies and refusals, the queue status (total = pending +
running, done cumulative, the worker lingering with is_processing true after its last task),
the history (one item when filtered by ui_id, keyed by ui_id otherwise). V3 (/manager, no /v2)
from its sources: 403 at security level "strong", no history.

`fake.manager`: None (no Manager: every route 404), "v3" or "v4". The queue downloads each file
from its URL into `fake.model_root/<save_path>/<filename>` on a thread. `fake.manager_refuses`
fails V4's task the way its worker does when ComfyUI does not listen on loopback;
`fake.manager_linger_s` is how long the worker stays "processing" after its last task (the real
one waits 4 s; tests keep it short)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.fakes.fake_comfy_data import load_recorded

_CSRF_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
_TEXT = "text/plain; charset=utf-8"
_REFUSED = (
    "ERROR: To use this action, security_level must be `normal or below`, and network_mode must "
    "be set to `personal_cloud`. Please contact the administrator."
)


def recorded(key: str) -> dict[str, Any]:
    return load_recorded("v0.25", "manager_install_model")["exchanges"][key]


def _state(fake: Any) -> dict[str, Any]:
    if not hasattr(fake, "_manager_state"):
        fake._manager_state = {
            "pending": [],
            "running": None,
            "done": 0,
            "worker": False,
            "history": {},
            "lock": threading.Lock(),
        }
    return fake._manager_state


def _route(fake: Any, path: str) -> str | None:
    """The route without its Manager prefix, or None when this Manager does not serve it."""
    version = getattr(fake, "manager", None)
    if version == "v4" and path.startswith("/v2/manager/"):
        return path[3:]
    if version == "v3" and path.startswith("/manager/"):
        return path
    return None


def _status(fake: Any, state: dict[str, Any]) -> dict[str, Any]:
    with state["lock"]:
        running = 1 if state["running"] else 0
        body = {
            "total_count": len(state["pending"]) + running,
            "done_count": state["done"],
            "in_progress_count": running,
            "is_processing": state["worker"],
        }
        if fake.manager == "v4":
            body = {**body, "pending_count": len(state["pending"])}
            body = {k: body[k] for k in recorded("/v2/manager/queue/status")["body"]}
    return body


def handle_get(handler: Any, fake: Any, path: str, query: dict[str, list[str]]) -> bool:
    route = _route(fake, path)
    if route is None:
        return False
    state = _state(fake)
    if route == "/manager/version":
        text = recorded("/v2/manager/version")["body"] if fake.manager == "v4" else "V3.41"
        handler._reply(200, text.encode(), ctype=_TEXT)
    elif route == "/manager/queue/status":
        handler._reply(200, _status(fake, state))
    elif route == "/manager/queue/history" and fake.manager == "v4":
        ui_id = query.get("ui_id", [""])[0]
        with state["lock"]:
            history = dict(state["history"])
        handler._reply(200, {"history": history.get(ui_id, {}) if ui_id else history})
    else:
        handler._reply(404)
    return True


def handle_post(handler: Any, fake: Any, path: str, body: Any) -> bool:
    route = _route(fake, path)
    if route is None:
        return False
    state = _state(fake)
    if route == "/manager/queue/install_model":
        if isinstance(body, str):
            handler._reply(500, b"Internal server error", ctype=_TEXT)
            return True
        fields = body if isinstance(body, dict) else {}
        if fake.manager == "v3" and getattr(fake, "manager_security", "normal") == "strong":
            handler._reply(
                403, b"A security error has occurred. Please check the terminal logs", ctype=_TEXT
            )
            return True
        if fake.manager == "v4":
            for needed in ("client_id", "ui_id"):
                if needed not in fields:
                    handler._reply(400, f"Missing required field: {needed}".encode(), ctype=_TEXT)
                    return True
        if "url" not in fields:
            handler._reply(400, b"Invalid model data: url Field required", ctype=_TEXT)
            return True
        with state["lock"]:
            state["pending"].append(fields)
        handler._reply(200)
    elif route in ("/manager/queue/start", "/manager/queue/reset"):
        ctype = handler.headers.get("Content-Type", "")
        if any(ctype.startswith(t) for t in _CSRF_TYPES):
            text = recorded("/v2/manager/queue/start#text_plain")["body"]
            handler._reply(400, text.encode(), ctype=_TEXT)
            return True
        if route == "/manager/queue/reset":
            with state["lock"]:
                state["pending"].clear()
            handler._reply(200)
            return True
        with state["lock"]:
            already = state["worker"]
            state["worker"] = True
        if not already:
            threading.Thread(target=_work, args=(fake,), daemon=True).start()
        handler._reply(201 if already else 200)
    else:
        handler._reply(404)
    return True


def _fetch(fake: Any, task: dict[str, Any]) -> tuple[str, list[str]]:
    if getattr(fake, "manager_refuses", False):
        return "failed", [_REFUSED]
    target = Path(fake.model_root) / task["save_path"] / task["filename"]
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(task["url"], timeout=10) as src:
            target.write_bytes(src.read())
    except OSError as exc:
        return "failed", [str(exc)]
    return "success", []


def _work(fake: Any) -> None:
    state = _state(fake)
    while True:
        with state["lock"]:
            task = state["pending"].pop(0) if state["pending"] else None
            state["running"] = task
        if task is None:
            time.sleep(getattr(fake, "manager_linger_s", 0.3))  # as the real worker waits
            with state["lock"]:
                if not state["pending"]:
                    state["worker"] = False
                    return
            continue
        time.sleep(getattr(fake, "manager_delay", 0.0))
        result, messages = _fetch(fake, task)
        item = {
            "ui_id": task["ui_id"],
            "client_id": task.get("client_id", ""),
            "kind": "install-model",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "result": result,
            "status": {"status_str": result, "completed": True, "messages": messages},
            "params": {
                k: task.get(k)
                for k in ("name", "type", "base", "save_path", "url", "filename", "ui_id")
            },
        }
        with state["lock"]:
            state["running"] = None
            state["done"] += 1
            if fake.manager == "v4":
                state["history"][task["ui_id"]] = json.loads(json.dumps(item))
