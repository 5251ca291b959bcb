"""Fixtures for the Image stage: a fake ComfyUI (stocked with our workflows' models unless a test
says otherwise), the real main window pointed at it with a scene, and helpers to drive the panel."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tests.fakes.fake_comfy import FakeComfy
from tests.fakes.stocked import recorded_object_info, stocked_object_info
from vidgen_desktop.core.scene import AudioPart, PromptPair, Scene

IMAGE_STAGE = 2  # Script, Voice, Image, Video


def make_scene(
    positive: str = "a lighthouse at dusk, warm light in the window",
    negative: str = "blurry, text, watermark",
) -> Scene:
    return Scene(
        audio=AudioPart(lyrics="The light keeps turning", tags=["calm", "piano"]),
        video=PromptPair(positive_prompt="slow push-in on the keeper", negative_prompt="jitter"),
        image=PromptPair(positive_prompt=positive, negative_prompt=negative),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(home, **values) -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    """A modal question (e.g. "Quit while working?") would block an offscreen test forever:
    fail loudly instead."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected modal question: {args[1:3]}")

    monkeypatch.setattr(QMessageBox, "question", staticmethod(refuse))


@pytest.fixture
def comfy() -> Iterator[FakeComfy]:
    fake = FakeComfy("0.25")
    fake.object_info = stocked_object_info("0.25")
    fake.steps = 3
    yield fake
    fake.hold.clear()
    fake.stop()


@pytest.fixture
def unstocked_comfy() -> Iterator[FakeComfy]:
    fake = FakeComfy("0.25")
    fake.object_info = recorded_object_info("0.25")
    yield fake
    fake.stop()


def wait_checked(qtbot, panel, timeout: int = 8000) -> None:
    """Until the panel has asked the server which workflows it can run."""
    qtbot.waitUntil(
        lambda: panel.workflow_combo.isEnabled() and not panel.checker.is_running(), timeout=timeout
    )


@pytest.fixture
def make_window(qtbot, isolated_home):
    """The real main window (app.build_window) on the Image stage, servers given as URLs."""
    windows = []

    def build(comfy_url: str, *, scene: Scene | None = None, wait: bool = True, **settings):
        from vidgen_desktop.app import build_window

        settings.setdefault("ollama_url", f"http://127.0.0.1:{free_port()}")
        settings.setdefault("gpu_handoff", False)
        write_settings(isolated_home, comfyui_url=comfy_url, **settings)
        window = build_window()
        qtbot.addWidget(window)
        windows.append(window)
        window.comfy_monitor.set_interval(200)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        window.show_stage(IMAGE_STAGE)
        panel = window.panels[IMAGE_STAGE]
        if scene is not None:
            window.context.set_scene(scene)
        if wait:
            wait_checked(qtbot, panel)
        return window, panel

    yield build
    for window in windows:
        window.comfy_monitor.shutdown()
        window.ollama_monitor.shutdown()
        for panel in window.panels:
            panel.shutdown()
        for panel in window.panels:  # shut down above; a runner may not have said "done" yet
            panel.is_busy = lambda: False
        window.close()  # saves settings through the context's writer, which stays open for qtbot
        window.context.writer.flush()


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def generate_and_wait(qtbot, panel, timeout: int = 10000) -> None:
    """Click Generate and wait until the job's thread has ended (any outcome)."""
    with qtbot.waitSignal(panel.runner.done, timeout=timeout):
        click(qtbot, panel.generate_button)


def generate_until_shown(qtbot, panel, timeout: int = 10000) -> None:
    """Click Generate, wait for the take's image on screen and for the job's thread to end."""
    with qtbot.waitSignal(panel.image_shown, timeout=timeout):
        click(qtbot, panel.generate_button)
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=timeout)
