"""Benchmark: a batch spread over N ComfyUI servers (N = 1, 2, 3 fake servers, each in its own
process, like real servers on other machines), each holding every job for a fixed time. 2N
single-stage items (the script, then the speech) should take about two jobs' time on any N:
the goal is a speed-up of at least 0.9 × N, and our own overhead per job (all but the server's
holding it) under 100 ms.

Run: .venv/bin/python bench/bench_batch.py
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.targets import verdict

HOLD_S = 2.0  # each speech job, on its server (a real one holds it for minutes)
REPO = Path(__file__).resolve().parents[1]

SERVE = """
import json, sys, time
from tests.fakes.fake_ollama import FakeOllama, Reply
from tests.voice_video.conftest import SCENE, StockedComfy
if sys.argv[1] == "ollama":
    fake = FakeOllama()
    fake.state.default_reply = Reply(content=json.dumps(SCENE))
else:
    fake = StockedComfy("0.25")
    fake.node_delay = float(sys.argv[2])
print(fake.url, flush=True)
sys.stdin.read()
"""


def start(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, *args],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def run_batch(n: int, root: Path, ollama: str) -> tuple[float, list[float]]:
    from vidgen_desktop.cli.main import main

    servers = [start("comfy", str(HOLD_S / 2)) for _ in range(n)]  # two nodes: 2 × HOLD/2
    listing = root / f"topics-{n}.txt"
    listing.write_text("\n".join(f"topic {i}" for i in range(2 * n)) + "\n", encoding="utf-8")
    out = root / f"out-{n}"
    argv = [
        "batch",
        str(listing),
        "--project-root",
        str(out),
        "--ollama",
        ollama,
        "--no-handoff",
        "--until",
        "voice",
    ]
    for _proc, url in servers:
        argv += ["--comfyui", url]
    try:
        started = time.perf_counter()
        with redirect_stderr(io.StringIO()):
            code = main(argv)
        wall = time.perf_counter() - started
        assert code == 0, f"the batch failed (exit {code})"
        record = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    finally:
        for proc, _url in servers:
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(10)
    return wall, [i["seconds"] for i in record["items"]]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VIDGEN_HOME"] = str(Path(tmp) / "home")
        root = Path(tmp)
        ollama_proc, ollama = start("ollama")
        try:
            (root / "warm").mkdir()
            run_batch(1, root / "warm", ollama)  # imports and first connections are not its cost
            one = None
            for n in (1, 2, 3):
                wall, per_item = run_batch(n, root, ollama)
                one = one or wall
                speedup = n * one / wall  # N servers did N× one server's work in `wall`
                per_job_ms = 1000 * (sum(per_item) / len(per_item) - HOLD_S) / 2
                print(
                    f"N = {n}: {2 * n} items in {wall:.2f} s (one server, 2 items: "
                    f"{one:.2f} s); items took {min(per_item):.2f}–{max(per_item):.2f} s"
                )
                print(
                    verdict(
                        f"speed-up with {n} server(s)",
                        speedup,
                        0.9 * n,
                        "×",
                        at_least=True,
                        detail=f"{speedup / n:.2f} of {n}-fold",
                    )
                )
                print(
                    verdict(
                        f"our overhead per job, N = {n} (an item's time − {HOLD_S:g} s "
                        "held by the server, over its 2 jobs: script and speech)",
                        per_job_ms,
                        100,
                        "ms",
                    )
                )
        finally:
            ollama_proc.stdin.close()  # type: ignore[union-attr]
            ollama_proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
