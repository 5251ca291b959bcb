"""ComfyUI-Manager's model-install routes on the fake ComfyUI, as its sources define them (V3.41
under /manager, V4.2.2 under /v2/manager; see vidgen_desktop/comfy/manager.py): the queue
downloads each file from its URL into `fake.model_root/<save_path>/<filename>` on a thread.

`fake.manager` is None (no Manager: every route 404), "v3" or "v4"; `fake.manager_security`
"strong" makes V3 refuse with 403; `fake.manager_refuses` makes V4's worker fail the task the
way it does when ComfyUI does not listen on loopback."""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

_CSRF_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def _state(fake: Any) -> dict[str, Any]:
    if not hasattr(fake, "_manager_state"):
        fake._manager_state = {
            "queue": [],
            "done": 0,
            "total": 0,
            "busy": False,
            "history": {},
            "lock": threading.Lock(),
        }
    return fake._manager_state


def _prefix_ok(fake: Any, path: str) -> str | None:
    """The route without its Manager prefix, or None when this Manager does not serve it."""
    version = getattr(fake, "manager", None)
    if version == "v4" and path.startswith("/v2/manager/"):
        return path[3:]
    if version == "v3" and path.startswith("/manager/"):
        return path
    return None


def handle_get(handler: Any, fake: Any, path: str, query: dict[str, list[str]]) -> bool:
    route = _prefix_ok(fake, path)
    if route is None:
        return False
    state = _state(fake)
    if route == "/manager/version":
        text = "V4.2.2" if fake.manager == "v4" else "V3.41"
        handler._reply(200, text.encode(), ctype="text/plain; charset=utf-8")
    elif route == "/manager/queue/status":
        with state["lock"]:
            body = {
                "total_count": state["total"],
                "done_count": state["done"],
                "in_progress_count": 1 if state["busy"] else 0,
                "is_processing": state["busy"] or bool(state["queue"]),
            }
        if fake.manager == "v4":
            body["pending_count"] = len(state["queue"])
        handler._reply(200, body)
    elif route == "/manager/queue/history" and fake.manager == "v4":
        ui_id = query.get("ui_id", [""])[0]
        item = state["history"].get(ui_id)
        handler._reply(200, {"history": {ui_id: item} if item else {}})
    else:
        handler._reply(404)
    return True


def handle_post(handler: Any, fake: Any, path: str, body: Any) -> bool:
    route = _prefix_ok(fake, path)
    if route is None:
        return False
    state = _state(fake)
    if route == "/manager/queue/install_model":
        if not isinstance(body, dict):
            handler._reply(400)
            return True
        if fake.manager == "v3" and getattr(fake, "manager_security", "normal") == "strong":
            handler._reply(
                403,
                b"A security error has occurred. Please check the terminal logs",
                ctype="text/plain; charset=utf-8",
            )
            return True
        if fake.manager == "v4" and not {"client_id", "ui_id"} <= set(body):
            missing = "client_id" if "client_id" not in body else "ui_id"
            handler._reply(
                400,
                f"Missing required field: {missing}".encode(),
                ctype="text/plain; charset=utf-8",
            )
            return True
        with state["lock"]:
            state["queue"].append(body)
            state["total"] += 1
        handler._reply(200)
    elif route in ("/manager/queue/start", "/manager/queue/reset"):
        ctype = handler.headers.get("Content-Type", "")
        if any(ctype.startswith(t) for t in _CSRF_TYPES):
            handler._reply(400)
            return True
        if route == "/manager/queue/reset":
            with state["lock"]:
                state.update(queue=[], done=0, total=0)
            handler._reply(200)
            return True
        with state["lock"]:
            running = state["busy"]
            state["busy"] = state["busy"] or bool(state["queue"])
        if not running:
            threading.Thread(target=_work, args=(fake,), daemon=True).start()
        handler._reply(201 if running else 200)
    else:
        handler._reply(404)
    return True


def _work(fake: Any) -> None:
    state = _state(fake)
    while True:
        with state["lock"]:
            if not state["queue"]:
                state["busy"] = False
                return
            task = state["queue"].pop(0)
        time.sleep(getattr(fake, "manager_delay", 0.0))
        result, messages = "success", []
        if getattr(fake, "manager_refuses", False):
            result, messages = "failed", ["security_level does not allow this (non-local network)"]
        else:
            target = Path(fake.model_root) / task["save_path"] / task["filename"]
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with urllib.request.urlopen(task["url"], timeout=10) as src:
                    target.write_bytes(src.read())
            except OSError as exc:
                result, messages = "failed", [str(exc)]
        with state["lock"]:
            state["done"] += 1
            state["history"][task["ui_id"]] = {
                "ui_id": task["ui_id"],
                "client_id": task.get("client_id", ""),
                "kind": "install-model",
                "result": result,
                "status": {"status_str": result, "completed": True, "messages": messages},
            }
