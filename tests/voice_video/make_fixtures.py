"""Regenerate the tiny MP4 fixtures the fake ComfyUI serves as a Video stage's output.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/voice_video/make_fixtures.py

Qt's own FFmpeg-backed encoder writes them (tests/fakes/media_files.make_test_mp4, the same maker
the media-widget tests use), so they are real MPEG-4 files a QMediaPlayer can open:
- talking_with_sound.mp4: 2 s, 160x96 at 16 fps, a sweeping bar + a 220 Hz AAC tone
- talking_mute.mp4: the same picture, no audio track (a workflow that forgot the speech)
Both stay well under 100 KB so they can live in the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # run as a script from anywhere: `tests` importable

from tests.fakes.media_files import make_test_mp4  # noqa: E402 - needs the path above

FIXTURES = HERE / "fixtures"


def main() -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 - multimedia needs it
    FIXTURES.mkdir(exist_ok=True)
    for name, audio in (("talking_with_sound.mp4", True), ("talking_mute.mp4", False)):
        path = make_test_mp4(FIXTURES / name, seconds=2.0, with_audio=audio, small=True)
        print(f"{path} {path.stat().st_size} bytes")  # noqa: T201 - a developer script
    return 0


if __name__ == "__main__":
    sys.exit(main())
