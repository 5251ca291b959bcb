"""Every way an image job can fail, seen through the real window: what the user reads, and that
nothing is queued when the app already knows it cannot work."""

from __future__ import annotations

import json

from tests.fakes.fake_comfy import FakeComfy
from tests.image.conftest import click, free_port, generate_and_wait, make_scene, wait_checked
from tests.shared_data import REPO_ROOT


def _posted_prompts(fake) -> list:
    return [b for b in fake.bodies("/prompt") if isinstance(b, dict)]


def test_validation_error_is_shown_per_input(qtbot, comfy, make_window):
    comfy.reject = "invalid_value"  # the recorded 400: two nodes, one bad input each
    _, panel = make_window(comfy.url, scene=make_scene())
    generate_and_wait(qtbot, panel)
    text = panel.banner.text()
    assert "ComfyUI rejected the workflow" in text
    assert "'nope' is not an allowed value for 'upscale_method' of ImageScale (node 3)" in text
    assert "'width' of EmptyImage (node 1): Value 0 smaller than min of 1" in text
    assert "{" not in text  # never a JSON dump
    problems = panel.problems_label.text()
    assert panel.problems_label.isVisible() and problems.count("•") == 2
    assert panel.banner.action_button.text() == "Retry"
    assert panel.project.takes_for("image") == []
    # a successful retry clears the per-input list
    comfy.reject = None
    with qtbot.waitSignal(panel.image_shown, timeout=10000):
        click(qtbot, panel.banner.action_button)
    assert not panel.problems_label.isVisible() and not panel.banner.isVisible()
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=5000)


def test_missing_model_is_named_before_anything_is_queued(qtbot, unstocked_comfy, make_window):
    _, panel = make_window(unstocked_comfy.url, scene=make_scene())
    combo = panel.workflow_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "Z-Image Turbo — needs setup" in labels and "SDXL (checkpoint) — needs setup" in labels
    assert panel.problems_label.isVisible()
    assert (
        "Put z_image_turbo_bf16.safetensors into ComfyUI/models/diffusion_models"
        in panel.problems_label.text()
    )
    assert not panel.generate_button.isEnabled()
    assert "needs setup" in panel.disabled_reason.text()
    assert panel.generate_button.toolTip() == panel.disabled_reason.text()
    # Ctrl+Enter does nothing either; and even a forced start stops at preflight, before POST /prompt
    panel.start_primary()
    assert not panel.runner.is_running()
    with qtbot.waitSignal(panel.runner.done, timeout=10000):
        panel.generate()
    banner = panel.banner.text()
    assert banner.startswith(
        "ComfyUI cannot run “Z-Image Turbo” yet: Model file z_image_turbo_bf16"
    )
    assert "Put z_image_turbo_bf16.safetensors into ComfyUI/models/diffusion_models" in banner
    assert "https://huggingface.co/Comfy-Org/z_image_turbo/" in banner and "(and 2 more)" in banner
    assert panel.banner.action_button.text() == "Re-check server"
    assert _posted_prompts(unstocked_comfy) == []
    assert "/prompt" not in unstocked_comfy.paths("POST")


def test_models_installed_later_are_found_by_recheck(qtbot, unstocked_comfy, make_window):
    from tests.fakes.stocked import stocked_object_info

    _, panel = make_window(unstocked_comfy.url, scene=make_scene())
    assert not panel.generate_button.isEnabled()
    unstocked_comfy.object_info = stocked_object_info("0.25")  # the user downloads the files
    click(qtbot, panel.recheck_button)
    wait_checked(qtbot, panel)
    qtbot.waitUntil(panel.generate_button.isEnabled, timeout=5000)
    assert panel.workflow_combo.currentText() == "Z-Image Turbo"
    assert not panel.problems_label.isVisible()


def test_runtime_out_of_memory_is_readable(qtbot, comfy, make_window):
    comfy.fail = "oom"
    _, panel = make_window(comfy.url, scene=make_scene())
    generate_and_wait(qtbot, panel)
    text = panel.banner.text()
    assert "The GPU ran out of memory in KSampler" in text
    assert "Lower the resolution" in text
    assert "Traceback" not in text and "torch.OutOfMemoryError" in panel.banner.details.text()
    assert panel.progress_label.text() == "Failed."
    assert panel.generate_button.isEnabled() and panel.generate_button.text() == "Generate image"


