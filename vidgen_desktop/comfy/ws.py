"""One long-lived WebSocket to ComfyUI (`/ws?clientId=`), read with short timeouts.

Short receive timeouts let the job loop notice a CancelToken within ~0.2 s. A dropped socket is
reported as `SocketDropped`; `reconnect()` closes the old socket first (ComfyUI #16010: a lingering
old handler can swallow the new socket's messages) and retries with exponential backoff.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from typing import TYPE_CHECKING

from vidgen_desktop.comfy.events import Event, StatusEvent, parse_binary, parse_text
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import ServerUnavailable

if TYPE_CHECKING:
    import websocket

log = logging.getLogger(__name__)


class SocketDropped(Exception):
    """The WebSocket closed or broke; the caller reconnects and reconciles."""


class EventSocket:
    def __init__(
        self,
        ws_url: str,
        *,
        connect_timeout: float = 5.0,
        recv_timeout: float = 0.2,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.ws_url = ws_url
        self.headers = dict(headers or {})
        self.connect_timeout = connect_timeout
        self.recv_timeout = recv_timeout
        self._ws: websocket.WebSocket | None = None
        self._pending: deque[Event] = deque()
        #: how many times this socket has (re)connected; tests and logs use it
        self.connects = 0

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._ws.connected

    def connect(self) -> None:
        """Open the socket and ask for previews with metadata (binary type 4, carries prompt_id)."""
        import websocket  # on the job's worker thread, never at GUI start

        self.close()
        try:
            ws = websocket.create_connection(
                self.ws_url,
                timeout=self.connect_timeout,
                enable_multithread=True,
                header=[f"{k}: {v}" for k, v in self.headers.items()],
            )
        except (OSError, websocket.WebSocketException) as exc:
            raise ServerUnavailable(
                f"Cannot open the ComfyUI event stream ({self.ws_url}).",
                detail=str(exc),
                hint="Is ComfyUI running? Check {comfyui_setting}.",
            ) from exc
        try:
            ws.send(
                json.dumps({"type": "feature_flags", "data": {"supports_preview_metadata": True}})
            )
            ws.settimeout(self.recv_timeout)
        except (OSError, websocket.WebSocketException) as exc:
            ws.close()
            raise ServerUnavailable(
                "The ComfyUI event stream closed at once.", detail=str(exc)
            ) from exc
        self._ws = ws
        self._wait_for_status()
        self.connects += 1
        log.info("websocket connected (%d): %s", self.connects, self.ws_url)

    def _wait_for_status(self) -> None:
        """The server sends `status` (with our sid) once it has registered the socket; events for
        a prompt queued before that would go nowhere, so the caller may submit only after it."""
        deadline = time.monotonic() + self.connect_timeout
        while time.monotonic() < deadline:
            try:
                event = self._recv_socket()
            except SocketDropped as exc:
                raise ServerUnavailable(
                    "The ComfyUI event stream closed at once.", detail=str(exc)
                ) from exc
            if isinstance(event, StatusEvent):
                self._pending.append(event)
                return
            if event is not None:
                self._pending.append(event)
        self.close()
        raise ServerUnavailable(
            "ComfyUI accepted the event stream but never answered on it.",
            hint="Restart ComfyUI; if it persists, check a proxy between us and it.",
        )

    def reconnect(self, token: CancelToken | None = None, *, give_up_after: float = 30.0) -> None:
        """Reconnect with backoff 0.25 s → 4 s; ServerUnavailable after `give_up_after` seconds."""
        self.close()
        delay, deadline = 0.25, time.monotonic() + give_up_after
        while True:
            if token is not None:
                token.raise_if_cancelled()
            try:
                self.connect()
                return
            except ServerUnavailable:
                if time.monotonic() + delay > deadline:
                    raise
            log.info("websocket reconnect in %.2f s", delay)
            if token is not None:
                token.wait(delay)
            else:
                time.sleep(delay)
            delay = min(delay * 2, 4.0)

    def recv(self) -> Event | None:
        """Next event, or None if nothing arrived within recv_timeout. Raises SocketDropped."""
        if self._pending:
            return self._pending.popleft()
        return self._recv_socket()

    def _recv_socket(self) -> Event | None:
        import websocket

        if self._ws is None:
            raise SocketDropped("not connected")
        try:
            opcode, data = self._ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return None
        except (OSError, websocket.WebSocketException) as exc:
            self.close()
            raise SocketDropped(str(exc)) from exc
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return parse_text(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return parse_binary(data)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self.close()
            raise SocketDropped("server closed the socket")
        return None

    def close(self) -> None:
        self._pending.clear()
        ws, self._ws = self._ws, None
        if ws is not None:
            import websocket

            try:
                ws.close(timeout=0.5)
            except (OSError, websocket.WebSocketException):
                pass
