"""The Voice stage through the real window: fake ComfyUI and Ollama on real sockets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.voice_video.conftest import panel_of, queued, wait_workflows, wav_bytes
from vidgen_desktop.ui.stage_panel import StageStatus


def voice_ready(qtbot, window, scene, workflow: str | None = None):
    window.context.set_scene(scene)
    window.show_stage(1)  # as a click on "Voice" in the stepper does
    panel = panel_of(window, "voice")
    assert window.current_panel() is panel
    wait_workflows(qtbot, panel)
    if workflow is not None:
        index = next(
            i
            for i in range(panel.workflow_combo.count())
            if panel.workflow_combo.itemText(i) == workflow
        )
        panel.workflow_combo.setCurrentIndex(index)
        panel.workflow_combo.activated.emit(index)
    return panel


def click_generate(qtbot, panel, timeout: int = 15000) -> None:
    assert panel.generate_button.isEnabled(), panel.disabled_reason.text()
    with qtbot.waitSignal(panel.runner.done, timeout=timeout):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)


def test_locked_until_a_scene_exists(qtbot, window):
    panel = panel_of(window, "voice")
    state = panel.stage_state()
    assert state.status is StageStatus.locked and "Script stage" in state.reason
    assert not panel.generate_button.isEnabled()
    assert "Waiting for a script" in panel.disabled_reason.text()


def test_generate_plays_the_take_and_shows_its_duration(qtbot, window, scene, fake_comfy):
    fake_comfy.audio_seconds = 3.0
    panel = voice_ready(qtbot, window, scene)
    assert panel.lyrics.toPlainText() == scene.audio.lyrics  # pre-filled from the scene
    # Qwen3-TTS binds a speaker (options from the server) and an instruction, no steps or clip
    qtbot.waitUntil(lambda: panel.speaker.count() == 9, timeout=5000)
    assert panel.speaker.currentText() == "Ryan"
    assert not panel.steps.isVisibleTo(panel) and not panel.reference_row.isVisibleTo(panel)
    panel.speaker.setCurrentText("Serena")
    panel.instruct.setPlainText("slow and low")
    panel.seconds.setValue(5.0)
    with qtbot.waitSignal(panel.player.loaded, timeout=15000) as loaded:
        click_generate(qtbot, panel)
    assert abs(loaded.args[0] - 3.0) < 0.05
    assert panel.player.time_label.text() == "0:00 / 0:03"
    assert panel.player.play_button.isEnabled()
    qtbot.waitUntil(lambda: len(panel.player.waveform.peaks) > 0, timeout=5000)
    take = window.context.project.chosen_take("voice")
    assert take.duration_s == 3.0
    assert panel.takes.list.item(0).text().endswith("#1 · 0:03")
    (graph,) = queued(fake_comfy)
    tts = next(n["inputs"] for n in graph.values() if n["class_type"] == "FB_Qwen3TTSCustomVoice")
    assert (tts["text"], tts["speaker"], tts["instruct"]) == (
        scene.audio.lyrics,
        "Serena",
        "slow and low",
    )
    assert tts["seed"] == take.seed
    assert panel_of(window, "voice").stage_state().status is StageStatus.done


def test_lyrics_length_warning_asks_before_generating(
    qtbot, window, scene, fake_comfy, monkeypatch
):
    panel = voice_ready(qtbot, window, scene)
    panel.seconds.setValue(5.0)
    assert not panel.timing.text().startswith("⚠")
    panel.seconds.setValue(60.0)  # 12 words for a minute: clearly too short
    assert panel.timing.text().startswith("⚠") and "only about" in panel.timing.text()
    asked: list[str] = []

    def answer(result):
        def question(_parent, _title, text, *_args):
            asked.append(text)
            return result

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "60 s" in asked[0]
    assert not panel.runner.is_running() and queued(fake_comfy) == []
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    click_generate(qtbot, panel)
    assert len(queued(fake_comfy)) == 1
    # too long the other way
    panel.seconds.setValue(1.0)
    assert "shorten the text" in panel.timing.text()


def test_user_edits_survive_a_new_script_until_reset(qtbot, window, scene):
    panel = voice_ready(qtbot, window, scene)
    panel.lyrics.setPlainText("My own words.")
    changed = scene.model_copy(deep=True)
    changed.audio.lyrics = "A regenerated line."
    window.context.set_scene(changed)
    assert panel.lyrics.toPlainText() == "My own words."
    qtbot.mouseClick(
        panel.findChild(type(panel.generate_button), "voice_reset"), Qt.MouseButton.LeftButton
    )
    assert panel.lyrics.toPlainText() == "A regenerated line."


def test_import_own_audio_becomes_the_chosen_take(qtbot, window, scene, tmp_path, monkeypatch):
    panel = voice_ready(qtbot, window, scene)
    own = tmp_path / "my voice.wav"
    own.write_bytes(wav_bytes(4.0))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(own)], ""))
    with (
        qtbot.waitSignal(panel.player.loaded, timeout=15000) as loaded,
        qtbot.waitSignal(panel.importer.done, timeout=10000),
    ):
        qtbot.mouseClick(panel.takes.import_button, Qt.MouseButton.LeftButton)
    assert abs(loaded.args[0] - 4.0) < 0.05
    take = window.context.project.chosen_take("voice")
    assert take.source == "imported" and take.duration_s == 4.0
    assert window.context.project.path_of(take).read_bytes() == own.read_bytes()
    assert "imported" in panel.takes.list.item(0).text()


def test_import_refuses_a_file_that_is_not_audio(qtbot, window, scene, tmp_path):
    panel = voice_ready(qtbot, window, scene)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with qtbot.waitSignal(panel.importer.done, timeout=10000):
        panel.import_files([str(notes)])
    assert (
        "notes.txt is not a audio file" in panel.banner.text() or "notes.txt" in panel.banner.text()
    )
    assert window.context.project.takes_for("voice") == []


def test_cloning_workflow_needs_a_reference_clip_and_uploads_it(
    qtbot, window, scene, fake_comfy, tmp_path
):
    panel = voice_ready(qtbot, window, scene, workflow="Speech: Qwen3-TTS voice clone")
    assert panel.reference_row.isVisibleTo(panel) and panel.reference_text.isVisibleTo(panel)
    assert not panel.speaker.isVisibleTo(panel)
    panel.seconds.setValue(5.0)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    assert "choose a reference clip" in panel.banner.text()
    assert queued(fake_comfy) == []
    clip = tmp_path / "ref.wav"
    clip.write_bytes(wav_bytes(1.0))
    panel.set_reference(clip)
    # the clip is copied into the project first: the project holds it, no path outside it
    qtbot.waitUntil(lambda: panel.reference_label.text() == "ref.wav", timeout=5000)
    copied = window.context.project.root / "references" / "ref.wav"
    assert copied.read_bytes() == clip.read_bytes()
    panel.reference_text.setText("This is how I sound.")
    click_generate(qtbot, panel)
    assert "ref.wav" in fake_comfy.uploads
    (graph,) = queued(fake_comfy)
    clone = next(n["inputs"] for n in graph.values() if n["class_type"] == "FB_Qwen3TTSVoiceClone")
    load = next(n["inputs"] for n in graph.values() if n["class_type"] == "LoadAudio")
    assert load["audio"] == "ref.wav" and clone["ref_text"] == "This is how I sound."


def test_ollama_lets_go_before_the_voice_prompt_is_queued(
    qtbot, window, scene, fake_comfy, fake_ollama
):
    fake_ollama._mark_loaded("llama3.2:latest", 4096)
    panel = voice_ready(qtbot, window, scene)
    panel.seconds.setValue(5.0)
    click_generate(qtbot, panel)
    assert fake_comfy.queued_while_ollama_held == [[]]
    unloads = [
        b
        for _m, p, b in fake_ollama.state.requests
        if p == "/api/generate" and b.get("keep_alive") == 0
    ]
    assert [u["model"] for u in unloads] == ["llama3.2:latest"]


def test_server_failure_is_shown_with_retry(qtbot, window, scene, fake_comfy):
    fake_comfy.fail = "runtime"
    panel = voice_ready(qtbot, window, scene)
    panel.seconds.setValue(5.0)
    click_generate(qtbot, panel)
    assert panel.banner.isVisible() and panel.banner.action_button.text() == "Retry"
    assert window.context.project.takes_for("voice") == []
    fake_comfy.fail = None
    with qtbot.waitSignal(panel.runner.done, timeout=15000):
        qtbot.mouseClick(panel.banner.action_button, Qt.MouseButton.LeftButton)
    assert len(window.context.project.takes_for("voice")) == 1
