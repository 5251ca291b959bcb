"""A model hub for download tests: one HTTP server on 127.0.0.1 serving files with Range
requests (206 + Content-Range, as Hugging Face's CDN does), the LFS SHA-256 in X-Linked-Etag,
and knobs for the trouble downloads meet: a connection cut mid-file, a server that ignores
Range, a web page instead of the file, a size the disk cannot hold."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Served:
    data: bytes
    sha256_header: bool = True
    #: close the connection after this many bytes of the body, once
    cut_after: int | None = None
    ignore_range: bool = False
    html: bool = False
    claimed_size: int | None = None  # Content-Length to announce instead of the real one
    ranges_seen: list[str] = field(default_factory=list)


class FileServer:
    def __init__(self) -> None:
        self.files: dict[str, Served] = {}
        self.requests: list[tuple[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def add(self, path: str, data: bytes, **kw: Any) -> Served:
        self.files[path] = served = Served(data, **kw)
        return served

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            server.requests.append(("GET", self.path))
            served = server.files.get(self.path.split("?")[0])
            if served is None:
                body = b"Entry not found"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if served.html:
                body = b"<!doctype html><html><body>A repository page</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            data, start = served.data, 0
            wanted = self.headers.get("Range", "")
            served.ranges_seen.append(wanted)
            if wanted.startswith("bytes=") and not served.ignore_range:
                start = int(wanted[6:].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(served.claimed_size or len(body)))
            self.send_header("Accept-Ranges", "bytes")
            if served.sha256_header:
                self.send_header("X-Linked-Etag", f'"{hashlib.sha256(data).hexdigest()}"')
            self.end_headers()
            if served.cut_after is not None and len(body) > served.cut_after:
                self.wfile.write(body[: served.cut_after])
                self.wfile.flush()
                served.cut_after = None
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

    return Handler
