"""Screenshots of the Image stage (mid-generation with a live preview, and after, with takes) at
1280×800 and 1920×1080, against the fake ComfyUI. Not a benchmark: a look at the real layout.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/shots_image.py OUT_DIR
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QPointF
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QRadialGradient
from PySide6.QtWidgets import QApplication

from tests.fakes.fake_comfy import FakeComfy, FakeOutput


def picture(w: int, h: int, hue: int) -> bytes:
    """A stand-in 'generated' picture (dusk sky, sea, a lighthouse light), PNG bytes."""
    img = QImage(w, h, QImage.Format.Format_RGB32)
    p = QPainter(img)
    sky = QLinearGradient(0, 0, 0, h)
    sky.setColorAt(0, QColor.fromHsv(hue, 120, 90))
    sky.setColorAt(0.6, QColor.fromHsv((hue + 20) % 360, 160, 230))
    sky.setColorAt(1, QColor.fromHsv((hue + 200) % 360, 140, 60))
    p.fillRect(img.rect(), sky)
    glow = QRadialGradient(QPointF(w * 0.62, h * 0.42), w * 0.35)
    glow.setColorAt(0, QColor(255, 236, 170, 230))
    glow.setColorAt(1, QColor(255, 236, 170, 0))
    p.fillRect(img.rect(), glow)
    p.fillRect(int(w * 0.58), int(h * 0.42), int(w * 0.08), int(h * 0.4), QColor(235, 230, 220))
    p.fillRect(0, int(h * 0.78), w, h, QColor.fromHsv((hue + 200) % 360, 150, 50))
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(data)


def wait_for(cond, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError("timed out")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(ms: int = 300) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def shoot(fake, size: tuple[int, int], out: Path) -> None:
    from vidgen_desktop.app import build_window
    from vidgen_desktop.core.scene import AudioPart, PromptPair, Scene

    home = Path(tempfile.mkdtemp(prefix="vidgen-shots-"))  # a fresh project per window size
    os.environ["VIDGEN_HOME"] = str(home)
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(
        json.dumps(
            {"comfyui_url": fake.url, "gpu_handoff": False, "ollama_url": "http://127.0.0.1:9"}
        ),
        "utf-8",
    )
    window = build_window()
    window.resize(*size)
    window.show()
    window.show_stage(2)
    panel = window.panels[2]
    window.context.set_scene(
        Scene(
            audio=AudioPart(lyrics="The light keeps turning", tags=["calm", "piano"]),
            video=PromptPair(positive_prompt="slow push-in", negative_prompt="jitter"),
            image=PromptPair(
                positive_prompt="an old lighthouse at dusk, warm light in the lantern room, "
                "calm sea, photographed on 35 mm film",
                negative_prompt="blurry, text, watermark",
            ),
        )
    )
    wait_for(panel.generate_button.isEnabled)
    panel.settings_box.style_edit.setText("soft pastel colours")
    for n, hue in enumerate((210, 20, 280)):
        fake.outputs = [FakeOutput(f"image_{n:05d}_.png", data=picture(768, 1344, hue))]
        fake.steps, fake.step_delay = 3, 0.0
        panel.generate()
        wait_for(lambda: not panel.runner.is_running() and panel.view.mode == "take")
    # after: three takes, the second one chosen
    second = panel.project.takes_for("image")[1]
    panel.takes.set_chosen(second.id)
    panel.takes.chosen.emit(second.id)
    wait_for(lambda: panel.caption.text().startswith("Take 2"))
    settle()
    window.grab().save(str(out / f"image_after_{size[0]}x{size[1]}.png"))
    # mid-generation: a live preview frame and the progress line
    fake.outputs, fake.steps, fake.step_delay, fake.preview_every = None, 40, 0.1, 1
    panel.generate()
    wait_for(lambda: panel.view.mode == "preview" and "step 6/" in panel.progress_label.text())
    settle(150)
    window.grab().save(str(out / f"image_generating_{size[0]}x{size[1]}.png"))
    panel.cancel()
    wait_for(lambda: not panel.runner.is_running())
    window.comfy_monitor.shutdown()
    window.ollama_monitor.shutdown()
    for p in window.panels:
        p.shutdown()
    window.close()
    window.context.close()


def main(out: Path) -> int:
    from tests.fakes.stocked import stocked_object_info

    app = QApplication.instance() or QApplication(sys.argv)
    app.setStyle("Fusion")
    fake = FakeComfy("0.25")
    fake.object_info = stocked_object_info("0.25")
    out.mkdir(parents=True, exist_ok=True)
    try:
        for size in ((1280, 800), (1920, 1080)):
            shoot(fake, size, out)
    finally:
        fake.stop()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "shots")))
