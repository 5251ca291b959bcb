"""The Ollama service over a real socket: listing, ps, version, unload, errors → typed errors."""

from __future__ import annotations

import threading

import pytest

from tests.fakes.fake_ollama import Reply, scene_text
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, ModelNotFound, ServerError, ServerUnavailable
from vidgen_desktop.ollama_client.models import GenerationOptions
from vidgen_desktop.ollama_client.service import OllamaService


def test_list_ps_version(fake_ollama):
    service = OllamaService(fake_ollama.url)
    models = service.list_models()
    assert [m.name for m in models] == ["llama3.2:latest", "qwen3:8b", "nomic-embed-text:latest"]
    assert models[0].parameter_size == "3.2B" and models[0].size_bytes == 2019393189
    assert service.version() == "0.32.15"
    assert service.loaded_models() == []
    status = service.status()
    assert status.reachable and status.version == "0.32.15"


def test_unload_sends_keep_alive_zero_at_top_level(fake_ollama):
    service = OllamaService(fake_ollama.url)
    service.stream_chat(
        "llama3.2",
        [{"role": "user", "content": "hi"}],
        GenerationOptions(),
        CancelToken(),
        lambda _t: None,
    )
    assert service.loaded_models()[0].size_vram == 3566287360
    service.unload("llama3.2")
    body = fake_ollama.requests_to("/api/generate")[-1]
    assert body["keep_alive"] == 0 and "options" not in body and body["model"] == "llama3.2"
    assert service.loaded_models() == []


def test_errors_are_typed(fake_ollama):
    service = OllamaService(fake_ollama.url)
    with pytest.raises(ModelNotFound):
        service.unload("missing")
    fake_ollama.script_reply(
        Reply(http_error=(500, 'option "temperature" must be of type float32'))
    )
    with pytest.raises(ServerError, match="float32"):
        service.stream_chat("llama3.2", [], GenerationOptions(), CancelToken(), lambda _t: None)
    fake_ollama.script_reply(Reply(http_error=(503, "server busy, please try again.")))
    with pytest.raises(ServerError, match="busy"):
        service.stream_chat("llama3.2", [], GenerationOptions(), CancelToken(), lambda _t: None)
    fake_ollama.stop()
    with pytest.raises(ServerUnavailable):
        service.list_models()
    with pytest.raises(ServerUnavailable):
        service.stream_chat("llama3.2", [], GenerationOptions(), CancelToken(), lambda _t: None)
    assert not service.status().reachable


def test_cancel_closes_the_stream_even_while_the_server_is_silent(fake_ollama):
    service = OllamaService(fake_ollama.url)
    fake_ollama.script_reply(Reply(content=scene_text(), hold_after=0))
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    with pytest.raises(Cancelled):
        service.stream_chat("llama3.2", [], GenerationOptions(), token, lambda _t: None)
    timer.join()
