"""A fake Ollama for the Set-up tests (the window and `vidgen doctor` both look at it)."""

from __future__ import annotations

import pytest

from tests.fakes.fake_ollama import FakeOllama


@pytest.fixture
def fake_ollama():
    fake = FakeOllama()
    yield fake
    fake.stop()


@pytest.fixture
def ollama(fake_ollama):
    return fake_ollama
