"""Grab a PNG of every stage of the main window, filled with a real project, at the window's
minimum size (1024x680), 1280x800 and 1920x1080 (offscreen).

    python scripts/screenshots.py OUT_DIR [--scale 1.5] [--empty]

The window talks to the test suite's fake Ollama and ComfyUI (the recorded wire format), so the
project has a scene, a voice take, an image take and a video take, as after a real run; --empty
shows the first start with no servers; --servers shows three ComfyUI servers (the status
segment, the Servers panel, Settings' server list, a stage's Runs on choice). --scale sets QT_SCALE_FACTOR (150 % displays).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZES = ((1024, 680), (1280, 800), (1920, 1080))


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", default="screenshots", type=Path)
    p.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR (1.5 = 150 %%)")
    p.add_argument(
        "--empty", action="store_true", help="first start, no servers, no project content"
    )
    p.add_argument(
        "--servers", action="store_true", help="three ComfyUI servers: segment, panel, settings"
    )
    return p.parse_args()


ARGS = parse()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QT_SCALE_FACTOR"] = f"{ARGS.scale:g}"
HOME = Path(tempfile.mkdtemp(prefix="vidgen-shots-"))
os.environ["VIDGEN_HOME"] = str(HOME)

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter, QRadialGradient  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from vidgen_desktop.app import build_window, create_app  # noqa: E402


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
    p.drawEllipse(90, 160, 300, 360)
    p.end()
    img.save(str(path))
    return path.read_bytes()


def grab_all(win: QWidget, out: Path, tag: str) -> list[Path]:
    saved = []
    for w, h in SIZES:
        win.resize(w, h)
        for i, panel in enumerate(win.panels):
            win.show_stage(i)
            spin(250)
            path = out / f"{tag}{i + 1}-{panel.key}-{w}x{h}.png"
            win.grab().save(str(path))
            saved.append(path)
    return saved


def filled(out: Path, tag: str) -> list[Path]:
    from tests.fakes.fake_ollama import Reply
    from tests.fakes.media_files import make_test_mp4
    from tests.voice_video.conftest import (
        SCENE,
        StockedComfy,
        WatchingOllama,
        add_take,
        write_settings,
    )
    from vidgen_desktop.core.scene import Scene

    ollama = WatchingOllama()
    ollama.state.default_reply = Reply(content=json.dumps(SCENE))
    comfy = StockedComfy("0.25", ollama=ollama)
    comfy.video_file = make_test_mp4(HOME / "talking.mp4", seconds=2.0, with_audio=True, small=True)
    comfy.audio_seconds = 4.6
    write_settings(HOME, ollama_url=ollama.url, comfyui_url=comfy.url)
    win = build_window()
    win.resize(1280, 800)
    win.show()
    ctx = win.context
    try:
        ctx.set_scene(Scene.model_validate(SCENE), topic="a lighthouse keeper's last night")
        ctx.project.add_version(
            Scene.model_validate(SCENE),
            "generated",
            model="qwen3:4b",
            options={"num_ctx": 4096, "temperature": 0.7},
        )
        win.panels[0]._load_from_project()
        voice, video = win.panels[1], win.panels[3]
        win.show_stage(1)
        until(lambda: voice.current_workflow() is not None and not voice.checker.is_running())
        if voice.length_check().level == "warn":  # never leave a modal question open offscreen
            voice.seconds.setValue(round(voice.length_check().estimated_s + 0.5))
        voice.generate()
        until(lambda: not voice.runner.is_running())
        add_take(
            ctx.project,
            "image",
            "image",
            portrait_png(HOME / "portrait.png"),
            "portrait.png",
            width=480,
            height=832,
            seed=1234,
            workflow="Z-Image Turbo",
        )
        ctx.notify_takes("image")
        win.show_stage(3)
        until(lambda: video.current_workflow() is not None and not video.checker.is_running())
        video.generate()
        until(lambda: not video.runner.is_running(), 30000)
        saved = grab_all(win, out, tag)
        saved += project_shots(win, out, tag)
        shots, win = render_shots(win, comfy, out, tag)
        ctx = win.context
        return saved + shots
    finally:
        for panel in win.panels:
            if panel.is_busy():
                panel.stop()
        spin(300)
        win.close()
        ctx.close()
        comfy.stop()
        ollama.stop()


def project_shots(win: QWidget, out: Path, tag: str) -> list[Path]:
    """A stage out of date after a scene edit, the scene's versions, the start page."""
    win.resize(1280, 800)
    script = win.panels[0]
    lyrics = script.editor.editors[("audio", "lyrics")]
    lyrics.setPlainText(lyrics.toPlainText() + " And a line typed by hand.")
    script.commit_edits()
    win.show_stage(1)
    spin(400)
    saved = [out / f"{tag}5-voice-out-of-date-1280x800.png"]
    win.grab().save(str(saved[-1]))
    win.show_stage(0)
    script.history.show_versions()
    spin(400)
    dialog = script.history.dialog
    saved.append(out / f"{tag}6-versions-dialog.png")
    dialog.grab().save(str(saved[-1]))
    dialog.close()
    win.projects.close_project()
    spin(300)
    saved.append(out / f"{tag}7-start-page-1280x800.png")
    win.grab().save(str(saved[-1]))
    return saved


