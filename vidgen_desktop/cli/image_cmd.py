"""`vidgen image`: scene.json → one image in the project folder, headless, same core as the panel.

Progress goes to stderr, the saved image's path to stdout, so `img=$(vidgen image …)` works.
Exit codes say what failed: 2 bad input, 3 ComfyUI unreachable, 4 server error, 7 disk trouble,
8 the server lacks a node pack / model file (nothing queued) or rejected the workflow,
9 the job failed while running (out of GPU memory included), 130 cancelled (Ctrl+C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vidgen_desktop.cli.stage_common import (
    StderrProgress,
    choose_workflow,
    read_scene,
    run_comfy_stage,
)
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import load_settings
from vidgen_desktop.paths import user_paths
from vidgen_desktop.pipeline import StageRequest
from vidgen_desktop.pipeline.image_sizes import ASPECTS, preset_for
from vidgen_desktop.workflow import Stage, Workflow

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
        wf = choose_workflow(Stage.IMAGE, args.workflow, settings.workflows.get("image", ""), client)
        params, take_settings = build_params(args, scene, wf)
        request = StageRequest("image", wf, params, take_settings=take_settings)
        if not args.quiet:
            print(f"Workflow: {wf.name} · ComfyUI at {settings.comfyui_url}", file=sys.stderr)
        outcome = run_comfy_stage(client, project, request, settings, report, token)
    finally:
        client.close()
    if not args.quiet:
        seed = f", seed {outcome.seed}" if outcome.seed is not None else ""
        print(f"done in {format_duration(outcome.job.elapsed_s)}{seed}", file=sys.stderr)
    sys.stdout.write(f"{project.path_of(outcome.take)}\n")
    sys.stdout.flush()
    return 0
