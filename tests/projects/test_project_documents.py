"""A project behaves like a document: what a user typed and made comes back after quitting, Open
Recent and Save As work, a damaged file is recovered or explained, never switched silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.projects.conftest import quit_app
from tests.voice_video.conftest import panel_of, wait_workflows
from vidgen_desktop.core import project_file
from vidgen_desktop.core.project import Project


def script_of(win):
    return panel_of(win, "script")


def wait_models(qtbot, panel) -> None:
    qtbot.waitUntil(
        lambda: panel.models is not None and not panel.models_runner.is_running(), timeout=10000
    )


def generate_scene(qtbot, win, topic="a lighthouse keeper's last night") -> None:
    panel = script_of(win)
    wait_models(qtbot, panel)
    panel.topic.clear()
    qtbot.keyClicks(panel.topic, topic)
    with qtbot.waitSignal(panel.gen_runner.done, timeout=15000):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    assert win.context.scene is not None


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def generate_take(qtbot, win, key: str):
    panel = panel_of(win, key)
    win.show_stage(win.panels.index(panel))
    wait_workflows(qtbot, panel)
    with qtbot.waitSignal(panel.runner.done, timeout=20000):
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    return win.context.project.chosen_take(key)


def test_everything_typed_and_made_comes_back_after_quitting(qtbot, app_window):
    win = app_window()
    win.projects.new_project()
    generate_scene(qtbot, win)
    script = script_of(win)
    lyrics = script.editor.editors[("audio", "lyrics")]
    lyrics.moveCursor(lyrics.textCursor().MoveOperation.End)
    type_into(qtbot, lyrics, " Hand-typed.")
    voice = panel_of(win, "voice")
    voice_take = generate_take(qtbot, win, "voice")
    voice.instruct.clear()
    type_into(qtbot, voice.instruct, "slow and low")
    voice.seed.edit.setText("1234")
    image = panel_of(win, "image")
    win.show_stage(2)
    wait_workflows(qtbot, image)
    type_into(qtbot, image.settings_box.style_edit, "film grain")
    source = Path(win.context.project.root.parent / "own.png")
    source.write_bytes(PNG_1PX)
    with qtbot.waitSignal(image.importer.done, timeout=5000):
        image.import_files([str(source)])
    image_take = win.context.project.chosen_take("image")
    video = panel_of(win, "video")
    win.show_stage(3)
    wait_workflows(qtbot, video)
    video.negative.clear()
    type_into(qtbot, video.negative, "no blur")
    win.show_stage(1)  # the stage the user was on
    root, name = win.context.project.root, win.context.project.name
    assert name.endswith("a lighthouse keeper's last night")  # named from the topic
    quit_app(qtbot, win)

    again = app_window()
    assert again.context.project.root == root and again.windowTitle().startswith(name)
    assert again.stack.currentIndex() == 1
    script = script_of(again)
    assert script.topic.text() == "a lighthouse keeper's last night"
    assert script.editor.editors[("audio", "lyrics")].toPlainText().endswith(" Hand-typed.")
    voice = panel_of(again, "voice")
    assert voice.instruct.toPlainText() == "slow and low" and voice.seed.value() == 1234
    assert voice.lyrics.text().endswith(" Hand-typed.")  # followed the edited script
    project = again.context.project
    assert project.chosen_take("voice").id == voice_take.id
    assert project.chosen_take("image").id == image_take.id
    image = panel_of(again, "image")
    again.show_stage(2)
    wait_workflows(qtbot, image)
    assert image.settings_box.style_edit.text() == "film grain"
    qtbot.waitUntil(lambda: image.view.mode == "take", timeout=5000)  # the image is shown
    video = panel_of(again, "video")
    assert video.negative.text() == "no blur"
    assert voice.takes.list.count() == 1 and image.takes.list.count() == 1


def test_open_recent_lists_projects_and_greys_missing_ones(qtbot, app_window, tmp_path):
    win = app_window()
    first = win.context.project.root
    win.projects.new_project()
    second = win.context.project.root
    assert win.context.settings.recent_projects[:2] == [str(second), str(first)]
    gone = tmp_path / "gone project"
    Project.create(gone)
    win.context.remember_recent(gone)
    shutil.rmtree(gone)
    win.projects.fill_recent()
    actions = {a.data(): a for a in win.projects.recent_menu.actions() if a.data()}
    assert not actions[str(gone)].isEnabled() and str(gone) in actions[str(gone)].text()
    assert actions[str(first)].isEnabled()
    with qtbot.waitSignal(win.context.project_changed, timeout=5000):
        actions[str(first)].trigger()
    assert win.context.project.root == first
    clear = next(
        a for a in win.projects.recent_menu.actions() if a.objectName() == "action_clear_recent"
    )
    clear.trigger()
    assert win.context.settings.recent_projects == []


def test_save_as_copies_media_and_continues_in_the_copy(qtbot, app_window, tmp_path):
    win = app_window()
    generate_scene(qtbot, win)
    take = generate_take(qtbot, win, "voice")
    original = win.context.project.root
    target = tmp_path / "the copy"
    with qtbot.waitSignal(win.context.project_changed, timeout=10000):
        win.projects.save_as(target)
    copy = win.context.project
    assert copy.root == target and copy.name == "the copy" and "the copy" in win.windowTitle()
    assert (target / take.file).read_bytes() == (original / take.file).read_bytes()
    script = script_of(win)
    field = script.editor.editors[("image", "positive_prompt")]
    field.setPlainText("only in the copy")
    script.commit_edits()
    win.context.writer.flush()
    assert (
        json.loads((target / "project.json").read_text())["scene"]["image"]["positive_prompt"]
        == "only in the copy"
    )
    kept = json.loads((original / "project.json").read_text())
    assert kept["scene"]["image"]["positive_prompt"] != "only in the copy"


def damaged_project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "damaged"
    project = Project.create(root, name="damaged")
    project.data.topic = "the good topic"
    project.save()
    project.data.topic = "the newer good topic"
    project.save()  # the backup holds "the good topic"
    (root / "project.json").write_text(text)
    return root


def test_a_damaged_project_opens_from_its_backup_with_a_banner(qtbot, app_window, tmp_path):
    for text in ('{"name": "damaged", "topic": "half', "", "{"):
        root = damaged_project(tmp_path / str(len(text)), text)
        win = app_window(project=root)
        project = win.context.project
        assert project.root == root and project.data.topic == "the good topic"
        assert win.banner.isVisible()
        banner = win.banner.text()
        assert str(root / "project.json") in banner and "backup of" in banner
        assert project.recovery.damaged.read_text() == text
        assert project.recovery.damaged.name in banner
        quit_app(qtbot, win)


def test_a_damaged_project_without_backup_asks_and_never_switches(
    qtbot, app_window, tmp_path, monkeypatch
):
    shown = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self))
    root = tmp_path / "broken"
    Project.create(root)
    (root / "project.json").write_text("{broken")
    win = app_window(project=root)
    assert win.context.project is None  # no other project was opened in its place
    assert win.pages.currentWidget() is win.start_page and win.start_page.note.isVisible()
    assert str(root / "project.json") in win.start_page.note.text()
    qtbot.waitUntil(lambda: bool(shown), timeout=3000)
    box = shown[0]
    assert str(root / "project.json") in box.text() and "not valid JSON" in box.text()
    assert {b.text() for b in box.buttons()} >= {"Show the Folder", "Open Another…", "New Project"}
    assert (root / "project.json").read_text() == "{broken"
    # from a project that is open, a failed open leaves it open
    other = Project.create(tmp_path / "fine", name="fine")
    win.projects.open_path(other.root)
    qtbot.waitUntil(lambda: win.context.project is not None, timeout=5000)
    win.projects.open_path(root)
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    assert win.context.project.root == other.root


def test_a_project_folder_on_the_command_line_and_dropped_on_the_window(
    qtbot, app_window, tmp_path
):
    from vidgen_desktop.__main__ import _opens_a_project
    from vidgen_desktop.app import project_argument

    one = Project.create(tmp_path / "one", name="one")
    two = Project.create(tmp_path / "two", name="two")
    assert project_argument(["vidgen-desktop", str(one.root)]) == one.root
    assert _opens_a_project(str(one.root)) and _opens_a_project(str(one.root / "project.json"))
    assert not _opens_a_project("run") and not _opens_a_project("--help")
    win = app_window(project=one.root / "project.json")
    assert win.context.project.root == one.root and win.windowTitle().startswith("one")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(two.root))])
    args = (
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(*args)
    QApplication.sendEvent(win, enter)  # a drag over the window first, as a real drop has
    assert enter.isAccepted()
    with qtbot.waitSignal(win.context.project_changed, timeout=5000):
        QApplication.sendEvent(win, QDropEvent(*args))
    assert win.context.project.root == two.root


def test_new_rename_and_close(qtbot, app_window, monkeypatch):
    win = app_window()
    win.projects.new_project()
    project = win.context.project
    assert project.name.startswith("Untitled") and project.root.parent == win.context.projects_dir()
    win.projects.rename("Harbour at dusk")
    win.context.writer.flush()
    assert project.root.name == "Harbour at dusk" and (project.root / "project.json").is_file()
    assert win.windowTitle().startswith("Harbour at dusk")
    win.projects.close_project()
    assert win.context.project is None and win.pages.currentWidget() is win.start_page
    assert not win.projects.save_as_action.isEnabled()
    assert str(project.root) in [
        win.start_page.recent.item(i).toolTip() for i in range(win.start_page.recent.count())
    ]


def test_missing_take_files_are_shown_with_their_path(qtbot, app_window, scene):
    win = app_window()
    win.context.set_scene(scene)
    take = generate_take(qtbot, win, "voice")
    path = win.context.project.path_of(take)
    root = win.context.project.root
    quit_app(qtbot, win)
    path.unlink()
    again = app_window()
    voice = panel_of(again, "voice")
    assert again.context.project.root == root and again.context.project.is_missing(take)
    item = voice.takes.list.item(0)
    assert "missing" in item.text() and str(path) in item.toolTip()
    assert str(path) in voice.banner.text()


def test_backups_are_written_as_the_user_works(qtbot, app_window, monkeypatch):
    monkeypatch.setattr(project_file, "BACKUP_SPACING_S", 0.0)
    win = app_window()
    generate_scene(qtbot, win)
    win.context.writer.flush()
    assert project_file.backups(win.context.project.root)