def render_shots(win, comfy, out: Path, tag: str) -> tuple[list[Path], QWidget]:
    """A 3-chunk render in progress, the quit question it raises, and the window opened again
    re-attached to the chunk that went on in ComfyUI. Returns the shots and the open window."""
    from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

    from vidgen_desktop.ui import quit_dialog

    win.projects.open_path(Path(win.context.settings.recent_projects[0]))
    until(lambda: win.context.project is not None)
    video = win.panels[3]
    win.show_stage(3)
    until(lambda: video.current_workflow() is not None and not video.checker.is_running())
    video.seconds.setValue(14.0)  # three chunks
    comfy.step_delay = 0.5
    video.generate()
    until(lambda: video.chunks.state_of(2) == "rendering", 30000)
    saved = []
    for w, h in SIZES[1:]:
        win.resize(w, h)
        spin(300)
        saved.append(out / f"{tag}8-video-chunks-rendering-{w}x{h}.png")
        win.grab().save(str(saved[-1]))

    def answer() -> None:
        box = next(
            (
                b
                for b in QApplication.topLevelWidgets()
                if isinstance(b, QMessageBox) and b.objectName() == "quit_dialog" and b.isVisible()
            ),
            None,
        )
        if box is None:
            QTimer.singleShot(50, answer)
            return
        spin(100)
        saved.append(out / f"{tag}9-quit-while-rendering.png")
        box.grab().save(str(saved[-1]))
        next(b for b in box.findChildren(QPushButton) if b.text() == quit_dialog.KEEP_TEXT).click()

    QTimer.singleShot(50, answer)
    win.close()
    win.context.close()
    comfy.step_delay = 0.2
    again = build_window()
    again.resize(1280, 800)
    again.show()
    until(lambda: "Re-attached" in again.panels[3].banner.text(), 20000)
    until(lambda: again.panels[3].chunks.state_of(3) == "rendering", 30000)
    spin(300)
    saved.append(out / f"{tag}10-video-reattached-1280x800.png")
    again.grab().save(str(saved[-1]))
    until(lambda: not again.panels[3].runner.is_running(), 60000)
    again.show_stage(1)
    spin(300)
    saved.append(out / f"{tag}11-run-remaining-button-1280x800.png")
    again.grab().save(str(saved[-1]))
    return saved, again


def empty(out: Path, tag: str) -> list[Path]:
    win = build_window()
    win.show()
    spin(1500)
    try:
        return grab_all(win, out, tag)
    finally:
        win.close()
        win.context.close()


def main() -> int:
    out = ARGS.out
    out.mkdir(parents=True, exist_ok=True)
    create_app([])
    tag = ("empty-" if ARGS.empty else "") + (f"x{ARGS.scale:g}-" if ARGS.scale != 1 else "")
    if ARGS.servers:
        from scripts.screenshots_servers import servers_shots

        saved = servers_shots(out, tag, HOME, spin, until)
    else:
        saved = empty(out, tag) if ARGS.empty else filled(out, tag)
    print("\n".join(str(p) for p in saved))
    return 0


if __name__ == "__main__":
    sys.exit(main())
