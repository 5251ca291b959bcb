"""Projects through the real window: a fake Ollama and a fake ComfyUI (real sockets), and a way to
close the window and open the app again, as a user quitting and coming back would."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.voice_video import conftest as stage_fixtures
from tests.voice_video.conftest import settle, write_settings

# the Voice/Video stage fixtures (fakes on real sockets, a scene, a session MP4), shared here
fake_comfy = stage_fixtures.fake_comfy
fake_ollama = stage_fixtures.fake_ollama
mp4_dir = stage_fixtures.mp4_dir
mp4_with_sound = stage_fixtures.mp4_with_sound
scene = stage_fixtures.scene


@pytest.fixture
def app_window(qtbot, isolated_home, fake_comfy, fake_ollama) -> Callable:
    """open_app(project=None) builds the window as `vidgen-desktop [DIR]` would; every window is
    closed the way a user closes it (which saves), and its context flushed, at teardown."""
    windows = []

    def open_app(project=None, settings: dict | None = None):
        from vidgen_desktop.app import build_window

        if settings is not None or not (isolated_home / "config" / "settings.json").exists():
            write_settings(
                isolated_home,
                ollama_url=fake_ollama.url,
                comfyui_url=fake_comfy.url,
                **(settings or {}),
            )
        win = build_window(project_path=project)
        windows.append(win)
        win.resize(1280, 800)
        win.show()
        qtbot.waitExposed(win)
        return win

    yield open_app
    for win in windows:
        quit_app(qtbot, win)


def quit_app(qtbot, win) -> None:
    """What File › Quit does: finish background work, close (saves everything), flush to disk."""
    if getattr(win, "_quit_done", False):
        return
    settle(qtbot, win)
    win.close()
    win.context.close()
    win._quit_done = True
    win.deleteLater()
    qtbot.wait(10)
