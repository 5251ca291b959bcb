"""A stand-in for comfy-cli's `comfy` command: the same global flags and commands, output in
its words, and a real (fake) ComfyUI server started by `launch --background` on the port given
after `--` and ended by `stop`. Every call is logged (argv) for the test to read.

Run as a script: `python -m tests.fakes.fake_comfy_cli ARGS…` (the test writes a `comfy`
wrapper onto PATH)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def write_wrapper(bin_dir: Path, log: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / "comfy"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"export FAKE_COMFY_CLI_LOG='{log}'\n"
        f"cd '{REPO}' && exec '{sys.executable}' -m tests.fakes.fake_comfy_cli \"$@\"\n",
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return wrapper


def _serve(port: int) -> None:
    from tests.fakes.fake_comfy import FakeComfy

    fake = FakeComfy("0.25", port=port)
    print("To see the GUI go to: " + fake.url, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (fake.stop(), sys.exit(0)))
    while True:
        time.sleep(0.5)


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_COMFY_CLI_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(argv) + "\n")
    if argv[:1] == ["--serve"]:
        _serve(int(argv[1]))
        return 0
    args = list(argv)
    workspace = Path.home() / "comfy" / "ComfyUI"
    while args and args[0].startswith("--"):
        flag = args.pop(0)
        if flag == "--workspace":
            workspace = Path(args.pop(0))
    command = args[:1]
    state = workspace.parent / ".fake-comfy-cli.json"
    if command == ["install"]:
        if (workspace / "main.py").exists():
            print(f"ComfyUI is already installed at {workspace}", flush=True)
            return 1
        for step in (
            "Cloning into 'ComfyUI'...",
            "Installing torch (nvidia)...",
            "Installing requirements...",
            "Installing ComfyUI-Manager...",
        ):
            print(step, flush=True)
            time.sleep(0.05)
        workspace.mkdir(parents=True, exist_ok=True)
        (workspace / "main.py").write_text("# ComfyUI\n", encoding="utf-8")
        print(f"ComfyUI is installed at: {workspace}", flush=True)
        return 0
    if command == ["launch"]:
        extra = args[args.index("--") + 1 :] if "--" in args else []
        port = int(extra[extra.index("--port") + 1]) if "--port" in extra else 8188
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.fake_comfy_cli", "--serve", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
            env=os.environ,
            start_new_session=True,
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        state.write_text(json.dumps({"pid": child.pid, "port": port}), encoding="utf-8")
        print("ComfyUI is successfully launched in the background.", flush=True)
        print(line.strip(), flush=True)
        return 0
    if command == ["stop"]:
        if not state.exists():
            print("No background ComfyUI is running.", flush=True)
            return 1
        pid = json.loads(state.read_text(encoding="utf-8"))["pid"]
        os.kill(pid, signal.SIGTERM)
        state.unlink()
        print("Background ComfyUI is stopped.", flush=True)
        return 0
    if command == ["node"] and args[1:2] == ["install"]:
        print(f"Installing node pack {args[2]}...", flush=True)
        (workspace / "custom_nodes" / args[2]).mkdir(parents=True, exist_ok=True)
        print(f"Node pack {args[2]} is installed.", flush=True)
        return 0
    print(f"Usage: comfy [OPTIONS] COMMAND — unknown {command}", flush=True)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
