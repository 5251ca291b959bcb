"""ComfyUI on this machine for users who have none, through the official comfy-cli (PyPI
`comfy-cli`) rather than an installer of our own: install, launch in the background, stop, add
node packs. Its output is streamed line by line for the window to show live.

Its flags as comfy-cli's sources define them: global options come before the command
(`--skip-prompt`, `--workspace DIR`); `install --nvidia|--cpu…` clones ComfyUI and its
requirements (and ComfyUI-Manager); `launch --background -- --port N --listen H` waits for
ComfyUI's "To see the GUI go to:" line and records the process; `stop` ends it; `node install
NAME` adds a pack. comfy-cli's own `model download` neither resumes nor checks a checksum, so
model files keep to our downloader (modelfiles.download).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput, ServerError

log = logging.getLogger(__name__)

GPU_FLAGS = ("nvidia", "amd", "intel-arc", "m-series", "cpu")
_URL = re.compile(r"https?://[\w.\-\[\]:]+:\d+")
_PACK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/@:]*$")


def find_comfy_cli() -> str | None:
    """`comfy` on PATH, else beside this Python (a venv that has comfy-cli installed)."""
    found = shutil.which("comfy")
    if found:
        return found
    beside = Path(sys.executable).with_name("comfy.exe" if os.name == "nt" else "comfy")
    return str(beside) if beside.is_file() else None


@dataclass
class Finished:
    code: int
    lines: list[str]
    url: str = ""  # launch: where ComfyUI answers


class ComfyCli:
    def __init__(self, workspace: Path, executable: str | None = None) -> None:
        """`executable` None: look for it now; "" or a path: as found before (no PATH scan)."""
        self.workspace = workspace
        self.executable = find_comfy_cli() if executable is None else executable

    @property
    def available(self) -> bool:
        return bool(self.executable)

    def argv(self, *command: str) -> list[str]:
        if not self.executable:
            raise InvalidInput(
                "comfy-cli is not installed.",
                hint="Install it with `pipx install comfy-cli` (or `pip install comfy-cli`), "
                "then try again.",
            )
        return [self.executable, "--skip-prompt", "--workspace", str(self.workspace), *command]

    # ---- commands ----------------------------------------------------------------------------
    def install(self, gpu: str, on_line: Callable[[str], None], token: CancelToken) -> Finished:
        if gpu not in GPU_FLAGS:
            raise InvalidInput(f"Unknown GPU kind {gpu!r}: one of {', '.join(GPU_FLAGS)}.")
        self.workspace.parent.mkdir(parents=True, exist_ok=True)
        return self._run(["install", f"--{gpu}"], on_line, token, "Installing ComfyUI")

    def launch(self, port: int, on_line: Callable[[str], None], token: CancelToken) -> Finished:
        done = self._run(
            ["launch", "--background", "--", "--port", str(port), "--listen", "127.0.0.1"],
            on_line,
            token,
            "Starting ComfyUI",
        )
        found = next((m.group(0) for line in done.lines if (m := _URL.search(line))), "")
        done.url = found or f"http://127.0.0.1:{port}"
        return done

    def stop(self, on_line: Callable[[str], None], token: CancelToken) -> Finished:
        return self._run(["stop"], on_line, token, "Stopping ComfyUI")

    def node_install(
        self, pack: str, on_line: Callable[[str], None], token: CancelToken
    ) -> Finished:
        pack = pack.strip()
        if not _PACK.match(pack):
            raise InvalidInput(f"{pack!r} is not a node pack name (as comfy node install takes).")
        return self._run(["node", "install", pack], on_line, token, f"Installing {pack}")

    def installed(self) -> bool:
        return (self.workspace / "main.py").is_file()

    # ---- the child process -------------------------------------------------------------------
    def _run(
        self, command: list[str], on_line: Callable[[str], None], token: CancelToken, what: str
    ) -> Finished:
        argv = self.argv(*command)
        on_line("$ " + " ".join(argv))
        log.info("comfy-cli: %s", argv)
        env = dict(os.environ, PYTHONUNBUFFERED="1", NO_COLOR="1", TERM="dumb")
        try:
            proc = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                bufsize=1,
                env=env,
                start_new_session=os.name != "nt",
            )
        except OSError as exc:
            raise ServerError(f"comfy-cli could not be started: {exc.strerror or exc}") from exc
        lines: list[str] = []

        def stop_it() -> None:
            if proc.poll() is None:
                try:
                    if os.name != "nt":
                        os.killpg(proc.pid, signal.SIGTERM)
                    else:
                        proc.terminate()
                except OSError:
                    pass

        token.on_cancel(stop_it)
        assert proc.stdout is not None
        stdout = proc.stdout

        def read() -> None:
            for raw in stdout:
                line = raw.rstrip("\n")
                lines.append(line)
                on_line(line)

        # read on a thread: a ComfyUI launched in the background may keep our pipe open after
        # comfy-cli itself has exited, and EOF would then never come
        reader = threading.Thread(target=read, name="comfy-cli-output", daemon=True)
        reader.start()
        code = proc.wait()
        reader.join(timeout=1.0)
        if token.cancelled:
            raise Cancelled(f"{what} was stopped.")
        if code != 0:
            tail = next((x for x in reversed(lines) if x.strip()), "")
            raise ServerError(
                f"{what} failed (comfy-cli exited with {code}): {tail}",
                detail="\n".join(lines[-40:]),
                hint="The full output is above; fix what it names and try again.",
            )
        return Finished(code, lines)


__all__ = ["GPU_FLAGS", "ComfyCli", "Finished", "find_comfy_cli"]
