"""The frozen folder holds every shipped file, byte for byte (runs when CI sets VIDGEN_FROZEN_DIST).

CI builds once with `make package`, runs the frozen `--self-test`, then this module with
VIDGEN_FROZEN_DIST="dist/VidGen Desktop" (and VIDGEN_FROZEN_ARCHIVE for the Linux .tar.gz).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tarfile
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO, bundle_root, shipped_files
from vidgen_desktop import __version__


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_repo_ships_resources_and_workflows():
    names = {p.parts[0] for p in shipped_files()}
    assert names == {"resources", "workflows"}


def test_every_shipped_file_is_in_the_frozen_folder(frozen_dist):
    root = bundle_root(frozen_dist)
    missing, different = [], []
    for rel in shipped_files():
        frozen = root / rel
        if not frozen.is_file():
            missing.append(str(rel))
        elif digest(frozen) != digest(REPO / rel):
            different.append(str(rel))
    assert not missing, f"missing from {root}: {missing}"
    assert not different, f"stale copies in {root} (rebuild): {different}"


def test_frozen_folder_has_metadata_executable_and_multimedia_plugin(frozen_dist):
    root = bundle_root(frozen_dist)
    # dist-info from a wheel/PEP 660 install, egg-info from a legacy editable one
    metadata = list(root.glob(f"vidgen_desktop-{__version__}.dist-info/METADATA"))
    metadata += [
        p
        for p in root.glob("vidgen_desktop*.egg-info/PKG-INFO")
        if f"Version: {__version__}\n" in p.read_text(encoding="utf-8")
    ]
    assert metadata, "package metadata (the version source) not bundled"
    exe = "VidGen Desktop.exe" if sys.platform == "win32" else "vidgen-desktop"
    if sys.platform != "darwin":
        assert (frozen_dist / exe).is_file()
    plugins = list(root.glob("PySide6/Qt/plugins/multimedia/*ffmpegmediaplugin*"))
    plugins += list(root.glob("PySide6/plugins/multimedia/*ffmpegmediaplugin*"))  # Windows wheel
    assert plugins, "QtMultimedia ffmpeg backend missing: playback would silently never load"


def test_frozen_folder_holds_no_user_data(frozen_dist):
    root = bundle_root(frozen_dist)
    for name in ("settings.json", "vidgen.log", "project.json"):
        assert not list(root.rglob(name)), f"{name} inside the install folder"


def test_linux_archive_has_app_desktop_entry_and_icon():
    value = os.environ.get("VIDGEN_FROZEN_ARCHIVE", "")
    if not value:
        pytest.skip("no archive: set VIDGEN_FROZEN_ARCHIVE=dist/vidgen-desktop-*.tar.gz (CI does)")
    with tarfile.open(value) as tar:
        names = set(tar.getnames())
    top = f"vidgen-desktop-{__version__}"
    for needed in (
        "vidgen-desktop",
        "vidgen-desktop.desktop",
        "vidgen-desktop.png",
        "install-desktop-entry.sh",
    ):
        assert f"{top}/{needed}" in names, needed
    for rel in shipped_files():
        assert f"{top}/_internal/{rel.as_posix()}" in names, rel
