"""What kind a media file is, and how long it lasts, without Qt or ffmpeg.

`SUFFIXES` is the one table of file kinds: what a server's output is kept as, what a user may
import, what the file dialogs offer. Durations come from the container headers: WAV via `wave`,
FLAC from STREAMINFO, MP4/MOV from the `mvhd` box (core.mp4). MP3 (and anything unusual) returns
None: the Qt layer then asks QMediaPlayer.
"""

from __future__ import annotations

import logging
import struct
import wave
from pathlib import Path

from vidgen_desktop.core import mp4
from vidgen_desktop.core.mp4 import MP4_SUFFIXES

log = logging.getLogger(__name__)

#: kind → file suffixes, lower case; the first of each is what a server usually writes
SUFFIXES: dict[str, tuple[str, ...]] = {
    "image": (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"),
    "audio": (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac"),
    "video": (".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v"),
}
_TITLES = {"image": "Images", "audio": "Audio", "video": "Video"}


def media_kind(path: Path | str) -> str | None:
    """ "audio" | "video" | "image" by extension; None when we do not handle it."""
    suffix = Path(path).suffix.lower()
    return next((kind for kind, suffixes in SUFFIXES.items() if suffix in suffixes), None)


def suffix_filter(kind: str) -> str:
    """A file-dialog filter for one kind: "Audio (*.wav *.flac …)"."""
    return f"{_TITLES[kind]} ({' '.join('*' + s for s in SUFFIXES[kind])})"


def duration_seconds(path: Path) -> float | None:
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".wav":
            return _wav(path)
        if suffix == ".flac":
            return _flac(path)
        if suffix in MP4_SUFFIXES:
            return mp4.duration_seconds(path)
    except (OSError, wave.Error, EOFError, struct.error, ValueError) as exc:
        log.debug("duration of %s unreadable: %s", path, exc)
    return None


def _wav(path: Path) -> float | None:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        return w.getnframes() / rate if rate else None


def _flac(path: Path) -> float | None:
    with path.open("rb") as f:
        if f.read(4) != b"fLaC":
            return None
        header = f.read(4)
        if len(header) < 4 or header[0] & 0x7F != 0:  # first block must be STREAMINFO
            return None
        info = f.read(34)
    if len(info) < 18:
        return None
    bits = int.from_bytes(info[10:18], "big")
    rate = bits >> 44
    total = bits & ((1 << 36) - 1)
    return total / rate if rate and total else None
