"""Screenshots of the several-servers parts of the window (scripts/screenshots.py --servers):
a stocked server, one without image or video models, and one that is down over plain http."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

SIZES = ((1280, 800), (1920, 1080))


def servers_shots(
    out: Path, tag: str, home: Path, spin: Callable[[int], None], until: Callable
) -> list[Path]:
    import json

    from tests.fakes.fake_ollama import FakeOllama, Reply
    from tests.fakes.stocked import recorded_object_info
    from tests.voice_video.conftest import SCENE, StockedComfy, write_settings
    from vidgen_desktop.app import build_window
    from vidgen_desktop.core.scene import Scene
    from vidgen_desktop.ui.servers.servers_panel import open_servers_panel

    ollama = FakeOllama()
    ollama.state.default_reply = Reply(content=json.dumps(SCENE))
    a, b = StockedComfy("0.25"), StockedComfy("0.25")
    b.object_info = recorded_object_info("0.25")
    c = StockedComfy("0.25")  # a third server for the batch, whose second image runs out of memory
    c.oom_on_prompt = 4
    write_settings(
        home,
        ollama_url=ollama.url,
        comfyui_url=a.url,
        comfyui_name="This PC",
        gpu_handoff=False,
        servers=[
            {"name": "Second PC", "url": b.url},
            {"name": "Friend's GPU", "url": "http://192.0.2.10:8188"},
        ],
    )
    win = build_window()
    win.show()
    saved: list[Path] = []
    try:
        win.context.set_scene(Scene.model_validate(SCENE), topic="a lighthouse keeper")
        until(lambda: len(win.context.healths) == 3, 30000)
        for w, h in SIZES:
            win.resize(w, h)
            win.show_stage(2)
            spin(400)
            path = out / f"{tag}servers-image-stage-{w}x{h}.png"
            win.grab().save(str(path))
            saved.append(path)
        panel = open_servers_panel(win)
        spin(400)
        path = out / f"{tag}servers-panel.png"
        panel.grab().save(str(path))
        saved.append(path)
        panel.close()
        win.open_settings()
        spin(400)
        path = out / f"{tag}servers-settings.png"
        win.settings_dialog.grab().save(str(path))
        saved.append(path)
        win.settings_dialog.reject()
        win.context.settings.servers[0].url = c.url  # the batch runs on two stocked servers
        page = win.open_batch()
        page.topics.setPlainText(
            "why the sea is salty\nhow bees dance\nthe first lighthouse\nnight trains"
        )
        page.folder.setText(str(home / "batch"))
        page.until.setCurrentIndex(page.until.findData("image"))
        page.start()
        until(lambda: not page.runner.is_running(), 60000)
        for w, h in SIZES:
            page.resize(w, h)
            spin(300)
            path = out / f"{tag}batch-page-{w}x{h}.png"
            page.grab().save(str(path))
            saved.append(path)
        page.close()
        return saved
    finally:
        win.close()
        win.context.close()
        a.stop()
        b.stop()
        c.stop()
        ollama.stop()
