"""Median time from process launch to the main window's first show: frozen build vs source.

Usage (after `make package`):
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_frozen_start.py [--runs 7]
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python bench/bench_frozen_start.py --platform xcb

Each run starts a fresh process with VIDGEN_STARTUP_PROBE=1 (the app prints `first_shown <s>` once
its MainWindow emits first_shown) and a throwaway VIDGEN_HOME; the wall time is measured here,
from Popen to that line, so the frozen bootloader's own start-up is included. One warm-up run per
variant is discarded (the first start pays for cold disk caches).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.targets import verdict  # noqa: E402

DEFAULT_DIST = REPO / "dist" / "VidGen Desktop"
TIMEOUT_S = 60.0


def frozen_command(dist: Path) -> list[str]:
    exe = dist / ("VidGen Desktop.exe" if sys.platform == "win32" else "vidgen-desktop")
    if not exe.is_file():
        raise SystemExit(f"no frozen build at {exe}: run `make package` first")
    return [str(exe)]


def time_to_first_window(command: list[str], platform: str) -> float:
    with tempfile.TemporaryDirectory(prefix="vidgen-bench-") as home:
        env = {
            **os.environ,
            "VIDGEN_STARTUP_PROBE": "1",
            "VIDGEN_HOME": home,
            "QT_QPA_PLATFORM": platform,
        }
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:  # blocks per line; the deadline guards a silent hang
                if line.startswith("first_shown"):
                    return time.perf_counter() - started
                if time.perf_counter() - started > TIMEOUT_S:
                    break
            raise RuntimeError(f"{command[0]} never reported first_shown (rc={proc.poll()})")
        finally:
            proc.kill()  # the measurement is taken; don't pay for shutdown
            proc.wait(timeout=TIMEOUT_S)


def measure(name: str, command: list[str], runs: int, platform: str) -> float:
    time_to_first_window(command, platform)  # warm-up
    samples = [time_to_first_window(command, platform) for _ in range(runs)]
    median = statistics.median(samples)
    spread = ", ".join(f"{s:.3f}" for s in samples)
    print(f"{name:<7} median {median:.3f} s  (runs: {spread})")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()
    exe = args.dist / ("VidGen Desktop.exe" if sys.platform == "win32" else "vidgen-desktop")
    if not exe.is_file():
        print(f"skipped: no frozen build in {args.dist} (run `make package` first)")
        return 0
    print(f"start to first window, {args.runs} runs each, QT_QPA_PLATFORM={args.platform}")
    source = measure("source", [sys.executable, "-m", "vidgen_desktop"], args.runs, args.platform)
    frozen = measure("frozen", frozen_command(args.dist), args.runs, args.platform)
    print(
        verdict(
            "frozen start to first window, median",
            frozen,
            0.5,
            "s",
            detail=f"source {source:.3f} s, ratio {frozen / source:.2f}×",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
