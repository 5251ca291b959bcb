"""The Video stage through the real window: takes from upstream, the cost, a multi-chunk render
whose progress reaches 100 % only with the MP4 on disk, the player, cancel, and a mute workflow."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.voice_video.conftest import (
    add_take,
    panel_of,
    queued,
    wait_workflows,
    wav_bytes,
)
from vidgen_desktop.ui.stage_panel import StageStatus


def upstream(window, scene, voice_seconds: float = 9.63, image: bool = True, voice: bool = True):
    context = window.context
    context.set_scene(scene)
    project = context.project
    if image:
        add_take(project, "image", "image", PNG_1PX, "portrait.png", width=8, height=8)
        context.notify_takes("image")
    if voice:
        add_take(
            project,
            "voice",
            "audio",
            wav_bytes(voice_seconds),
            "speech.wav",
            duration_s=voice_seconds,
        )
        context.notify_takes("voice")


def video_panel(qtbot, window):
    window.show_stage(3)
    panel = panel_of(window, "video")
    wait_workflows(qtbot, panel)
    return panel


def test_locked_with_the_reason_until_both_takes_exist(qtbot, window, scene):
    upstream(window, scene, image=False, voice=False)
    panel = video_panel(qtbot, window)
    state = panel.stage_state()
    assert state.status is StageStatus.locked
    assert state.reason == (
        "Needs a chosen image take (Image stage) and a chosen voice take (Voice stage)."
    )
    assert not panel.generate_button.isEnabled() and panel.disabled_reason.text() == state.reason
    add_take(window.context.project, "image", "image", PNG_1PX, "p.png")
    window.context.notify_takes("image")
    assert panel.stage_state().reason == "Needs a chosen voice take (Voice stage)."
    assert "choose a voice take" in panel.voice_use.text()
    add_take(window.context.project, "voice", "audio", wav_bytes(1.0), "v.wav", duration_s=1.0)
    window.context.notify_takes("voice")
    assert panel.stage_state().status is StageStatus.ready
    assert panel.generate_button.isEnabled()


def test_cost_before_queueing_follows_the_voice_length(qtbot, window, scene):
    upstream(window, scene, voice_seconds=9.63)
    panel = video_panel(qtbot, window)
    assert panel.seconds.value() == 9.63  # the voice take's length
    assert panel.positive.toPlainText() == scene.video.positive_prompt
    assert [panel.size_combo.itemData(i) for i in range(panel.size_combo.count())] == [
        (480, 832),
        (832, 480),
        (512, 512),
        (448, 560),
    ]
    text = panel.cost_label.text()
    assert "3 chunks of 77 frames → 155 frames at 16 fps" in text
    assert "60 sampler steps (3 × 20)" in text
    assert "Estimated time: unknown: no run of this workflow on this machine yet" in text
    panel.lora.setChecked(True)  # the 4-step LoRA brings its own step count
    assert panel.steps.value() == 4 and "12 sampler steps" in panel.cost_label.text()
    panel.seconds.setValue(4.8)
    assert "1 chunk of 77 frames" in panel.cost_label.text()
    panel.seconds.setValue(120.0)
    assert panel.cost_label.text().startswith("⚠") and "at most 12" in panel.cost_label.text()


def test_multi_chunk_render_reaches_100_only_with_the_mp4_on_disk(qtbot, window, scene, fake_comfy):
    fake_comfy.step_delay = 0.01
    upstream(window, scene, voice_seconds=9.63)
    panel = video_panel(qtbot, window)
    project = window.context.project
    seen: list[tuple[float | None, bool, str]] = []
    labels: list[str] = []

    def on_progress(p) -> None:
        on_disk = any(project.stage_dir("video").glob("*.mp4"))
        seen.append(
            (
                panel.progress_bar.value() / 1000 if panel.progress_bar.maximum() else None,
                on_disk,
                p.message,
            )
        )
        labels.append(panel.progress_label.text())

    panel.runner.progress.connect(on_progress)
    with (
        qtbot.waitSignal(panel.player.loaded, timeout=20000) as loaded,
        qtbot.waitSignal(panel.runner.done, timeout=20000),
    ):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    full = [
        (on_disk, msg)
        for fraction, on_disk, msg in seen
        if fraction is not None and fraction >= 1.0
    ]
    assert full and all(on_disk for on_disk, _msg in full), full
    assert max(f for f, on_disk, _m in seen if f is not None and not on_disk) < 1.0
    assert any(label.startswith("Chunk 3/3 · step 3/3") for label in labels), labels[-5:]
    assert any(label.startswith("Chunk 1/3") for label in labels)
    # 3 chunks, one prompt each, then the assembly; both uploads bound
    prompts = queued(fake_comfy)
    assert len(prompts) == 4
    assert (
        sum(n["class_type"] == "WanSoundImageToVideoExtend" for g in prompts for n in g.values())
        == 2
    )
    assert {"portrait.png", "speech.wav"} <= set(fake_comfy.uploads)
    # the player shows the MP4; it has sound, so no warning; the estimate now exists
    assert abs(loaded.args[0] - 2.0) < 0.1
    assert panel.player.time_label.text() == "0:00 / 0:02"
    assert panel.player.save_button.isEnabled() and panel.player.folder_button.isEnabled()
    assert not panel.sound_warning.isVisibleTo(panel)
    take = project.chosen_take("video")
    assert take.info["has_audio"] is True and take.settings["chunks"] == 3
    qtbot.waitUntil(lambda: "Estimated time: about" in panel.cost_label.text(), timeout=5000)
    assert "from 1 run on this machine" in panel.cost_label.text()
    (timing,) = window.context.timings.runs(take.workflow, fake_comfy.url)
    assert timing.shape.calls == 3 and timing.parts["sample"] > 0


def test_cancel_mid_chunk_asks_first_and_keeps_nothing(
    qtbot, window, scene, fake_comfy, monkeypatch
):
    fake_comfy.steps = 40
    fake_comfy.step_delay = 0.05
    upstream(window, scene, voice_seconds=9.63)
    panel = video_panel(qtbot, window)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(_parent, title, *_args):
        asked.append(title)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.progress_label.text().startswith("Chunk 1/3 · step 3/40"), timeout=10000
    )
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)  # "Cancel", answered No
    assert asked == ["Cancel this job?"] and panel.runner.is_running()
    assert "/interrupt" not in fake_comfy.paths("POST")
    with qtbot.waitSignal(panel.runner.done, timeout=15000):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)  # answered Yes
    assert len(asked) == 2
    assert "/interrupt" in fake_comfy.paths("POST")
    assert panel.progress_label.text().startswith("Cancelled")
    assert window.context.project.takes_for("video") == []
    assert not any(window.context.project.stage_dir("video").glob("*.mp4"))
    assert panel.generate_button.text() == "Generate" and panel.generate_button.isEnabled()


def test_a_mute_workflow_output_is_called_out(qtbot, window, scene, fake_comfy, mp4_mute):
    fake_comfy.video_file = mp4_mute
    upstream(window, scene, voice_seconds=2.0)
    panel = video_panel(qtbot, window)
    with qtbot.waitSignal(panel.runner.done, timeout=20000):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    take = window.context.project.chosen_take("video")
    assert take.info["has_audio"] is False
    assert "has no sound" in panel.banner.text()
    assert panel.sound_warning.isVisibleTo(panel)


def test_preflight_names_the_missing_model_and_queues_nothing(qtbot, window, scene, fake_comfy):
    from tests.fakes.stocked import recorded_object_info

    fake_comfy.object_info = recorded_object_info("0.25")
    upstream(window, scene, voice_seconds=2.0)
    panel = video_panel(qtbot, window)
    with qtbot.waitSignal(panel.checker.done, timeout=10000):
        qtbot.mouseClick(panel.recheck_button, Qt.MouseButton.LeftButton)  # the server changed
    assert panel.workflow_combo.currentText().endswith("needs setup")
    assert "wan2.2_s2v_14B" in panel.problems_label.text()
    assert not panel.generate_button.isEnabled()
    assert "needs setup" in panel.disabled_reason.text()
    assert queued(fake_comfy) == []
