"""Fixtures for the several-servers and batch tests: a fake Ollama that writes the recorded
scene, and N stocked fake ComfyUI servers (made on demand, stopped at teardown)."""

from __future__ import annotations

import json

import pytest

from tests.fakes.fake_ollama import FakeOllama, Reply
from tests.voice_video.conftest import SCENE, StockedComfy


@pytest.fixture
def ollama():
    fake = FakeOllama()
    fake.state.default_reply = Reply(content=json.dumps(SCENE))
    yield fake
    fake.stop()


@pytest.fixture
def servers():
    made: list[StockedComfy] = []

    def make(n: int) -> list[StockedComfy]:
        for _ in range(n):
            fake = StockedComfy("0.25")
            fake.steps = 1
            made.append(fake)
        return made

    yield make
    for fake in made:
        fake.hold.clear()
        fake.stop()
