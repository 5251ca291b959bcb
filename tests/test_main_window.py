"""The window a user sees on first start: stepper, panels, locks with reasons, status bar."""

from __future__ import annotations

from vidgen_desktop.app import build_window
from vidgen_desktop.ui.stage_panel import StageStatus


def test_first_start_shows_script_stage_and_locked_later_stages(qtbot):
    window = build_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "VidGen Desktop" in window.windowTitle()
    titles = [window.stepper.item(i).text() for i in range(window.stepper.count())]
    assert [t.split(". ", 1)[1] for t in titles] == ["Script", "Voice", "Image", "Video"]
    assert window.stack.currentIndex() == 0
    for i in (1, 2, 3):
        state = window.stepper.state_of(i)
        assert state.status is StageStatus.locked
        assert "script" in state.reason.lower()
        assert state.reason in window.stepper.item(i).toolTip()
    # Choosing a locked stage shows it, with the reason in plain view.
    window.stepper.setCurrentRow(2)
    assert window.stack.currentIndex() == 2
    assert window.lock_notice.isVisible()
    assert "locked" in window.lock_notice.text()
    window.close()


def test_project_folder_is_created_under_user_home(qtbot, isolated_home):
    window = build_window()
    qtbot.addWidget(window)
    project = window.context.project
    assert project is not None
    assert (project.root / "project.json").exists()
    assert isolated_home in project.root.parents
    window.close()


def test_closing_the_window_stops_every_status_monitor(qtbot):
    window = build_window()
    qtbot.addWidget(window)
    window.show()
    monitors = [window.ollama_monitor, window.comfy_monitor]
    qtbot.waitUntil(lambda: all(m.timer.isActive() for m in monitors), timeout=2000)
    window.close()
    assert not any(m.timer.isActive() for m in monitors)
    assert not any(m.runner.is_running() for m in monitors)
    assert not window.gpu_monitor.is_running()
    window.comfy_monitor.poll_now()  # a late trigger (settings saved on close) starts nothing
    assert not window.comfy_monitor.runner.is_running()
