"""Test isolation: every per-user path goes to a temp folder; Qt runs offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "vidgen-home"
    monkeypatch.setenv("VIDGEN_HOME", str(home))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    return home
