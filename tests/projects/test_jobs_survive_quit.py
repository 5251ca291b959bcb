"""GPU work survives the window: "Keep running" on quit, re-attach on reopen, a job that finished
or was lost while the app was closed, a render stopped by out-of-memory resumed from the banner,
and the chunks of a render shown (and watchable) while it runs. The real window, the fake
ComfyUI on real sockets; the fake counts every POST /prompt, so "no second submit" is a count."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.voice_video.conftest import add_take, panel_of, queued, wait_workflows, wav_bytes
from tests.voice_video.test_resume_cli import chunk_of
from tests.voice_video.test_stage_cli import run_cli
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.pipeline.ledger import Ledger
from vidgen_desktop.ui import quit_dialog


def project_for_video(tmp_path, scene: Scene, seconds: float) -> Project:
    project = Project.create(tmp_path / "render")
    project.set_scene(scene)
    add_take(project, "image", "image", PNG_1PX, "portrait.png", width=8, height=8)
    add_take(project, "voice", "audio", wav_bytes(seconds), "speech.wav", duration_s=seconds)
    return project


def kinds(fake) -> list[str]:
    return [chunk_of(g) for g in queued(fake)]


def close_answering(qtbot, win, monkeypatch, real_ask, button: str) -> str:
    """Close the window as a user would, answering the quit question by clicking `button`
    in the real dialog; returns the question's text."""
    monkeypatch.setattr(quit_dialog, "ask_quit", real_ask)
    seen: dict[str, str] = {}

    def click() -> None:
        box = next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.objectName() == "quit_dialog" and w.isVisible()
            ),
            None,
        )
        if box is None:
            QTimer.singleShot(20, click)
            return
        seen["text"] = box.text() + "\n" + box.informativeText()
        seen["default"] = box.defaultButton().text() if box.defaultButton() else ""
        target = next(b for b in box.findChildren(QPushButton) if b.text() == button)
        target.click()

    QTimer.singleShot(20, click)
    win.close()
    return seen.get("text", "") + "\ndefault: " + seen.get("default", "")


def forget_window(qtbot, win) -> None:
    """The window is closed: flush its context so the next window reads what it wrote."""
    win.context.close()
    win._quit_done = True
    win.deleteLater()
    qtbot.wait(10)


def wait_running(qtbot, fake, prompts: int) -> None:
    qtbot.waitUntil(lambda: fake.prompts_seen == prompts and bool(fake.running), timeout=20000)


def video_panel(qtbot, win):
    win.show_stage(3)
    panel = panel_of(win, "video")
    wait_workflows(qtbot, panel)
    return panel


def test_keep_running_on_quit_and_reopen_reattaches_without_a_second_submit(
    qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
):
    project = project_for_video(tmp_path, scene, 6.0)  # two chunks
    fake_comfy.step_delay = 0.3
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    wait_running(qtbot, fake_comfy, 1)
    qtbot.waitUntil(lambda: panel.chunks.state_of(1) == "rendering", timeout=10000)
    assert panel.chunks.state_of(2) == "waiting"

    text = close_answering(qtbot, win, monkeypatch, no_quit_question, quit_dialog.KEEP_TEXT)
    assert "Video" in text and "chunk 1 of 2" in text
    assert "default: Keep Running in ComfyUI" in text
    assert not win.isVisible()
    assert "/interrupt" not in fake_comfy.paths("POST")  # the job was not stopped
    (job,) = Ledger(project.root).data.jobs
    assert job.state in ("queued", "running") and job.chunk == 1
    forget_window(qtbot, win)

    # ComfyUI finishes chunk 1 while the app is closed; opening the project picks it up
    deadline = time.monotonic() + 20
    while job.prompt_id not in fake_comfy.history:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    fake_comfy.step_delay = 0.0
    again = app_window(project.root)
    panel = panel_of(again, "video")
    qtbot.waitUntil(lambda: "Re-attached" in panel.banner.text(), timeout=10000)
    qtbot.waitUntil(lambda: again.context.project.chosen_take("video") is not None, timeout=30000)
    assert kinds(fake_comfy) == ["chunk", "chunk", "assembly"]  # chunk 1 was not sent again
    take = again.context.project.chosen_take("video")
    assert take.settings["chunks"] == 2 and again.context.project.path_of(take).is_file()


def test_cancel_jobs_on_quit_stops_them_on_the_server(
    qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
):
    project = project_for_video(tmp_path, scene, 2.0)
    fake_comfy.step_delay = 0.5
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    wait_running(qtbot, fake_comfy, 1)
    close_answering(qtbot, win, monkeypatch, no_quit_question, quit_dialog.CANCEL_TEXT)
    assert not win.isVisible()
    assert "/interrupt" in fake_comfy.paths("POST")
    (job,) = Ledger(project.root).data.jobs
    assert job.state == "cancelled"
    forget_window(qtbot, win)
    again = app_window(project.root)
    qtbot.wait(300)
    assert not panel_of(again, "video").banner.text()  # nothing to pick up
    assert fake_comfy.prompts_seen == 1


def test_dont_quit_keeps_the_window_and_the_job(
    qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
):
    project = project_for_video(tmp_path, scene, 2.0)
    fake_comfy.step_delay = 0.3
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    wait_running(qtbot, fake_comfy, 1)
    close_answering(qtbot, win, monkeypatch, no_quit_question, quit_dialog.STAY_TEXT)
    assert win.isVisible() and panel.runner.is_running()
    qtbot.waitUntil(lambda: win.context.project.chosen_take("video") is not None, timeout=20000)
    assert "/interrupt" not in fake_comfy.paths("POST")


