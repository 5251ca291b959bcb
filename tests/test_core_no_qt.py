"""The core must stay importable and usable without Qt (headless CLI, other front ends)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "vidgen_desktop"
CORE_PACKAGES = ["core", "ollama_client", "comfy", "workflow", "pipeline", "gpu"]
#: modules that talk to a network: core/ (the scene, project store, settings) uses none of them
NETWORK_MODULES = (
    "requests",
    "httpx",
    "ollama",
    "websocket",
    "socket",
    "urllib.request",
    "http.client",
)


def test_core_modules_do_not_import_qt():
    offenders = []
    for pkg in CORE_PACKAGES:
        for path in (PKG / pkg).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if (
                "PySide6" in text
                or "from vidgen_desktop.ui" in text
                or "vidgen_desktop.workers" in text
            ):
                offenders.append(str(path.relative_to(PKG)))
    assert offenders == []


def test_importing_the_core_does_not_load_qt():
    mods = ", ".join(
        f"vidgen_desktop.{p}.{f.stem}"
        for p in CORE_PACKAGES
        for f in sorted((PKG / p).glob("*.py"))
        if f.stem != "__init__"
    )
    code = f"import sys, {mods}; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_core_does_no_network_io():
    """core/ holds data and files; talking to servers lives in comfy/, ollama_client/, gpu/."""
    import re

    offenders = []
    for path in (PKG / "core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for module in NETWORK_MODULES:
            if re.search(rf"^\s*(import|from) {re.escape(module)}\b", text, re.MULTILINE):
                offenders.append(f"{path.name}: {module}")
    assert offenders == []
