"""Fixtures for the GPU / hand-off / media-widget tests: loopback fakes and generated media."""

from __future__ import annotations

import math
import socket
import struct
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gpu_media.fake_gpu_servers import FakeComfy, FakeOllama, FakeServer, RequestLog


@pytest.fixture
def request_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def serve() -> Iterator[Callable[[object], FakeServer]]:
    """Start fakes; all are shut down at teardown."""
    started: list[FakeServer] = []

    def start(app: object) -> FakeServer:
        srv = FakeServer(app).__enter__()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.__exit__(None, None, None)


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def make_ollama(request_log, serve):
    def make(**kw) -> tuple[FakeOllama, str]:
        fake = FakeOllama(request_log, **kw)
        return fake, serve(fake).url

    return make


@pytest.fixture
def make_comfy(request_log, serve):
    def make(**kw) -> tuple[FakeComfy, str]:
        fake = FakeComfy(request_log, **kw)
        return fake, serve(fake).url

    return make


def write_tone_wav(path: Path, seconds: float, rate: int = 16000, freq: float = 220.0) -> Path:
    """A mono 16-bit tone whose loudness swells, so its waveform has a visible shape."""
    n = int(seconds * rate)
    frames = bytearray()
    for i in range(n):
        env = 0.2 + 0.8 * abs(math.sin(math.pi * i / n * 3))
        frames += struct.pack("<h", int(32000 * env * math.sin(2 * math.pi * freq * i / rate)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


@pytest.fixture
def tone_wav(tmp_path) -> Path:
    return write_tone_wav(tmp_path / "take one.wav", 1.5)
