"""`vidgen image`: scene.json → one image in the project folder, headless, same core as the panel.

Progress goes to stderr, the saved image's path to stdout, so `img=$(vidgen image …)` works.
Exit codes say what failed: 2 bad input, 3 ComfyUI unreachable, 4 server error, 7 disk trouble,
8 the server lacks a node pack / model file (nothing queued) or rejected the workflow,
9 the job failed while running (out of GPU memory included), 130 cancelled (Ctrl+C).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput
from vidgen_desktop.core.progress import Progress, format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import load_settings
from vidgen_desktop.paths import user_paths
from vidgen_desktop.pipeline import StageOutcome, StageRequest, StepRates, run_stage
from vidgen_desktop.pipeline.image_sizes import ASPECTS, preset_for
from vidgen_desktop.pipeline.stage_job import PreflightFailed
from vidgen_desktop.workflow import Stage, Workflow, availability, load_workflow, shipped_workflows

EPILOG = ("exit codes: 0 ok, 2 bad input, 3 ComfyUI unreachable, 4 ComfyUI error, 7 disk trouble, "
          "8 missing node pack/model file or workflow rejected, 9 job failed (e.g. out of GPU memory), "
          "130 cancelled")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "image", help="generate the scene's still image with ComfyUI",
        description="Generate an image for the scene's image prompt; print the saved file's path.",
        epilog=EPILOG)
    p.add_argument("--scene", type=Path, required=True, help="scene JSON (as `vidgen script` writes)")
    p.add_argument("--project", type=Path, required=True, help="project folder (created if missing)")
    p.add_argument("--workflow", help="workflow file (API format) or a shipped workflow's name")
    p.add_argument("--comfyui", metavar="URL", help="ComfyUI URL (default: settings)")
    p.add_argument("--aspect", choices=[a[0] for a in ASPECTS], help="size preset for the model")
    p.add_argument("--width", type=int, help="width in px (overrides --aspect)")
    p.add_argument("--height", type=int, help="height in px (overrides --aspect)")
    p.add_argument("--steps", type=int, help="sampler steps")
    p.add_argument("--cfg", type=float, help="CFG scale")
    p.add_argument("--seed", type=int, help="fixed seed (default: random, printed at the end)")
    p.add_argument("--style", default="", help="style / instructions appended to the prompt")
    p.add_argument("--prompt", help="use this prompt instead of the scene's image prompt")
    p.add_argument("--negative", help="use this negative prompt instead of the scene's")
    p.add_argument("--no-handoff", action="store_true", help="do not unload Ollama's model first")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def read_scene(path: Path) -> Scene:
    try:
        return Scene.model_validate_json(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InvalidInput(f"Cannot read the scene file {path}.", detail=str(exc)) from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise InvalidInput(f"{path} is not a usable scene JSON ({problems}).", detail=str(exc),
                           hint="Write it with `vidgen script --topic … --out scene.json`.") from exc


def choose_workflow(spec: str | None, remembered: str, client: ComfyClient) -> Workflow:
    """A file path or a shipped name; else the app's choice, else the first the server can run."""
    shipped = shipped_workflows(stage=Stage.IMAGE)
    if spec:
        path = Path(spec)
        if path.suffix.lower() == ".json" or path.exists():
            return load_workflow(path, stage=Stage.IMAGE)
        for wf in shipped:
            if wf.name.lower() == spec.lower() or (wf.path and wf.path.stem == spec):
                return wf
        names = ", ".join(f"“{wf.name}”" for wf in shipped)
        raise InvalidInput(f"No image workflow called “{spec}”.", hint=f"Use a file path or one of {names}.")
    avail = availability(shipped, client.object_info())
    for a in avail:
        if a.workflow.name == remembered and a.usable:
            return a.workflow
    usable = [a.workflow for a in avail if a.usable]
    if usable:
        return usable[0]
    first = avail[0]
    raise PreflightFailed(first.workflow, first.problems)


def build_params(args: argparse.Namespace, scene: Scene, wf: Workflow) -> tuple[dict[str, Any], dict[str, Any]]:
    positive = (args.prompt if args.prompt is not None else scene.image.positive_prompt).strip()
    negative = (args.negative if args.negative is not None else scene.image.negative_prompt).strip()
    if not positive:
        raise InvalidInput("The image prompt is empty.")
    params: dict[str, Any] = {"positive": positive, "seed": args.seed}
    if "negative" in wf.params:
        params["negative"] = negative
    if args.style:
        params["style"] = args.style
    width, height = args.width, args.height
    if args.aspect and (width is None or height is None):
        preset = preset_for(wf, args.aspect)
        width, height = width or preset.width, height or preset.height
    for name, value in (("width", width), ("height", height), ("steps", args.steps), ("cfg", args.cfg)):
        if value is not None:
            if value <= 0 and name != "cfg":
                raise InvalidInput(f"--{name} must be positive.")
            params[name] = value
    for name in ("width", "height"):  # the take records the size really used
        if name not in params and wf.default(name) is not None:
            params[name] = int(wf.default(name))
    settings = {"prompt": positive, "style": args.style, "source": "vidgen image"}
    return params, {k: v for k, v in settings.items() if v}


class StderrProgress:
    """At most ~2 lines a second, plus every change of what is happening."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last_t = 0.0
        self.last_msg = ""

    def __call__(self, p: Progress) -> None:
        if self.quiet or p.kind == "preview" or not p.message:
            return
        now = time.monotonic()
        head = p.message.split(":")[0]
        if head == self.last_msg and now - self.last_t < 0.5:
            return
        self.last_t, self.last_msg = now, head
        pct = f"[{p.fraction * 100:3.0f}%] " if p.fraction is not None else "       "
        eta = f" · about {format_duration(p.eta_s)} left" if p.eta_s is not None else ""
        print(f"{pct}{p.message}{eta}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    paths = user_paths()
    settings = load_settings(paths.settings_file)
    if args.comfyui:
        settings.comfyui_url = args.comfyui
    if args.no_handoff:
        settings.gpu_handoff = False
    scene = read_scene(args.scene)
    project = Project.create(args.project)
    if project.data.scene != scene:
        project.set_scene(scene)
    client = ComfyClient(settings.comfyui_url)
    token = CancelToken()
    report = StderrProgress(args.quiet)
    try:
        wf = choose_workflow(args.workflow, settings.workflows.get("image", ""), client)
        params, take_settings = build_params(args, scene, wf)
        request = StageRequest("image", wf, params, take_settings=take_settings)
        if not args.quiet:
            print(f"Workflow: {wf.name} · ComfyUI at {settings.comfyui_url}", file=sys.stderr)
        outcome = _run_cancellable(client, project, request, report, token, settings,
                                   StepRates(paths.data_dir / "step_rates.json"))
    finally:
        client.close()
    if not args.quiet:
        seed = f", seed {outcome.seed}" if outcome.seed is not None else ""
        print(f"done in {format_duration(outcome.job.elapsed_s)}{seed}", file=sys.stderr)
    sys.stdout.write(f"{project.path_of(outcome.take)}\n")
    sys.stdout.flush()
    return 0


def _run_cancellable(client, project, request, report, token, settings, rates) -> StageOutcome:  # noqa: ANN001
    """Run in a thread so Ctrl+C cancels the ComfyUI job (interrupt) instead of abandoning it."""
    box: dict[str, Any] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            box["outcome"] = run_stage(client, project, request, report, token, settings=settings,
                                       step_rates=rates)
        except BaseException as exc:  # re-raised in the main thread
            box["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=work, name="vidgen-image", daemon=True).start()
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
    return box["outcome"]
