"""Fixtures for packaging tests: the repo's shipped files, a frozen build when CI provides one,
and a way to run the app's --self-test as a separate process (exactly like a user or CI would)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHIPPED_FOLDERS = ("resources", "workflows")
SELF_TEST_TIMEOUT_S = 90


def shipped_files() -> list[Path]:
    """Repo-relative paths the spec globs into the bundle (same rule: no dotfiles/__pycache__)."""
    files = []
    for folder in SHIPPED_FOLDERS:
        base = REPO / folder
        for p in sorted(base.rglob("*")) if base.is_dir() else []:
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith("."):
                files.append(p.relative_to(REPO))
    return files


def bundle_root(dist: Path) -> Path:
    """Where PyInstaller put the data files: `_internal/` (6.x one-folder) or a macOS bundle."""
    for candidate in (dist / "_internal", dist / "Contents" / "Resources", dist):
        if (candidate / "resources").is_dir():
            return candidate
    raise AssertionError(f"no resources/ folder anywhere in {dist}")


@pytest.fixture
def frozen_dist() -> Path:
    value = os.environ.get("VIDGEN_FROZEN_DIST", "")
    if not value:
        pytest.skip("no frozen build: set VIDGEN_FROZEN_DIST=dist/'VidGen Desktop' (CI does)")
    dist = Path(value)
    assert dist.is_dir(), f"VIDGEN_FROZEN_DIST={value} is not a folder"
    return dist


def run_self_test(cwd: Path, env_extra: dict[str, str], pythonpath: Path | None = None):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env_extra}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "--self-test"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SELF_TEST_TIMEOUT_S,
    )
