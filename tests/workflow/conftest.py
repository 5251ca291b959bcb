"""Fixtures for the workflow package: the recorded real /object_info files and model stocking.

The recordings come from model-free servers, so every loader's file list is empty; tests that
need "the server has this model" add file names to a copy with `stock_models`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.stocked import stock as stock_models  # noqa: F401 - re-exported for tests
from tests.shared_data import REPO_ROOT, TRANSCRIPTS

V025 = TRANSCRIPTS / "v0.25"
V0364 = TRANSCRIPTS / "v0.3.64"
WORKFLOWS = REPO_ROOT / "workflows"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def core_025() -> dict[str, Any]:
    return _load(V025 / "comfyui_object_info.json")


@pytest.fixture(scope="session")
def info_025(core_025) -> dict[str, Any]:
    """ComfyUI 0.25.0 with the three recorded TTS packs loaded (848 classes, as recorded)."""
    merged = dict(core_025)
    for pack in ("qwen_tts", "tts_audio_suite", "vibevoice"):
        merged.update(_load(V025 / f"comfyui_object_info_{pack}.json"))
    return merged


@pytest.fixture(scope="session")
def info_0364() -> dict[str, Any]:
    return _load(V0364 / "comfyui_object_info.json")


@pytest.fixture
def infos(info_025, info_0364) -> dict[str, dict[str, Any]]:
    return {"0.25": info_025, "0.3.64": info_0364}


@pytest.fixture(scope="session")
def s2v_transcript() -> dict[str, Any]:
    return _load(V025 / "comfyui_s2v_gpu_h200.json")


@pytest.fixture
def workflows_copy(tmp_path) -> Path:
    """The shipped workflows folder copied, so a test may edit files freely."""
    target = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, target)
    return target


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
