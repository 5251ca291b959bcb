"""Opt-in hooks for measuring and photographing the real app start (frozen or source).

Why env vars and not flags: `python -m vidgen_desktop <args>` hands arguments to the CLI, and the
frozen entry must behave exactly like a user's double-click; an env var changes nothing else.
- VIDGEN_STARTUP_PROBE=1: print `first_shown <seconds since process start>` and quit.
- VIDGEN_SCREENSHOT=/path.png: once painted, save the window's grab() there and quit.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

PROBE_ENV = "VIDGEN_STARTUP_PROBE"
SCREENSHOT_ENV = "VIDGEN_SCREENSHOT"
SCREENSHOT_DELAY_MS = 400  # let the first frames paint and fonts settle before grabbing


def _process_age_s() -> float:
    """Seconds since this process started (Linux /proc; elsewhere since interpreter start)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter()


def install(window: QWidget, first_shown) -> bool:
    """Wire the probes to the window's first_shown signal; return True if any is active."""
    probe = os.environ.get(PROBE_ENV) == "1"
    shot = os.environ.get(SCREENSHOT_ENV, "")
    if not probe and not shot:
        return False

    def on_first_shown() -> None:
        if probe and sys.stdout is not None:
            sys.stdout.write(f"first_shown {_process_age_s():.3f}\n")
            sys.stdout.flush()
        if shot:
            QTimer.singleShot(SCREENSHOT_DELAY_MS, lambda: _grab_and_quit(window, Path(shot)))
        else:
            QTimer.singleShot(0, window.close)  # a user's close: panels shut down

    first_shown.connect(on_first_shown)
    return True


def _grab_and_quit(window: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(path))
    window.close()
