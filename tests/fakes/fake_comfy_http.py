"""HTTP routes and the WebSocket upgrade of the fake ComfyUI (see fake_comfy.py).

The WebSocket is implemented here over the same socket (RFC 6455 handshake, masked client frames,
unmasked server frames), as aiohttp does on the real server: one port for HTTP and /ws.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

from tests.fakes import fake_comfy_models, fake_manager
from tests.fakes.fake_comfy_data import load_recorded

if TYPE_CHECKING:
    from tests.fakes.fake_comfy import FakeComfy

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_FILLER = bytes(range(256)) * 4096  # 1 MiB of filler for big fake outputs


def make_handler(fake: FakeComfy) -> type[BaseHTTPRequestHandler]:
    from tests.fakes.fake_comfy import Recorded
    from tests.fakes.fake_ws import WsConn

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Python/3.11 aiohttp/3.11"

        def setup(self) -> None:
            super().setup()
            # aiohttp sets TCP_NODELAY; without it Nagle + delayed ACK add ~40 ms per reply
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            return

        # -- helpers ------------------------------------------------------------------------
        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _reply(
            self,
            status: int,
            payload: Any = None,
            *,
            ctype: str = "application/json; charset=utf-8",
        ) -> None:
            data = (
                b""
                if payload is None
                else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
            )
            self.send_response(status)
            if data:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

        def _record(self, method: str, body: Any) -> tuple[str, dict[str, list[str]]]:
            url = urlparse(self.path)
            path = (
                url.path[4:]
                if url.path.startswith("/api/") and not url.path.startswith("/api/jobs")
                else url.path
            )
            query = parse_qs(url.query)
            fake.requests.append(
                Recorded(method, path, query, body, time.monotonic(), dict(self.headers.items()))
            )
            return path, query

        # -- GET ----------------------------------------------------------------------------
        def do_GET(self) -> None:
            path, query = self._record("GET", None)
            if path == "/ws" and time.monotonic() < fake.ws_refused_until:
                return self._reply(503, b"restarting", ctype="text/plain; charset=utf-8")
            if path == "/ws":
                return self._websocket(query.get("clientId", [""])[0])
            if path == "/system_stats":
                return self._reply(200, fake.recorded("endpoints")["/system_stats"]["body"])
            if path == "/features":
                return self._reply(
                    200,
                    dict(
                        fake.recorded("endpoints")["/features"]["body"],
                        max_upload_size=fake.max_upload_size,
                    ),
                )
            if path == "/object_info":
                info = (
                    fake.object_info
                    if fake.object_info is not None
                    else fake_comfy_models.object_info_on_disk(fake)
                    if fake.model_root is not None
                    else fake.recorded("object_info")
                )
                return self._reply(200, info)
            if path == "/prompt":
                remaining = len(fake.pending) + (1 if fake.running else 0)
                return self._reply(200, {"exec_info": {"queue_remaining": remaining}})
            if path == "/queue":
                return self._reply(200, fake.queue_json())
            if path.startswith("/history/"):
                pid = path.split("/", 2)[2]
                entry = fake.history.get(pid)
                return self._reply(200, {pid: entry} if entry else {})
            if path.startswith("/api/jobs/"):
                if fake.version != "0.25":
                    return self._reply(404, b"404: Not Found", ctype="text/plain; charset=utf-8")
                job = fake.job_json(path.rsplit("/", 1)[1])
                return (
                    self._reply(200, job) if job else self._reply(404, {"error": "Job not found"})
                )
            if path == "/view":
                return self._view(query)
            if fake_manager.handle_get(self, fake, path, query):
                return None
            if fake_comfy_models.handle(self, fake, urlparse(self.path).path, path, query):
                return None
            return self._reply(404, b"404: Not Found", ctype="text/plain; charset=utf-8")

        def _view(self, query: dict[str, list[str]]) -> None:
            name = query.get("filename", [""])[0]
            sub = query.get("subfolder", [""])[0]
            kind = query.get("type", ["output"])[0]
            if fake.strict_view and (".." in name or name.startswith("/")):
                return self._reply(400)
            spec = fake.files.get((kind, sub, name))
            if spec is None:
                return self._reply(404)
            total = spec.content_length()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(total))
            self.end_headers()
            if spec.data is not None:
                self.wfile.write(spec.data)
                return None
            sent = 0
            try:
                while sent < total:
                    part = _FILLER[: min(len(_FILLER), total - sent)]
                    self.wfile.write(part)
                    sent += len(part)
            except OSError:
                pass
            return None

        # -- POST ---------------------------------------------------------------------------
        def do_POST(self) -> None:
            ctype = self.headers.get("Content-Type", "")
            if urlparse(self.path).path.endswith("/upload/image"):
                return self._upload(ctype)
            raw = self._body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            path, _ = self._record("POST", body)
            if path == "/prompt":
                status, payload = fake.submit(body if isinstance(body, dict) else {})
                return self._reply(status, payload)
            if path == "/interrupt":
                fake.interrupt(body)
                return self._reply(200)
            if path == "/queue":
                if isinstance(body, dict) and body.get("delete"):
                    fake.delete([str(x) for x in body["delete"]])
                if isinstance(body, dict) and body.get("clear"):
                    fake.delete([p[0] for p in fake.pending])
                return self._reply(200)
            if path in ("/free", "/history"):
                return self._reply(200)
            if fake_manager.handle_post(self, fake, path, body):
                return None
            return self._reply(404, b"404: Not Found", ctype="text/plain; charset=utf-8")

        def _upload(self, ctype: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > fake.max_upload_size:
                self._record("POST", {"_bytes": length})
                self.close_connection = True
                return self._reply(
                    413, b"Request Entity Too Large", ctype="text/plain; charset=utf-8"
                )
            raw = self.rfile.read(length)
            fields = _multipart(raw, ctype)
            self._record(
                "POST",
                {k: (v[0], len(v[1])) if isinstance(v, tuple) else v for k, v in fields.items()},
            )
            part = fields.get("image")
            if not isinstance(part, tuple):
                return self._reply(400)
            name = part[0]
            if (
                name in fake.uploads
                and fake.uploads[name] != part[1]
                and fields.get("overwrite") not in ("true", "1")
            ):
                stem, dot, ext = name.rpartition(".")
                name = f"{stem} (1).{ext}" if dot else f"{name} (1)"
            fake.uploads[name] = part[1]
            return self._reply(
                200, {"name": name, "subfolder": fields.get("subfolder", ""), "type": "input"}
            )

        # -- WebSocket ------------------------------------------------------------------------
        def _websocket(self, client_id: str) -> None:
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
            self.send_response(101, "Switching Protocols")
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            sock: socket.socket = self.connection
            conn = WsConn(sock, client_id or "anonymous")
            old = fake.conns.get(conn.client_id)
            if old is not None:
                old.drop()
            fake.conns[conn.client_id] = conn
            fake.ws_connects += 1
            remaining = len(fake.pending) + (1 if fake.running else 0)
            conn.send_json(
                {
                    "type": "status",
                    "data": {
                        "status": {"exec_info": {"queue_remaining": remaining}},
                        "sid": conn.client_id,
                    },
                }
            )
            if fake.running:  # like the real server: re-send the current node on reconnect
                node = fake.current_node
                conn.send_json(
                    {
                        "type": "executing",
                        "data": {"node": node, "display_node": node, "prompt_id": fake.running},
                    }
                )
            first = True
            while not conn.closed:
                try:  # blocking read: drop()/stop() shut the socket down, which ends it
                    frame = _read_frame(self.rfile)
                except (OSError, ValueError):
                    break
                if frame is None:
                    break
                opcode, payload = frame
                if opcode == 0x8:
                    conn.send(0x8, payload[:2])
                    break
                if opcode == 0x9:
                    conn.send(0xA, payload)
                elif opcode == 0x1 and first:
                    first = False
                    msg = json.loads(payload or b"{}")
                    if msg.get("type") == "feature_flags" and fake.supports_preview_metadata:
                        conn.metadata_previews = bool(
                            (msg.get("data") or {}).get("supports_preview_metadata")
                        )
                        flags = load_recorded(fake.tdir, "ws_connect")["ws"][1]["msg"]
                        conn.send_json(flags)
            conn.closed = True
            if fake.conns.get(conn.client_id) is conn:
                del fake.conns[conn.client_id]
            return None

    return Handler


def _read_exact(rfile: Any, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = rfile.read(n - len(data))
        if not chunk:
            raise OSError("eof")
        data += chunk
    return data


def _read_frame(rfile: Any) -> tuple[int, bytes] | None:
    head = rfile.read(2)
    if not head:
        return None
    if len(head) < 2:
        head += _read_exact(rfile, 1)
    opcode, n = head[0] & 0x0F, head[1] & 0x7F
    masked = bool(head[1] & 0x80)
    if n == 126:
        (n,) = struct.unpack(">H", _read_exact(rfile, 2))
    elif n == 127:
        (n,) = struct.unpack(">Q", _read_exact(rfile, 8))
    mask = _read_exact(rfile, 4) if masked else b"\0\0\0\0"
    payload = bytearray(_read_exact(rfile, n))
    for i in range(len(payload)):
        payload[i] ^= mask[i % 4]
    return opcode, bytes(payload)


def _multipart(raw: bytes, ctype: str) -> dict[str, Any]:
    """Minimal multipart/form-data parser: text fields as str, file parts as (filename, bytes)."""
    if "boundary=" not in ctype:
        return {}
    boundary = ctype.split("boundary=", 1)[1].strip('"').encode()
    out: dict[str, Any] = {}
    for part in raw.split(b"--" + boundary):
        if b"\r\n\r\n" not in part:
            continue
        head, _, content = part.partition(b"\r\n\r\n")
        content = content[:-2] if content.endswith(b"\r\n") else content
        disp = head.decode("utf-8", "replace")
        name = disp.split('name="', 1)[1].split('"', 1)[0] if 'name="' in disp else ""
        if 'filename="' in disp:
            out[name] = (disp.split('filename="', 1)[1].split('"', 1)[0], content)
        else:
            out[name] = content.decode("utf-8", "replace")
    return out
