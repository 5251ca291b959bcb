"""Static packaging files agree with each other, and the ICU slimming keeps what Qt reads."""

from __future__ import annotations

import configparser
import re
import struct
import sys

import pytest

from tests.packaging.conftest import REPO

sys.path.insert(0, str(REPO / "packaging"))
import slim_icu


def test_desktop_entry_is_complete():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in .desktop files
    parser.read(REPO / "packaging" / "vidgen-desktop.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "VidGen Desktop"
    assert entry["Exec"] == "vidgen-desktop"
    assert entry["Icon"] == "vidgen-desktop"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


def test_inno_setup_script_takes_version_from_outside_and_matches_the_spec():
    iss = (REPO / "packaging" / "installer.iss").read_text(encoding="utf-8")
    spec = (REPO / "packaging" / "vidgen.spec").read_text(encoding="utf-8")
    assert "#ifndef AppVersion" in iss and "#error" in iss
    assert not re.search(r"^AppVersion=\d", iss, re.MULTILINE), "version hard-coded in the script"
    assert re.search(r"^AppVersion=\{#AppVersion\}$", iss, re.MULTILINE)
    assert re.search(
        r"AppId=\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", iss
    )
    assert '#define AppExeName "VidGen Desktop.exe"' in iss
    assert 'APP_NAME = "VidGen Desktop"' in spec and "EXE_NAME = APP_NAME if (IS_WIN" in spec
    assert '#define BuildDir "..\\dist\\VidGen Desktop"' in iss
    assert "{autoprograms}" in iss  # Start-menu entry


def test_every_icon_size_exists():
    icons = REPO / "resources" / "icons"
    for size in (16, 32, 48, 64, 128, 256, 512):
        data = (icons / f"vidgen-{size}.png").read_bytes()
        width, height = struct.unpack(">II", data[16:24])  # PNG IHDR
        assert (width, height) == (size, size)
    ico = (icons / "vidgen.ico").read_bytes()
    assert ico[:4] == b"\0\0\1\0" and struct.unpack("<H", ico[4:6])[0] == 6
    assert (icons / "vidgen.icns").read_bytes()[:4] == b"icns"


def _package(names: list[str]) -> bytes:
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + struct.pack("<HHBBBB", 20, 0, 0, 0, 2, 0)
    header += b"CmnD" + b"\1\0\0\0" + b"\0\0\0\0"
    header += b"\0" * (32 - len(header))
    return slim_icu.build_package(header, [(n, n.encode() * 3) for n in names])


def test_icu_package_round_trips_and_drops_only_unused_trees():
    names = [
        "icudt73l/coll/de.res",
        "icudt73l/de.res",
        "icudt73l/lang/de.res",
        "icudt73l/brkitr/cjdict.dict",
        "icudt73l/ibm-943_P15A-2003.cnv",
        "icudt73l/uprops.icu",
        "icudt73l/zone/de.res",
        "icudt73l/zoneinfo64.res",
    ]
    header, items = slim_icu._items(_package(names))
    assert [n for n, _ in items] == names
    assert all(data.rstrip(b"\0") == name.encode() * 3 for name, data in items)
    kept = [n for n in names if slim_icu.keep_item(n)]
    assert kept == [
        "icudt73l/coll/de.res",
        "icudt73l/de.res",
        "icudt73l/uprops.icu",
        "icudt73l/zoneinfo64.res",
    ]
    rebuilt = slim_icu.build_package(header, [(n, d) for n, d in items if n in kept])
    _header, again = slim_icu._items(rebuilt)
    assert [n for n, _ in again] == kept
    offsets = [struct.unpack_from("<I", rebuilt, 32 + 8 + 8 * i)[0] for i in range(len(kept))]
    assert all((32 + off) % 16 == 0 for off in offsets), "ICU items must stay 16-byte aligned"


def test_icu_slimming_refuses_data_that_is_not_an_icu_package():
    with pytest.raises(ValueError, match="not an ICU common data package"):
        slim_icu._items(b"\x20\x00\x00\x00" + b"\0" * 60)
    with pytest.raises(ValueError, match="not a 64-bit little-endian ELF"):
        slim_icu._rodata(b"MZ not elf")
