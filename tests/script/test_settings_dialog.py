"""Edit › Settings…: URLs validated, GPU hand-off bound, saved, and the monitor follows the URL."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.fakes.fake_ollama import FakeOllama


def test_settings_dialog_saves_and_monitor_follows_new_url(
    qtbot, make_window, fake_ollama, isolated_home
):
    other = FakeOllama()
    other.state.version = "0.33.0"
    try:
        window, panel = make_window()
        window.settings_action.trigger()
        dialog = window.settings_dialog
        assert dialog.isVisible()
        assert dialog.ollama_url.text() == fake_ollama.url
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.ollama_url.setText("localhost:11434")
        assert not ok.isEnabled()
        assert "http://" in dialog.problem.text() and "http://" in ok.toolTip()
        dialog.ollama_url.clear()
        qtbot.keyClicks(dialog.ollama_url, other.url)
        assert ok.isEnabled() and dialog.problem.text() == ""
        assert dialog.gpu_handoff.isChecked()
        qtbot.mouseClick(dialog.gpu_handoff, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
        assert window.context.settings.ollama_url == other.url
        assert window.context.settings.gpu_handoff is False
        window.context.writer.flush()
        saved = json.loads((isolated_home / "config" / "settings.json").read_text())
        assert saved["ollama_url"] == other.url and saved["gpu_handoff"] is False
        qtbot.waitUntil(lambda: window.status.ollama.text() == "Ollama 0.33.0", timeout=5000)
    finally:
        other.stop()


def test_cancel_changes_nothing(qtbot, make_window, fake_ollama):
    window, panel = make_window()
    window.settings_action.trigger()
    dialog = window.settings_dialog
    dialog.ollama_url.setText("http://elsewhere:1")
    dialog.reject()
    assert window.context.settings.ollama_url == fake_ollama.url


def test_the_models_folder_and_the_download_mirror_are_set_here(
    qtbot, make_window, isolated_home, tmp_path
):
    window, panel = make_window()
    window.settings_action.trigger()
    dialog = window.settings_dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.keyClicks(dialog.mirror, "hf-mirror.com")
    assert not ok.isEnabled() and "Download mirror must start with http" in dialog.problem.text()
    dialog.mirror.clear()
    qtbot.keyClicks(dialog.mirror, "https://hf-mirror.com/")
    qtbot.keyClicks(dialog.models_dir, str(tmp_path / "nowhere"))
    assert not ok.isEnabled() and "models folder does not exist" in dialog.problem.text()
    dialog.models_dir.clear()
    shared = tmp_path / "share" / "ComfyUI"
    shared.mkdir(parents=True)
    qtbot.keyClicks(dialog.models_dir, str(shared))
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    window.context.writer.flush()
    saved = json.loads((isolated_home / "config" / "settings.json").read_text())
    assert saved["download_mirror"] == "https://hf-mirror.com"
    assert saved["comfyui_models_dir"] == str(shared)
