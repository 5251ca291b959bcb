"""Benchmark: a TaskRunner-driven ComfyUI job against the fake server, measured in the GUI thread.

1. `executing null` → job succeeded in the GUI thread, for a small image job (target ≤ 200 ms;
   showing the image is the Image panel's part and is not included here).
2. The longest GUI event-loop stall while the fake streams 50 progress messages/s, 5 preview
   frames/s (the recorded 512×512 JPEG, decoded into a QImage in the GUI thread as a panel would)
   and then a 200 MB output file downloads (target ≤ 16 ms).

The fake server runs in a child process (like a real ComfyUI), so its Python threads do not
compete with the GUI thread for the GIL; times are compared on the shared monotonic clock.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_comfy_job.py [--mb 200] [--seconds 3]
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from bench.targets import verdict
from tests.fakes.fake_comfy import FakeComfy, FakeOutput
from tests.fakes.fake_comfy_data import load_recorded
from vidgen_desktop.comfy import ComfyClient, run_job
from vidgen_desktop.core.project import Project
from vidgen_desktop.workers.runner import TaskRunner

GRAPH = load_recorded("v0.25", "sampler_txt2img")["submit"]["request"]["json"]["prompt"]


class RemoteFake:
    """Drives a FakeComfy in a child process over stdin/stdout JSON lines."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.url = self._ask({"cmd": "url"})

    def _ask(self, msg: dict):
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def configure(self, **knobs) -> None:
        self._ask({"cmd": "set", **knobs})

    def last_null_at(self) -> float:
        return self._ask({"cmd": "null_at"})

    def stop(self) -> None:
        self._ask({"cmd": "stop"})
        self.proc.wait(5)


def serve() -> int:
    fake = FakeComfy("0.25")
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "url":
            reply = fake.url
        elif msg["cmd"] == "set":
            for key, value in msg.items():
                if key == "output_mb":
                    fake.outputs = [
                        FakeOutput("big_00001_.mp4", size=value * 1_000_000, animated=True)
                    ]
                elif key != "cmd":
                    setattr(fake, key, value)
            reply = True
        elif msg["cmd"] == "null_at":
            reply = max(t for t, kind, node in fake.ws_log if kind == "executing" and node is None)
        else:
            fake.stop()
            print(json.dumps(True), flush=True)
            return 0
        print(json.dumps(reply), flush=True)
    return 0


class StallMeter:
    """A 1 ms precise timer in the GUI thread; the largest gap between its ticks is the stall."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.last = 0
        self.worst_ms = 0.0
        self.worst_at = 0.0
        self.gaps: list[float] = []

    def start(self) -> None:
        self.clock.start()
        self.last = self.clock.nsecsElapsed()
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        gap = (now - self.last) / 1e6
        self.gaps.append(gap)
        if gap > self.worst_ms:
            self.worst_ms, self.worst_at = gap, time.monotonic()
        self.last = now

    def stop(self) -> None:
        self.timer.stop()


def run_one(
    fake: RemoteFake, client: ComfyClient, project: Project, meter: StallMeter | None
) -> dict:
    runner = TaskRunner("bench")
    counts = {"progress": 0, "preview": 0}
    state: dict = {}
    loop = QEventLoop()

    def on_progress(p) -> None:
        counts["progress"] += 1
        if p.message.startswith("Saving") and "download_at" not in state:
            state["download_at"] = time.monotonic()
        if p.kind == "preview" and p.preview:
            counts["preview"] += 1
            state["image"] = QImage.fromData(p.preview)  # what a preview widget would do

    def on_succeeded(result) -> None:
        state["succeeded_at"] = time.monotonic()
        state["result"] = result

    runner.progress.connect(on_progress)
    runner.succeeded.connect(on_succeeded)
    runner.failed.connect(lambda e: state.setdefault("error", e))
    runner.done.connect(loop.quit)
    if meter is not None:
        meter.start()
    runner.start(lambda report, token: run_job(client, GRAPH, report, token, project, "image"))
    loop.exec()
    if meter is not None:
        meter.stop()
    if "error" in state:
        raise RuntimeError(state["error"].user_text())
    null_at = fake.last_null_at()
    phase = (
        "download" if meter and meter.worst_at >= state.get("download_at", 1e18) else "streaming"
    )
    return {
        "null_to_done_ms": (state["succeeded_at"] - null_at) * 1000,
        **counts,
        "worst_phase": phase,
        "bytes": sum(f.size for f in state["result"].files),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=3.0, help="sampling time at 50 steps/s")
    parser.add_argument(
        "--runs", type=int, default=5, help="small image jobs for the latency median"
    )
    parser.add_argument(
        "--stream-runs", type=int, default=3, help="repeats of the stall measurement"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    app = QApplication.instance() or QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp(prefix="vidgen-bench-"))
    project = Project.create(tmp / "proj")
    fake = RemoteFake()
    client = ComfyClient(fake.url)
    try:
        # 1) executing null -> succeeded in the GUI thread, small PNG output
        fake.configure(steps=4)
        latencies = [
            run_one(fake, client, project, None)["null_to_done_ms"] for _ in range(args.runs)
        ]
        print(
            verdict(
                "executing null → job done in the GUI thread (small image), median",
                statistics.median(latencies),
                200,
                "ms",
                detail=f"max {max(latencies):.1f} ms over {args.runs} runs",
            )
        )
        # 2) stall under 50 progress/s + 5 previews/s, then a big download
        fake.configure(
            steps=int(args.seconds * 50), step_delay=1 / 50, preview_every=10, output_mb=args.mb
        )
        worst: list[float] = []
        for _ in range(args.stream_runs):
            meter = StallMeter()
            t0 = time.monotonic()
            stats = run_one(fake, client, project, meter)
            wall = time.monotonic() - t0
            gaps = sorted(meter.gaps)
            p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
            worst.append(meter.worst_ms)
            print(
                f"stream {stats['progress']} progress reports ({stats['preview']} previews) + "
                f"{stats['bytes'] / 1e6:.0f} MB download in {wall:.2f} s: longest GUI stall "
                f"{meter.worst_ms:.1f} ms (during {stats['worst_phase']}), p99 tick gap {p99:.2f} ms; "
                f"executing-null -> done incl. download {stats['null_to_done_ms']:.0f} ms"
            )
        print(
            verdict(
                "longest GUI stall, bare runner, median",
                statistics.median(worst),
                16,
                "ms",
                detail=f"max {max(worst):.1f} ms over {len(worst)} runs, "
                f"load average {os.getloadavg()[0]:.2f}",
            )
        )
    finally:
        client.close()
        fake.stop()
        QCoreApplication.processEvents()
        del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
