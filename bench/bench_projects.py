"""Projects: opening one with 200 takes, and what autosave costs while the user types.

1. Open: `Project.open` of a 200-take project (read, migrate, validate, check every file), and
   the window switching to it (File › Open until every panel has shown it). Target ≤ 300 ms.
2. Typing: 150 keystrokes into the Voice stage's text, 30 ms apart, in that project, with
   autosave on: the GUI thread's time per keystroke (median, target ≤ 1 ms) and the longest
   event-loop stall while typing and saving (target ≤ 16 ms).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["VIDGEN_HOME"] = tempfile.mkdtemp(prefix="vidgen-bench-projects-")

from bench.bench_comfy_job import StallMeter  # noqa: E402
from bench.targets import verdict  # noqa: E402

TAKES = 200


def big_project(root: Path):
    from tests.fakes.fake_comfy_data import PNG_1PX
    from tests.fakes.media_files import tone_wav_bytes
    from tests.voice_video.conftest import SCENE
    from vidgen_desktop.core.project import Project, Take
    from vidgen_desktop.core.scene import Scene

    project = Project.create(root, name="big")
    project.data.scene = Scene.model_validate(SCENE)
    project.data.topic = "two hundred takes"
    for i in range(TAKES):
        stage, kind = [("voice", "audio"), ("image", "image"), ("video", "video")][i % 3]
        name = (
            f"{stage}_{i:05d}.{'png' if kind == 'image' else 'wav' if kind == 'audio' else 'mp4'}"
        )
        path = project.unique_path(stage, name)
        path.write_bytes(
            {"image": PNG_1PX, "audio": tone_wav_bytes(0.5, 16000)}.get(kind, b"\0" * 64)
        )
        project.data.takes.append(
            Take(
                stage=stage,
                file=project.relative(path),
                kind=kind,  # type: ignore[arg-type]
                seed=i,
                workflow="w",
                settings={"prompt": "p" * 80},
                made_from={"text": "abc"},
            )
        )
        project.data.chosen[stage] = project.data.takes[-1].id
    project.save()
    return project


def spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from vidgen_desktop.app import build_window, create_app
    from vidgen_desktop.core.project import Project

    app = create_app([])
    home = Path(os.environ["VIDGEN_HOME"])
    root = big_project(home / "big").root
    opens = []
    for _ in range(7):
        t0 = time.perf_counter()
        Project.open(root)
        opens.append((time.perf_counter() - t0) * 1000)
    print(
        verdict(
            f"Project.open with {TAKES} takes, median",
            statistics.median(opens),
            300,
            "ms",
            detail=f"max {max(opens):.1f} ms over {len(opens)} runs",
        )
    )
    window = build_window()
    window.resize(1280, 800)
    window.show()
    spin(500)
    switches = []
    for _ in range(5):
        window.projects.new_project()
        spin(100)
        t0 = time.perf_counter()
        window.projects.open_path(root)
        while window.context.project is None or window.context.project.root != root:
            app.processEvents()
        app.processEvents()  # every panel's reaction to project_changed
        switches.append((time.perf_counter() - t0) * 1000)
        spin(200)
    print(
        verdict(
            f"File › Open of a {TAKES}-take project until every panel shows it, median",
            statistics.median(switches),
            300,
            "ms",
            detail=f"max {max(switches):.1f} ms over {len(switches)} runs",
        )
    )

    window.show_stage(1)
    voice = window.panels[1]
    spin(800)
    voice.lyrics.setFocus()
    meter = StallMeter()
    meter.start()
    costs = []
    for i in range(150):
        t0 = time.perf_counter()
        QTest.keyClick(voice.lyrics, Qt.Key.Key_A if i % 5 else Qt.Key.Key_Space)
        costs.append((time.perf_counter() - t0) * 1000)
        spin(30)
    spin(800)  # the last autosave lands
    meter.stop()
    window.context.writer.flush()
    saved = window.context.project.data.stage_inputs.get("voice", {}).get("text", "") or ""
    print(
        verdict(
            "GUI time per keystroke with autosave, median",
            statistics.median(costs),
            1.0,
            "ms",
            detail=f"p95 {sorted(costs)[int(len(costs) * 0.95)]:.2f} ms",
        )
    )
    print(
        verdict(
            "longest GUI stall while typing and autosaving",
            meter.worst_ms,
            16,
            "ms",
            detail=f"{window.context.writer.writes} writes, saved text {len(saved)} chars",
        )
    )
    window.close()
    window.context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
