"""What long work reports upward: one value type shared by the CLI, the workers and the status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Progress:
    #: 0..1, or None when the amount of work is unknown (a busy indicator is shown)
    fraction: float | None = None
    message: str = ""
    eta_s: float | None = None
    elapsed_s: float | None = None
    #: encoded preview image (JPEG/PNG bytes) or streamed text, depending on `kind`
    preview: bytes | None = None
    text: str = ""
    kind: str = "status"  # status | token | preview | step
    extra: dict[str, Any] = field(default_factory=dict)


ProgressCallback = Callable[[Progress], None]


def format_duration(seconds: float | None) -> str:
    """h:mm:ss (or m:ss under an hour); '—' when unknown."""
    if seconds is None or seconds < 0:
        return "—"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_gb(n_bytes: float | None) -> str:
    if n_bytes is None:
        return "—"
    return f"{n_bytes / 1024**3:.1f} GB"
