"""What `vidgen voice`, `vidgen video` and `vidgen run` share: settings overrides, picking a workflow,
progress lines on stderr and running a ComfyUI stage so that Ctrl+C cancels the job on the server.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput
from vidgen_desktop.core.progress import Progress, format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import Settings, load_settings
from vidgen_desktop.paths import user_paths
from vidgen_desktop.pipeline import (
    StageOutcome,
    StageRequest,
    run_stage,
)
from vidgen_desktop.pipeline.timings import TimingStore

T = TypeVar("T")

REASONS = (
    "0 ok, 2 bad input, 3 server unreachable, 4 server error, 5 model missing, 6 unusable output, "
    "7 disk trouble, 8 ComfyUI lacks a node pack or model file (nothing queued), "
    "9 the job failed on the server (e.g. out of GPU memory), 130 cancelled"
)


def add_common_options(p: argparse.ArgumentParser, *, project: str = "required") -> None:
    """The options every command shares; project: "required", "optional" or "none"."""
    if project != "none":
        p.add_argument(
            "--project",
            type=Path,
            required=project == "required",
            help="project folder (created if missing)",
        )
    p.add_argument("--comfyui", metavar="URL", help="ComfyUI URL (default: the settings file)")
    p.add_argument(
        "--ollama", metavar="URL", help="Ollama URL (default: OLLAMA_HOST, else the settings file)"
    )
    p.add_argument(
        "--no-handoff",
        action="store_true",
        help="do not move GPU memory between Ollama and ComfyUI (big cards)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def add_detach_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--detach",
        action="store_true",
        help="submit, record in the project and exit; the job goes on in ComfyUI and "
        "`vidgen resume --project DIR` collects it (a chunked video: its first chunk is sent, "
        "resume renders the rest)",
    )


def detach_event(args: argparse.Namespace) -> threading.Event | None:
    """Set from the start with --detach: a job stops being followed as soon as it is queued."""
    if not getattr(args, "detach", False):
        return None
    event = threading.Event()
    event.set()
    return event


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings file with this run's flags applied: --ollama beats OLLAMA_HOST beats the file."""
    settings = load_settings(user_paths().settings_file).with_servers(
        ollama=getattr(args, "ollama", None), comfyui=getattr(args, "comfyui", None)
    )
    if getattr(args, "no_handoff", False):
        settings.gpu_handoff = False
    return settings


def open_project(path: Path, remind_unfinished: bool = True) -> Project:
    """The project folder (made when missing); a damaged project.json opens from its backup,
    said on stderr; with no usable backup this raises (exit 2, the file named)."""
    project = Project.create(path)
    if project.recovery is not None:
        print(f"warning: {project.recovery.sentence()}", file=sys.stderr)
    if remind_unfinished:
        from vidgen_desktop.pipeline.ledger import Ledger
        from vidgen_desktop.pipeline.resume import pending_work

        pending = pending_work(Ledger(project.root))
        if pending:
            print(
                f"note: this project has unfinished GPU work ({len(pending.jobs)} job(s), "
                f"{len(pending.renders)} render(s)); `vidgen resume --project {project.root}` "
                "picks it up.",
                file=sys.stderr,
            )
    return project


def timings() -> TimingStore:
    """What runs took on this machine (the same file the window uses)."""
    return TimingStore(user_paths().data_dir / "timings.json")


class StderrProgress:
    """Every status change on its own line; sampler steps and streamed tokens at most ~2 lines a
    second; warnings always (even with -q: a warning is not progress)."""

    def __init__(self, quiet: bool, prefix: str = "") -> None:
        self.quiet = quiet
        self.prefix = prefix
        self.last_t = 0.0
        self.last_head = ""
        self.last_message = ""
        self.last_tokens_t = 0.0

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"{self.prefix}{text}", file=sys.stderr, flush=True)

    def warn(self, text: str) -> None:
        print(f"{self.prefix}warning: {text}", file=sys.stderr, flush=True)

    def __call__(self, p: Progress) -> None:
        if p.kind == "warning":
            self.warn(p.message)
            return
        if p.kind == "token":
            self._tokens(p)
            return
        if self.quiet or p.kind == "preview" or not p.message:
            return
        now = time.monotonic()
        head = p.message.split(":")[0]
        if p.message == self.last_message or (
            p.kind == "step" and head == self.last_head and now - self.last_t < 0.5
        ):
            return  # sampler steps: at most ~2 lines a second; each new status shows once
        self.last_t, self.last_head, self.last_message = now, head, p.message
        pct = f"[{p.fraction * 100:3.0f}%] " if p.fraction is not None else "       "
        eta = f" · about {format_duration(p.eta_s)} left" if p.eta_s is not None else ""
        self.say(f"{pct}{p.message}{eta}")

    def _tokens(self, p: Progress) -> None:
        now = time.monotonic()
        if self.quiet or now - self.last_tokens_t < 0.5:
            return
        self.last_tokens_t = now
        rate = p.extra.get("tokens_per_s")
        rate_text = f", {rate:.1f} tokens/s" if rate else ""
        self.say(f"  … {p.extra.get('tokens', 0)} tokens{rate_text}")


def cancellable(name: str, work: Callable[[], T], token: CancelToken) -> T:
    """Run `work` in a thread so Ctrl+C cancels it (a ComfyUI job is interrupted, not abandoned)."""
    box: dict[str, Any] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # re-raised in the main thread
            box["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=target, name=f"vidgen-{name}", daemon=True).start()
    try:
        # An Event, not Thread.join: a join interrupted by Ctrl+C can wrongly report the thread
        # as finished afterwards (CPython gh-90882).
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        print("cancelling…", file=sys.stderr)
        token.cancel()
        if not finished.wait(15):
            raise Cancelled("Cancelled; ComfyUI did not confirm the interrupt in time.") from None
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_comfy_stage(
    client: ComfyClient,
    project: Project,
    request: StageRequest,
    settings: Settings,
    report: StderrProgress,
    token: CancelToken | None = None,
    detach: threading.Event | None = None,
) -> StageOutcome:
    token = token or CancelToken()
    return cancellable(
        request.stage,
        lambda: run_stage(
            client,
            project,
            request,
            report,
            token,
            settings=settings,
            timings=timings(),
            detach=detach,
        ),
        token,
    )


def read_scene(path: Path) -> Scene:
    try:
        return Scene.model_validate_json(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InvalidInput(f"Cannot read the scene file {path}.", detail=str(exc)) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InvalidInput(
            f"{path} is not a usable scene JSON ({problems}).",
            detail=str(exc),
            hint="Write it with `vidgen script --topic … --out scene.json`.",
        ) from exc
