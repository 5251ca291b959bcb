"""WebSocket frames → typed events. Text frames are JSON {type, data}; binary frames start with a
big-endian uint32 event type (1 = preview image, 3 = node text, 4 = preview with JSON metadata).

Unknown message types become `OtherEvent` (newer servers add types; we must not crash on them).
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

PREVIEW_IMAGE = 1
TEXT = 3
PREVIEW_IMAGE_WITH_METADATA = 4
_IMAGE_FORMATS = {1: "image/jpeg", 2: "image/png"}


@dataclass(frozen=True)
class Event:
    type: str
    prompt_id: str | None = None


@dataclass(frozen=True)
class StatusEvent(Event):
    queue_remaining: int = 0
    sid: str | None = None


@dataclass(frozen=True)
class ExecutionStart(Event):
    pass


@dataclass(frozen=True)
class ExecutionCached(Event):
    nodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Executing(Event):
    #: None = the prompt is fully done and its history is written
    node: str | None = None


@dataclass(frozen=True)
class ProgressEvent(Event):
    node: str | None = None
    value: float = 0
    max: float = 1


@dataclass(frozen=True)
class ProgressState(Event):
    #: node id -> {"value", "max", "state"}; finished/running/error only (pending omitted)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Executed(Event):
    node: str = ""
    output: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionSuccess(Event):
    pass


@dataclass(frozen=True)
class ExecutionError(Event):
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionInterrupted(Event):
    node_id: str = ""


@dataclass(frozen=True)
class FeatureFlags(Event):
    flags: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview(Event):
    """A live preview image; prompt_id/node are only known with metadata (event type 4)."""

    image: bytes = b""
    mime: str = "image/jpeg"
    node: str | None = None


@dataclass(frozen=True)
class NodeText(Event):
    node: str = ""
    text: str = ""


@dataclass(frozen=True)
class OtherEvent(Event):
    data: Any = None


def parse_text(raw: str | bytes) -> Event:
    """Parse one text frame. Malformed JSON gives OtherEvent(type='invalid')."""
    try:
        msg = json.loads(raw)
        kind = str(msg.get("type", ""))
        data = msg.get("data") or {}
        if not isinstance(data, dict):
            return OtherEvent(kind, data=data)
    except (ValueError, AttributeError):
        log.warning("ignoring malformed websocket text frame: %r", raw[:200])
        return OtherEvent("invalid", data=raw)
    pid = data.get("prompt_id")
    pid = str(pid) if pid is not None else None
    if kind == "status":
        info = (data.get("status") or {}).get("exec_info") or {}
        return StatusEvent(kind, None, int(info.get("queue_remaining", 0) or 0), data.get("sid"))
    if kind == "execution_start":
        return ExecutionStart(kind, pid)
    if kind == "execution_cached":
        return ExecutionCached(kind, pid, tuple(str(n) for n in data.get("nodes") or ()))
    if kind == "executing":
        node = data.get("node")
        return Executing(kind, pid, None if node is None else str(node))
    if kind == "progress":
        node = data.get("node")
        return ProgressEvent(
            kind,
            pid,
            None if node is None else str(node),
            float(data.get("value", 0)),
            float(data.get("max", 1) or 1),
        )
    if kind == "progress_state":
        return ProgressState(kind, pid, dict(data.get("nodes") or {}))
    if kind == "executed":
        return Executed(kind, pid, str(data.get("node", "")), dict(data.get("output") or {}))
    if kind == "execution_success":
        return ExecutionSuccess(kind, pid)
    if kind == "execution_error":
        return ExecutionError(kind, pid, dict(data))
    if kind == "execution_interrupted":
        return ExecutionInterrupted(kind, pid, str(data.get("node_id", "")))
    if kind == "feature_flags":
        return FeatureFlags(kind, None, dict(data))
    return OtherEvent(kind, pid, data)


def parse_binary(raw: bytes) -> Event:
    """Parse one binary frame (see module doc). Truncated frames give OtherEvent('invalid_binary')."""
    try:
        (event_type,) = struct.unpack_from(">I", raw, 0)
        if event_type == PREVIEW_IMAGE:
            (fmt,) = struct.unpack_from(">I", raw, 4)
            return Preview("preview", None, bytes(raw[8:]), _IMAGE_FORMATS.get(fmt, "image/jpeg"))
        if event_type == PREVIEW_IMAGE_WITH_METADATA:
            (meta_len,) = struct.unpack_from(">I", raw, 4)
            meta = json.loads(raw[8 : 8 + meta_len])
            image = bytes(raw[8 + meta_len :])
            node = meta.get("display_node_id") or meta.get("node_id")
            return Preview(
                "preview",
                meta.get("prompt_id"),
                image,
                str(meta.get("image_type") or "image/jpeg"),
                None if node is None else str(node),
            )
        if event_type == TEXT:
            (id_len,) = struct.unpack_from(">I", raw, 4)
            node = raw[8 : 8 + id_len].decode("utf-8", "replace")
            return NodeText("text", None, node, raw[8 + id_len :].decode("utf-8", "replace"))
        return OtherEvent(f"binary_{event_type}", data=bytes(raw[4:]))
    except (struct.error, ValueError):
        log.warning("ignoring malformed binary websocket frame (%d bytes)", len(raw))
        return OtherEvent("invalid_binary", data=bytes(raw))


def encode_preview(image: bytes, *, fmt: int = 1, metadata: dict[str, Any] | None = None) -> bytes:
    """Build a binary preview frame exactly as the server does (used by the fake server and tests)."""
    if metadata is None:
        return struct.pack(">II", PREVIEW_IMAGE, fmt) + image
    meta = json.dumps(metadata).encode()
    return struct.pack(">II", PREVIEW_IMAGE_WITH_METADATA, len(meta)) + meta + image
