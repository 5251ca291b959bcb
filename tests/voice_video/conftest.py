"""Fixtures for the Voice and Video stages: a fake ComfyUI that has our workflows' nodes and models
(recorded 0.25 /object_info, stocked), a fake Ollama, real media files for the fakes to serve, and
the real main window pointed at both.

The two fakes observe the GPU hand-off themselves: the ComfyUI fake notes what Ollama still holds
when a prompt is queued, the Ollama fake notes whether /free reached ComfyUI before a chat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fake_comfy import FakeComfy, FakeOutput
from tests.fakes.fake_ollama import FakeOllama, Reply
from tests.fakes.media_files import dead_loopback_url, make_test_mp4, tone_wav_bytes
from tests.fakes.stocked import stocked_object_info
from tests.fakes.watching_ollama import WatchingOllama

SCENE = {
    "audio": {
        "lyrics": "The lamp is lit. One more night, and the sea is calm.",
        "tags": ["calm", "warm", "male voice"],
    },
    "image": {
        "positive_prompt": "an old lighthouse keeper, portrait, soft light",
        "negative_prompt": "blurry",
    },
    "video": {
        "positive_prompt": "he speaks calmly, slight head movement",
        "negative_prompt": "distorted face",
    },
}


def wav_bytes(seconds: float, rate: int = 16000) -> bytes:
    """A mono 16-bit tone that swells, so the waveform has a visible shape."""
    return tone_wav_bytes(seconds, rate, peak=20000, floor=0.3)


class StockedComfy(FakeComfy):
    """FakeComfy serving stocked /object_info, noting Ollama's state whenever a prompt is queued."""

    def __init__(self, *args: Any, ollama: FakeOllama | None = None, **kw: Any) -> None:
        self.ollama = ollama
        self.queued_while_ollama_held: list[list[str]] = []
        self.audio_seconds = 2.5
        self.video_file: Path | None = None  # set by the fixture: an MP4 made for this session
        super().__init__(*args, **kw)
        self.object_info = stocked_object_info("0.25")  # FakeComfy's knob (its __init__ resets it)

    def submit(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.ollama is not None:
            self.queued_while_ollama_held.append([m["model"] for m in self.ollama.state.loaded])
        return super().submit(body)

    def _make_outputs(self, nid: str, node: dict[str, Any]) -> dict[str, Any]:
        """What each Save node really writes: audio under `audio`, video under `images` + animated."""
        ctype = str(node.get("class_type", ""))
        n = len(self.files) + 1
        if ctype.startswith("SaveAudio"):
            spec = FakeOutput(
                f"voice_{n:05d}_.wav", key="audio", data=wav_bytes(self.audio_seconds)
            )
        elif ctype == "SaveVideo":
            assert self.video_file is not None, "set video_file to an MP4 (see the fixtures)"
            spec = FakeOutput(
                f"talking_{n:05d}_.mp4",
                key="images",
                data=self.video_file.read_bytes(),
                animated=True,
            )
        else:
            return super()._make_outputs(nid, node)
        self.files[("output", spec.subfolder, spec.filename)] = spec
        ui: dict[str, Any] = {
            spec.key: [{"filename": spec.filename, "subfolder": spec.subfolder, "type": "output"}]
        }
        if spec.animated:
            ui["animated"] = [True]
        return ui


@pytest.fixture(scope="session")
def mp4_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mp4")


@pytest.fixture(scope="session")
def mp4_with_sound(qapp, mp4_dir) -> Path:
    """2 s, 160x96 at 16 fps with a 220 Hz AAC tone: what the S2V workflow's SaveVideo writes.
    Made by Qt's own encoder per test session (generated media is not kept in the repository)."""
    return make_test_mp4(
        mp4_dir / "talking_with_sound.mp4", seconds=2.0, with_audio=True, small=True
    )


@pytest.fixture(scope="session")
def mp4_mute(qapp, mp4_dir) -> Path:
    """The same picture with no audio track: a workflow that forgot the speech."""
    return make_test_mp4(mp4_dir / "talking_mute.mp4", seconds=2.0, with_audio=False, small=True)


@pytest.fixture
def fake_ollama():
    fake = WatchingOllama()
    fake.state.tokens_per_s = 0
    fake.state.default_reply = Reply(content=json.dumps(SCENE))
    yield fake
    fake.stop()


@pytest.fixture
def fake_comfy(fake_ollama, mp4_with_sound):
    fake = StockedComfy("0.25", ollama=fake_ollama)
    fake.video_file = mp4_with_sound
    fake.steps = 3
    fake_ollama.comfy = fake
    yield fake
    fake.stop()


def write_settings(home: Path, **values: Any) -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture
def scene():
    from vidgen_desktop.core.scene import Scene

    return Scene.model_validate(SCENE)


@pytest.fixture
def window(qtbot, isolated_home, fake_comfy, fake_ollama):
    """The real main window on both fakes; shut down (workers joined) at teardown."""
    from vidgen_desktop.app import build_window

    write_settings(isolated_home, ollama_url=fake_ollama.url, comfyui_url=fake_comfy.url)
    win = build_window()  # not qtbot.addWidget: pytest-qt would close it before settle() below
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    settle(qtbot, win)
    win.close()
    win.context.close()
    win.deleteLater()
    qtbot.wait(10)


def settle(qtbot, win, timeout: int = 10000) -> None:
    """Let every background task end with the event loop running. TaskRunner quits its thread via a
    queued call, so shutting down from a test without spinning the loop would wait out its timeout."""
    from vidgen_desktop.workers.runner import TaskRunner

    for panel in win.panels:
        if panel.is_busy():
            panel.stop()
    qtbot.waitUntil(
        lambda: (
            not any(r.is_running() for r in win.findChildren(TaskRunner))
            and not win.context.running_jobs()
            and not any(p.is_busy() for p in win.panels)
        ),
        timeout=timeout,
    )


def queued(fake: FakeComfy) -> list[dict[str, Any]]:
    """The graphs POSTed to /prompt, in order."""
    return [r.body["prompt"] for r in fake.requests if r.method == "POST" and r.path == "/prompt"]


def panel_of(win, key: str):
    return next(p for p in win.panels if p.key == key)


def wait_workflows(qtbot, panel, timeout: int = 10000) -> None:
    """Until the server check listed the workflows and the chosen one is usable."""
    qtbot.waitUntil(
        lambda: panel.current_workflow() is not None and not panel.checker.is_running(),
        timeout=timeout,
    )


def add_take(project, stage: str, kind: str, data: bytes, name: str, **fields: Any):
    """Put a take on disk and choose it (setup for downstream stages, not under test)."""
    from vidgen_desktop.core.project import Take

    path = project.unique_path(stage, name)
    path.write_bytes(data)
    return project.add_take(Take(stage=stage, file=project.relative(path), kind=kind, **fields))


@pytest.fixture
def dead_url() -> str:
    return dead_loopback_url()
