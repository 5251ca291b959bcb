"""Benchmark: `vidgen run` end to end against the test fakes, as a separate process, with pacing.

The fakes (fake Ollama streaming the scene, fake ComfyUI with stocked /object_info serving a WAV,
a PNG and a real MP4) run in this process; `vidgen run` runs as a child process, exactly as a user
starts it. Its own timing table splits each stage's wall time into the servers' work and OUR
overhead (hand-off, preflight, uploads, downloads, parsing, disk); this script prints that output
and the median overhead per stage over several runs.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_vidgen_run.py [--runs 3]
     [--tokens-per-s 200] [--steps 8] [--step-delay 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.targets import verdict  # noqa: E402
from tests.fakes.fake_ollama import Reply  # noqa: E402
from tests.voice_video.conftest import SCENE, StockedComfy, WatchingOllama  # noqa: E402

_MP4: Path | None = None


def talking_mp4() -> Path:
    """The MP4 the fake's SaveVideo returns, made once per bench run by Qt's encoder."""
    global _MP4
    if _MP4 is None:
        from PySide6.QtWidgets import QApplication

        from tests.fakes.media_files import make_test_mp4

        _app = QApplication.instance() or QApplication([])
        _MP4 = make_test_mp4(
            Path(tempfile.mkdtemp(prefix="vidgen-bench-mp4-")) / "talking.mp4",
            seconds=2.0,
            with_audio=True,
            small=True,
        )
    return _MP4


def one_run(args: argparse.Namespace, show: bool) -> dict[str, float]:
    ollama = WatchingOllama()
    ollama.state.default_reply = Reply(content=json.dumps(SCENE))
    ollama.state.tokens_per_s = args.tokens_per_s
    comfy = StockedComfy("0.25", ollama=ollama)
    comfy.video_file = talking_mp4()
    ollama.comfy = comfy
    comfy.steps, comfy.step_delay = args.steps, args.step_delay
    home = tempfile.mkdtemp(prefix="vidgen-bench-")
    cmd = [
        sys.executable,
        "-m",
        "vidgen_desktop.cli.main",
        "run",
        "--topic",
        "a lighthouse keeper's last night",
        "--project",
        f"{home}/lighthouse",
        "--comfyui",
        comfy.url,
        "--ollama",
        ollama.url,
    ]
    try:
        start = time.monotonic()
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            env=dict(os.environ, VIDGEN_HOME=home),
            capture_output=True,
            text=True,
            timeout=300,
        )
        wall = time.monotonic() - start
    finally:
        comfy.stop()
        ollama.stop()
    if proc.returncode != 0:
        raise SystemExit(f"vidgen run failed ({proc.returncode}):\n{proc.stderr}")
    lines = proc.stderr.splitlines()
    table = lines[next(i for i, line in enumerate(lines) if "our overhead" in line) :]
    if show:
        print("$ " + " ".join(cmd[2:]))
        print("\n".join(line for line in lines if line.startswith("==") or "done in" in line))
        print("\n".join(table))
        print(f"stdout: {proc.stdout.strip()}")
    overhead = {row.split()[0]: float(row.split()[-1].rstrip("s")) for row in table[1:]}
    overhead["process wall"] = wall
    return overhead


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens-per-s", type=float, default=200.0)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--step-delay", type=float, default=0.05)
    args = parser.parse_args()
    results = [one_run(args, show=(i == 0)) for i in range(args.runs)]
    overall = statistics.median([r["all"] for r in results]) if "all" in results[0] else None
    if overall is not None:
        print(verdict("vidgen run, our overhead over all four stages, median", overall, 1.0, "s"))
    print(f"\nmedian over {args.runs} runs (s):")
    for key in results[0]:
        values = [r[key] for r in results]
        label = "overhead" if key != "process wall" else ""
        print(
            f"  {key:<13} {label:<9} {statistics.median(values):.3f}  (min {min(values):.3f}, max {max(values):.3f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