def test_a_job_that_finished_while_closed_lands_as_a_take_on_open(
    qtbot, capsys, app_window, fake_comfy, scene, tmp_path
):
    project = project_for_video(tmp_path, scene, 2.0)
    fake_comfy.hold.set()
    rc, _out, err = run_cli(
        capsys,
        "voice",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--detach",
    )
    assert rc == 0, err
    (job,) = Ledger(project.root).data.jobs
    fake_comfy.hold.clear()
    deadline = time.monotonic() + 20
    while job.prompt_id not in fake_comfy.history:
        assert time.monotonic() < deadline
        time.sleep(0.02)

    win = app_window(project.root)
    win.show_stage(1)
    panel = panel_of(win, "voice")
    qtbot.waitUntil(
        lambda: (
            (t := win.context.project.chosen_take("voice")) is not None
            and t.info.get("prompt_id") == job.prompt_id
        ),
        timeout=20000,
    )
    assert fake_comfy.prompts_seen == 1
    qtbot.waitUntil(lambda: "is done" in panel.banner.text(), timeout=5000)
    chosen = win.context.project.chosen_take("voice")
    assert panel.takes.chosen_id() == chosen.id and panel.takes.item_for(chosen.id) is not None


def test_a_lost_job_is_offered_and_sent_again_from_the_banner(
    qtbot, capsys, app_window, fake_comfy, scene, tmp_path
):
    project = project_for_video(tmp_path, scene, 2.0)
    fake_comfy.hold.set()
    rc, _out, err = run_cli(
        capsys,
        "voice",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--detach",
    )
    assert rc == 0, err
    fake_comfy.restart()  # ComfyUI restarted while the app was closed: the job is gone
    fake_comfy.hold.clear()
    win = app_window(project.root)
    win.show_stage(1)
    panel = panel_of(win, "voice")
    # re-attaching finds it gone: the banner says so and offers to send it again
    qtbot.waitUntil(lambda: panel.banner.action_button.text() == "Send again", timeout=20000)
    assert "lost" in panel.banner.text() and fake_comfy.prompts_seen == 1
    assert panel.banner.action_button.isVisible()
    qtbot.mouseClick(panel.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            (t := win.context.project.chosen_take("voice")) is not None
            and t.info.get("prompt_id") == Ledger(project.root).data.jobs[-1].prompt_id
        ),
        timeout=20000,
    )
    first, again = queued(fake_comfy)
    assert first == again  # the same graph: same inputs, same seed
    assert [j.state for j in Ledger(project.root).data.jobs] == ["failed", "done"]


def test_out_of_memory_in_chunk_2_then_resume_from_the_banner_after_reopening(
    qtbot, app_window, fake_comfy, scene, tmp_path
):
    project = project_for_video(tmp_path, scene, 9.63)  # three chunks
    fake_comfy.oom_on_prompt = 2
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    with qtbot.waitSignal(panel.runner.done, timeout=30000):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    assert "GPU memory" in panel.banner.text() or "memory" in panel.banner.text().lower()
    assert panel.chunks.isVisibleTo(panel)
    assert [panel.chunks.state_of(k) for k in (1, 2, 3)] == ["done", "stopped", "waiting"]
    assert "1 of 3 chunks done" in panel.chunks.caption.text()
    win.close()
    forget_window(qtbot, win)

    again = app_window(project.root)
    panel = video_panel(qtbot, again)
    qtbot.waitUntil(lambda: panel.banner.action_button.text() == "Resume render", timeout=10000)
    assert "1 of 3 chunks are done" in panel.banner.text()
    assert fake_comfy.prompts_seen == 2  # nothing is spent before the user says so
    qtbot.mouseClick(panel.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: again.context.project.chosen_take("video") is not None, timeout=30000)
    assert kinds(fake_comfy) == ["chunk", "chunk", "chunk", "chunk", "assembly"]
    assert not panel.chunks.isVisibleTo(panel)  # the video is the take now


def test_chunk_states_show_and_a_finished_chunk_can_be_watched(
    qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch
):
    project = project_for_video(tmp_path, scene, 9.63)
    writers: list[str] = []  # which threads write the ledger (never the GUI's)
    save = Ledger.save

    def watched_save(self) -> None:
        writers.append(threading.current_thread().name)
        save(self)

    monkeypatch.setattr(Ledger, "save", watched_save)
    fake_comfy.step_delay = 0.25
    win = app_window(project.root)
    panel = video_panel(qtbot, win)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.chunks.state_of(2) == "rendering", timeout=20000)
    assert [panel.chunks.state_of(k) for k in (1, 2, 3)] == ["done", "rendering", "waiting"]
    one, two, three = panel.chunks.buttons
    assert one.text() == "Chunk 1\n✓ done" and one.property("watchable")
    assert three.text() == "Chunk 3\nwaiting" and not three.property("watchable")
    assert "Click a finished chunk to watch it" in panel.chunks.caption.text()
    with qtbot.waitSignal(panel.player.loaded, timeout=20000):
        qtbot.mouseClick(one, Qt.MouseButton.LeftButton)
    preview = Ledger(project.root).data.runs[0].spec["previews"]["1"]
    assert panel.player.path == project.root / preview  # chunk 1's own frames
    qtbot.waitUntil(lambda: win.context.project.chosen_take("video") is not None, timeout=30000)
    assert len(writers) > 10 and threading.main_thread().name not in writers
