"""The server side of one WebSocket connection of the fake ComfyUI: framed sends (text and
binary, as ComfyUI sends them) and an abrupt drop, like a network cut."""

from __future__ import annotations

import json
import socket
import struct
import threading
from typing import Any


class WsConn:
    def __init__(self, sock: socket.socket, client_id: str) -> None:
        self.sock = sock
        self.client_id = client_id
        self.lock = threading.Lock()
        self.metadata_previews = False
        self.closed = False

    def send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack(">H", n)
        else:
            head += bytes([127]) + struct.pack(">Q", n)
        with self.lock:
            if self.closed:
                return
            try:
                self.sock.sendall(head + payload)
            except OSError:
                self.closed = True

    def send_json(self, msg: dict[str, Any]) -> None:
        self.send(0x1, json.dumps(msg).encode())

    def drop(self) -> None:
        """Close the TCP connection abruptly (no close frame), like a network drop."""
        with self.lock:
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
