"""What a new user met in the window, each through the real widgets: a clock that froze between
server events, a status line that said "done" forever, a hand-off that could not be confirmed
and said nothing, a silent workflow switch, an Open Folder that did nothing, the order of the
primary action and Next, and the Voice stage's length and empty group."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication

from tests.voice_video.conftest import panel_of, wait_workflows, write_settings

ELAPSED = re.compile(r"elapsed (\d+:\d\d)")


def ready(qtbot, window, scene, key: str):
    window.context.set_scene(scene)
    panel = panel_of(window, key)
    window.show_stage(window.panels.index(panel))
    wait_workflows(qtbot, panel)
    return panel


def elapsed(text: str) -> str:
    match = ELAPSED.search(text)
    return match.group(1) if match else ""


def test_elapsed_ticks_while_the_server_is_silent(qtbot, window, scene, fake_comfy):
    """A job queued behind another sends nothing for minutes: the clock must still run, and the
    status bar must read the same time as the panel."""
    panel = ready(qtbot, window, scene, "image")
    fake_comfy.hold.set()
    try:
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: elapsed(panel.progress_label.text()) == "0:02", timeout=6000)
        assert len(fake_comfy.paths("POST")) >= 1  # queued, and the server is silent since
        assert elapsed(window.status.job_label.text()) == "0:02"
        qtbot.waitUntil(lambda: elapsed(panel.progress_label.text()) == "0:03", timeout=3000)
        assert elapsed(window.status.job_label.text()) == "0:03"
    finally:
        fake_comfy.hold.clear()
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=10000)


def test_time_left_counts_down_between_reports(qtbot):
    from vidgen_desktop.core.progress import Progress
    from vidgen_desktop.ui.stages.job_progress import JobProgress

    job = JobProgress("t")
    qtbot.addWidget(job)
    shown = []
    job.rendered.connect(shown.append)
    job.start()
    job.report(Progress(0.5, "KSampler: step 5/10", eta_s=10.0))
    assert "about 0:10 left" in job.label.text()
    qtbot.wait(2300)
    assert "about 0:08 left" in job.label.text()
    assert (
        shown[-1].eta_s == pytest.approx(7.8, abs=0.5)
        and shown[-1].message == "KSampler: step 5/10"
    )
    job.finish("Done")
    assert job.label.text() == "Done" and not job.bar.isVisible()


def test_finished_job_line_says_when_then_fades(qtbot, window, scene, monkeypatch):
    from vidgen_desktop.ui import status_bar

    monkeypatch.setattr(status_bar, "FINISHED_LINGER_MS", 400)
    panel = ready(qtbot, window, scene, "image")
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Image done at" in window.status.job_label.text(), timeout=10000)
    assert re.search(r"Image done at \d\d:\d\d \(took \d+:\d\d\)", window.status.job_label.text())
    qtbot.waitUntil(lambda: window.status.job_label.text() == "", timeout=3000)


def test_unconfirmed_handoff_is_shown_in_the_stage_and_status_bar(qtbot, window, scene, dead_url):
    """Ollama unreachable is not "Ollama holds nothing": the user is told, the job goes on."""
    window.context.settings.ollama_url = dead_url
    panel = ready(qtbot, window, scene, "image")
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.runner.is_running(), timeout=15000)
    assert (
        panel.banner.isVisible() and f"Could not reach Ollama at {dead_url}" in panel.banner.text()
    )
    assert "GPU memory may be short" in panel.banner.text()
    assert "Could not reach Ollama" in window.status.currentMessage()
    assert window.context.project.chosen_take("image") is not None  # and it went on


def test_primary_action_sits_left_of_next_on_every_stage(qtbot, window, scene):
    window.context.set_scene(scene)
    for panel in window.panels:
        window.show_stage(window.panels.index(panel))
        qtbot.wait(20)
        primary, nxt = panel.generate_button, panel.next_button
        if not nxt.isVisibleTo(window):
            continue  # the last stage has no Next
        x_primary = primary.mapTo(window, primary.rect().topLeft()).x()
        x_next = nxt.mapTo(window, nxt.rect().topLeft()).x()
        assert x_primary < x_next, panel.key


def test_a_workflow_that_can_no_longer_run_is_switched_with_a_reason(
    qtbot, isolated_home, fake_comfy, fake_ollama, scene
):
    from tests.voice_video.conftest import settle
    from vidgen_desktop.app import build_window

    info = dict(fake_comfy.object_info)
    del info["TextEncodeAceStepAudio1.5"]  # the server lost the ACE-Step 1.5 nodes
    fake_comfy.object_info = info
    write_settings(
        isolated_home,
        ollama_url=fake_ollama.url,
        comfyui_url=fake_comfy.url,
        workflows={"voice": "Song: ACE-Step 1.5"},
    )
    win = build_window()
    try:
        win.show()
        panel = ready(qtbot, win, scene, "voice")
        assert panel.current_workflow().name != "Song: ACE-Step 1.5"
        text = panel.banner.text()
        assert "“Song: ACE-Step 1.5” cannot run on this ComfyUI any more" in text
        assert f"switched to “{panel.current_workflow().name}”" in text
        assert "TextEncodeAceStepAudio1.5" in text or "node pack" in text
        # the user's choice is kept for when the server has the nodes again
        assert win.context.settings.workflows["voice"] == "Song: ACE-Step 1.5"
    finally:
        settle(qtbot, win)
        win.close()
        win.context.close()


def test_open_project_folder_without_a_file_manager_shows_the_path(qtbot, window, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    action = next(a for a in window.file_menu.actions() if "Project &Folder" in a.text())
    action.trigger()
    dialog = window.path_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.path.text() == str(window.context.project.root)
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(window.context.project.root)
    dialog.close()


def test_voice_length_follows_the_text_for_speech_and_keeps_the_songs(qtbot, window, scene):
    import math

    from vidgen_desktop.core.speech_timing import estimate_seconds

    panel = ready(qtbot, window, scene, "voice")
    assert "instruct" in panel.current_workflow().params
    expected = math.ceil(estimate_seconds(scene.audio.lyrics))
    assert panel.seconds.value() == expected
    assert panel.length_check().level == "ok"
    panel.lyrics.setPlainText(" ".join(["word"] * 50))  # 50 words: 20 s
    assert panel.seconds.value() == 20
    panel.seconds.setValue(25)  # the user's own length stays
    panel.lyrics.setPlainText("short now")
    assert panel.seconds.value() == 25
    song = next(
        i
        for i in range(panel.workflow_combo.count())
        if panel.workflow_combo.itemText(i).startswith("Song: ACE-Step 1.5")
    )
    panel.workflow_combo.setCurrentIndex(song)
    panel.workflow_combo.activated.emit(song)
    assert panel.seconds.value() == panel.current_workflow().default("seconds")


def test_how_it_sounds_is_hidden_when_the_workflow_has_none_of_it(qtbot, window, scene):
    panel = ready(qtbot, window, scene, "voice")
    assert panel.how_box.isVisibleTo(window)
    song = next(
        i
        for i in range(panel.workflow_combo.count())
        if panel.workflow_combo.itemText(i).startswith("Song:")
    )
    panel.workflow_combo.setCurrentIndex(song)
    panel.workflow_combo.activated.emit(song)
    assert not panel.how_box.isVisibleTo(window)


def test_settings_test_connection_per_server(qtbot, window, fake_comfy, fake_ollama, dead_url):
    window.settings_action.trigger()
    dialog = window.settings_dialog
    qtbot.mouseClick(dialog.comfy_test, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.comfy_result.text().startswith("✓ ComfyUI 0.25.0"), timeout=5000)
    qtbot.mouseClick(dialog.ollama_test, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dialog.ollama_result.text().startswith("✓ Ollama 0.32.15"), timeout=5000
    )
    dialog.comfy_url.setText(dead_url)
    assert not dialog.comfy_result.isVisible()  # a result belongs to the URL it tested
    qtbot.mouseClick(dialog.comfy_test, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.comfy_result.text().startswith("✗"), timeout=8000)
    assert "not reachable" in dialog.comfy_result.text()
    dialog.reject()


def test_settings_projects_folder(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

    target = tmp_path / "my projects"
    target.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(target))
    window.settings_action.trigger()
    dialog = window.settings_dialog
    assert dialog.projects_dir.text() == str(window.context.paths.projects_dir)
    qtbot.mouseClick(
        dialog.findChild(type(dialog.comfy_test), "projects_dir_choose"), Qt.MouseButton.LeftButton
    )
    assert dialog.projects_dir.text() == str(target)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert window.context.projects_dir() == target
