"""`--self-test` end to end (a real process, offscreen) and each check's failure path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO, run_self_test
from vidgen_desktop.selftest import (
    CheckFailed,
    check_multimedia,
    check_resources,
    check_text_and_locale,
    check_workflows,
)

CHECK_NAMES = (
    "version",
    "resources",
    "workflows",
    "package data",
    "text and locale",
    "main window",
    "multimedia",
)


def copy_app_tree(dest: Path) -> Path:
    """A private copy of the package + shipped folders, so a test can break one of them."""
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("vidgen_desktop", "resources", "workflows"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    return dest


def test_self_test_passes_from_source_and_touches_no_user_data(tmp_path):
    home = tmp_path / "user-home"
    result = run_self_test(REPO, {"VIDGEN_HOME": str(home)})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in CHECK_NAMES:
        assert any(line.startswith(f"ok   {name}:") for line in lines), result.stdout
    assert "FAIL" not in result.stdout
    assert lines[-1].startswith("self-test passed: 7 checks")
    assert not home.exists(), "the self-test wrote into the user's data folder"


def test_self_test_exits_nonzero_and_names_each_broken_part(tmp_path):
    """One process, two faults: a corrupt workflow file and a missing resources folder."""
    tree = copy_app_tree(tmp_path / "app")
    broken = sorted((tree / "workflows").glob("*.json"))[0]
    broken.write_text('{"1": {"class_type": ', encoding="utf-8")
    shutil.rmtree(tree / "resources")
    result = run_self_test(tree, {"VIDGEN_HOME": str(tmp_path / "home")}, pythonpath=tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FAIL resources: no resources found in {tree / 'resources'}" in result.stdout
    assert f"FAIL workflows: {broken.name} is not valid JSON" in result.stdout
    assert "self-test FAILED (2 of 7 checks): resources:" in result.stdout
    # the other checks still ran and passed
    assert "ok   multimedia:" in result.stdout
    assert "ok   main window:" in result.stdout


def test_check_resources_rejects_an_image_that_does_not_decode(tmp_path, qapp):
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "logo.png").write_bytes(b"not a png at all")
    with pytest.raises(CheckFailed, match=r"image does not decode: icons/logo\.png"):
        check_resources(tmp_path)


def test_check_resources_rejects_an_empty_file(tmp_path, qapp):
    (tmp_path / "prompt_template.txt").write_bytes(b"")
    with pytest.raises(CheckFailed, match="empty resource: prompt_template.txt"):
        check_resources(tmp_path)


def test_check_workflows_needs_the_folder_and_at_least_one_graph(tmp_path):
    with pytest.raises(CheckFailed, match="workflows folder missing"):
        check_workflows(tmp_path / "nope")
    (tmp_path / "README.md").write_text("docs only", encoding="utf-8")
    with pytest.raises(CheckFailed, match="no workflow graphs"):
        check_workflows(tmp_path)


def test_check_workflows_uses_the_projects_loader(tmp_path):
    """Valid JSON that is not a ComfyUI API graph must be refused by load_workflow."""
    shutil.copytree(REPO / "workflows", tmp_path / "wf")
    graph = sorted(p for p in (tmp_path / "wf").glob("*.json") if p.name != "manifest.json")[0]
    graph.write_text('{"1": {"not_a_node": true}}', encoding="utf-8")
    with pytest.raises(CheckFailed, match=f"{graph.name} rejected by load_workflow"):
        check_workflows(tmp_path / "wf")


def test_check_workflows_accepts_the_shipped_folder():
    detail = check_workflows(REPO / "workflows")
    graphs = [p for p in (REPO / "workflows").glob("*.json") if p.name != "manifest.json"]
    assert detail.startswith(f"{len(graphs)} workflows loaded with load_workflow")


def test_check_multimedia_fails_on_media_that_does_not_load(tmp_path, qapp):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 4)
    with pytest.raises(CheckFailed, match="junk.wav"):
        check_multimedia(tmp_path, media=junk)


def test_check_multimedia_loads_the_generated_wav(tmp_path, qapp):
    assert "selftest.wav loaded, 250 ms" in check_multimedia(tmp_path)


def test_check_text_and_locale_passes_with_the_installed_qt(qapp):
    assert "1.234,5" in check_text_and_locale()
