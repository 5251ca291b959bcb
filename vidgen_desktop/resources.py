"""Where shipped files live, from a source checkout and from a frozen (PyInstaller) build alike."""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return app_root() / "resources"


def workflows_dir() -> Path:
    return app_root() / "workflows"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
