"""Grab a PNG of every stage of the main window at 1280x800 and 1920x1080 (offscreen).

Usage: python scripts/screenshots.py OUT_DIR. Uses a throwaway VIDGEN_HOME; servers are whatever
the default settings point at (usually none), so it shows the first-start, nothing-running state.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VIDGEN_HOME", tempfile.mkdtemp(prefix="vidgen-shots-"))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from vidgen_desktop.app import build_window, create_app  # noqa: E402


def settle(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = create_app(sys.argv)
    window = build_window()
    window.show()
    settle(1500)
    for w, h in ((1280, 800), (1920, 1080)):
        window.resize(w, h)
        for i, panel in enumerate(window.panels):
            window.show_stage(i)
            settle(300)
            path = out / f"{i + 1}-{panel.key}-{w}x{h}.png"
            window.grab().save(str(path))
            print(path)
    window.close()
    window.context.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
