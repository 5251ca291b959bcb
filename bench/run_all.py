"""Run every bench/bench_*.py in its own process and print what each measured.

Numbers are reported, never asserted: speed targets live here, not in the (timed-out) tests.
Set BENCH_ONLY=name to run one (e.g. BENCH_ONLY=startup).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = os.environ.get("BENCH_ONLY", "")
    failed = 0
    verdicts: list[str] = []
    for script in sorted(HERE.glob("bench_*.py")):
        if only and only not in script.stem:
            continue
        started = time.monotonic()
        print(f"== {script.name}", flush=True)
        proc = subprocess.run(
            [sys.executable, str(script)],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            timeout=900,
        )
        print(proc.stdout.rstrip())
        verdicts += [
            f"{script.stem}: {line}"
            for line in proc.stdout.splitlines()
            if line.endswith((": met", ": MISSED"))
        ]
        if proc.returncode != 0:
            failed += 1
            print(f"!! {script.name} exited {proc.returncode}\n{proc.stderr[-3000:]}")
        print(f"   ({time.monotonic() - started:.1f} s)", flush=True)
    missed = [v for v in verdicts if v.endswith("MISSED")]
    print(f"\n== targets: {len(verdicts) - len(missed)} met, {len(missed)} missed")
    for line in missed:
        print(f"   {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
