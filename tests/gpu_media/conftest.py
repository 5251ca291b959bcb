"""Fixtures for the GPU / hand-off / media-widget tests: loopback fakes and generated media
(the media makers live in tests/fakes/media_files.py, shared with the Voice/Video tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes.media_files import dead_loopback_url, write_tone_wav
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
    return dead_loopback_url()


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


@pytest.fixture
def tone_wav(tmp_path) -> Path:
    return write_tone_wav(tmp_path / "take one.wav", 1.5)


@pytest.fixture
def keep(qtbot):
    """Hold widgets strongly until teardown, then shutdown() (waits for their worker threads) and
    close them. qtbot.addWidget keeps only a weak reference, so a widget whose test returned could be
    deleted with a worker still running ("QThread: Destroyed while thread is still running")."""
    held: list = []

    def hold(widget):
        held.append(widget)
        return widget

    yield hold
    for w in held:
        w.shutdown()
        w.close()
        w.deleteLater()
    qtbot.wait(10)
