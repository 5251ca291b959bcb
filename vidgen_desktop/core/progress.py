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


def format_transfer(done: int, total: int | None) -> str:
    """ "80 of 80 KB", "12 of 200 MB": KB below 1 MB, so a small file never reads "0 of 0 MB"."""
    scale = max(done, total or 0)
    unit, div = ("KB", 1e3) if scale < 1e6 else ("MB", 1e6) if scale < 1e9 else ("GB", 1e9)
    digits = 1 if unit == "GB" else 0

    def amount(n: int) -> str:
        value = n / div
        return f"{value:.{digits}f}" if n == 0 or value >= 1 or unit != "KB" else "<1"

    return f"{amount(done)} of {amount(total)} {unit}" if total else f"{amount(done)} {unit}"
