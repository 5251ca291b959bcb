"""Screenshots of the Voice and Video stages against the test fakes: Voice with a take and its
waveform, Video while rendering and with the finished MP4, at 1280x800 and 1920x1080.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/voice_video/make_screenshots.py [OUT_DIR]

QVideoWidget renders natively, so grab() leaves it blank offscreen; the frame the widget's own
video sink holds is painted into its rectangle (what a real screen shows there).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HOME = Path(tempfile.mkdtemp(prefix="vidgen-shots-"))
os.environ["VIDGEN_HOME"] = str(HOME)

from PySide6.QtCore import QEventLoop, QPoint, QRect, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter, QRadialGradient  # noqa: E402

from tests.fakes.fake_ollama import Reply  # noqa: E402
from tests.fakes.media_files import make_test_mp4  # noqa: E402
from tests.voice_video.conftest import SCENE, StockedComfy, WatchingOllama, add_take, write_settings  # noqa: E402
from vidgen_desktop.app import build_window, create_app  # noqa: E402
from vidgen_desktop.core.scene import Scene  # noqa: E402


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def until(cond: Callable[[], bool], ms: int = 20000) -> None:
    start = time.monotonic()
    while not cond() and time.monotonic() - start < ms / 1000:
        spin(30)
    if not cond():
        raise TimeoutError("the window never got there")


def portrait_png(path: Path) -> bytes:
    img = QImage(480, 832, QImage.Format.Format_RGB32)
    img.fill(QColor(30, 40, 60))
    p = QPainter(img)
    glow = QRadialGradient(240, 330, 200)
    glow.setColorAt(0, QColor(230, 190, 160))
    glow.setColorAt(1, QColor(30, 40, 60))
    p.setBrush(glow)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(90, 160, 300, 360)
    p.end()
    img.save(str(path))
    return path.read_bytes()


def grab_with_frame(win, video, path: str) -> None:  # noqa: ANN001 - MainWindow, VideoPanel
    shot = win.grab()
    surface = video.player.video
    frame = surface.videoSink().videoFrame().toImage()
    if not frame.isNull():
        top_left = surface.mapTo(win, QPoint(0, 0))
        scaled = frame.scaled(surface.size(), Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
        p = QPainter(shot)
        p.fillRect(QRect(top_left, surface.size()), QColor(0, 0, 0))
        p.drawImage(top_left.x() + (surface.width() - scaled.width()) // 2,
                    top_left.y() + (surface.height() - scaled.height()) // 2, scaled)
        p.end()
    shot.save(path)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shots/voice_video")
    out.mkdir(parents=True, exist_ok=True)
    create_app([])
    ollama = WatchingOllama()
    ollama.state.default_reply = Reply(content=json.dumps(SCENE))
    comfy = StockedComfy("0.25", ollama=ollama)
    comfy.video_file = make_test_mp4(HOME / "talking.mp4", seconds=2.0, with_audio=True, small=True)
    comfy.audio_seconds, comfy.step_delay = 4.6, 0.02
    write_settings(HOME, ollama_url=ollama.url, comfyui_url=comfy.url)
    win = build_window()
    win.resize(1280, 800)
    win.show()
    ctx = win.context
    ctx.set_scene(Scene.model_validate(SCENE))
    voice, video = win.panels[1], win.panels[3]
    try:
        win.show_stage(1)
        until(lambda: voice.current_workflow() is not None and not voice.checker.is_running())
        until(lambda: voice.speaker.count() > 1)
        voice.seconds.setValue(5.0)
        voice.generate()
        until(lambda: not voice.runner.is_running())
        until(lambda: len(voice.player.waveform.peaks) > 0)
        for w, h in ((1280, 800), (1920, 1080)):
            win.resize(w, h)
            spin(400)
            win.grab().save(str(out / f"voice_{w}x{h}.png"))
        add_take(ctx.project, "image", "image", portrait_png(HOME / "portrait.png"), "portrait.png",
                 width=480, height=832)
        ctx.notify_takes("image")
        win.show_stage(3)
        until(lambda: video.current_workflow() is not None and not video.checker.is_running())
        comfy.steps, comfy.step_delay = 20, 0.15
        win.resize(1280, 800)
        video.generate()
        until(lambda: video.progress_label.text().startswith("Chunk 1/1 · step 2"))
        win.grab().save(str(out / "video_running_1280x800.png"))
        until(lambda: not video.runner.is_running(), 30000)
        until(lambda: video.player.duration_s > 0)
        video.player.play()
        spin(900)
        video.player.pause()
        for w, h in ((1280, 800), (1920, 1080)):
            win.resize(w, h)
            spin(500)
            grab_with_frame(win, video, str(out / f"video_{w}x{h}.png"))
    finally:
        for panel in win.panels:
            if panel.is_busy():
                panel.stop()
        spin(300)
        win.close()
        comfy.stop()
        ollama.stop()
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))  # noqa: T201 - a developer script
    return 0


if __name__ == "__main__":
    sys.exit(main())
