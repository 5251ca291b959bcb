"""The Script stage through the real window, against the fake Ollama over a real socket."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from tests.fakes.fake_ollama import GOOD_SCENE, Reply, scene_text
from tests.script.conftest import click_and_wait_done, generate, type_topic
from vidgen_desktop.core.scene import scene_json_schema
from vidgen_desktop.ui.stage_panel import StageStatus


def field(panel, name):
    return panel.editor.editors[tuple(name.split(".", 1))]


def test_happy_path_fills_every_field_and_unlocks_next(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    assert "llama3.2:latest" in panel.model_combo.currentText()
    assert "3.2B" in panel.model_combo.currentText() and "GB" in panel.model_combo.currentText()
    assert not panel.next_button.isEnabled()
    assert "complete scene" in panel.next_button.toolTip()
    assert not panel.generate_button.isEnabled()
    assert panel.generate_reason.text() == "Type a topic first."
    type_topic(qtbot, panel)
    panel.temperature.setValue(0.3)
    fake_ollama.script_reply("Here is your scene:\n```json\n" + scene_text() + "\n```")
    generate(qtbot, panel)

    assert field(panel, "audio.lyrics").toPlainText() == GOOD_SCENE["audio"]["lyrics"]
    assert field(panel, "audio.tags").tags() == GOOD_SCENE["audio"]["tags"]
    assert (
        field(panel, "video.negative_prompt").toPlainText()
        == GOOD_SCENE["video"]["negative_prompt"]
    )
    scene = window.context.scene
    assert (
        scene is not None and scene.image.positive_prompt == GOOD_SCENE["image"]["positive_prompt"]
    )
    assert panel.next_button.isEnabled()
    assert panel.stage_state().status is StageStatus.done
    qtbot.waitUntil(
        lambda: window.stepper.state_of(1).status is not StageStatus.locked, timeout=1000
    )
    assert "Prompt: 412 tokens" in panel.counters.text()
    assert "tokens/s" in panel.counters.text() and "Generated:" in panel.counters.text()
    # What went over the wire: the scene schema as format, the user's knobs as options.
    request = fake_ollama.chat_requests()[-1]
    assert request["format"] == scene_json_schema()
    assert request["stream"] is True
    assert request["options"] == {"num_ctx": 4096, "temperature": 0.3, "num_predict": 1024}
    assert "lighthouse keeper's last night" in request["messages"][0]["content"]
    assert "Tone:" in request["messages"][0]["content"]
    with qtbot.waitSignal(panel.next_requested):
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == 1


def test_ctrl_enter_shortcut_starts_generation(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(scene_text())
    window.activateWindow()
    qtbot.waitActive(window)
    with qtbot.waitSignal(panel.gen_runner.done, timeout=10000):
        qtbot.keyClick(panel.topic, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.context.scene is not None


def test_stream_shows_partial_text_before_the_end(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(Reply(content=scene_text(), hold_after=12))
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: '"audio"' in panel.stream_view.toPlainText(), timeout=5000)
    partial = panel.stream_view.toPlainText()
    assert len(partial) < len(scene_text())
    assert (
        panel.is_busy() and panel.stop_button.isEnabled() and not panel.generate_button.isEnabled()
    )
    assert panel.stage_state().status is StageStatus.running
    assert window.context.scene is None
    qtbot.waitUntil(lambda: "Generated: 12 tokens" in panel.counters.text(), timeout=3000)
    assert "Elapsed: 0:0" in panel.counters.text()
    with qtbot.waitSignal(panel.gen_runner.done, timeout=10000):
        fake_ollama.release()
    assert window.context.scene is not None
    assert panel.stream_view.toPlainText().startswith(partial)


def test_stop_cancels_and_returns_to_idle(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(Reply(content=scene_text(), hold_after=5))
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.stream_view.toPlainText() != "", timeout=5000)
    with qtbot.waitSignal(panel.gen_runner.cancelled, timeout=5000):
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    assert panel.generate_button.isEnabled() and not panel.stop_button.isEnabled()
    assert panel.stage_state().status is StageStatus.ready
    assert window.context.scene is None
    assert "Stopped" in panel.warning.text()
    # The connection was really closed (the server saw the client hang up).
    qtbot.waitUntil(lambda: fake_ollama.state.streams_cut_by_client == 1, timeout=5000)


def test_malformed_reply_is_repaired_with_the_errors_fed_back(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    broken = json.dumps(
        {"audio": {"lyrics": "la la", "tags": []}, "video": {"positive_prompt": "x"}}
    )
    fake_ollama.script_reply(broken, "```json\n" + scene_text() + "\n```")
    generate(qtbot, panel)
    assert window.context.scene is not None
    assert not panel.problem_box.isVisible()
    first, second = fake_ollama.chat_requests()[-2:]
    assert second["messages"][1] == {"role": "assistant", "content": broken}
    feedback = second["messages"][2]["content"]
    assert "audio.tags" in feedback and "video.negative_prompt: missing" in feedback
    assert "image: missing" in feedback
    assert "asking the model to fix it" in panel.stream_view.toPlainText()


def test_repair_failure_shows_raw_reply_and_field_errors_and_keeps_the_raw(
    qtbot, make_window, fake_ollama
):
    window, panel = make_window()
    type_topic(qtbot, panel)
    bad = json.dumps(
        {
            "audio": {"lyrics": "Only lyrics", "tags": "calm, slow"},
            "video": {"positive_prompt": "", "negative_prompt": "blur"},
        }
    )
    fake_ollama.script_reply("not json at all", bad)
    generate(qtbot, panel)
    assert panel.problem_box.isVisible()
    assert panel.raw_reply.toPlainText() == bad
    errors = panel.parse_errors.text()
    assert "video.positive_prompt: empty" in errors and "image: missing" in errors
    # Errors appear next to the fields; what could be read was kept in the editor.
    assert "empty" in panel.editor.error_labels[("video", "positive_prompt")].text()
    assert field(panel, "audio.tags").tags() == ["calm", "slow"]
    assert field(panel, "audio.lyrics").toPlainText() == "Only lyrics"
    assert window.context.scene is None
    assert not panel.next_button.isEnabled() and "fix" in panel.next_reason.text()
    window.context.writer.flush()
    saved = json.loads((window.context.project.root / "project.json").read_text())
    assert saved["raw_reply"] == bad
    # The user fixes it by hand: the scene becomes valid and Next unlocks.
    qtbot.keyClicks(field(panel, "video.positive_prompt"), "A keeper waves")
    qtbot.keyClicks(field(panel, "image.positive_prompt"), "A keeper, portrait")
    qtbot.keyClicks(field(panel, "image.negative_prompt"), "blurry")
    qtbot.waitUntil(lambda: window.context.scene is not None, timeout=3000)
    assert panel.next_button.isEnabled()
    assert window.context.scene.audio.tags == ["calm", "slow"]


def test_raw_reply_can_be_fixed_and_parsed_again(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply("{oops", "{still oops")
    generate(qtbot, panel)
    assert "not valid JSON" in panel.parse_errors.text()
    panel.raw_reply.setPlainText(scene_text())
    qtbot.mouseClick(panel.reparse_button, Qt.MouseButton.LeftButton)
    assert not panel.problem_box.isVisible()
    assert window.context.scene is not None


def test_server_not_running_disables_generate_then_recovers(qtbot, make_window, fake_ollama):
    fake_ollama.stop()
    window, panel = make_window()
    type_topic(qtbot, panel)
    assert not panel.generate_button.isEnabled()
    assert "not reachable" in panel.generate_reason.text()
    assert "ollama serve" in panel.generate_button.toolTip()
    assert "not reachable" in window.status.ollama.text()
    assert "Regenerate" not in panel.editor.regen_buttons[("audio", "lyrics")].toolTip()
    fake_ollama.start()
    qtbot.waitUntil(lambda: panel.generate_button.isEnabled(), timeout=5000)
    assert panel.generate_reason.text() == ""
    assert window.status.ollama.text().startswith("Ollama 0.32.15")
    assert panel.model_combo.count() == 3


def test_server_gone_during_generate_shows_banner_with_settings_action(
    qtbot, make_window, fake_ollama
):
    window, panel = make_window()
    type_topic(qtbot, panel)
    window.ollama_monitor.set_interval(60000)  # the panel still believes the server is up
    fake_ollama.stop()
    generate(qtbot, panel)
    assert "not reachable" in panel.banner.text()
    assert panel.banner.action_button.text() == "Open settings"
    qtbot.mouseClick(panel.banner.action_button, Qt.MouseButton.LeftButton)
    assert panel.settings_dialog.isVisible()
    panel.settings_dialog.reject()


def test_model_not_found_404(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    assert panel.model_name() == "llama3.2:latest"
    fake_ollama.set_models([m for m in fake_ollama.state.models if m["model"] != "llama3.2:latest"])
    generate(qtbot, panel)
    assert "not installed" in panel.banner.text()
    assert "ollama pull llama3.2:latest" in panel.banner.text()
    assert panel.banner.action_button.text() == "Refresh models"
    with qtbot.waitSignal(panel.models_runner.done, timeout=5000):
        qtbot.mouseClick(panel.banner.action_button, Qt.MouseButton.LeftButton)
    assert panel.model_combo.findData("llama3.2:latest") == -1
    assert panel.model_name() == "qwen3:8b"


def test_chat_404_after_show_is_also_model_not_found(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(Reply(http_error=(404, "model 'llama3.2:latest' not found")))
    generate(qtbot, panel)
    assert "not installed" in panel.banner.text()


def test_empty_model_list_explains_how_to_pull_then_refresh_recovers(
    qtbot, make_window, fake_ollama
):
    models = fake_ollama.state.models
    fake_ollama.set_models([])
    window, panel = make_window()
    type_topic(qtbot, panel)
    assert panel.model_combo.count() == 0
    assert "ollama pull qwen3:4b" in panel.models_hint.text() and panel.models_hint.isVisible()
    assert not panel.generate_button.isEnabled()
    assert "ollama pull qwen3:4b" in panel.generate_reason.text()
    fake_ollama.set_models(models)
    with qtbot.waitSignal(panel.models_runner.done, timeout=5000):
        qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    assert panel.model_combo.count() == 3
    assert panel.generate_button.isEnabled()


def test_done_reason_length_warns_to_raise_max_tokens(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(Reply(content=scene_text(), done_reason="length"))
    generate(qtbot, panel)
    assert window.context.scene is not None
    assert "raise max tokens" in panel.warning.text()


def test_cut_off_reply_at_max_tokens_fails_with_warning_and_raw(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    panel.max_tokens.setValue(16)
    fake_ollama.script_reply(scene_text(), scene_text())  # the fake cuts both at num_predict
    generate(qtbot, panel)
    assert panel.problem_box.isVisible()
    assert "raise max tokens" in panel.warning.text()
    assert fake_ollama.chat_requests()[-1]["options"]["num_predict"] == 16


def test_prompt_near_num_ctx_warns(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(Reply(content=scene_text(), prompt_eval_count=4090))
    generate(qtbot, panel)
    assert "4090 of 4096" in panel.warning.text() and "num_ctx" in panel.warning.text()


def test_mid_stream_error_line_shows_banner_and_retry_works(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(Reply(content=scene_text(), error_after=4), scene_text())
    generate(qtbot, panel)
    assert "unexpectedly stopped" in panel.banner.text()
    assert panel.banner.action_button.text() == "Retry"
    click_and_wait_done(qtbot, panel, panel.banner.action_button)
    assert window.context.scene is not None


def test_regenerate_one_field_keeps_the_others(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(scene_text())
    generate(qtbot, panel)
    lyrics = field(panel, "audio.lyrics")
    lyrics.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(lyrics, " Hand-written line.")
    before = panel.editor.values()
    fake_ollama.script_reply('{"value": "A weathered keeper in a yellow raincoat, storm light"}')
    click_and_wait_done(qtbot, panel, panel.editor.regen_buttons[("image", "positive_prompt")])
    after = panel.editor.values()
    assert (
        after[("image", "positive_prompt")]
        == "A weathered keeper in a yellow raincoat, storm light"
    )
    for key, value in before.items():
        if key != ("image", "positive_prompt"):
            assert after[key] == value
    scene = window.context.scene
    assert scene.image.positive_prompt.startswith("A weathered keeper")
    assert scene.audio.lyrics.endswith("Hand-written line.")
    request = fake_ollama.chat_requests()[-1]
    prompt = request["messages"][0]["content"]
    assert "Hand-written line." in prompt and "image.positive_prompt" in prompt
    assert GOOD_SCENE["image"]["positive_prompt"] not in prompt
    assert request["format"]["required"] == ["value"]


def test_regenerate_tags_accepts_a_list(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(scene_text(), '{"value": ["ocean", "night"]}')
    generate(qtbot, panel)
    click_and_wait_done(qtbot, panel, panel.editor.regen_buttons[("audio", "tags")])
    assert window.context.scene.audio.tags == ["ocean", "night"]
    assert window.context.scene.video.positive_prompt == GOOD_SCENE["video"]["positive_prompt"]


def test_hand_edits_reach_the_context_and_emptying_a_field_locks_next(
    qtbot, make_window, fake_ollama
):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(scene_text())
    generate(qtbot, panel)
    tags = field(panel, "audio.tags")
    qtbot.keyClicks(tags.entry, "piano, rain")
    qtbot.keyClick(tags.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "rain" in window.context.scene.audio.tags, timeout=3000)
    field(panel, "audio.lyrics").clear()
    qtbot.waitUntil(lambda: window.context.scene is None, timeout=3000)
    assert "empty" in panel.editor.error_labels[("audio", "lyrics")].text()
    assert not panel.next_button.isEnabled() and "lyrics" in panel.next_button.toolTip()
    qtbot.waitUntil(lambda: window.stepper.state_of(1).status is StageStatus.locked, timeout=1000)


def test_template_without_topic_placeholder_is_a_clear_error(
    qtbot, make_window, fake_ollama, isolated_home
):
    window, panel = make_window()
    (isolated_home / "config" / "prompt_template.txt").write_text("Write a scene as JSON.\n")
    type_topic(qtbot, panel)
    generate(qtbot, panel)
    assert "no {topic} placeholder" in panel.banner.text()
    assert fake_ollama.chat_requests() == []


def test_parameters_persist_in_settings(qtbot, make_window, fake_ollama, isolated_home):
    window, panel = make_window()
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("qwen3:8b"))
    panel.num_ctx.setValue(8192)
    panel.max_tokens.setValue(2048)
    panel.seed_check.setChecked(True)
    panel.seed.setValue(42)
    qtbot.waitUntil(lambda: not panel._settings_timer.isActive(), timeout=3000)
    window.context.writer.flush()
    saved = json.loads((isolated_home / "config" / "settings.json").read_text())
    assert saved["llm"] == {
        "model": "qwen3:8b",
        "num_ctx": 8192,
        "temperature": 0.7,
        "num_predict": 2048,
        "seed": 42,
    }


def test_thinking_model_is_asked_not_to_think(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("qwen3:8b"))
    type_topic(qtbot, panel)
    fake_ollama.script_reply(scene_text())
    generate(qtbot, panel)
    assert fake_ollama.chat_requests()[-1]["think"] is False


def test_status_bar_shows_loaded_model_and_gpu_memory(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    type_topic(qtbot, panel)
    fake_ollama.script_reply(scene_text())
    generate(qtbot, panel)
    qtbot.waitUntil(lambda: "GPU" in window.status.ollama.text(), timeout=3000)
    assert window.status.ollama.text() == "Ollama: llama3.2:latest · 3.3 GB GPU"
    assert "0.32.15" in window.status.ollama.toolTip()
