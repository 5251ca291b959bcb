"""`vidgen project show DIR [--json]`: the project headless, with the same backup rule."""

from __future__ import annotations

import json

from tests.projects.test_project_documents import damaged_project
from tests.test_project_file import scene, v1_project
from vidgen_desktop.cli.main import main
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.pipeline.inputs import voice_made_from


def show(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["project", "show", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_show_json_has_every_stage_take_and_version(capsys, tmp_path):
    root = v1_project(tmp_path)
    project = Project.open(root)
    project.add_version(project.data.scene, "generated", model="qwen3:4b")
    rc, out, err = show(capsys, str(root), "--json")
    assert rc == 0 and err == ""
    info = json.loads(out)
    assert info["name"] == "lighthouse" and info["topic"] == "a lighthouse keeper's last night"
    assert set(info["stages"]) == {"script", "voice", "image", "video"}
    assert {s["status"] for s in info["stages"].values()} == {"done"}
    assert info["stages"]["video"]["chosen"] == project.data.chosen["video"]
    assert len(info["takes"]) == 3 and info["takes"][0]["missing"] is False
    assert {"file", "kind", "seed", "workflow", "settings", "made_from", "missing"} <= set(
        info["takes"][0]
    )
    assert info["versions"][0]["model"] == "qwen3:4b" and info["versions"][0]["current"] is True
    assert info["jobs"] == []


def test_show_says_out_of_date_empty_and_missing(capsys, tmp_path):
    project = Project.create(tmp_path / "p", name="p")
    project.set_scene(scene("new words"), topic="t")
    path = project.unique_path("voice", "v.wav")
    path.write_bytes(b"x")
    project.add_take(
        Take(
            stage="voice",
            file=project.relative(path),
            kind="audio",
            made_from=voice_made_from("old words", "", []),
        )
    )
    path.unlink()
    rc, out, _err = show(capsys, str(project.root), "--json")
    info = json.loads(out)
    assert info["stages"]["voice"]["status"] == "out of date"
    assert "the text" in info["stages"]["voice"]["why"]
    assert info["stages"]["image"]["status"] == "empty" and info["takes"][0]["missing"] is True
    rc, out, _err = show(capsys, str(project.root))
    assert rc == 0 and "voice  out of date" in out and "MISSING" in out


def test_a_damaged_project_opens_from_its_backup_and_says_so(capsys, tmp_path):
    root = damaged_project(tmp_path, "{")
    rc, out, err = show(capsys, str(root), "--json")
    assert rc == 0 and json.loads(out)["topic"] == "the good topic"
    assert "warning:" in err and "backup" in err and str(root / "project.json") in err


def test_no_usable_version_exits_2_naming_the_file(capsys, tmp_path):
    root = tmp_path / "p"
    Project.create(root)
    (root / "project.json").write_text("")
    rc, out, err = show(capsys, str(root))
    assert rc == 2 and out == ""
    assert str(root / "project.json") in err and "empty" in err
