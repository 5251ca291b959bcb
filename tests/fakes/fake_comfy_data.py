"""Recorded ComfyUI material for the fake server: transcripts on disk, a real preview JPEG, a PNG.

Transcripts are test data of this repository (tests/data/transcripts).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.shared_data import TRANSCRIPTS


def transcripts_dir() -> Path:
    return TRANSCRIPTS


@lru_cache(maxsize=64)
def _load(tdir: str, name: str) -> str:
    return (transcripts_dir() / tdir / f"comfyui_{name}.json").read_text(encoding="utf-8")


def load_recorded(tdir: str, name: str) -> Any:
    """A fresh copy of one recorded transcript (callers may mutate it)."""
    return json.loads(_load(tdir, name))


@lru_cache(maxsize=1)
def recorded_preview_jpeg() -> bytes:
    """The first live preview JPEG a real 0.25 sampler run sent (binary event type 4)."""
    rec = load_recorded("v0.25", "sampler_txt2img")
    frame = next(f for f in rec["ws"] if f.get("kind") == "binary" and f.get("image_base64"))
    return base64.b64decode(frame["image_base64"])


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG_1PX = _png(8, 8, (200, 40, 40))
