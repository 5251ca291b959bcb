"""The Image panel's inputs: locked without a scene, prompts that follow the script until edited,
size presets per model, only the controls a workflow binds, importing and dropping own images."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.image.conftest import click, make_scene, wait_checked


def test_locked_until_a_scene_exists(qtbot, comfy, make_window):
    window, panel = make_window(comfy.url)
    assert window.context.scene is None
    state = panel.stage_state()
    assert state.status.value == "locked" and "Waiting for a script" in state.reason
    assert not panel.generate_button.isEnabled()
    assert "Waiting for a script" in panel.disabled_reason.text()
    assert window.lock_notice.isVisible() and "Image is locked" in window.lock_notice.text()
    assert "No script yet" in panel.prompts.sync_label.text()
    window.context.set_scene(make_scene())
    qtbot.waitUntil(panel.generate_button.isEnabled, timeout=3000)
    assert panel.stage_state().status.value == "ready"
    qtbot.waitUntil(lambda: not window.lock_notice.isVisible(), timeout=1000)  # next loop turn


def test_prompts_follow_the_script_until_edited_and_reset(qtbot, comfy, make_window):
    window, panel = make_window(comfy.url, scene=make_scene())
    prompts = panel.prompts
    assert prompts.positive.toPlainText() == "a lighthouse at dusk, warm light in the window"
    assert prompts.negative.toPlainText() == "blurry, text, watermark"
    assert "Following the script" in prompts.sync_label.text()
    assert not prompts.reset_button.isEnabled()
    # the script changes: the untouched prompts follow
    window.context.set_scene(make_scene("a red kite over the dunes"))
    assert prompts.positive.toPlainText() == "a red kite over the dunes"
    # the user edits: later script changes no longer overwrite the edit
    prompts.positive.selectAll()
    qtbot.keyClicks(prompts.positive, "my own idea")
    assert "Edited by you" in prompts.sync_label.text() and prompts.reset_button.isEnabled()
    window.context.set_scene(make_scene("a storm over the harbour"))
    assert prompts.positive.toPlainText() == "my own idea"
    # the edit is kept with the project (written off the GUI thread)
    qtbot.waitUntil(
        lambda: (
            window.context.project.data.stage_inputs.get("image", {}).get("positive")
            == "my own idea"
        ),
        timeout=3000,
    )
    click(qtbot, prompts.reset_button)
    assert prompts.positive.toPlainText() == "a storm over the harbour"
    assert "Following the script" in prompts.sync_label.text()


def test_size_presets_and_quality_follow_the_chosen_model(qtbot, comfy, make_window):
    _, panel = make_window(comfy.url, scene=make_scene())
    box = panel.settings_box
    aspects = [box.aspect.itemText(i) for i in range(box.aspect.count())]
    assert aspects == ["9:16", "16:9", "1:1", "4:5"]
    assert panel.current_workflow().name == "Z-Image Turbo"
    assert box.size_label.text().startswith("768 × 1344 px")
    assert (box.steps.value(), box.cfg.value()) == (8, 1.0)
    assert panel.prompts.negative.isHidden() and panel.prompts.negative_note.isVisible()
    box.aspect.setCurrentIndex(aspects.index("4:5"))
    assert box.size_label.text().startswith("896 × 1120 px")
    # SDXL: its own sizes (multiples of 64), steps/cfg defaults and a negative prompt
    combo = panel.workflow_combo
    sdxl = next(i for i in range(combo.count()) if combo.itemText(i) == "SDXL (checkpoint)")
    combo.setCurrentIndex(sdxl)
    combo.activated.emit(sdxl)
    assert box.aspect.currentText() == "4:5" and box.size_label.text().startswith("896 × 1152 px")
    assert (box.steps.value(), box.cfg.value()) == (25, 7.0)
    assert not panel.prompts.negative.isHidden()
    with qtbot.waitSignal(panel.image_shown, timeout=10000):
        click(qtbot, panel.generate_button)
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=5000)
    graph = [b for b in comfy.bodies("/prompt") if isinstance(b, dict)][-1]["prompt"]
    latent = next(n for n in graph.values() if n["class_type"] == "EmptyLatentImage")["inputs"]
    assert (latent["width"], latent["height"]) == (896, 1152)
    negative = next(
        n
        for n in graph.values()
        if n["_meta"]["title"] == "CLIPTextEncode"
        and n["inputs"]["text"] == "blurry, text, watermark"
    )
    assert negative
    take = panel.project.chosen_take("image")
    assert (take.width, take.height) == (896, 1152) and take.workflow == "SDXL (checkpoint)"
    assert take.settings["steps"] == 25 and take.settings["cfg"] == 7.0


def _png(tmp_path, name="mine.png", w=40, h=30):
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    path = tmp_path / name
    assert image.save(str(path))
    return path


def test_import_own_image_becomes_the_chosen_take(qtbot, comfy, make_window, tmp_path):
    _, panel = make_window(comfy.url, scene=make_scene())
    source = _png(tmp_path)
    with qtbot.waitSignal(panel.image_shown, timeout=5000):
        panel.import_files([str(source)])
    take = panel.project.chosen_take("image")
    assert take.source == "imported" and (take.width, take.height) == (40, 30)
    copied = panel.project.path_of(take)
    assert (
        copied.parent == panel.project.root / "image" and copied.read_bytes() == source.read_bytes()
    )
    assert "imported (mine.png)" in panel.caption.text()
    assert not panel.reuse_seed_button.isEnabled()  # an imported picture has no seed
    assert panel.view.source_size.width() == 40


def test_non_images_are_refused_with_a_reason(qtbot, comfy, make_window, tmp_path):
    _, panel = make_window(comfy.url, scene=make_scene())
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    with qtbot.waitSignal(panel.importer.done, timeout=5000):
        panel.import_files([str(text)])
    assert "notes.txt is not an image file" in panel.banner.text()
    assert panel.banner.action_button.isHidden()
    fake_png = tmp_path / "broken.png"
    fake_png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    with qtbot.waitSignal(panel.importer.done, timeout=5000):
        panel.import_files([str(fake_png)])
    assert "broken.png is not an image this app can read" in panel.banner.text()
    assert panel.project.takes_for("image") == []
    assert not (panel.project.root / "image" / "broken.png").exists()


def _drop(widget, paths) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)
    return enter, drop


def test_dropping_an_image_on_the_panel_imports_it(qtbot, comfy, make_window, tmp_path):
    _, panel = make_window(comfy.url, scene=make_scene())
    source = tmp_path / "dropped.png"
    source.write_bytes(PNG_1PX)
    with qtbot.waitSignal(panel.image_shown, timeout=5000):
        enter, drop = _drop(panel, [source])
    assert enter.isAccepted() and drop.isAccepted()
    take = panel.project.chosen_take("image")
    assert take.source == "imported" and take.settings["imported from"] == "dropped.png"


def test_status_bar_shows_version_and_queue(qtbot, comfy, make_window):
    window, panel = make_window(comfy.url, scene=make_scene())
    qtbot.waitUntil(lambda: window.status.comfy.text() == "ComfyUI 0.25.0 · queue 0", timeout=5000)
    assert comfy.url in window.status.comfy.toolTip()
    comfy.hold.set()  # keep the next job queued: the monitor sees the queue grow
    click(qtbot, panel.generate_button)
    try:
        qtbot.waitUntil(
            lambda: window.status.comfy.text() == "ComfyUI 0.25.0 · queue 1", timeout=5000
        )
        qtbot.waitUntil(lambda: "Waiting" in window.status.job_label.text(), timeout=5000)
    finally:
        comfy.hold.clear()
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=10000)
    wait_checked(qtbot, panel)
