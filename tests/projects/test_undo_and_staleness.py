"""Undo/redo across hand edits, generate, field regenerate, tags and version restore; versions
kept before a new scene; stages out of date after a scene edit or another upstream take."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.projects.test_project_documents import generate_scene, generate_take, script_of
from tests.voice_video.conftest import SCENE, add_take, panel_of
from vidgen_desktop.ui.stage_panel import StageStatus


def lyrics_of(win):
    return script_of(win).editor.editors[("audio", "lyrics")]


def press(qtbot, widget, sequence: QKeySequence.StandardKey | str) -> None:
    keys = QKeySequence(sequence)
    combo = keys[0]
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


def test_undo_redo_across_edits_generate_regenerate_tags_and_restore(
    qtbot, app_window, fake_ollama
):
    win = app_window()
    script = script_of(win)
    generate_scene(qtbot, win)
    first = lyrics_of(win).toPlainText()
    assert first == SCENE["audio"]["lyrics"]
    # a hand edit: typing is one undo step, Ctrl+Z inside the field undoes it
    lyrics = lyrics_of(win)
    lyrics.moveCursor(lyrics.textCursor().MoveOperation.End)
    lyrics.setFocus()
    qtbot.keyClicks(lyrics, " More.")
    script.commit_edits()
    assert win.undo_action.isEnabled() and "Edit lyrics" in win.undo_action.text()
    press(qtbot, lyrics, QKeySequence.StandardKey.Undo)
    assert lyrics_of(win).toPlainText() == first and win.context.scene.audio.lyrics == first
    press(qtbot, lyrics, "Ctrl+Shift+Z")
    assert lyrics_of(win).toPlainText() == first + " More."
    # generate again: the edited scene is kept as a version first; undo brings it back
    second = dict(SCENE, audio={"lyrics": "A second scene.", "tags": ["new"]})
    fake_ollama.script_reply(json.dumps(second))
    with qtbot.waitSignal(script.gen_runner.done, timeout=10000):
        qtbot.mouseClick(script.generate_button, Qt.MouseButton.LeftButton)
    assert lyrics_of(win).toPlainText() == "A second scene."
    versions = win.context.project.data.versions
    assert [v.origin for v in versions] == ["generated", "edited", "generated"]
    assert versions[1].scene.audio.lyrics == first + " More."
    win.undo_action.trigger()
    assert lyrics_of(win).toPlainText() == first + " More."
    win.redo_action.trigger()
    assert lyrics_of(win).toPlainText() == "A second scene."
    # regenerate one field
    fake_ollama.script_reply(json.dumps({"value": "a new move"}))
    with qtbot.waitSignal(script.gen_runner.done, timeout=10000):
        qtbot.mouseClick(
            script.editor.regen_buttons[("video", "positive_prompt")], Qt.MouseButton.LeftButton
        )
    video = script.editor.editors[("video", "positive_prompt")]
    assert video.toPlainText() == "a new move"
    assert win.context.project.data.versions[-1].origin == "field"
    win.undo_action.trigger()
    assert video.toPlainText() == SCENE["video"]["positive_prompt"]
    win.redo_action.trigger()
    # a tag change
    tags = script.editor.editors[("audio", "tags")]
    qtbot.keyClicks(tags.entry, "rain")
    qtbot.keyClick(tags.entry, Qt.Key.Key_Return)
    script.commit_edits()
    assert "rain" in win.context.scene.audio.tags
    win.undo_action.trigger()
    assert "rain" not in tags.tags() and "rain" not in win.context.scene.audio.tags
    # restore the first version, then undo the restore
    oldest = win.context.project.data.versions[0]
    script.history.restore(oldest.id)
    assert lyrics_of(win).toPlainText() == first
    win.undo_action.trigger()
    assert lyrics_of(win).toPlainText() == "A second scene."


def test_the_versions_dialog_shows_and_restores(qtbot, app_window, fake_ollama, monkeypatch):
    from PySide6.QtWidgets import QDialog

    monkeypatch.setattr(QDialog, "open", lambda self: self.show())
    win = app_window()
    script = script_of(win)
    generate_scene(qtbot, win)
    fake_ollama.script_reply(json.dumps(dict(SCENE, audio={"lyrics": "Later.", "tags": ["x"]})))
    with qtbot.waitSignal(script.gen_runner.done, timeout=10000):
        qtbot.mouseClick(script.generate_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(script.versions_button, Qt.MouseButton.LeftButton)
    dialog = script.history.dialog
    assert dialog.list.count() == 2 and "← now" in dialog.list.item(0).text()
    assert "written by llama3.2:latest" in dialog.list.item(1).text()
    dialog.list.setCurrentRow(1)
    assert (
        SCENE["audio"]["lyrics"] in dialog.text.toPlainText()
        and "Topic:" in dialog.text.toPlainText()
    )
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert lyrics_of(win).toPlainText() == SCENE["audio"]["lyrics"]


def test_a_voice_take_is_out_of_date_after_the_scene_changes(qtbot, app_window):
    win = app_window()
    generate_scene(qtbot, win)
    generate_take(qtbot, win, "voice")
    voice = panel_of(win, "voice")
    assert voice.stage_state().status is StageStatus.done
    script = script_of(win)
    lyrics_of(win).setPlainText("Entirely new words for the keeper.")
    script.commit_edits()
    state = voice.stage_state()
    assert state.status is StageStatus.stale and "the text" in state.reason
    qtbot.waitUntil(lambda: win.stepper.state_of(1).status is StageStatus.stale, timeout=2000)
    win.show_stage(1)
    qtbot.waitUntil(win.lock_notice.isVisible, timeout=2000)
    assert "Out of date" in win.lock_notice.text() and "the text" in win.lock_notice.text()
    assert (
        "Voice: Out of date" in win.stepper.item(1).toolTip()
        or "out of date" in win.stepper.item(1).toolTip()
    )
    generate_take(qtbot, win, "voice")  # a new take from the new words: up to date again
    assert voice.stage_state().status is StageStatus.done


def test_a_video_is_out_of_date_after_another_image_take_is_chosen(qtbot, app_window, scene):
    win = app_window()
    win.context.set_scene(scene)
    project = win.context.project
    first = add_take(project, "image", "image", PNG_1PX, "a.png")
    add_take(project, "voice", "audio", b"RIFF", "v.wav", duration_s=2.0)
    win.context.notify_takes("image")
    generate_take(qtbot, win, "video")
    video = panel_of(win, "video")
    assert video.stage_state().status is StageStatus.done
    second = add_take(project, "image", "image", PNG_1PX, "b.png")
    win.context.notify_takes("image")
    state = video.stage_state()
    assert state.status is StageStatus.stale and "the chosen image" in state.reason
    project.choose("image", first.id)
    win.context.notify_takes("image")
    assert video.stage_state().status is StageStatus.done
    assert second.id != first.id
