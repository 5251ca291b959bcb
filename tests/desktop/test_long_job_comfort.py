"""Long-job comfort against a real session bus: the computer is kept awake while a job runs and
only then (the screen saver's Inhibit / UnInhibit, with their D-Bus signatures), a notification
when a job of over a minute ends or fails (clicking it shows that stage), launcher progress, and
the time left for everything queued in the status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.projects.test_jobs_survive_quit import (
    close_answering,
    forget_window,
    project_for_video,
    video_panel,
)
from vidgen_desktop.ui import quit_dialog
from vidgen_desktop.ui.desktop.keep_awake import KeepAwake
from vidgen_desktop.ui.job_comfort import JobComfort


def test_keep_awake_takes_the_inhibit_and_gives_it_back(session_bus):
    awake = KeepAwake()
    assert "screensaver" in awake.hold("Rendering a video")
    taken = session_bus.wait("inhibit")
    assert taken["signature"] == "ss" and taken["body"] == ["VidGen Desktop", "Rendering a video"]
    assert awake.hold("again") == ["screensaver"] and len(session_bus.seen("inhibit")) == 1
    awake.release()
    given = session_bus.wait("uninhibit")
    assert given["cookie"] == taken["cookie"]  # UnInhibit(u): the very cookie, unsigned
    assert not session_bus.seen("refused")


def test_no_desktop_bus_is_not_an_error(monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/vidgen-bus")
    awake = KeepAwake()
    assert awake.hold("x") == []
    awake.release()  # nothing held, nothing to give back


def test_a_long_job_keeps_the_machine_awake_then_notifies_and_the_click_shows_its_stage(
    qtbot, app_window, fake_comfy, scene, tmp_path, session_bus, monkeypatch
):
    monkeypatch.setattr(JobComfort, "NOTIFY_AFTER_S", 0.5)
    project = project_for_video(tmp_path, scene, 2.0)
    fake_comfy.step_delay = 0.4
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    session_bus.wait("inhibit")
    qtbot.waitUntil(lambda: win.status.queue_label.text().startswith("1 job ·"), timeout=10000)
    assert not session_bus.seen("uninhibit")  # held for as long as the job runs
    qtbot.waitUntil(lambda: win.context.project.chosen_take("video") is not None, timeout=20000)
    session_bus.wait("uninhibit")
    note = session_bus.wait("notify")
    assert note["summary"] == "Video: Talking avatar: Wan 2.2 S2V finished"
    assert note["body"].startswith("Done after") and note["actions"] == ["default", "Show"]
    assert note["signature"] == "susssasa{sv}i"
    progress = [e["body"] for e in session_bus.seen("signal", member="Update")]
    assert progress and progress[0][0] == "application://vidgen-desktop.desktop"
    assert progress[0][1]["progress-visible"][1] is True
    qtbot.waitUntil(lambda: not win.status.queue_label.isVisible(), timeout=5000)
    win.show_stage(0)
    session_bus.click(note["id"])
    qtbot.waitUntil(lambda: win.current_panel().key == "video", timeout=5000)


def test_a_failed_long_job_says_why(
    qtbot, app_window, fake_comfy, scene, tmp_path, session_bus, monkeypatch
):
    monkeypatch.setattr(JobComfort, "NOTIFY_AFTER_S", 0.0)
    project = project_for_video(tmp_path, scene, 2.0)
    fake_comfy.fail = "oom"
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    with qtbot.waitSignal(panel.runner.done, timeout=20000):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    note = session_bus.wait("notify")
    assert note["summary"] == "Video: Talking avatar: Wan 2.2 S2V failed"
    assert "memory" in note["body"].lower()
    session_bus.wait("uninhibit")


def test_quitting_gives_the_machine_back_to_sleep(
    qtbot, app_window, fake_comfy, scene, tmp_path, session_bus, monkeypatch, no_quit_question
):
    project = project_for_video(tmp_path, scene, 2.0)
    fake_comfy.step_delay = 0.5
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    session_bus.wait("inhibit")
    # the screen saver's reply (the cookie UnInhibit needs) has reached the app
    qtbot.waitUntil(lambda: "screensaver" in win.comfort.awake.how, timeout=10000)
    close_answering(qtbot, win, monkeypatch, no_quit_question, quit_dialog.KEEP_TEXT)
    session_bus.wait("uninhibit")
    forget_window(qtbot, win)
