"""Benchmark: the real Image panel (in the real main window) generating against the fake ComfyUI.

1. Time from the fake's `executing null` frame to the take's image shown in the panel
   (ImagePanel.image_shown: downloaded, decoded off the GUI thread, painted) — target ≤ 200 ms.
2. The longest GUI event-loop stall while the fake streams 50 progress messages/s and 5 preview
   frames/s (decoded and shown in the panel's image view) and then a 200 MB output downloads —
   target ≤ 16 ms.

The fake runs in a child process (like a real ComfyUI) so its threads do not compete with the GUI
thread for the GIL; both sides read the same monotonic clock.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_image_job.py [--mb 200] [--seconds 3]
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

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from bench.bench_comfy_job import RemoteFake, StallMeter
from bench.targets import verdict


class ImageFake(RemoteFake):
    """The same child-process fake, serving /object_info stocked with our workflows' models."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.url = self._ask({"cmd": "url"})


def serve() -> int:
    from tests.fakes.fake_comfy import FakeComfy, FakeOutput
    from tests.fakes.stocked import stocked_object_info

    fake = FakeComfy("0.25")
    fake.object_info = stocked_object_info("0.25")
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "url":
            reply = fake.url
        elif msg["cmd"] == "set":
            for key, value in msg.items():
                if key == "output_mb":
                    fake.outputs = (
                        [FakeOutput("big_00001_.png", size=value * 1_000_000)] if value else None
                    )
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


def build(url: str):
    from vidgen_desktop.app import build_window
    from vidgen_desktop.core.scene import AudioPart, PromptPair, Scene

    home = Path(os.environ["VIDGEN_HOME"])
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.json").write_text(
        json.dumps({"comfyui_url": url, "gpu_handoff": False, "ollama_url": "http://127.0.0.1:9"}),
        "utf-8",
    )
    window = build_window()
    window.resize(1280, 800)
    window.show()
    window.show_stage(2)
    panel = window.panels[2]
    window.context.set_scene(
        Scene(
            audio=AudioPart(lyrics="la", tags=["calm"]),
            video=PromptPair(positive_prompt="a", negative_prompt="b"),
            image=PromptPair(positive_prompt="a lighthouse at dusk", negative_prompt="blurry"),
        )
    )
    wait_for(lambda: panel.generate_button.isEnabled(), 10)
    return window, panel


def wait_for(cond, seconds: float) -> None:
    """Run the event loop (not a busy loop: that would steal the GIL from the workers) until cond."""
    if cond():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + seconds
    timer = QTimer()
    timer.setInterval(5)

    def check() -> None:
        if cond() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if not cond():
        raise RuntimeError("timed out waiting for the panel")


def run_one(panel, meter: StallMeter | None = None) -> dict:
    """One generation through the panel; returns when its image is on screen."""
    state: dict = {"previews": 0}

    def on_shown(_file: str) -> None:
        state["shown_at"] = time.monotonic()

    def on_progress(p) -> None:
        if p.kind == "preview":
            state["previews"] += 1
        if p.message.startswith("Saving") and "download_at" not in state:
            state["download_at"] = time.monotonic()

    def on_failed(error) -> None:
        state["error"] = error.user_text()

    panel.image_shown.connect(on_shown)
    panel.runner.progress.connect(on_progress)
    panel.runner.failed.connect(on_failed)
    if meter is not None:
        meter.start()
    panel.generate()
    # a 200 MB filler "PNG" does not decode: the view then says so, which ends the wait as well
    wait_for(
        lambda: (
            "error" in state
            or (
                not panel.runner.is_running()
                and ("shown_at" in state or panel.view.message().startswith("Cannot"))
            )
        ),
        60,
    )
    if meter is not None:
        meter.stop()
    panel.image_shown.disconnect(on_shown)
    panel.runner.progress.disconnect(on_progress)
    panel.runner.failed.disconnect(on_failed)
    if "error" in state:
        raise RuntimeError(state["error"])
    return state


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=3.0, help="sampling time at 50 steps/s")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stream-runs", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    os.environ["VIDGEN_HOME"] = tempfile.mkdtemp(prefix="vidgen-bench-image-")
    app = QApplication.instance() or QApplication(sys.argv)
    fake = ImageFake()
    window = None
    try:
        window, panel = build(fake.url)
        fake.configure(steps=4, output_mb=0)
        latencies = []
        for _ in range(args.runs):
            state = run_one(panel)
            latencies.append((state["shown_at"] - fake.last_null_at()) * 1000)
        print(
            verdict(
                "executing null → image shown in the Image panel, median",
                statistics.median(latencies),
                200,
                "ms",
                detail=f"max {max(latencies):.1f} ms over {args.runs} runs",
            )
        )
        fake.configure(
            steps=int(args.seconds * 50), step_delay=1 / 50, preview_every=10, output_mb=args.mb
        )
        worst = []
        for _ in range(args.stream_runs):
            meter = StallMeter()
            t0 = time.monotonic()
            state = run_one(panel, meter)
            wall = time.monotonic() - t0
            gaps = sorted(meter.gaps)
            p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
            phase = "download" if meter.worst_at >= state.get("download_at", 1e18) else "streaming"
            worst.append(meter.worst_ms)
            print(
                f"{args.seconds * 50:.0f} progress msgs + {state['previews']} previews shown + "
                f"{args.mb} MB download in {wall:.2f} s: longest GUI stall {meter.worst_ms:.1f} ms "
                f"(during {phase}), p99 tick gap {p99:.2f} ms"
            )
        print(
            verdict(
                "longest GUI stall during an image job with previews, median",
                statistics.median(worst),
                16,
                "ms",
                detail=f"max {max(worst):.1f} ms over {len(worst)} runs, "
                f"load average {os.getloadavg()[0]:.2f}",
            )
        )
    finally:
        if window is not None:
            window.comfy_monitor.shutdown()
            window.ollama_monitor.shutdown()
            for p in window.panels:
                p.shutdown()
            window.context.close()
        fake.stop()
        del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
