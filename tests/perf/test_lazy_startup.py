"""Start-up stays light: QtMultimedia, requests, websocket-client, ollama/httpx and pynvml are not
imported with the GUI modules, and the media players are built only when their stage is shown,
with the take that was waiting for them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.fakes.media_files import tone_wav_bytes
from vidgen_desktop.core.project import Take

HEAVY = (
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "requests",
    "websocket",
    "ollama",
    "httpx",
    "pynvml",
    "vidgen_desktop.comfy.client",
    "vidgen_desktop.pipeline.stage_job",
)


def _run(code: str, home) -> list[str]:
    env = {**os.environ, "VIDGEN_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.split()


def test_gui_modules_import_nothing_heavy(tmp_path):
    loaded = _run(
        f"""
        import sys
        import vidgen_desktop.app
        from vidgen_desktop.ui.stages import image_panel, script_panel, video_panel, voice_panel
        print(*[m for m in {HEAVY!r} if m in sys.modules])
    """,
        tmp_path,
    )
    assert loaded == []


def test_window_start_builds_no_media_player_until_its_stage_is_shown(tmp_path):
    # the monitors import requests/ollama on their worker threads, so only Qt's media modules are
    # checked once the window is up
    words = _run(
        """
        import sys
        from vidgen_desktop.app import build_window, create_app
        app = create_app([])
        w = build_window()
        w.show()
        app.processEvents()
        voice = next(p for p in w.panels if p.key == "voice")
        video = next(p for p in w.panels if p.key == "video")
        print("start", "PySide6.QtMultimedia" in sys.modules, voice.output.created, video.output.created)
        w.show_stage(w.panels.index(voice))
        app.processEvents()
        print("voice", "PySide6.QtMultimedia" in sys.modules, voice.output.created, video.output.created)
        w.close()  # stops the panels' jobs and the status monitors
        w.context.close()
    """,
        tmp_path,
    )
    assert words == ["start", "False", "False", "False", "voice", "True", "True", "False"]


def test_take_chosen_before_first_show_loads_when_the_stage_opens(qtbot, tmp_path):
    from vidgen_desktop.app import build_window

    win = build_window()
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    try:
        voice = next(p for p in win.panels if p.key == "voice")
        project = win.context.project
        path = project.unique_path("voice", "speech.wav")
        path.write_bytes(tone_wav_bytes(2.0))
        project.add_take(
            Take(stage="voice", file=project.relative(path), kind="audio", duration_s=2.0)
        )
        win.context.notify_takes("voice")
        assert not voice.output.created  # the take waits for the player
        win.show_stage(win.panels.index(voice))
        assert voice.output.created
        qtbot.waitUntil(lambda: voice.player.duration_s > 0, timeout=10000)
        assert voice.player.path == path
        assert voice.player.time_label.text() == "0:00 / 0:02"
        assert voice.player.play_button.isEnabled()
        assert voice.player.isVisibleTo(voice)
    finally:
        for p in win.panels:
            p.shutdown()
        win.close()
        win.context.close()
        win.deleteLater()
        qtbot.wait(10)
