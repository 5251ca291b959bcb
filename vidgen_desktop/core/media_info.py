"""Duration of a media file without Qt or ffmpeg, from the container headers.

WAV via `wave`, FLAC from STREAMINFO, MP4/MOV from the `mvhd` box. MP3 (and anything unusual)
returns None: the Qt layer then asks QMediaPlayer. Used to show "the real duration of each take"
and to default the video length to the voice length.
"""

from __future__ import annotations

import logging
import struct
import wave
from pathlib import Path

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def media_kind(path: Path) -> str | None:
    """"audio" | "video" | "image" by extension; None when we do not handle it."""
    suffix = Path(path).suffix.lower()
    for kind, suffixes in (("audio", AUDIO_SUFFIXES), ("video", VIDEO_SUFFIXES), ("image", IMAGE_SUFFIXES)):
        if suffix in suffixes:
            return kind
    return None


def duration_seconds(path: Path) -> float | None:
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".wav":
            return _wav(path)
        if suffix == ".flac":
            return _flac(path)
        if suffix in (".mp4", ".mov", ".m4a"):
            return _mp4(path)
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


def _mp4(path: Path) -> float | None:
    """Walk top-level boxes to moov, then its mvhd: duration / timescale."""
    with path.open("rb") as f:
        size_total = path.stat().st_size
        pos = 0
        while pos + 8 <= size_total:
            f.seek(pos)
            size, kind = struct.unpack(">I4s", f.read(8))
            header = 8
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                header = 16
            elif size == 0:
                size = size_total - pos
            if size < header:
                return None
            if kind == b"moov":
                return _mvhd(f, pos + header, pos + size)
            pos += size
    return None


def _mvhd(f, start: int, end: int) -> float | None:  # noqa: ANN001 - binary file
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        size, kind = struct.unpack(">I4s", f.read(8))
        if size < 8:
            return None
        if kind == b"mvhd":
            version = f.read(4)[0]
            if version == 1:
                _, _, timescale, duration = struct.unpack(">QQIQ", f.read(28))
            else:
                _, _, timescale, duration = struct.unpack(">IIII", f.read(16))
            return duration / timescale if timescale else None
        pos += size
    return None
