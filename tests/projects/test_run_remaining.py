"""Run remaining stages in the window: voice → image → video unattended, stop at the first
failure, and an interrupted run continued after reopening."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.projects.test_jobs_survive_quit import close_answering, forget_window
from tests.voice_video.conftest import panel_of, queued, wait_workflows
from tests.voice_video.test_resume_cli import chunk_of
from vidgen_desktop.core.project import Project
from vidgen_desktop.pipeline.ledger import Ledger
from vidgen_desktop.ui import quit_dialog


def scripted_project(tmp_path, scene) -> Project:
    project = Project.create(tmp_path / "unattended")
    project.set_scene(scene)
    project.data.current_stage = "voice"
    project.save()
    return project


def stage_of(graph: dict) -> str:
    classes = " ".join(n["class_type"] for n in graph.values())
    if "SaveAudio" in classes:
        return "voice"
    if "SaveVideo" in classes:
        return "video"
    return "image"


def ready(qtbot, win) -> None:
    for key in ("voice", "image", "video"):
        wait_workflows(qtbot, panel_of(win, key))
    qtbot.waitUntil(lambda: win.remaining.button.isEnabled(), timeout=5000)


def pipelines(root) -> list:
    return [r for r in Ledger(root).data.runs if r.kind == "pipeline"]


def test_run_remaining_stages_runs_voice_image_video_in_order(
    qtbot, app_window, fake_comfy, scene, tmp_path
):
    project = scripted_project(tmp_path, scene)
    win = app_window(project.root)
    ready(qtbot, win)
    button = win.remaining.button
    assert button.text() == "Run remaining stages"
    assert "Run Voice, Image, Video one after another" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.text() == "Stop after this stage"
    qtbot.waitUntil(lambda: win.context.project.chosen_take("video") is not None, timeout=60000)
    assert [stage_of(g) for g in queued(fake_comfy)] == ["voice", "image", "video"]
    p = win.context.project
    video = p.chosen_take("video")
    assert video.made_from["take:voice"] == p.chosen_take("voice").id
    assert video.made_from["take:image"] == p.chosen_take("image").id
    qtbot.waitUntil(
        lambda: bool(pipelines(project.root)) and pipelines(project.root)[0].state == "done"
    )
    assert pipelines(project.root)[0].spec["done"] == ["voice", "image", "video"]
    assert win.current_panel().key == "video"  # the window followed the run
    qtbot.waitUntil(lambda: button.text() == "Run remaining stages")


def test_run_remaining_stops_at_the_first_failure(qtbot, app_window, fake_comfy, scene, tmp_path):
    project = scripted_project(tmp_path, scene)
    fake_comfy.oom_on_prompt = 2  # the image
    win = app_window(project.root)
    ready(qtbot, win)
    notices: list[str] = []
    win.context.notice.connect(lambda _level, text: notices.append(text))
    qtbot.mouseClick(win.remaining.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("stopped at Image" in n for n in notices), timeout=30000)
    image = panel_of(win, "image")
    assert "memory" in image.banner.text().lower()
    assert win.current_panel() is image
    qtbot.wait(300)
    assert [stage_of(g) for g in queued(fake_comfy)] == ["voice", "image"]  # no video queued
    qtbot.waitUntil(lambda: pipelines(project.root)[0].state == "failed")
    assert "Image" in pipelines(project.root)[0].error


def quit_while_the_image_runs(
    qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
):
    """Run remaining stages, quit (keep running) while the image renders, open again: the
    window that offers Continue."""
    project = scripted_project(tmp_path, scene)
    win = app_window(project.root)
    ready(qtbot, win)
    fake_comfy.step_delay = 0.3
    qtbot.mouseClick(win.remaining.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: fake_comfy.prompts_seen == 2 and bool(fake_comfy.running), timeout=30000
    )
    close_answering(qtbot, win, monkeypatch, no_quit_question, quit_dialog.KEEP_TEXT)
    forget_window(qtbot, win)
    fake_comfy.step_delay = 0.0

    again = app_window(project.root)
    qtbot.waitUntil(lambda: again.banner.action_button.text() == "Continue", timeout=10000)
    return again


def test_an_interrupted_run_is_offered_again_and_continues(
    qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
):
    again = quit_while_the_image_runs(
        qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
    )
    assert "stopped before Image" in again.banner.text()
    qtbot.mouseClick(again.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: again.context.project.chosen_take("video") is not None, timeout=60000)
    # the image that was running was picked up, not sent again; then the video ran
    assert [stage_of(g) for g in queued(fake_comfy)] == ["voice", "image", "video"]
    assert [chunk_of(g) for g in queued(fake_comfy)] == ["job"] * 3
    qtbot.waitUntil(lambda: pipelines(again.context.project.root)[0].state == "done")


def test_a_job_that_finished_after_the_restart_is_not_sent_again_by_continue(
    qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
):
    again = quit_while_the_image_runs(
        qtbot, app_window, fake_comfy, scene, tmp_path, monkeypatch, no_quit_question
    )
    # the image job is re-attached by its stage and lands before the user clicks Continue
    qtbot.waitUntil(lambda: again.context.project.chosen_take("image") is not None, timeout=30000)
    qtbot.mouseClick(again.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: again.context.project.chosen_take("video") is not None, timeout=60000)
    assert [stage_of(g) for g in queued(fake_comfy)] == ["voice", "image", "video"]
