"""The checkout stands alone: recordings live inside it, and reading beside it fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import OutsideCheckout
from tests.shared_data import REPO_ROOT, TRANSCRIPTS


def test_transcripts_are_inside_the_checkout():
    assert TRANSCRIPTS.resolve().is_relative_to(REPO_ROOT.resolve())
    assert (TRANSCRIPTS / "v0.25" / "comfyui_sampler_txt2img.json").is_file()
    assert (TRANSCRIPTS / "ollama" / "ollama_tags.json").is_file()


def test_reading_beside_the_checkout_is_refused():
    beside = REPO_ROOT.parent / "shared" / "transcripts" / "v0.25" / "comfyui_object_info.json"
    with pytest.raises(OutsideCheckout):
        beside.read_text(encoding="utf-8")


def test_reading_inside_and_in_temp_folders_is_allowed(tmp_path: Path):
    (tmp_path / "x.txt").write_text("ok", encoding="utf-8")
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "ok"
    assert (REPO_ROOT / "README.md").read_text(encoding="utf-8")
