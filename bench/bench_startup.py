"""GUI start → first shown window (median of warm runs) and the idle RSS of the app.

Each run is a fresh `python -m vidgen_desktop` with VIDGEN_STARTUP_PROBE=1, which prints the
process age when MainWindow.first_shown fires and quits: that is what a user waits for. Idle RSS
comes from a separate run that builds the same window, lets it idle for 2 s, then reads VmRSS.
Targets (issue #2): ≤ 0.5 s warm, ≤ 120 MB idle RSS.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.targets import verdict  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "7"))

_RSS_CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from vidgen_desktop.app import build_window, create_app
app = create_app([])
window = build_window()
window.show()
QTimer.singleShot(2000, app.quit)
app.exec()
rss = [l for l in open('/proc/self/status') if l.startswith(('VmRSS', 'VmHWM'))]
print(' '.join(l.split()[0] + l.split()[1] for l in rss))
for p in window.panels:
    p.shutdown()
"""


def _env(home: str) -> dict[str, str]:
    return {
        **os.environ,
        "VIDGEN_HOME": home,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "PYTHONPATH": str(REPO),
    }


def main() -> int:
    times = []
    with tempfile.TemporaryDirectory() as home:
        env = {**_env(home), "VIDGEN_STARTUP_PROBE": "1"}
        for i in range(RUNS + 1):  # the first run warms the caches and is dropped
            out = subprocess.run(
                [sys.executable, "-m", "vidgen_desktop"],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=60,
            )
            line = next(
                (ln for ln in out.stdout.splitlines() if ln.startswith("first_shown")), None
            )
            if line is None:
                print(f"startup run {i} failed: rc={out.returncode}\n{out.stderr[-2000:]}")
                return 1
            if i:
                times.append(float(line.split()[1]))
        rss = subprocess.run(
            [sys.executable, "-c", _RSS_CHILD],
            env=_env(home),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    spread = f"min {min(times):.3f}, max {max(times):.3f}, {len(times)} warm runs"
    print(
        verdict(
            "start to first shown window, median", statistics.median(times), 0.5, "s", detail=spread
        )
    )
    fields = dict(part.split(":") for part in rss.stdout.split()) if rss.returncode == 0 else {}
    if fields:
        peak = f"peak {int(fields['VmHWM']) / 1024:.1f} MB"
        print(verdict("idle RSS", int(fields["VmRSS"]) / 1024, 120, "MB", detail=peak))
    else:
        print(f"idle RSS run failed: rc={rss.returncode}\n{rss.stderr[-2000:]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
