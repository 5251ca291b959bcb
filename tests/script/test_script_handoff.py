"""Before Ollama generates, ComfyUI is asked to free its GPU memory (and only when the setting is on)."""

from __future__ import annotations

import json

import pytest

from tests.fakes.fake_comfy import FakeComfy
from tests.fakes.fake_ollama import Reply, scene_text
from tests.fakes.watching_ollama import WatchingOllama
from tests.script.conftest import generate, type_topic


@pytest.fixture
def fake_ollama():
    fake = WatchingOllama()
    fake.state.tokens_per_s = 2000
    fake.state.default_reply = Reply(content=scene_text())
    yield fake
    fake.stop()


@pytest.fixture
def fake_comfy(fake_ollama):
    fake = FakeComfy("0.25")
    fake_ollama.comfy = fake
    yield fake
    fake.stop()


def test_comfyui_frees_memory_before_the_scene_is_generated(
    qtbot, make_window, fake_ollama, fake_comfy
):
    window, panel = make_window(comfyui_url=fake_comfy.url, gpu_handoff=True)
    type_topic(qtbot, panel)
    generate(qtbot, panel)
    assert fake_ollama.free_seen_at_chat == [True]
    assert fake_comfy.bodies("/free")[0] == {"unload_models": True, "free_memory": True}
    assert panel.editor.values()[("audio", "lyrics")]


def test_no_free_request_when_the_hand_off_is_off(qtbot, make_window, fake_ollama, fake_comfy):
    window, panel = make_window(comfyui_url=fake_comfy.url, gpu_handoff=False)
    type_topic(qtbot, panel)
    generate(qtbot, panel)
    assert fake_ollama.free_seen_at_chat == [False]
    assert "/free" not in fake_comfy.paths("POST")


def test_cli_frees_comfyui_first_and_can_skip_it(fake_ollama, fake_comfy, capsys):
    from vidgen_desktop.cli.main import main

    rc = main(
        [
            "script",
            "--topic",
            "a fox",
            "--model",
            "llama3.2",
            "--ollama",
            fake_ollama.url,
            "--comfyui",
            fake_comfy.url,
        ]
    )
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["audio"]["lyrics"]
    assert fake_ollama.free_seen_at_chat == [True]
    rc = main(
        [
            "script",
            "--topic",
            "a fox",
            "--model",
            "llama3.2",
            "--ollama",
            fake_ollama.url,
            "--comfyui",
            fake_comfy.url,
            "--no-handoff",
        ]
    )
    assert rc == 0
    assert len(fake_ollama.chat_requests()) == 2
    assert len(fake_comfy.bodies("/free")) == 1  # the second run skipped the hand-off
