"""What an MP4/MOV holds, read from its boxes (ISO/IEC 14496-12; no ffmpeg, no Qt): its length
(`mvhd`) and the kinds of its tracks (`hdlr`).

Why: takes show their real duration, and the Video stage must know whether a workflow's MP4
carries the speech. The shipped S2V workflow feeds the audio into CreateVideo, but a user's
workflow may not; then the app says "this workflow's video has no sound" instead of silently
handing over a mute clip. Muxing the speech in would need an encoder (ffmpeg/PyAV), which the
app does not ship. One box walker serves both.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

#: boxes whose children we walk to reach each track's handler
_CONTAINERS = {b"moov", b"trak", b"mdia"}
#: handler types as ISO/IEC 14496-12 names them
AUDIO, VIDEO = "soun", "vide"
MP4_SUFFIXES = (".mp4", ".mov", ".m4v", ".m4a")


def _boxes(f: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(kind, body start, box end) of each box between start and end."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        head = f.read(8)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _handlers(f: BinaryIO, start: int, end: int, out: list[str]) -> None:
    for kind, body, box_end in _boxes(f, start, end):
        if kind in _CONTAINERS:
            _handlers(f, body, box_end, out)
        elif kind == b"hdlr" and box_end - body >= 12:
            f.seek(body + 8)  # version/flags (4) + pre_defined (4)
            out.append(f.read(4).decode("latin-1"))


def track_kinds(path: Path) -> list[str] | None:
    """Handler type of every track ("vide", "soun", ...); None when the file is not a readable MP4."""
    path = Path(path)
    if path.suffix.lower() not in MP4_SUFFIXES:
        return None
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            found: list[str] = []
            saw_moov = False
            for kind, body, box_end in _boxes(f, 0, size):
                if kind == b"moov":
                    saw_moov = True
                    _handlers(f, body, box_end, found)
            return found if saw_moov else None
    except (OSError, struct.error) as exc:
        log.debug("tracks of %s unreadable: %s", path, exc)
        return None


def has_audio_track(path: Path) -> bool | None:
    """True/False for an MP4 we could read; None when we cannot tell (other container, damaged)."""
    kinds = track_kinds(path)
    return None if kinds is None else AUDIO in kinds


def duration_seconds(path: Path) -> float | None:
    """The movie header's duration / timescale; None when the file has no readable `mvhd`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            for kind, body, box_end in _boxes(f, 0, size):
                if kind != b"moov":
                    continue
                for child, child_body, _end in _boxes(f, body, box_end):
                    if child == b"mvhd":
                        return _mvhd(f, child_body)
                return None
    except (OSError, struct.error, IndexError) as exc:
        log.debug("duration of %s unreadable: %s", path, exc)
    return None


def _mvhd(f: BinaryIO, body: int) -> float | None:
    f.seek(body)
    version = f.read(4)[0]
    if version == 1:
        _, _, timescale, duration = struct.unpack(">QQIQ", f.read(28))
    else:
        _, _, timescale, duration = struct.unpack(">IIII", f.read(16))
    return duration / timescale if timescale else None
