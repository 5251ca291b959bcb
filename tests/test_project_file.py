"""project.json never loses work: format 1 files open unchanged, every save keeps a backup, a
damaged file opens from the newest good backup (and is kept), missing media stay as takes."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.shared_data import REPO_ROOT
from vidgen_desktop.core import project_file
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.core.project_file import ProjectDamaged
from vidgen_desktop.core.scene import Scene

V1 = REPO_ROOT / "tests" / "data" / "projects" / "v1-project.json"


def scene(lyrics: str = "The lamp is lit.") -> Scene:
    return Scene.model_validate(
        {
            "audio": {"lyrics": lyrics, "tags": ["calm"]},
            "image": {"positive_prompt": "a keeper", "negative_prompt": "blurry"},
            "video": {"positive_prompt": "he speaks", "negative_prompt": "distorted"},
        }
    )


def v1_project(tmp_path: Path) -> Path:
    root = tmp_path / "lighthouse"
    root.mkdir()
    shutil.copyfile(V1, root / "project.json")
    for stage, name in (
        ("voice", "voice_00001_.flac"),
        ("image", "z_image_00002_.png"),
        ("video", "talking_00003_.mp4"),
    ):
        (root / stage).mkdir()
        (root / stage / name).write_bytes(b"x")
    return root


def test_a_format_1_project_opens_unchanged(tmp_path):
    root = v1_project(tmp_path)
    raw = json.loads(V1.read_text())
    assert raw["schema_version"] == 1
    project = Project.open(root)
    assert project.recovery is None and not project.missing
    assert project.data.name == "lighthouse" and project.data.topic == raw["topic"]
    assert project.data.scene is not None and project.data.scene.model_dump() == raw["scene"]
    assert [t.id for t in project.data.takes] == [t["id"] for t in raw["takes"]]
    assert project.data.chosen == raw["chosen"]
    assert project.data.stage_inputs == raw["stage_inputs"]
    assert project.data.versions == [] and project.data.current_stage == "script"
    project.save()  # saving upgrades the format; nothing is dropped
    again = json.loads((root / "project.json").read_text())
    assert again["schema_version"] == project_file.SCHEMA_VERSION
    assert again["takes"] == [dict(t, made_from={}, draft=False) for t in raw["takes"]]


def test_every_save_keeps_the_previous_good_file(tmp_path, monkeypatch):
    monkeypatch.setattr(project_file, "BACKUP_SPACING_S", 0.0)
    project = Project.create(tmp_path / "p", name="p")
    assert project_file.backups(project.root) == []  # a new file replaces nothing
    for i in range(3):
        project.data.topic = f"topic {i}"
        project.save()
        time.sleep(0.002)
    kept = project_file.backups(project.root)
    assert len(kept) == 3
    assert json.loads(kept[0].read_text())["topic"] == "topic 1"  # the file each save replaced


def test_backups_roll_and_a_typing_burst_uses_one_slot(tmp_path, monkeypatch):
    project = Project.create(tmp_path / "p", name="p")
    for i in range(5):  # within a minute: one slot, always holding the last good file
        project.data.topic = f"typing {i}"
        project.save()
    kept = project_file.backups(project.root)
    assert len(kept) == 1 and json.loads(kept[0].read_text())["topic"] == "typing 3"
    monkeypatch.setattr(project_file, "BACKUP_SPACING_S", 0.0)
    for i in range(project_file.BACKUPS_KEPT + 5):
        project.data.topic = f"later {i}"
        project.save()
        time.sleep(0.002)
    assert len(project_file.backups(project.root)) == project_file.BACKUPS_KEPT


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "empty", "not a project"])
def test_a_damaged_file_opens_from_the_newest_backup_and_is_kept(tmp_path, damage):
    project = Project.create(tmp_path / "p", name="p")
    project.set_scene(scene("first"), topic="the good one")
    project.set_scene(scene("second"), topic="the good one")  # backup holds "first"
    path = project.root / "project.json"
    good = path.read_text()
    broken = {
        "corrupt": '{"name": "p", garbage',
        "truncated": good[: len(good) // 2],
        "empty": "",
        "not a project": "[1, 2, 3]",
    }[damage]
    path.write_text(broken)
    reopened = Project.open(project.root)
    recovery = reopened.recovery
    assert recovery is not None
    assert reopened.data.scene.audio.lyrics == "first" and reopened.data.topic == "the good one"
    assert recovery.damaged.read_text() == broken  # kept beside it, byte for byte
    assert recovery.damaged.parent == project.root and recovery.damaged.name.startswith(
        "project.damaged-"
    )
    assert json.loads(path.read_text())["scene"]["audio"]["lyrics"] == "first"
    sentence = recovery.sentence()
    assert (
        str(path) in sentence
        and recovery.backup.name in sentence
        and recovery.damaged.name in sentence
    )


def test_a_damaged_backup_is_skipped_for_an_older_good_one(tmp_path, monkeypatch):
    monkeypatch.setattr(project_file, "BACKUP_SPACING_S", 0.0)
    project = Project.create(tmp_path / "p", name="p")
    project.set_scene(scene("one"))
    time.sleep(0.002)
    project.set_scene(scene("two"))
    time.sleep(0.002)
    project.set_scene(scene("three"))
    newest, older = project_file.backups(project.root)[:2]
    newest.write_text("{")
    (project.root / "project.json").write_text("")
    reopened = Project.open(project.root)
    assert reopened.data.scene.audio.lyrics == "one" and reopened.recovery.backup == older


def test_no_usable_backup_names_the_file_and_touches_nothing(tmp_path):
    root = tmp_path / "p"
    Project.create(root)
    (root / "project.json").write_text("{broken")
    with pytest.raises(ProjectDamaged) as caught:
        Project.open(root)
    assert caught.value.path == root / "project.json"
    assert (
        "not valid JSON" in caught.value.reason
        and str(root / "project.json") in caught.value.message
    )
    assert (root / "project.json").read_text() == "{broken"
    assert not list(root.glob("project.damaged-*"))


def test_a_newer_format_is_refused_and_never_replaced_by_a_backup(tmp_path):
    root = tmp_path / "p"
    project = Project.create(root)
    project.save()
    project.save()
    (root / "project.json").write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(InvalidInput, match="newer VidGen Desktop"):
        Project.open(root)
    assert json.loads((root / "project.json").read_text()) == {"schema_version": 99}
    with pytest.raises(InvalidInput, match="not a VidGen project"):
        Project.open(tmp_path / "nowhere")


def test_missing_media_stay_takes_and_are_marked(tmp_path):
    project = Project.create(tmp_path / "p", name="Demo")
    kept_path = project.unique_path("image", "../x.png")
    kept_path.write_bytes(b"png")
    kept = project.add_take(Take(stage="image", file=project.relative(kept_path), kind="image"))
    gone_path = project.unique_path("image", "x.png")
    assert gone_path != kept_path  # never overwrites an earlier take
    gone_path.write_bytes(b"png")
    gone = project.add_take(Take(stage="image", file=project.relative(gone_path), kind="image"))
    gone_path.unlink()
    reopened = Project.open(tmp_path / "p")
    assert [t.id for t in reopened.takes_for("image")] == [kept.id, gone.id]
    assert (
        reopened.missing == {gone.id}
        and reopened.is_missing(gone)
        and not reopened.is_missing(kept)
    )
    assert reopened.data.chosen["image"] == gone.id  # the choice is kept too


def test_a_moved_or_renamed_project_folder_still_opens(tmp_path):
    root = v1_project(tmp_path)
    moved = tmp_path / "elsewhere" / "renamed project"
    moved.parent.mkdir()
    os.rename(root, moved)
    project = Project.open(moved / "project.json")
    assert project.root == moved and not project.missing
    assert project.path_of(project.chosen_take("video")).is_file()
    text = (moved / "project.json").read_text()
    assert str(tmp_path) not in text  # nothing absolute inside


def test_versions_keep_hand_edits_before_a_new_scene(tmp_path):
    project = Project.create(tmp_path / "p")
    project.set_scene(scene("written"), topic="t")
    project.add_version(scene("written"), "generated", model="qwen3:4b", options={"seed": 1})
    assert project.keep_edits() is None  # the scene is already a version
    project.set_scene(scene("edited by hand"))
    kept = project.keep_edits()
    assert (
        kept is not None and kept.origin == "edited" and kept.scene.audio.lyrics == "edited by hand"
    )
    assert [v.origin for v in project.data.versions] == ["generated", "edited"]
    assert project.current_version() == kept
    reopened = Project.open(project.root)
    assert [v.scene.audio.lyrics for v in reopened.data.versions] == ["written", "edited by hand"]
    assert reopened.data.versions[0].model == "qwen3:4b"