def test_runtime_node_error_names_the_node(qtbot, comfy, make_window):
    comfy.fail = "runtime"
    _, panel = make_window(comfy.url, scene=make_scene())
    generate_and_wait(qtbot, panel)
    assert "ComfyUI failed in UNETLoader (node 1)" in panel.banner.text()
    assert panel.project.takes_for("image") == []


def test_own_workflow_without_a_required_title_is_rejected(qtbot, comfy, make_window, tmp_path):
    graph = json.loads((REPO_ROOT / "workflows" / "image_z_image_turbo.json").read_text("utf-8"))
    graph["8"]["_meta"]["title"] = "KSampler"  # lost its $seed title
    path = tmp_path / "my_flow.json"
    path.write_text(json.dumps(graph), encoding="utf-8")
    _, panel = make_window(comfy.url, scene=make_scene())
    before = panel.workflow_combo.count()
    panel.add_own_workflow(path)
    qtbot.waitUntil(panel.banner.isVisible, timeout=5000)
    assert "no node is titled $seed" in panel.banner.text()
    assert panel.banner.action_button.isHidden()  # nothing to retry: the file must be fixed
    assert panel.workflow_combo.count() == before
    assert panel.current_workflow().name == "Z-Image Turbo"


def test_own_workflow_shows_only_the_controls_it_binds(qtbot, comfy, make_window, tmp_path):
    graph = json.loads((REPO_ROOT / "workflows" / "image_z_image_turbo.json").read_text("utf-8"))
    graph["8"]["_meta"]["title"] = "$seed"  # steps and cfg stay as exported
    path = tmp_path / "my_flow.json"
    path.write_text(json.dumps(graph), encoding="utf-8")
    _, panel = make_window(comfy.url, scene=make_scene())
    panel.add_own_workflow(path)
    qtbot.waitUntil(lambda: panel.workflow_combo.currentText() == "my_flow", timeout=8000)
    wait_checked(qtbot, panel)
    box = panel.settings_box
    assert box.steps.isHidden() and box.cfg.isHidden()
    assert not box.aspect.isHidden() and not box.seed_box.isHidden()
    assert box.size_label.text().startswith("768 × 1360 px")  # ~1 MP on the 16 px grid
    with qtbot.waitSignal(panel.image_shown, timeout=10000):
        click(qtbot, panel.generate_button)
    graph = _posted_prompts(comfy)[-1]["prompt"]
    sampler = next(n for n in graph.values() if n["class_type"] == "KSampler")
    assert sampler["inputs"]["steps"] == 8  # the file's own value, untouched
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=5000)


def test_comfyui_down_disables_generate_then_recheck_recovers(qtbot, make_window):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    window, panel = make_window(url, scene=make_scene())
    assert not panel.generate_button.isEnabled()
    assert "not reachable" in panel.disabled_reason.text() and url in panel.disabled_reason.text()
    qtbot.waitUntil(lambda: "not reachable" in window.status.comfy.text(), timeout=5000)
    assert window.status.comfy.text() == f"ComfyUI: not reachable at {url} — start ComfyUI"
    window.comfy_monitor.set_interval(60_000)  # only the user's Re-check may bring it back
    qtbot.waitUntil(
        lambda: not window.comfy_monitor.runner.is_running(), timeout=5000
    )  # none in flight
    fake = FakeComfy("0.25", port=port)
    try:
        from tests.fakes.stocked import stocked_object_info

        fake.object_info = stocked_object_info("0.25")
        assert not panel.generate_button.isEnabled()
        click(qtbot, panel.recheck_button)
        qtbot.waitUntil(panel.generate_button.isEnabled, timeout=8000)
        assert panel.disabled_reason.text() == ""
    finally:
        for p in window.panels:
            p.shutdown()
        fake.stop()


def test_monitor_notices_the_server_and_the_panel_follows(qtbot, make_window):
    port = free_port()
    window, panel = make_window(f"http://127.0.0.1:{port}", scene=make_scene())
    qtbot.waitUntil(lambda: "not reachable" in window.status.comfy.text(), timeout=5000)
    fake = FakeComfy("0.25", port=port)
    try:
        from tests.fakes.stocked import stocked_object_info

        fake.object_info = stocked_object_info("0.25")
        qtbot.waitUntil(
            lambda: window.status.comfy.text() == "ComfyUI 0.25.0 · queue 0", timeout=5000
        )
        assert "VRAM" in window.status.comfy.toolTip() or "0.25.0" in window.status.comfy.toolTip()
        qtbot.waitUntil(panel.generate_button.isEnabled, timeout=8000)
    finally:
        for p in window.panels:
            p.shutdown()
        fake.stop()
