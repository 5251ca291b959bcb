"""Pulling and deleting Ollama models from the app: `/api/pull`'s stream with each layer's
progress, a name the registry lacks, cancel mid-pull, delete — against the fake speaking the
recorded NDJSON over a real socket."""

from __future__ import annotations

import threading

import pytest

from tests.fakes.fake_ollama import FakeOllama
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, ModelNotFound, ServerError
from vidgen_desktop.ollama_client.service import OllamaService


@pytest.fixture
def ollama():
    fake = FakeOllama()
    yield fake
    fake.stop()


def test_a_pull_reports_each_layer_and_the_model_is_then_installed(ollama):
    service = OllamaService(ollama.url)
    seen = []
    service.pull("llama3.2", CancelToken(), seen.append)
    statuses = [p.status for p in seen]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    big = [p for p in seen if p.total == 2019377376]
    assert [p.completed for p in big] == [0, 52428800, 1073741824, 2019377376]
    assert big[-1].fraction == 1.0 and big[-1].digest.startswith("sha256:dde5aa3f")
    assert any(p.speed_bps > 0 for p in big)
    assert "llama3.2" in [m.name for m in service.list_models()]


def test_a_name_the_registry_lacks_is_a_readable_error(ollama):
    ollama.state.pull_missing = {"llama9000"}
    with pytest.raises(ServerError) as info:
        OllamaService(ollama.url).pull("llama9000", CancelToken(), lambda p: None)
    assert "could not download llama9000: pull model manifest: file does not exist" in (
        info.value.message
    )


def test_cancel_stops_a_pull_and_the_server_sees_the_hang_up(ollama):
    ollama.state.pull_delay = 0.3
    token = CancelToken()
    seen = []

    def on_progress(p):
        seen.append(p)
        if len(seen) == 2:
            threading.Timer(0.05, token.cancel).start()

    with pytest.raises(Cancelled):
        OllamaService(ollama.url).pull("llama3.2", token, on_progress)
    assert len(seen) < 5
    assert "llama3.2" not in [m["model"] for m in ollama.state.models]


def test_delete_removes_a_model_and_an_unknown_one_is_not_found(ollama):
    service = OllamaService(ollama.url)
    name = service.list_models()[0].name
    service.delete(name)
    assert name not in [m.name for m in service.list_models()]
    with pytest.raises(ModelNotFound):
        service.delete("never-installed")
