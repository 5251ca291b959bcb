"""Fixtures for the Script stage: a fake Ollama on a real socket and the real main window on it."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from tests.fakes.fake_ollama import FakeOllama


@pytest.fixture
def fake_ollama():
    fake = FakeOllama()
    fake.state.tokens_per_s = 2000  # fast unless a test slows it down
    yield fake
    fake.stop()


def write_settings(home, **values) -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture
def make_window(qtbot, isolated_home, fake_ollama):
    """Build the real window pointed at the fake; wait for the first status poll (and models).

    Windows are closed here rather than by qtbot.addWidget: a test that fails mid-generation must
    not leave the quit confirmation (a modal box) waiting at teardown.
    """
    windows = []

    def build(wait_models: bool = True, **settings):
        from vidgen_desktop.app import build_window

        write_settings(isolated_home, ollama_url=fake_ollama.url, **settings)
        window = build_window()
        windows.append(window)
        window.ollama_monitor.set_interval(150)
        window.show()
        qtbot.waitExposed(window)
        panel = window.panels[0]
        qtbot.waitUntil(lambda: panel.server is not None, timeout=5000)
        if wait_models and panel.server.reachable:
            qtbot.waitUntil(
                lambda: panel.models is not None and not panel.models_runner.is_running(),
                timeout=5000,
            )
        return window, panel

    yield build
    for window in windows:
        for panel in window.panels:
            panel.stop()
        # Every monitor (ours and other stages') is drained first so closing never waits on a poll.
        for name in ("ollama_monitor", "comfy_monitor"):
            monitor = getattr(window, name, None)
            if monitor is not None:
                monitor.timer.stop()
                monitor.runner.shutdown()
        qtbot.waitUntil(lambda w=window: not any(p.is_busy() for p in w.panels), timeout=10000)
        window.close()
        window.deleteLater()


def type_topic(qtbot, panel, text: str = "a lighthouse keeper's last night") -> None:
    panel.topic.clear()
    qtbot.keyClicks(panel.topic, text)


def click_and_wait_done(qtbot, panel, button, timeout: int = 10000) -> None:
    """Click a button that starts the panel's job and wait until the job's thread has ended."""
    with qtbot.waitSignal(panel.gen_runner.done, timeout=timeout):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def generate(qtbot, panel, timeout: int = 10000) -> None:
    assert panel.generate_button.isEnabled(), panel.generate_button.toolTip()
    click_and_wait_done(qtbot, panel, panel.generate_button, timeout)
